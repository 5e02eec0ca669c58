// OpenCV's DIS optical flow (Kroeger, Timofte, Dai & Van Gool, "Fast Optical Flow using Dense
// Inverse Search", ECCV 2016) for the engine's frame sequences, behind optical_flow.h's C API.
//
// OpenCV is loaded here with dlopen at the first call, not linked. Debian's libopencv_core needs
// liblapack.so.3, which is OpenBLAS (its alternatives, with libopenblas-dev installed): linked,
// OpenBLAS would be loaded with the engine and its load-time constructor would start its thread
// pool before any code of ours runs — what Sources/CBLASCore/blas_core.c exists to prevent.
// Measured with a C program that only links libopencv_core: one more thread and +195 MiB of
// address space at main(), and under `ulimit -v 150000` or `200000` the program hangs at exit.
// So the engine's own loader runs first (sf_blas_load: OpenBLAS without its threads), and
// OpenCV's LAPACK then finds that copy already in the process (same soname). Only runs that
// compute flow load OpenCV (and its dependencies: about 30 libraries) at all.
//
// Not linked, every OpenCV function called from here that the headers do not define inline is
// looked up by name: three (DISOpticalFlow::create, and Mat's constructor over caller memory and
// its destructor); DIS's own methods are virtual, reached through the object. The headers are
// read with CV_EXPORTS hidden, so an out-of-line OpenCV function used here by mistake is a link
// error ("hidden symbol … isn't defined"), never a missing symbol at run time.
//
// Threads: DIS runs its loops with cv::parallel_for_ on OpenCV's default thread count (all
// cores). cv::setNumThreads is not called: it is global to the process, so it would change a
// host's own use of the same OpenCV and race with other callers; the engine computes flow
// between optimisations, when its own workers are idle.
#define CV_EXPORTS __attribute__((visibility("hidden")))
#include <opencv2/core.hpp>
#include <opencv2/video/tracking.hpp>

#include "optical_flow.h"
#include "blas_core.h"

#include <dlfcn.h>
#include <pthread.h>

#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

namespace {

// The three OpenCV functions, by their mangled names (OpenCV 4's ABI; `nm -D` on the libraries).
// Constructors and destructors take the object as their first argument (Itanium C++ ABI; the
// complete-object variants C1/D1).
using CreateDIS = cv::Ptr<cv::DISOpticalFlow> (*)(int preset);
using MatOverData = void (*)(cv::Mat *self, int rows, int cols, int type, void *data, size_t step);
using MatDestroy = void (*)(cv::Mat *self);

struct OpenCV {
    CreateDIS create = nullptr;
    MatOverData mat = nullptr;
    MatDestroy destroy = nullptr;
    char error[512] = "";
};

OpenCV opencv;
pthread_once_t loaded = PTHREAD_ONCE_INIT;

// Debian's runtime package's soname first (libopencv-video406, 4.6), then the development link
// (libopencv-video-dev, whatever 4.x it installs — the headers this file was compiled with).
const char *const library_names[] = {"libopencv_video.so.406", "libopencv_video.so", nullptr};

void load() {
    // OpenBLAS in the process before OpenCV's LAPACK asks for it (see the top of this file). If
    // it cannot be loaded the engine cannot run anyway; OpenCV then reports its own reason.
    sf_blas_load();
    void *video = nullptr;
    for (int i = 0; library_names[i] && !video; i++) video = dlopen(library_names[i], RTLD_NOW | RTLD_LOCAL);
    if (!video) {
        const char *why = dlerror();
        snprintf(opencv.error, sizeof opencv.error,
                 "optical flow needs OpenCV's video module, which could not be loaded (%s): install "
                 "Debian's libopencv-video406 (or libopencv-video-dev)",
                 why ? why : "libopencv_video.so.406 not found");
        return;
    }
    // RTLD_LOCAL: the names resolve in the video module's own dependencies (libopencv_core).
    opencv.create = reinterpret_cast<CreateDIS>(dlsym(video, "_ZN2cv14DISOpticalFlow6createEi"));
    opencv.mat = reinterpret_cast<MatOverData>(dlsym(video, "_ZN2cv3MatC1EiiiPvm"));
    opencv.destroy = reinterpret_cast<MatDestroy>(dlsym(video, "_ZN2cv3MatD1Ev"));
    if (!opencv.create || !opencv.mat || !opencv.destroy) {
        snprintf(opencv.error, sizeof opencv.error,
                 "the OpenCV that was loaded lacks cv::DISOpticalFlow::create or cv::Mat's constructor or "
                 "destructor (OpenCV 4 is needed): install Debian's libopencv-video-dev");
        opencv.create = nullptr;
    }
    // Never closed: the process keeps OpenCV (its thread pool may still be winding down).
}

// A cv::Mat header over memory the caller owns, made and unmade by OpenCV's own functions.
class MatOver {
  public:
    MatOver(int rows, int cols, int type, void *data) {
        opencv.mat(reinterpret_cast<cv::Mat *>(storage), rows, cols, type, data, cv::Mat::AUTO_STEP);
    }
    ~MatOver() { opencv.destroy(&get()); }
    MatOver(const MatOver &) = delete;
    MatOver &operator=(const MatOver &) = delete;
    cv::Mat &get() { return *std::launder(reinterpret_cast<cv::Mat *>(storage)); }

  private:
    alignas(cv::Mat) unsigned char storage[sizeof(cv::Mat)];
};

int report(char *message, size_t size, int status, const char *text) {
    if (message && size > 0) {
        snprintf(message, size, "%s", text);
        // OpenCV's messages end in a newline; the caller adds its own punctuation.
        size_t n = strlen(message);
        while (n > 0 && (message[n - 1] == '\n' || message[n - 1] == ' ')) message[--n] = '\0';
    }
    return status;
}

int compute(const unsigned char *from, const unsigned char *to, int width, int height, float *u, float *v,
            char *message, size_t message_size) {
    cv::Ptr<cv::DISOpticalFlow> dis = opencv.create(cv::DISOpticalFlow::PRESET_MEDIUM);
    if (!dis) return report(message, message_size, SF_FLOW_FAILED, "cv::DISOpticalFlow::create failed");
    // Read-only in fact: cv::Mat has no constructor over const memory, and DIS only reads its inputs.
    MatOver first(height, width, CV_8UC1, const_cast<unsigned char *>(from));
    MatOver second(height, width, CV_8UC1, const_cast<unsigned char *>(to));
    // Empty, for DIS to allocate. Not a header over memory of ours: DIS::calc takes a flow that
    // already has the frames' size and type as its initial estimate (whatever
    // setUseInitialFlow says; OpenCV 4.6's dis_flow.cpp) — uninitialised memory there was garbage
    // candidates, NaN among them, and a crash (an index from NaN) on a 64 × 64 noise frame.
    MatOver flow(0, 0, CV_32FC2, nullptr);
    dis->calc(first.get(), second.get(), flow.get());
    const cv::Mat &f = flow.get();
    if (f.rows != height || f.cols != width || f.type() != CV_32FC2)
        return report(message, message_size, SF_FLOW_FAILED, "DIS returned a flow of another size or type");
    // DIS writes interleaved (u, v) pairs; the caller wants planes.
    for (int y = 0; y < height; y++) {
        const float *row = f.ptr<float>(y);
        float *ur = u + static_cast<size_t>(y) * width, *vr = v + static_cast<size_t>(y) * width;
        for (int x = 0; x < width; x++) {
            ur[x] = row[2 * x];
            vr[x] = row[2 * x + 1];
        }
    }
    return SF_FLOW_OK;
}

} // namespace

extern "C" int sf_flow_dis(const unsigned char *from, const unsigned char *to, int width, int height,
                           float *u, float *v, char *message, size_t message_size) {
    if (!from || !to || !u || !v || width < SF_FLOW_MINIMUM_SIDE || height < SF_FLOW_MINIMUM_SIDE)
        return report(message, message_size, SF_FLOW_FAILED,
                      "flow needs two images of at least 32 × 32 pixels");
    // Nothing may escape into Swift (or through libstylefilter's C ABI into a host): OpenCV throws
    // cv::Exception (a std::exception) for its errors, including failed allocations.
    try {
        pthread_once(&loaded, load);
        if (!opencv.create) return report(message, message_size, SF_FLOW_UNAVAILABLE, opencv.error);
        return compute(from, to, width, height, u, v, message, message_size);
    } catch (const std::bad_alloc &) {
        return report(message, message_size, SF_FLOW_OUT_OF_MEMORY,
                      "OpenCV could not allocate memory for DIS");
    } catch (const std::exception &e) {
        // cv::Exception's type cannot be named here (not linked: no typeinfo); its text carries
        // its code, "(-4:Insufficient memory)" for a failed cv::fastMalloc.
        const char *what = e.what();
        char text[1024];
        snprintf(text, sizeof text, "OpenCV's DIS failed: %s", what ? what : "unknown error");
        bool memory = what && strstr(what, "Insufficient memory");
        return report(message, message_size, memory ? SF_FLOW_OUT_OF_MEMORY : SF_FLOW_FAILED, text);
    } catch (...) {
        return report(message, message_size, SF_FLOW_FAILED, "OpenCV's DIS failed with an unknown exception");
    }
}
