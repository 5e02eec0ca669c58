/*
 * libFuzzer harness: sf_stylize through the C ABI (libstylefilter.so, the model from
 * $STYLEFILTER_MODEL) with small descriptors decoded from the input: content/style/init/output
 * sizes 1…40 (thin ones included), the four formats (now and then an unknown one), padded or
 * short strides, NULL data, 1…3 styles with weights (NaN, negative, zero ones included),
 * options (max_size 0 or 16…64, 1…3 scales, 1 iteration, optimizer, preconditioner, padding, preview, pooling, init, objective,
 * layer lists, bad enum values) and a progress callback that may cancel.
 *
 * Checks: a status from the header's list, a message for every failure, the output written only
 * on SF_OK and never outside its rows (stride padding and a guard after the buffer keep their
 * sentinel), inputs never written, and no sanitizer report.
 */
#include <stylefilter.h>

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sf_context *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    (void)argv;
    const char *model = getenv("STYLEFILTER_MODEL");
    int rc = sf_context_create(model, &ctx);
    if (rc != SF_OK) {
        fprintf(stderr, "abi: cannot load the model (%s: %s); set STYLEFILTER_MODEL\n", sf_status_name(rc),
                sf_last_error_message(NULL));
        exit(2);
    }
    return 0;
}

/* The input as a stream of choices (zeros once it runs out). */
typedef struct {
    const uint8_t *p;
    size_t n;
} stream;

static unsigned take(stream *s) {
    if (s->n == 0) return 0;
    s->n--;
    return *s->p++;
}
static unsigned pick(stream *s, unsigned count) {
    return take(s) % count;
}

enum { GUARD = 64, SENTINEL = 0xA5 };

typedef struct {
    sf_image img;
    unsigned char *mem;
    size_t size; /* bytes the descriptor covers, plus GUARD */
} buffer;

static const int formats[] = {SF_FORMAT_RGB8, SF_FORMAT_RGBA8, SF_FORMAT_RGB16, SF_FORMAT_RGBF32};

/* A descriptor and its memory; pixels from the stream (floats kept finite and in 0…1 unless
 * the stream asks for a non-finite one). Unusual shapes are rare so most runs get through. */
static buffer make_image(stream *s, uint32_t w, uint32_t h, int fill) {
    buffer b;
    unsigned f = take(s);
    b.img.format = f == 255 ? 0 : f == 254 ? 9 : formats[f % 4];
    size_t bpp = sf_format_bytes_per_pixel(b.img.format);
    if (bpp == 0) bpp = 3;
    b.img.width = w;
    b.img.height = h;
    unsigned pad = take(s);
    b.img.stride_bytes = pad == 255 && w > 1 ? (w - 1) * bpp : w * bpp + pad % 8;
    size_t stride = b.img.stride_bytes < w * bpp ? w * bpp : b.img.stride_bytes;
    b.size = stride * h + GUARD;
    b.mem = malloc(b.size);
    memset(b.mem, SENTINEL, b.size);
    b.img.data = take(s) == 255 ? NULL : b.mem;
    if (fill) {
        unsigned seed = take(s);
        for (uint32_t y = 0; y < h; y++) {
            unsigned char *row = b.mem + y * stride;
            if (b.img.format == SF_FORMAT_RGBF32) {
                for (uint32_t i = 0; i < w * 3; i++) {
                    float v = (float)((seed + 37 * i + 11 * y) % 256) / 255.0f;
                    if (seed == 255 && i == 0 && y == 0) v = NAN;
                    memcpy(row + 4 * i, &v, 4);
                }
            } else {
                for (size_t i = 0; i < w * bpp; i++) row[i] = (unsigned char)(seed + 37 * i + 11 * y);
            }
        }
    }
    return b;
}

static uint32_t side(stream *s) {
    return 1 + pick(s, 40);
}

static const char *layer_lists[] = {NULL,
                                    "conv4_2",
                                    "conv1_1,conv3_2",
                                    "conv9_9",
                                    "",
                                    "conv1_1,,conv2_1",
                                    "conv1_1:1,conv2_1:0.75,conv3_1:0.2",
                                    "conv5_1:0",
                                    "conv1_1:nan",
                                    "conv2_2:-1",
                                    "relu1_1",
                                    "conv1_1:1:2",
                                    " conv2_1 : 0.5 "};
enum { LAYER_LISTS = sizeof layer_lists / sizeof layer_lists[0] };

typedef struct {
    int calls, cancel_at;
} progress_state;

static int on_progress(const sf_progress *p, void *user) {
    progress_state *st = user;
    st->calls++;
    if (p->struct_size < sizeof(sf_progress) || !(p->iteration >= 1 && p->iteration <= p->planned) ||
        p->width <= 0 || p->height <= 0 || !(p->fraction_done >= 0 && p->fraction_done <= 1)) {
        fprintf(stderr, "abi: bad progress event (iteration %d of %d, %dx%d, fraction %g)\n", p->iteration,
                p->planned, p->width, p->height, p->fraction_done);
        abort();
    }
    return st->cancel_at && st->calls >= st->cancel_at;
}

static void describe(const char *what, const sf_image *i) {
    fprintf(stderr, "%s %ux%u format %d stride %zu data %s\n", what, i->width, i->height, i->format,
            i->stride_bytes, i->data ? "set" : "NULL");
}

static int intact(const buffer *b, size_t from) {
    for (size_t i = from; i < b->size; i++)
        if (b->mem[i] != SENTINEL) return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    stream s = {data, size};
    sf_options o;
    sf_options_init(&o, sizeof o);
    o.iterations = 1;
    o.threads = 1;
    unsigned m = take(&s);
    o.max_size = m % 4 == 0 ? 0 : 16 + m % 49;
    o.scales = 1 + pick(&s, 3);
    unsigned e = take(&s); /* enum values, now and then an unknown one */
    o.optimizer = e & 1;
    o.pooling = (e >> 1) & 1;
    o.init = (int)((e >> 2) % 3);
    o.objective = (e >> 4) & 1;
    if (e == 255) o.optimizer = 7;
    if (e == 254) o.pooling = -1;
    o.preconditioner = (e >> 5) & 1;
    if (e == 253) o.preconditioner = 2;
    o.padding = (e >> 6) & 1;
    if (e == 252) o.padding = 2;
    o.preview = (e >> 7) & 1;
    if (e == 251) o.preview = 2;
    o.seed = take(&s);
    o.content_layers = layer_lists[pick(&s, LAYER_LISTS)];
    o.style_layers = layer_lists[pick(&s, LAYER_LISTS)];
    unsigned weights = take(&s);
    if (weights == 255) o.style_weight = NAN;
    if (weights == 254) o.tv_weight = -1;
    if (weights == 253) o.learning_rate = 0;

    uint32_t cw = side(&s), ch = side(&s);
    buffer content = make_image(&s, cw, ch, 1);
    size_t style_count = 1 + pick(&s, 3);
    buffer styles[3];
    sf_image style_images[3];
    for (size_t k = 0; k < style_count; k++) {
        uint32_t w = side(&s), h = side(&s);
        styles[k] = make_image(&s, w, h, 1);
        style_images[k] = styles[k].img;
    }
    float blend[3];
    unsigned bw = take(&s);
    for (size_t k = 0; k < style_count; k++) {
        unsigned v = take(&s);
        blend[k] = v == 255 ? NAN : v == 254 ? -1.0f : (float)(v % 4);
    }
    buffer init = {0};
    if (o.init == SF_INIT_IMAGE) {
        uint32_t w = side(&s), h = side(&s);
        init = make_image(&s, w, h, 1);
        o.init_image = take(&s) == 255 ? NULL : &init.img;
    }

    /* The output: the size sf_output_size gives, or (rarely) one pixel off. */
    uint32_t ow = cw, oh = ch;
    int size_rc = sf_output_size(&o, cw, ch, &ow, &oh);
    if (size_rc != SF_OK) ow = cw, oh = ch;
    unsigned off = take(&s);
    if (off == 255) ow += 1;
    if (off == 254 && oh > 1) oh -= 1;
    buffer out = make_image(&s, ow, oh, 0);

    progress_state st = {0, (int)pick(&s, 4)};
    int with_progress = take(&s) & 1;
    size_t content_bytes = content.size, first_style_bytes = styles[0].size;
    unsigned char *content_copy = malloc(content_bytes), *style_copy = malloc(first_style_bytes);
    memcpy(content_copy, content.mem, content_bytes);
    memcpy(style_copy, styles[0].mem, first_style_bytes);

    if (getenv("SF_FUZZ_VERBOSE")) { /* to describe a crash: the call as decoded */
        fprintf(stderr,
                "max_size %u scales %d optimizer %d pooling %d init %d objective %d seed %llu\n"
                "content_layers %s style_layers %s weights c %g s %g tv %g lr %g\n",
                o.max_size, o.scales, o.optimizer, o.pooling, o.init, o.objective, (unsigned long long)o.seed,
                o.content_layers ? o.content_layers : "NULL", o.style_layers ? o.style_layers : "NULL",
                o.content_weight, o.style_weight, o.tv_weight, o.learning_rate);
        describe("content", &content.img);
        for (size_t k = 0; k < style_count; k++) describe("style", &style_images[k]);
        if (o.init_image) describe("init", o.init_image);
        describe("output", &out.img);
        fprintf(stderr, "style_weights %s, progress %s (cancel at %d)\n", bw & 1 ? "given" : "NULL",
                with_progress ? "yes" : "no", st.cancel_at);
    }
    int rc = sf_stylize(ctx, &o, &content.img, style_images, bw & 1 ? blend : NULL, style_count, &out.img,
                        with_progress ? on_progress : NULL, &st);

    if (rc < SF_OK || rc > SF_INTERNAL) {
        fprintf(stderr, "abi: status %d is not in the header's list\n", rc);
        abort();
    }
    const char *message = sf_last_error_message(ctx);
    if (rc == SF_INTERNAL || (rc != SF_OK && (message == NULL || *message == 0))) {
        fprintf(stderr, "abi: %s with message '%s'\n", sf_status_name(rc), message ? message : "(null)");
        abort();
    }
    /* Written only on success, only inside the rows; inputs untouched. */
    size_t bpp = sf_format_bytes_per_pixel(out.img.format);
    if (rc == SF_OK) {
        for (uint32_t y = 0; y < oh; y++)
            for (size_t i = ow * bpp; i < out.img.stride_bytes; i++)
                if (out.mem[y * out.img.stride_bytes + i] != SENTINEL) {
                    fprintf(stderr, "abi: stride padding written (row %u)\n", y);
                    abort();
                }
        if (!intact(&out, out.size - GUARD)) {
            fprintf(stderr, "abi: written past the output\n");
            abort();
        }
    } else if (!intact(&out, 0)) {
        fprintf(stderr, "abi: output written although %s\n", sf_status_name(rc));
        abort();
    }
    if (memcmp(content_copy, content.mem, content_bytes) ||
        memcmp(style_copy, styles[0].mem, first_style_bytes)) {
        fprintf(stderr, "abi: an input image was written\n");
        abort();
    }

    free(content_copy);
    free(style_copy);
    free(content.mem);
    free(out.mem);
    free(init.mem);
    for (size_t k = 0; k < style_count; k++) free(styles[k].mem);
    return 0;
}
