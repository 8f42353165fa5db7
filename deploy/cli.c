/* deploy/cli.c: option parsing helpers shared by the subcommands (see cli.h). */
#include "deploy/cli.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Whole-string integer options: atoi would read "10x" as 10 and "ten" as 0 without a word. */
int cli_long(const char *cmd, const char *opt, const char *v, long lo, long hi, const char *why, long *out) {
  char *end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (end == v || *end || errno == ERANGE) {
    fprintf(stderr, "drl2move %s: %s '%s' is not an integer\n", cmd, opt, v);
    return -1;
  }
  if (x < lo || x > hi) {
    fprintf(stderr, "drl2move %s: %s %ld outside %ld..%ld (%s)\n", cmd, opt, x, lo, hi, why);
    return -1;
  }
  *out = x;
  return 0;
}

/* Any 64-bit unsigned, whole string, no sign (strtoull would wrap "-1"). */
int cli_u64(const char *cmd, const char *opt, const char *v, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long x = v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 10) : 0;
  if (!(v[0] >= '0' && v[0] <= '9') || *end || errno == ERANGE) {
    fprintf(stderr, "drl2move %s: %s '%s' is not an unsigned 64-bit integer\n", cmd, opt, v);
    return -1;
  }
  *out = x;
  return 0;
}


/* A real option, whole string, in lo..hi (lo excluded where lo_open): atof would turn "0.05bw" or
 * "fast" into 0.05 or 0 without a word, and a zero threshold finds contact everywhere. */
int cli_real(const char *cmd, const char *opt, const char *v, double lo, int lo_open, double hi, const char *unit, double *out) {
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (end == v || *end || errno == ERANGE || !isfinite(x))
    return fprintf(stderr, "drl2move %s: %s '%s' is not a number\n", cmd, opt, v), -1;
  if (x < lo || (lo_open && x == lo) || x > hi)
    return fprintf(stderr, "drl2move %s: %s %g outside %s%g..%g] %s\n", cmd, opt, x, lo_open ? "(" : "[", lo, hi, unit),
           -1;
  *out = x;
  return 0;
}
