/*
 * libFuzzer harness: the ImageMagick filter module's argument parser (parse_arguments in
 * Sources/ImageMagickFilter/stylize.c, included here unchanged) on the -process string as
 * ImageMagick 6's mogrify.c splits it: StringToArgv, word 1 names the filter, the rest are its
 * argv (or, for "name=…", all after the '=' is one argument), as InvokeDynamicImageFilter gets
 * them. No image is read or made.
 *
 * Checks: no sanitizer report; a refused string leaves an OptionError in the exception; an
 * accepted one gives options the library takes (sf_output_size) and values in their ranges.
 */
#include "../Sources/ImageMagickFilter/stylize.c"

#include <assert.h>

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    MagickCoreGenesis((*argv)[0], MagickFalse);
    return 0;
}

static int in_args(const char *p, int argc, char **argv) {
    for (int i = 0; i < argc; i++)
        if (argv[i] && p >= argv[i] && p <= argv[i] + strlen(argv[i])) return 1;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return -1; /* a command line, not a file */
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    int count = 0;
    char **argv = StringToArgv(text, &count);
    if (argv == NULL) {
        free(text);
        return 0;
    }
    /* argv[0] is a placeholder program name, argv[1] the filter ("stylize"). A first word
     * with '=' ("stylize=…") makes mogrify pass everything after that '=' as one argument. */
    int argc = count > 2 ? count - 2 : 0;
    char **args = count > 2 ? argv + 2 : argv + count;
    char *whole[1];
    const char *eq = count > 1 ? strchr(argv[1], '=') : NULL;
    if (eq) {
        whole[0] = strchr(text, '=') + 1;
        argc = 1;
        args = whole;
    }

    ExceptionInfo *exception = AcquireExceptionInfo();
    arguments a;
    int ok = parse_arguments(argc, (const char **)args, &a, exception);
    if (!ok) {
        assert(exception->severity == OptionError);
    } else {
        assert(exception->severity == UndefinedException);
        assert(a.style_count >= 1 && a.style_count <= MAX_STYLES);
        assert(a.blend_count == 0 || a.blend_count == a.style_count);
        for (size_t i = 0; i < a.style_count; i++) assert(in_args(a.styles[i], argc, args) && *a.styles[i]);
        for (size_t i = 0; i < a.blend_count; i++) assert(isfinite(a.blend[i]) && a.blend[i] >= 0);
        assert(a.options.iterations >= 1 && a.options.iterations <= 1000000);
        assert(a.options.scales >= 1 && a.options.scales <= 8);
        assert(a.options.threads >= 0 && a.options.threads <= 256);
        assert(isfinite(a.options.learning_rate) && a.options.learning_rate > 0);
        assert(a.options.init != SF_INIT_IMAGE || in_args(a.init_path, argc, args));
        assert(a.model == NULL || in_args(a.model, argc, args));
        uint32_t w, h;
        int rc = sf_output_size(&a.options, 640, 480, &w, &h);
        assert(rc == SF_OK);
        assert(w == (a.options.max_size == 0 || a.options.max_size >= 640 ? 640 : a.options.max_size));
    }
    exception = DestroyExceptionInfo(exception);
    free(text);
    for (int i = 0; i < count; i++) argv[i] = DestroyString(argv[i]);
    argv = (char **)RelinquishMagickMemory(argv);
    return 0;
}
