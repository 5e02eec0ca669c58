/* Temporary files that must not outlive the `stylize` process when it is stopped by SIGINT,
 * SIGTERM or SIGHUP. The handler does only async-signal-safe work: it removes the registered
 * files (paths kept in preallocated static buffers), restores the default action and raises the
 * signal again, so the process ends as killed by that signal (a shell shows 128 + its number).
 * Only the `stylize` command installs the handlers (sc_install); a library a host loads never
 * does. StyleKernel's AtomicFile registers every temporary file it writes; without handlers the
 * registration only keeps the path until sc_release. */
#ifndef STYLEFILTER_SIGNAL_CLEANUP_H
#define STYLEFILTER_SIGNAL_CLEANUP_H

#ifdef __cplusplus
extern "C" {
#endif

/* Installs the handlers for SIGINT, SIGTERM and SIGHUP (a signal ignored when the process
 * started, as for background jobs or under nohup, stays ignored), and ignores SIGPIPE and
 * SIGXFSZ, so that writing to a closed pipe or past a file-size limit fails with EPIPE or EFBIG
 * instead of killing the process silently (and leaving a temporary file).
 * Returns 0, or -1 with errno set. Call once, early in main. */
int sc_install(void);

/* Like mkostemp(template, O_CLOEXEC): replaces the trailing XXXXXX of `template_path`, creates
 * the file (mode 0600) and opens it for writing. The new file is registered, with no window in
 * which a signal could leave it behind, and `*slot` receives its registration. Returns the
 * descriptor, or -1 with errno set (ENAMETOOLONG for a path too long to register, EMFILE when
 * every registration is in use). */
int sc_create_temporary(char *template_path, int *slot);

/* The file registered in `slot` has been renamed or removed: forget it. */
void sc_release(int slot);

/* Between these two calls (on one thread, not nested) SIGINT, SIGTERM and SIGHUP are held
 * back: blocked on the calling thread, and a handler that runs on another thread waits (up to
 * about ten seconds) for sc_release_signals before removing anything. A signal sent in between
 * so takes effect after the work done there, e.g. two renames that must not be separated. */
void sc_hold_signals(void);
void sc_release_signals(void);

/* Registers one directory of temporary files made by others (ImageMagick's pixel-cache spill
 * files, which it names and creates itself): on a signal the handler removes the files in it and
 * then the directory. The path is copied. Returns 0, or -1 with errno set (ENAMETOOLONG, or
 * EBUSY if a directory is already registered). */
int sc_register_directory(const char *path);

/* Removes the registered directory's files and the directory now, and forgets it (at exit,
 * after ImageMagick has removed what it still knew of). */
void sc_remove_directory(void);

#ifdef __cplusplus
}
#endif

#endif
