/*
 * stylefilter.h — C API of libstylefilter: neural style transfer (Gatys et al.) as an image filter.
 *
 *   #include <stylefilter.h>
 *   cc prog.c $(pkg-config --cflags --libs stylefilter)
 *
 * Typical use:
 *
 *   sf_context *ctx;
 *   if (sf_context_create(NULL, &ctx) != SF_OK)            // NULL: find the default model
 *       fprintf(stderr, "%s\n", sf_last_error_message(NULL));
 *   sf_options opt;
 *   sf_options_init(&opt, sizeof opt);
 *   opt.iterations = 200;                    // or sf_options_set(&opt, "iterations", "200")
 *   uint32_t w, h;
 *   sf_output_size(&opt, content.width, content.height, &w, &h);
 *   sf_image out = { w, h, (size_t)w * 3, SF_FORMAT_RGB8, malloc((size_t)w * h * 3) };
 *   int rc = sf_stylize(ctx, &opt, &content, &style, NULL, 1, &out, progress_cb, user);
 *   if (rc != SF_OK) fprintf(stderr, "%s: %s\n", sf_status_name(rc), sf_last_error_message(ctx));
 *   sf_context_destroy(ctx);
 *
 * Rules that hold for every function:
 * - Nothing aborts, traps or exits the host. Every argument is checked at the boundary (NULL
 *   pointers, sizes and their products, strides, formats, NaN/infinite floats, struct sizes,
 *   option values, model files); a bad one gives SF_INVALID_ARGUMENT (or the status named below)
 *   and a message, and changes nothing. Pointers that are non-NULL but point to the wrong
 *   memory, or buffers shorter than their descriptor says, cannot be detected: the caller
 *   guarantees that `data` holds `stride_bytes * (height - 1) + width * bytes_per_pixel` bytes.
 * - Threads: a context may be used from any thread. Calls on one context are serialised (a
 *   second concurrent sf_stylize on the same context waits for the first). Different contexts
 *   run in parallel. All functions not taking a context are thread-safe.
 *   Note: the engine sets OpenBLAS's thread count, which is process-wide, to 1 and spreads the
 *   work over its own `threads` workers. The same inputs and options give the same bytes with
 *   any `threads` value (and on every run), whole-image and tiled alike.
 * - Strings are UTF-8 and NUL-terminated; the library keeps no pointer to caller memory after a
 *   call returns.
 * - ABI: symbols are versioned (STYLEFILTER_1), only `sf_*` symbols are exported, and
 *   `xerbla_`, which replaces OpenBLAS's error handler (it printed to stdout) so that an illegal
 *   BLAS argument becomes SF_INTERNAL instead of text in the host's output. Structs that
 *   may grow start with `size_t struct_size`; new fields are only ever appended.
 */
#ifndef STYLEFILTER_H
#define STYLEFILTER_H

#include <stddef.h>
#include <stdint.h>

#include "stylefilter_version.h" /* the version and the limits */

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Version ---------------------------------------------------------------------------- */

/* SF_VERSION_MAJOR/MINOR/PATCH, SF_VERSION_NUMBER and SF_ABI_VERSION: stylefilter_version.h. */

/* The library's version number (SF_VERSION_NUMBER of the library actually loaded). */
int sf_version(void);
/* The library's ABI version; a program compiled against this header needs SF_ABI_VERSION. */
int sf_abi_version(void);
/* "MAJOR.MINOR.PATCH" of the library actually loaded: a static string. */
const char *sf_version_string(void);

/* ---- Status codes ----------------------------------------------------------------------- */

typedef enum sf_status {
    SF_OK = 0,
    SF_INVALID_ARGUMENT = 1, /* NULL pointer, bad size/stride/format/option, NaN/inf, ... */
    SF_MODEL_NOT_FOUND = 2,  /* no model file where the library looked */
    SF_INVALID_MODEL = 3,    /* a model file that is corrupt, truncated or foreign */
    SF_IO = 4,               /* reading a file failed */
    SF_CANCELLED = 5,        /* the progress callback returned non-zero */
    SF_NUMERICAL = 6,        /* the optimisation diverged (NaN/inf): lower weights or lr */
    SF_OUT_OF_MEMORY = 7,    /* does not fit: refused before any work from the plan's estimate
                                (memory budget, available memory, ulimit -v), or an allocation failed */
    SF_INTERNAL = 8          /* a bug in stylefilter: please report it with the message */
} sf_status;

/* "SF_OK", "SF_INVALID_ARGUMENT", ...; "SF_UNKNOWN_STATUS" for any other value. Static. */
const char *sf_status_name(int status);

/* ---- Images ----------------------------------------------------------------------------- */

typedef enum sf_format {
    SF_FORMAT_RGB8 = 1,  /* 3 × uint8 per pixel */
    SF_FORMAT_RGBA8 = 2, /* 4 × uint8; alpha is not styled (see sf_stylize) */
    SF_FORMAT_RGB16 = 3, /* 3 × uint16, native endian, 0…65535 */
    SF_FORMAT_RGBF32 = 4 /* 3 × float, 0…1 (inputs must be finite; values outside 0…1 clamp) */
} sf_format;

/* Bytes per pixel of a format; 0 for an unknown format. */
size_t sf_format_bytes_per_pixel(int format);

/* An image in caller memory: `height` rows of `width` pixels, row r starting at
 * (char *)data + r * stride_bytes. stride_bytes >= width * bytes-per-pixel. Pixels are sRGB. */
typedef struct sf_image {
    uint32_t width;      /* offset 0 */
    uint32_t height;     /* offset 4 */
    size_t stride_bytes; /* offset 8 */
    int32_t format;      /* offset 16: an sf_format */
    void *data;          /* offset 24 (LP64): read for inputs, written for the output */
} sf_image;

/* The limits checked at the boundary (SF_MAX_IMAGE_SIDE, SF_MAX_IMAGE_PIXELS, SF_MAX_STYLES,
 * SF_MIN_RESULT_SIDE, SF_MAX_RESULT_SIDE) are in stylefilter_version.h. */

/* ---- Options ---------------------------------------------------------------------------- */

typedef enum sf_optimizer { SF_OPTIMIZER_LBFGS = 0, SF_OPTIMIZER_ADAM = 1 } sf_optimizer;
typedef enum sf_pooling { SF_POOLING_MAX = 0, SF_POOLING_AVG = 1 } sf_pooling;
/* SF_INIT_GRAY: mid-grey; SF_INIT_STYLE_MEAN: the style images' mean colour (since 1.3.0);
 * SF_INIT_STYLE_COLORS: the content recoloured to the style images' mean colour and colour
 * covariance, in each masked region to its style's (since 1.4.0). */
typedef enum sf_init {
    SF_INIT_CONTENT = 0,
    SF_INIT_RANDOM = 1,
    SF_INIT_IMAGE = 2,
    SF_INIT_GRAY = 3,
    SF_INIT_STYLE_MEAN = 4,
    SF_INIT_STYLE_COLORS = 5
} sf_init;
/* Whose colours the result has (Gatys et al. 2016): the painting's (a grey painting gives a grey
 * result, since 1.13.0); the content's, with only the luminance stylized; or the painting's
 * colours matched to the content's mean and covariance before the transfer. */
typedef enum sf_colors { SF_COLORS_STYLE = 0, SF_COLORS_LUMINANCE = 1, SF_COLORS_HISTOGRAM = 2 } sf_colors;
/* How L-BFGS steps over the whole image (since 1.5.0): SF_PRECONDITIONER_MULTISCALE moves large
 * regions as fast as fine detail (bolder colour and strokes in few iterations, the default);
 * SF_PRECONDITIONER_NONE moves every pixel alike, as PyTorch's L-BFGS (1.4's steps). Adam and the
 * tiled stages of results above work_size take plain steps either way. */
typedef enum sf_preconditioner {
    SF_PRECONDITIONER_MULTISCALE = 0,
    SF_PRECONDITIONER_NONE = 1
} sf_preconditioner;
/* What the network sees beyond the image's edges over a whole image (since 1.6.0):
 * SF_PADDING_MIRROR the image reflected outwards, the losses taken over the image's own positions
 * (the edges painted like the rest, the default); SF_PADDING_ZERO black, as PyTorch and 1.5
 * (a frame a few pixels wide). The tutorial objective and the tiles above work_size take zero. */
typedef enum sf_padding { SF_PADDING_MIRROR = 0, SF_PADDING_ZERO = 1 } sf_padding;
/* How a frame of a sequence (sf_sequence_*) is tied to the frames before it (since 1.12.0; Ruder,
 * Dosovitskiy & Brox 2016): SF_TEMPORAL_OFF each frame on its own (the strokes jump: flicker);
 * SF_TEMPORAL_SHORT each frame starts from the previous result moved by the optical flow between
 * the frames and keeps it where the flow is reliable; SF_TEMPORAL_LONG also from frames 2 and 4
 * back, for what the previous frame hid. */
typedef enum sf_temporal { SF_TEMPORAL_OFF = 0, SF_TEMPORAL_SHORT = 1, SF_TEMPORAL_LONG = 2 } sf_temporal;
/* SF_OBJECTIVE_DEFAULT: size-independent normalisation; SF_OBJECTIVE_TUTORIAL: exactly the
 * PyTorch tutorials' loss (for comparisons). */
typedef enum sf_objective { SF_OBJECTIVE_DEFAULT = 0, SF_OBJECTIVE_TUTORIAL = 1 } sf_objective;

/* Always fill with sf_options_init first, then change fields. Defaults in brackets. */
typedef struct sf_options {
    size_t struct_size;         /*  0: sizeof(sf_options) as the caller knows it */
    int32_t iterations;         /*  8: [24] iterations at each scale, 1…1000000 */
    int32_t optimizer;          /* 12: [SF_OPTIMIZER_LBFGS] */
    float learning_rate;        /* 16: [2.0] Adam's step (model pixel units, 0…255), > 0 */
    float content_weight;       /* 20: [1.0] >= 0, finite */
    float style_weight;         /* 24: [30.0] >= 0, finite */
    float tv_weight;            /* 28: [10.0] >= 0, finite */
    const char *content_layers; /* 32: [NULL = "conv4_2"] comma-separated layer names */
    const char *style_layers;   /* 40: [NULL = "conv1_1:0.2,conv2_1:0.5,conv3_1:1,conv4_1:1"]
                                       LAYER[:WEIGHT],… (no weight = 1) */
    int32_t pooling;            /* 48: [SF_POOLING_MAX] */
    int32_t init;               /* 52: [SF_INIT_STYLE_COLORS] (SF_INIT_CONTENT until 1.3) */
    const sf_image *init_image; /* 56: [NULL] the start image for SF_INIT_IMAGE (any size) */
    uint64_t seed;              /* 64: [0] noise seed for SF_INIT_RANDOM */
    int32_t
        scales; /* 72: [2] coarse-to-fine scales (sides /sqrt2 per step, >= 64 px; equal steps run once), 1…8 */
    int32_t objective; /* 76: [SF_OBJECTIVE_DEFAULT] */
    uint32_t max_size; /* 80: [0 = keep the content's size] longest side of the
                                       result; larger contents are scaled down to it, smaller
                                       ones keep their size (option "size": N or "full" = 0) */
    int32_t threads;   /* 84: [0 = all cores] 0…256, for the engine and OpenBLAS */
    /* Appended (ABI 1): a caller compiled with the older 88-byte sf_options still works, these
       fields then take their defaults. */
    uint32_t work_size;  /* 88: [512] longest side optimised as one image; larger results
                                       continue in overlapping tiles, 64…32768 */
    int32_t padding;     /* 92: [SF_PADDING_MIRROR] an sf_padding (1.6.0; `reserved`,
                                       always 0, in 1.1 to 1.5 headers) */
    uint64_t max_memory; /* 96: [1 GiB] bytes the stylization may allocate (the model and
                                       the host's images aside), >= 256 MiB; tiles are sized to fit
                                       it, a run that cannot fit is refused */
    /* Appended (1.3.0): callers compiled with the 104-byte struct get the defaults (no masks). */
    float style_scale;           /* 104: [1.0] size of the style image relative to each scale's,
                                       0.25…4: above 1 larger strokes, below 1 smaller */
    int32_t colors;              /* 108: [SF_COLORS_STYLE] an sf_colors */
    const sf_image *masks;       /* 112: [NULL] region masks, one per style image (style_count
                                       images, any size of the content's proportions (within a
                                       pixel of rounding; else SF_INVALID_ARGUMENT), read as
                                       luminance times alpha for RGBA8): white takes that style,
                                       black or transparent none, grey blends; where no mask
                                       covers a pixel the content is kept. NULL: every style
                                       everywhere */
    int32_t normalize_gradients; /* 120: [0] 1: each loss layer scaled so its gradient's share
                                       follows its weight, at the start of each scale */
    int32_t preconditioner;      /* 124: [SF_PRECONDITIONER_MULTISCALE] an sf_preconditioner (1.5.0;
                                       `reserved2`, always 0, in 1.3 and 1.4 headers) */
    /* Appended after 1.9.1: callers compiled with the 128-byte struct get the defaults. */
    int32_t preview;         /* 128: [0] 1: a preview, for a preview pane or for choosing
                                       settings: the first (coarsest) scale's first 12 iterations
                                       alone, upsampled to the output's size (sf_output_size as
                                       without it); the full run continues from that image, so it
                                       has the full result's composition and palette, at the
                                       defaults in under a quarter of its time (with scales 1,
                                       half). Progress plans the shorter run */
    float long_range_weight; /* 132: [0] >= 0, finite: weight of the long-range style terms
                                       (conv4_1's features against themselves 32 px across and
                                       down), so strokes continue and curve as in the painting;
                                       not with masks (`reserved3`, always 0, in 1.10 headers) */
    /* Appended in 1.12.0: callers compiled with the 136-byte struct get the defaults. Read by
       sf_sequence_* only (single images ignore them). */
    int32_t temporal;      /* 136: [SF_TEMPORAL_SHORT] an sf_temporal */
    float temporal_weight; /* 140: [2000] >= 0, finite: how strongly a frame keeps the
                                       previous result where the optical flow is reliable */
} sf_options;              /* sizeof = 144 on LP64 (88, 104, 128 and 136 in older headers) */

/* Fills *options with the defaults and sets options->struct_size = struct_size.
 * struct_size must be sizeof(sf_options) as the caller knows it: smaller than 88 (the
 * first ABI 1 header's) or larger than 4096 → SF_INVALID_ARGUMENT; any size from 88 up to this
 * header's sizeof → the fields that fit whole are filled (the others take their defaults in every
 * call); larger → the known part is filled and the rest zeroed (a newer header's fields, which
 * this library does not know, must stay zero). No call ever reads or writes a byte at or past
 * struct_size. A field that struct_size cuts (an odd size such as 127) is not the caller's: its
 * bytes below struct_size are zeroed here and never read or written by other calls (the field
 * takes its default; setting it by name is refused). Every call accepts the sizes this one does. */
int sf_options_init(sf_options *options, size_t struct_size);

/* Sets one option by name from text, as the `stylize` command's long option of that name takes
 * it ("iterations" "200", "style-weight" "1e3", "max-memory" "1.5G", "size" "full", "optimizer"
 * "adam", "style-layers" "conv1_1:1,conv2_1:0.5"); the names and what each accepts are listed
 * by sf_option_info. Values are exact: no white space around them; counts are digits only (no
 * sign: "+2" and " 2" are refused); numbers are plain decimal ("0.5", ".5", "1e3"; no "+", hex,
 * inf or nan); words as listed ("full", not "full "); a list's entries may be separated by a
 * comma and spaces ("conv1_1:0.2, conv2_1:0.5"). The value is checked against the option's bounds or choices now; a bad
 * name or value gives SF_INVALID_ARGUMENT, a message naming the option and what it accepts, and
 * leaves *options unchanged. options must have been filled by sf_options_init. The strings of
 * the list options (content_layers, style_layers) are copies the library keeps for the life of
 * the process (at most 1 MiB of distinct texts in all). "init" takes content or random; for a
 * start image set options->init = SF_INIT_IMAGE and init_image. */
int sf_options_set(sf_options *options, const char *name, const char *value);

/* Sets several options from one string of NAME=VALUE settings separated by spaces or tabs,
 * e.g. "iterations=200 size=full style-weight=1e3" (values cannot contain spaces). All or
 * nothing: on a bad setting *options is unchanged and the message names it. */
int sf_options_parse(sf_options *options, const char *settings);

/* ---- Option introspection (build a UI or a binding from the library) ---------------------- */

typedef enum sf_option_type {
    SF_OPTION_INT = 1,             /* whole number in minimum…maximum */
    SF_OPTION_FLOAT = 2,           /* finite number >= minimum (> minimum if minimum_exclusive) */
    SF_OPTION_CHOICE = 3,          /* one of `choices` */
    SF_OPTION_LAYERS = 4,          /* comma-separated layer names (`choices` lists them) */
    SF_OPTION_WEIGHTED_LAYERS = 5, /* LAYER[:WEIGHT],… (layers in `choices`) */
    SF_OPTION_BYTES = 6,           /* memory size: bytes, or with K, M or G (binary, upper case;
                                      no other unit): 1500M, 1.5G */
    SF_OPTION_PIXELS = 7           /* pixel size in minimum…maximum, or a word of `choices` ("full") */
} sf_option_type;

/* One option's description. Every string is static (valid for the life of the process). */
typedef struct sf_option_description {
    size_t struct_size;        /*  0: set by the caller to sizeof(sf_option_description) it knows */
    const char *name;          /*  8: "style-weight": the `stylize` long option and -process key */
    int32_t type;              /* 16: an sf_option_type */
    int32_t has_minimum;       /* 20: minimum is meaningful */
    int32_t has_maximum;       /* 24: maximum is meaningful */
    int32_t minimum_exclusive; /* 28: the value must be greater than minimum */
    double minimum;            /* 32 */
    double maximum;            /* 40 */
    const char *default_value; /* 48: the default as text, as sf_options_init sets it */
    const char *choices;       /* 56: comma-separated accepted words, or "" */
    const char *accepted;      /* 64: what the option accepts, in words ("1…1000000", "> 0", …) */
    const char *help;          /* 72: one line */
    const char *type_name;     /* 80: "int", "float", "choice", … */
} sf_option_description;       /* sizeof = 88 on LP64 */

/* The number of options (the valid indexes of sf_option_info are 0…count-1). The list is the
 * `stylize` command's engine options, in the order of `stylize --help`. */
size_t sf_option_count(void);

/* Describes option `index` into *out. out->struct_size must be set first, to
 * sizeof(sf_option_description) as the caller knows it (at least 88); bytes beyond the ones
 * this library knows are zeroed. Index out of range, out NULL or struct_size too small:
 * SF_INVALID_ARGUMENT. */
int sf_option_info(size_t index, sf_option_description *out);

/* The size of the result for a content of width × height under `options` (NULL = defaults,
 * which keep the content's size). A content sf_stylize would refuse (a side above
 * SF_MAX_IMAGE_SIDE, more than SF_MAX_IMAGE_PIXELS pixels, or empty) or a result outside
 * SF_MIN_RESULT_SIDE…SF_MAX_RESULT_SIDE gives SF_INVALID_ARGUMENT and a message.
 * Otherwise:
 * the content's size if its longest side is <= max_size (or max_size is 0), else scaled so the
 * longest side is max_size, keeping the aspect ratio (the short side rounded, at least 1).
 * The caller allocates the output at exactly this size. */
int sf_output_size(const sf_options *options, uint32_t width, uint32_t height, uint32_t *out_width,
                   uint32_t *out_height);

/* ---- Progress --------------------------------------------------------------------------- */

typedef struct sf_progress {
    size_t struct_size;       /*  0: sizeof(sf_progress) of the library; read only the fields
                                     that fit in it */
    int32_t iteration;        /*  8: iterations completed over all scales (1-based) */
    int32_t planned;          /* 12: iterations planned over all scales */
    int32_t scale;            /* 16: current scale, 1…scales */
    int32_t scales;           /* 20 */
    int32_t scale_iteration;  /* 24: iteration within this scale, 1…scale_iterations */
    int32_t scale_iterations; /* 28 */
    int32_t width;            /* 32: size of the image optimised at this scale */
    int32_t height;           /* 36 */
    double loss_total;        /* 40: content_weight·content + style_weight·style + tv_weight·tv */
    double loss_content;      /* 48: unweighted terms */
    double loss_style;        /* 56 */
    double loss_tv;           /* 64 */
    double elapsed_seconds;   /* 72: since sf_stylize started */
    /* Appended after 1.9.1 (read it only if struct_size >= 88): */
    double fraction_done; /* 80: share of the planned work done, 0…1, each iteration weighted
                                     by what it costs (its stage's pixels; a tiled stage's tiles),
                                     so unlike iteration/planned it grows in proportion to time:
                                     elapsed_seconds * (1 - fraction_done) / fraction_done
                                     estimates the seconds left. 1 after the last iteration */
    /* Appended after 1.9.1 too (read them only if struct_size >= 96): */
    int32_t tile;  /* 88: in a tiled scale, the tile being optimised, 1…tiles
                                     (scale_iteration then counts over all its tiles); 0 at a
                                     whole-image scale */
    int32_t tiles; /* 92: the scale's tile count; 0 at a whole-image scale */
} sf_progress;     /* sizeof = 96 (80 in 1.9.1 and older headers) */

/* Called on the calling thread after every optimiser iteration. Return 0 to continue, non-zero
 * to cancel: sf_stylize then returns SF_CANCELLED right after that iteration and the output
 * buffer is left untouched. The callback must not call sf_stylize or sf_context_destroy on the
 * same context: either returns SF_INVALID_ARGUMENT and does nothing (other contexts are fine). */
typedef int (*sf_progress_fn)(const sf_progress *progress, void *user);

/* ---- Context ---------------------------------------------------------------------------- */

typedef struct sf_context sf_context;

/* Loads a model once, for many sf_stylize calls. A context also keeps the style images'
 * statistics (Gram matrices) of its recent calls, up to 64 MiB, so that a batch of images or a
 * preview run again in one style computes them once per size; the results are the same bytes
 * a new context gives. model_path NULL (or "") finds the default
 * model, vgg16-imagenet.safetensors: $STYLEFILTER_MODEL; then the installed one,
 * LIBDIR/../share/stylefilter/ relative to this library's own file (PREFIX/share/stylefilter/
 * after `make install`); then the user cache, $XDG_CACHE_HOME/stylefilter/ (default
 * ~/.cache/stylefilter/, filled by `stylize model fetch`); then models/ in a checkout above the
 * library or the current directory. The SF_MODEL_NOT_FOUND message lists every path tried.
 * On success *out is the new context; on failure *out is set to NULL and the message is
 * sf_last_error_message(NULL). Statuses: SF_MODEL_NOT_FOUND, SF_INVALID_MODEL, SF_IO,
 * SF_INVALID_ARGUMENT (out NULL). */
int sf_context_create(const char *model_path, sf_context **out);

/* Frees a context (NULL is fine). The context must not be in use by another thread. Returns
 * SF_INVALID_ARGUMENT (and does nothing) for a pointer that is not a live context, or when
 * called from inside that context's own progress callback. */
int sf_context_destroy(sf_context *context);

/* Path of the model the context loaded (owned by the context). NULL for an invalid context. */
const char *sf_context_model_path(const sf_context *context);

/* ---- Stylize ---------------------------------------------------------------------------- */

/* Repaints `content` in the style of `styles[0…style_count-1]`, writing the result to `output`.
 *   options        NULL = defaults.
 *   style_weights  NULL = equal blend, else style_count finite weights >= 0, not all 0
 *                  (normalised to sum 1).
 *   output         caller-allocated, any format; width × height must equal sf_output_size().
 *                  May not overlap any input. Written only when SF_OK is returned.
 *   Alpha: if content is RGBA8, its alpha is copied unchanged to an RGBA8 output (resized with
 *   a triangle filter when the result size differs); a content without alpha gives alpha 255.
 *   progress       NULL = none; user is passed through.
 * Quantisation: RGB16 = round(65535·v) (ImageMagick Q16's ClampToQuantum); RGB8/RGBA8 = that
 * value rounded to nearest 8 bits (ImageMagick's ScaleQuantumToChar); RGBF32 = v clamped to 0…1.
 * 8- and 16-bit inputs become floats exactly as ImageMagick Q16 exports them, so for the same
 * options and seed the colours equal the `stylize` command's (see docs/c-api.md). */
int sf_stylize(sf_context *context, const sf_options *options, const sf_image *content,
               const sf_image *styles, const float *style_weights, size_t style_count, const sf_image *output,
               sf_progress_fn progress, void *user);

/* ---- Sequences (since 1.12.0) ------------------------------------------------------------- */

/* Frames of an animation or a video, stylized one at a time in order, each tied to the ones
 * before it by optical flow (options->temporal), so the strokes stay where the picture stays
 * instead of flickering:
 *   sf_sequence *seq;
 *   sf_sequence_begin(ctx, &opt, &style, NULL, 1, &seq);
 *   for each frame: sf_sequence_push(seq, &frame, &out, progress_cb, user);  // out: sf_output_size
 *   sf_sequence_end(seq);
 * The frames give the same result as the `stylize` command and `-process` on the same list. */
typedef struct sf_sequence sf_sequence;

/* Begins a sequence on `context` with these options and styles (as sf_stylize takes them; masks,
 * if any, apply to every frame). Everything is checked and copied now: the caller may free the
 * styles, masks and options after this returns. options->preview must be 0. On success *out is
 * the new sequence; on failure NULL. The sequence keeps the context's model alive; its frames run
 * on the context, serialised with the context's other calls. */
int sf_sequence_begin(sf_context *context, const sf_options *options, const sf_image *styles,
                      const float *style_weights, size_t style_count, sf_sequence **out);

/* Stylizes the next frame into `output` (caller-allocated, sf_output_size of the frame under the
 * sequence's options; alpha as sf_stylize). Every frame must have the first frame's size
 * (SF_INVALID_ARGUMENT otherwise). A frame that fails or is cancelled (SF_CANCELLED) leaves the
 * sequence as it was: the next frame continues from the last one that succeeded, and the output
 * is untouched. progress: as sf_stylize, for this frame's run. */
int sf_sequence_push(sf_sequence *sequence, const sf_image *frame, const sf_image *output,
                     sf_progress_fn progress, void *user);

/* Frames stylized so far; -1 for a pointer that is not a live sequence. */
int64_t sf_sequence_frames(sf_sequence *sequence);

/* Ends a sequence and frees it (NULL is fine). SF_INVALID_ARGUMENT for a pointer that is not a
 * live sequence, or from inside a progress callback of its context. */
int sf_sequence_end(sf_sequence *sequence);

/* ---- Errors ----------------------------------------------------------------------------- */

/* The message of the last failed call on `context` ("" if none), owned by the context and valid
 * until the next call on it. context NULL: the message of the last failed call on this thread
 * (any function, with or without a context), valid until the next failing call on this thread.
 * Never returns NULL. */
const char *sf_last_error_message(const sf_context *context);

#ifdef __cplusplus
}
#endif
#endif /* STYLEFILTER_H */
