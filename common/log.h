/* common/log.h: leveled logging and the three error levels (docs/ARCHITECTURE.md).
 *
 *   fatal       a bug or a broken invariant: D2M_FATAL / D2M_CHECK abort with file:line and a hint.
 *   recoverable bad file, message or config: return -1 and fill an d2m_err; the caller decides.
 *   numerical   NaN or unstable simulation: counted and reset by the env, never reaches the weights.
 *
 * Every line is prefixed with seconds since start and the MPI rank: "[12.345 r003 warn] ...".
 * The level comes from log_init() (config key log.level) or the environment variable D2M_LOG.
 */
#ifndef D2M_LOG_H
#define D2M_LOG_H

#include <stddef.h>
#include <stdio.h>

typedef enum { LOG_DEBUG = 0, LOG_INFO = 1, LOG_WARN = 2, LOG_ERROR = 3, LOG_OFF = 4 } log_level;

/* Set the rank shown in the prefix and the minimum level. D2M_LOG (debug|info|warn|error|off)
 * overrides `level` when set. Safe to call again (e.g. once the rank is known). */
void log_init(int rank, log_level level);
int log_parse_level(const char *s, log_level *out); /* 0 on success */
const char *log_level_name(log_level l);
log_level log_get_level(void);
/* Also write every line to this file (the run directory's log); NULL stops it. */
void log_set_file(FILE *f);
double log_elapsed(void); /* seconds since log_init */

void log_msg(log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define LOG_D(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define LOG_I(...) log_msg(LOG_INFO, __VA_ARGS__)
#define LOG_W(...) log_msg(LOG_WARN, __VA_ARGS__)
#define LOG_E(...) log_msg(LOG_ERROR, __VA_ARGS__)

/* ---- fatal: bugs and broken invariants ---- */
_Noreturn void d2m_fatal(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
#define D2M_FATAL(...) d2m_fatal(__FILE__, __LINE__, __VA_ARGS__)
/* Check an invariant; `hint` (a string) says what to look at. Active in every build type. */
#define D2M_CHECK(cond, hint) \
  do { if (!(cond)) d2m_fatal(__FILE__, __LINE__, "check failed: %s (hint: %s)", #cond, (hint)); } while (0)

/* Allocation that cannot fail silently (start-up only: never in a step or update loop). */
void *d2m_malloc_at(size_t n, const char *file, int line);
void *d2m_calloc_at(size_t count, size_t size, const char *file, int line);
/* 64-byte aligned, zeroed: for BLIS buffers and parameter arenas. Free with free(). */
void *d2m_aligned_at(size_t n, const char *file, int line);
#define xmalloc(n) d2m_malloc_at((n), __FILE__, __LINE__)
#define xcalloc(c, s) d2m_calloc_at((c), (s), __FILE__, __LINE__)
#define xaligned(n) d2m_aligned_at((n), __FILE__, __LINE__)

/* libc calls that return -1/NULL and set errno. */
#define CHECK_LIBC(call) \
  do { if ((call) < 0) d2m_fatal(__FILE__, __LINE__, "%s failed: %m", #call); } while (0)

/* MPI calls: abort the whole job with the MPI error string. Defined in common/mpi_util.h so that
 * code without MPI does not need mpi.h. */

/* ---- recoverable errors ---- */
/* (not err_t: blis.h defines that name) */
typedef struct d2m_err {
  char msg[1024];
} d2m_err;
/* Format a message into e (if non-NULL) and return -1, so callers can write
 * `return err_set(e, "%s:%d: ...", file, line);`. */
int err_set(d2m_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prepend context: "context: <previous message>". Returns -1. */
int err_wrap(d2m_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
