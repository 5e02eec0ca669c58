/*
 * style_blend.h — `style-blend=W1,W2,…` as the C front ends over the library read it (the
 * ImageMagick module, the GIMP plug-in): one weight per style, each by the library's own rule for
 * numbers (its content-weight row: finite, >= 0, plain decimal, no "+", hex, inf or nan), so they
 * take what the command's --style-blend takes. Spaces may follow a comma, as in the option table's
 * lists. Header-only: each front end is built on its own against the installed header.
 */
#ifndef STYLEFILTER_STYLE_BLEND_H
#define STYLEFILTER_STYLE_BLEND_H

#include <stddef.h>
#include <string.h>

#include <stylefilter.h>

typedef enum style_blend_status {
    STYLE_BLEND_OK = 0,
    STYLE_BLEND_BAD = 1,           /* an entry that is not a weight, or more than `capacity` */
    STYLE_BLEND_TRAILING_COMMA = 2 /* "0.7,0.3," */
} style_blend_status;

/* One weight, by the content-weight row's parser (on a scratch sf_options). */
static inline int style_blend_weight(const char *text, float *out) {
    sf_options scratch;
    if (sf_options_init(&scratch, sizeof scratch) != SF_OK ||
        sf_options_set(&scratch, "content-weight", text) != SF_OK)
        return 0;
    *out = scratch.content_weight;
    return 1;
}

/* "W1,W2,…" into weights[0…*count-1] (at most `capacity`); *count is what was read. */
static inline style_blend_status style_blend_parse(const char *value, float *weights, size_t capacity,
                                                   size_t *count) {
    *count = 0;
    for (const char *p = value; *p;) {
        char number[64];
        size_t length = strcspn(p, ",");
        if (length == 0 || length >= sizeof number || *count == capacity) return STYLE_BLEND_BAD;
        memcpy(number, p, length);
        number[length] = '\0';
        if (!style_blend_weight(number, &weights[*count])) return STYLE_BLEND_BAD;
        ++*count;
        p += length;
        if (*p == ',') {
            p++;
            p += strspn(p, " \t");
            if (!*p) return STYLE_BLEND_TRAILING_COMMA;
        }
    }
    return STYLE_BLEND_OK;
}

#endif /* STYLEFILTER_STYLE_BLEND_H */
