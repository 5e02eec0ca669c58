// Dense optical flow for frame sequences: OpenCV's DIS behind a plain C API, for
// Sources/StyleKernel/Sequence/OpticalFlow.swift. OpenCV is loaded at the first call, not linked
// (dis_flow.cpp says why), so a process that never asks for flow never loads it.
#ifndef STYLEFILTER_OPTICAL_FLOW_H
#define STYLEFILTER_OPTICAL_FLOW_H

#include <stddef.h>

// Internal to the engine: never exported from libstylefilter (whose ABI is the public header's).
#define SF_FLOW_INTERNAL __attribute__((visibility("hidden")))

// What sf_flow_dis returns.
#define SF_FLOW_OK            0
#define SF_FLOW_UNAVAILABLE   1 // OpenCV could not be loaded (message: why, and the package to install)
#define SF_FLOW_OUT_OF_MEMORY 2 // OpenCV or the shim could not allocate memory
#define SF_FLOW_FAILED        3 // anything else OpenCV reported, or arguments out of range

#ifdef __cplusplus
extern "C" {
#endif

/// Flow from `from` to `to` (8-bit grey, width × height, row-major, no padding): from(x, y) ≈
/// to(x + u, y + v). DIS (Kroeger et al., ECCV 2016) as cv::DISOpticalFlow, preset MEDIUM. `u` and
/// `v` receive width × height floats each, in pixels. On failure returns one of the codes above
/// and writes a sentence to `message` (NUL-terminated, truncated to `message_size`). Never throws:
/// every C++ exception is caught here. Thread-safe; OpenCV parallelises the work itself with its
/// default thread count (the process's cores) — see dis_flow.cpp.
SF_FLOW_INTERNAL int sf_flow_dis(const unsigned char *from, const unsigned char *to, int width, int height,
                                 float *u, float *v, char *message, size_t message_size);

/// The smallest side sf_flow_dis accepts (OpticalFlow.swift pads smaller frames). OpenCV 4.6's own
/// check lets a frame through when either side is 12 or more: measured, 100 × 12 then crashes inside
/// DIS (SIGSEGV) and 8 × 100 returns garbage, while every shape from 32 × 32 to 5000 × 32 tried works.
#define SF_FLOW_MINIMUM_SIDE 32

#ifdef __cplusplus
}
#endif

#endif
