/*
 * stylize_file.c — stylize a PPM file through libstylefilter's C API.
 *
 *   cc examples/stylize_file.c $(pkg-config --cflags --libs stylefilter) -o stylize_file
 *   ./stylize_file content.ppm style.ppm [style2.ppm …] -o out.ppm [--model FILE] [--quiet]
 *                  [--OPTION VALUE …]
 *
 * --OPTION is any engine option, named and written as for the `stylize` command (--iterations N,
 * --size N|full, --seed N, --threads N, --init content|random, --max-memory 1.5G, …): they are
 * passed to sf_options_set, which checks them; sf_option_info lists them.
 *
 * Reads binary PPM (P6, maxval 255 → RGB8, maxval 65535 → RGB16) and writes an 8-bit P6.
 * Shows a progress bar on standard error; Ctrl-C cancels cleanly (the SIGINT handler only sets a
 * flag, which the progress callback returns, and the library then returns SF_CANCELLED).
 * Convert other formats with ImageMagick: convert photo.jpg ppm:- | ./stylize_file - …
 * ("-" reads standard input; "-o -" writes standard output).
 */
#define _POSIX_C_SOURCE 200809L
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <stylefilter.h>

static volatile sig_atomic_t interrupted = 0;

static void on_sigint(int sig) {
    (void)sig;
    interrupted = 1;
}

/* ---- PPM ------------------------------------------------------------------------------------- */

static int ppm_token(FILE *f, unsigned long *value) {
    int c;
    do { /* skip white space and comments */
        c = fgetc(f);
        if (c == '#')
            while (c != '\n' && c != EOF) c = fgetc(f);
    } while (c == ' ' || c == '\t' || c == '\n' || c == '\r');
    if (c < '0' || c > '9') return 0;
    unsigned long v = 0;
    while (c >= '0' && c <= '9') {
        if (v > 100000000ul) return 0;
        v = v * 10 + (unsigned long)(c - '0');
        c = fgetc(f);
    }
    *value = v; /* c was the single white-space byte after the number */
    return 1;
}

/* Reads a P6 into a newly allocated sf_image; returns 0 with a message on failure. */
static int read_ppm(const char *path, sf_image *img) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        perror(path);
        return 0;
    }
    unsigned long w, h, maxval;
    int ok =
        fgetc(f) == 'P' && fgetc(f) == '6' && ppm_token(f, &w) && ppm_token(f, &h) && ppm_token(f, &maxval);
    if (!ok || w == 0 || h == 0 || w > SF_MAX_IMAGE_SIDE || h > SF_MAX_IMAGE_SIDE ||
        (maxval != 255 && maxval != 65535)) {
        fprintf(stderr, "%s: not a binary PPM (P6, maxval 255 or 65535) of a supported size\n", path);
        if (f != stdin) fclose(f);
        return 0;
    }
    size_t bpp = maxval == 255 ? 3 : 6;
    size_t n = (size_t)w * h * bpp;
    unsigned char *data = malloc(n);
    if (!data || fread(data, 1, n, f) != n) {
        fprintf(stderr, "%s: truncated PPM\n", path);
        free(data);
        if (f != stdin) fclose(f);
        return 0;
    }
    if (f != stdin) fclose(f);
    if (bpp == 6) /* PPM is big-endian; RGB16 is native-endian */
        for (size_t i = 0; i < n; i += 2) {
            uint16_t v = (uint16_t)(data[i] << 8 | data[i + 1]);
            memcpy(data + i, &v, 2);
        }
    img->width = (uint32_t)w;
    img->height = (uint32_t)h;
    img->stride_bytes = (size_t)w * bpp;
    img->format = bpp == 3 ? SF_FORMAT_RGB8 : SF_FORMAT_RGB16;
    img->data = data;
    return 1;
}

static int write_ppm(const char *path, const sf_image *img) {
    FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "wb");
    if (!f) {
        perror(path);
        return 0;
    }
    fprintf(f, "P6\n%u %u\n255\n", img->width, img->height);
    for (uint32_t y = 0; y < img->height; y++)
        fwrite((const unsigned char *)img->data + y * img->stride_bytes, 1, (size_t)img->width * 3, f);
    int ok = fflush(f) == 0 && !ferror(f);
    if (f != stdout) ok = fclose(f) == 0 && ok;
    if (!ok) perror(path);
    return ok;
}

/* ---- Progress -------------------------------------------------------------------------------- */

static int quiet = 0;

static int progress(const sf_progress *p, void *user) {
    (void)user;
    if (!quiet) {
        /* fraction_done grows with the work done (iterations weighted by their cost), so the bar
         * and the time left follow the clock; iteration/planned would not (coarse scales are cheap).
         * A library older than the field (struct_size 80) has only the count. */
        int has_fraction = p->struct_size >= offsetof(sf_progress, fraction_done) + sizeof p->fraction_done;
        double done = has_fraction     ? p->fraction_done
                      : p->planned > 0 ? (double)p->iteration / p->planned
                                       : 0;
        int width = 30, filled = (int)(width * done);
        double left = done > 0 ? p->elapsed_seconds * (1 - done) / done : 0;
        fprintf(stderr, "\r[%.*s%*s] %d/%d  scale %d/%d  loss %.4g  %.1fs, %.0fs left", filled,
                "##############################", width - filled, "", p->iteration, p->planned, p->scale,
                p->scales, p->loss_total, p->elapsed_seconds, left);
        fflush(stderr);
    }
    return interrupted; /* non-zero: cancel */
}

static void usage(void) {
    fprintf(stderr,
            "usage: stylize_file CONTENT.ppm STYLE.ppm [STYLE2.ppm …] -o OUT.ppm [--model FILE] [--quiet]\n"
            "       [--OPTION VALUE …]   options:");
    for (size_t i = 0; i < sf_option_count(); i++) {
        sf_option_description d = {.struct_size = sizeof d};
        if (sf_option_info(i, &d) == SF_OK) fprintf(stderr, " --%s", d.name);
    }
    fputc('\n', stderr);
}

int main(int argc, char **argv) {
    const char *inputs[17];
    int n_inputs = 0;
    const char *output = NULL, *model = NULL;
    sf_options opt;
    sf_options_init(&opt, sizeof opt);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--quiet") == 0) {
            quiet = 1;
            continue;
        }
        if ((a[0] == '-' && a[1] == '-') || strcmp(a, "-o") == 0) {
            if (!v) {
                usage();
                return 64;
            }
            i++;
            if (strcmp(a, "-o") == 0)
                output = v;
            else if (strcmp(a, "--model") == 0)
                model = v;
            else if (a[0] == '-' && a[1] == '-' && sf_options_set(&opt, a + 2, v) != SF_OK) {
                fprintf(stderr, "stylize_file: %s\n", sf_last_error_message(NULL));
                return 64;
            }
            continue;
        }
        if (n_inputs == 17) {
            usage();
            return 64;
        }
        inputs[n_inputs++] = a;
    }
    if (n_inputs < 2 || !output) {
        usage();
        return 64;
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL);

    sf_image images[17];
    for (int i = 0; i < n_inputs; i++)
        if (!read_ppm(inputs[i], &images[i])) return 1;

    sf_context *ctx;
    int rc = sf_context_create(model, &ctx);
    if (rc != SF_OK) {
        fprintf(stderr, "stylize_file: %s: %s\n", sf_status_name(rc), sf_last_error_message(NULL));
        return 1;
    }
    uint32_t w, h;
    rc = sf_output_size(&opt, images[0].width, images[0].height, &w, &h);
    if (rc != SF_OK) {
        fprintf(stderr, "stylize_file: %s\n", sf_last_error_message(NULL));
        sf_context_destroy(ctx);
        return 1;
    }
    sf_image out = {w, h, (size_t)w * 3, SF_FORMAT_RGB8, malloc((size_t)w * h * 3)};
    rc = out.data ? sf_stylize(ctx, &opt, &images[0], &images[1], NULL, (size_t)(n_inputs - 1), &out,
                               progress, NULL)
                  : SF_OUT_OF_MEMORY;
    if (!quiet) fputc('\n', stderr);
    int status = 0;
    if (rc == SF_CANCELLED) {
        fprintf(stderr, "stylize_file: cancelled; %s not written\n", output);
        status = 130;
    } else if (rc != SF_OK) {
        fprintf(stderr, "stylize_file: %s: %s\n", sf_status_name(rc), sf_last_error_message(ctx));
        status = 1;
    } else if (!write_ppm(output, &out)) {
        status = 1;
    }
    sf_context_destroy(ctx);
    free(out.data);
    for (int i = 0; i < n_inputs; i++) free(images[i].data);
    return status;
}
