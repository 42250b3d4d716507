/* outdir.c — see outdir.h.
 *
 * Invariants: while a folder is open, cleanup_path names its staging folder and
 * cleanup_phase says what the signal handler must undo: PHASE_WRITING (remove the staging
 * folder), PHASE_SWAPPING (the two-rename fallback moved the previous folder aside:
 * put it back, then remove the staging folder), PHASE_IDLE (nothing). Everything the
 * handler calls is async-signal-safe (open, getdents64, unlinkat, rename, kill, raise). */
#define _GNU_SOURCE   /* renameat2, syscall */
#include "app/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "app/report.h"
#include "sim/cfg.h"
#include "sim/strmap.h"

enum { PHASE_IDLE, PHASE_WRITING, PHASE_SWAPPING };

static char cleanup_path[4400];          /* the staging folder */
static char cleanup_aside[4400];         /* the previous folder, moved aside (fallback) */
static char cleanup_target[4400];
static volatile sig_atomic_t cleanup_phase;
static volatile sig_atomic_t child_pid;

/* ---- removal, async-signal-safe ------------------------------------------------------ */

struct dirent64_raw {
    uint64_t       ino;
    int64_t        off;
    unsigned short reclen;
    unsigned char  type;
    char           name[];
};

/* Removes name (relative to folder fd parent) and, when it is a folder, what it holds, up
 * to depth levels down. Symbolic links are removed, never followed. Returns 0 or -1. */
static int remove_at(int parent, const char *name, int depth)
{
    if (unlinkat(parent, name, 0) == 0 || errno == ENOENT)
        return 0;
    if ((errno != EISDIR && errno != EPERM) || depth <= 0)
        return -1;
    int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = -1;
    /* Entries removed while reading may make getdents skip some: read again until empty. */
    for (int pass = 0; pass < 16 && rc != 0; pass++) {
        union { char c[8192]; uint64_t align; } buf;
        if (lseek(fd, 0, SEEK_SET) < 0)
            break;
        long n;
        while ((n = syscall(SYS_getdents64, fd, buf.c, sizeof buf.c)) > 0)
            for (long off = 0; off < n;) {
                const struct dirent64_raw *d = (const struct dirent64_raw *)(buf.c + off);
                off += d->reclen;
                if (strcmp(d->name, ".") != 0 && strcmp(d->name, "..") != 0)
                    remove_at(fd, d->name, depth - 1);
            }
        rc = unlinkat(parent, name, AT_REMOVEDIR) == 0 || errno == ENOENT ? 0 : -1;
    }
    close(fd);
    return rc;
}

static void on_signal(int sig)
{
    int saved = errno;
    pid_t c = child_pid;
    if (c > 0) {
        kill(-c, SIGKILL);
        kill(c, SIGKILL);
    }
    if (cleanup_phase == PHASE_SWAPPING)
        rename(cleanup_aside, cleanup_target);
    if (cleanup_phase != PHASE_IDLE)
        remove_at(AT_FDCWD, cleanup_path, 4);
    cleanup_phase = PHASE_IDLE;
    signal(sig, SIG_DFL);
    raise(sig);
    errno = saved;
}

void outdir_signals_install(void)
{
    static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigfillset(&sa.sa_mask);
        sigaction(sigs[i], &sa, NULL);
    }
}

void outdir_watch_child(pid_t pid)
{
    child_pid = pid;
}

/* ---- what may be replaced ------------------------------------------------------------ */

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

#define JSON_WHOLE_MAX (1 << 24)    /* outdir_read_json's limit */
#define JSON_TAIL      (1 << 20)

cJSON *outdir_read_json(const char *dir, const char *name)
{
    char path[8192], why[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = cfg_fopen_regular(path, why, sizeof why);   /* a FIFO must not block slsim */
    if (!f)
        return NULL;
    char *text = malloc(JSON_WHOLE_MAX);
    size_t n = text ? fread(text, 1, JSON_WHOLE_MAX - 1, f) : 0;
    fclose(f);
    if (!text)
        return NULL;
    text[n] = '\0';
    cJSON *j = cJSON_Parse(text);
    free(text);
    return j;
}

/* The last keys of dir/name, from "generator" on, as an object: slsim writes "generator" and
 * "files" last, so a summary too large to read whole (a platform's worth of functions: 80
 * MB for 50,000) still says what it is from its tail. NULL when the tail does not. */
static cJSON *json_tail(const char *dir, const char *name)
{
    char path[8192], why[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = cfg_fopen_regular(path, why, sizeof why);
    if (!f)
        return NULL;
    char *text = malloc(JSON_TAIL + 2);
    size_t n = 0;
    if (text && fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size > JSON_WHOLE_MAX - 1 && fseek(f, size - JSON_TAIL, SEEK_SET) == 0)
            n = fread(text + 1, 1, JSON_TAIL, f);
    }
    fclose(f);
    cJSON *j = NULL;
    if (text && n > 0) {
        text[n + 1] = '\0';
        char *at = NULL;
        for (char *p = text + 1; (p = strstr(p, "\n\t\"generator\":")) != NULL; p++)
            at = p;
        if (at) {
            at[0] = '{';       /* the tail from "generator" on closes the summary's object */
            j = cJSON_Parse(at);
        }
    }
    free(text);
    return j;
}

/* dir/name parsed when it says slsim wrote it ("generator"); NULL otherwise. */
static cJSON *slsim_json(const char *dir, const char *name)
{
    cJSON *j = outdir_read_json(dir, name);
    if (!j)
        j = json_tail(dir, name);
    const cJSON *g = cJSON_GetObjectItemCaseSensitive(j, "generator");
    if (!cJSON_IsString(g) || strcmp(g->valuestring, "slsim") != 0) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

/* The "files" that dir's summary.json or study.json (written by slsim) lists; NULL when
 * neither does. */
static cJSON *listed_files(const char *dir)
{
    static const char *const names[] = { "summary.json", "study.json" };
    for (size_t i = 0; i < 2; i++) {
        cJSON *j = slsim_json(dir, names[i]);
        cJSON *files = cJSON_DetachItemFromObjectCaseSensitive(j, "files");
        cJSON_Delete(j);
        if (cJSON_IsArray(files))
            return files;
        cJSON_Delete(files);
    }
    return NULL;
}

int outdir_relist(const char *dir)
{
    static const char *const names[] = { "summary.json", "study.json" };
    for (size_t i = 0; i < 2; i++) {
        cJSON *j = slsim_json(dir, names[i]);
        if (!j || !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(j, "files"))) {
            cJSON_Delete(j);
            continue;
        }
        cJSON *files = cJSON_CreateArray();
        int rc = files && outdir_list(dir, files) == 0 ? 0 : -1;
        if (rc == 0 && !cJSON_ReplaceItemInObjectCaseSensitive(j, "files", files))
            rc = -1;
        else if (rc != 0)
            cJSON_Delete(files);
        char *text = rc == 0 ? cJSON_Print(j) : NULL;
        char path[8192];
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        rc = text && report_write_atomic(path, text, strlen(text)) == 0 ? 0 : -1;
        free(text);
        cJSON_Delete(j);
        return rc;
    }
    return 0;
}

static int is_listed(const cJSON *files, const char *name)
{
    for (const cJSON *f = files->child; f; f = f->next)
        if (cJSON_IsString(f) && !strcmp(f->valuestring, name))
            return 1;
    return 0;
}

/* Whether name is a temporary file slsim writes and renames: "<file>.<pid>.tmp"
 * (report_write_atomic) or ".plot-<name>.slsim-tmp.png|svg" (gnuplot's output). */
static int temporary_name(const char *name)
{
    if (!strncmp(name, ".plot-", 6) && (has_suffix(name, ".slsim-tmp.png") || has_suffix(name, ".slsim-tmp.svg")))
        return 1;
    size_t n = strlen(name);
    if (n < 7 || strcmp(name + n - 4, ".tmp") != 0)
        return 0;
    size_t k = n - 4;
    while (k > 0 && name[k - 1] >= '0' && name[k - 1] <= '9')
        k--;
    return k < n - 4 && k > 1 && name[k - 1] == '.' && name[0] != '.';
}

/* Whether name is a file an slsim before the "files" list wrote into a results folder. */
static int legacy_name(const char *name)
{
    static const char *const names[] = { "summary.json", "latency.csv", "timeseries.csv", "functions.csv",
        "cost.csv", "trace.csv", "report.html", "plots.sh", "compare.csv", "compare.txt",
        "compare-cost.csv", "cost-curve.csv", "cost-curve.dat", "break-even.csv", "tune.csv",
        "sweep.csv", "sweep.json", "sweep.dat", "study.json" };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcmp(name, names[i]))
            return 1;
    return !strncmp(name, "plot-", 5) && (has_suffix(name, ".png") || has_suffix(name, ".svg"));
}

/* Whether dir/plot-scripts holds nothing but gnuplot scripts slsim copied there (regular
 * *.gp files), each listed as "plot-scripts/NAME" when files is given. */
static int plot_scripts_only(const char *dir, const cJSON *files)
{
    char path[8192];
    snprintf(path, sizeof path, "%s/plot-scripts", dir);
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int ok = 1;
    for (struct dirent *e; ok && (e = readdir(d)) != NULL;) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char file[8704], listed[300];
        struct stat st;
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        snprintf(listed, sizeof listed, "plot-scripts/%.250s", e->d_name);
        ok = lstat(file, &st) == 0 && S_ISREG(st.st_mode) &&
             (has_suffix(e->d_name, ".gp") || temporary_name(e->d_name)) &&
             (!files || temporary_name(e->d_name) || is_listed(files, listed));
    }
    closedir(d);
    return ok;
}

/* Whether folder dir is one slsim may replace as a whole: empty, or a results folder of
 * slsim's — every entry a regular file listed in the "files" of the summary.json (or
 * study.json) slsim wrote there, or, for a folder of an slsim that wrote no list, a
 * summary.json or a study's table beside nothing but the files slsim writes, by their
 * exact names. Temporaries of slsim's own writes are allowed. A user's folder holding
 * anything else (a note, a .git folder, a data file) is never replaced. */
static int replaceable(const char *dir, char *why, size_t why_size)
{
    static const char *const markers[] = { "summary.json", "study.json", "compare.csv", "sweep.csv",
                                           "cost-curve.csv", "tune.csv" };
    DIR *d = opendir(dir);
    if (!d) {
        snprintf(why, why_size, "cannot read it: %s", strerror(errno));
        return 0;
    }
    cJSON *files = listed_files(dir);
    int entries = 0, marked = 0, foreign = 0;
    char first_foreign[64] = "";
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        entries++;
        for (size_t i = 0; i < sizeof markers / sizeof markers[0]; i++)
            marked |= !strcmp(e->d_name, markers[i]);
        char path[8192];
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        int known;
        if (lstat(path, &st) != 0)
            known = 0;
        else if (S_ISDIR(st.st_mode))
            known = !strcmp(e->d_name, "plot-scripts") && plot_scripts_only(dir, files);
        else
            known = S_ISREG(st.st_mode) && (temporary_name(e->d_name) ||
                                            (files ? is_listed(files, e->d_name) : legacy_name(e->d_name)));
        if (!known && !foreign++)
            snprintf(first_foreign, sizeof first_foreign, "%.40s", e->d_name);
    }
    closedir(d);
    cJSON_Delete(files);
    if (entries == 0 || (marked && !foreign))
        return 1;
    if (foreign)
        snprintf(why, why_size, "it is a folder slsim did not make (it holds '%s'); slsim replaces "
                 "its results folder as a whole: name a new or empty folder", first_foreign);
    else
        snprintf(why, why_size, "it is a folder slsim did not make (no summary.json); slsim replaces "
                 "its results folder as a whole: name a new or empty folder");
    return 0;
}

/* Splits path (no trailing slash) into parent folder and last name. */
static void split(const char *path, char *parent, size_t psize, char *base, size_t bsize)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(parent, psize, ".");
        snprintf(base, bsize, "%s", path);
    } else {
        snprintf(parent, psize, "%.*s", slash == path ? 1 : (int)(slash - path), path);
        snprintf(base, bsize, "%s", slash + 1);
    }
}

/* The start of the staging folders' names of a target called base: ".<base>.slsim-", with
 * a long base cut to 80 bytes and a hash of the whole, so two long names never share it. */
static void staging_prefix(const char *base, char *buf, size_t size)
{
    if (strlen(base) <= 100) {
        snprintf(buf, size, ".%s.slsim-", base);
        return;
    }
    snprintf(buf, size, ".%.80s~%08x.slsim-", base, (unsigned)(strmap_hash(base) & 0xffffffffu));
}

/* Removes what runs killed with SIGKILL left beside target: `.<base>.slsim-<pid>.tmp` and
 * `.aside` folders whose process no longer runs (an aside folder is put back first when
 * the target is missing: that run died between its two renames). */
static void clean_stale(const char *parent, const char *base, const char *target)
{
    DIR *d = opendir(parent);
    if (!d)
        return;
    char prefix[160];
    staging_prefix(base, prefix, sizeof prefix);
    size_t lp = strlen(prefix);
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strncmp(e->d_name, prefix, lp) != 0)
            continue;
        char *end;
        long pid = strtol(e->d_name + lp, &end, 10);
        int aside = !strcmp(end, ".aside");
        if (end == e->d_name + lp || (!aside && strcmp(end, ".tmp") != 0) || pid <= 0)
            continue;
        if (pid != (long)getpid() && (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
            continue;   /* another run, still going */
        char path[8400];
        snprintf(path, sizeof path, "%s/%s", parent, e->d_name);
        struct stat st;
        if (aside && lstat(target, &st) != 0 && rename(path, target) == 0)
            continue;
        remove_at(AT_FDCWD, path, 4);
    }
    closedir(d);
}

int outdir_begin(outdir *o, const char *dir, char *err, size_t err_size)
{
    memset(o, 0, sizeof *o);
    char path[4096];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof path - 200) {
        snprintf(err, err_size, "%.200s: the results folder's name is empty or too long", dir);
        return -1;
    }
    memcpy(path, dir, n + 1);
    while (n > 1 && path[n - 1] == '/')
        path[--n] = '\0';
    struct stat st;
    if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
        char *real = realpath(path, NULL);   /* a link to a folder: replace the folder */
        if (!real || strlen(real) >= sizeof path - 200) {
            snprintf(err, err_size, "%s: the results folder is a link that leads nowhere usable", dir);
            free(real);
            return -1;
        }
        snprintf(path, sizeof path, "%s", real);
        free(real);
    }
    char parent[4096], base[4096];
    split(path, parent, sizeof parent, base, sizeof base);
    if (!*base || !strcmp(base, ".") || !strcmp(base, "..") || !strcmp(path, "/")) {
        snprintf(err, err_size, "%s: not a folder slsim can replace as a whole: name a new folder "
                 "(e.g. results/NAME)", dir);
        return -1;
    }
    if (stat(path, &st) == 0) {
        if (!S_ISDIR(st.st_mode)) {
            snprintf(err, err_size, "%s: exists and is not a folder: name a folder for the results", dir);
            return -1;
        }
        char why[256], *real = realpath(path, NULL), *cwd = getcwd(NULL, 0);
        size_t lr = real ? strlen(real) : 0;
        int holds_cwd = real && cwd && !strncmp(cwd, real, lr) && (cwd[lr] == '/' || !cwd[lr] || lr == 1);
        free(real);
        free(cwd);
        if (holds_cwd) {
            snprintf(err, err_size, "%s: holds the current folder; name another folder for the results", dir);
            return -1;
        }
        if (access(path, W_OK | X_OK) != 0) {
            snprintf(err, err_size, "%s: cannot write in the results folder: %s", dir, strerror(errno));
            return -1;
        }
        if (!replaceable(path, why, sizeof why)) {
            snprintf(err, err_size, "%s: %s", dir, why);
            return -1;
        }
        struct stat up;
        char parent_path[4200];
        snprintf(parent_path, sizeof parent_path, "%s/..", path);
        if (stat(parent_path, &up) == 0 && up.st_dev != st.st_dev) {
            snprintf(err, err_size, "%s: is a mount point, which cannot be replaced as a whole: name a "
                     "folder inside it", dir);
            return -1;
        }
    } else if (errno != ENOENT) {
        snprintf(err, err_size, "%s: cannot use as the results folder: %s", dir, strerror(errno));
        return -1;
    } else if (report_mkdir_p(parent) != 0) {
        snprintf(err, err_size, "%s: cannot create the results folder's parent %s: %s", dir, parent,
                 strerror(errno));
        return -1;
    }
    clean_stale(parent, base, path);
    snprintf(o->target, sizeof o->target, "%s", path);
    char prefix[160];
    staging_prefix(base, prefix, sizeof prefix);
    snprintf(o->staging, sizeof o->staging, "%s/%s%ld.tmp", parent, prefix, (long)getpid());
    /* Armed before the folder exists, so no instant has a folder the handler would miss. */
    memcpy(cleanup_path, o->staging, sizeof cleanup_path);
    memcpy(cleanup_target, o->target, sizeof cleanup_target);
    cleanup_phase = PHASE_WRITING;
    remove_at(AT_FDCWD, o->staging, 4);
    if (mkdir(o->staging, 0777) != 0) {
        cleanup_phase = PHASE_IDLE;
        snprintf(err, err_size, "%s: cannot write the results folder in %s: %s", dir, parent, strerror(errno));
        return -1;
    }
    o->open = 1;
    return 0;
}

static void sync_folder(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

int outdir_commit(outdir *o, char *err, size_t err_size)
{
    if (!o->open)
        return 0;
    char parent[4096], base[4096];
    split(o->target, parent, sizeof parent, base, sizeof base);
    sync_folder(o->staging);
    struct stat st;
    int rc = 0;
    char why[256];
    if (lstat(o->target, &st) == 0 && !replaceable(o->target, why, sizeof why)) {
        /* Someone put a file of theirs in the folder while slsim ran: it is theirs now.
         * The new results go beside it, complete, under a name that says what they are. */
        char aside[4500];
        snprintf(aside, sizeof aside, "%s.new-%ld", o->target, (long)getpid());
        if (rename(o->staging, aside) == 0) {
            cleanup_phase = PHASE_IDLE;
            o->open = 0;
            snprintf(err, err_size, "%s: changed while slsim ran (%s); it was left as it is and the new "
                     "results are in %s", o->target, why, aside);
        } else {
            snprintf(err, err_size, "%s: changed while slsim ran (%s); it was left as it is", o->target, why);
            outdir_abort(o);
        }
        return -1;
    }
    if (lstat(o->target, &st) == 0)
        chmod(o->staging, st.st_mode & 07777);   /* the folder keeps its permissions */
    if (lstat(o->target, &st) != 0) {
        rc = rename(o->staging, o->target);
    } else if (renameat2(AT_FDCWD, o->staging, AT_FDCWD, o->target, RENAME_EXCHANGE) == 0) {
        /* The staging name now holds the previous folder: on_signal or the line below
         * removes it. */
    } else if (errno == EINVAL || errno == ENOSYS) {
        /* A file system without the exchange: move the previous folder aside, then swap;
         * a signal in between puts it back, and so does the next run after SIGKILL. */
        char prefix[160];
        staging_prefix(base, prefix, sizeof prefix);
        snprintf(cleanup_aside, sizeof cleanup_aside, "%s/%s%ld.aside", parent, prefix, (long)getpid());
        cleanup_phase = PHASE_SWAPPING;
        rc = rename(o->target, cleanup_aside);
        if (rc == 0 && rename(o->staging, o->target) != 0) {
            rc = -1;
            int saved = errno;
            rename(cleanup_aside, o->target);
            errno = saved;
        }
        if (rc == 0) {
            cleanup_phase = PHASE_WRITING;
            remove_at(AT_FDCWD, cleanup_aside, 4);
        }
    } else {
        rc = -1;
    }
    if (rc != 0) {
        snprintf(err, err_size, "%s: cannot put the results folder in place: %s", o->target, strerror(errno));
        outdir_abort(o);
        return -1;
    }
    remove_at(AT_FDCWD, o->staging, 4);
    cleanup_phase = PHASE_IDLE;
    o->open = 0;
    sync_folder(parent);
    return 0;
}

void outdir_message(const outdir *o, char *msg, size_t size)
{
    size_t ls = strlen(o->staging);
    char *at = ls ? strstr(msg, o->staging) : NULL;
    if (!at)
        return;
    char rest[4096];
    snprintf(rest, sizeof rest, "%s", at + ls);
    snprintf(at, size - (size_t)(at - msg), "%s%s", o->target, rest);
}

void outdir_abort(outdir *o)
{
    if (!o->open)
        return;
    remove_at(AT_FDCWD, o->staging, 4);
    cleanup_phase = PHASE_IDLE;
    o->open = 0;
}

/* ---- the run's files ----------------------------------------------------------------- */

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Appends the regular files of dir (as prefix/name) to names; sub-folders one level down. */
static int collect(const char *dir, const char *prefix, char ***names, size_t *n, size_t *cap, int depth)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int rc = 0;
    for (struct dirent *e; rc == 0 && (e = readdir(d)) != NULL;) {
        if (e->d_name[0] == '.')
            continue;   /* temporaries of atomic writes, . and .. */
        char path[8192], rel[8192];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        snprintf(rel, sizeof rel, "%s%s", prefix, e->d_name);
        struct stat st;
        if (lstat(path, &st) != 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth > 0) {
            char sub[8200];
            snprintf(sub, sizeof sub, "%s/", rel);
            rc = collect(path, sub, names, n, cap, depth - 1);
            continue;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        if (*n == *cap) {
            size_t grown = *cap ? 2 * *cap : 32;
            char **p = realloc(*names, grown * sizeof *p);
            if (!p) {
                rc = -1;
                break;
            }
            *names = p;
            *cap = grown;
        }
        if (!((*names)[*n] = strdup(rel)))
            rc = -1;
        else
            (*n)++;
    }
    closedir(d);
    return rc;
}

int outdir_list(const char *dir, cJSON *array)
{
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = collect(dir, "", &names, &n, &cap, 1);
    if (rc == 0)
        qsort(names, n, sizeof *names, by_name);
    for (size_t i = 0; i < n; i++) {
        if (rc == 0 && !cJSON_AddItemToArray(array, cJSON_CreateString(names[i])))
            rc = -1;
        free(names[i]);
    }
    free(names);
    return rc;
}
