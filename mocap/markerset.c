/* mocap/markerset.c: marker set files (see markerset.h). */
#include "mocap/markerset.h"
#include "common/files.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void markerset_free(markerset *s) {
  if (!s) return;
  free(s->m);
  free(s->pairs);
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
    char *tok[10];
    int nt = tokens(buf, tok, 10);
    if (!nt) continue;
    int rc;
    if (!strcmp(tok[0], "marker")) rc = parse_marker(s, tok, nt, name, line, err);
    else if (!strcmp(tok[0], "scale")) rc = parse_pair(s, tok, nt, name, line, err);
    else rc = err_set(err, "%s:%d: unknown keyword '%s' (marker, scale)", name, line, tok[0]);
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
