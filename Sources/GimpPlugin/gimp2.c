/*
 * gimp2.c — the GIMP 2.10 plug-in: Filters ▸ Artistic ▸ Neural Style… and the PDB procedure
 *
 *   plug-in-stylefilter (run-mode, image, drawable, style-file STRING, options STRING)
 *
 * `options` is the library's option string ("iterations=10 colors=luminance", the option table's
 * rows) plus the plug-in's own settings (style=, style-layer=, style-blend=, model=, output=,
 * mask=; neural_style.h and the procedure's help), so the signature never changes as options are
 * added. Everything specific to GIMP 2 is in this file: registration, the dialog and its preview,
 * pixels through GEGL buffers, undo, progress. neural_style.c holds what a GIMP 3 plug-in (its
 * GimpProcedure API) would share.
 *
 * Cancel. GIMP 2.10 does not tell a plug-in that the user pressed cancel on its progress: the core
 * (app/plug-in/gimpplugin-progress.c) answers the progress's "cancel" signal by closing the
 * plug-in — it writes GP_QUIT to the pipe, waits 10 ms, then kills the process with SIGKILL
 * (gimp_plug_in_close) — and gimp_progress_update has nothing to report. So a run writes nothing
 * to the image until its result is complete: until then every pixel is in this process's memory,
 * a cancel ends the process at once and the image is as it was. The undo group and the shadow
 * buffer are opened only for the final write, which takes a fraction of a second. The dialog's
 * preview runs in this process and is cancelled through the library's progress callback.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libgimp/gimp.h>
#include <libgimp/gimpui.h>

#include "neural_style.h"

#define PROCEDURE         "plug-in-stylefilter"
#define BINARY            "stylefilter"
#define MESSAGE_SIZE      4096
#define ERROR_SIZE        (MESSAGE_SIZE - 64) /* a run's error, within a message */
#define BAND_ROWS         64
#define MAX_DIALOG_STYLES 8
#define MAX_CONTROLS      64

/* ---- The plug-in's own settings: output= and mask= ----------------------------------------- */

typedef enum { OUTPUT_REPLACE = 0, OUTPUT_NEW_LAYER = 1 } output_mode;
typedef enum { REGION_SELECTION = 0, REGION_LAYER_MASK = 1, REGION_CHANNEL = 2 } region_kind;

typedef struct {
    int output; /* an output_mode */
    int region; /* a region_kind */
    char channel[256];
} host_settings;

static const char *const host_key_names[] = {"output", "mask", NULL};

static int set_host_key(void *user, const char *name, const char *value, char *error, size_t size) {
    host_settings *h = user;
    if (strcmp(name, "output") == 0) {
        if (strcmp(value, "replace") == 0 || strcmp(value, "new-layer") == 0) {
            h->output = strcmp(value, "new-layer") == 0 ? OUTPUT_NEW_LAYER : OUTPUT_REPLACE;
            return 1;
        }
        snprintf(error, size, "output=%s: give replace or new-layer", value);
        return 0;
    }
    if (strcmp(value, "selection") == 0) {
        h->region = REGION_SELECTION;
        return 1;
    }
    if (strcmp(value, "layer-mask") == 0) {
        h->region = REGION_LAYER_MASK;
        return 1;
    }
    if (strncmp(value, "channel:", 8) == 0 && value[8] && strlen(value + 8) < sizeof h->channel) {
        h->region = REGION_CHANNEL;
        snprintf(h->channel, sizeof h->channel, "%s", value + 8);
        return 1;
    }
    snprintf(error, size, "mask=%s: give selection, layer-mask or channel:NAME", value);
    return 0;
}

static int parse_settings(ns_settings *s, host_settings *h, const char *style_file, const char *text,
                          char *error, size_t size) {
    memset(h, 0, sizeof *h);
    ns_host_keys keys = {host_key_names, set_host_key, h};
    return ns_settings_parse(s, style_file, text, &keys, error, size);
}

/* ---- Pixels ------------------------------------------------------------------------------- */

/* A rectangle of a drawable in a babl format, rows packed, into `out`. */
static int read_pixels(gint32 drawable, int x, int y, int w, int h, const char *format, void *out) {
    GeglBuffer *buffer = gimp_drawable_get_buffer(drawable);
    if (buffer == NULL) return 0;
    gegl_buffer_get(buffer, GEGL_RECTANGLE(x, y, w, h), 1.0, babl_format(format), out, GEGL_AUTO_ROWSTRIDE,
                    GEGL_ABYSS_NONE);
    g_object_unref(buffer);
    return 1;
}

/* One byte per pixel of a channel (selection, layer mask, channel), or NULL. */
static guchar *read_channel(gint32 channel, int x, int y, int w, int h) {
    guchar *m = g_try_malloc((gsize)w * h);
    if (m && !read_pixels(channel, x, y, w, h, "Y u8", m)) {
        g_free(m);
        m = NULL;
    }
    return m;
}

/* A style image: a file read by GIMP's loaders (its visible layers, merged), or an open layer. */
static int load_style(const ns_style_source *source, sf_image *out, char *error, size_t size) {
    gint32 loaded = -1, drawable;
    if (source->kind == NS_STYLE_FILE) {
        if (!g_file_test(source->file, G_FILE_TEST_IS_REGULAR)) {
            snprintf(error, size, "Cannot read the style image %s: there is no such file", source->file);
            return 0;
        }
        loaded = gimp_file_load(GIMP_RUN_NONINTERACTIVE, source->file, source->file);
        if (loaded < 1) {
            snprintf(error, size, "Cannot read the style image %s: %s", source->file, gimp_get_pdb_error());
            return 0;
        }
        drawable = gimp_layer_new_from_visible(loaded, loaded, "style");
    } else {
        drawable = source->id;
        if (!gimp_item_is_valid(drawable) || !gimp_item_is_drawable(drawable)) {
            snprintf(error, size, "style-layer=%d: there is no such layer (was its image closed?)",
                     source->id);
            return 0;
        }
    }
    int w = drawable > 0 ? gimp_drawable_width(drawable) : 0,
        h = drawable > 0 ? gimp_drawable_height(drawable) : 0;
    int ok = w > 0 && h > 0 && ns_image_alloc(out, (uint32_t)w, (uint32_t)h, SF_FORMAT_RGB16) &&
             read_pixels(drawable, 0, 0, w, h, "R'G'B' u16", out->data);
    if (!ok) {
        ns_image_free(out);
        snprintf(error, size, "Cannot use the style image %s (%d\xc3\x97%d): too large, or not enough memory",
                 source->kind == NS_STYLE_FILE ? source->file : "layer", w, h);
    }
    if (loaded > 0) {
        if (drawable > 0) gimp_item_delete(drawable);
        gimp_image_delete(loaded);
    }
    return ok;
}

/* The style images of the current settings, each read once for the dialog's previews and the run
 * after it; an image the settings no longer name is dropped. */
typedef struct {
    ns_style_source source;
    sf_image image;
} cached_style;

typedef struct {
    cached_style items[SF_MAX_STYLES];
    size_t count;
} style_cache;

static int same_source(const ns_style_source *a, const ns_style_source *b) {
    if (a->kind != b->kind) return 0;
    return a->kind == NS_STYLE_FILE ? strcmp(a->file, b->file) == 0 : a->id == b->id;
}

static void drop_cached(cached_style *c) {
    ns_image_free(&c->image);
    g_free(c->source.file);
}

static int gather_styles(style_cache *cache, const ns_settings *s, sf_image *out, char *error, size_t size) {
    for (size_t i = 0; i < cache->count;) {
        int named = 0;
        for (size_t k = 0; k < s->style_count; k++)
            named |= same_source(&cache->items[i].source, &s->styles[k]);
        if (named) {
            i++;
            continue;
        }
        drop_cached(&cache->items[i]);
        cache->items[i] = cache->items[--cache->count];
    }
    for (size_t k = 0; k < s->style_count; k++) {
        size_t i = 0;
        while (i < cache->count && !same_source(&cache->items[i].source, &s->styles[k])) i++;
        if (i == cache->count) {
            cached_style *c = &cache->items[cache->count];
            memset(c, 0, sizeof *c);
            if (!load_style(&s->styles[k], &c->image, error, size)) return 0;
            c->source = s->styles[k];
            c->source.file = g_strdup(s->styles[k].file);
            cache->count++;
        }
        out[k] = cache->items[i].image;
    }
    return 1;
}

static void style_cache_free(style_cache *cache) {
    for (size_t i = 0; i < cache->count; i++) drop_cached(&cache->items[i]);
    cache->count = 0;
}

/* ---- Checks and the region ----------------------------------------------------------------- */

static int usable_drawable(gint32 image, gint32 drawable, const host_settings *h, char *error, size_t size) {
    if (!gimp_item_is_valid(drawable) || !gimp_item_is_drawable(drawable) ||
        gimp_item_get_image(drawable) != image) {
        snprintf(error, size, "drawable %d is not a drawable of image %d", drawable, image);
        return 0;
    }
    if (gimp_drawable_is_indexed(drawable)) {
        snprintf(error, size,
                 "Neural Style works on RGB and grayscale layers, not indexed ones: convert the image "
                 "with Image \xe2\x96\xb8 Mode \xe2\x96\xb8 RGB first");
        return 0;
    }
    if (gimp_item_is_group(drawable)) {
        snprintf(error, size, "Neural Style cannot paint a layer group: choose one of its layers");
        return 0;
    }
    if (h && h->output == OUTPUT_NEW_LAYER && !gimp_item_is_layer(drawable)) {
        snprintf(error, size, "output=new-layer needs a layer, and the active drawable is a channel or mask");
        return 0;
    }
    return 1;
}

/* The channel that limits the region besides the selection (0: none), or -1 with a message. */
static gint32 region_channel(gint32 image, gint32 drawable, const host_settings *h, char *error,
                             size_t size) {
    gint32 channel = 0;
    if (h->region == REGION_LAYER_MASK) {
        channel = gimp_item_is_layer(drawable) ? gimp_layer_get_mask(drawable) : -1;
        if (channel <= 0) snprintf(error, size, "mask=layer-mask: the layer has no layer mask");
    } else if (h->region == REGION_CHANNEL) {
        channel = gimp_image_get_channel_by_name(image, h->channel);
        if (channel <= 0)
            snprintf(error, size, "mask=channel:%s: the image has no channel of that name", h->channel);
    }
    return channel > 0 || h->region == REGION_SELECTION ? channel : -1;
}

/* Multiplies `a` by `b` (both one byte per pixel); b NULL: a unchanged. */
static void multiply_masks(guchar *a, const guchar *b, size_t n) {
    for (size_t i = 0; b && i < n; i++) a[i] = (guchar)((a[i] * b[i] + 127) / 255);
}

/* 1: every byte is 255 (the mask limits nothing); -1: every byte is 0; 0: otherwise. */
static int mask_extent(const guchar *m, size_t n) {
    int full = 1, empty = 1;
    for (size_t i = 0; i < n && (full || empty); i++) {
        full &= m[i] == 255;
        empty &= m[i] == 0;
    }
    return full ? 1 : empty ? -1 : 0;
}

/* The run's region over the drawable's rectangle x, y, w × h: `library` is what the style is
 * matched in (selection × the chosen channel; NULL: everywhere), `blend` what this plug-in must
 * blend by itself (the chosen channel when the result replaces the layer, since GIMP's shadow
 * merge applies the selection; everything for a new layer; NULL: nothing). */
static int region_masks(gint32 image, gint32 drawable, const host_settings *h, int x, int y, int w, int hh,
                        guchar **library, guchar **blend, char *error, size_t size) {
    *library = *blend = NULL;
    gint32 channel = region_channel(image, drawable, h, error, size);
    if (channel < 0) return 0;
    gint ox = 0, oy = 0;
    gimp_drawable_offsets(drawable, &ox, &oy);
    size_t n = (size_t)w * hh;
    guchar *selection = NULL, *chosen = NULL;
    if (!gimp_selection_is_empty(image) &&
        (selection = read_channel(gimp_image_get_selection(image), x + ox, y + oy, w, hh)) == NULL)
        goto no_memory;
    if (channel > 0) {
        /* A layer mask lies on its layer; a channel on the image. */
        int layer_mask = h->region == REGION_LAYER_MASK;
        chosen = read_channel(channel, layer_mask ? x : x + ox, layer_mask ? y : y + oy, w, hh);
        if (chosen == NULL) goto no_memory;
    }
    /* The library's region: the selection times the chosen channel. */
    if (selection) {
        multiply_masks(selection, chosen, n);
        *library = selection;
    } else if (chosen && (*library = g_memdup2(chosen, n)) == NULL) {
        goto no_memory;
    }
    selection = NULL;
    if (h->output == OUTPUT_REPLACE) {
        *blend = chosen; /* GIMP's merge applies the selection */
    } else {
        g_free(chosen);
        if (*library && (*blend = g_memdup2(*library, n)) == NULL) {
            chosen = NULL;
            goto no_memory;
        }
    }
    chosen = NULL;
    int extent = *library ? mask_extent(*library, n) : 1;
    if (extent < 0) {
        snprintf(error, size, "The region is empty: the selection and the mask leave nothing to stylize");
        g_free(*library);
        g_free(*blend);
        *library = *blend = NULL;
        return 0;
    }
    if (extent == 1) {
        g_free(*library); /* the whole rectangle: no mask for the library (it costs time) */
        *library = NULL;
    }
    return 1;
no_memory:
    g_free(selection);
    g_free(chosen);
    g_free(*library);
    g_free(*blend);
    *library = *blend = NULL;
    snprintf(error, size, "Not enough memory for the selection's mask (%d\xc3\x97%d)", w, hh);
    return 0;
}

/* ---- Writing the result ------------------------------------------------------------------- */

static guint16 mix16(guint16 over, guint16 under, guchar weight) {
    return (guint16)((over * (guint32)weight + under * (guint32)(255 - weight) + 127) / 255);
}

/* The result into `target` over the rectangle x, y, w × h, band by band over the drawable's pixels
 * in `format` (`channels` of 16 bits): in place (as_layer 0), its colours, mixed with the
 * drawable's by `blend` where given, the alpha kept; as a layer (RGBA), its colours, and the
 * drawable's alpha times `blend`. */
static int write_bands(gint32 drawable, GeglBuffer *target, const char *format, int channels, int as_layer,
                       int x, int y, int w, int h, const sf_image *result, const guchar *blend) {
    const Babl *babl = babl_format(format);
    guint16 *band = g_try_malloc((gsize)w * BAND_ROWS * channels * sizeof(guint16));
    GeglBuffer *source = gimp_drawable_get_buffer(drawable);
    int ok = band && source && target;
    for (int y0 = 0; ok && y0 < h; y0 += BAND_ROWS) {
        int rows = MIN(BAND_ROWS, h - y0);
        const GeglRectangle rect = {x, y + y0, w, rows};
        gegl_buffer_get(source, &rect, 1.0, babl, band, GEGL_AUTO_ROWSTRIDE, GEGL_ABYSS_NONE);
        for (int r = 0; r < rows; r++) {
            const guint16 *out =
                (const guint16 *)((const char *)result->data + (size_t)(y0 + r) * result->stride_bytes);
            const guchar *weights = blend ? blend + (size_t)(y0 + r) * w : NULL;
            guint16 *p = band + (size_t)r * w * channels;
            for (int i = 0; i < w; i++, p += channels) {
                for (int c = 0; c < 3; c++)
                    p[c] = weights && !as_layer ? mix16(out[3 * i + c], p[c], weights[i]) : out[3 * i + c];
                if (weights && as_layer) p[3] = mix16(p[3], 0, weights[i]);
            }
        }
        gegl_buffer_set(target, &rect, 0, babl, band, GEGL_AUTO_ROWSTRIDE);
    }
    if (target) gegl_buffer_flush(target);
    if (source) g_object_unref(source);
    g_free(band);
    return ok;
}

/* The result into the drawable's rectangle through its shadow buffer, alpha kept; GIMP's merge
 * then applies the selection (soft edges included) and pushes one undo step. */
static int write_replace(gint32 drawable, int x, int y, int w, int h, const sf_image *result,
                         const guchar *blend) {
    int alpha = gimp_drawable_has_alpha(drawable);
    GeglBuffer *shadow = gimp_drawable_get_shadow_buffer(drawable);
    int ok = write_bands(drawable, shadow, alpha ? "R'G'B'A u16" : "R'G'B' u16", alpha ? 4 : 3, 0, x, y, w, h,
                         result, blend);
    if (shadow) g_object_unref(shadow);
    if (!ok) return 0;
    gimp_drawable_merge_shadow(drawable, TRUE);
    gimp_drawable_free_shadow(drawable);
    gimp_drawable_update(drawable, x, y, w, h);
    return 1;
}

/* The result as a new layer above the drawable: its size and place, transparent outside the
 * region, the region's alpha its mask times the drawable's alpha. */
static int write_new_layer(gint32 image, gint32 drawable, int x, int y, int w, int h, const sf_image *result,
                           const guchar *blend) {
    gint ox = 0, oy = 0;
    gimp_drawable_offsets(drawable, &ox, &oy);
    GimpImageType type = gimp_image_base_type(image) == GIMP_GRAY ? GIMP_GRAYA_IMAGE : GIMP_RGBA_IMAGE;
    gint32 layer = gimp_layer_new(image, "Neural Style", gimp_drawable_width(drawable),
                                  gimp_drawable_height(drawable), type, 100.0, GIMP_LAYER_MODE_NORMAL);
    if (layer <= 0) return 0;
    gint32 parent = gimp_item_get_parent(drawable);
    if (!gimp_image_insert_layer(image, layer, parent > 0 ? parent : -1,
                                 gimp_image_get_item_position(image, drawable))) {
        gimp_item_delete(layer);
        return 0;
    }
    gimp_layer_set_offsets(layer, ox, oy);
    gimp_drawable_fill(layer, GIMP_FILL_TRANSPARENT);
    GeglBuffer *target = gimp_drawable_get_buffer(layer);
    int ok = write_bands(drawable, target, "R'G'B'A u16", 4, 1, x, y, w, h, result, blend);
    if (target) g_object_unref(target);
    gimp_drawable_update(layer, 0, 0, gimp_drawable_width(layer), gimp_drawable_height(layer));
    gimp_image_set_active_layer(image, layer);
    return ok;
}

/* ---- A run -------------------------------------------------------------------------------- */

typedef struct {
    ns_progress progress;
    gint64 shown; /* when the bar was last updated (µs) */
} run_progress;

static int on_run_progress(const sf_progress *p, void *user) {
    run_progress *r = user;
    ns_progress_update(&r->progress, p);
    gint64 now = g_get_monotonic_time();
    if (now - r->shown >= 100000 || p->iteration >= p->planned) {
        r->shown = now;
        gimp_progress_set_text(r->progress.text);
        gimp_progress_update(r->progress.fraction);
    }
    return 0; /* GIMP's cancel ends this process instead (see the top of this file) */
}

/* Stylizes the drawable (its selected part) with the settings; the image is written only at the
 * end, as one undo step. */
static GimpPDBStatusType stylize(gint32 image, gint32 drawable, const char *style_file, const char *text,
                                 style_cache *cache, char *message, size_t size) {
    ns_settings s;
    host_settings h;
    char error[ERROR_SIZE] = "";
    GimpPDBStatusType status = GIMP_PDB_EXECUTION_ERROR;
    sf_image styles[SF_MAX_STYLES], content = {0}, output = {0}, mask = {0};
    guchar *library = NULL, *blend = NULL;
    sf_context *context = NULL;
    int x, y, w, hh;
    if (!parse_settings(&s, &h, style_file, text, error, sizeof error)) {
        snprintf(message, size, "%s", error);
        ns_settings_free(&s);
        return GIMP_PDB_CALLING_ERROR;
    }
    if (!usable_drawable(image, drawable, &h, error, sizeof error)) goto done;
    if (!gimp_drawable_mask_intersect(drawable, &x, &y, &w, &hh)) {
        status = GIMP_PDB_SUCCESS; /* the selection misses this layer: nothing to do */
        goto done;
    }
    gimp_progress_init("Neural Style: loading the model and the style images");
    if (ns_context(&context, s.model, error, sizeof error) != SF_OK ||
        !gather_styles(cache, &s, styles, error, sizeof error) ||
        !region_masks(image, drawable, &h, x, y, w, hh, &library, &blend, error, sizeof error))
        goto done;
    if (!ns_image_alloc(&content, (uint32_t)w, (uint32_t)hh, SF_FORMAT_RGB16) ||
        !ns_image_alloc(&output, (uint32_t)w, (uint32_t)hh, SF_FORMAT_RGB16) ||
        (library && !ns_mask_from_gray(&mask, library, (uint32_t)w, (uint32_t)hh))) {
        snprintf(error, sizeof error, "Not enough memory for a %d\xc3\x97%d layer (or larger than %u pixels)",
                 w, hh, SF_MAX_IMAGE_PIXELS);
        goto done;
    }
    if (!read_pixels(drawable, x, y, w, hh, "R'G'B' u16", content.data)) {
        snprintf(error, sizeof error, "Cannot read the layer's pixels");
        goto done;
    }
    run_progress progress = {.shown = 0};
    ns_progress_begin(&progress.progress);
    gimp_progress_set_text(progress.progress.text);
    if (ns_stylize(context, &s, &s.options, &content, styles, library ? &mask : NULL, &output,
                   on_run_progress, &progress, error, sizeof error) != SF_OK)
        goto done;
    gimp_progress_set_text("Neural Style: writing the result");
    gimp_image_undo_group_start(image);
    int written = h.output == OUTPUT_NEW_LAYER ? write_new_layer(image, drawable, x, y, w, hh, &output, blend)
                                               : write_replace(drawable, x, y, w, hh, &output, blend);
    gimp_image_undo_group_end(image);
    if (written)
        status = GIMP_PDB_SUCCESS;
    else
        snprintf(error, sizeof error, "Not enough memory to write the result");
done:
    /* GIMP names the procedure ("Execution error for 'Neural Style': …"): the message is the problem. */
    if (status != GIMP_PDB_SUCCESS) snprintf(message, size, "%s", error);
    ns_image_free(&content);
    ns_image_free(&output);
    ns_image_free(&mask);
    g_free(library);
    g_free(blend);
    ns_settings_free(&s);
    gimp_progress_end();
    return status;
}

/* ---- Last values: the style file and the option string ------------------------------------ */

static void load_last(char **style_file, char **text) {
    gint size = gimp_get_data_size(PROCEDURE);
    *style_file = *text = NULL;
    if (size > 1 && size < (1 << 20)) {
        gchar *blob = g_malloc0((gsize)size + 2); /* two NULs after the data, whatever it holds */
        if (gimp_get_data(PROCEDURE, blob)) {
            *style_file = g_strdup(blob);
            *text = g_strdup(blob + strlen(blob) + 1);
        }
        g_free(blob);
    }
    if (*style_file == NULL) *style_file = g_strdup("");
    if (*text == NULL) *text = g_strdup("");
}

static void save_last(const char *style_file, const char *text) {
    gsize a = strlen(style_file) + 1, b = strlen(text) + 1;
    gchar *blob = g_malloc(a + b);
    memcpy(blob, style_file, a);
    memcpy(blob + a, text, b);
    gimp_set_data(PROCEDURE, blob, (guint32)(a + b));
    g_free(blob);
}

/* ---- The dialog --------------------------------------------------------------------------- */

typedef struct {
    GtkWidget *box, *source, *file, *layer, *remove;
    GtkObject *weight;
} style_row;

typedef struct {
    ns_control control;
    GtkWidget *widget;     /* a combo box or an entry */
    GtkObject *adjustment; /* a slider's */
} control_widget;

typedef struct preview_job preview_job;

typedef struct {
    gint32 image, drawable;
    GtkWidget *dialog, *preview, *status, *styles_box, *add;
    style_row styles[MAX_DIALOG_STYLES];
    size_t style_count;
    control_widget controls[MAX_CONTROLS];
    size_t control_count;
    GtkWidget *region, *channel, *new_layer;
    style_cache *cache;
    preview_job *job;
    guint poll;
    gint wanted; /* the settings' generation: a job of an older one is cancelled */
    gboolean restart;
} dialog_state;

static void invalidate(dialog_state *d) {
    if (d->preview) gimp_preview_invalidate(GIMP_PREVIEW(d->preview));
}

static void on_changed(GtkWidget *widget, dialog_state *d) {
    (void)widget;
    invalidate(d);
}

static void on_int_changed(GtkWidget *widget, gpointer data) {
    on_changed(widget, data);
}

/* The dialog's settings as the PDB's arguments: style-file "" and everything in the text. */
static void dialog_settings(dialog_state *d, char **style_file, char **text) {
    char *t = g_strdup(""), number[64];
    double weights[MAX_DIALOG_STYLES];
    size_t used = 0;
    int equal = 1;
    for (size_t k = 0; k < d->style_count; k++) {
        style_row *r = &d->styles[k];
        gint kind = NS_STYLE_FILE, id = 0;
        gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(r->source), &kind);
        if (kind == NS_STYLE_FILE) {
            gchar *file = gtk_file_chooser_get_filename(GTK_FILE_CHOOSER(r->file));
            int ok = file && ns_append_setting(&t, "style", file);
            g_free(file);
            if (!ok) continue;
        } else {
            if (!gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(r->layer), &id) || id <= 0) continue;
            snprintf(number, sizeof number, "%d", id);
            if (!ns_append_setting(&t, "style-layer", number)) continue;
        }
        weights[used] = gtk_adjustment_get_value(GTK_ADJUSTMENT(r->weight));
        equal &= weights[used] == weights[0];
        used++;
    }
    if (!equal) {
        GString *blend = g_string_new("");
        for (size_t k = 0; k < used; k++) g_string_append_printf(blend, "%s%g", k ? "," : "", weights[k]);
        ns_append_setting(&t, "style-blend", blend->str);
        g_string_free(blend, TRUE);
    }
    for (size_t i = 0; i < d->control_count; i++) {
        control_widget *c = &d->controls[i];
        gchar *value = NULL;
        if (c->adjustment) {
            double v = gtk_adjustment_get_value(GTK_ADJUSTMENT(c->adjustment));
            value = c->control.kind == NS_CONTROL_INT ? g_strdup_printf("%.0f", v) : g_strdup_printf("%g", v);
        } else if (c->control.kind == NS_CONTROL_CHOICE) {
            char word[128];
            if (ns_choice(c->control.row.choices,
                          (size_t)MAX(0, gtk_combo_box_get_active(GTK_COMBO_BOX(c->widget))), word,
                          sizeof word))
                value = g_strdup(word);
        } else {
            value = g_strdup(gtk_entry_get_text(GTK_ENTRY(c->widget)));
        }
        if (value && !ns_is_default(&c->control.row, value))
            ns_append_setting(&t, c->control.row.name, value);
        g_free(value);
    }
    if (gtk_toggle_button_get_active(GTK_TOGGLE_BUTTON(d->new_layer)))
        ns_append_setting(&t, "output", "new-layer");
    gint region = REGION_SELECTION, channel = 0;
    gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(d->region), &region);
    if (region == REGION_LAYER_MASK) ns_append_setting(&t, "mask", "layer-mask");
    if (region == REGION_CHANNEL && gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(d->channel), &channel) &&
        channel > 0) {
        gchar *name = gimp_item_get_name(channel), *value = g_strdup_printf("channel:%s", name);
        ns_append_setting(&t, "mask", value);
        g_free(name);
        g_free(value);
    }
    *style_file = g_strdup("");
    *text = t;
}

/* ---- The preview: a small run in a thread, cancelled when the settings change again -------- */

struct preview_job {
    GThread *thread;
    gint generation;
    gint *wanted;
    sf_context *context;
    ns_settings settings;
    sf_image styles[SF_MAX_STYLES];
    sf_image content, output, mask;
    int has_mask;
    int width, height, bpp;
    guchar *source; /* the preview's pixels, in the drawable's layout (bpp 1–4, 8 bits) */
    guchar *blend;  /* a channel region blended by hand, or NULL */
    gint done, iteration, planned;
    int status;
    char error[MESSAGE_SIZE];
    gint64 started;
};

static void free_job(preview_job *job) {
    ns_settings_free(&job->settings);
    ns_image_free(&job->content);
    ns_image_free(&job->output);
    ns_image_free(&job->mask);
    g_free(job->source);
    g_free(job->blend);
    g_free(job);
}

static int preview_progress(const sf_progress *p, void *user) {
    preview_job *job = user;
    g_atomic_int_set(&job->iteration, p->iteration);
    g_atomic_int_set(&job->planned, p->planned);
    return g_atomic_int_get(job->wanted) != job->generation;
}

static gpointer preview_worker(gpointer data) {
    preview_job *job = data;
    job->status = ns_stylize(job->context, &job->settings, &job->settings.options, &job->content, job->styles,
                             job->has_mask ? &job->mask : NULL, &job->output, preview_progress, job,
                             job->error, sizeof job->error);
    g_atomic_int_set(&job->done, 1);
    return NULL;
}

static void set_status(dialog_state *d, const char *text) {
    gtk_label_set_text(GTK_LABEL(d->status), text);
}

/* The region at the preview's size, as the zoom preview shows the drawable: `library` for the
 * run, `blend` (a channel region) for the drawing; GimpZoomPreview applies the selection itself. */
static void preview_region(dialog_state *d, const host_settings *h, preview_job *job, guchar **library) {
    GimpPreview *preview = GIMP_PREVIEW(d->preview);
    gint sx, sy, ex = 0, ey = 0, ew, eh, ox = 0, oy = 0, w = job->width, hh = job->height, bpp;
    gimp_preview_untransform(preview, 0, 0, &sx, &sy);
    if (!gimp_drawable_mask_intersect(d->drawable, &ex, &ey, &ew, &eh)) {
        ew = gimp_drawable_width(d->drawable);
        eh = gimp_drawable_height(d->drawable);
    }
    double zoom = gimp_zoom_preview_get_factor(GIMP_ZOOM_PREVIEW(d->preview));
    gint sw = MAX(1, (gint)(ew / zoom)), sh = MAX(1, (gint)(eh / zoom));
    gimp_drawable_offsets(d->drawable, &ox, &oy);
    *library = NULL;
    if (!gimp_selection_is_empty(d->image)) {
        *library = gimp_drawable_get_sub_thumbnail_data(gimp_image_get_selection(d->image), sx + ox, sy + oy,
                                                        sw, sh, &w, &hh, &bpp);
        if (*library && (w != job->width || hh != job->height || bpp != 1)) g_clear_pointer(library, g_free);
    }
    char error[256];
    gint32 channel = region_channel(d->image, d->drawable, h, error, sizeof error);
    if (channel > 0) {
        int layer_mask = h->region == REGION_LAYER_MASK;
        w = job->width;
        hh = job->height;
        job->blend = gimp_drawable_get_sub_thumbnail_data(channel, layer_mask ? sx : sx + ox,
                                                          layer_mask ? sy : sy + oy, sw, sh, &w, &hh, &bpp);
        if (job->blend && (w != job->width || hh != job->height || bpp != 1))
            g_clear_pointer(&job->blend, g_free);
        if (job->blend && *library)
            multiply_masks(*library, job->blend, (size_t)w * hh);
        else if (job->blend)
            *library = g_memdup2(job->blend, (gsize)w * hh);
    }
}

static gboolean preview_poll(gpointer data);

/* Starts a preview of the current settings (no job is running). */
static void start_preview(dialog_state *d) {
    char error[MESSAGE_SIZE] = "", *style_file = NULL, *text = NULL;
    host_settings h;
    guchar *library = NULL;
    preview_job *job = g_new0(preview_job, 1);
    job->generation = g_atomic_int_get(&d->wanted);
    job->wanted = &d->wanted;
    dialog_settings(d, &style_file, &text);
    gchar *small = g_strdup_printf("%s %s", text, ns_preview_settings());
    int ok = parse_settings(&job->settings, &h, style_file, small, error, sizeof error) &&
             ns_context(&job->context, job->settings.model, error, sizeof error) == SF_OK &&
             gather_styles(d->cache, &job->settings, job->styles, error, sizeof error);
    gimp_progress_end(); /* the style files' loaders report on the image window */
    g_free(style_file);
    g_free(text);
    g_free(small);
    if (ok) {
        job->source =
            gimp_zoom_preview_get_source(GIMP_ZOOM_PREVIEW(d->preview), &job->width, &job->height, &job->bpp);
        ok = job->source && job->bpp >= 1 && job->bpp <= 4 &&
             ns_image_alloc(&job->content, (uint32_t)job->width, (uint32_t)job->height, SF_FORMAT_RGB8) &&
             ns_image_alloc(&job->output, (uint32_t)job->width, (uint32_t)job->height, SF_FORMAT_RGB8);
        if (!ok) snprintf(error, sizeof error, "no preview of this size");
    }
    if (ok) {
        guchar *rgb = job->content.data;
        int gray = job->bpp <= 2;
        for (int i = 0; i < job->width * job->height; i++)
            for (int c = 0; c < 3; c++) rgb[3 * i + c] = job->source[i * job->bpp + (gray ? 0 : c)];
        preview_region(d, &h, job, &library);
        job->has_mask = library && mask_extent(library, (size_t)job->width * job->height) != 1;
        if (job->has_mask &&
            !ns_mask_from_gray(&job->mask, library, (uint32_t)job->width, (uint32_t)job->height))
            job->has_mask = 0;
        g_free(library);
        job->started = g_get_monotonic_time();
        GError *gerror = NULL;
        job->thread = g_thread_try_new("stylefilter-preview", preview_worker, job, &gerror);
        if (job->thread == NULL) {
            snprintf(error, sizeof error, "no thread for the preview: %s", gerror ? gerror->message : "?");
            g_clear_error(&gerror);
            ok = 0;
        }
    }
    if (!ok) {
        gchar *line = g_strdup_printf("Preview: %s", error);
        set_status(d, line);
        g_free(line);
        free_job(job);
        return;
    }
    d->job = job;
    set_status(d, "Preview: starting");
    if (!d->poll) d->poll = g_timeout_add(100, preview_poll, d);
}

/* The finished preview's pixels in the drawable's layout, over the source where a channel region
 * leaves it. */
static void draw_preview(dialog_state *d, preview_job *job) {
    int n = job->width * job->height, bpp = job->bpp;
    guchar *buffer = g_malloc((gsize)n * bpp);
    const guchar *out = job->output.data;
    for (int i = 0; i < n; i++) {
        const guchar *src = job->source + (gsize)i * bpp;
        guchar *dst = buffer + (gsize)i * bpp;
        guchar rgb[3];
        for (int c = 0; c < 3; c++) rgb[c] = out[3 * i + c];
        if (bpp <= 2) {
            guchar y = (guchar)(0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2] + 0.5);
            dst[0] =
                job->blend ? (guchar)((y * job->blend[i] + src[0] * (255 - job->blend[i]) + 127) / 255) : y;
        } else {
            for (int c = 0; c < 3; c++)
                dst[c] = job->blend
                             ? (guchar)((rgb[c] * job->blend[i] + src[c] * (255 - job->blend[i]) + 127) / 255)
                             : rgb[c];
        }
        if (bpp == 2 || bpp == 4) dst[bpp - 1] = src[bpp - 1];
    }
    gimp_preview_draw_buffer(GIMP_PREVIEW(d->preview), buffer, job->width * bpp);
    g_free(buffer);
}

static gboolean preview_poll(gpointer data) {
    dialog_state *d = data;
    preview_job *job = d->job;
    if (job == NULL) {
        d->poll = 0;
        return FALSE;
    }
    if (!g_atomic_int_get(&job->done)) {
        gint i = g_atomic_int_get(&job->iteration), n = g_atomic_int_get(&job->planned);
        if (n > 0 && !d->restart) {
            gchar *line = g_strdup_printf("Preview: iteration %d of %d", i, n);
            set_status(d, line);
            g_free(line);
        }
        return TRUE;
    }
    g_thread_join(job->thread);
    d->job = NULL;
    if (job->generation == g_atomic_int_get(&d->wanted)) {
        gchar *line;
        if (job->status == SF_OK) {
            draw_preview(d, job);
            line = g_strdup_printf("Preview: %.1f s (a quick run at this size)",
                                   (g_get_monotonic_time() - job->started) / 1e6);
        } else {
            line = g_strdup_printf("Preview: %s", job->error);
        }
        set_status(d, line);
        g_free(line);
    }
    free_job(job);
    if (d->restart) {
        d->restart = FALSE;
        start_preview(d);
    }
    if (d->job) return TRUE;
    d->poll = 0;
    return FALSE;
}

static void on_invalidated(GimpPreview *preview, dialog_state *d) {
    (void)preview;
    g_atomic_int_inc(&d->wanted);
    if (d->job) {
        d->restart = TRUE;
        set_status(d, "Preview: restarting with the new settings");
        return;
    }
    start_preview(d);
}

static void stop_preview(dialog_state *d) {
    g_atomic_int_inc(&d->wanted);
    if (d->job) {
        g_thread_join(d->job->thread); /* returns within one iteration: the callback cancels */
        free_job(d->job);
        d->job = NULL;
    }
    if (d->poll) g_source_remove(d->poll);
    d->poll = 0;
    d->restart = FALSE;
}

/* ---- Building the dialog ----------------------------------------------------------------- */

static void show_style_source(style_row *r) {
    gint kind = NS_STYLE_FILE;
    gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(r->source), &kind);
    gtk_widget_set_visible(r->file, kind == NS_STYLE_FILE);
    gtk_widget_set_visible(r->layer, kind == NS_STYLE_LAYER);
}

static void update_style_buttons(dialog_state *d) {
    for (size_t k = 0; k < d->style_count; k++)
        gtk_widget_set_sensitive(d->styles[k].remove, d->style_count > 1);
    gtk_widget_set_sensitive(d->add, d->style_count < MAX_DIALOG_STYLES);
}

static void on_source_changed(GtkWidget *combo, dialog_state *d) {
    for (size_t k = 0; k < d->style_count; k++)
        if (d->styles[k].source == combo) show_style_source(&d->styles[k]);
    invalidate(d);
}

static void on_remove_style(GtkWidget *button, dialog_state *d) {
    for (size_t k = 0; k < d->style_count; k++) {
        if (d->styles[k].remove != button) continue;
        gtk_widget_destroy(d->styles[k].box);
        memmove(&d->styles[k], &d->styles[k + 1], (d->style_count - k - 1) * sizeof d->styles[0]);
        d->style_count--;
        break;
    }
    update_style_buttons(d);
    invalidate(d);
}

static void add_style_row(dialog_state *d, const ns_style_source *source, double weight) {
    if (d->style_count == MAX_DIALOG_STYLES) return;
    style_row *r = &d->styles[d->style_count++];
    r->box = gtk_hbox_new(FALSE, 6);
    r->source = gimp_int_combo_box_new("Image file", NS_STYLE_FILE, "Open layer", NS_STYLE_LAYER, NULL);
    gimp_help_set_help_data(r->source, "A style image: a file, or a layer of any open image", NULL);
    r->file = gtk_file_chooser_button_new("Style image", GTK_FILE_CHOOSER_ACTION_OPEN);
    gtk_widget_set_size_request(r->file, 200, -1);
    r->layer = gimp_layer_combo_box_new(NULL, NULL);
    gtk_widget_set_size_request(r->layer, 200, -1);
    gtk_widget_set_no_show_all(r->file, TRUE);
    gtk_widget_set_no_show_all(r->layer, TRUE);
    r->weight = gtk_adjustment_new(weight, 0, 100, 0.1, 1, 0);
    GtkWidget *spin = gimp_spin_button_new(GTK_ADJUSTMENT(r->weight), 1, 2);
    gimp_help_set_help_data(
        spin, "Blend weight of this style (style-blend=W1,W2,…): the weights are normalised", NULL);
    r->remove = gtk_button_new_from_stock(GTK_STOCK_REMOVE);
    gtk_box_pack_start(GTK_BOX(r->box), r->source, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(r->box), r->file, TRUE, TRUE, 0);
    gtk_box_pack_start(GTK_BOX(r->box), r->layer, TRUE, TRUE, 0);
    gtk_box_pack_start(GTK_BOX(r->box), gtk_label_new("Weight"), FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(r->box), spin, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(r->box), r->remove, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(d->styles_box), r->box, FALSE, FALSE, 0);
    int kind = source ? source->kind : NS_STYLE_FILE;
    if (source && kind == NS_STYLE_FILE)
        gtk_file_chooser_set_filename(GTK_FILE_CHOOSER(r->file), source->file);
    gint layer = source && kind == NS_STYLE_LAYER && gimp_item_is_valid(source->id) ? source->id : 0;
    gimp_int_combo_box_connect(GIMP_INT_COMBO_BOX(r->layer), layer, G_CALLBACK(on_int_changed), d);
    gimp_int_combo_box_set_active(GIMP_INT_COMBO_BOX(r->source), kind);
    g_signal_connect(r->source, "changed", G_CALLBACK(on_source_changed), d);
    g_signal_connect(r->file, "file-set", G_CALLBACK(on_changed), d);
    g_signal_connect_swapped(r->weight, "value-changed", G_CALLBACK(invalidate), d);
    g_signal_connect(r->remove, "clicked", G_CALLBACK(on_remove_style), d);
    gtk_widget_show_all(r->box);
    show_style_source(r);
    update_style_buttons(d);
}

static void on_add_style(GtkWidget *button, dialog_state *d) {
    (void)button;
    add_style_row(d, NULL, 1.0);
    invalidate(d);
}

/* One control of the option table into `table` at `row`: a slider, a choice or an entry, with the
 * row's help, what it accepts and its name as the tooltip. */
static void add_control(dialog_state *d, GtkWidget *table, int row, const ns_control *control,
                        const char *text) {
    control_widget *c = &d->controls[d->control_count++];
    const sf_option_description *o = &control->row;
    char *value = ns_setting_value(text, o->name);
    const char *shown = value ? value : o->default_value ? o->default_value : "";
    gchar *tip = g_strdup_printf("%s\n%s=VALUE: %s (default %s)", o->help ? o->help : "", o->name,
                                 o->accepted ? o->accepted : "", o->default_value ? o->default_value : "");
    c->control = *control;
    if (control->kind == NS_CONTROL_INT || control->kind == NS_CONTROL_FLOAT) {
        double lower = o->has_minimum ? o->minimum + (o->minimum_exclusive ? control->step : 0) : -1e9;
        double upper = o->has_maximum ? o->maximum : 1e9;
        c->adjustment =
            gimp_scale_entry_new(GTK_TABLE(table), 0, row, control->label, 160, 6, strtod(shown, NULL),
                                 control->lower, control->upper, control->step, control->step * 10,
                                 (guint)control->digits, FALSE, lower, upper, tip, NULL);
        g_signal_connect_swapped(c->adjustment, "value-changed", G_CALLBACK(invalidate), d);
    } else {
        if (control->kind == NS_CONTROL_CHOICE) {
            char word[128];
            c->widget = gtk_combo_box_text_new();
            for (size_t k = 0; ns_choice(o->choices, k, word, sizeof word); k++) {
                gtk_combo_box_text_append_text(GTK_COMBO_BOX_TEXT(c->widget), word);
                if (strcmp(word, shown) == 0) gtk_combo_box_set_active(GTK_COMBO_BOX(c->widget), (gint)k);
            }
        } else {
            c->widget = gtk_entry_new();
            gtk_entry_set_text(GTK_ENTRY(c->widget), shown);
        }
        gimp_help_set_help_data(c->widget, tip, NULL);
        gimp_table_attach_aligned(GTK_TABLE(table), 0, row, control->label, 0.0, 0.5, c->widget, 2, FALSE);
        g_signal_connect(c->widget, "changed", G_CALLBACK(on_changed), d);
    }
    g_free(tip);
    g_free(value);
}

static gboolean same_image(gint32 image, gint32 item, gpointer data) {
    (void)item;
    return image == *(const gint32 *)data;
}

static void on_region_changed(GtkWidget *combo, dialog_state *d) {
    gint region = REGION_SELECTION;
    gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(combo), &region);
    gtk_widget_set_visible(d->channel, region == REGION_CHANNEL);
    invalidate(d);
}

/* The region and output controls: selection / layer mask / a channel; replace or a new layer. */
static void add_region_controls(dialog_state *d, GtkWidget *box, const host_settings *h) {
    GtkWidget *row = gtk_hbox_new(FALSE, 6);
    d->region = gimp_int_combo_box_new("Selection (all of the layer without one)", REGION_SELECTION, NULL);
    if (gimp_item_is_layer(d->drawable) && gimp_layer_get_mask(d->drawable) > 0)
        gimp_int_combo_box_append(GIMP_INT_COMBO_BOX(d->region), GIMP_INT_STORE_VALUE, REGION_LAYER_MASK,
                                  GIMP_INT_STORE_LABEL, "The layer's mask", -1);
    gint channels = 0;
    g_free(gimp_image_get_channels(d->image, &channels));
    if (channels > 0)
        gimp_int_combo_box_append(GIMP_INT_COMBO_BOX(d->region), GIMP_INT_STORE_VALUE, REGION_CHANNEL,
                                  GIMP_INT_STORE_LABEL, "A channel", -1);
    gimp_help_set_help_data(
        d->region,
        "Where the style goes (mask=): the selection with its soft edges, or the layer's "
        "mask or a channel (within the selection, if any). The style is matched inside it.",
        NULL);
    d->channel = gimp_channel_combo_box_new(same_image, &d->image);
    gtk_widget_set_no_show_all(d->channel, TRUE);
    gint32 chosen = h->region == REGION_CHANNEL ? gimp_image_get_channel_by_name(d->image, h->channel) : 0;
    gimp_int_combo_box_connect(GIMP_INT_COMBO_BOX(d->channel), chosen > 0 ? chosen : 0,
                               G_CALLBACK(on_int_changed), d);
    if (!gimp_int_combo_box_set_active(GIMP_INT_COMBO_BOX(d->region), h->region))
        gimp_int_combo_box_set_active(GIMP_INT_COMBO_BOX(d->region), REGION_SELECTION);
    g_signal_connect(d->region, "changed", G_CALLBACK(on_region_changed), d);
    gtk_box_pack_start(GTK_BOX(row), gtk_label_new("Region"), FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(row), d->region, TRUE, TRUE, 0);
    gtk_box_pack_start(GTK_BOX(row), d->channel, TRUE, TRUE, 0);
    gtk_box_pack_start(GTK_BOX(box), row, FALSE, FALSE, 0);
    d->new_layer = gtk_check_button_new_with_mnemonic("Put the result on a _new layer");
    gimp_help_set_help_data(d->new_layer,
                            "output=new-layer: a layer above this one, transparent outside the region; "
                            "else the layer is replaced",
                            NULL);
    gtk_toggle_button_set_active(GTK_TOGGLE_BUTTON(d->new_layer), h->output == OUTPUT_NEW_LAYER);
    gtk_widget_set_sensitive(d->new_layer, gimp_item_is_layer(d->drawable));
    g_signal_connect(d->new_layer, "toggled", G_CALLBACK(on_changed), d);
    gtk_box_pack_start(GTK_BOX(box), d->new_layer, FALSE, FALSE, 0);
    gint region = REGION_SELECTION;
    gimp_int_combo_box_get_active(GIMP_INT_COMBO_BOX(d->region), &region);
    gtk_widget_set_visible(d->channel, region == REGION_CHANNEL);
}

/* The controls of the option table: the main ones in `main_table`, the rest in `advanced`. */
static void add_option_controls(dialog_state *d, GtkWidget *main_table, GtkWidget *advanced,
                                const char *text) {
    ns_control controls[MAX_CONTROLS];
    size_t n = ns_controls(controls, MAX_CONTROLS);
    int main_rows = 0, other_rows = 0;
    for (size_t i = 0; i < n; i++) {
        GtkWidget *table = controls[i].main ? main_table : advanced;
        int row = controls[i].main ? main_rows++ : other_rows++;
        gtk_table_resize(GTK_TABLE(table), (guint)MAX(1, row + 1), 3);
        add_control(d, table, row, &controls[i], text);
    }
}

static gboolean run_dialog(gint32 image, gint32 drawable, char **style_file, char **text,
                           style_cache *cache) {
    gimp_ui_init(BINARY, FALSE);
    dialog_state *d = g_new0(dialog_state, 1);
    d->image = image;
    d->drawable = drawable;
    d->cache = cache;
    ns_settings saved;
    host_settings h;
    char error[MESSAGE_SIZE];
    int restored = parse_settings(&saved, &h, *style_file, *text, error, sizeof error);
    if (!restored) memset(&h, 0, sizeof h);

    d->dialog = gimp_dialog_new("Neural Style", BINARY, NULL, 0, gimp_standard_help_func, PROCEDURE,
                                "_Cancel", GTK_RESPONSE_CANCEL, "_OK", GTK_RESPONSE_OK, NULL);
    gtk_dialog_set_alternative_button_order(GTK_DIALOG(d->dialog), GTK_RESPONSE_OK, GTK_RESPONSE_CANCEL, -1);
    gimp_window_set_transient(GTK_WINDOW(d->dialog));
    GtkWidget *content = gtk_dialog_get_content_area(GTK_DIALOG(d->dialog));
    GtkWidget *columns = gtk_hbox_new(FALSE, 12);
    gtk_container_set_border_width(GTK_CONTAINER(columns), 12);
    gtk_box_pack_start(GTK_BOX(content), columns, TRUE, TRUE, 0);

    GtkWidget *left = gtk_vbox_new(FALSE, 6);
    gtk_box_pack_start(GTK_BOX(columns), left, TRUE, TRUE, 0);
    d->preview = gimp_zoom_preview_new_from_drawable_id(drawable);
    gtk_box_pack_start(GTK_BOX(left), d->preview, TRUE, TRUE, 0);
    d->status = gtk_label_new("Preview: waiting");
    gtk_misc_set_alignment(GTK_MISC(d->status), 0.0, 0.5);
    gtk_label_set_line_wrap(GTK_LABEL(d->status), TRUE);
    gtk_widget_set_size_request(d->status, 260, -1);
    gtk_box_pack_start(GTK_BOX(left), d->status, FALSE, FALSE, 0);

    GtkWidget *right = gtk_vbox_new(FALSE, 8);
    gtk_box_pack_start(GTK_BOX(columns), right, FALSE, FALSE, 0);
    GtkWidget *frame = gimp_frame_new("Style images");
    gtk_box_pack_start(GTK_BOX(right), frame, FALSE, FALSE, 0);
    GtkWidget *styles = gtk_vbox_new(FALSE, 4);
    gtk_container_add(GTK_CONTAINER(frame), styles);
    d->styles_box = gtk_vbox_new(FALSE, 4);
    gtk_box_pack_start(GTK_BOX(styles), d->styles_box, FALSE, FALSE, 0);
    d->add = gtk_button_new_with_mnemonic("_Add a style");
    GtkWidget *add_row = gtk_hbox_new(FALSE, 0);
    gtk_box_pack_start(GTK_BOX(add_row), d->add, FALSE, FALSE, 0);
    gtk_box_pack_start(GTK_BOX(styles), add_row, FALSE, FALSE, 0);
    g_signal_connect(d->add, "clicked", G_CALLBACK(on_add_style), d);
    for (size_t k = 0; restored && k < saved.style_count; k++)
        add_style_row(d, &saved.styles[k], saved.blend_count ? saved.blend[k] : 1.0);
    if (d->style_count == 0) add_style_row(d, NULL, 1.0);

    GtkWidget *main_table = gtk_table_new(1, 3, FALSE);
    gtk_table_set_col_spacings(GTK_TABLE(main_table), 6);
    gtk_table_set_row_spacings(GTK_TABLE(main_table), 4);
    gtk_box_pack_start(GTK_BOX(right), main_table, FALSE, FALSE, 0);
    add_region_controls(d, right, &h);
    GtkWidget *expander = gtk_expander_new_with_mnemonic("Ad_vanced");
    GtkWidget *advanced = gtk_table_new(1, 3, FALSE);
    gtk_table_set_col_spacings(GTK_TABLE(advanced), 6);
    gtk_table_set_row_spacings(GTK_TABLE(advanced), 4);
    gtk_container_add(GTK_CONTAINER(expander), advanced);
    gtk_box_pack_start(GTK_BOX(right), expander, FALSE, FALSE, 0);
    add_option_controls(d, main_table, advanced, restored ? *text : "");
    ns_settings_free(&saved);

    g_signal_connect(d->preview, "invalidated", G_CALLBACK(on_invalidated), d);
    gtk_widget_show_all(d->dialog);

    gboolean ok = FALSE;
    while (!ok && gimp_dialog_run(GIMP_DIALOG(d->dialog)) == GTK_RESPONSE_OK) {
        char *chosen_file, *chosen_text;
        dialog_settings(d, &chosen_file, &chosen_text);
        ns_settings check;
        ok = parse_settings(&check, &h, chosen_file, chosen_text, error, sizeof error);
        ns_settings_free(&check);
        if (ok) {
            g_free(*style_file);
            g_free(*text);
            *style_file = chosen_file;
            *text = chosen_text;
        } else {
            g_message("Neural Style: %s", error);
            g_free(chosen_file);
            g_free(chosen_text);
        }
    }
    stop_preview(d);
    gtk_widget_destroy(d->dialog);
    g_free(d);
    return ok;
}

/* ---- Registration and the procedure ------------------------------------------------------- */

/* The procedure's help: what `options` takes, the library's rows listed from its table. */
static gchar *procedure_help(void) {
    GString *help = g_string_new(
        "Repaints the drawable (its selection, with soft edges; the style is matched inside it) in the style "
        "of one or more images: neural style transfer (Gatys et al.) by libstylefilter. One undo step; "
        "alpha is kept; grayscale is stylized in colour and converted back; indexed images are refused.\n\n"
        "style-file: an image file of the style (any format GIMP reads), or \"\" when options name the "
        "styles.\n"
        "options: settings NAME=VALUE separated by blanks (quote a value with blanks: style=\"my "
        "file.png\"):\n"
        "  style=FILE (another style image), style-layer=ID (an open layer as a style image),\n"
        "  style-blend=W1,W2,... (one weight per style), model=FILE (the model file),\n"
        "  output=replace|new-layer, mask=selection|layer-mask|channel:NAME,\n"
        "  and the library's options:");
    ns_control controls[MAX_CONTROLS];
    size_t n = ns_controls(controls, MAX_CONTROLS);
    for (size_t i = 0; i < n; i++)
        g_string_append_printf(help, "\n  %s=%s (default %s): %s", controls[i].row.name,
                               controls[i].row.accepted, controls[i].row.default_value, controls[i].row.help);
    return g_string_free(help, FALSE);
}

static void query(void) {
    static const GimpParamDef args[] = {
        {GIMP_PDB_INT32, "run-mode", "The run mode { RUN-INTERACTIVE (0), RUN-NONINTERACTIVE (1) }"},
        {GIMP_PDB_IMAGE, "image", "Input image"},
        {GIMP_PDB_DRAWABLE, "drawable", "Input drawable"},
        {GIMP_PDB_STRING, "style-file",
         "The style image's file, or \"\" when options give style= or style-layer="},
        {GIMP_PDB_STRING, "options",
         "Settings NAME=VALUE separated by blanks, e.g. \"iterations=10 colors=luminance\""},
    };
    gchar *help = procedure_help();
    gimp_install_procedure(PROCEDURE, "Repaint in the style of a painting (neural style transfer)", help,
                           "stylefilter", "stylefilter", "2025", "Neural _Style...", "RGB*, GRAY*",
                           GIMP_PLUGIN, G_N_ELEMENTS(args), 0, args, NULL);
    gimp_plugin_menu_register(PROCEDURE, "<Image>/Filters/Artistic");
    g_free(help);
}

static void run(const gchar *name, gint nparams, const GimpParam *param, gint *nreturn_vals,
                GimpParam **return_vals) {
    static GimpParam values[2];
    static char message[MESSAGE_SIZE];
    GimpPDBStatusType status = GIMP_PDB_SUCCESS;
    GimpRunMode mode = nparams > 0 ? (GimpRunMode)param[0].data.d_int32 : GIMP_RUN_NONINTERACTIVE;
    char *style_file = NULL, *text = NULL;
    style_cache cache = {.count = 0};
    (void)name;
    message[0] = '\0';
    *nreturn_vals = 1;
    *return_vals = values;
    values[0].type = GIMP_PDB_STATUS;
    if (nparams < 3 || (mode == GIMP_RUN_NONINTERACTIVE && nparams != 5)) {
        snprintf(message, sizeof message,
                 "Neural Style takes run-mode, image, drawable, style-file and options");
        status = GIMP_PDB_CALLING_ERROR;
    }
    gint32 image = nparams >= 3 ? param[1].data.d_image : -1,
           drawable = nparams >= 3 ? param[2].data.d_drawable : -1;
    if (status == GIMP_PDB_SUCCESS) {
        gegl_init(NULL, NULL);
        if (mode == GIMP_RUN_NONINTERACTIVE) {
            style_file = g_strdup(param[3].data.d_string ? param[3].data.d_string : "");
            text = g_strdup(param[4].data.d_string ? param[4].data.d_string : "");
        } else {
            load_last(&style_file, &text);
        }
        if (!usable_drawable(image, drawable, NULL, message, sizeof message))
            status = GIMP_PDB_EXECUTION_ERROR;
        else if (mode == GIMP_RUN_INTERACTIVE && !run_dialog(image, drawable, &style_file, &text, &cache))
            status = GIMP_PDB_CANCEL;
        else if (mode == GIMP_RUN_INTERACTIVE)
            save_last(style_file, text); /* before the run: a cancel ends this process */
    }
    if (status == GIMP_PDB_SUCCESS)
        status = stylize(image, drawable, style_file, text, &cache, message, sizeof message);
    if (status == GIMP_PDB_SUCCESS && mode != GIMP_RUN_NONINTERACTIVE) gimp_displays_flush();
    if (status != GIMP_PDB_SUCCESS && status != GIMP_PDB_CANCEL && message[0]) {
        values[1].type = GIMP_PDB_STRING;
        values[1].data.d_string = message;
        *nreturn_vals = 2;
    }
    values[0].data.d_status = status;
    style_cache_free(&cache);
    ns_context_release();
    g_free(style_file);
    g_free(text);
}

const GimpPlugInInfo PLUG_IN_INFO = {NULL, NULL, query, run};

MAIN()
