/* envs/motion/motionlib.c: weighted clip library (see motionlib.h). */
#include "envs/motion/motionlib.h"
#include "common/files.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


void motionlib_init(motionlib *l) { memset(l, 0, sizeof *l); }

void motionlib_free(motionlib *l) {
  if (!l) return;
  for (int i = 0; i < l->n; i++) refmotion_free(&l->clips[i].ref);
  free(l->clips);
  free(l->cdf);
  memset(l, 0, sizeof *l);
}

static void rebuild(motionlib *l) {
  double s = 0;
  for (int i = 0; i < l->n; i++) s += l->clips[i].weight;
  l->total = s;
  double c = 0;
  for (int i = 0; i < l->n; i++) {
    c += l->clips[i].weight;
    l->cdf[i] = s > 0 ? c / s : 0;
  }
  /* exact 1 at the last positive weight, so a draw u < 1 always lands */
  for (int i = l->n - 1; i >= 0 && s > 0; i--) {
    l->cdf[i] = 1.0;
    if (l->clips[i].weight > 0) break;
  }
}

int motionlib_add(motionlib *l, const char *name, refmotion *ref, double weight, d2m_err *err) {
  if (!(weight >= 0) || !isfinite(weight)) return err_set(err, "motion library: clip '%s': weight %g is not >= 0", name, weight);
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 8;
    l->clips = realloc(l->clips, (size_t)l->cap * sizeof *l->clips);
    l->cdf = realloc(l->cdf, (size_t)l->cap * sizeof *l->cdf);
    D2M_CHECK(l->clips && l->cdf, "out of memory");
  }
  motionlib_clip *c = &l->clips[l->n++];
  snprintf(c->name, sizeof c->name, "%s", name);
  c->weight = weight;
  c->ref = *ref;
  memset(ref, 0, sizeof *ref);
  rebuild(l);
  return 0;
}

int motionlib_set_weight(motionlib *l, int i, double weight, d2m_err *err) {
  if (i < 0 || i >= l->n) return err_set(err, "motion library: clip %d out of range (%d clips)", i, l->n);
  if (!(weight >= 0) || !isfinite(weight)) return err_set(err, "motion library: clip '%s': weight %g is not >= 0", l->clips[i].name, weight);
  l->clips[i].weight = weight;
  rebuild(l);
  return 0;
}

double motionlib_prob(const motionlib *l, int i) {
  if (i < 0 || i >= l->n || l->total <= 0) return 0;
  return l->clips[i].weight / l->total;
}

int motionlib_sample(const motionlib *l, rng_t *r) {
  if (l->n == 0 || l->total <= 0) return -1;
  double u = rng_uniform(r);
  int lo = 0, hi = l->n - 1; /* first i with u < cdf[i] */
  while (lo < hi) {
    int mid = (lo + hi) / 2;
    if (u < l->cdf[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

int motionlib_find(const motionlib *l, const char *name) {
  for (int i = 0; i < l->n; i++)
    if (!strcmp(l->clips[i].name, name)) return i;
  return -1;
}

/* Splits one list line (comment already cut) into at most 4 blank-separated tokens; returns the count. */
static int split_tokens(char *s, char **tok) {
  int n = 0;
  for (char *q = s; *q;) {
    while (*q == ' ' || *q == '\t' || *q == '\r') *q++ = 0;
    if (!*q) break;
    if (n < 4) tok[n] = q;
    n++;
    while (*q && *q != ' ' && *q != '\t' && *q != '\r') q++;
  }
  return n;
}

/* One line: PATH [weight [cyclic]] -> *w, *cyc; -1 if malformed (a weight "2abc" or a cyclic "1.5"
 * would otherwise be read as 2 and 1). */
static int parse_line(char **tok, int ntok, double *w, int *cyc) {
  *w = 1, *cyc = 0;
  if (ntok < 1 || ntok > 3 || strlen(tok[0]) > 511) return -1;
  char *end;
  if (ntok >= 2) {
    errno = 0;
    *w = strtod(tok[1], &end);
    if (end == tok[1] || *end || errno) return -1;
  }
  if (ntok == 3) {
    if (strcmp(tok[2], "0") && strcmp(tok[2], "1")) return -1;
    *cyc = tok[2][0] == '1';
  }
  return 0;
}

int motionlib_load_list(motionlib *l, const mjModel *m, const char *path, double dt, d2m_err *err) {
  uint8_t *buf;
  size_t n;
  if (file_slurp(path, 1 << 20, &buf, &n, err)) return -1;
  char dir[512] = ".";
  const char *slash = strrchr(path, '/');
  if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  int line = 0, rc = 0;
  char *next = (char *)buf;
  for (char *s = next; s && !rc; s = next) {
    line++; /* every line counts, blank or comment, so file:line points at the right one */
    next = strchr(s, '\n');
    if (next) *next++ = 0;
    char *hash = strchr(s, '#');
    if (hash) *hash = 0;
    char shown[600], *tok[4];
    snprintf(shown, sizeof shown, "%s", s);
    int ntok = split_tokens(s, tok), cyc;
    double w;
    if (ntok == 0) continue;
    if (parse_line(tok, ntok, &w, &cyc)) {
      rc = err_set(err, "%s:%d: expected 'PATH [WEIGHT [CYCLIC 0|1]]', got '%s'", path, line, shown);
      break;
    }
    char full[1100];
    if (tok[0][0] == '/') snprintf(full, sizeof full, "%s", tok[0]);
    else snprintf(full, sizeof full, "%s/%s", dir, tok[0]);
    refmotion ref;
    if (refmotion_load(&ref, m, full, dt, cyc, err)) {
      rc = err_wrap(err, "%s:%d", path, line);
      break;
    }
    if (motionlib_add(l, tok[0], &ref, w, err)) {
      refmotion_free(&ref);
      rc = err_wrap(err, "%s:%d", path, line);
    }
  }
  free(buf);
  /* an empty or all-zero list would only fail later, in the env, without naming this file */
  if (!rc && l->n == 0) rc = err_set(err, "%s: no clips (every line is blank or a comment)", path);
  else if (!rc && !(l->total > 0))
    rc = err_set(err, "%s: all %d clips have weight 0; at least one needs a weight > 0 to be drawn", path, l->n);
  return rc ? -1 : 0;
}
