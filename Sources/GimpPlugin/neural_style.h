/*
 * neural_style.h — the host-independent half of the GIMP plug-in: plain C over stylefilter.h, no
 * GIMP, GTK or GLib, so that GIMP 2's gimp2.c and a later GIMP 3 file share it.
 *
 *   settings   one option string, as the PDB's `options` argument takes it: the library's options
 *              (sf_options_parse), the plug-in's style images and blend, and the host's own keys
 *   controls   one dialog control per row of the library's option table (sf_option_info)
 *   images     sf_image buffers with checked sizes, a selection as the library's masks
 *   run        sf_stylize with the settings, progress text with an estimate of the time left
 *   errors     a status and the library's message as one sentence for the user
 */
#ifndef NEURAL_STYLE_H
#define NEURAL_STYLE_H

#include <stddef.h>
#include <stdint.h>

#include <stylefilter.h>

/* The settings a preview adds to the user's: the library's "preview" option when its table has
 * that row, else a small run through ordinary options (NS_PREVIEW_FALLBACK). */
#define NS_PREVIEW_FALLBACK "iterations=6"
const char *ns_preview_settings(void);

/* ---- Settings ----------------------------------------------------------------------------- */

/* Where a style image comes from: a file the host reads, or one of the host's open images or
 * layers, by its id. */
typedef enum ns_style_kind { NS_STYLE_FILE = 0, NS_STYLE_LAYER = 1 } ns_style_kind;

typedef struct ns_style_source {
    int kind;   /* an ns_style_kind */
    char *file; /* NS_STYLE_FILE: the path (owned) */
    int32_t id; /* NS_STYLE_LAYER: the host's drawable id */
} ns_style_source;

typedef struct ns_settings {
    sf_options options; /* the library's settings; size is always full (the layer's own size) */
    ns_style_source styles[SF_MAX_STYLES];
    size_t style_count;
    float blend[SF_MAX_STYLES]; /* style-blend=W1,W2,…: one weight per style, or none */
    size_t blend_count;
    char *model; /* model=FILE (owned), NULL: the library finds the default */
} ns_settings;

/* The keys a host adds (the plug-in's output=, mask=, …): `keys` lists them (NULL-terminated);
 * `set` takes one NAME=VALUE and returns 1, or 0 with a message in `error`. */
typedef struct ns_host_keys {
    const char *const *keys;
    int (*set)(void *user, const char *name, const char *value, char *error, size_t size);
    void *user;
} ns_host_keys;

/* Reads `text`, settings NAME=VALUE separated by blanks, into *settings (filled afresh; free it
 * with ns_settings_free even after a failure). A value may be quoted with "…" or '…' (a file name
 * with spaces). Keys:
 *   style=FILE          a style image (after `style_file`, when that is neither NULL nor "")
 *   style-layer=ID      an open image's layer as a style image (the host's drawable id)
 *   style-blend=W1,…    one weight per style (numbers >= 0), default equal
 *   model=FILE          the model (default: found as sf_context_create finds it)
 *   the host's keys     (`host`, may be NULL)
 *   every row of the library's option table, all of them given to sf_options_parse at once;
 *   except "size": the result is the layer's own size (size=full is taken, any other refused).
 * Returns 1, or 0 with a message naming the setting in `error`. At least one style is needed. */
int ns_settings_parse(ns_settings *settings, const char *style_file, const char *text,
                      const ns_host_keys *host, char *error, size_t size);
void ns_settings_free(ns_settings *settings);

/* The value the last NAME=VALUE of `text` gives `name` (a copy to free), or NULL when there is
 * none or `text` cannot be read. */
char *ns_setting_value(const char *text, const char *name);

/* Appends " NAME=VALUE" to the string *text (malloc'd or NULL), quoting a value that needs it.
 * Returns 0, *text unchanged, when memory runs out or the text cannot hold the value (both kinds of
 * quote, a line break or another control character). */
int ns_append_setting(char **text, const char *name, const char *value);

/* ---- Controls from the option table ------------------------------------------------------ */

typedef enum ns_control_kind {
    NS_CONTROL_INT = 0,    /* a slider over lower…upper (typed values up to the row's bounds) */
    NS_CONTROL_FLOAT = 1,  /* likewise, with `digits` decimals */
    NS_CONTROL_CHOICE = 2, /* one of the row's choices (ns_choice) */
    NS_CONTROL_TEXT = 3    /* a text entry (lists, sizes, very large integers) */
} ns_control_kind;

typedef struct ns_control {
    sf_option_description row; /* the library's row: name, bounds, default, help (static strings) */
    int kind;                  /* an ns_control_kind */
    int main;                  /* shown above the "Advanced" expander */
    char label[64];            /* "Iterations per scale", "Tv weight", … */
    double lower, upper;       /* the slider's range, within the row's bounds */
    double step;
    int digits;
} ns_control;

/* The controls a dialog shows, the main ones first, then every other row in the table's order
 * (a row added to the library appears here without a change to the plug-in). Rows the host owns
 * ("size", "preview") are left out. Returns the number written (at most `capacity`). */
size_t ns_controls(ns_control *out, size_t capacity);

/* The k-th word of a comma-separated `choices` list into out; 0 when there is none. */
int ns_choice(const char *choices, size_t k, char *out, size_t size);

/* Whether `value` is the row's default (numbers compared as numbers: "30" and "30.0"). */
int ns_is_default(const sf_option_description *row, const char *value);

/* Whether the library's option table has a row of that name. */
int ns_has_option(const char *name);

/* ---- Images ------------------------------------------------------------------------------ */

/* A width × height image of `format`, rows packed. Returns 0 (and a zeroed *image) when the size
 * is out of the library's range or memory runs out. */
int ns_image_alloc(sf_image *image, uint32_t width, uint32_t height, int format);
void ns_image_free(sf_image *image);

/* The library's mask (RGB8, white where the style applies) from one byte per pixel (0…255). */
int ns_mask_from_gray(sf_image *mask, const uint8_t *gray, uint32_t width, uint32_t height);

/* ---- Run --------------------------------------------------------------------------------- */

/* The run's progress for GIMP's bar: the share of the work done and a text naming the stage
 * (whole-image scales, then stages above work-size in tiles), the tile and the iteration, with the
 * time left. Both come from the library's sf_progress: fraction_done weighs each iteration by its
 * cost, so elapsed * (1 - f) / f estimates the seconds left (a library older than fraction_done:
 * iterations done over planned, and no estimate). */
typedef struct ns_progress {
    double fraction;
    char text[192];
} ns_progress;

void ns_progress_begin(ns_progress *progress);
void ns_progress_update(ns_progress *progress, const sf_progress *p);

/* One model per process: created at the first call (model NULL: the default) and kept. Returns an
 * sf_status; on failure `error` holds the sentence for the user. */
int ns_context(sf_context **context, const char *model, char *error, size_t size);
void ns_context_release(void);

/* Stylizes `content` (RGB16 or RGBF32) into `output` (its size) with the settings' options and
 * blend: `styles` in the settings' order, `mask` (NULL: everywhere) as every style's region. The
 * progress callback may cancel. Returns an sf_status; on failure `error` holds the sentence. */
int ns_stylize(sf_context *context, const ns_settings *settings, const sf_options *options,
               const sf_image *content, const sf_image *styles, const sf_image *mask, const sf_image *output,
               sf_progress_fn progress, void *user, char *error, size_t size);

/* "Not enough memory: …", "No model: …": the status and the library's message as one sentence. */
void ns_error_text(int status, const char *message, char *out, size_t size);

#endif /* NEURAL_STYLE_H */
