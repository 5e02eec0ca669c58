/* Whether ImageMagick 6 read an image whole: one rule for the `stylize` command (through shim.h)
 * and the ImageMagick filter module (Sources/ImageMagickFilter/stylize.c includes this file).
 *
 * ImageMagick's decoders keep going through a damaged file — a JPEG cut short is filled with
 * grey, a PNG whose header is smaller than its data is cut to the header's size — and say so only
 * in a warning kept on the image: ImageMagick 6 stores a coder's warnings in each frame's own
 * exception list, not in the caller's ExceptionInfo (convert prints them from there), so a
 * reader that looks only at its own exception never sees them.
 *
 * Damage: the corrupt-image class (libjpeg's premature end, bad Huffman or arithmetic codes,
 * lost restart markers; GIF, BMP and others' short data), any error that still left an image,
 * and a coder warning about the pixel data itself (libpng's "IDAT: Too much image data", "Not
 * enough image data", "Extra compressed data", CRC errors). Not damage: the other warnings,
 * about metadata a decoder skipped (unknown PNG chunks or text, an odd ICC profile, TIFF tags),
 * and the libjpeg warnings below that leave every pixel intact. */
#ifndef STYLEFILTER_IMAGE_DAMAGE_H
#define STYLEFILTER_IMAGE_DAMAGE_H

#include <ctype.h>
#include <stddef.h>

/* Whether `text` contains `word`, ignoring ASCII case. */
static inline int stylefilter_contains_word(const char *text, const char *word) {
    for (; *text; text++) {
        size_t i = 0;
        while (word[i] && text[i] && tolower((unsigned char)text[i]) == tolower((unsigned char)word[i])) i++;
        if (word[i] == '\0') return 1;
    }
    return 0;
}

/* Whether one of ImageMagick's exceptions on a read image means its pixels are not all the file's. */
static inline int stylefilter_is_damage(ExceptionType severity, const char *reason) {
    /* libjpeg warnings of the corrupt class that lose no pixels: junk between segments, which
     * the decoder skips, and header oddities it decodes through. */
    static const char *const harmless[] = {
        "Corrupt JPEG data: bad ICC marker",  "Invalid SOS parameters for sequential JPEG",
        "Unknown Adobe color transform code", "unknown JFIF revision number",
        "extraneous bytes before marker",
    };
    /* A coder warning about these is about the pixel data (PNG's IDAT stream and its CRCs). */
    static const char *const data[] = {"IDAT", "image data", "compressed data", "CRC error"};
    if (reason == NULL) reason = "";
    if (severity == CorruptImageWarning || severity == CorruptImageError) {
        for (size_t i = 0; i < sizeof harmless / sizeof harmless[0]; i++)
            if (stylefilter_contains_word(reason, harmless[i])) return 0;
        return 1;
    }
    if (severity >= ErrorException) return 1;
    if (severity == CoderWarning) {
        for (size_t i = 0; i < sizeof data / sizeof data[0]; i++)
            if (stylefilter_contains_word(reason, data[i])) return 1;
    }
    return 0;
}

/* The first reason, over every frame of `images`, that means damage (ImageMagick's text:
 * "Premature end of JPEG file `x.jpg' @ warning/jpeg.c/…", valid while the images live); NULL
 * when every frame was read cleanly. */
static inline const char *stylefilter_damage_reason(const Image *images) {
    for (const Image *p = images; p != NULL; p = GetNextImageInList(p)) {
        if (p->exception.severity == UndefinedException || p->exception.exceptions == NULL) continue;
        LinkedListInfo *list = (LinkedListInfo *)p->exception.exceptions;
        ResetLinkedListIterator(list);
        for (const ExceptionInfo *e; (e = (const ExceptionInfo *)GetNextValueInLinkedList(list)) != NULL;)
            if (stylefilter_is_damage(e->severity, e->reason)) return e->reason;
    }
    return NULL;
}

#endif
