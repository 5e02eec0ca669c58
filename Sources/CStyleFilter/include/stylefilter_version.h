/*
 * stylefilter_version.h — the library's version and the limits of this version. Included by
 * stylefilter.h (include that); a header of its own because the engine reads these same macros
 * (module CStyleFilterVersion), so the version and the limits have one source and the engine
 * does not depend on its C front end's header.
 */
#ifndef STYLEFILTER_VERSION_H
#define STYLEFILTER_VERSION_H

/* ---- Version ---------------------------------------------------------------------------- */

#define SF_VERSION_MAJOR 1
#define SF_VERSION_MINOR 13
#define SF_VERSION_PATCH 0
/* MAJOR*10000 + MINOR*100 + PATCH, as returned by sf_version(). */
#define SF_VERSION_NUMBER (SF_VERSION_MAJOR * 10000 + SF_VERSION_MINOR * 100 + SF_VERSION_PATCH)
/* Bumped on any incompatible change; equals the SONAME's number (libstylefilter.so.1). */
#define SF_ABI_VERSION 1

/* ---- Limits checked at the boundary ----------------------------------------------------- */

#define SF_MAX_IMAGE_SIDE   32768u     /* per side, any input image */
#define SF_MAX_IMAGE_PIXELS (1u << 27) /* width * height, any input image */
#define SF_MAX_STYLES       64u
#define SF_MIN_RESULT_SIDE  16u    /* the result's longest side must be 16…32768 */
#define SF_MAX_RESULT_SIDE  32768u /* = SF_MAX_IMAGE_SIDE: tiles bound the memory */

#endif
