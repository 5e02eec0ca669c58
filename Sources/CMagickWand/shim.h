// ImageMagick 6's MagickWand (Debian: libmagickwand-dev). Its headers insist on knowing the
// build's quantum depth and HDRI setting; pkg-config's cflags are not all passed to Swift's
// importer, so they are stated here (Debian's build: Q16, no HDRI).
// The C library's headers come first, as any other module sees them: MagickCore's config defines
// _GNU_SOURCE, and glibc's headers parsed under it declare fd_set with other member names, which
// clashes with Foundation's copy wherever both modules are imported (the tests import the
// command's library beside XCTest).
#include <stdio.h>
#include <stdlib.h>
#include <sys/select.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>
#ifndef MAGICKCORE_HDRI_ENABLE
#define MAGICKCORE_HDRI_ENABLE 0
#endif
#ifndef MAGICKCORE_QUANTUM_DEPTH
#define MAGICKCORE_QUANTUM_DEPTH 16
#endif
#include <wand/MagickWand.h>
// What counts as a damaged read, and what a decode costs (also compiled into the ImageMagick
// filter module).
#include "image_damage.h"
#include "decode_cost.h"
