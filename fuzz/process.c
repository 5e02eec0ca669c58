/*
 * libFuzzer harness: the ImageMagick filter module's settings parser (parse_defines,
 * parse_process_arguments and check_arguments of Sources/ImageMagickFilter/stylize.c, included
 * here unchanged, called as stylizeImage calls them), without reading or making pixels.
 *
 * Input: the first line is the -process string, split as ImageMagick 6's mogrify.c does it:
 * StringToArgv, word 1 names the filter, the rest are its argv (or, for "name=…", all after the
 * '=' is one argument), as InvokeDynamicImageFilter gets them. Every further line NAME=VALUE is a
 * `-define stylize:NAME=VALUE`, which ImageMagick hands over as an artifact of the (empty) image.
 *
 * Checks: no sanitizer report; a refusal leaves an OptionError in the exception; accepted
 * settings are in their ranges, the images' paths point into the arguments or define texts, the
 * library takes them (sf_output_size), and a region= lies inside a 640×480 frame or is refused. Engine options go through sf_options_set (the
 * library's option table), which keeps its own copies of list texts.
 */
#include "../Sources/ImageMagickFilter/stylize.c"

#include <assert.h>

int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc;
    MagickCoreGenesis((*argv)[0], MagickFalse);
    return 0;
}

static int inside(const char *p, int count, char **texts) {
    for (int i = 0; i < count; i++)
        if (texts[i] && p >= texts[i] && p <= texts[i] + strlen(texts[i])) return 1;
    return 0;
}

/* Where an accepted setting's text may live: an argument or a define's "-define …" text. */
static int owned(const char *p, int argc, char **args, size_t shown_count, char **shown) {
    return inside(p, argc, args) || inside(p, (int)shown_count, shown);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return -1; /* a command line, not a file */
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    char *defines = strchr(text, '\n');
    if (defines) *defines++ = 0;

    Image *image = AcquireImage(NULL);
    for (char *line = defines; line && *line;) {
        char *next = strchr(line, '\n');
        if (next) *next++ = 0;
        char key[MaxTextExtent];
        char *eq = strchr(line, '=');
        (void)snprintf(key, sizeof key, "stylize:%.*s", (int)(eq ? eq - line : (ptrdiff_t)strlen(line)),
                       line);
        (void)SetImageArtifact(image, key, eq ? eq + 1 : "");
        line = next;
    }

    int count = 0;
    char **argv = StringToArgv(text, &count);
    /* argv[0] is a placeholder program name, argv[1] the filter ("stylize"). A first word
     * with '=' ("stylize=…") makes mogrify pass everything after that '=' as one argument. */
    int argc = argv && count > 2 ? count - 2 : 0;
    char **args = argv && count > 2 ? argv + 2 : NULL;
    char *whole[1];
    if (argv && count > 1 && strchr(argv[1], '=')) {
        whole[0] = strchr(text, '=') + 1;
        argc = 1;
        args = whole;
    }

    ExceptionInfo *exception = AcquireExceptionInfo();
    arguments a;
    memset(&a, 0, sizeof a);
    sf_options_init(&a.options, sizeof a.options);
    char *shown[MAX_DEFINES];
    size_t shown_count = 0;
    int ok = parse_defines(image, &a, shown, &shown_count, exception) &&
             parse_process_arguments(argc, (const char **)args, &a, exception) &&
             check_arguments(&a, exception);
    if (!ok) {
        assert(exception->severity == OptionError || exception->severity == ResourceLimitError);
    } else {
        assert(exception->severity == UndefinedException);
        assert(a.style_count >= 1 && a.style_count <= SF_MAX_STYLES);
        assert(a.blend_count == 0 || a.blend_count == a.style_count);
        for (size_t i = 0; i < a.style_count; i++)
            assert(*a.styles[i] && owned(a.styles[i], argc, args, shown_count, shown));
        for (size_t i = 0; i < a.blend_count; i++) assert(isfinite(a.blend[i]) && a.blend[i] >= 0);
        assert(a.options.iterations >= 1 && a.options.iterations <= 1000000);
        assert(a.options.scales >= 1 && a.options.scales <= 8);
        assert(a.options.threads >= 0 && a.options.threads <= 256);
        assert(isfinite(a.options.learning_rate) && a.options.learning_rate > 0);
        assert(a.options.max_size == 0 ||
               (a.options.max_size >= 16 && a.options.max_size <= SF_MAX_RESULT_SIDE));
        assert(a.options.work_size >= 64 && a.options.work_size <= SF_MAX_RESULT_SIDE);
        assert(a.options.max_memory >= (256u << 20));
        assert(a.options.init != SF_INIT_IMAGE || owned(a.init_path, argc, args, shown_count, shown));
        assert(a.model == NULL || owned(a.model, argc, args, shown_count, shown));
        assert((a.channels & ~COLOUR_CHANNELS) == 0);
        if (a.region) {
            /* Placed on a 640×480 frame as stylize_frame places it: inside, or an OptionError. */
            assert(IsGeometry(a.region) && owned(a.region, argc, args, shown_count, shown));
            image->columns = 640;
            image->rows = 480;
            RectangleInfo r;
            if (region_rectangle(image, a.region, &r, exception))
                assert(r.x >= 0 && r.y >= 0 && r.width >= 1 && r.height >= 1 &&
                       r.x + (ssize_t)r.width <= 640 && r.y + (ssize_t)r.height <= 480);
            else
                assert(exception->severity == OptionError);
        }
        uint32_t w, h;
        int rc = sf_output_size(&a.options, 640, 480, &w, &h);
        assert(rc == SF_OK);
        assert(w == (a.options.max_size == 0 || a.options.max_size >= 640 ? 640 : a.options.max_size));
    }
    for (size_t i = 0; i < shown_count; i++) free(shown[i]);
    exception = DestroyExceptionInfo(exception);
    image = DestroyImage(image);
    if (argv) {
        for (int i = 0; i < count; i++) argv[i] = DestroyString(argv[i]);
        argv = (char **)RelinquishMagickMemory(argv);
    }
    free(text);
    return 0;
}
