/*
 * stylize.c — an ImageMagick 6 image filter module on top of libstylefilter's C API.
 *
 *   convert photo.png -process 'stylize style=starry.png iterations=200 size=512' out.png
 *
 * ImageMagick finds `stylize.so` through its libtool descriptor `stylize.la` in a directory named
 * by MAGICK_CODER_FILTER_PATH, or in its own filters directory (`convert -list configure`,
 * FILTER_PATH). `make install` (mk/cabi.mk) builds and installs both.
 *
 * Arguments (ImageMagick splits the -process string on spaces, so values cannot contain spaces):
 *   style=FILE            style image, repeat for several (required)
 *   style-blend=W1,W2     blend weights of the styles (default equal)
 *   mask=FILE             region of a style, once per style= in the same order: white takes that
 *                         style, black none, grey blends, transparent none; where no mask covers,
 *                         the image is kept. One picture of the image's proportions (one frame)
 *   model=FILE.safetensors   the model (default: found as sf_context_create does)
 *   init=FILE             start from an image (init=content, random, gray, style-mean are engine options)
 *   accept-damaged=on     use what ImageMagick could read of a damaged image (default off)
 *   region=GEOMETRY       stylize only this part, written as -region takes it (WxH+X+Y, 50%x50%,
 *                         placed by -gravity): the style is matched inside it, with the picture
 *                         around it as context, and only its pixels change (cut at its edge, as
 *                         ImageMagick's -region composes an operator's result back)
 *   channel=CHANNELS      only these colour channels change, named as -channel names them (R, G,
 *                         B, RGB, Red,Blue, …; default RGB); alpha is kept whatever is named
 * and every engine option under the `stylize` command's long-option name, with its values and
 * checks (the library's option table through sf_options_set: iterations=N, size=N|full,
 * colors=luminance, …; `stylize --help` and sf_option_info list them, and an unknown key's error
 * names them all, so no list is kept here). The defaults are the library's (sf_options_init);
 * size defaults to full: the result has the image's own size (size=N scales larger images down
 * to N, smaller ones keep their size). Larger results are stylized in tiles within max-memory.
 * The same settings can be given as ImageMagick defines, the usual way of setting a module's
 * options; an argument of -process takes precedence over the define of the same name (style=
 * arguments replace every style define):
 *   convert photo.png -define stylize:style=starry.png -define stylize:iterations=200 -process stylize out.png
 * A define names one style image; an unknown stylize:NAME is an error, like an unknown argument.
 *
 * Every image of the list is stylized. An animation (frames sharing one canvas, with delays or
 * disposal, or a GIF) whose frames are partial (offsets, smaller than the canvas) or transparent
 * is coalesced first, so every frame is a whole picture. When size= shrinks frames that share a canvas (an animation,
 * layers), the canvas sets one factor for all of them and the page geometry (canvas, offsets) is
 * scaled with it; delays, loop count and disposal are kept.
 * Frames of one size (an animation, coalesced; a list of a video's frames) are one sequence
 * (sf_sequence_*): each frame after the first starts from the one before it moved by the optical
 * flow and keeps it where the flow is reliable (temporal=short, the default; long also looks
 * further back), so the strokes stay where the picture stays instead of flickering. temporal=off
 * (and preview=on) stylizes each frame on its own, through sf_stylize; so are frames or layers of
 * different sizes.
 * Alpha is kept (resized with the image when it shrinks).
 * Progress goes to ImageMagick's monitor (`convert -monitor`), which can also cancel: after every
 * iteration, as the share of the work done (iterations weighted by their cost), so the percentage
 * and any time left derived from it follow the clock; each frame from 0 to 100 %.
 *
 * -region and -channel do not reach a filter in ImageMagick 6, so they cannot be honoured here:
 * convert crops -region's part for the simple operators and composes it back before a list
 * operator such as -process runs (wand/mogrify.c: MogrifyImage, then MogrifyImageList), and keeps
 * -channel in its own ImageInfo, which InvokeDynamicImageFilter does not pass on. region= and
 * channel= (above) say the same to this module, also as -define stylize:region=…. So that they are
 * never ignored silently, a -region or -channel still in force where convert's (or mogrify's)
 * command line reaches -process (read from /proc/self/cmdline) is refused with a message naming
 * region= or channel=, unless those are given too (host_settings_refused). ImageMagick's
 * own -mask does reach it: the result is imported into a copy of the frame, which carries the
 * mask, and the pixel cache applies it (while the frame keeps its size).
 *
 * Images: style, mask and init files are pinged first and refused, before decoding, beyond the
 * library's limits (SF_MAX_IMAGE_SIDE a side, SF_MAX_IMAGE_PIXELS); within them ImageMagick's own
 * resource limits (policy.xml, -limit) apply to the decode. A damaged image (a truncated JPEG,
 * a PNG whose data does not match its header: the rule of image_damage.h, as the `stylize`
 * command's) is an error naming it and ImageMagick's reason, unless accept-damaged=on. That
 * includes the image list itself: convert reads it before -process and only prints its
 * warnings, so a damaged input is refused here (and, as after any failure, written unchanged).
 *
 * Failures: a bad argument or failure raises a normal ImageMagick error (OptionError /
 * DelegateError) and leaves the image list exactly as it was (all frames or none are stylized);
 * nothing here exits or aborts the host. ImageMagick 6 gives a filter no way to stop `convert`
 * from writing its output: convert writes whatever list it holds (wand/convert.c), and an empty
 * list is not an option because InvokeDynamicImageFilter reads (*images)->debug after the filter
 * returns. So after a failure `convert` exits with status 1 and writes the input, unstylized.
 * Pipelines must check the exit status; to never see a failed output under the final name:
 *   convert in.png -process 'stylize …' tmp.png && mv tmp.png out.png
 */
#include <limits.h>
#include <stdio.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <magick/MagickCore.h>
#include <stylefilter.h>

/* What counts as a damaged read: the rule the `stylize` command uses too. */
#include "../CMagickWand/decode_cost.h"
#include "../CMagickWand/image_damage.h"
/* style-blend=, as the GIMP plug-in reads it too. */
#include "../HostShared/style_blend.h"

#define TAG "Stylize/Image"

typedef struct {
    sf_options options;
    const char *styles[SF_MAX_STYLES];
    size_t style_count;
    float blend[SF_MAX_STYLES];
    size_t blend_count;
    const char *masks[SF_MAX_STYLES];
    size_t mask_count;
    const char *init_path;
    const char *model;
    const char *region;   /* region=GEOMETRY, placed on each frame (NULL: the whole image) */
    ChannelType channels; /* channel=: the colour channels written (0: all three) */
    int accept_damaged;   /* accept-damaged=on: use what ImageMagick could read of a damaged file */
    int replace_styles;   /* the next style= starts a new list */
    int replace_masks;    /* the next mask= starts a new list */
} arguments;

static void option_error(ExceptionInfo *exception, const char *what, const char *arg) {
    (void)ThrowMagickException(exception, GetMagickModule(), OptionError, what, "`%s'", arg);
}

/* The module's own keys, which are not engine options: the images, the model, and how images
 * are read. */
static const char *const module_keys[] = {"style",          "style-blend", "mask",   "model",
                                          "accept-damaged", "region",      "channel"};

/* "style, style-blend, model, iterations, …": every key this module takes, the engine options
 * from the library's option table (sf_option_info), so the list cannot fall behind it. */
static void valid_keys(char *out, size_t size) {
    size_t used = 0;
    out[0] = '\0';
    size_t n = sizeof module_keys / sizeof module_keys[0], count = sf_option_count();
    for (size_t i = 0; i < n + count; i++) {
        const char *name = NULL;
        sf_option_description d;
        memset(&d, 0, sizeof d);
        d.struct_size = sizeof d;
        if (i < n)
            name = module_keys[i];
        else if (sf_option_info(i - n, &d) == SF_OK)
            name = d.name;
        if (name == NULL) continue;
        int w = snprintf(out + used, size - used, "%s%s", used ? ", " : "", name);
        if (w < 0 || (size_t)w >= size - used) break;
        used += (size_t)w;
    }
}

/* Whether `value` is one of the library's named start images (content, random, …: the choices
 * of its "init" option); any other init= value is a start image's file name. */
static int is_named_init(const char *value) {
    for (size_t i = 0, count = sf_option_count(); i < count; i++) {
        sf_option_description d;
        memset(&d, 0, sizeof d);
        d.struct_size = sizeof d;
        if (sf_option_info(i, &d) != SF_OK || strcmp(d.name, "init") != 0) continue;
        for (const char *p = d.choices; *p;) {
            size_t len = strcspn(p, ",");
            if (len == strlen(value) && strncmp(p, value, len) == 0) return 1;
            p += len;
            if (*p == ',') p++;
        }
    }
    return 0;
}

/* style=FILE and mask=FILE add to their list; the first one given as an argument replaces the
 * list the defines set (`replace`), later ones add to it. */
static int add_image(const char **list, size_t *count, int *replace, const char *v, const char *what,
                     const char *shown, ExceptionInfo *exception) {
    if (*replace) {
        *count = 0;
        *replace = 0;
    }
    if (*count == SF_MAX_STYLES) {
        char message[64];
        snprintf(message, sizeof message, "stylize: too many %s", what);
        option_error(exception, message, shown);
        return 0;
    }
    list[(*count)++] = v;
    return 1;
}

/* style-blend=W1,W2,…: one weight per style image (HostShared/style_blend.h). */
static int parse_style_blend(const char *v, arguments *a, const char *shown, ExceptionInfo *exception) {
    style_blend_status status = style_blend_parse(v, a->blend, SF_MAX_STYLES, &a->blend_count);
    if (status == STYLE_BLEND_OK) return 1;
    option_error(exception,
                 status == STYLE_BLEND_TRAILING_COMMA ? "stylize: style-blend ends with a comma"
                                                      : "stylize: style-blend is W1,W2,… (numbers >= 0)",
                 shown);
    return 0;
}

#define COLOUR_CHANNELS ((ChannelType)(RedChannel | GreenChannel | BlueChannel))

/* channel=CHANNELS, named as -channel names them (ImageMagick's own parser): the red, green and
 * blue among them are written; alpha is always kept, so a list without a colour is refused. */
static int parse_channel(const char *v, arguments *a, const char *shown, ExceptionInfo *exception) {
    ssize_t parsed = ParseChannelOption(v);
    if (parsed < 0) {
        option_error(exception, "stylize: channel takes -channel's names (e.g. R, RGB, Red,Blue)", shown);
        return 0;
    }
    if (((ChannelType)parsed & COLOUR_CHANNELS) == 0) {
        option_error(exception, "stylize: channel names no colour channel (R, G or B; alpha is always kept)",
                     shown);
        return 0;
    }
    a->channels = (ChannelType)parsed & COLOUR_CHANNELS;
    return 1;
}

/* Any other key: one of the library's options (sf_option_info), set by sf_options_set, so the
 * library's parser and messages decide; an unknown key lists the valid ones. */
static int set_library_option(const char *name, size_t n, const char *v, const char *shown, arguments *a,
                              ExceptionInfo *exception) {
    char key[64];
    if (n >= sizeof key) n = sizeof key - 1; /* longer than any key: still unknown below */
    memcpy(key, name, n);
    key[n] = '\0';
    int known = 0;
    for (size_t i = 0, count = sf_option_count(); i < count && !known; i++) {
        sf_option_description d;
        memset(&d, 0, sizeof d);
        d.struct_size = sizeof d;
        known = sf_option_info(i, &d) == SF_OK && strcmp(d.name, key) == 0;
    }
    if (!known) {
        char keys[1024];
        valid_keys(keys, sizeof keys);
        (void)ThrowMagickException(exception, GetMagickModule(), OptionError, "stylize: unknown key",
                                   "`%s'; valid keys: %s", shown, keys);
        return 0;
    }
    if (strcmp(key, "init") == 0) a->init_path = NULL; /* a named start image replaces an init=FILE */
    if (sf_options_set(&a->options, key, v) != SF_OK) {
        (void)ThrowMagickException(exception, GetMagickModule(), OptionError, "stylize", "`%s': %s", shown,
                                   sf_last_error_message(NULL));
        return 0;
    }
    return 1;
}

/* One setting NAME=VALUE (name of n bytes, value NUL-terminated and kept alive by the caller);
 * `shown` is how the user wrote it, quoted in errors. Engine options go to sf_options_set: the
 * keys are the `stylize` command's long options, parsed and checked by the library's table. */
static int parse_setting(const char *name, size_t n, const char *v, const char *shown, arguments *a,
                         ExceptionInfo *exception) {
#define IS(key) (n == strlen(key) && strncmp(name, key, n) == 0)
    if (IS("style"))
        return add_image(a->styles, &a->style_count, &a->replace_styles, v, "style images", shown, exception);
    if (IS("mask"))
        return add_image(a->masks, &a->mask_count, &a->replace_masks, v, "masks", shown, exception);
    if (IS("style-blend")) return parse_style_blend(v, a, shown, exception);
    if (IS("model")) {
        a->model = v;
        return 1;
    }
    if (IS("accept-damaged")) {
        if (strcmp(v, "on") != 0 && strcmp(v, "off") != 0) {
            option_error(exception, "stylize: accept-damaged is on or off", shown);
            return 0;
        }
        a->accept_damaged = strcmp(v, "on") == 0;
        return 1;
    }
    if (IS("region")) {
        if (!IsGeometry(v)) {
            option_error(exception, "stylize: region is a geometry as -region takes it (e.g. 200x100+30+40)",
                         shown);
            return 0;
        }
        a->region = v;
        return 1;
    }
    if (IS("channel")) return parse_channel(v, a, shown, exception);
    if (IS("init") && !is_named_init(v)) {
        /* init=FILE: a start image, read here (the library's option takes the named ones). */
        a->options.init = SF_INIT_IMAGE;
        a->init_path = v;
        return 1;
    }
#undef IS
    return set_library_option(name, n, v, shown, a, exception);
}

/* -process arguments NAME=VALUE. */
static int parse_process_arguments(int argc, const char **argv, arguments *a, ExceptionInfo *exception) {
    /* A style= argument replaces the styles of the defines (precedence over -define). */
    a->replace_styles = 1;
    a->replace_masks = 1;
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (arg == NULL || *arg == '\0') continue;
        const char *eq = strchr(arg, '=');
        if (eq == NULL || eq == arg || eq[1] == '\0') {
            option_error(exception, "stylize: arguments are NAME=VALUE (e.g. style=starry.png)", arg);
            return 0;
        }
        if (!parse_setting(arg, (size_t)(eq - arg), eq + 1, arg, a, exception)) return 0;
    }
    return 1;
}

#define DEFINE_PREFIX "stylize:"
#define MAX_DEFINES   64

/* `-define stylize:NAME=VALUE` settings: ImageMagick copies the command line's defines into each
 * image's artifacts before -process runs (SyncImagesSettings), so they are read from the first
 * image. `shown` receives the "-define stylize:NAME=VALUE" texts quoted in errors (freed by the
 * caller, also after a failure). */
static int parse_defines(const Image *image, arguments *a, char **shown, size_t *shown_count,
                         ExceptionInfo *exception) {
    ResetImageArtifactIterator(image);
    for (const char *key = GetNextImageArtifact(image); key != NULL; key = GetNextImageArtifact(image)) {
        if (LocaleNCompare(key, DEFINE_PREFIX, strlen(DEFINE_PREFIX)) != 0) continue;
        const char *name = key + strlen(DEFINE_PREFIX);
        const char *value = GetImageArtifact(image, key);
        if (value == NULL) value = "";
        if (*shown_count == MAX_DEFINES) {
            option_error(exception, "stylize: too many -define stylize:… settings", key);
            return 0;
        }
        size_t length = strlen(key) + strlen(value) + 16;
        char *text = malloc(length);
        if (text == NULL) {
            (void)ThrowMagickException(exception, GetMagickModule(), ResourceLimitError,
                                       "MemoryAllocationFailed", "`%s'", key);
            return 0;
        }
        (void)snprintf(text, length, "-define %s=%s", key, value);
        shown[(*shown_count)++] = text;
        /* The value's copy inside `text` lives as long as `a` needs it. */
        const char *v = text + strlen(text) - strlen(value);
        if (*name == '\0' || *v == '\0') {
            option_error(exception, "stylize: defines are stylize:NAME=VALUE (e.g. stylize:style=starry.png)",
                         text);
            return 0;
        }
        if (!parse_setting(name, strlen(name), v, text, a, exception)) return 0;
    }
    return 1;
}

/* The checks that need every setting. */
/* -region or -channel in force at the first `-process stylize…` of this process's command line, when
 * the process is convert or mogrify (other hosts have no such settings): ImageMagick 6 does not
 * hand them to a filter, so a run would ignore them; refused instead, naming what does work.
 * `+region`/`+channel` end them; region=/channel= given to stylize take their place. */
static int host_settings_refused(const arguments *a, ExceptionInfo *exception) {
    char buffer[8192];
    FILE *f = fopen("/proc/self/cmdline", "rb");
    if (f == NULL) return 0;
    size_t n = fread(buffer, 1, sizeof buffer - 1, f);
    fclose(f);
    buffer[n] = '\0';
    const char *program = strrchr(buffer, '/') ? strrchr(buffer, '/') + 1 : buffer;
    if (strcmp(program, "convert") != 0 && strcmp(program, "mogrify") != 0) return 0;
    int region = 0, channel = 0;
    for (size_t at = strlen(buffer) + 1; at < n; at += strlen(buffer + at) + 1) {
        const char *arg = buffer + at;
        if (strcmp(arg, "-region") == 0) region = 1;
        if (strcmp(arg, "+region") == 0) region = 0;
        if (strcmp(arg, "-channel") == 0) channel = 1;
        if (strcmp(arg, "+channel") == 0) channel = 0;
        if (strcmp(arg, "-process") == 0) {
            const char *next = at + strlen(arg) + 1 < n ? arg + strlen(arg) + 1 : "";
            if (strncmp(next, "stylize", 7) == 0) break;
        }
    }
    const char *what = region && a->region == NULL   ? "-region"
                       : channel && a->channels == 0 ? "-channel"
                                                     : NULL;
    if (what == NULL) return 0;
    char reason[160];
    snprintf(reason, sizeof reason,
             "stylize: ImageMagick 6 does not hand %s to a filter, so -process would change the whole image:",
             what);
    (void)ThrowMagickException(
        exception, GetMagickModule(), OptionError, reason,
        "give it to stylize instead (-process 'stylize style=… %s=…') or end it with +%s "
        "before -process",
        what + 1, what + 1);
    return 1;
}

static int check_arguments(const arguments *a, ExceptionInfo *exception) {
    if (a->style_count == 0) {
        option_error(exception, "stylize: no style image: give style=FILE (or -define stylize:style=FILE)",
                     "style=");
        return 0;
    }
    if (a->mask_count && a->mask_count != a->style_count) {
        option_error(exception, "stylize: give one mask= per style=, in the same order", "mask=");
        return 0;
    }
    if (a->region && a->mask_count) {
        option_error(exception,
                     "stylize: region= and mask= both say where the style goes: draw the region "
                     "into the masks",
                     "region=");
        return 0;
    }
    if (a->blend_count && a->blend_count != a->style_count) {
        option_error(exception, "stylize: style-blend needs one weight per style image", "style-blend");
        return 0;
    }
    return 1;
}

/* An image's colours as RGB16 (exactly ImageMagick Q16's quantum values), in sRGB. With
 * `over_black`, an image with alpha is composed over black first (each colour times its alpha):
 * a mask's transparent parts then take no style, as the command's masks. */
static int export_rgb16(Image *image, sf_image *out, int over_black, ExceptionInfo *exception) {
    size_t w = image->columns, h = image->rows;
    if (w == 0 || h == 0 || w > SF_MAX_IMAGE_SIDE || h > SF_MAX_IMAGE_SIDE) {
        (void)ThrowMagickException(exception, GetMagickModule(), ImageError,
                                   "stylize: image size out of range", "`%s' (%zux%zu)", image->filename, w,
                                   h);
        return 0;
    }
    if (image->colorspace != sRGBColorspace &&
        TransformImageColorspace(image, sRGBColorspace) == MagickFalse) {
        InheritException(exception, &image->exception);
        return 0;
    }
    size_t channels = over_black && image->matte != MagickFalse ? 4 : 3;
    uint16_t *pixels = malloc(w * h * channels * sizeof(uint16_t));
    if (pixels == NULL) {
        (void)ThrowMagickException(exception, GetMagickModule(), ResourceLimitError, "MemoryAllocationFailed",
                                   "`%s'", image->filename);
        return 0;
    }
    if (ExportImagePixels(image, 0, 0, w, h, channels == 4 ? "RGBA" : "RGB", ShortPixel, pixels, exception) ==
        MagickFalse) {
        free(pixels);
        return 0;
    }
    if (channels == 4) {
        /* In place: pixel i's three products go where pixel i's three colours belong (3i < 4i). */
        for (size_t i = 0; i < w * h; i++) {
            uint32_t alpha = pixels[4 * i + 3];
            for (size_t c = 0; c < 3; c++)
                pixels[3 * i + c] = (uint16_t)((pixels[4 * i + c] * alpha + 32767) / 65535);
        }
    }
    out->width = (uint32_t)w;
    out->height = (uint32_t)h;
    out->stride_bytes = w * 3 * sizeof(uint16_t);
    out->format = SF_FORMAT_RGB16;
    out->data = pixels;
    return 1;
}

/* Whether `image` (convert's list, or a file read here) was read whole; else an error naming
 * `what` and ImageMagick's reason, unless accept-damaged=on. */
static int check_damage(const Image *image, const char *what, const arguments *a, ExceptionInfo *exception) {
    const char *reason = stylefilter_damage_reason(image);
    if (reason == NULL || a->accept_damaged) return 1;
    /* ImageMagick's reason ends with where it was raised (" @ warning/jpeg.c/…"): not for users. */
    const char *at = strstr(reason, " @ ");
    int length = at ? (int)(at - reason) : (int)strlen(reason);
    (void)ThrowMagickException(exception, GetMagickModule(), CorruptImageError,
                               "stylize: damaged image (accept-damaged=on uses what could be read)",
                               "%s: %.*s", what, length, reason);
    return 0;
}

/* The first frame of an image file given as `key`=`path` (style, mask, init): pinged first, and
 * refused before decoding beyond the library's limits, or, with `one_frame`, when it has several
 * frames; then read and refused if damaged. */
static Image *read_image(const char *key, const char *path, int one_frame, const arguments *a,
                         ExceptionInfo *exception) {
    char what[MaxTextExtent];
    (void)snprintf(what, sizeof what, "%s=%s", key, path);
    ImageInfo *info = AcquireImageInfo();
    (void)CopyMagickString(info->filename, path, MaxTextExtent);
    Image *pinged = PingImage(info, exception);
    if (pinged == NULL) {
        info = DestroyImageInfo(info);
        /* ImageMagick 6 can fail without a reason (kept on an image it already destroyed). */
        if (exception->severity < ErrorException)
            (void)ThrowMagickException(exception, GetMagickModule(), CorruptImageError,
                                       "stylize: cannot read",
                                       "`%s' (a damaged file, or beyond ImageMagick's limits)", what);
        return NULL;
    }
    size_t frames = GetImageListLength(pinged), w = pinged->columns, h = pinged->rows;
    double areas = 0;
    for (const Image *frame = pinged; frame; frame = GetNextImageInList(frame))
        areas += (double)frame->columns * (double)frame->rows;
    pinged = DestroyImageList(pinged);
    if (w == 0 || h == 0 || w > SF_MAX_IMAGE_SIDE || h > SF_MAX_IMAGE_SIDE || w * h > SF_MAX_IMAGE_PIXELS) {
        (void)ThrowMagickException(
            exception, GetMagickModule(), ImageError, "stylize: image size out of range",
            "`%s' is %zux%zu: at most %u pixels a side and %u pixels (resize it first)", what, w, h,
            SF_MAX_IMAGE_SIDE, SF_MAX_IMAGE_PIXELS);
        info = DestroyImageInfo(info);
        return NULL;
    }
    /* The budget (max-memory=) bounds the decode as the command's --max-memory does; the pixels
     * handed to the library are then counted by sf_stylize. */
    double cost = stylefilter_decode_bytes((double)w * (double)h, areas, 0);
    if (cost > (double)a->options.max_memory) {
        (void)ThrowMagickException(
            exception, GetMagickModule(), ImageError, "stylize: image too large to decode",
            "`%s' is %zux%zu%s and decoding it needs about %.0f MiB, more than max-memory= "
            "(%.0f MiB): resize it first, or raise max-memory=",
            what, w, h, frames > 1 ? " (several frames)" : "", ceil(cost / 1048576.0),
            ceil((double)a->options.max_memory / 1048576.0));
        info = DestroyImageInfo(info);
        return NULL;
    }
    if (one_frame && frames > 1) {
        (void)ThrowMagickException(
            exception, GetMagickModule(), OptionError, "stylize: a mask is one picture",
            "`%s' has %zu frames: name one frame (%s[0] is the first)", what, frames, path);
        info = DestroyImageInfo(info);
        return NULL;
    }
    Image *image = ReadImage(info, exception);
    info = DestroyImageInfo(info);
    if (image == NULL) return NULL;
    if (!check_damage(image, what, a, exception)) {
        DestroyImageList(image);
        return NULL;
    }
    /* The first frame only. */
    Image *rest = GetNextImageInList(image);
    if (rest) {
        rest = SplitImageList(image);
        DestroyImageList(rest);
    }
    return image;
}

/* Progress as ImageMagick's monitor shows it. convert -monitor (wand/mogrify.c's MonitorProgress)
 * prints only offsets that are multiples of 50, and the last: so the span is PROGRESS_STEPS steps
 * of 50, a step per thousandth of the work, and every iteration reports its step, which convert
 * prints. The offsets follow the library's fraction_done, the work done with each iteration
 * weighted by its cost, so the percentage and a time left derived from it follow the clock (the
 * iteration count does not: a coarse scale's iteration costs a fraction of a fine one's). */
#define PROGRESS_STEPS 1000
#define PROGRESS_STEP  50
#define PROGRESS_SPAN  ((MagickSizeType)PROGRESS_STEPS * PROGRESS_STEP + 1)

/* Share of the work done, 0…1; 1 at the last iteration. A library older than fraction_done (its
 * sf_progress ends before it) gives the iteration count's share. */
static double work_done(const sf_progress *p) {
    if (p->iteration >= p->planned) return 1;
    double f = p->struct_size >= offsetof(sf_progress, fraction_done) + sizeof p->fraction_done
                   ? p->fraction_done
                   : (double)p->iteration / (double)p->planned;
    return f > 0 ? (f < 1 ? f : 1) : 0;
}

/* Reports the share `done` of `image`'s work; 0 when the monitor asks to stop. */
static int report_progress(const Image *image, double done) {
    MagickOffsetType step = (MagickOffsetType)(done * PROGRESS_STEPS);
    if (step > PROGRESS_STEPS) step = PROGRESS_STEPS;
    return SetImageProgress(image, TAG, step * PROGRESS_STEP, PROGRESS_SPAN) != MagickFalse;
}

static int on_progress(const sf_progress *p, void *user) {
    /* SetImageProgress returns MagickFalse when the monitor wants to stop: cancel. */
    return report_progress(user, work_done(p)) ? 0 : 1;
}

/* region=GEOMETRY on `image`, placed as -region places it (ParseGravityGeometry: percentages, the
 * image's gravity) and cut to the image; an error when none of it lies inside. */
static int region_rectangle(const Image *image, const char *region, RectangleInfo *out,
                            ExceptionInfo *exception) {
    RectangleInfo r;
    SetGeometry(image, &r);
    (void)ParseGravityGeometry(image, region, &r, exception);
    /* In doubles: a geometry's sizes and offsets may be anything up to the type's limits. */
    double x0 = fmax(0, (double)r.x), y0 = fmax(0, (double)r.y);
    double x1 = fmin((double)image->columns, (double)r.x + (double)r.width);
    double y1 = fmin((double)image->rows, (double)r.y + (double)r.height);
    if (x1 <= x0 || y1 <= y0) {
        (void)ThrowMagickException(exception, GetMagickModule(), OptionError,
                                   "stylize: the region lies outside the image",
                                   "`region=%s' on %s (%zux%zu)", region, image->filename,
                                   (size_t)image->columns, (size_t)image->rows);
        return 0;
    }
    out->x = (ssize_t)x0;
    out->y = (ssize_t)y0;
    out->width = (size_t)(x1 - x0);
    out->height = (size_t)(y1 - y0);
    return 1;
}

/* A mask of the image's size (RGB8), white inside `r` and black elsewhere: the library matches the
 * style there and keeps the content around it. NULL data when out of memory. */
static sf_image region_mask(size_t width, size_t height, const RectangleInfo *r) {
    sf_image mask = {(uint32_t)width, (uint32_t)height, width * 3, SF_FORMAT_RGB8, calloc(width * height, 3)};
    if (mask.data == NULL) return mask;
    for (size_t y = (size_t)r->y; y < (size_t)r->y + r->height; y++)
        memset((unsigned char *)mask.data + y * mask.stride_bytes + (size_t)r->x * 3, 255, r->width * 3);
    return mask;
}

/* Writes the result's colour channels `channels` inside `r` into `work` (the result's size); the
 * other channels, alpha and every pixel outside `r` stay as they are. */
static int import_result(Image *work, const sf_image *result, const RectangleInfo *r, ChannelType channels,
                         ExceptionInfo *exception) {
    static const ChannelType bits[3] = {RedChannel, GreenChannel, BlueChannel};
    char map[4];
    size_t index[3], n = 0;
    for (size_t c = 0; c < 3; c++)
        if (channels & bits[c]) {
            map[n] = "RGB"[c];
            index[n++] = c;
        }
    map[n] = '\0';
    const uint16_t *from = result->data;
    uint16_t *pixels = malloc(r->width * r->height * n * sizeof(uint16_t));
    if (pixels == NULL) {
        (void)ThrowMagickException(exception, GetMagickModule(), ResourceLimitError, "MemoryAllocationFailed",
                                   "`%s'", work->filename);
        return 0;
    }
    uint16_t *to = pixels;
    for (size_t y = (size_t)r->y; y < (size_t)r->y + r->height; y++)
        for (size_t x = (size_t)r->x; x < (size_t)r->x + r->width; x++)
            for (size_t k = 0; k < n; k++) *to++ = from[(y * result->width + x) * 3 + index[k]];
    MagickBooleanType ok = ImportImagePixels(work, r->x, r->y, r->width, r->height, map, ShortPixel, pixels);
    free(pixels);
    if (ok == MagickFalse) InheritException(exception, &work->exception);
    return ok != MagickFalse;
}

/* A list whose frames lie on one canvas (an animation, layers) is scaled as a whole: one factor
 * from the canvas for every frame, so the frames stay in register. */
typedef struct {
    int active;
    size_t from_width, from_height; /* the canvas */
    size_t width, height;           /* the canvas after scaling */
} canvas_scale;

/* One frame's run: the copy it is written into, its pixels for the library, the options it runs
 * with, the result's buffer. Filled by frame_begin, finished by frame_finish, freed by
 * frame_free (whatever was made; `work` too unless frame_finish handed it out). Not moved once
 * begun: options.masks may point into region_masks. */
typedef struct {
    Image *work;
    sf_image content, result, mask;
    sf_options options;
    sf_image region_masks[SF_MAX_STYLES];
    RectangleInfo changed; /* what changes: the region (the whole image without one) */
    uint32_t w, h;         /* the result's size */
    double fx, fy;         /* the canvas's scale factors */
} frame_job;

static void frame_free(frame_job *job) {
    free(job->content.data);
    free(job->result.data);
    free(job->mask.data);
    if (job->work) DestroyImage(job->work);
    memset(job, 0, sizeof *job);
}

/* Everything before the library's run for `image` (which is never changed). 0 after an error. */
static int frame_begin(frame_job *job, const Image *image, const arguments *a, const sf_image *init,
                       const canvas_scale *canvas, ExceptionInfo *exception) {
    memset(job, 0, sizeof *job);
    /* A detached copy (its pixels are shared until written): the colourspace change and the new
     * pixels go into the copy, so a failure leaves the caller's image as it was. */
    job->work = CloneImage(image, 0, 0, MagickTrue, exception);
    if (job->work == NULL || !export_rgb16(job->work, &job->content, 0, exception)) return 0;
    Image *work = job->work;
    job->options = a->options;
    if (init) job->options.init_image = init;
    job->fx = 1;
    job->fy = 1;
    if (canvas->active) {
        job->fx = (double)canvas->width / (double)canvas->from_width;
        job->fy = (double)canvas->height / (double)canvas->from_height;
        double longest = fmax(job->fx * (double)work->columns, job->fy * (double)work->rows);
        job->options.max_size = (uint32_t)fmax(1.0, floor(longest + 0.5));
        if (job->options.max_size < SF_MIN_RESULT_SIDE &&
            (work->columns > job->options.max_size || work->rows > job->options.max_size)) {
            (void)ThrowMagickException(
                exception, GetMagickModule(), OptionError, "stylize",
                "%s: a %zux%zu frame would be smaller than %u pixels after scaling the canvas to "
                "size=%u; use a larger size=, or -coalesce first",
                image->filename, (size_t)work->columns, (size_t)work->rows, SF_MIN_RESULT_SIDE,
                a->options.max_size);
            return 0;
        }
    }

    int rc = sf_output_size(&job->options, job->content.width, job->content.height, &job->w, &job->h);
    if (rc != SF_OK) {
        (void)ThrowMagickException(exception, GetMagickModule(), OptionError, "stylize", "%s: %s",
                                   image->filename, sf_last_error_message(NULL));
        return 0;
    }
    uint32_t w = job->w, h = job->h;
    job->changed = (RectangleInfo){w, h, 0, 0};
    if (a->region) {
        if (w != work->columns || h != work->rows) {
            (void)ThrowMagickException(
                exception, GetMagickModule(), OptionError, "stylize: region= keeps the image's size",
                "`%s': size=%u would scale %zux%zu to %ux%u; leave size= out", image->filename,
                job->options.max_size, (size_t)work->columns, (size_t)work->rows, w, h);
            return 0;
        }
        if (!region_rectangle(work, a->region, &job->changed, exception)) return 0;
        job->mask = region_mask(w, h, &job->changed);
        if (job->mask.data == NULL) {
            (void)ThrowMagickException(exception, GetMagickModule(), ResourceLimitError,
                                       "MemoryAllocationFailed", "`%s'", image->filename);
            return 0;
        }
        for (size_t i = 0; i < a->style_count; i++) job->region_masks[i] = job->mask;
        job->options.masks = job->region_masks;
    }
    job->result = (sf_image){w, h, (size_t)w * 3 * sizeof(uint16_t), SF_FORMAT_RGB16,
                             malloc((size_t)w * h * 3 * sizeof(uint16_t))};
    if (job->result.data == NULL) {
        (void)ThrowMagickException(exception, GetMagickModule(), ResourceLimitError, "MemoryAllocationFailed",
                                   "`%s'", image->filename);
        return 0;
    }
    return 1;
}

/* The library's status for `image`'s run as an ImageMagick error; 1 for SF_OK. */
static int frame_status(int rc, const Image *image, sf_context *ctx, ExceptionInfo *exception) {
    if (rc == SF_CANCELLED) {
        (void)ThrowMagickException(exception, GetMagickModule(), DelegateError,
                                   "stylize: cancelled by the progress monitor", "`%s' (left as it was)",
                                   image->filename);
        return 0;
    }
    if (rc != SF_OK) {
        (void)ThrowMagickException(exception, GetMagickModule(),
                                   rc == SF_INVALID_ARGUMENT ? OptionError : DelegateError, "stylize",
                                   "%s: %s", sf_status_name(rc), sf_last_error_message(ctx));
        return 0;
    }
    return 1;
}

/* After the run: the result written into the copy, which is handed out (NULL after an error;
 * frame_free then frees what is left either way). */
static Image *frame_finish(frame_job *job, const Image *image, const arguments *a, const canvas_scale *canvas,
                           ExceptionInfo *exception) {
    uint32_t w = job->w, h = job->h;
    /* Keep the alpha channel: resize the copy (alpha included) when the result is smaller, then
     * import only the colours over it. ResizeImage scales the page geometry (canvas, offsets) by
     * the same factor, which keeps the frames of an animation in register. */
    if (w != job->work->columns || h != job->work->rows) {
        Image *resized = ResizeImage(job->work, w, h, TriangleFilter, 1.0, exception);
        if (resized == NULL) return NULL;
        DestroyImage(job->work);
        job->work = resized;
    }
    if (!import_result(job->work, &job->result, &job->changed, a->channels ? a->channels : COLOUR_CHANNELS,
                       exception))
        return NULL;
    Image *work = job->work;
    if (canvas->active) {
        /* The canvas's own scaled size, and offsets by the same factor, kept inside the canvas. */
        ssize_t x = (ssize_t)floor(job->fx * (double)image->page.x + 0.5),
                y = (ssize_t)floor(job->fy * (double)image->page.y + 0.5);
        if (x + (ssize_t)w > (ssize_t)canvas->width) x = (ssize_t)canvas->width - (ssize_t)w;
        if (y + (ssize_t)h > (ssize_t)canvas->height) y = (ssize_t)canvas->height - (ssize_t)h;
        work->page.width = canvas->width;
        work->page.height = canvas->height;
        work->page.x = x < 0 ? 0 : x;
        work->page.y = y < 0 ? 0 : y;
    }
    job->work = NULL; /* handed out */
    return work;
}

/* The stylized copy of one frame on its own (NULL after an error; `image` itself is never
 * changed). With `sequence`, the frame is the sequence's next (sf_sequence_push), begun at the
 * first frame (*sequence NULL) with that frame's options. */
static Image *stylize_frame(const Image *image, sf_context *ctx, const arguments *a, const sf_image *styles,
                            const sf_image *init, const canvas_scale *canvas, sf_sequence **sequence,
                            ExceptionInfo *exception) {
    frame_job job;
    if (!frame_begin(&job, image, a, init, canvas, exception)) {
        frame_free(&job);
        return NULL;
    }
    const float *blend = a->blend_count ? a->blend : NULL;
    int rc = SF_OK;
    if (sequence && *sequence == NULL)
        rc = sf_sequence_begin(ctx, &job.options, styles, blend, a->style_count, sequence);
    int monitored = image->progress_monitor != NULL;
    if (rc == SF_OK) {
        if (monitored && !report_progress(image, 0))
            rc = SF_CANCELLED;
        else if (sequence)
            rc = sf_sequence_push(*sequence, &job.content, &job.result, monitored ? on_progress : NULL,
                                  (void *)image);
        else
            rc = sf_stylize(ctx, &job.options, &job.content, styles, blend, a->style_count, &job.result,
                            monitored ? on_progress : NULL, (void *)image);
    }
    Image *out =
        frame_status(rc, image, ctx, exception) ? frame_finish(&job, image, a, canvas, exception) : NULL;
    frame_free(&job);
    return out;
}

/* Frames of an animation that must be composed before they are pictures of their own: every
 * frame on one canvas, the list timed or disposed like an animation (or read from a GIF; not a
 * list of independent images), and some frame partial (offset, smaller than the canvas) or, after
 * the first, transparent (showing the frames before it through). */
static int needs_coalescing(const Image *list) {
    const Image *first = list;
    if (GetNextImageInList(first) == NULL || first->page.width == 0 || first->page.height == 0) return 0;
    int animated = LocaleCompare(first->magick, "GIF") == 0, composed = 0;
    for (const Image *p = first; p != NULL; p = GetNextImageInList(p)) {
        if (p->page.width != first->page.width || p->page.height != first->page.height) return 0;
        if (p->delay != 0 || p->dispose != UndefinedDispose) animated = 1;
        if (p->page.x != 0 || p->page.y != 0 || p->columns != p->page.width || p->rows != p->page.height)
            composed = 1;
        if (p != first && p->matte != MagickFalse) composed = 1;
    }
    return animated && composed;
}

/* Whether the frames share one canvas that size= shrinks, and to what. */
static canvas_scale plan_canvas(const Image *list, const sf_options *options) {
    canvas_scale c = {0, list->page.width, list->page.height, 0, 0};
    if (GetNextImageInList(list) == NULL || c.from_width == 0 || c.from_height == 0) return c;
    if (c.from_width > SF_MAX_IMAGE_SIDE || c.from_height > SF_MAX_IMAGE_SIDE) return c;
    for (const Image *p = list; p != NULL; p = GetNextImageInList(p)) {
        if (p->page.width != c.from_width || p->page.height != c.from_height) return c;
    }
    uint32_t w, h;
    if (sf_output_size(options, (uint32_t)c.from_width, (uint32_t)c.from_height, &w, &h) != SF_OK) return c;
    c.width = w;
    c.height = h;
    c.active = w != c.from_width || h != c.from_height;
    return c;
}

/* Whether the frames are a sequence for sf_sequence_*: more than one, all of one size (frames of
 * an animation, coalesced; not layers of different sizes, which are stylized one by one). */
static int is_sequence(const Image *list) {
    if (GetNextImageInList(list) == NULL) return 0;
    for (const Image *p = list; p != NULL; p = GetNextImageInList(p))
        if (p->columns != list->columns || p->rows != list->rows) return 0;
    return 1;
}

/* Stylizes every frame into a new list; replaces *images only when all succeeded. Frames of one
 * size are one sequence (each tied to the ones before it, temporal=), unless temporal=off (or
 * preview=on): each frame on its own, through sf_stylize as before sequences existed. */
static void stylize_list(Image **images, sf_context *ctx, const arguments *a, const sf_image *styles,
                         const sf_image *init, ExceptionInfo *exception) {
    Image *coalesced = NULL;
    if (needs_coalescing(*images)) {
        coalesced = CoalesceImages(*images, exception);
        if (coalesced == NULL) return;
    }
    const Image *source = coalesced ? coalesced : *images;
    canvas_scale canvas = plan_canvas(source, &a->options);
    sf_sequence *sequence = NULL;
    /* A preview is the library's for single images: each frame gets its own. */
    int as_sequence = a->options.temporal != SF_TEMPORAL_OFF && !a->options.preview && is_sequence(source);
    Image *result = NewImageList();
    int failed = 0;
    for (const Image *p = source; p != NULL && !failed; p = GetNextImageInList(p)) {
        Image *frame =
            stylize_frame(p, ctx, a, styles, init, &canvas, as_sequence ? &sequence : NULL, exception);
        if (frame == NULL)
            failed = 1;
        else
            AppendImageToList(&result, frame);
    }
    if (sequence) sf_sequence_end(sequence);
    if (coalesced) DestroyImageList(coalesced);
    if (failed) {
        DestroyImageList(result);
        return;
    }
    DestroyImageList(*images);
    *images = result;
}

ModuleExport size_t stylizeImage(Image **images, const int argc, const char **argv,
                                 ExceptionInfo *exception) {
    if (images == NULL || *images == NULL || exception == NULL) return MagickImageFilterSignature;
    arguments a;
    memset(&a, 0, sizeof a);
    sf_options_init(&a.options, sizeof a.options);
    char *shown[MAX_DEFINES];
    size_t shown_count = 0;
    int parsed = parse_defines(*images, &a, shown, &shown_count, exception) &&
                 parse_process_arguments(argc, argv, &a, exception) && check_arguments(&a, exception) &&
                 !host_settings_refused(&a, exception) &&
                 check_damage(*images, "the image to stylize", &a, exception);

    sf_context *ctx = NULL;
    if (parsed && sf_context_create(a.model, &ctx) != SF_OK) {
        (void)ThrowMagickException(exception, GetMagickModule(), DelegateError,
                                   "stylize: cannot load the model", "%s", sf_last_error_message(NULL));
        ctx = NULL;
    }
    sf_image styles[SF_MAX_STYLES];
    size_t loaded = 0;
    sf_image masks[SF_MAX_STYLES];
    size_t masks_loaded = 0;
    sf_image init = {0, 0, 0, 0, NULL};
    int ok = ctx != NULL;
    for (; ok && loaded < a.style_count; loaded++) {
        Image *s = read_image("style", a.styles[loaded], 0, &a, exception);
        ok = s != NULL && export_rgb16(s, &styles[loaded], 0, exception);
        if (s) DestroyImage(s);
        if (!ok) break;
    }
    for (; ok && masks_loaded < a.mask_count; masks_loaded++) {
        Image *s = read_image("mask", a.masks[masks_loaded], 1, &a, exception);
        ok = s != NULL && export_rgb16(s, &masks[masks_loaded], 1, exception);
        if (s) DestroyImage(s);
        if (!ok) break;
    }
    if (a.mask_count) a.options.masks = masks;
    if (ok && a.init_path) {
        Image *s = read_image("init", a.init_path, 0, &a, exception);
        ok = s != NULL && export_rgb16(s, &init, 0, exception);
        if (s) DestroyImage(s);
    }
    if (ok) stylize_list(images, ctx, &a, styles, init.data ? &init : NULL, exception);
    for (size_t i = 0; i < loaded; i++) free(styles[i].data);
    for (size_t i = 0; i < masks_loaded; i++) free(masks[i].data);
    free(init.data);
    if (ctx) sf_context_destroy(ctx);
    for (size_t i = 0; i < shown_count; i++) free(shown[i]);
    return MagickImageFilterSignature;
}
