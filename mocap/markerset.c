/* mocap/markerset.c: marker set files (see markerset.h). */
#include "mocap/markerset.h"
#include "common/files.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void markerset_free(markerset *s) {
  if (!s) return;
  free(s->m);
  free(s->pairs);
  free(s->alias);
  memset(s, 0, sizeof *s);
}

int markerset_find(const markerset *s, const char *name) {
  for (int i = 0; i < s->n; i++)
    if (!strcmp(s->m[i].name, name)) return i;
  return -1;
}

/* Split a line into at most `cap` blank-separated tokens (in place). */
static int tokens(char *line, char **tok, int cap) {
  int n = 0;
  char *save = NULL;
  for (char *t = strtok_r(line, " \t\r", &save); t && n < cap; t = strtok_r(NULL, " \t\r", &save)) tok[n++] = t;
  return n;
}

static int num(const char *s, double *v) {
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  return end != s && !*end && !errno && isfinite(*v);
}

void markerset_norm(const char *name, char *out) {
  const char *c = strrchr(name, ':');
  if (c && c[1]) name = c + 1;
  size_t n = 0;
  for (; *name && n + 1 < MK_NAME_MAX; name++) {
    unsigned char ch = (unsigned char)*name;
    if (ch == '.' || ch == '_' || ch == '-' || isspace(ch)) continue;
    out[n++] = (char)tolower(ch);
  }
  out[n] = 0;
}

/* Marker index whose name or alias matches normalised name `nn`, or -1. */
static int match_norm(const markerset *s, const char *nn) {
  char b[MK_NAME_MAX];
  for (int i = 0; i < s->n; i++) {
    markerset_norm(s->m[i].name, b);
    if (!strcmp(b, nn)) return i;
  }
  for (int a = 0; a < s->nalias; a++) {
    markerset_norm(s->alias[a].name, b);
    if (!strcmp(b, nn)) return s->alias[a].marker;
  }
  return -1;
}

static int parse_marker(markerset *s, char **tok, int nt, const char *name, int line, d2m_err *err) {
  if (nt != 8) return err_set(err, "%s:%d: 'marker' wants NAME BODY X Y Z WEIGHT fixed|free (8 fields), got %d", name, line, nt);
  ms_marker mk;
  memset(&mk, 0, sizeof mk);
  if (strlen(tok[1]) >= sizeof mk.name || strlen(tok[2]) >= sizeof mk.body)
    return err_set(err, "%s:%d: marker or body name too long", name, line);
  snprintf(mk.name, sizeof mk.name, "%s", tok[1]);
  snprintf(mk.body, sizeof mk.body, "%s", tok[2]);
  for (int k = 0; k < 3; k++)
    if (!num(tok[3 + k], &mk.offset[k])) return err_set(err, "%s:%d: offset '%s' is not a number", name, line, tok[3 + k]);
  if (!num(tok[6], &mk.weight) || mk.weight <= 0)
    return err_set(err, "%s:%d: weight '%s' is not a positive number", name, line, tok[6]);
  if (!strcmp(tok[7], "fixed")) mk.fixed = 1;
  else if (strcmp(tok[7], "free")) return err_set(err, "%s:%d: '%s': want fixed or free", name, line, tok[7]);
  if (markerset_find(s, mk.name) >= 0) return err_set(err, "%s:%d: marker '%s' defined twice", name, line, mk.name);
  char nn[MK_NAME_MAX];
  markerset_norm(mk.name, nn);
  int same = match_norm(s, nn);
  if (same >= 0)
    return err_set(err, "%s:%d: marker '%s' matches '%s' (names match case-insensitively, ignoring . _ - and blanks)",
                   name, line, mk.name, s->m[same].name);
  s->m = realloc(s->m, (size_t)(s->n + 1) * sizeof *s->m);
  D2M_CHECK(s->m, "out of memory");
  s->m[s->n++] = mk;
  return 0;
}

static int parse_pair(markerset *s, char **tok, int nt, const char *name, int line, d2m_err *err) {
  if (nt != 4) return err_set(err, "%s:%d: 'scale' wants SEGMENT MARKER1 MARKER2", name, line);
  ms_pair p;
  memset(&p, 0, sizeof p);
  snprintf(p.segment, sizeof p.segment, "%s", tok[1]);
  p.a = markerset_find(s, tok[2]);
  p.b = markerset_find(s, tok[3]);
  if (p.a < 0 || p.b < 0)
    return err_set(err, "%s:%d: scale pair names marker '%s', not defined above", name, line, p.a < 0 ? tok[2] : tok[3]);
  s->pairs = realloc(s->pairs, (size_t)(s->npairs + 1) * sizeof *s->pairs);
  D2M_CHECK(s->pairs, "out of memory");
  s->pairs[s->npairs++] = p;
  return 0;
}

static int parse_alias(markerset *s, char **tok, int nt, const char *name, int line, d2m_err *err) {
  if (nt < 3) return err_set(err, "%s:%d: 'alias' wants MARKER ALT1 [ALT2 ...]", name, line);
  int i = markerset_find(s, tok[1]);
  if (i < 0) return err_set(err, "%s:%d: alias for marker '%s', not defined above", name, line, tok[1]);
  for (int k = 2; k < nt; k++) {
    char nn[MK_NAME_MAX];
    markerset_norm(tok[k], nn);
    int j = match_norm(s, nn);
    if (j == i) continue; /* the same name spelt another way: harmless */
    if (j >= 0) return err_set(err, "%s:%d: alias '%s' of %s already names marker %s", name, line, tok[k], tok[1], s->m[j].name);
    if (strlen(tok[k]) >= MK_NAME_MAX) return err_set(err, "%s:%d: alias '%s' too long", name, line, tok[k]);
    s->alias = realloc(s->alias, (size_t)(s->nalias + 1) * sizeof *s->alias);
    D2M_CHECK(s->alias, "out of memory");
    snprintf(s->alias[s->nalias].name, MK_NAME_MAX, "%s", tok[k]);
    s->alias[s->nalias++].marker = i;
  }
  return 0;
}

int markerset_bind(const markerset *s, const mk_markers *t, int *col, unsigned char *used) {
  int n = 0;
  for (int i = 0; i < s->n; i++) col[i] = -1;
  if (used) memset(used, 0, (size_t)t->nmarkers);
  for (int j = 0; j < t->nmarkers; j++) {
    char nn[MK_NAME_MAX];
    markerset_norm(t->names[j], nn);
    int i = nn[0] ? match_norm(s, nn) : -1;
    if (i < 0 || col[i] >= 0) continue;
    col[i] = j, n++;
    if (used) used[j] = 1;
  }
  return n;
}

int markerset_named(const char *name, markerset *s, d2m_err *err) {
  const char *want = !strcmp(name, "default") ? "lowerbody" : name;
  for (int i = 0; i < MS_NSETS; i++)
    if (!strcmp(want, markerset_embedded_name(i))) {
      const char *t = markerset_embedded_text(i);
      char src[64];
      snprintf(src, sizeof src, "<embedded marker set %s>", want);
      return markerset_parse(t, strlen(t), src, s, err);
    }
  return markerset_load(name, s, err);
}

int markerset_choose(const mk_markers *t, markerset *s, int *counts, d2m_err *err) {
  int best = -1, bestn = -1, *col = NULL;
  for (int i = 0; i < MS_NSETS; i++) {
    markerset c;
    if (markerset_named(markerset_embedded_name(i), &c, err)) {
      free(col);
      return -1;
    }
    col = realloc(col, sizeof(int) * (size_t)(c.n + 1));
    D2M_CHECK(col, "out of memory");
    int n = markerset_bind(&c, t, col, NULL);
    if (counts) counts[i] = n;
    if (n > bestn) bestn = n, best = i;
    markerset_free(&c);
  }
  free(col);
  if (markerset_named(markerset_embedded_name(best), s, err)) return -1;
  return best;
}

int markerset_parse(const char *text, size_t len, const char *name, markerset *s, d2m_err *err) {
  memset(s, 0, sizeof *s);
  snprintf(s->source, sizeof s->source, "%s", name);
  size_t pos = 0;
  int line = 0;
  char buf[512];
  while (pos < len) {
    size_t e = pos;
    while (e < len && text[e] != '\n') e++;
    line++;
    size_t n = e - pos;
    if (n >= sizeof buf) {
      markerset_free(s);
      return err_set(err, "%s:%d: line longer than %zu characters", name, line, sizeof buf - 1);
    }
    memcpy(buf, text + pos, n);
    buf[n] = 0;
    pos = e + 1;
    char *hash = strchr(buf, '#');
    if (hash) *hash = 0;
    char *tok[24];
    int nt = tokens(buf, tok, 24);
    if (!nt) continue;
    int rc;
    if (!strcmp(tok[0], "marker")) rc = parse_marker(s, tok, nt, name, line, err);
    else if (!strcmp(tok[0], "scale")) rc = parse_pair(s, tok, nt, name, line, err);
    else if (!strcmp(tok[0], "alias")) rc = parse_alias(s, tok, nt, name, line, err);
    else rc = err_set(err, "%s:%d: unknown keyword '%s' (marker, scale, alias)", name, line, tok[0]);
    if (rc) {
      markerset_free(s);
      return -1;
    }
  }
  if (!s->n) return err_set(err, "%s: no markers", name);
  return 0;
}

int markerset_load(const char *path, markerset *s, d2m_err *err) {
  uint8_t *buf;
  size_t n;
  if (file_slurp(path, 1 << 20, &buf, &n, err)) return -1;
  int rc = markerset_parse((const char *)buf, n, path, s, err);
  free(buf);
  return rc;
}

int markerset_default(markerset *s, d2m_err *err) {
  const char *t = markerset_default_text();
  return markerset_parse(t, strlen(t), "<default marker set lowerbody.markers>", s, err);
}
