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

/* Splits one list line (comment already cut) into at most 5 blank-separated tokens; returns the count. */
static int split_tokens(char *s, char **tok) {
  int n = 0;
  for (char *q = s; *q;) {
    while (*q == ' ' || *q == '\t' || *q == '\r') *q++ = 0;
    if (!*q) break;
    if (n < 5) tok[n] = q;
    n++;
    while (*q && *q != ' ' && *q != '\t' && *q != '\r') q++;
  }
  return n;
}

/* One line: PATH [weight [cyclic]] [split=train|test] -> e; -1 if malformed (a weight "2abc" or a
 * cyclic "1.5" would otherwise be read as 2 and 1). */
static int parse_line(char **tok, int ntok, motionlib_entry *e) {
  e->weight = 1, e->cyclic = 0, e->split = MOTIONLIB_SPLIT_NONE;
  if (ntok >= 2 && !strncmp(tok[ntok - 1], "split=", 6)) {
    const char *v = tok[ntok - 1] + 6;
    if (strcmp(v, "train") && strcmp(v, "test")) return -1;
    e->split = !strcmp(v, "train") ? MOTIONLIB_SPLIT_TRAIN : MOTIONLIB_SPLIT_TEST;
    ntok--;
  }
  if (ntok < 1 || ntok > 3 || strlen(tok[0]) > 511) return -1;
  for (int i = 1; i < ntok; i++)
    if (!strncmp(tok[i], "split=", 6)) return -1; /* only last, and once */
  char *end;
  if (ntok >= 2) {
    errno = 0;
    e->weight = strtod(tok[1], &end);
    if (end == tok[1] || *end || errno) return -1;
  }
  if (ntok == 3) {
    if (strcmp(tok[2], "0") && strcmp(tok[2], "1")) return -1;
    e->cyclic = tok[2][0] == '1';
  }
  return 0;
}

int motionlib_read_list(const char *path, motionlib_entry **out, int *count, d2m_err *err) {
  uint8_t *buf;
  size_t n;
  *out = NULL, *count = 0;
  if (file_slurp(path, 1 << 20, &buf, &n, err)) return -1;
  char dir[512] = ".";
  const char *slash = strrchr(path, '/');
  if (slash) snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  int line = 0, rc = 0, cap = 0;
  char *next = (char *)buf;
  for (char *s = next; s && !rc; s = next) {
    line++; /* every line counts, blank or comment, so file:line points at the right one */
    next = strchr(s, '\n');
    if (next) *next++ = 0;
    char *hash = strchr(s, '#');
    if (hash) *hash = 0;
    char shown[600], *tok[5];
    snprintf(shown, sizeof shown, "%s", s);
    int ntok = split_tokens(s, tok);
    if (ntok == 0) continue;
    motionlib_entry e = {.line = line};
    if (ntok > 5 || parse_line(tok, ntok, &e)) {
      rc = err_set(err, "%s:%d: expected 'PATH [WEIGHT [CYCLIC 0|1]] [split=train|test]', got '%s'", path, line, shown);
      break;
    }
    if (!(e.weight >= 0) || !isfinite(e.weight)) {
      rc = err_set(err, "%s:%d: clip '%s': weight %g is not >= 0", path, line, tok[0], e.weight);
      break;
    }
    snprintf(e.name, sizeof e.name, "%s", tok[0]);
    if (tok[0][0] == '/') snprintf(e.path, sizeof e.path, "%s", tok[0]);
    else snprintf(e.path, sizeof e.path, "%s/%s", dir, tok[0]);
    if (*count == cap) {
      cap = cap ? 2 * cap : 16;
      *out = realloc(*out, (size_t)cap * sizeof **out);
      D2M_CHECK(*out != NULL, "out of memory");
    }
    (*out)[(*count)++] = e;
  }
  free(buf);
  /* an empty list would only fail later, in the env, without naming this file */
  if (!rc && *count == 0) rc = err_set(err, "%s: no clips (every line is blank or a comment)", path);
  if (rc) free(*out), *out = NULL, *count = 0;
  return rc ? -1 : 0;
}

int motionlib_load_list(motionlib *l, const mjModel *m, const char *path, double dt, d2m_err *err) {
  motionlib_entry *ent;
  int n, rc = 0;
  if (motionlib_read_list(path, &ent, &n, err)) return -1;
  for (int i = 0; i < n && !rc; i++) {
    refmotion ref;
    if (refmotion_load(&ref, m, ent[i].path, dt, ent[i].cyclic, err)) {
      rc = err_wrap(err, "%s:%d", path, ent[i].line);
      break;
    }
    if (motionlib_add(l, ent[i].name, &ref, ent[i].weight, err)) {
      refmotion_free(&ref);
      rc = err_wrap(err, "%s:%d", path, ent[i].line);
    } else {
      l->clips[l->n - 1].split = ent[i].split;
    }
  }
  free(ent);
  if (!rc && !(l->total > 0))
    rc = err_set(err, "%s: all %d clips have weight 0; at least one needs a weight > 0 to be drawn", path, l->n);
  return rc ? -1 : 0;
}
