/* common/log.c: see log.h. */
#include "common/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static struct {
  int rank;
  log_level level;
  double t0;
  int started;
  FILE *file;
  int setup_lines;
  int file_errno; /* first failed write to file (a full disk): the learner stops on it */
  double offset;  /* added to the elapsed seconds shown: a resumed run's clock goes on */
} g_log = {0, LOG_INFO, 0.0, 0, NULL, 1, 0, 0.0};

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static const char *k_names[] = {"debug", "info", "warn", "error", "off"};

const char *log_level_name(log_level l) { return (l >= LOG_DEBUG && l <= LOG_OFF) ? k_names[l] : "?"; }

int log_parse_level(const char *s, log_level *out) {
  for (int i = 0; i <= LOG_OFF; i++)
    if (strcmp(s, k_names[i]) == 0) { *out = (log_level)i; return 0; }
  return -1;
}

void log_init(int rank, log_level level) {
  if (!g_log.started) { g_log.t0 = now_s(); g_log.started = 1; }
  g_log.rank = rank;
  g_log.level = level;
  const char *env = getenv("D2M_LOG");
  log_level l;
  if (env && *env && log_parse_level(env, &l) == 0) g_log.level = l;
}

log_level log_get_level(void) { return g_log.level; }
void log_set_file(FILE *f) {
  g_log.file = f;
  g_log.file_errno = 0;
}
int log_file_error(void) { return g_log.file_errno; }
void log_set_offset(double seconds) { g_log.offset = seconds; }

double log_elapsed(void) {
  if (!g_log.started) { g_log.t0 = now_s(); g_log.started = 1; }
  return now_s() - g_log.t0;
}

static int vemit(FILE *f, log_level level, const char *fmt, va_list ap) {
  /* One fprintf per line so lines from threads/ranks sharing a stream do not interleave. */
  char buf[4096], stamp[32];
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(stamp, sizeof stamp, "%Y-%m-%d %H:%M:%S", &tm);
  int n = snprintf(buf, sizeof buf, "[%s %.3f r%03d %s] ", stamp, g_log.offset + log_elapsed(), g_log.rank,
                   k_names[level]);
  if (n < 0) n = 0;
  vsnprintf(buf + n, sizeof buf - (size_t)n, fmt, ap);
  int bad = fprintf(f, "%s\n", buf) < 0;
  bad |= fflush(f) != 0;
  return bad ? -1 : 0;
}

void log_msg(log_level level, const char *fmt, ...) {
  if (level < g_log.level || level >= LOG_OFF) return;
  va_list ap;
  va_start(ap, fmt);
  va_list ap2;
  va_copy(ap2, ap);
  vemit(level >= LOG_WARN ? stderr : stdout, level, fmt, ap);
  if (g_log.file && vemit(g_log.file, level, fmt, ap2) && !g_log.file_errno) {
    g_log.file_errno = errno ? errno : EIO;
    fprintf(stderr, "[%.3f r%03d error] writing the log file failed: %s\n", log_elapsed(), g_log.rank,
            strerror(g_log.file_errno));
  }
  va_end(ap2);
  va_end(ap);
}

void log_set_setup_lines(int on) { g_log.setup_lines = on; }

void log_setup_msg(const char *fmt, ...) {
  if (!g_log.setup_lines || LOG_INFO < g_log.level) return;
  char buf[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  log_msg(LOG_INFO, "%s", buf);
}

void d2m_fatal(const char *file, int line, const char *fmt, ...) {
  char msg[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "[%.3f r%03d FATAL] %s:%d: %s\n", log_elapsed(), g_log.rank, file, line, msg);
  if (g_log.file) {
    fprintf(g_log.file, "[%.3f r%03d FATAL] %s:%d: %s\n", log_elapsed(), g_log.rank, file, line, msg);
    fflush(g_log.file);
  }
  fflush(stderr);
  abort();
}

void *d2m_malloc_at(size_t n, const char *file, int line) {
  void *p = malloc(n ? n : 1);
  if (!p) d2m_fatal(file, line, "out of memory allocating %zu bytes (hint: lower env.num_envs or batch sizes)", n);
  return p;
}

void *d2m_calloc_at(size_t count, size_t size, const char *file, int line) {
  void *p = calloc(count ? count : 1, size ? size : 1);
  if (!p) d2m_fatal(file, line, "out of memory allocating %zu x %zu bytes", count, size);
  return p;
}

void *d2m_aligned_at(size_t n, const char *file, int line) {
  size_t sz = (n + 63) & ~(size_t)63;
  void *p = aligned_alloc(64, sz ? sz : 64);
  if (!p) d2m_fatal(file, line, "out of memory allocating %zu aligned bytes", n);
  memset(p, 0, sz ? sz : 64);
  return p;
}

int err_set(d2m_err *e, const char *fmt, ...) {
  if (!e) return -1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->msg, sizeof e->msg, fmt, ap);
  va_end(ap);
  return -1;
}

int err_wrap(d2m_err *e, const char *fmt, ...) {
  if (!e) return -1;
  char prefix[512];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(prefix, sizeof prefix, fmt, ap);
  va_end(ap);
  /* "prefix: old", truncated at the buffer's end. */
  size_t lp = strlen(prefix), lo = strnlen(e->msg, sizeof e->msg - 1), cap = sizeof e->msg - 1;
  size_t shift = lp + 2 < cap ? lp + 2 : cap;
  size_t keep = lo + shift <= cap ? lo : cap - shift;
  memmove(e->msg + shift, e->msg, keep);
  e->msg[shift + keep] = 0;
  memcpy(e->msg, prefix, shift >= 2 ? shift - 2 : shift);
  if (shift >= 2) memcpy(e->msg + shift - 2, ": ", 2);
  return -1;
}
