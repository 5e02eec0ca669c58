/* What decoding an image costs, known from its header before any pixel is decoded: one figure for
 * the `stylize` command (through shim.h, ImageIO/ReadLimits.swift) and the ImageMagick filter
 * module (Sources/ImageMagickFilter/stylize.c includes this file), both of which refuse an image
 * whose decode would not fit the memory budget (--max-memory, max-memory=).
 *
 * ImageMagick decodes every frame of a file into its Q16 pixel cache: four 16-bit samples a pixel,
 * and a 16-bit index for CMYK and palette images. The reader then keeps the first frame as three
 * Float planes and an alpha plane, and an EXIF orientation costs a second cache of that frame. */
#ifndef STYLEFILTER_DECODE_COST_H
#define STYLEFILTER_DECODE_COST_H

enum {
    STYLEFILTER_CACHE_BYTES_PER_PIXEL = 10,
    STYLEFILTER_PLANE_BYTES_PER_PIXEL = 16,
};

/* Bytes to decode a file whose first frame has `first_area` pixels and whose frames have
 * `all_areas` together; `orients`: the first frame is turned after reading. A double, so that a
 * header's absurd sizes give a large number rather than an overflow. */
static inline double stylefilter_decode_bytes(double first_area, double all_areas, int orients) {
    return first_area *
               (STYLEFILTER_PLANE_BYTES_PER_PIXEL + (orients ? STYLEFILTER_CACHE_BYTES_PER_PIXEL : 0)) +
           all_areas * STYLEFILTER_CACHE_BYTES_PER_PIXEL;
}

#endif
