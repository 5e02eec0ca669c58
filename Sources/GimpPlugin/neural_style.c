/*
 * neural_style.c — the host-independent half of the GIMP plug-in (see neural_style.h).
 */
#include "neural_style.h"
/* style-blend=, as the ImageMagick module reads it. */
#include "../HostShared/style_blend.h"

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- The option table --------------------------------------------------------------------- */

static int row_at(size_t index, sf_option_description *row) {
    memset(row, 0, sizeof *row);
    row->struct_size = sizeof *row;
    return sf_option_info(index, row) == SF_OK && row->name != NULL;
}

static int find_row(const char *name, sf_option_description *row) {
    for (size_t i = 0, n = sf_option_count(); i < n; i++)
        if (row_at(i, row) && strcmp(row->name, name) == 0) return 1;
    return 0;
}

int ns_has_option(const char *name) {
    sf_option_description row;
    return find_row(name, &row);
}

const char *ns_preview_settings(void) {
    return ns_has_option("preview") ? "preview=on" : NS_PREVIEW_FALLBACK;
}

/* Rows the host sets itself: the result keeps the layer's size, and a preview is the dialog's. */
static int host_owned(const char *name) {
    return strcmp(name, "size") == 0 || strcmp(name, "preview") == 0;
}

/* ---- Settings text ------------------------------------------------------------------------ */

typedef struct {
    char *name;
    char *value;
} token;

static void free_tokens(token *t, size_t n) {
    for (size_t i = 0; i < n; i++) {
        free(t[i].name);
        free(t[i].value);
    }
    free(t);
}

static int is_blank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static char *copy_span(const char *p, size_t n) {
    char *s = malloc(n + 1);
    if (s) {
        memcpy(s, p, n);
        s[n] = '\0';
    }
    return s;
}

/* Splits `text` into NAME=VALUE tokens (values quoted with "…" or '…' may hold blanks). */
static int tokenize(const char *text, token **out, size_t *count, char *error, size_t size) {
    token *list = NULL;
    size_t n = 0, capacity = 0;
    const char *p = text ? text : "";
    for (;;) {
        while (is_blank(*p)) p++;
        if (!*p) break;
        const char *start = p;
        while (*p && *p != '=' && !is_blank(*p)) p++;
        size_t name_length = (size_t)(p - start);
        if (*p != '=' || name_length == 0) {
            const char *end = start;
            while (*end && !is_blank(*end)) end++;
            snprintf(error, size, "'%.*s': settings are NAME=VALUE (e.g. iterations=12)", (int)(end - start),
                     start);
            free_tokens(list, n);
            return 0;
        }
        p++;
        const char *value = p;
        size_t value_length;
        if (*p == '"' || *p == '\'') {
            char quote = *p++;
            value = p;
            while (*p && *p != quote && (unsigned char)*p >= 0x20) p++;
            if (*p && *p != quote) {
                snprintf(error, size, "%.*s: a quoted value cannot hold line breaks or control characters",
                         (int)name_length, start);
                free_tokens(list, n);
                return 0;
            }
            if (!*p) {
                snprintf(error, size, "%.*s: the quote %c is not closed", (int)name_length, start, quote);
                free_tokens(list, n);
                return 0;
            }
            value_length = (size_t)(p - value);
            p++;
            if (*p && !is_blank(*p)) {
                snprintf(error, size, "%.*s: a blank must follow the closing quote", (int)name_length, start);
                free_tokens(list, n);
                return 0;
            }
        } else {
            while (*p && !is_blank(*p)) p++;
            value_length = (size_t)(p - value);
        }
        if (value_length == 0) {
            snprintf(error, size, "%.*s= needs a value", (int)name_length, start);
            free_tokens(list, n);
            return 0;
        }
        if (n == capacity) {
            size_t more = capacity ? 2 * capacity : 8;
            token *grown = realloc(list, more * sizeof *list);
            if (grown == NULL) {
                snprintf(error, size, "out of memory reading the settings");
                free_tokens(list, n);
                return 0;
            }
            list = grown;
            capacity = more;
        }
        list[n].name = copy_span(start, name_length);
        list[n].value = copy_span(value, value_length);
        n++;
        if (list[n - 1].name == NULL || list[n - 1].value == NULL) {
            snprintf(error, size, "out of memory reading the settings");
            free_tokens(list, n);
            return 0;
        }
    }
    *out = list;
    *count = n;
    return 1;
}

char *ns_setting_value(const char *text, const char *name) {
    token *t = NULL;
    size_t n = 0;
    char error[256];
    if (!tokenize(text, &t, &n, error, sizeof error)) return NULL;
    char *found = NULL;
    for (size_t i = n; i-- > 0 && found == NULL;)
        if (strcmp(t[i].name, name) == 0) found = copy_span(t[i].value, strlen(t[i].value));
    free_tokens(t, n);
    return found;
}

int ns_append_setting(char **text, const char *name, const char *value) {
    const char *quote = "";
    for (const char *p = value; *p; p++)
        if ((unsigned char)*p < 0x20) return 0; /* a line break or a control character */
    if (*value == '\0' || strpbrk(value, " \"'") != NULL) {
        if (strchr(value, '"') == NULL)
            quote = "\"";
        else if (strchr(value, '\'') == NULL)
            quote = "'";
        else
            return 0; /* both quotes: the text cannot hold this value */
    }
    size_t old = *text ? strlen(*text) : 0;
    size_t more = 1 + strlen(name) + 1 + strlen(value) + 2 * strlen(quote) + 1;
    char *grown = realloc(*text, old + more);
    if (grown == NULL) return 0;
    snprintf(grown + old, more, "%s%s=%s%s%s", old ? " " : "", name, quote, value, quote);
    *text = grown;
    return 1;
}

/* ---- Settings ----------------------------------------------------------------------------- */

static const char *const own_keys[] = {"style", "style-layer", "style-blend", "model", NULL};

/* "style, style-layer, …, iterations, …": every key the settings take, for an unknown key's
 * message; the library's from its table, so the list follows it. */
static void valid_keys(const ns_host_keys *host, char *out, size_t size) {
    size_t used = 0;
    out[0] = '\0';
    const char *const *lists[] = {own_keys, host ? host->keys : NULL};
    for (size_t l = 0; l < 2; l++)
        for (const char *const *k = lists[l]; k && *k; k++) {
            int w = snprintf(out + used, size - used, "%s%s", used ? ", " : "", *k);
            if (w < 0 || (size_t)w >= size - used) return;
            used += (size_t)w;
        }
    sf_option_description row;
    for (size_t i = 0, n = sf_option_count(); i < n; i++) {
        if (!row_at(i, &row) || host_owned(row.name)) continue;
        int w = snprintf(out + used, size - used, ", %s", row.name);
        if (w < 0 || (size_t)w >= size - used) return;
        used += (size_t)w;
    }
}

static int add_style(ns_settings *s, int kind, const char *file, int32_t id, char *error, size_t size) {
    if (s->style_count == SF_MAX_STYLES) {
        snprintf(error, size, "too many style images (at most %u)", SF_MAX_STYLES);
        return 0;
    }
    ns_style_source *style = &s->styles[s->style_count];
    style->kind = kind;
    style->id = id;
    style->file = NULL;
    if (kind == NS_STYLE_FILE && (style->file = copy_span(file, strlen(file))) == NULL) {
        snprintf(error, size, "out of memory reading the settings");
        return 0;
    }
    s->style_count++;
    return 1;
}

static int parse_blend(ns_settings *s, const char *value, char *error, size_t size) {
    if (style_blend_parse(value, s->blend, SF_MAX_STYLES, &s->blend_count) == STYLE_BLEND_OK) return 1;
    snprintf(error, size, "style-blend=%s: give weights W1,W2,… (numbers >= 0), one per style", value);
    return 0;
}

static int parse_layer_id(const char *value, int32_t *id) {
    long long v = 0;
    if (!*value || strlen(value) > 10) return 0;
    for (const char *p = value; *p; p++) {
        if (*p < '0' || *p > '9') return 0;
        v = 10 * v + (*p - '0');
    }
    if (v <= 0 || v > INT32_MAX) return 0;
    *id = (int32_t)v;
    return 1;
}

/* One token: the plug-in's keys, the host's, or a library option added to `library` (the text
 * sf_options_parse gets). */
static int parse_token(ns_settings *s, const token *t, const ns_host_keys *host, char *library, char *error,
                       size_t size) {
    const char *name = t->name, *value = t->value;
    if (strcmp(name, "style") == 0) return add_style(s, NS_STYLE_FILE, value, 0, error, size);
    if (strcmp(name, "style-layer") == 0) {
        int32_t id;
        if (!parse_layer_id(value, &id)) {
            snprintf(error, size, "style-layer=%s: give a layer's id (a whole number > 0)", value);
            return 0;
        }
        return add_style(s, NS_STYLE_LAYER, NULL, id, error, size);
    }
    if (strcmp(name, "style-blend") == 0) return parse_blend(s, value, error, size);
    if (strcmp(name, "model") == 0) {
        free(s->model);
        if ((s->model = copy_span(value, strlen(value))) == NULL) {
            snprintf(error, size, "out of memory reading the settings");
            return 0;
        }
        return 1;
    }
    for (const char *const *k = host ? host->keys : NULL; k && *k; k++)
        if (strcmp(*k, name) == 0) return host->set(host->user, name, value, error, size);
    if (strcmp(name, "size") == 0 && strcmp(value, "full") != 0) {
        snprintf(error, size, "size=%s: the result keeps the layer's size (scale the image first)", value);
        return 0;
    }
    if (strcmp(name, "size") == 0) return 1; /* size=full: what the plug-in does anyway */
    sf_option_description row;
    if (!find_row(name, &row)) {
        char keys[1024];
        valid_keys(host, keys, sizeof keys);
        snprintf(error, size, "unknown setting '%s'; the settings are %s", name, keys);
        return 0;
    }
    if (strpbrk(value, " \t\r\n") != NULL) {
        snprintf(error, size, "%s: '%s' has blanks, which no engine option takes", name, value);
        return 0;
    }
    strcat(library, library[0] ? " " : "");
    strcat(library, name);
    strcat(library, "=");
    strcat(library, value);
    return 1;
}

int ns_settings_parse(ns_settings *s, const char *style_file, const char *text, const ns_host_keys *host,
                      char *error, size_t size) {
    memset(s, 0, sizeof *s);
    if (sf_options_init(&s->options, sizeof s->options) != SF_OK) {
        snprintf(error, size, "the library refused its own options: %s", sf_last_error_message(NULL));
        return 0;
    }
    if (style_file && *style_file && !add_style(s, NS_STYLE_FILE, style_file, 0, error, size)) return 0;
    token *t = NULL;
    size_t n = 0;
    if (!tokenize(text, &t, &n, error, size)) return 0;
    /* Each library setting is at most its token's text plus a blank. */
    size_t room = 1;
    for (size_t i = 0; i < n; i++) room += strlen(t[i].name) + strlen(t[i].value) + 2;
    char *library = calloc(room, 1);
    int ok = library != NULL;
    if (!ok) snprintf(error, size, "out of memory reading the settings");
    for (size_t i = 0; ok && i < n; i++) ok = parse_token(s, &t[i], host, library, error, size);
    free_tokens(t, n);
    if (ok && sf_options_parse(&s->options, library) != SF_OK) {
        snprintf(error, size, "%s", sf_last_error_message(NULL));
        ok = 0;
    }
    free(library);
    if (!ok) return 0;
    s->options.max_size = 0; /* the layer's own size */
    if (s->style_count == 0) {
        snprintf(error, size, "no style image: choose a style image (a file, or style-layer=ID)");
        return 0;
    }
    if (s->blend_count && s->blend_count != s->style_count) {
        snprintf(error, size, "style-blend has %zu weights for %zu style images: give one per style",
                 s->blend_count, s->style_count);
        return 0;
    }
    return 1;
}

void ns_settings_free(ns_settings *s) {
    for (size_t i = 0; i < s->style_count; i++) free(s->styles[i].file);
    free(s->model);
    memset(s, 0, sizeof *s);
}

/* ---- Controls ----------------------------------------------------------------------------- */

/* The rows above the "Advanced" expander, in this order, with their labels. */
static const struct {
    const char *name;
    const char *label;
} main_rows[] = {
    {"style-weight", "Strength (style weight)"},
    {"iterations", "Iterations per scale"},
    {"colors", "Colors"},
    {"style-scale", "Style scale"},
    {"padding", "Padding"},
    {"seed", "Seed"},
};
#define MAIN_ROWS (sizeof main_rows / sizeof main_rows[0])

static void control_for(const sf_option_description *row, ns_control *c) {
    memset(c, 0, sizeof *c);
    c->row = *row;
    c->main = 0;
    /* "tv-weight" → "Tv weight" */
    snprintf(c->label, sizeof c->label, "%s", row->name);
    for (char *p = c->label; *p; p++)
        if (*p == '-') *p = ' ';
    if (c->label[0] >= 'a' && c->label[0] <= 'z') c->label[0] = (char)(c->label[0] - 'a' + 'A');
    for (size_t m = 0; m < MAIN_ROWS; m++)
        if (strcmp(main_rows[m].name, row->name) == 0) {
            c->main = 1;
            snprintf(c->label, sizeof c->label, "%s", main_rows[m].label);
        }
    double preset = row->default_value ? strtod(row->default_value, NULL) : 0;
    c->lower = row->has_minimum ? row->minimum : 0;
    switch (row->type) {
    case SF_OPTION_INT:
        /* Counts too large for a slider (a seed) are typed. */
        c->kind = row->has_maximum && row->maximum > 2147483647.0 ? NS_CONTROL_TEXT : NS_CONTROL_INT;
        c->upper = row->has_maximum ? row->maximum : c->lower + 1000;
        /* A slider over 1…1000000 could not set 24: its range ends at ten times the default. */
        if (c->upper - c->lower > 1000) c->upper = fmax(c->lower + 100, 10 * preset);
        c->step = 1;
        c->digits = 0;
        break;
    case SF_OPTION_FLOAT:
        c->kind = NS_CONTROL_FLOAT;
        c->upper = row->has_maximum ? row->maximum : fmax(c->lower + 1, 10 * preset);
        c->digits = c->upper - c->lower <= 10 ? 2 : c->upper - c->lower <= 100 ? 1 : 0;
        c->step = pow(10, -c->digits);
        break;
    case SF_OPTION_CHOICE:
        c->kind = NS_CONTROL_CHOICE;
        break;
    default:
        c->kind = NS_CONTROL_TEXT;
        break;
    }
}

size_t ns_controls(ns_control *out, size_t capacity) {
    size_t n = 0;
    sf_option_description row;
    for (size_t m = 0; m < MAIN_ROWS && n < capacity; m++)
        if (find_row(main_rows[m].name, &row)) control_for(&row, &out[n++]);
    for (size_t i = 0, count = sf_option_count(); i < count && n < capacity; i++) {
        if (!row_at(i, &row) || host_owned(row.name)) continue;
        int is_main = 0;
        for (size_t m = 0; m < MAIN_ROWS; m++) is_main |= strcmp(main_rows[m].name, row.name) == 0;
        if (!is_main) control_for(&row, &out[n++]);
    }
    return n;
}

int ns_choice(const char *choices, size_t k, char *out, size_t size) {
    const char *p = choices ? choices : "";
    for (size_t i = 0; *p; i++) {
        size_t length = strcspn(p, ",");
        if (i == k) {
            snprintf(out, size, "%.*s", (int)length, p);
            return length > 0;
        }
        p += length;
        if (*p == ',') p++;
    }
    return 0;
}

int ns_is_default(const sf_option_description *row, const char *value) {
    const char *preset = row->default_value ? row->default_value : "";
    if (row->type == SF_OPTION_INT || row->type == SF_OPTION_FLOAT) {
        char *end_a, *end_b;
        double a = strtod(value, &end_a), b = strtod(preset, &end_b);
        if (*value && *preset && !*end_a && !*end_b) return a == b;
    }
    return strcmp(value, preset) == 0;
}

/* ---- Images ------------------------------------------------------------------------------- */

int ns_image_alloc(sf_image *image, uint32_t width, uint32_t height, int format) {
    memset(image, 0, sizeof *image);
    size_t bpp = sf_format_bytes_per_pixel(format);
    if (bpp == 0 || width == 0 || height == 0 || width > SF_MAX_IMAGE_SIDE || height > SF_MAX_IMAGE_SIDE ||
        (uint64_t)width * height > SF_MAX_IMAGE_PIXELS)
        return 0;
    void *data = malloc((size_t)width * height * bpp);
    if (data == NULL) return 0;
    *image = (sf_image){width, height, (size_t)width * bpp, format, data};
    return 1;
}

void ns_image_free(sf_image *image) {
    free(image->data);
    memset(image, 0, sizeof *image);
}

int ns_mask_from_gray(sf_image *mask, const uint8_t *gray, uint32_t width, uint32_t height) {
    if (!ns_image_alloc(mask, width, height, SF_FORMAT_RGB8)) return 0;
    uint8_t *out = mask->data;
    for (size_t i = 0, n = (size_t)width * height; i < n; i++)
        out[3 * i] = out[3 * i + 1] = out[3 * i + 2] = gray[i];
    return 1;
}

/* ---- Run ---------------------------------------------------------------------------------- */

void ns_progress_begin(ns_progress *progress) {
    memset(progress, 0, sizeof *progress);
    snprintf(progress->text, sizeof progress->text, "Neural Style: starting");
}

static void duration_text(double seconds, char *out, size_t size) {
    long s = (long)ceil(seconds);
    if (s < 60)
        snprintf(out, size, "%ld s", s);
    else if (s < 3600)
        snprintf(out, size, "%ld min %02ld s", s / 60, s % 60);
    else
        snprintf(out, size, "%ld h %02ld min", s / 3600, (s % 3600) / 60);
}

/* Whether the library's sf_progress holds `field` (a library older than this header may not). */
#define HAS_FIELD(p, field) ((p)->struct_size >= offsetof(sf_progress, field) + sizeof(p)->field)

void ns_progress_update(ns_progress *pr, const sf_progress *p) {
    int weighed = HAS_FIELD(p, fraction_done);
    double f = weighed ? p->fraction_done : p->planned > 0 ? (double)p->iteration / p->planned : 0;
    pr->fraction = f < 0 ? 0 : f > 1 ? 1 : f;
    char eta[64] = "";
    if (weighed && pr->fraction > 0 && pr->fraction < 1) {
        char d[48];
        duration_text(p->elapsed_seconds * (1 - pr->fraction) / pr->fraction, d, sizeof d);
        snprintf(eta, sizeof eta, " about %s left,", d);
    }
    char tile[48] = "";
    if (HAS_FIELD(p, tiles) && p->tiles > 0) snprintf(tile, sizeof tile, ", tile %d/%d", p->tile, p->tiles);
    snprintf(pr->text, sizeof pr->text, "Neural Style:%s stage %d/%d (%d\xc3\x97%d)%s, iteration %d/%d", eta,
             p->scale, p->scales, p->width, p->height, tile, p->scale_iteration, p->scale_iterations);
}

static sf_context *shared_context;
static char *shared_model;

int ns_context(sf_context **context, const char *model, char *error, size_t size) {
    const char *wanted = model ? model : "";
    if (shared_context && strcmp(shared_model, wanted) == 0) {
        *context = shared_context;
        return SF_OK;
    }
    ns_context_release();
    sf_context *ctx = NULL;
    int rc = sf_context_create(model, &ctx);
    if (rc != SF_OK) {
        ns_error_text(rc, sf_last_error_message(NULL), error, size);
        return rc;
    }
    shared_model = copy_span(wanted, strlen(wanted));
    if (shared_model == NULL) {
        sf_context_destroy(ctx);
        ns_error_text(SF_OUT_OF_MEMORY, "no memory for the model's name", error, size);
        return SF_OUT_OF_MEMORY;
    }
    shared_context = *context = ctx;
    return SF_OK;
}

void ns_context_release(void) {
    if (shared_context) sf_context_destroy(shared_context);
    free(shared_model);
    shared_context = NULL;
    shared_model = NULL;
}

int ns_stylize(sf_context *context, const ns_settings *settings, const sf_options *options,
               const sf_image *content, const sf_image *styles, const sf_image *mask, const sf_image *output,
               sf_progress_fn progress, void *user, char *error, size_t size) {
    sf_options o = *options;
    sf_image masks[SF_MAX_STYLES];
    if (mask) {
        for (size_t i = 0; i < settings->style_count; i++) masks[i] = *mask;
        o.masks = masks;
    }
    int rc = sf_stylize(context, &o, content, styles, settings->blend_count ? settings->blend : NULL,
                        settings->style_count, output, progress, user);
    if (rc != SF_OK) ns_error_text(rc, sf_last_error_message(context), error, size);
    return rc;
}

void ns_error_text(int status, const char *message, char *out, size_t size) {
    const char *what;
    switch (status) {
    case SF_MODEL_NOT_FOUND:
        what = "No model";
        break;
    case SF_INVALID_MODEL:
        what = "The model file cannot be used";
        break;
    case SF_IO:
        what = "A file could not be read";
        break;
    case SF_CANCELLED:
        what = "Cancelled";
        break;
    case SF_NUMERICAL:
        what = "The optimisation diverged (lower the weights)";
        break;
    case SF_OUT_OF_MEMORY:
        what = "Not enough memory";
        break;
    case SF_INTERNAL:
        what = "Internal error in stylefilter (please report it)";
        break;
    default:
        what = "Neural Style";
        break;
    }
    if (message && *message)
        snprintf(out, size, "%s: %s", what, message);
    else
        snprintf(out, size, "%s", what);
}
