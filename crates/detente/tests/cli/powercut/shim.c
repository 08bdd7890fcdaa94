/*
 * A power cut, recorded: an LD_PRELOAD shim for the power-cut test
 * (powercut.rs). For every file under $POWERCUT_WATCH it keeps what a disk
 * would hold after a power failure: a file's content as of its last fsync
 * (or fdatasync), and a rename only once the directory holding it has been
 * fsynced. It writes that state under $POWERCUT_DURABLE, where the test
 * reads it back after killing the process, as the disk the machine would
 * boot from.
 *
 * The model: data not synced is lost; a new file's name is kept with its
 * first sync; a rename is kept only once its directory is synced (as the
 * signer state's is), and until then the old name keeps the old content.
 * Real file systems often keep more.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

/* Renames waiting for their directory to be synced. */
#define MAX_PENDING 256
static char pending_from[MAX_PENDING][PATH_MAX];
static char pending_to[MAX_PENDING][PATH_MAX];
static int pending = 0;

static int (*real_fsync)(int);
static int (*real_fdatasync)(int);
static int (*real_rename)(const char *, const char *);

static void resolve(void) {
    if (!real_fsync) {
        real_fsync = dlsym(RTLD_NEXT, "fsync");
        real_fdatasync = dlsym(RTLD_NEXT, "fdatasync");
        real_rename = dlsym(RTLD_NEXT, "rename");
    }
}

/* The watched directory, or NULL when the shim is not asked to record. */
static const char *watched(void) { return getenv("POWERCUT_WATCH"); }

static int is_watched(const char *path) {
    const char *watch = watched();
    size_t n = watch ? strlen(watch) : 0;
    return watch && strncmp(path, watch, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Where the durable copy of a watched file's name lives. */
static void durable_path(const char *path, char *out) {
    const char *name = strrchr(path, '/');
    snprintf(out, PATH_MAX, "%s/%s", getenv("POWERCUT_DURABLE"), name ? name + 1 : path);
}

/* Copies `from` to `to` through a temporary name, so the test never reads a half-written copy. */
static void copy_file(const char *from, const char *to) {
    char temporary[PATH_MAX];
    snprintf(temporary, sizeof temporary, "%s.copying", to);
    int in = open(from, O_RDONLY | O_CLOEXEC);
    if (in < 0) return;
    int out = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out < 0) {
        close(in);
        return;
    }
    char buffer[1 << 16];
    ssize_t n;
    while ((n = read(in, buffer, sizeof buffer)) > 0) {
        if (write(out, buffer, (size_t)n) != n) break;
    }
    close(in);
    close(out);
    real_rename(temporary, to);
}

/* What a sync of `fd` makes durable: a file's content, or a directory's pending renames. */
static void record_sync(int fd) {
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n < 0) return;
    path[n] = '\0';
    if (!is_watched(path)) return;
    struct stat st;
    if (fstat(fd, &st) != 0) return;
    pthread_mutex_lock(&lock);
    if (S_ISDIR(st.st_mode)) {
        for (int i = 0; i < pending; i++) {
            char from[PATH_MAX], to[PATH_MAX];
            durable_path(pending_from[i], from);
            durable_path(pending_to[i], to);
            /* The new name now holds what the old name durably held (nothing, if never synced). */
            if (access(from, F_OK) == 0) {
                real_rename(from, to);
            } else {
                int empty = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
                if (empty >= 0) close(empty);
            }
        }
        pending = 0;
    } else {
        char durable[PATH_MAX];
        durable_path(path, durable);
        copy_file(path, durable);
    }
    pthread_mutex_unlock(&lock);
}

int fsync(int fd) {
    resolve();
    int result = real_fsync(fd);
    if (result == 0 && watched()) record_sync(fd);
    return result;
}

int fdatasync(int fd) {
    resolve();
    int result = real_fdatasync(fd);
    if (result == 0 && watched()) record_sync(fd);
    return result;
}

int rename(const char *from, const char *to) {
    resolve();
    int result = real_rename(from, to);
    if (result == 0 && watched() && is_watched(to)) {
        char absolute_from[PATH_MAX], absolute_to[PATH_MAX];
        /* The paths the program gave may be relative; the directory's is not. */
        if (from[0] != '/' || to[0] != '/') {
            char cwd[PATH_MAX];
            if (!getcwd(cwd, sizeof cwd)) return result;
            snprintf(absolute_from, sizeof absolute_from, "%s/%s", cwd, from);
            snprintf(absolute_to, sizeof absolute_to, "%s/%s", cwd, to);
        } else {
            snprintf(absolute_from, sizeof absolute_from, "%s", from);
            snprintf(absolute_to, sizeof absolute_to, "%s", to);
        }
        pthread_mutex_lock(&lock);
        if (pending < MAX_PENDING) {
            snprintf(pending_from[pending], PATH_MAX, "%s", absolute_from);
            snprintf(pending_to[pending], PATH_MAX, "%s", absolute_to);
            pending++;
        }
        pthread_mutex_unlock(&lock);
    }
    return result;
}
