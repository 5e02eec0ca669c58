#define _GNU_SOURCE
#include "signal_cleanup.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* A registration's life: FREE -> CREATING (the creating thread has the signals blocked) ->
 * ARMED (the file exists) -> FREE (released after rename or unlink). The handler takes an ARMED
 * slot to CLEANING and never gives it back: the process is about to end. */
enum { FREE, CREATING, ARMED, CLEANING };
enum { SLOTS = 8, PATH_CAPACITY = 4096 };

static _Atomic int states[SLOTS];
static char paths[SLOTS][PATH_CAPACITY];

static const int cleanup_signals[] = {SIGINT, SIGTERM, SIGHUP};
enum { CLEANUP_SIGNAL_COUNT = sizeof cleanup_signals / sizeof cleanup_signals[0] };

/* Set between sc_hold_signals and sc_release_signals; the mask to restore then. */
static _Atomic int holding;
static sigset_t held_previous;

static void cleanup_signal_set(sigset_t *set) {
    sigemptyset(set);
    for (int i = 0; i < CLEANUP_SIGNAL_COUNT; i++) sigaddset(set, cleanup_signals[i]);
}

static void sleep_millisecond(void) {
    struct timespec millisecond = {0, 1000000};
    nanosleep(&millisecond, NULL);
}

/* The registered directory: FREE, or ARMED while `directory` holds its path; the handler or
 * sc_remove_directory takes it to CLEANING, once. */
static _Atomic int directory_state;
static char directory[PATH_CAPACITY];

/* Empties and removes the registered directory with async-signal-safe calls only: readdir may
 * allocate, so the entries are read with getdents64 into a static buffer. Only the thread that
 * took the directory to CLEANING gets here, so the buffer is never shared. */
static void remove_directory_contents(void) {
    static char entries[8192] __attribute__((aligned(8)));
    int fd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        for (;;) {
            long n = syscall(SYS_getdents64, fd, entries, sizeof entries);
            if (n <= 0) break;
            for (long offset = 0; offset < n;) {
                /* struct linux_dirent64: inode (8), offset (8), record length (2), type (1), name. */
                unsigned short length;
                memcpy(&length, entries + offset + 16, sizeof length);
                const char *name = entries + offset + 19;
                if (strcmp(name, ".") != 0 && strcmp(name, "..") != 0) unlinkat(fd, name, 0);
                offset += length;
            }
        }
        close(fd);
    }
    rmdir(directory);
}

static void cleanup_and_reraise(int sig) {
    int saved_errno = errno;
    /* Renames that belong together are under way on another thread (the holding thread blocks
     * these signals, so it is never this one): let them finish, so that the files left are
     * either the old ones or all the new ones. Renames take microseconds; the bound (about ten
     * seconds) only keeps a hung file system from making the process unstoppable. */
    for (int waited = 0; atomic_load(&holding) && waited < 10000; waited++) sleep_millisecond();
    for (int i = 0; i < SLOTS; i++) {
        /* CREATING lasts one open(2) on another thread (the creating thread blocks these signals,
         * so it is never this one); wait for it, but never more than about a second. */
        for (int waited = 0; atomic_load(&states[i]) == CREATING && waited < 1000; waited++)
            sleep_millisecond();
        int armed = ARMED;
        if (atomic_compare_exchange_strong(&states[i], &armed, CLEANING)) unlink(paths[i]);
    }
    int armed = ARMED;
    if (atomic_compare_exchange_strong(&directory_state, &armed, CLEANING)) remove_directory_contents();
    /* Blocked while this handler runs, so the raised signal is delivered, with its default
     * action, when the handler returns. */
    struct sigaction default_action;
    memset(&default_action, 0, sizeof default_action);
    default_action.sa_handler = SIG_DFL;
    sigemptyset(&default_action.sa_mask);
    sigaction(sig, &default_action, NULL);
    raise(sig);
    errno = saved_errno;
}

int sc_install(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = cleanup_and_reraise;
    sigemptyset(&action.sa_mask);
    /* While one handler cleans up, the other signals wait. */
    for (int i = 0; i < CLEANUP_SIGNAL_COUNT; i++) sigaddset(&action.sa_mask, cleanup_signals[i]);
    for (int i = 0; i < CLEANUP_SIGNAL_COUNT; i++) {
        struct sigaction current;
        if (sigaction(cleanup_signals[i], NULL, &current) != 0) return -1;
        if (current.sa_handler == SIG_IGN) continue;
        if (sigaction(cleanup_signals[i], &action, NULL) != 0) return -1;
    }
    /* Errors instead of deaths: EPIPE for a closed pipe, EFBIG past a file-size limit
     * (ulimit -f), both reported and cleaned up by the caller. */
    struct sigaction ignore;
    memset(&ignore, 0, sizeof ignore);
    ignore.sa_handler = SIG_IGN;
    sigemptyset(&ignore.sa_mask);
    if (sigaction(SIGPIPE, &ignore, NULL) != 0) return -1;
    return sigaction(SIGXFSZ, &ignore, NULL);
}

int sc_create_temporary(char *template_path, int *slot) {
    size_t length = strlen(template_path);
    if (length >= PATH_CAPACITY) {
        errno = ENAMETOOLONG;
        return -1;
    }
    sigset_t blocked, previous;
    cleanup_signal_set(&blocked);
    pthread_sigmask(SIG_BLOCK, &blocked, &previous);

    int chosen = -1;
    for (int i = 0; i < SLOTS && chosen < 0; i++) {
        int expected = FREE;
        if (atomic_compare_exchange_strong(&states[i], &expected, CREATING)) chosen = i;
    }
    int fd = -1, error = EMFILE;
    if (chosen >= 0) {
        fd = mkostemp(template_path, O_CLOEXEC);
        error = errno;
        if (fd >= 0) {
            memcpy(paths[chosen], template_path, length + 1);
            atomic_store(&states[chosen], ARMED);
            *slot = chosen;
        } else {
            atomic_store(&states[chosen], FREE);
        }
    }

    pthread_sigmask(SIG_SETMASK, &previous, NULL);
    if (fd < 0) errno = error;
    return fd;
}

void sc_release(int slot) {
    if (slot < 0 || slot >= SLOTS) return;
    int armed = ARMED;
    /* Fails only if a handler is already cleaning this slot up, and then the process is ending. */
    atomic_compare_exchange_strong(&states[slot], &armed, FREE);
}

void sc_hold_signals(void) {
    sigset_t blocked;
    cleanup_signal_set(&blocked);
    pthread_sigmask(SIG_BLOCK, &blocked, &held_previous);
    atomic_store(&holding, 1);
}

void sc_release_signals(void) {
    /* Cleared before unblocking: a signal pending on this thread runs the handler as soon as it
     * is unblocked, and the handler must not wait for this thread. */
    atomic_store(&holding, 0);
    pthread_sigmask(SIG_SETMASK, &held_previous, NULL);
}

int sc_register_directory(const char *path) {
    size_t length = strlen(path);
    if (length >= PATH_CAPACITY) {
        errno = ENAMETOOLONG;
        return -1;
    }
    int expected = FREE;
    if (!atomic_compare_exchange_strong(&directory_state, &expected, CREATING)) {
        errno = EBUSY;
        return -1;
    }
    memcpy(directory, path, length + 1);
    atomic_store(&directory_state, ARMED);
    return 0;
}

void sc_remove_directory(void) {
    int armed = ARMED;
    if (atomic_compare_exchange_strong(&directory_state, &armed, CLEANING)) remove_directory_contents();
}
