/*
 * libFuzzer harness: the GIMP plug-in's option string (Sources/GimpPlugin/neural_style.c, included
 * here unchanged): ns_settings_parse with a host that has the plug-in's own keys, as gimp2.c calls
 * it with the PDB's style-file and options arguments; ns_setting_value and ns_append_setting.
 *
 * Input: the first line is the style-file argument, the rest the options string.
 *
 * Checks: no sanitizer report; a refusal has a message of one line; accepted settings have a
 * style, a blend of one weight per style (or none), full-size results and style files that are
 * not empty; every accepted NAME=VALUE reads back by ns_setting_value; any value written by
 * ns_append_setting reads back unchanged, beside the others.
 */
#include "../Sources/GimpPlugin/neural_style.c"

#include <assert.h>

static int host_set(void *user, const char *name, const char *value, char *error, size_t size) {
    (void)user;
    if (strcmp(name, "output") == 0 && strcmp(value, "replace") && strcmp(value, "new-layer")) {
        snprintf(error, size, "output=%s: give replace or new-layer", value);
        return 0;
    }
    return 1;
}

static const char *const host_keys[] = {"output", "mask", NULL};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size > 4096) return -1; /* a PDB argument, not a file */
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    char *options = strchr(text, '\n');
    if (options) *options++ = '\0';
    ns_host_keys host = {host_keys, host_set, NULL};
    ns_settings s;
    char error[1024];
    if (ns_settings_parse(&s, text, options ? options : "", &host, error, sizeof error)) {
        assert(s.style_count >= 1 && s.style_count <= SF_MAX_STYLES);
        assert(s.blend_count == 0 || s.blend_count == s.style_count);
        assert(s.options.max_size == 0);
        for (size_t i = 0; i < s.style_count; i++)
            assert(s.styles[i].kind == NS_STYLE_LAYER ? s.styles[i].id > 0
                                                      : s.styles[i].file && *s.styles[i].file);
        token *t = NULL;
        size_t n = 0;
        assert(tokenize(options ? options : "", &t, &n, error, sizeof error));
        for (size_t i = 0; i < n; i++) {
            char *value = ns_setting_value(options, t[i].name);
            assert(value != NULL);
            free(value);
        }
        free_tokens(t, n);
    } else {
        assert(error[0] != '\0' && strchr(error, '\n') == NULL);
    }
    ns_settings_free(&s);
    /* The style-file line as a value, between two others: it reads back as written. */
    char *line = NULL;
    if (*text && ns_append_setting(&line, "a", "1") && ns_append_setting(&line, "style", text) &&
        ns_append_setting(&line, "b", "2")) {
        char *back = ns_setting_value(line, "style");
        assert(back && strcmp(back, text) == 0);
        free(back);
    }
    free(line);
    free(text);
    return 0;
}
