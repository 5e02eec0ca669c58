/*
 * abi_test.c — tests of libstylefilter's C ABI, compiled against the INSTALLED header and library:
 *
 *   cc -std=c11 -pthread Tests/CABI/abi_test.c $(pkg-config --cflags --libs stylefilter) -o abi_test
 *   ./abi_test [MODEL.safetensors]        (default: $STYLEFILTER_MODEL, then the library's search)
 *
 * Layout (sizeof/offsetof) and enum values as documented in stylefilter.h; every struct_size from
 * 88 to sizeof(sf_options), against an inaccessible page; every bad input gives
 * its status and leaves the output untouched; several contexts in parallel threads give the same
 * bytes as one at a time; cancellation from the callback is prompt and leaves the output alone.
 * A result above work_size runs in tiles and keeps the host's size (700×500, 1 iteration a stage);
 * a budget it cannot fit is refused before any work (4096×3072 under 256 MiB). The other images
 * are generated in code at 32–48 px, 2–4 iterations. Last line: "N passed, N failed".
 * `make c-tests` (mk/cabi.mk) runs it normally and under -fsanitize=address.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <stylefilter.h>

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* Atomic: checks also run on the worker threads of the parallel-context tests (TSan). */
static _Atomic int passed, failed;

#define CHECK(cond, ...)                                                                                     \
    do {                                                                                                     \
        if (cond) {                                                                                          \
            passed++;                                                                                        \
        } else {                                                                                             \
            failed++;                                                                                        \
            fprintf(stderr, "FAIL %s:%d: %s: ", __FILE__, __LINE__, #cond);                                  \
            fprintf(stderr, __VA_ARGS__);                                                                    \
            fputc('\n', stderr);                                                                             \
        }                                                                                                    \
    } while (0)

#define CHECK_EQ_INT(a, b)                                                                                   \
    CHECK((long long)(a) == (long long)(b), "%lld != %lld", (long long)(a), (long long)(b))

/* The last message (of `ctx`, or the thread's for NULL) contains `text`. */
#define CHECK_MESSAGE(ctx, text)                                                                             \
    CHECK(strstr(sf_last_error_message(ctx), text) != NULL, "message lacks \"%s\": %s", text,                \
          sf_last_error_message(ctx))
/* ... and does not. */
#define CHECK_NO_MESSAGE(ctx, text)                                                                          \
    CHECK(strstr(sf_last_error_message(ctx), text) == NULL, "message has \"%s\": %s", text,                  \
          sf_last_error_message(ctx))

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

/* ---- Test images --------------------------------------------------------------------------- */

typedef struct {
    sf_image img;
    unsigned char *mem;
    size_t size;
} buffer;

static buffer make_buffer(uint32_t w, uint32_t h, int format, size_t pad) {
    buffer b;
    size_t bpp = sf_format_bytes_per_pixel(format);
    b.img.width = w;
    b.img.height = h;
    b.img.stride_bytes = w * bpp + pad;
    b.img.format = format;
    b.size = b.img.stride_bytes * h;
    b.mem = malloc(b.size);
    memset(b.mem, 0xA5, b.size); /* sentinel: "untouched" */
    b.img.data = b.mem;
    return b;
}

static int untouched(const buffer *b) {
    for (size_t i = 0; i < b->size; i++)
        if (b->mem[i] != 0xA5) return 0;
    return 1;
}

/* A smooth content-like picture (kind 0) or a stripy style-like one (kind 1), RGB8/RGBA8. */
static buffer make_picture(uint32_t w, uint32_t h, int format, int kind) {
    buffer b = make_buffer(w, h, format, 5);
    size_t bpp = sf_format_bytes_per_pixel(format);
    for (uint32_t y = 0; y < h; y++) {
        unsigned char *row = b.mem + y * b.img.stride_bytes;
        for (uint32_t x = 0; x < w; x++) {
            unsigned char *p = row + x * bpp;
            if (kind == 0) {
                p[0] = (unsigned char)(255 * x / (w - 1));
                p[1] = (unsigned char)(255 * y / (h - 1));
                p[2] =
                    (unsigned char)(((x - w / 2) * (x - w / 2) + (y - h / 2) * (y - h / 2) < w * w / 9) ? 230
                                                                                                        : 40);
            } else {
                int band = ((x + 2 * y) / 4) % 3;
                p[0] = band == 0 ? 220 : 30;
                p[1] = band == 1 ? 200 : 50;
                p[2] = band == 2 ? 240 : 20;
            }
            if (bpp == 4) p[3] = (unsigned char)((x * 7 + y * 3) & 0xFF);
        }
    }
    return b;
}

static const char *model_path;

static sf_options small_options(void) {
    sf_options o;
    sf_options_init(&o, sizeof o);
    CHECK_EQ_INT(sf_options_parse(&o, "iterations=3 scales=1 threads=1 seed=7 init=random size=32"), SF_OK);
    return o;
}

/* ---- Layout and constants ------------------------------------------------------------------ */

/* A caller's struct of `size` bytes from an older header: `fits` (a field it has) is set by name,
 * `beyond` (a field it lacks) is refused, one it lacks given its default (`same`) is accepted as
 * nothing to write, and no byte past `size` is touched. */
static void check_older_header(size_t size, const char *fits, const char *fits_value, const char *beyond,
                               const char *beyond_value, const char *same, const char *same_value) {
    _Alignas(8) unsigned char b[sizeof(sf_options) + 8];
    memset(b, 0xEE, sizeof b);
    sf_options *o = (sf_options *)b;
    CHECK_EQ_INT(sf_options_init(o, size), SF_OK);
    CHECK(sf_options_set(o, fits, fits_value) == SF_OK, "%zu bytes: %s", size, fits);
    CHECK(sf_options_set(o, beyond, beyond_value) == SF_INVALID_ARGUMENT, "%zu bytes: %s", size, beyond);
    CHECK(sf_options_set(o, same, same_value) == SF_OK, "%zu bytes: %s=%s", size, same, same_value);
    CHECK(b[size] == 0xEE && b[size + 7] == 0xEE, "bytes beyond a %zu-byte struct untouched", size);
}

static void test_layout(void) {
    CHECK_EQ_INT(SF_ABI_VERSION, 1);
    CHECK_EQ_INT(sf_abi_version(), SF_ABI_VERSION);
    CHECK_EQ_INT(sf_version(), SF_VERSION_NUMBER);
    char v[32];
    snprintf(v, sizeof v, "%d.%d.%d", SF_VERSION_MAJOR, SF_VERSION_MINOR, SF_VERSION_PATCH);
    CHECK(strcmp(sf_version_string(), v) == 0, "%s vs %s", sf_version_string(), v);

    CHECK_EQ_INT(SF_OK, 0);
    CHECK_EQ_INT(SF_INVALID_ARGUMENT, 1);
    CHECK_EQ_INT(SF_MODEL_NOT_FOUND, 2);
    CHECK_EQ_INT(SF_INVALID_MODEL, 3);
    CHECK_EQ_INT(SF_IO, 4);
    CHECK_EQ_INT(SF_CANCELLED, 5);
    CHECK_EQ_INT(SF_NUMERICAL, 6);
    CHECK_EQ_INT(SF_OUT_OF_MEMORY, 7);
    CHECK_EQ_INT(SF_INTERNAL, 8);
    const char *names[] = {"SF_OK",      "SF_INVALID_ARGUMENT", "SF_MODEL_NOT_FOUND", "SF_INVALID_MODEL",
                           "SF_IO",      "SF_CANCELLED",        "SF_NUMERICAL",       "SF_OUT_OF_MEMORY",
                           "SF_INTERNAL"};
    for (int i = 0; i <= 8; i++)
        CHECK(strcmp(sf_status_name(i), names[i]) == 0, "name of %d: %s", i, sf_status_name(i));
    CHECK(strcmp(sf_status_name(-1), "SF_UNKNOWN_STATUS") == 0, "%s", sf_status_name(-1));
    CHECK(strcmp(sf_status_name(9), "SF_UNKNOWN_STATUS") == 0, "%s", sf_status_name(9));

    CHECK_EQ_INT(SF_FORMAT_RGB8, 1);
    CHECK_EQ_INT(SF_FORMAT_RGBA8, 2);
    CHECK_EQ_INT(SF_FORMAT_RGB16, 3);
    CHECK_EQ_INT(SF_FORMAT_RGBF32, 4);
    CHECK_EQ_INT(sf_format_bytes_per_pixel(SF_FORMAT_RGB8), 3);
    CHECK_EQ_INT(sf_format_bytes_per_pixel(SF_FORMAT_RGBA8), 4);
    CHECK_EQ_INT(sf_format_bytes_per_pixel(SF_FORMAT_RGB16), 6);
    CHECK_EQ_INT(sf_format_bytes_per_pixel(SF_FORMAT_RGBF32), 12);
    CHECK_EQ_INT(sf_format_bytes_per_pixel(0), 0);
    CHECK_EQ_INT(sf_format_bytes_per_pixel(5), 0);
    CHECK_EQ_INT(SF_OPTIMIZER_LBFGS, 0);
    CHECK_EQ_INT(SF_OPTIMIZER_ADAM, 1);
    CHECK_EQ_INT(SF_POOLING_MAX, 0);
    CHECK_EQ_INT(SF_POOLING_AVG, 1);
    CHECK_EQ_INT(SF_INIT_CONTENT, 0);
    CHECK_EQ_INT(SF_INIT_RANDOM, 1);
    CHECK_EQ_INT(SF_INIT_IMAGE, 2);
    CHECK_EQ_INT(SF_INIT_GRAY, 3);
    CHECK_EQ_INT(SF_INIT_STYLE_MEAN, 4);
    CHECK_EQ_INT(SF_INIT_STYLE_COLORS, 5);
    CHECK_EQ_INT(SF_COLORS_STYLE, 0);
    CHECK_EQ_INT(SF_COLORS_LUMINANCE, 1);
    CHECK_EQ_INT(SF_COLORS_HISTOGRAM, 2);
    CHECK_EQ_INT(SF_OBJECTIVE_DEFAULT, 0);
    CHECK_EQ_INT(SF_OBJECTIVE_TUTORIAL, 1);

    /* LP64 layouts as documented in the header. */
    CHECK_EQ_INT(sizeof(sf_image), 32);
    CHECK_EQ_INT(offsetof(sf_image, width), 0);
    CHECK_EQ_INT(offsetof(sf_image, height), 4);
    CHECK_EQ_INT(offsetof(sf_image, stride_bytes), 8);
    CHECK_EQ_INT(offsetof(sf_image, format), 16);
    CHECK_EQ_INT(offsetof(sf_image, data), 24);

    CHECK_EQ_INT(sizeof(sf_options), 144);
    CHECK_EQ_INT(offsetof(sf_options, struct_size), 0);
    CHECK_EQ_INT(offsetof(sf_options, iterations), 8);
    CHECK_EQ_INT(offsetof(sf_options, optimizer), 12);
    CHECK_EQ_INT(offsetof(sf_options, learning_rate), 16);
    CHECK_EQ_INT(offsetof(sf_options, content_weight), 20);
    CHECK_EQ_INT(offsetof(sf_options, style_weight), 24);
    CHECK_EQ_INT(offsetof(sf_options, tv_weight), 28);
    CHECK_EQ_INT(offsetof(sf_options, content_layers), 32);
    CHECK_EQ_INT(offsetof(sf_options, style_layers), 40);
    CHECK_EQ_INT(offsetof(sf_options, pooling), 48);
    CHECK_EQ_INT(offsetof(sf_options, init), 52);
    CHECK_EQ_INT(offsetof(sf_options, init_image), 56);
    CHECK_EQ_INT(offsetof(sf_options, seed), 64);
    CHECK_EQ_INT(offsetof(sf_options, scales), 72);
    CHECK_EQ_INT(offsetof(sf_options, objective), 76);
    CHECK_EQ_INT(offsetof(sf_options, max_size), 80);
    CHECK_EQ_INT(offsetof(sf_options, threads), 84);
    CHECK_EQ_INT(offsetof(sf_options, work_size), 88);
    CHECK_EQ_INT(offsetof(sf_options, padding), 92);
    CHECK_EQ_INT(offsetof(sf_options, max_memory), 96);
    CHECK_EQ_INT(offsetof(sf_options, style_scale), 104);
    CHECK_EQ_INT(offsetof(sf_options, colors), 108);
    CHECK_EQ_INT(offsetof(sf_options, masks), 112);
    CHECK_EQ_INT(offsetof(sf_options, normalize_gradients), 120);
    CHECK_EQ_INT(offsetof(sf_options, preconditioner), 124);
    CHECK_EQ_INT(offsetof(sf_options, preview), 128);
    CHECK_EQ_INT(offsetof(sf_options, long_range_weight), 132);
    CHECK_EQ_INT(offsetof(sf_options, temporal), 136);
    CHECK_EQ_INT(offsetof(sf_options, temporal_weight), 140);
    CHECK_EQ_INT(SF_TEMPORAL_OFF, 0);
    CHECK_EQ_INT(SF_TEMPORAL_SHORT, 1);
    CHECK_EQ_INT(SF_TEMPORAL_LONG, 2);
    CHECK_EQ_INT(sizeof(sf_option_description), 88);
    CHECK_EQ_INT(offsetof(sf_option_description, name), 8);
    CHECK_EQ_INT(offsetof(sf_option_description, type), 16);
    CHECK_EQ_INT(offsetof(sf_option_description, has_minimum), 20);
    CHECK_EQ_INT(offsetof(sf_option_description, has_maximum), 24);
    CHECK_EQ_INT(offsetof(sf_option_description, minimum_exclusive), 28);
    CHECK_EQ_INT(offsetof(sf_option_description, minimum), 32);
    CHECK_EQ_INT(offsetof(sf_option_description, maximum), 40);
    CHECK_EQ_INT(offsetof(sf_option_description, default_value), 48);
    CHECK_EQ_INT(offsetof(sf_option_description, choices), 56);
    CHECK_EQ_INT(offsetof(sf_option_description, accepted), 64);
    CHECK_EQ_INT(offsetof(sf_option_description, help), 72);
    CHECK_EQ_INT(offsetof(sf_option_description, type_name), 80);
    CHECK_EQ_INT(SF_OPTION_INT, 1);
    CHECK_EQ_INT(SF_OPTION_FLOAT, 2);
    CHECK_EQ_INT(SF_OPTION_CHOICE, 3);
    CHECK_EQ_INT(SF_OPTION_LAYERS, 4);
    CHECK_EQ_INT(SF_OPTION_WEIGHTED_LAYERS, 5);
    CHECK_EQ_INT(SF_OPTION_BYTES, 6);
    CHECK_EQ_INT(SF_OPTION_PIXELS, 7);

    CHECK_EQ_INT(sizeof(sf_progress), 96);
    CHECK_EQ_INT(offsetof(sf_progress, tile), 88);
    CHECK_EQ_INT(offsetof(sf_progress, tiles), 92);
    CHECK_EQ_INT(offsetof(sf_progress, struct_size), 0);
    CHECK_EQ_INT(offsetof(sf_progress, iteration), 8);
    CHECK_EQ_INT(offsetof(sf_progress, planned), 12);
    CHECK_EQ_INT(offsetof(sf_progress, scale), 16);
    CHECK_EQ_INT(offsetof(sf_progress, scales), 20);
    CHECK_EQ_INT(offsetof(sf_progress, scale_iteration), 24);
    CHECK_EQ_INT(offsetof(sf_progress, scale_iterations), 28);
    CHECK_EQ_INT(offsetof(sf_progress, width), 32);
    CHECK_EQ_INT(offsetof(sf_progress, height), 36);
    CHECK_EQ_INT(offsetof(sf_progress, loss_total), 40);
    CHECK_EQ_INT(offsetof(sf_progress, loss_content), 48);
    CHECK_EQ_INT(offsetof(sf_progress, loss_style), 56);
    CHECK_EQ_INT(offsetof(sf_progress, loss_tv), 64);
    CHECK_EQ_INT(offsetof(sf_progress, elapsed_seconds), 72);
    CHECK_EQ_INT(offsetof(sf_progress, fraction_done), 80);
}

/* ---- Options and output size --------------------------------------------------------------- */

static void test_options(void) {
    sf_options o;
    CHECK_EQ_INT(sf_options_init(NULL, sizeof o), SF_INVALID_ARGUMENT);
    CHECK(strlen(sf_last_error_message(NULL)) > 0, "thread-local message after a failure");
    CHECK_EQ_INT(sf_options_init(&o, 87), SF_INVALID_ARGUMENT);
    CHECK_MESSAGE(NULL, "87");
    CHECK_EQ_INT(sf_options_init(&o, 0), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_options_init(&o, SIZE_MAX), SF_INVALID_ARGUMENT);
    /* size_t values are reported as the unsigned numbers they are, never as -1. */
    char number[32];
    snprintf(number, sizeof number, "%zu", (size_t)SIZE_MAX);
    CHECK_MESSAGE(NULL, number);
    CHECK_NO_MESSAGE(NULL, "-1");
    CHECK_EQ_INT(sf_options_init(&o, (size_t)1 << 63), SF_INVALID_ARGUMENT);
    snprintf(number, sizeof number, "struct_size %zu", (size_t)1 << 63); /* not "is -9223372036854775808" */
    CHECK_MESSAGE(NULL, number);
    CHECK_EQ_INT(sf_options_init(&o, 4097), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_options_init(&o, sizeof o), SF_OK);
    CHECK_EQ_INT(o.struct_size, sizeof o);
    CHECK_EQ_INT(o.iterations, 24);
    CHECK_EQ_INT(o.optimizer, SF_OPTIMIZER_LBFGS);
    CHECK(o.learning_rate == 2.0f, "lr %g", o.learning_rate);
    CHECK(o.content_weight == 1.0f && o.style_weight == 30.0f && o.tv_weight == 10.0f, "weights");
    CHECK(o.content_layers == NULL && o.style_layers == NULL && o.init_image == NULL, "NULL strings");
    CHECK_EQ_INT(o.pooling, SF_POOLING_MAX);
    CHECK_EQ_INT(o.init, SF_INIT_STYLE_COLORS);
    CHECK_EQ_INT(o.seed, 0);
    CHECK_EQ_INT(o.scales, 2);
    CHECK_EQ_INT(o.preconditioner, SF_PRECONDITIONER_MULTISCALE);
    CHECK_EQ_INT(o.padding, SF_PADDING_MIRROR);
    CHECK_EQ_INT(o.objective, SF_OBJECTIVE_DEFAULT);
    CHECK_EQ_INT(o.max_size, 0); /* a filter keeps the image's size */
    CHECK_EQ_INT(o.threads, 0);
    CHECK_EQ_INT(o.work_size, 512);
    CHECK_EQ_INT(o.max_memory, 1ull << 30);
    CHECK(o.style_scale == 1.0f, "style_scale %g", o.style_scale);
    CHECK_EQ_INT(o.colors, SF_COLORS_STYLE);
    CHECK_EQ_INT(o.preview, 0);
    CHECK(o.long_range_weight == 0.0f, "long_range_weight %g", o.long_range_weight);
    CHECK_EQ_INT(o.temporal, SF_TEMPORAL_SHORT);
    CHECK(o.temporal_weight == 2000.0f, "temporal_weight %g", o.temporal_weight);

    /* A caller compiled with the first ABI 1 header (88-byte sf_options): still accepted, the
     * appended fields take their defaults and are never written. */
    unsigned char old[88 + 16];
    memset(old, 0xEE, sizeof old);
    CHECK_EQ_INT(sf_options_init((sf_options *)old, 88), SF_OK);
    CHECK(old[88] == 0xEE && old[88 + 15] == 0xEE, "bytes beyond an 88-byte struct untouched");
    CHECK_EQ_INT(sf_options_set((sf_options *)old, "iterations", "9"), SF_OK);
    CHECK_EQ_INT(((sf_options *)old)->iterations, 9);
    CHECK_EQ_INT(sf_options_set((sf_options *)old, "work-size", "256"), SF_INVALID_ARGUMENT);
    CHECK(old[88] == 0xEE && old[88 + 15] == 0xEE, "bytes beyond an 88-byte struct untouched");

    /* Callers compiled with the 1.2 header (104 bytes, before style_scale and colors) and the 1.9
     * header (128 bytes, before preview). */
    check_older_header(104, "work-size", "256", "colors", "luminance", "style-scale", "1");
    check_older_header(128, "preconditioner", "none", "preview", "on", "preview", "off");
    check_older_header(136, "long-range-weight", "1", "temporal", "long", "temporal", "short");

    /* A newer caller's larger struct: the known part filled, the rest zeroed. */
    unsigned char big[sizeof(sf_options) + 16];
    memset(big, 0xEE, sizeof big);
    CHECK_EQ_INT(sf_options_init((sf_options *)big, sizeof big), SF_OK);
    CHECK_EQ_INT(((sf_options *)big)->struct_size, sizeof big);
    int zero = 1;
    for (size_t i = sizeof(sf_options); i < sizeof big; i++) zero &= big[i] == 0;
    CHECK(zero, "tail zeroed");

    uint32_t w = 0, h = 0;
    sf_options_init(&o, sizeof o);
    o.max_size = 32;
    CHECK_EQ_INT(sf_output_size(&o, 100, 50, &w, &h), SF_OK);
    CHECK(w == 32 && h == 16, "%ux%u", w, h);
    CHECK_EQ_INT(sf_output_size(&o, 30, 100, &w, &h), SF_OK);
    CHECK(w == 10 && h == 32, "%ux%u", w, h);
    CHECK_EQ_INT(sf_output_size(&o, 20, 17, &w, &h), SF_OK); /* smaller: kept */
    CHECK(w == 20 && h == 17, "%ux%u", w, h);
    CHECK_EQ_INT(sf_output_size(NULL, 700, 300, &w, &h), SF_OK); /* defaults: the content's size */
    CHECK(w == 700 && h == 300, "%ux%u", w, h);
    o.max_size = 0;
    CHECK_EQ_INT(sf_output_size(&o, 1000, 999, &w, &h), SF_OK);
    CHECK(w == 1000 && h == 999, "%ux%u", w, h);
    CHECK_EQ_INT(sf_output_size(&o, SF_MAX_RESULT_SIDE + 1, 10, &w, &h), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_output_size(&o, 10, 15, &w, &h), SF_INVALID_ARGUMENT); /* under 16 */
    CHECK_EQ_INT(sf_output_size(&o, 0, 100, &w, &h), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_output_size(&o, 100, 0, &w, &h), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_output_size(&o, UINT32_MAX, UINT32_MAX, &w, &h), SF_INVALID_ARGUMENT);
    /* A content sf_stylize would refuse is refused here too, whatever max_size makes of it:
     * beyond SF_MAX_IMAGE_SIDE a side or SF_MAX_IMAGE_PIXELS in all. */
    o.max_size = 512;
    w = h = 7;
    CHECK_EQ_INT(sf_output_size(&o, UINT32_MAX, UINT32_MAX, &w, &h), SF_INVALID_ARGUMENT);
    CHECK(w == 7 && h == 7, "outputs written on failure: %ux%u", w, h);
    CHECK_MESSAGE(NULL, "4294967295");
    CHECK_EQ_INT(sf_output_size(&o, SF_MAX_IMAGE_SIDE + 1, 100, &w, &h), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_output_size(&o, 100, SF_MAX_IMAGE_SIDE + 1, &w, &h), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_output_size(&o, SF_MAX_IMAGE_SIDE, SF_MAX_IMAGE_PIXELS / SF_MAX_IMAGE_SIDE + 1, &w, &h),
                 SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_output_size(&o, SF_MAX_IMAGE_SIDE, SF_MAX_IMAGE_PIXELS / SF_MAX_IMAGE_SIDE, &w, &h),
                 SF_OK);
    CHECK(w == 512 && h == 512 * (SF_MAX_IMAGE_PIXELS / SF_MAX_IMAGE_SIDE) / SF_MAX_IMAGE_SIDE, "%ux%u", w,
          h);
    CHECK_EQ_INT(sf_output_size(&o, SF_MAX_IMAGE_SIDE, 1, &w, &h), SF_OK); /* the longest side at the limit */
    CHECK(w == 512 && h == 1, "%ux%u", w, h);
    o.max_size = 0;
    CHECK_EQ_INT(sf_output_size(&o, 100, 100, NULL, &h), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_output_size(&o, 100, 100, &w, NULL), SF_INVALID_ARGUMENT);
    o.struct_size = 8;
    CHECK_EQ_INT(sf_output_size(&o, 100, 100, &w, &h), SF_INVALID_ARGUMENT);
}

/* ---- Every struct_size from 88 to sizeof(sf_options) ---------------------------------------- */

/* Every field of sf_options (the header's layout) and, for the fields appended after the first
 * ABI 1 header's 88 bytes, its option name and a value other than the default. */
#define FIELD(f, name, value)                                                                                \
    { offsetof(sf_options, f), sizeof(((sf_options *)0)->f), #f, name, value }
static const struct {
    size_t offset, size;
    const char *field, *name, *value;
} option_fields[] = {
    FIELD(struct_size, NULL, NULL),
    FIELD(iterations, "iterations", "9"),
    FIELD(optimizer, "optimizer", "adam"),
    FIELD(learning_rate, "lr", "0.5"),
    FIELD(content_weight, "content-weight", "2"),
    FIELD(style_weight, "style-weight", "1e3"),
    FIELD(tv_weight, "tv-weight", "3"),
    FIELD(content_layers, "content-layers", "conv3_1"),
    FIELD(style_layers, "style-layers", "conv1_1"),
    FIELD(pooling, "pooling", "avg"),
    FIELD(init, "init", "random"),
    FIELD(init_image, NULL, NULL),
    FIELD(seed, "seed", "5"),
    FIELD(scales, "scales", "3"),
    FIELD(objective, "objective", "tutorial"),
    FIELD(max_size, "size", "300"),
    FIELD(threads, "threads", "1"),
    FIELD(work_size, "work-size", "256"),
    FIELD(padding, "padding", "zero"),
    FIELD(max_memory, "max-memory", "2G"),
    FIELD(style_scale, "style-scale", "2"),
    FIELD(colors, "colors", "luminance"),
    FIELD(masks, NULL, NULL),
    FIELD(normalize_gradients, "normalize-gradients", "on"),
    FIELD(preconditioner, "preconditioner", "none"),
    FIELD(preview, "preview", "on"),
    FIELD(long_range_weight, "long-range-weight", "0.5"),
    FIELD(temporal, "temporal", "long"),
    FIELD(temporal_weight, "temporal-weight", "50"),
};
#define OPTION_FIELDS (sizeof option_fields / sizeof option_fields[0])

/* A caller's struct of `size` bytes at an 8-aligned address right before an inaccessible page
 * (the bytes from `size` up to that page hold the sentinel 0xEE): reading or writing past
 * struct_size crashes or changes the sentinel, also inside the uninstrumented library. */
typedef struct {
    unsigned char *pages;
    size_t page;
} guarded;

static guarded guarded_make(void) {
    guarded g = {NULL, (size_t)sysconf(_SC_PAGESIZE)};
    void *m = mmap(NULL, 2 * g.page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED || mprotect((unsigned char *)m + g.page, g.page, PROT_NONE) != 0) {
        perror("mmap/mprotect");
        exit(2);
    }
    g.pages = m;
    return g;
}

static sf_options *guarded_struct(const guarded *g, size_t size) {
    size_t rounded = (size + 7) & ~(size_t)7;
    unsigned char *p = g->pages + g->page - rounded;
    memset(g->pages + g->page - 512, 0xEE, 512);
    return (sf_options *)p;
}

static int sentinel_intact(const sf_options *o, size_t size) {
    const unsigned char *b = (const unsigned char *)o;
    for (size_t i = size; i < ((size + 7) & ~(size_t)7); i++)
        if (b[i] != 0xEE) return 0;
    return 1;
}

/* sf_options_init, _set, _parse and sf_output_size with every struct_size the header documents:
 * the fields that fit whole are filled with the defaults (and can be set), a field the size cuts
 * is zeroed below struct_size and refused by name, nothing at or past struct_size is touched. */
static void test_struct_sizes(void) {
    sf_options reference;
    sf_options_init(&reference, sizeof reference);
    guarded g = guarded_make();
    for (size_t size = 88; size <= sizeof(sf_options); size++) {
        sf_options *o = guarded_struct(&g, size);
        const unsigned char *b = (const unsigned char *)o;
        CHECK(sf_options_init(o, size) == SF_OK, "struct_size %zu: %s", size, sf_last_error_message(NULL));
        CHECK(o->struct_size == size, "struct_size %zu: set to %zu", size, o->struct_size);
        CHECK(sentinel_intact(o, size), "struct_size %zu: sf_options_init wrote past it", size);
        for (size_t k = 1; k < OPTION_FIELDS; k++) {
            size_t at = option_fields[k].offset, n = option_fields[k].size;
            if (at + n <= size) {
                CHECK(memcmp(b + at, (const unsigned char *)&reference + at, n) == 0,
                      "struct_size %zu: %s not the default", size, option_fields[k].field);
            } else if (at < size) {
                int zero = 1;
                for (size_t i = at; i < size; i++) zero &= b[i] == 0;
                CHECK(zero, "struct_size %zu: the cut field %s not zeroed", size, option_fields[k].field);
            }
        }
        /* Every option by name: the fields that fit take it, the others are refused, unchanged. */
        for (size_t k = 1; k < OPTION_FIELDS; k++) {
            if (option_fields[k].name == NULL) continue;
            size_t at = option_fields[k].offset, n = option_fields[k].size;
            unsigned char before[sizeof(sf_options)];
            memcpy(before, o, size);
            int rc = sf_options_set(o, option_fields[k].name, option_fields[k].value);
            if (at + n <= size) {
                CHECK(rc == SF_OK, "struct_size %zu: %s=%s: %s", size, option_fields[k].name,
                      option_fields[k].value, sf_last_error_message(NULL));
                CHECK(memcmp(before + at, b + at, n) != 0, "struct_size %zu: %s not written", size,
                      option_fields[k].field);
            } else {
                CHECK(rc == SF_INVALID_ARGUMENT, "struct_size %zu: %s set beyond the struct", size,
                      option_fields[k].name);
                CHECK(memcmp(before, o, size) == 0, "struct_size %zu: a refused %s changed the struct", size,
                      option_fields[k].name);
            }
            CHECK(sentinel_intact(o, size), "struct_size %zu: sf_options_set(%s) wrote past it", size,
                  option_fields[k].name);
        }
        CHECK(sf_options_parse(o, "iterations=5 threads=2") == SF_OK, "struct_size %zu: parse", size);
        CHECK(o->iterations == 5 && o->threads == 2, "struct_size %zu: parse", size);
        uint32_t w = 0, h = 0;
        o->max_size = 32;
        CHECK(sf_output_size(o, 100, 50, &w, &h) == SF_OK && w == 32 && h == 16,
              "struct_size %zu: output size %ux%u", size, w, h);
        CHECK(sentinel_intact(o, size), "struct_size %zu: written past it", size);
    }
    munmap(g.pages, 2 * g.page);
}

/* ---- The option table: set by name, introspection -------------------------------------------- */

static sf_option_description describe(size_t i) {
    sf_option_description d;
    memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    CHECK_EQ_INT(sf_option_info(i, &d), SF_OK);
    return d;
}

/* A bad value (or name) gives SF_INVALID_ARGUMENT, a message naming the option and what it
 * accepts, and leaves the options unchanged. */
static void expect_refused(sf_options *o, const char *name, const char *value, const char *accepted) {
    sf_options before = *o;
    CHECK_EQ_INT(sf_options_set(o, name, value), SF_INVALID_ARGUMENT);
    const char *m = sf_last_error_message(NULL);
    CHECK(strstr(m, name) != NULL, "%s=%s: message does not name the option: %s", name, value, m);
    CHECK(accepted == NULL || strstr(m, accepted) != NULL, "%s=%s: message lacks \"%s\": %s", name, value,
          accepted, m);
    CHECK(memcmp(&before, o, sizeof before) == 0, "%s=%s changed the options", name, value);
}

static void test_option_table(void) {
    size_t count = sf_option_count();
    CHECK(count >= 17, "%zu options", count);
    /* The header's result limits are the engine's (the table's bounds of `size`). */
    for (size_t i = 0; i < count; i++) {
        sf_option_description s = describe(i);
        if (strcmp(s.name, "size") != 0) continue;
        CHECK(s.has_minimum && s.minimum == SF_MIN_RESULT_SIDE, "size minimum %g, header %u", s.minimum,
              SF_MIN_RESULT_SIDE);
        CHECK(s.has_maximum && s.maximum == SF_MAX_RESULT_SIDE, "size maximum %g, header %u", s.maximum,
              SF_MAX_RESULT_SIDE);
    }
    sf_option_description d;
    memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    CHECK_EQ_INT(sf_option_info(count, &d), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_option_info(0, NULL), SF_INVALID_ARGUMENT);
    d.struct_size = 8;
    CHECK_EQ_INT(sf_option_info(0, &d), SF_INVALID_ARGUMENT);
    d.struct_size = SIZE_MAX;
    CHECK_EQ_INT(sf_option_info(0, &d), SF_INVALID_ARGUMENT);
    CHECK_MESSAGE(NULL, "18446744073709551615");
    d.struct_size = sizeof d;
    CHECK_EQ_INT(sf_option_info(SIZE_MAX, &d), SF_INVALID_ARGUMENT);
    CHECK_MESSAGE(NULL, "index 18446744073709551615");
    CHECK_EQ_INT(sf_option_info((size_t)1 << 63, &d), SF_INVALID_ARGUMENT);
    CHECK_MESSAGE(NULL, "index 9223372036854775808");

    sf_options defaults, o;
    sf_options_init(&defaults, sizeof defaults);
    for (size_t i = 0; i < count; i++) {
        d = describe(i);
        const char *n = d.name;
        CHECK(n && *n && d.default_value && d.choices && d.accepted && d.help && *d.help && d.type_name,
              "option %zu", i);
        if (!n) continue;
        CHECK(d.type >= SF_OPTION_INT && d.type <= SF_OPTION_PIXELS, "%s: type %d", n, d.type);
        /* Every option set by name to its documented default gives sf_options_init's options
         * (a list option's text then points at the library's copy instead of NULL). */
        sf_options_init(&o, sizeof o);
        CHECK_EQ_INT(sf_options_set(&o, n, d.default_value), SF_OK);
        if (d.type == SF_OPTION_LAYERS || d.type == SF_OPTION_WEIGHTED_LAYERS) {
            const char *text = d.type == SF_OPTION_LAYERS ? o.content_layers : o.style_layers;
            CHECK(text && strcmp(text, d.default_value) == 0, "%s: %s", n, text ? text : "NULL");
            o.content_layers = o.style_layers = NULL;
        }
        CHECK(memcmp(&o, &defaults, sizeof o) == 0, "%s=%s differs from the default", n, d.default_value);

        /* Each bound accepted, one step beyond it refused with a message naming the option and
         * its valid range; a word of each choice accepted, another refused. */
        char text[64];
        sf_options_init(&o, sizeof o);
        switch (d.type) {
        case SF_OPTION_INT:
        case SF_OPTION_PIXELS:
            CHECK(d.has_minimum && d.has_maximum, "%s: bounds", n);
            snprintf(text, sizeof text, "%.0f", d.minimum);
            CHECK_EQ_INT(sf_options_set(&o, n, text), SF_OK);
            if (d.maximum < 9e15) {
                snprintf(text, sizeof text, "%.0f", d.maximum);
                CHECK_EQ_INT(sf_options_set(&o, n, text), SF_OK);
                snprintf(text, sizeof text, "%.0f", d.maximum + 1);
                expect_refused(&o, n, text, d.accepted);
            }
            snprintf(text, sizeof text, "%.0f", d.minimum - 1);
            expect_refused(&o, n, text, d.accepted);
            expect_refused(&o, n, "1.5", d.accepted);
            if (d.type == SF_OPTION_PIXELS && strstr(d.choices, "full")) {
                CHECK_EQ_INT(sf_options_set(&o, n, "full"), SF_OK);
            }
            break;
        case SF_OPTION_FLOAT:
            CHECK(d.has_minimum && d.minimum >= 0, "%s: bounds", n);
            if (d.has_maximum) {
                /* A bounded number (style-scale): both bounds accepted, beyond them refused. */
                snprintf(text, sizeof text, "%g", d.minimum);
                CHECK_EQ_INT(sf_options_set(&o, n, text), SF_OK);
                snprintf(text, sizeof text, "%g", d.maximum);
                CHECK_EQ_INT(sf_options_set(&o, n, text), SF_OK);
                snprintf(text, sizeof text, "%g", d.maximum * 1.01);
                expect_refused(&o, n, text, d.accepted);
                snprintf(text, sizeof text, "%g", d.minimum * 0.99);
                expect_refused(&o, n, text, d.accepted);
            } else {
                CHECK_EQ_INT(sf_options_set(&o, n, "1e3"), SF_OK);
            }
            if (d.minimum == 0 && d.minimum_exclusive)
                expect_refused(&o, n, "0", d.accepted);
            else if (d.minimum == 0)
                CHECK_EQ_INT(sf_options_set(&o, n, "0"), SF_OK);
            expect_refused(&o, n, "-1", d.accepted);
            expect_refused(&o, n, "nan", d.accepted);
            expect_refused(&o, n, "1e60", d.accepted);
            expect_refused(&o, n, "lots", d.accepted);
            break;
        case SF_OPTION_CHOICE: {
            char words[256];
            snprintf(words, sizeof words, "%s", d.choices);
            for (char *save = NULL, *w = strtok_r(words, ",", &save); w; w = strtok_r(NULL, ",", &save)) {
                CHECK_EQ_INT(sf_options_set(&o, n, w), SF_OK);
            }
            expect_refused(&o, n, "bogus", d.accepted);
            break;
        }
        case SF_OPTION_LAYERS:
        case SF_OPTION_WEIGHTED_LAYERS:
            CHECK(strstr(d.choices, "conv4_2") != NULL, "%s: layers %s", n, d.choices);
            CHECK_EQ_INT(sf_options_set(&o, n, "conv3_1"), SF_OK);
            expect_refused(&o, n, "conv9_9", d.accepted);
            expect_refused(&o, n, "conv3_1,,conv4_1", d.accepted);
            break;
        case SF_OPTION_BYTES:
            CHECK(d.has_minimum, "%s: minimum", n);
            CHECK_EQ_INT(sf_options_set(&o, n, "1.5G"), SF_OK);
            CHECK_EQ_INT(sf_options_set(&o, n, "1500M"), SF_OK);
            snprintf(text, sizeof text, "%.0f", d.minimum - 1);
            expect_refused(&o, n, text, d.accepted);
            expect_refused(&o, n, "1.5Gi", d.accepted);
            break;
        }
    }

    /* Fields set by name land where the header says. */
    sf_options_init(&o, sizeof o);
    CHECK_EQ_INT(
        sf_options_parse(&o, "iterations=7  size=300\tmax-memory=1.5G work-size=256 optimizer=adam "
                             "pooling=avg init=random objective=tutorial seed=18446744073709551615 "
                             "lr=0.5 style-weight=1e3 content-layers=conv4_1 style-layers=conv1_1:1,conv2_1 "
                             "style-scale=2.5 colors=histogram"),
        SF_OK);
    CHECK(o.iterations == 7 && o.max_size == 300 && o.max_memory == (3ull << 29) && o.work_size == 256,
          "numbers");
    CHECK(o.optimizer == SF_OPTIMIZER_ADAM && o.pooling == SF_POOLING_AVG && o.init == SF_INIT_RANDOM &&
              o.objective == SF_OBJECTIVE_TUTORIAL && o.seed == UINT64_MAX,
          "choices, seed");
    CHECK(o.learning_rate == 0.5f && o.style_weight == 1000.0f && o.style_scale == 2.5f, "floats");
    CHECK_EQ_INT(o.colors, SF_COLORS_HISTOGRAM);
    CHECK_EQ_INT(sf_options_set(&o, "normalize-gradients", "on"), SF_OK);
    CHECK_EQ_INT(o.normalize_gradients, 1);
    CHECK_EQ_INT(o.preconditioner, SF_PRECONDITIONER_MULTISCALE); /* the default, 0 as 1.4's reserved2 */
    CHECK_EQ_INT(sf_options_set(&o, "preconditioner", "none"), SF_OK);
    CHECK_EQ_INT(o.preconditioner, SF_PRECONDITIONER_NONE);
    CHECK_EQ_INT(o.padding, SF_PADDING_MIRROR); /* the default, 0 as 1.1–1.5's reserved */
    CHECK_EQ_INT(sf_options_set(&o, "padding", "zero"), SF_OK);
    CHECK_EQ_INT(o.padding, SF_PADDING_ZERO);
    CHECK_EQ_INT(sf_options_set(&o, "padding", "reflect"), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(o.padding, SF_PADDING_ZERO);
    CHECK_EQ_INT(sf_options_set(&o, "preview", "on"), SF_OK);
    CHECK_EQ_INT(o.preview, 1);
    CHECK_EQ_INT(sf_options_set(&o, "preview", "yes"), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(o.preview, 1);
    CHECK_EQ_INT(sf_options_set(&o, "init", "style-mean"), SF_OK);
    CHECK_EQ_INT(o.init, SF_INIT_STYLE_MEAN);
    CHECK_EQ_INT(sf_options_set(&o, "init", "gray"), SF_OK);
    CHECK_EQ_INT(o.init, SF_INIT_GRAY);
    CHECK(o.content_layers && strcmp(o.content_layers, "conv4_1") == 0, "content_layers");
    CHECK(o.style_layers && strcmp(o.style_layers, "conv1_1:1,conv2_1") == 0, "style_layers");
    CHECK_EQ_INT(sf_options_set(&o, "size", "full"), SF_OK);
    CHECK_EQ_INT(o.max_size, 0);

    /* Values are exact: no white space around them, no sign on a count, plain decimal numbers,
     * only the documented units K, M, G. (The command and -process share this parser:
     * Tests/CABI/option-parity.sh.) */
    static const char *const refused[][2] = {
        {"iterations", " 2"},
        {"iterations", "2 "},
        {"iterations", "+2"},
        {"iterations", "2\t"},
        {"iterations", "\n2"},
        {"iterations", "-0"},
        {"iterations", "2.0"},
        {"iterations", "0x10"},
        {"iterations", "1e2"},
        {"threads", "+0"},
        {"scales", " 1"},
        {"seed", "+1"},
        {"seed", " 1"},
        {"seed", "-1"},
        {"seed", "18446744073709551616"},
        {"size", "full "},
        {"size", " full"},
        {"size", "Full"},
        {"size", "+512"},
        {"work-size", "256 "},
        {"max-memory", "1T"},
        {"max-memory", "1g"},
        {"max-memory", "1GiB"},
        {"max-memory", "1GB"},
        {"max-memory", " 1G"},
        {"max-memory", "1G "},
        {"max-memory", "+1G"},
        {"max-memory", "1e3M"},
        {"max-memory", "0x400M"},
        {"max-memory", "1.G"},
        {"max-memory", "G"},
        {"style-weight", "+1"},
        {"style-weight", " 1"},
        {"style-weight", "1 "},
        {"style-weight", "0x1p3"},
        {"style-weight", "infinity"},
        {"style-weight", "1."},
        {"lr", "+0.5"},
        {"style-scale", " 2"},
        {"optimizer", "adam "},
        {"optimizer", " adam"},
        {"init", " random"},
        {"padding", "zero\t"},
        {"content-layers", " conv4_2"},
        {"content-layers", "conv4_2 "},
        {"content-layers", "conv3_1 ,conv4_2"},
        {"style-layers", " conv1_1"},
        {"style-layers", "conv1_1:1 "},
        {"style-layers", "conv1_1: 1"},
        {"style-layers", "conv1_1 :1"},
        {"style-layers", "conv1_1:+1"},
        {"style-layers", "conv1_1,"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        expect_refused(&o, refused[i][0], refused[i][1], NULL);
    CHECK_EQ_INT(sf_options_parse(&o, "iterations=+2"), SF_INVALID_ARGUMENT);
    CHECK_MESSAGE(NULL, "iterations: '+2' is not a whole number");
    CHECK_EQ_INT(sf_options_set(&o, "iterations", " 2"), SF_INVALID_ARGUMENT);
    CHECK_MESSAGE(NULL, "white space");
    CHECK_EQ_INT(sf_options_set(&o, "max-memory", "1T"), SF_INVALID_ARGUMENT);
    CHECK_MESSAGE(NULL, "K, M, G");
    /* Spaces after a list's commas are allowed (as the docs show lists); exact forms are taken. */
    CHECK_EQ_INT(sf_options_set(&o, "style-layers", "conv1_1:0.2, conv2_1:0.5,\tconv3_1"), SF_OK);
    CHECK_EQ_INT(sf_options_set(&o, "content-layers", "conv3_1, conv4_2"), SF_OK);
    CHECK_EQ_INT(sf_options_set(&o, "iterations", "007"), SF_OK);
    CHECK_EQ_INT(o.iterations, 7);
    CHECK_EQ_INT(sf_options_set(&o, "style-weight", ".5"), SF_OK);
    CHECK_EQ_INT(sf_options_set(&o, "style-weight", "2.5E-1"), SF_OK);
    CHECK(o.style_weight == 0.25f, "%g", o.style_weight);
    CHECK_EQ_INT(sf_options_set(&o, "max-memory", "300000K"), SF_OK);
    CHECK_EQ_INT(o.max_memory, 300000ull << 10);
    CHECK_EQ_INT(sf_options_set(&o, "max-memory", "536870912"), SF_OK);
    CHECK_EQ_INT(o.max_memory, 512ull << 20);
    /* All or nothing. */
    sf_options before = o;
    CHECK_EQ_INT(sf_options_parse(&o, "iterations=8 threads=999"), SF_INVALID_ARGUMENT);
    CHECK(strstr(sf_last_error_message(NULL), "threads") != NULL, "%s", sf_last_error_message(NULL));
    CHECK_EQ_INT(sf_options_parse(&o, "iterations=8 bogus"), SF_INVALID_ARGUMENT);
    CHECK(memcmp(&before, &o, sizeof o) == 0, "a failed parse changed the options");
    CHECK_EQ_INT(sf_options_parse(&o, ""), SF_OK);
    CHECK_EQ_INT(sf_options_parse(&o, NULL), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_options_parse(NULL, "iterations=1"), SF_INVALID_ARGUMENT);

    /* An unknown name: the message lists the valid ones. */
    expect_refused(&o, "iteratons", "5", "iterations");
    CHECK(strstr(sf_last_error_message(NULL), "max-memory") != NULL, "%s", sf_last_error_message(NULL));
    CHECK_EQ_INT(sf_options_set(&o, NULL, "1"), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_options_set(&o, "iterations", NULL), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_options_set(NULL, "iterations", "1"), SF_INVALID_ARGUMENT);
    o.struct_size = 8;
    CHECK_EQ_INT(sf_options_set(&o, "iterations", "1"), SF_INVALID_ARGUMENT);
}

/* `abi_test --list-options`: the option names, one a line (mk/cabi.mk compares them with the
 * command's long options and the -process keys). */
static int list_options(void) {
    for (size_t i = 0; i < sf_option_count(); i++) printf("%s\n", describe(i).name);
    return failed ? 1 : 0;
}

/* `abi_test --set NAME VALUE`: sf_options_set's verdict, "ok" or the message (Tests/CABI/
 * option-parity.sh compares it with the command's and -process's); exit status 0 if accepted. */
static int set_option(const char *name, const char *value) {
    sf_options o;
    sf_options_init(&o, sizeof o);
    int rc = sf_options_set(&o, name, value);
    printf("%s\n", rc == SF_OK ? "ok" : sf_last_error_message(NULL));
    return rc == SF_OK ? 0 : 1;
}

/* ---- Contexts ------------------------------------------------------------------------------ */

static void write_file(const char *path, const void *data, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return;
    fwrite(data, 1, n, f);
    fclose(f);
}

static void test_context_errors(const char *tmpdir) {
    sf_context *ctx = (sf_context *)0x1;
    CHECK_EQ_INT(sf_context_create(NULL, NULL), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_context_create("/nonexistent/model.safetensors", &ctx), SF_MODEL_NOT_FOUND);
    CHECK(ctx == NULL, "out set to NULL on failure");
    CHECK(strstr(sf_last_error_message(NULL), "nonexistent") != NULL, "message: %s",
          sf_last_error_message(NULL));
    CHECK_EQ_INT(sf_context_create(tmpdir, &ctx), SF_MODEL_NOT_FOUND); /* a directory */

    char path[4096];
    snprintf(path, sizeof path, "%s/garbage.safetensors", tmpdir);
    write_file(path, "this is not a model at all", 26);
    CHECK_EQ_INT(sf_context_create(path, &ctx), SF_INVALID_MODEL);
    write_file(path, "", 0);
    CHECK_EQ_INT(sf_context_create(path, &ctx), SF_INVALID_MODEL);
    /* A header length that claims far more than the file holds. */
    unsigned char lying[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f,
                               '{',  '}',  ' ',  ' ',  ' ',  ' ',  ' ',  ' '};
    write_file(path, lying, sizeof lying);
    CHECK_EQ_INT(sf_context_create(path, &ctx), SF_INVALID_MODEL);
    /* The real model, truncated. */
    if (model_path) {
        FILE *f = fopen(model_path, "rb");
        if (f) {
            size_t n = 1 << 20;
            unsigned char *head = malloc(n);
            size_t got = fread(head, 1, n, f);
            fclose(f);
            write_file(path, head, got);
            free(head);
            CHECK_EQ_INT(sf_context_create(path, &ctx), SF_INVALID_MODEL);
            CHECK(strlen(sf_last_error_message(NULL)) > 0, "message for a truncated model");
        }
    }
    char bad_utf8[] = {'/', 't', 'm', 'p', '/', (char)0xff, 0};
    CHECK_EQ_INT(sf_context_create(bad_utf8, &ctx), SF_INVALID_ARGUMENT);

    int not_a_context = 42;
    CHECK_EQ_INT(sf_context_destroy(NULL), SF_OK);
    CHECK_EQ_INT(sf_context_destroy((sf_context *)&not_a_context), SF_INVALID_ARGUMENT);
    CHECK(sf_context_model_path((sf_context *)&not_a_context) == NULL, "model path of a non-context");
    CHECK(strlen(sf_last_error_message((sf_context *)&not_a_context)) > 0, "message of a non-context");
}

/* ---- A cut field is never read ---------------------------------------------------------------- */

/* sf_stylize with struct sizes that cut work_size, colors, preconditioner and preview, whose bytes below
 * struct_size hold 0xFF (an invalid value if they were read with the default's other bytes):
 * the run succeeds with the defaults and reads nothing past struct_size. */
static void test_cut_fields(sf_context *ctx) {
    buffer content = make_picture(40, 24, SF_FORMAT_RGB8, 0);
    buffer style = make_picture(32, 32, SF_FORMAT_RGB8, 1);
    buffer out = make_buffer(32, 19, SF_FORMAT_RGB8, 0);
    const size_t sizes[] = {offsetof(sf_options, work_size) + 2, offsetof(sf_options, colors) + 2,
                            offsetof(sf_options, preconditioner) + 3, offsetof(sf_options, preview) + 1};
    guarded g = guarded_make();
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        size_t size = sizes[i];
        sf_options *o = guarded_struct(&g, size);
        CHECK_EQ_INT(sf_options_init(o, size), SF_OK);
        CHECK_EQ_INT(sf_options_parse(o, "iterations=2 scales=1 threads=1 seed=7 init=random size=32"),
                     SF_OK);
        memset((unsigned char *)o + size - (size % 4), 0xFF, size % 4);
        int rc = sf_stylize(ctx, o, &content.img, &style.img, NULL, 1, &out.img, NULL, NULL);
        CHECK(rc == SF_OK, "struct_size %zu: %s: %s", size, sf_status_name(rc), sf_last_error_message(ctx));
        CHECK(sentinel_intact(o, size), "struct_size %zu: written past it", size);
    }
    munmap(g.pages, 2 * g.page);
    free(content.mem);
    free(style.mem);
    free(out.mem);
}

/* ---- Bad inputs to sf_stylize -------------------------------------------------------------- */

static int expect_invalid(sf_context *ctx, const sf_options *o, const sf_image *content,
                          const sf_image *styles, const float *weights, size_t n, buffer *out, int expected,
                          int line) {
    memset(out->mem, 0xA5, out->size);
    int rc = sf_stylize(ctx, o, content, styles, weights, n, out ? &out->img : NULL, NULL, NULL);
    int ok = rc == expected && untouched(out) && strlen(sf_last_error_message(ctx)) > 0;
    if (ok) {
        passed++;
    } else {
        failed++;
        fprintf(stderr, "FAIL line %d: status %s (wanted %s), output %s, message '%s'\n", line,
                sf_status_name(rc), sf_status_name(expected), untouched(out) ? "untouched" : "WRITTEN",
                sf_last_error_message(ctx));
    }
    return rc;
}
#define BAD(ctx, o, c, s, w, n) expect_invalid(ctx, o, c, s, w, n, &out, SF_INVALID_ARGUMENT, __LINE__)

static void test_bad_inputs(sf_context *ctx) {
    buffer content = make_picture(40, 24, SF_FORMAT_RGB8, 0);
    buffer style = make_picture(32, 32, SF_FORMAT_RGB8, 1);
    sf_options o = small_options();
    uint32_t w, h;
    sf_output_size(&o, 40, 24, &w, &h);
    buffer out = make_buffer(w, h, SF_FORMAT_RGB8, 0);
    sf_image c, s;
    sf_options p;
    float weights[2];

    int dummy = 0;
    BAD(NULL, &o, &content.img, &style.img, NULL, 1);
    BAD((sf_context *)&dummy, &o, &content.img, &style.img, NULL, 1);
    BAD(ctx, &o, NULL, &style.img, NULL, 1);
    BAD(ctx, &o, &content.img, NULL, NULL, 1);
    BAD(ctx, &o, &content.img, &style.img, NULL, 0);
    BAD(ctx, &o, &content.img, &style.img, NULL, 65);
    BAD(ctx, &o, &content.img, &style.img, NULL, SIZE_MAX);
    CHECK_MESSAGE(ctx, "18446744073709551615");
    /* 2^63 is not 0 (nor negative): checked as the size_t it is before any conversion. */
    BAD(ctx, &o, &content.img, &style.img, NULL, (size_t)1 << 63);
    CHECK_MESSAGE(ctx, "style_count 9223372036854775808 is more than 64");
    BAD(ctx, &o, &content.img, &style.img, NULL, ((size_t)1 << 32) + 1); /* not 1 after a 32-bit cut */
    CHECK_MESSAGE(ctx, "4294967297");
    memset(out.mem, 0xA5, out.size);
    CHECK_EQ_INT(sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, NULL, NULL, NULL),
                 SF_INVALID_ARGUMENT);

    /* Descriptors. */
    c = content.img;
    c.data = NULL;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    c = content.img;
    c.width = 0;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    c = content.img;
    c.height = 0;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    c = content.img;
    c.width = 40000;
    c.stride_bytes = 40000u * 3;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    c = content.img;
    c.width = 30000;
    c.height = 30000;
    c.stride_bytes = 90000;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    c = content.img;
    c.width = UINT32_MAX;
    c.height = UINT32_MAX;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    c = content.img;
    c.stride_bytes = 40 * 3 - 1;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    c = content.img;
    c.stride_bytes = 0;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    c = content.img;
    c.stride_bytes = SIZE_MAX / 2;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    c = content.img;
    c.stride_bytes = SIZE_MAX;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    CHECK_MESSAGE(ctx, "18446744073709551615");
    c = content.img;
    c.stride_bytes = (size_t)1 << 63;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    CHECK_MESSAGE(ctx, "stride_bytes 9223372036854775808");
    c = content.img;
    c.format = 0;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    c = content.img;
    c.format = 99;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    c = content.img;
    c.format = -1;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    /* One past each of the header's input limits, with strides that would be consistent. */
    c = content.img;
    c.width = SF_MAX_IMAGE_SIDE + 1;
    c.height = 1;
    c.stride_bytes = (size_t)c.width * 3;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    c = content.img;
    c.width = 1;
    c.height = SF_MAX_IMAGE_SIDE + 1;
    c.stride_bytes = 3;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    c = content.img;
    c.width = SF_MAX_IMAGE_PIXELS / 8192 + 1;
    c.height = 8192;
    c.stride_bytes = (size_t)c.width * 3;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    /* Products that overflow 32 and 64 bits: width * bytes-per-pixel, stride * height. */
    c = content.img;
    c.width = UINT32_MAX;
    c.height = 1;
    c.stride_bytes = SIZE_MAX;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    c = content.img;
    c.height = UINT32_MAX;
    c.stride_bytes = SIZE_MAX / 3;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    c = content.img;
    c.format = SF_FORMAT_RGBF32;
    c.stride_bytes = 40 * 4 * 3 - 1;
    BAD(ctx, &o, &c, &style.img, NULL, 1);
    s = style.img;
    s.stride_bytes = 1;
    BAD(ctx, &o, &content.img, &s, NULL, 1);
    s = style.img;
    s.width = 0;
    BAD(ctx, &o, &content.img, &s, NULL, 1);
    s = style.img;
    s.width = SF_MAX_IMAGE_SIDE + 1;
    s.stride_bytes = (size_t)s.width * 3;
    BAD(ctx, &o, &content.img, &s, NULL, 1);
    s = style.img;
    s.width = 30000;
    s.height = 30000;
    s.stride_bytes = 90000;
    BAD(ctx, &o, &content.img, &s, NULL, 1);
    { /* The second of two styles is bad. */
        sf_image two[2] = {style.img, style.img};
        two[1].format = 42;
        BAD(ctx, &o, &content.img, two, NULL, 2);
    }
    { /* Content too small for a result of at least 16 px. */
        buffer tiny = make_picture(12, 10, SF_FORMAT_RGB8, 0);
        buffer tout = make_buffer(12, 10, SF_FORMAT_RGB8, 0);
        CHECK_EQ_INT(sf_stylize(ctx, &o, &tiny.img, &style.img, NULL, 1, &tout.img, NULL, NULL),
                     SF_INVALID_ARGUMENT);
        CHECK(untouched(&tout), "tiny output untouched");
        free(tiny.mem);
        free(tout.mem);
    }

    /* NaN / infinity in float pixels. */
    buffer fc = make_buffer(40, 24, SF_FORMAT_RGBF32, 0);
    for (size_t i = 0; i < 40 * 24 * 3; i++) ((float *)fc.mem)[i] = 0.5f;
    ((float *)fc.mem)[100] = NAN;
    BAD(ctx, &o, &fc.img, &style.img, NULL, 1);
    ((float *)fc.mem)[100] = INFINITY;
    BAD(ctx, &o, &fc.img, &style.img, NULL, 1);
    ((float *)fc.mem)[100] = 0.5f;
    buffer fs = make_buffer(32, 32, SF_FORMAT_RGBF32, 0);
    for (size_t i = 0; i < 32 * 32 * 3; i++) ((float *)fs.mem)[i] = 0.25f;
    ((float *)fs.mem)[32 * 32 * 3 - 1] = -INFINITY;
    BAD(ctx, &o, &content.img, &fs.img, NULL, 1);

    /* Blend weights. */
    sf_image two[2] = {style.img, style.img};
    weights[0] = NAN;
    weights[1] = 1;
    BAD(ctx, &o, &content.img, two, weights, 2);
    weights[0] = -1;
    weights[1] = 1;
    BAD(ctx, &o, &content.img, two, weights, 2);
    weights[0] = 0;
    weights[1] = 0;
    BAD(ctx, &o, &content.img, two, weights, 2);
    weights[0] = INFINITY;
    weights[1] = 0;
    BAD(ctx, &o, &content.img, two, weights, 2);

    /* Options. */
    p = o;
    p.struct_size = 87;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.struct_size = 0;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.struct_size = SIZE_MAX;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    CHECK_MESSAGE(ctx, "18446744073709551615");
    p = o;
    p.struct_size = (size_t)1 << 63;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    CHECK_MESSAGE(ctx, "struct_size 9223372036854775808");
    {
        unsigned char big[sizeof(sf_options) + 8];
        sf_options_init((sf_options *)big, sizeof big);
        big[sizeof(sf_options) + 3] = 1; /* a newer header's field this library cannot honour */
        BAD(ctx, (sf_options *)big, &content.img, &style.img, NULL, 1);
    }
    p = o;
    p.padding = 2;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.padding = -1;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.preconditioner = 2;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.preconditioner = -1;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.colors = 9;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.normalize_gradients = 2;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.preview = 2;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.long_range_weight = -1;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    CHECK_MESSAGE(ctx, "long-range-weight");
    p = o;
    p.temporal = 3;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    CHECK_MESSAGE(ctx, "temporal");
    p = o;
    p.temporal_weight = NAN;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    CHECK_MESSAGE(ctx, "temporal-weight");
    p = o;
    p.style_scale = NAN;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.style_scale = 9;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.optimizer = 7;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    CHECK_MESSAGE(ctx, "sf_options.optimizer is 7, none of its values (0 lbfgs, 1 adam)");
    p = o;
    p.pooling = 9;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.init = 6;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.init = SF_INIT_IMAGE;
    p.init_image = NULL;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.init = SF_INIT_IMAGE;
    p.init_image = &fc.img;
    ((float *)fc.mem)[7] = NAN;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    ((float *)fc.mem)[7] = 0.5f;
    p = o;
    p.objective = 3;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.iterations = 0;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    /* A field is read as the text its option parses: the message is the one sf_options_set, the
     * command and -process give for that value, naming the field. */
    CHECK_MESSAGE(ctx, "sf_options.iterations: iterations: '0' is out of range; valid: 1…1000000");
    {
        sf_options q = o;
        CHECK_EQ_INT(sf_options_set(&q, "iterations", "0"), SF_INVALID_ARGUMENT);
        CHECK_MESSAGE(NULL, "iterations: '0' is out of range; valid: 1…1000000");
    }
    p = o;
    p.iterations = -5;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.iterations = INT32_MAX;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.learning_rate = NAN;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    CHECK_MESSAGE(ctx, "sf_options.learning_rate: lr: 'nan' is not a number");
    p = o;
    p.learning_rate = 0;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.content_weight = INFINITY;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.style_weight = -1;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.tv_weight = NAN;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.content_layers = "conv9_9";
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.content_layers = "conv4_2,,conv3_1";
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.content_layers = "conv4_2,conv4_2";
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.content_layers = "";
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.style_layers = "conv1_1:abc";
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.style_layers = "conv1_1:nan";
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.style_layers = "conv1_1:inf";
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.style_layers = "conv1_1:-1";
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.style_layers = "conv1_1:0,conv2_1:0";
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.style_layers = "conv1_1:1:2";
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.style_layers = "conv5_4";
    BAD(ctx, &p, &content.img, &style.img, NULL, 1); /* VGG19 only */
    p = o;
    p.style_layers = "\xff\xfe";
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    {
        char *long_string = malloc(10000);
        memset(long_string, 'a', 9999);
        long_string[9999] = 0;
        p = o;
        p.style_layers = long_string;
        BAD(ctx, &p, &content.img, &style.img, NULL, 1);
        free(long_string);
    }
    p = o;
    p.threads = -1;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.threads = 100000;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.scales = 0;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.scales = 9;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    /* Sizes set in the fields directly (sf_options_set checks them by name): the result's limits
     * (SF_MIN_RESULT_SIDE; max_size 15 makes the 40 px content's result 15 px), the working size
     * (64…SF_MAX_RESULT_SIDE) and the memory budget (>= 256 MiB; absurd values must not wrap to a small one). */
    p = o;
    p.max_size = SF_MIN_RESULT_SIDE - 1;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.work_size = 0;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.work_size = 63;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.work_size = SF_MAX_RESULT_SIDE + 1;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.work_size = UINT32_MAX;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.max_memory = 0;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.max_memory = (256ull << 20) - 1;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    CHECK_MESSAGE(ctx, "sf_options.max_memory: max-memory: '268435455' is too small");
    p = o;
    p.max_memory = UINT64_MAX;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);
    p = o;
    p.max_memory = 1ull << 63;
    BAD(ctx, &p, &content.img, &style.img, NULL, 1);

    /* Output: wrong size, overlapping an input. */
    {
        buffer wrong = make_buffer(w + 1, h, SF_FORMAT_RGB8, 0);
        CHECK_EQ_INT(sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, &wrong.img, NULL, NULL),
                     SF_INVALID_ARGUMENT);
        CHECK(untouched(&wrong), "wrong-size output untouched");
        free(wrong.mem);
        /* A bad output descriptor over a right-sized buffer: refused, nothing written. */
        sf_image bad_out[5];
        for (int i = 0; i < 5; i++) bad_out[i] = out.img;
        bad_out[0].width = 0;
        bad_out[1].height = 0;
        bad_out[2].stride_bytes = (size_t)w * 3 - 1;
        bad_out[3].format = 0;
        bad_out[4].data = NULL;
        for (int i = 0; i < 5; i++) {
            memset(out.mem, 0xA5, out.size);
            CHECK_EQ_INT(sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, &bad_out[i], NULL, NULL),
                         SF_INVALID_ARGUMENT);
            CHECK(strlen(sf_last_error_message(ctx)) > 0 && untouched(&out),
                  "bad output %d: message, output untouched", i);
        }
        /* A result over SF_MAX_RESULT_SIDE when the content's size is kept (max_size 0). */
        buffer wide = make_picture(SF_MAX_RESULT_SIDE + 8, 20, SF_FORMAT_RGB8, 0);
        buffer wide_out = make_buffer(SF_MAX_RESULT_SIDE + 8, 20, SF_FORMAT_RGB8, 0);
        p = o;
        p.max_size = 0;
        CHECK_EQ_INT(sf_stylize(ctx, &p, &wide.img, &style.img, NULL, 1, &wide_out.img, NULL, NULL),
                     SF_INVALID_ARGUMENT);
        char limit[16];
        snprintf(limit, sizeof limit, "%u", SF_MAX_RESULT_SIDE);
        CHECK(strstr(sf_last_error_message(ctx), limit) != NULL, "message names the limit: %s",
              sf_last_error_message(ctx));
        CHECK(untouched(&wide_out), "over-limit output untouched");
        free(wide.mem);
        free(wide_out.mem);
        sf_image alias = content.img; /* result 32x19 written over the content */
        alias.width = w;
        alias.height = h;
        unsigned char before = content.mem[0];
        CHECK_EQ_INT(sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, &alias, NULL, NULL),
                     SF_INVALID_ARGUMENT);
        CHECK(content.mem[0] == before, "content untouched");
    }
    free(content.mem);
    free(style.mem);
    free(out.mem);
    free(fc.mem);
    free(fs.mem);
}

/* ---- Real runs ----------------------------------------------------------------------------- */

typedef struct {
    int calls;
    int last_iteration;
    int planned;
    int monotonic;
    int cancel_at; /* 0: never */
    double cancel_time;
    size_t struct_size;
    int finite;
    double fraction; /* the last fraction_done (each must be in 0…1 and not below the one before) */
} progress_log;

static int on_progress(const sf_progress *p, void *user) {
    progress_log *log = user;
    log->calls++;
    if (p->iteration != log->last_iteration + 1) log->monotonic = 0;
    if (!(p->fraction_done >= log->fraction && p->fraction_done <= 1)) log->monotonic = 0;
    log->fraction = p->fraction_done;
    log->last_iteration = p->iteration;
    log->planned = p->planned;
    log->struct_size = p->struct_size;
    if (!isfinite(p->loss_total) || !isfinite(p->elapsed_seconds) || p->width <= 0 || p->height <= 0)
        log->finite = 0;
    if (log->cancel_at && p->iteration >= log->cancel_at) {
        log->cancel_time = now();
        return 1;
    }
    return 0;
}

static void test_runs(sf_context *ctx) {
    buffer content = make_picture(48, 32, SF_FORMAT_RGBA8, 0);
    buffer style = make_picture(32, 32, SF_FORMAT_RGB8, 1);
    sf_options o = small_options();
    o.max_size = 0; /* keep 48x32 */
    uint32_t w, h;
    CHECK_EQ_INT(sf_output_size(&o, 48, 32, &w, &h), SF_OK);

    /* RGBA8 in, RGBA8 out: alpha passes through unchanged at the same size. */
    buffer out = make_buffer(w, h, SF_FORMAT_RGBA8, 3);
    progress_log log = {0, 0, 0, 1, 0, 0, 0, 1, 0};
    int rc = sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, &out.img, on_progress, &log);
    CHECK(rc == SF_OK, "%s: %s", sf_status_name(rc), sf_last_error_message(ctx));
    CHECK(strlen(sf_last_error_message(ctx)) == 0, "message cleared after success");
    CHECK(log.calls == 3 && log.last_iteration == 3 && log.planned == 3 && log.monotonic,
          "progress calls %d last %d planned %d", log.calls, log.last_iteration, log.planned);
    CHECK(fabs(log.fraction - 1) < 1e-9, "fraction_done after the last iteration: %.17g", log.fraction);
    CHECK_EQ_INT(log.struct_size, sizeof(sf_progress));
    CHECK(log.finite, "progress values finite");
    int alpha_same = 1, padding_kept = 1, varied = 0;
    for (uint32_t y = 0; y < h; y++) {
        unsigned char *row = out.mem + y * out.img.stride_bytes;
        const unsigned char *in = content.mem + y * content.img.stride_bytes;
        for (uint32_t x = 0; x < w; x++) {
            if (row[x * 4 + 3] != in[x * 4 + 3]) alpha_same = 0;
            if (row[x * 4] != row[0]) varied = 1;
        }
        for (size_t k = w * 4; k < out.img.stride_bytes; k++)
            if (row[k] != 0xA5) padding_kept = 0;
    }
    CHECK(alpha_same, "alpha passed through");
    CHECK(padding_kept, "row padding not written");
    CHECK(varied, "result is not flat");

    /* Same run, RGB16 and RGB8 and RGBF32 outputs: RGB8 is RGB16 rounded to 8 bits; deterministic. */
    buffer o16 = make_buffer(w, h, SF_FORMAT_RGB16, 2);
    buffer o8 = make_buffer(w, h, SF_FORMAT_RGB8, 0);
    buffer of = make_buffer(w, h, SF_FORMAT_RGBF32, 0);
    CHECK_EQ_INT(sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, &o16.img, NULL, NULL), SF_OK);
    CHECK_EQ_INT(sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, &o8.img, NULL, NULL), SF_OK);
    CHECK_EQ_INT(sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, &of.img, NULL, NULL), SF_OK);
    int consistent = 1, same_as_rgba = 1, float_ok = 1;
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++)
            for (int c = 0; c < 3; c++) {
                uint16_t q = *(uint16_t *)(o16.mem + y * o16.img.stride_bytes + (x * 3 + c) * 2);
                unsigned char b = o8.mem[y * o8.img.stride_bytes + x * 3 + c];
                float f = *(float *)(of.mem + y * of.img.stride_bytes + (x * 3 + c) * 4);
                if (b != (unsigned char)((q * 255u + 32767u) / 65535u)) consistent = 0;
                if (b != out.mem[y * out.img.stride_bytes + x * 4 + c]) same_as_rgba = 0;
                if (!(f >= 0 && f <= 1) || fabs(f * 65535.0 - q) > 0.5001) float_ok = 0;
            }
    CHECK(consistent, "RGB8 = RGB16 rounded to 8 bits");
    CHECK(same_as_rgba, "deterministic: RGB8 run equals the RGBA8 run's colours");
    CHECK(float_ok, "RGBF32 agrees with RGB16");

    /* Downscaled result: alpha is resized; RGB content without alpha gives alpha 255. */
    o.max_size = 24;
    CHECK_EQ_INT(sf_output_size(&o, 48, 32, &w, &h), SF_OK);
    CHECK(w == 24 && h == 16, "%ux%u", w, h);
    buffer small = make_buffer(w, h, SF_FORMAT_RGBA8, 0);
    rc = sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, &small.img, NULL, NULL);
    CHECK_EQ_INT(rc, SF_OK);
    buffer rgb_content = make_picture(48, 32, SF_FORMAT_RGB8, 0);
    rc = sf_stylize(ctx, &o, &rgb_content.img, &style.img, NULL, 1, &small.img, NULL, NULL);
    CHECK_EQ_INT(rc, SF_OK);
    int opaque = 1;
    for (uint32_t i = 0; i < w * h; i++) opaque &= small.mem[i * 4 + 3] == 255;
    CHECK(opaque, "alpha 255 without content alpha");

    /* A preview: the first of 2 scales (91 px of 128) for 12 of its 14 iterations, as progress
     * plans it, upsampled to the output's size, which sf_output_size gives as without it. */
    sf_options pv = small_options();
    CHECK_EQ_INT(sf_options_parse(&pv, "preview=on scales=2 iterations=14 size=full"), SF_OK);
    CHECK_EQ_INT(sf_output_size(&pv, 128, 96, &w, &h), SF_OK);
    CHECK(w == 128 && h == 96, "preview output %ux%u", w, h);
    buffer preview_content = make_picture(128, 96, SF_FORMAT_RGB8, 0);
    buffer preview = make_buffer(w, h, SF_FORMAT_RGB8, 0);
    progress_log preview_log = {0, 0, 0, 1, 0, 0, 0, 1, 0};
    rc = sf_stylize(ctx, &pv, &preview_content.img, &style.img, NULL, 1, &preview.img, on_progress,
                    &preview_log);
    CHECK(rc == SF_OK, "preview: %s: %s", sf_status_name(rc), sf_last_error_message(ctx));
    CHECK(preview_log.planned == 12 && preview_log.last_iteration == 12 && preview_log.monotonic,
          "preview: planned %d last %d", preview_log.planned, preview_log.last_iteration);
    int preview_varied = 0;
    for (uint32_t i = 0; i < w * h * 3; i++) preview_varied |= preview.mem[i] != preview.mem[0];
    CHECK(preview_varied, "preview: result is not flat");

    /* Two styles with weights, Adam, avg pooling, tutorial objective, 2 scales, init image. */
    sf_options x = small_options();
    x.optimizer = SF_OPTIMIZER_ADAM;
    x.pooling = SF_POOLING_AVG;
    x.objective = SF_OBJECTIVE_TUTORIAL;
    x.scales = 2;
    x.iterations = 2;
    x.content_layers = "conv3_2";
    x.style_layers = "conv1_1:1, conv2_1:0.5,conv3_1";
    x.init = SF_INIT_IMAGE;
    x.init_image = &style.img;
    x.max_size = 0;
    sf_image styles2[2] = {style.img, rgb_content.img};
    float weights[2] = {0.7f, 0.3f};
    buffer o2 = make_buffer(48, 32, SF_FORMAT_RGB8, 0);
    progress_log log2 = {0, 0, 0, 1, 0, 0, 0, 1, 0};
    rc = sf_stylize(ctx, &x, &content.img, styles2, weights, 2, &o2.img, on_progress, &log2);
    CHECK(rc == SF_OK, "%s: %s", sf_status_name(rc), sf_last_error_message(ctx));
    /* 48 px: the 64 px floor of the pyramid makes both scales 48 px, run once (2 iterations) */
    CHECK(log2.planned == 2 && log2.last_iteration == 2, "planned %d last %d", log2.planned,
          log2.last_iteration);

    /* Numerical failure is a status, not a crash (absurd Adam step). */
    sf_options nan_opt = small_options();
    nan_opt.optimizer = SF_OPTIMIZER_ADAM;
    nan_opt.learning_rate = 3e38f;
    nan_opt.style_weight = 3e38f;
    nan_opt.max_size = 0;
    rc = sf_stylize(ctx, &nan_opt, &rgb_content.img, &style.img, NULL, 1, &o2.img, NULL, NULL);
    CHECK(rc == SF_OK || rc == SF_NUMERICAL, "huge weights: %s: %s", sf_status_name(rc),
          sf_last_error_message(ctx));

    free(content.mem);
    free(style.mem);
    free(out.mem);
    free(o16.mem);
    free(o8.mem);
    free(of.mem);
    free(small.mem);
    free(rgb_content.mem);
    free(preview_content.mem);
    free(preview.mem);
    free(o2.mem);
}

/* Region masks: a mask whose left half is black and right half white keeps the left half near
 * the content and changes the right one; a mask count is style_count, and bad masks are refused. */
static void test_masks(sf_context *ctx) {
    buffer content = make_picture(64, 48, SF_FORMAT_RGB8, 0);
    buffer style = make_picture(32, 32, SF_FORMAT_RGB8, 1);
    buffer mask = make_buffer(64, 48, SF_FORMAT_RGB8, 0);
    for (uint32_t y = 0; y < 48; y++)
        for (uint32_t x = 0; x < 64; x++)
            memset(mask.mem + y * mask.img.stride_bytes + x * 3, x < 32 ? 0 : 255, 3);
    sf_options o = small_options();
    o.init = SF_INIT_CONTENT;
    o.iterations = 20;
    o.max_size = 0;
    o.masks = &mask.img;
    buffer out = make_buffer(64, 48, SF_FORMAT_RGB8, 0);
    int rc = sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, &out.img, NULL, NULL);
    CHECK(rc == SF_OK, "%s: %s", sf_status_name(rc), sf_last_error_message(ctx));
    /* Mean absolute change from the content, 0…255, in the left and right halves away from the
     * middle (the network's receptive field blurs the border). */
    double left = 0, right = 0;
    size_t nl = 0, nr = 0;
    for (uint32_t y = 0; y < 48; y++)
        for (uint32_t x = 0; x < 64; x++)
            for (int c = 0; c < 3; c++) {
                double d = fabs((double)out.mem[y * out.img.stride_bytes + x * 3 + c] -
                                (double)content.mem[y * content.img.stride_bytes + x * 3 + c]);
                if (x < 20) {
                    left += d;
                    nl++;
                }
                if (x >= 44) {
                    right += d;
                    nr++;
                }
            }
    left /= (double)nl;
    right /= (double)nr;
    CHECK(left < 6 && right > 3 * left, "masked change: left (black) %.2f, right (white) %.2f", left, right);

    /* Two styles need two masks: a mask array is read for style_count images. */
    sf_image two_styles[2] = {style.img, style.img};
    sf_image two_masks[2] = {mask.img, mask.img};
    o.masks = two_masks;
    o.iterations = 2;
    CHECK_EQ_INT(sf_stylize(ctx, &o, &content.img, two_styles, NULL, 2, &out.img, NULL, NULL), SF_OK);
    /* A bad mask descriptor and the tutorial objective are refused, the output untouched. */
    buffer untouched_out = make_buffer(64, 48, SF_FORMAT_RGB8, 0);
    sf_image bad = mask.img;
    bad.format = 99;
    o.masks = &bad;
    CHECK_EQ_INT(sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, &untouched_out.img, NULL, NULL),
                 SF_INVALID_ARGUMENT);
    o.masks = &mask.img;
    o.objective = SF_OBJECTIVE_TUTORIAL;
    CHECK_EQ_INT(sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, &untouched_out.img, NULL, NULL),
                 SF_INVALID_ARGUMENT);
    CHECK(strstr(sf_last_error_message(ctx), "mask") != NULL, "%s", sf_last_error_message(ctx));
    CHECK(untouched(&untouched_out), "output untouched after a refused mask");
    free(content.mem);
    free(style.mem);
    free(mask.mem);
    free(out.mem);
    free(untouched_out.mem);
}

static void test_cancel(sf_context *ctx) {
    buffer content = make_picture(48, 32, SF_FORMAT_RGB8, 0);
    buffer style = make_picture(32, 32, SF_FORMAT_RGB8, 1);
    sf_options o = small_options();
    o.iterations = 100000; /* would take hours */
    o.max_size = 0;
    buffer out = make_buffer(48, 32, SF_FORMAT_RGB8, 0);
    for (int at = 1; at <= 2; at++) {
        progress_log log = {0, 0, 0, 1, at, 0, 0, 1, 0};
        memset(out.mem, 0xA5, out.size);
        int rc = sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, &out.img, on_progress, &log);
        double returned = now();
        CHECK_EQ_INT(rc, SF_CANCELLED);
        CHECK_EQ_INT(log.calls, at);
        CHECK(returned - log.cancel_time < 1.0, "returned %.3f s after the callback asked",
              returned - log.cancel_time);
        CHECK(untouched(&out), "cancelled output untouched");
        CHECK(strlen(sf_last_error_message(ctx)) > 0, "cancel message");
    }
    free(content.mem);
    free(style.mem);
    free(out.mem);
}

/* ---- Results above the working size: tiles, the memory budget ------------------------------ */

typedef struct {
    int calls;
    int scales;
    int last_width, last_height;
    int max_tiles, bad_tile;
} stage_log;

static int on_stage(const sf_progress *p, void *user) {
    stage_log *log = user;
    log->calls++;
    /* Tiles: none at a whole-image scale; at a tiled one 1…tiles, in order, each with an equal
     * share of the scale's iterations. */
    int per_tile = p->tiles > 0 ? p->scale_iterations / p->tiles : 0;
    if (p->tiles > log->max_tiles) log->max_tiles = p->tiles;
    if (p->tiles == 0 ? p->tile != 0 : p->tile != (p->scale_iteration - 1) / per_tile + 1) log->bad_tile = 1;
    log->scales = p->scales;
    log->last_width = p->width;
    log->last_height = p->height;
    return 0;
}

/* With the defaults (max_size 0) a result larger than work_size keeps the host's size: the stages
 * above 128 px run in tiles (several, under a 256 MiB budget), the alpha passes through unchanged
 * and the colours are the stylization's, not a copy of the content. */
static void test_tiled_run(sf_context *ctx) {
    enum { W = 700, H = 500 };
    buffer content = make_picture(W, H, SF_FORMAT_RGBA8, 0);
    buffer style = make_picture(64, 64, SF_FORMAT_RGB8, 1);
    sf_options o;
    sf_options_init(&o, sizeof o);
    /* Shallow layers and one Adam step a tile keep it to seconds; the tiles are the same. */
    CHECK_EQ_INT(sf_options_parse(
                     &o, "iterations=1 scales=1 threads=1 work-size=128 max-memory=256M optimizer=adam lr=20 "
                         "content-layers=conv1_2 style-layers=conv1_1"),
                 SF_OK);
    uint32_t w = 0, h = 0;
    CHECK_EQ_INT(sf_output_size(&o, W, H, &w, &h), SF_OK);
    CHECK(w == W && h == H, "%ux%u", w, h);
    buffer out = make_buffer(W, H, SF_FORMAT_RGBA8, 4);
    stage_log log = {0, 0, 0, 0, 0, 0};
    int rc = sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, &out.img, on_stage, &log);
    CHECK(rc == SF_OK, "%s: %s", sf_status_name(rc), sf_last_error_message(ctx));
    /* 128 px whole, then 256, 512 and 700 px in tiles. */
    CHECK(log.scales == 4, "%d stages", log.scales);
    CHECK(log.max_tiles > 1 && !log.bad_tile, "tiles reported: at most %d, bad %d", log.max_tiles,
          log.bad_tile);
    CHECK(log.last_width == W && log.last_height == H, "last stage %dx%d", log.last_width, log.last_height);
    int alpha_same = 1, padding_kept = 1;
    size_t changed = 0;
    for (uint32_t y = 0; y < H; y++) {
        const unsigned char *row = out.mem + y * out.img.stride_bytes;
        const unsigned char *in = content.mem + y * content.img.stride_bytes;
        for (uint32_t x = 0; x < W; x++) {
            if (row[x * 4 + 3] != in[x * 4 + 3]) alpha_same = 0;
            int d = 0;
            for (int c = 0; c < 3; c++) d += abs(row[x * 4 + c] - in[x * 4 + c]);
            if (d > 24) changed++;
        }
        for (size_t k = (size_t)W * 4; k < out.img.stride_bytes; k++)
            if (row[k] != 0xA5) padding_kept = 0;
    }
    CHECK(alpha_same, "alpha passed through at full size");
    CHECK(padding_kept, "row padding not written");
    CHECK(changed > (size_t)W * H / 4, "only %zu of %d pixels changed", changed, W * H);
    free(content.mem);
    free(style.mem);
    free(out.mem);
}

/* A budget the result cannot fit in, even in the smallest tiles: SF_OUT_OF_MEMORY before any
 * work (no progress call), a message with the figures and what to do, the output untouched. */
static void test_budget_refused(sf_context *ctx) {
    enum { W = 4608, H = 3456 };
    buffer content = make_picture(W, H, SF_FORMAT_RGB8, 0);
    buffer style = make_picture(64, 64, SF_FORMAT_RGB8, 1);
    sf_options o;
    sf_options_init(&o, sizeof o);
    /* The whole-image stages (to 128 px) fit; a 4608 px tiled stage does not (about 302 MiB; at
     * 4096×3072 it fits since a thread is counted at what it costs, 2 MiB, not 16). */
    CHECK_EQ_INT(sf_options_parse(&o, "iterations=1 scales=1 threads=1 work-size=128 max-memory=256M"),
                 SF_OK);
    buffer out = make_buffer(W, H, SF_FORMAT_RGB8, 0);
    stage_log log = {0, 0, 0, 0, 0, 0};
    int rc = sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, &out.img, on_stage, &log);
    const char *m = sf_last_error_message(ctx);
    CHECK(rc == SF_OUT_OF_MEMORY, "%s: %s", sf_status_name(rc), m);
    CHECK(strstr(m, "memory budget is 256 MiB") != NULL && strstr(m, "max_memory") != NULL, "message: %s", m);
    CHECK_EQ_INT(log.calls, 0);
    CHECK(untouched(&out), "refused output untouched");
    /* The same context works afterwards. */
    buffer small = make_picture(40, 24, SF_FORMAT_RGB8, 0);
    buffer small_out = make_buffer(40, 24, SF_FORMAT_RGB8, 0);
    o.max_size = 0;
    rc = sf_stylize(ctx, &o, &small.img, &style.img, NULL, 1, &small_out.img, NULL, NULL);
    CHECK(rc == SF_OK, "after a refusal: %s: %s", sf_status_name(rc), sf_last_error_message(ctx));
    free(content.mem);
    free(style.mem);
    free(out.mem);
    free(small.mem);
    free(small_out.mem);
}

/* ---- Re-entrancy: the context's own calls from inside its progress callback ---------------- */

/* A context keeps its styles' statistics between calls: a second image in the same style on a
 * used context gives the bytes a new context gives. */
static void test_kept_statistics(sf_context *ctx) {
    buffer first = make_picture(48, 32, SF_FORMAT_RGB8, 0);
    buffer second = make_picture(40, 40, SF_FORMAT_RGB8, 0);
    buffer style = make_picture(32, 32, SF_FORMAT_RGB8, 1);
    sf_options o = small_options();
    uint32_t w, h;
    CHECK_EQ_INT(sf_output_size(&o, 40, 40, &w, &h), SF_OK);
    buffer used = make_buffer(w, h, SF_FORMAT_RGB8, 0), fresh = make_buffer(w, h, SF_FORMAT_RGB8, 0);
    uint32_t fw, fh;
    CHECK_EQ_INT(sf_output_size(&o, 48, 32, &fw, &fh), SF_OK);
    buffer scratch = make_buffer(fw, fh, SF_FORMAT_RGB8, 0);
    CHECK_EQ_INT(sf_stylize(ctx, &o, &first.img, &style.img, NULL, 1, &scratch.img, NULL, NULL), SF_OK);
    CHECK_EQ_INT(sf_stylize(ctx, &o, &second.img, &style.img, NULL, 1, &used.img, NULL, NULL), SF_OK);
    sf_context *other = NULL;
    CHECK_EQ_INT(sf_context_create(model_path, &other), SF_OK);
    if (other) {
        CHECK_EQ_INT(sf_stylize(other, &o, &second.img, &style.img, NULL, 1, &fresh.img, NULL, NULL), SF_OK);
        CHECK(memcmp(used.mem, fresh.mem, (size_t)h * used.img.stride_bytes) == 0,
              "a used context gives the bytes of a new one");
        CHECK_EQ_INT(sf_context_destroy(other), SF_OK);
    }
    free(first.mem);
    free(second.mem);
    free(style.mem);
    free(used.mem);
    free(fresh.mem);
    free(scratch.mem);
}

typedef struct {
    sf_context *ctx, *other;
    const sf_image *content, *style, *output, *other_output;
    int calls;
    int stylize_rc, destroy_rc, other_rc;
    char stylize_message[256], destroy_message[256];
} reentry;

static int on_progress_reenter(const sf_progress *p, void *user) {
    (void)p;
    reentry *r = user;
    if (r->calls++ > 0) return 0;
    sf_options o = small_options();
    o.max_size = 0;
    r->stylize_rc = sf_stylize(r->ctx, &o, r->content, r->style, NULL, 1, r->output, NULL, NULL);
    snprintf(r->stylize_message, sizeof r->stylize_message, "%s", sf_last_error_message(r->ctx));
    r->destroy_rc = sf_context_destroy(r->ctx);
    snprintf(r->destroy_message, sizeof r->destroy_message, "%s", sf_last_error_message(r->ctx));
    /* Another context is free to use from here. */
    r->other_rc = sf_stylize(r->other, &o, r->content, r->style, NULL, 1, r->other_output, NULL, NULL);
    return 0;
}

static void test_reentrancy(sf_context *ctx) {
    buffer content = make_picture(40, 32, SF_FORMAT_RGB8, 0);
    buffer style = make_picture(32, 32, SF_FORMAT_RGB8, 1);
    buffer out = make_buffer(40, 32, SF_FORMAT_RGB8, 0);
    buffer inner_out = make_buffer(40, 32, SF_FORMAT_RGB8, 0);
    sf_options o = small_options();
    o.max_size = 0;
    buffer other_out = make_buffer(40, 32, SF_FORMAT_RGB8, 0);
    sf_context *other = NULL;
    if (sf_context_create(model_path, &other) != SF_OK) {
        CHECK(0, "second context: %s", sf_last_error_message(NULL));
        return;
    }
    reentry r = {ctx, other, &content.img, &style.img, &inner_out.img, &other_out.img, 0, -1, -1, -1, "", ""};
    int rc = sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, &out.img, on_progress_reenter, &r);
    CHECK(rc == SF_OK, "outer call: %s: %s", sf_status_name(rc), sf_last_error_message(ctx));
    CHECK_EQ_INT(r.calls, 3);
    CHECK_EQ_INT(r.stylize_rc, SF_INVALID_ARGUMENT);
    CHECK(strstr(r.stylize_message, "progress callback") != NULL, "inner sf_stylize message: %s",
          r.stylize_message);
    CHECK(untouched(&inner_out), "the refused inner call wrote nothing");
    CHECK_EQ_INT(r.destroy_rc, SF_INVALID_ARGUMENT);
    CHECK(strstr(r.destroy_message, "sf_context_destroy") != NULL, "inner destroy message: %s",
          r.destroy_message);
    CHECK(!untouched(&out), "the outer call wrote its result");
    CHECK(r.other_rc == SF_OK, "another context inside the callback: %s: %s", sf_status_name(r.other_rc),
          sf_last_error_message(other));
    CHECK(memcmp(other_out.mem, out.mem, out.size) == 0,
          "the nested run on another context gives the same result");
    CHECK_EQ_INT(sf_context_destroy(other), SF_OK);
    /* The context survived the refused destroy and still works (and the lock was released). */
    CHECK(sf_context_model_path(ctx) != NULL, "context still live");
    rc = sf_stylize(ctx, &o, &content.img, &style.img, NULL, 1, &inner_out.img, NULL, NULL);
    CHECK(rc == SF_OK, "after re-entry: %s: %s", sf_status_name(rc), sf_last_error_message(ctx));
    free(content.mem);
    free(style.mem);
    free(out.mem);
    free(inner_out.mem);
    free(other_out.mem);
}

/* ---- Threads ------------------------------------------------------------------------------- */

typedef struct {
    sf_context *ctx;
    buffer out;
    int rc;
    char message[64];
    int own_failure;
} job;

static buffer job_content, job_style;

static void *run_job(void *arg) {
    job *j = arg;
    sf_options o = small_options();
    o.max_size = 0;
    j->rc = sf_stylize(j->ctx, &o, &job_content.img, &job_style.img, NULL, 1, &j->out.img, NULL, NULL);
    /* The thread-local message is this thread's own. */
    sf_options_init(NULL, 0);
    snprintf(j->message, sizeof j->message, "%s", sf_last_error_message(NULL));
    return NULL;
}

static void test_threads(sf_context *first) {
    enum { N = 3 };
    job_content = make_picture(40, 32, SF_FORMAT_RGB8, 0);
    job_style = make_picture(32, 32, SF_FORMAT_RGB8, 1);

    /* Reference: one at a time. */
    job ref = {first, make_buffer(40, 32, SF_FORMAT_RGB8, 0), -1, "", 0};
    run_job(&ref);
    CHECK_EQ_INT(ref.rc, SF_OK);

    job jobs[N];
    pthread_t threads[N];
    for (int i = 0; i < N; i++) {
        jobs[i].ctx = NULL;
        if (sf_context_create(model_path, &jobs[i].ctx) != SF_OK) {
            CHECK(0, "context %d: %s", i, sf_last_error_message(NULL));
            return;
        }
        jobs[i].out = make_buffer(40, 32, SF_FORMAT_RGB8, 0);
        jobs[i].rc = -1;
    }
    for (int i = 0; i < N; i++) pthread_create(&threads[i], NULL, run_job, &jobs[i]);
    for (int i = 0; i < N; i++) pthread_join(threads[i], NULL);
    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(jobs[i].rc, SF_OK);
        CHECK(memcmp(jobs[i].out.mem, ref.out.mem, ref.out.size) == 0,
              "parallel context %d differs from the sequential run", i);
        CHECK(strstr(jobs[i].message, "sf_options_init") != NULL, "thread message: %s", jobs[i].message);
    }

    /* Two threads on one context: serialised, same result. */
    job shared[2] = {{jobs[0].ctx, make_buffer(40, 32, SF_FORMAT_RGB8, 0), -1, "", 0},
                     {jobs[0].ctx, make_buffer(40, 32, SF_FORMAT_RGB8, 0), -1, "", 0}};
    for (int i = 0; i < 2; i++) pthread_create(&threads[i], NULL, run_job, &shared[i]);
    for (int i = 0; i < 2; i++) pthread_join(threads[i], NULL);
    for (int i = 0; i < 2; i++) {
        CHECK_EQ_INT(shared[i].rc, SF_OK);
        CHECK(memcmp(shared[i].out.mem, ref.out.mem, ref.out.size) == 0, "shared-context run %d differs", i);
        free(shared[i].out.mem);
    }

    for (int i = 0; i < N; i++) {
        CHECK_EQ_INT(sf_context_destroy(jobs[i].ctx), SF_OK);
        free(jobs[i].out.mem);
    }
    CHECK_EQ_INT(sf_context_destroy(jobs[0].ctx), SF_INVALID_ARGUMENT); /* twice */
    free(ref.out.mem);
    free(job_content.mem);
    free(job_style.mem);
}

/* ---- Sequences --------------------------------------------------------------------------- */

/* Frame k of a sequence: the content picture moved k pixels to the right (its left column kept). */
static buffer make_frame(uint32_t w, uint32_t h, int k) {
    buffer base = make_picture(w, h, SF_FORMAT_RGB8, 0);
    buffer f = make_buffer(w, h, SF_FORMAT_RGB8, 3);
    for (uint32_t y = 0; y < h; y++)
        for (uint32_t x = 0; x < w; x++) {
            uint32_t from = x >= (uint32_t)k ? x - (uint32_t)k : 0;
            memcpy(f.mem + y * f.img.stride_bytes + x * 3, base.mem + y * base.img.stride_bytes + from * 3,
                   3);
        }
    free(base.mem);
    return f;
}

static int same_pixels(const buffer *a, const buffer *b) {
    for (uint32_t y = 0; y < a->img.height; y++)
        if (memcmp(a->mem + y * a->img.stride_bytes, b->mem + y * b->img.stride_bytes, a->img.width * 3))
            return 0;
    return 1;
}

typedef struct {
    sf_sequence *seq;
    sf_context *ctx;
    int push_rc, end_rc, stylize_rc, calls;
} sequence_reentry;

static int on_progress_sequence_reenter(const sf_progress *p, void *user) {
    (void)p;
    sequence_reentry *r = user;
    if (r->calls++ == 0) {
        buffer f = make_frame(48, 32, 0), out = make_buffer(48, 32, SF_FORMAT_RGB8, 0);
        r->push_rc = sf_sequence_push(r->seq, &f.img, &out.img, NULL, NULL);
        r->end_rc = sf_sequence_end(r->seq);
        r->stylize_rc = sf_stylize(r->ctx, NULL, &f.img, &f.img, NULL, 1, &out.img, NULL, NULL);
        free(f.mem);
        free(out.mem);
    }
    return 0;
}

/* sf_sequence_*: arguments checked, frames in order, a frame of another size refused without
 * ending the sequence, a cancelled frame leaving it as it was, temporal=off equal to sf_stylize
 * frame by frame, the first frame equal to sf_stylize whatever `temporal`, calls from inside a
 * progress callback refused. */
static void test_sequence(sf_context *ctx) {
    buffer style = make_picture(32, 32, SF_FORMAT_RGB8, 1);
    sf_options o = small_options();
    o.max_size = 0;
    sf_sequence *seq = (sf_sequence *)1;
    CHECK_EQ_INT(sf_sequence_begin(NULL, &o, &style.img, NULL, 1, &seq), SF_INVALID_ARGUMENT);
    CHECK(seq == NULL, "out set to NULL on failure");
    CHECK_EQ_INT(sf_sequence_begin(ctx, &o, &style.img, NULL, 1, NULL), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_sequence_begin(ctx, &o, &style.img, NULL, 0, &seq), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_sequence_begin(ctx, &o, NULL, NULL, 1, &seq), SF_INVALID_ARGUMENT);
    sf_options bad = o;
    bad.preview = 1;
    CHECK_EQ_INT(sf_sequence_begin(ctx, &bad, &style.img, NULL, 1, &seq), SF_INVALID_ARGUMENT);
    CHECK_MESSAGE(ctx, "preview");
    bad = o;
    bad.temporal = 7;
    CHECK_EQ_INT(sf_sequence_begin(ctx, &bad, &style.img, NULL, 1, &seq), SF_INVALID_ARGUMENT);
    CHECK_MESSAGE(ctx, "temporal");
    CHECK_EQ_INT(sf_sequence_end(NULL), SF_OK);
    CHECK_EQ_INT(sf_sequence_frames(NULL), -1);
    CHECK_EQ_INT(sf_sequence_push(NULL, NULL, NULL, NULL, NULL), SF_INVALID_ARGUMENT);

    enum { FRAMES = 3 };
    buffer frames[FRAMES], alone[FRAMES], off[FRAMES], on[FRAMES];
    for (int k = 0; k < FRAMES; k++) {
        frames[k] = make_frame(48, 32, 2 * k);
        alone[k] = make_buffer(48, 32, SF_FORMAT_RGB8, 0);
        off[k] = make_buffer(48, 32, SF_FORMAT_RGB8, 0);
        on[k] = make_buffer(48, 32, SF_FORMAT_RGB8, 0);
        CHECK_EQ_INT(sf_stylize(ctx, &o, &frames[k].img, &style.img, NULL, 1, &alone[k].img, NULL, NULL),
                     SF_OK);
    }
    /* temporal=off: each frame on its own, as sf_stylize. */
    sf_options o_off = o;
    CHECK_EQ_INT(sf_options_set(&o_off, "temporal", "off"), SF_OK);
    CHECK_EQ_INT(sf_sequence_begin(ctx, &o_off, &style.img, NULL, 1, &seq), SF_OK);
    for (int k = 0; k < FRAMES; k++) {
        int rc = sf_sequence_push(seq, &frames[k].img, &off[k].img, NULL, NULL);
        CHECK(rc == SF_OK, "push %d: %s", k, sf_last_error_message(ctx));
        CHECK(same_pixels(&off[k], &alone[k]), "temporal=off frame %d equals sf_stylize", k);
    }
    CHECK_EQ_INT(sf_sequence_frames(seq), FRAMES);
    CHECK_EQ_INT(sf_sequence_end(seq), SF_OK);
    CHECK_EQ_INT(sf_sequence_end(seq), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_sequence_frames(seq), -1);

    /* temporal=short (the default). */
    CHECK_EQ_INT(sf_sequence_begin(ctx, &o, &style.img, NULL, 1, &seq), SF_OK);
    CHECK_EQ_INT(sf_sequence_push(seq, &frames[0].img, &on[0].img, NULL, NULL), SF_OK);
    CHECK(same_pixels(&on[0], &alone[0]), "the first frame equals sf_stylize");
    /* A frame of another size: refused, the sequence goes on. */
    buffer other = make_frame(40, 32, 0), other_out = make_buffer(40, 32, SF_FORMAT_RGB8, 0);
    CHECK_EQ_INT(sf_sequence_push(seq, &other.img, &other_out.img, NULL, NULL), SF_INVALID_ARGUMENT);
    CHECK_MESSAGE(ctx, "same size");
    CHECK(untouched(&other_out), "refused frame's output untouched");
    /* The output must not overlap the frame, and must have the result's size. */
    CHECK_EQ_INT(sf_sequence_push(seq, &frames[1].img, &frames[1].img, NULL, NULL), SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_sequence_push(seq, &frames[1].img, &other_out.img, NULL, NULL), SF_INVALID_ARGUMENT);
    /* A cancelled frame: SF_CANCELLED, its output untouched, the count unchanged. */
    buffer cancelled = make_buffer(48, 32, SF_FORMAT_RGB8, 0);
    progress_log log = {0, 0, 0, 1, 1, 0, 0, 1, 0};
    CHECK_EQ_INT(sf_sequence_push(seq, &frames[1].img, &cancelled.img, on_progress, &log), SF_CANCELLED);
    CHECK(untouched(&cancelled), "cancelled frame's output untouched");
    CHECK_EQ_INT(sf_sequence_frames(seq), 1);
    for (int k = 1; k < FRAMES; k++) {
        progress_log plog = {0, 0, 0, 1, 0, 0, 0, 1, 0};
        int rc = sf_sequence_push(seq, &frames[k].img, &on[k].img, on_progress, &plog);
        CHECK(rc == SF_OK, "push %d: %s", k, sf_last_error_message(ctx));
        CHECK(plog.calls > 0 && plog.monotonic && fabs(plog.fraction - 1) < 1e-9, "frame %d progress", k);
        CHECK(!same_pixels(&on[k], &alone[k]), "frame %d differs from the independent one", k);
    }
    CHECK_EQ_INT(sf_sequence_frames(seq), FRAMES);
    /* Calls from inside the sequence's progress callback are refused. */
    sequence_reentry r = {seq, ctx, -1, -1, -1, 0};
    buffer last = make_buffer(48, 32, SF_FORMAT_RGB8, 0);
    CHECK_EQ_INT(sf_sequence_push(seq, &frames[0].img, &last.img, on_progress_sequence_reenter, &r), SF_OK);
    CHECK_EQ_INT(r.push_rc, SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(r.end_rc, SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(r.stylize_rc, SF_INVALID_ARGUMENT);
    CHECK_EQ_INT(sf_sequence_frames(seq), FRAMES + 1);
    CHECK_EQ_INT(sf_sequence_end(seq), SF_OK);

    for (int k = 0; k < FRAMES; k++) {
        free(frames[k].mem);
        free(alone[k].mem);
        free(off[k].mem);
        free(on[k].mem);
    }
    free(other.mem);
    free(other_out.mem);
    free(cancelled.mem);
    free(last.mem);
    free(style.mem);
}

int main(int argc, char **argv) {
    if (argc == 2 && strcmp(argv[1], "--list-options") == 0) return list_options();
    if (argc == 4 && strcmp(argv[1], "--set") == 0) return set_option(argv[2], argv[3]);
    model_path = argc > 1 ? argv[1] : getenv("STYLEFILTER_MODEL");
    char tmpdir[] = "/tmp/sf-abi-XXXXXX";
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 2;
    }
    double t0 = now();
    test_layout();
    test_options();
    test_struct_sizes();
    test_option_table();
    test_context_errors(tmpdir);

    sf_context *ctx = NULL;
    int rc = sf_context_create(model_path, &ctx);
    if (rc != SF_OK) {
        fprintf(stderr, "abi_test: no model (%s: %s); the tests that stylize did not run\n",
                sf_status_name(rc), sf_last_error_message(NULL));
        failed++;
    } else {
        CHECK(sf_context_model_path(ctx) != NULL && strlen(sf_context_model_path(ctx)) > 0, "model path");
        test_bad_inputs(ctx);
        test_cut_fields(ctx);
        test_runs(ctx);
        test_masks(ctx);
        test_kept_statistics(ctx);
        test_cancel(ctx);
        test_sequence(ctx);
        test_tiled_run(ctx);
        test_budget_refused(ctx);
        test_reentrancy(ctx);
        test_threads(ctx);
        CHECK_EQ_INT(sf_context_destroy(ctx), SF_OK);
    }
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "abi_test: could not remove %s\n", tmpdir);
    fprintf(stderr, "abi_test: %.1f s\n", now() - t0);
    printf("%d passed, %d failed\n", passed, failed);
    return failed ? 1 : 0;
}
