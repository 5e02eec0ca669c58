/*
 * A MagickCore host whose progress monitor cancels the stylize filter (InvokeDynamicImageFilter,
 * what `-process` calls): the filter stops within a second of the monitor's "stop", raises an
 * error that says so, and leaves the image as it was. Before that, the monitor saw the work's share
 * rise from 0 (Stylize/Image, offsets over one span).
 *
 *   process_cancel IMAGE STYLE     (MAGICK_CODER_FILTER_PATH names the module's directory;
 *                                   run by Tests/CABI/examples-test.sh)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <magick/MagickCore.h>

typedef struct {
    int calls;             /* the filter's progress reports */
    int stop_at;           /* the report whose answer is "stop" */
    int rising;            /* offsets never fell, all under one span */
    MagickOffsetType last; /* the last offset */
    MagickSizeType span;   /* the first report's span */
    double stopped;        /* when the monitor said stop */
} monitor_state;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static MagickBooleanType monitor(const char *text, const MagickOffsetType offset, const MagickSizeType span,
                                 void *data) {
    monitor_state *s = data;
    if (strncmp(text, "Stylize/", 8) != 0) return MagickTrue;
    if (s->calls == 0) s->span = span;
    if (offset < s->last || span != s->span || (MagickSizeType)offset >= span) s->rising = 0;
    s->last = offset;
    if (++s->calls < s->stop_at) return MagickTrue;
    if (s->stopped == 0) s->stopped = now();
    return MagickFalse;
}

static int fail(const char *what) {
    fprintf(stderr, "process_cancel: %s\n", what);
    return 1;
}

int main(int argc, char **argv) {
    if (argc != 3) return fail("usage: process_cancel IMAGE STYLE");
    MagickCoreGenesis(argv[0], MagickFalse);
    ExceptionInfo *exception = AcquireExceptionInfo();
    ImageInfo *info = AcquireImageInfo();
    (void)CopyMagickString(info->filename, argv[1], MaxTextExtent);
    Image *image = ReadImage(info, exception);
    if (image == NULL) return fail("cannot read the image");
    (void)SignatureImage(image);
    char before[MaxTextExtent];
    (void)CopyMagickString(before, GetImageProperty(image, "signature"), MaxTextExtent);

    monitor_state state = {0, 4, 1, 0, 0, 0};
    (void)SetImageProgressMonitor(image, monitor, &state);
    char style[MaxTextExtent];
    (void)FormatLocaleString(style, MaxTextExtent, "style=%s", argv[2]);
    /* 1000 iterations: a run of minutes, whose first iterations are a share of the work above 0. */
    const char *arguments[] = {style, "iterations=1000", "threads=1", "scales=1"};
    (void)InvokeDynamicImageFilter("stylize", &image, 4, arguments, exception);
    double returned = now();

    int failures = 0;
    if (state.calls != state.stop_at) {
        fprintf(stderr, "process_cancel: %d progress reports, expected %d (none after the stop)\n",
                state.calls, state.stop_at);
        failures++;
    }
    if (!state.rising || state.last <= 0) {
        fprintf(stderr, "process_cancel: the offsets did not rise within the span (last %lld of %llu)\n",
                (long long)state.last, (unsigned long long)state.span);
        failures++;
    }
    if (state.stopped == 0 || returned - state.stopped > 1.0) {
        fprintf(stderr, "process_cancel: the filter returned %.2f s after the stop\n",
                returned - state.stopped);
        failures++;
    }
    if (exception->severity < ErrorException || exception->reason == NULL ||
        strstr(exception->reason, "cancelled") == NULL) {
        fprintf(stderr, "process_cancel: no error saying it was cancelled (severity %d, %s)\n",
                (int)exception->severity, exception->reason ? exception->reason : "no reason");
        failures++;
    } else {
        printf("process_cancel: %s\n", exception->reason);
    }
    (void)SignatureImage(image);
    if (GetNextImageInList(image) != NULL || strcmp(before, GetImageProperty(image, "signature")) != 0) {
        fprintf(stderr, "process_cancel: the image changed\n");
        failures++;
    }
    image = DestroyImageList(image);
    info = DestroyImageInfo(info);
    exception = DestroyExceptionInfo(exception);
    MagickCoreTerminus();
    if (failures == 0) printf("process_cancel: ok (stopped after %d reports)\n", state.calls);
    return failures ? 1 : 0;
}
