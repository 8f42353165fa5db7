/* envs/motion/mot.c: OpenSim .mot/.sto reader (see mot.h). A line-by-line scanner over a
 * NUL-terminated copy of the text; every error names file:line:column. */
#include "envs/motion/mot.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void mot_free(mot_table *t) {
  if (!t) return;
  if (t->names)
    for (int i = 0; i < t->ncols; i++) free(t->names[i]);
  free(t->names);
  free(t->data);
  memset(t, 0, sizeof *t);
}

int mot_col(const mot_table *t, const char *name) {
  for (int i = 0; i < t->ncols; i++)
    if (!strcmp(t->names[i], name)) return i;
  return -1;
}

/* Next line of the buffer: returns its start, NUL-terminates it (strips \r), advances *pos. */
static char *next_line(char *buf, size_t len, size_t *pos) {
  if (*pos >= len) return NULL;
  char *s = buf + *pos;
  char *nl = memchr(s, '\n', len - *pos);
  if (nl) {
    *nl = 0;
    *pos = (size_t)(nl - buf) + 1;
  } else {
    *pos = len;
  }
  size_t n = strlen(s);
  while (n && (s[n - 1] == '\r')) s[--n] = 0;
  return s;
}

static int is_blank(const char *s) {
  for (; *s; s++)
    if (!isspace((unsigned char)*s)) return 0;
  return 1;
}

/* Header "key=value": returns the integer value of the keys we know, -1 if absent. */
static int header_int(const char *line, const char *key) {
  size_t k = strlen(key);
  if (strncasecmp(line, key, k) != 0) return -1;
  const char *p = line + k;
  while (*p == ' ' || *p == '=' || *p == '\t') p++;
  char *end;
  long v = strtol(p, &end, 10);
  if (end == p || v < 0 || v > 100000000) return -1;
  return (int)v;
}

static int count_cells(const char *s) {
  int n = 0;
  while (*s) {
    while (*s == ' ' || *s == '\t') s++;
    if (!*s) break;
    n++;
    while (*s && *s != ' ' && *s != '\t') s++;
  }
  return n;
}

static int parse_names(mot_table *t, char *line, int lineno, int ncols_hdr, d2m_err *err) {
  int n = count_cells(line);
  if (n < 2) return err_set(err, "%s:%d:1: column-name line has %d names (need time and at least one coordinate)", t->path, lineno, n);
  if (ncols_hdr > 0 && n != ncols_hdr)
    return err_set(err, "%s:%d:%d: header says nColumns=%d but the column-name line has %d names", t->path, lineno,
                   n < ncols_hdr ? n : ncols_hdr + 1, ncols_hdr, n);
  t->names = xcalloc((size_t)n, sizeof *t->names);
  t->ncols = n;
  char *save = NULL;
  int i = 0;
  for (char *tok = strtok_r(line, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) t->names[i++] = strdup(tok);
  for (int a = 1; a < n; a++)
    for (int b = 0; b < a; b++)
      if (!strcmp(t->names[a], t->names[b]))
        return err_set(err, "%s:%d:%d: duplicate column name '%s'", t->path, lineno, a + 1, t->names[a]);
  t->names_line = lineno;
  return 0;
}

/* One data row into t->data[row]. */
static int parse_row(mot_table *t, char *line, int lineno, int row, d2m_err *err) {
  double *out = t->data + (size_t)row * t->ncols;
  char *p = line;
  int c = 0;
  while (1) {
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) break;
    char *start = p;
    while (*p && *p != ' ' && *p != '\t') p++;
    if (c >= t->ncols)
      return err_set(err, "%s:%d:%d: row has more cells than the %d columns", t->path, lineno, c + 1, t->ncols);
    char save = *p;
    *p = 0;
    errno = 0;
    char *end;
    double v = strtod(start, &end);
    if (end == start || *end || !isfinite(v)) {
      err_set(err, "%s:%d:%d: cell '%.40s' (column '%s') is not a finite number", t->path, lineno, c + 1, start,
              t->names[c]);
      *p = save;
      return -1;
    }
    *p = save;
    out[c++] = v;
  }
  if (c != t->ncols)
    return err_set(err, "%s:%d:%d: row has %d cells, expected %d (column '%s' missing)", t->path, lineno, c + 1, c,
                   t->ncols, t->names[c]);
  if (row > 0 && !(out[0] > out[0 - t->ncols]))
    return err_set(err, "%s:%d:1: time %g is not after the previous row's %g (time must increase strictly)", t->path,
                   lineno, out[0], out[-t->ncols]);
  return 0;
}

static int parse_buf(char *buf, size_t len, mot_table *t, d2m_err *err) {
  size_t pos = 0;
  int lineno = 0, nrows_hdr = -1, ncols_hdr = -1, have_end = 0;
  char *line;
  while ((line = next_line(buf, len, &pos))) {
    lineno++;
    while (*line == ' ' || *line == '\t') line++;
    /* Spreadsheet exports pad header lines with tabs (OpenSim's tutorial files do). */
    for (char *e = line + strlen(line); e > line && isspace((unsigned char)e[-1]);) *--e = 0;
    if (!strcasecmp(line, "endheader")) {
      have_end = 1;
      break;
    }
    int v;
    if ((v = header_int(line, "nRows")) >= 0 || (v = header_int(line, "datarows")) >= 0) nrows_hdr = v;
    if ((v = header_int(line, "nColumns")) >= 0 || (v = header_int(line, "datacolumns")) >= 0) ncols_hdr = v;
    if (!strncasecmp(line, "inDegrees", 9)) t->in_degrees = strstr(line, "yes") != NULL;
    if (!strncasecmp(line, "convention=", 11)) {
      size_t n = strcspn(line + 11, ": \t");
      snprintf(t->convention, sizeof t->convention, "%.*s", (int)(n < 31 ? n : 31), line + 11);
    }
  }
  if (!have_end) return err_set(err, "%s:%d:1: no 'endheader' line: not an OpenSim .mot/.sto file", t->path, lineno);
  while ((line = next_line(buf, len, &pos)) && (lineno++, is_blank(line))) {}
  if (!line) return err_set(err, "%s:%d:1: missing column-name line after 'endheader'", t->path, lineno + 1);
  if (parse_names(t, line, lineno, ncols_hdr, err)) return -1;
  /* Count the remaining non-blank lines to size the table once. */
  size_t save_pos = pos;
  int cap = 0;
  for (size_t q = pos; q < len;) {
    char *nl = memchr(buf + q, '\n', len - q);
    size_t e = nl ? (size_t)(nl - buf) : len;
    for (size_t k = q; k < e; k++)
      if (!isspace((unsigned char)buf[k])) {
        cap++;
        break;
      }
    q = e + 1;
  }
  if (cap == 0) return err_set(err, "%s:%d:1: no data rows", t->path, lineno + 1);
  t->data = xcalloc((size_t)cap * t->ncols, sizeof *t->data);
  pos = save_pos;
  int row = 0;
  while ((line = next_line(buf, len, &pos))) {
    lineno++;
    if (is_blank(line)) continue;
    if (parse_row(t, line, lineno, row, err)) return -1;
    row++;
  }
  t->nrows = row;
  /* OpenSim reads every row whatever nRows says, and its own tutorial files disagree with their
   * headers (crouch2.mot: nRows=120, 101 rows): the rows win, with a warning. */
  if (nrows_hdr >= 0 && nrows_hdr != row)
    LOG_W("%s: header says nRows=%d but the file has %d data rows; using the %d rows", t->path, nrows_hdr, row, row);
  return 0;
}

int mot_parse(const char *text, size_t len, const char *name, mot_table *t, d2m_err *err) {
  memset(t, 0, sizeof *t);
  snprintf(t->path, sizeof t->path, "%s", name ? name : "<memory>");
  char *buf = xmalloc(len + 1);
  memcpy(buf, text, len);
  buf[len] = 0;
  /* Embedded NULs would silently cut lines: treat them as a format error. */
  if (memchr(buf, 0, len)) {
    free(buf);
    return err_set(err, "%s: contains a NUL byte: not a text .mot/.sto file", t->path);
  }
  int rc = parse_buf(buf, len, t, err);
  free(buf);
  if (rc) {
    char path[256];
    memcpy(path, t->path, sizeof path);
    mot_free(t);
    memcpy(t->path, path, sizeof path);
  }
  return rc;
}

int mot_read(const char *path, mot_table *t, d2m_err *err) {
  memset(t, 0, sizeof *t);
  FILE *f = fopen(path, "rb");
  if (!f) return err_set(err, "%s: cannot open: %s", path, strerror(errno));
  size_t cap = 1 << 16, len = 0;
  char *buf = xmalloc(cap);
  size_t n;
  while ((n = fread(buf + len, 1, cap - len, f)) > 0) {
    len += n;
    if (len == cap) {
      cap *= 2;
      char *nb = realloc(buf, cap);
      D2M_CHECK(nb, "out of memory reading a .mot file");
      buf = nb;
    }
  }
  int bad = ferror(f);
  fclose(f);
  if (bad) {
    free(buf);
    return err_set(err, "%s: read error", path);
  }
  int rc = mot_parse(buf, len, path, t, err);
  free(buf);
  return rc;
}

static int ends_with(const char *s, const char *suf) {
  size_t a = strlen(s), b = strlen(suf);
  return a >= b && !strcmp(s + a - b, suf);
}

int mot_ends_match(const mot_table *t, double tol_deg, double tol_m, char *worst, size_t cap, double *diff) {
  double score = 0, wd = 0;
  const char *wn = "none";
  for (int c = 1; c < t->ncols && t->nrows > 1; c++) {
    const char *n = t->names[c];
    if (!strcmp(n, "pelvis_tx") || !strcmp(n, "pelvis_tz")) continue; /* the subject moves on */
    int lin = ends_with(n, "_tx") || ends_with(n, "_ty") || ends_with(n, "_tz");
    double d = fabs(mot_at(t, t->nrows - 1, c) - mot_at(t, 0, c));
    if (!lin && !t->in_degrees) d *= 180.0 / M_PI;
    double sc = d / (lin ? tol_m : tol_deg);
    if (sc > score) score = sc, wd = d, wn = n;
  }
  if (worst) snprintf(worst, cap, "%s", wn);
  if (diff) *diff = wd;
  return t->nrows > 1 && score <= 1;
}

int mot_pelvis_is_gait2354(const mot_table *t) {
  if (!strcasecmp(t->convention, "gait2354") || !strcasecmp(t->convention, "gait2392")) return 1;
  if (t->convention[0]) return 0;
  int neg = 0, pos = 0;
  for (int s = 0; s < 2; s++) {
    int c = mot_col(t, s ? "knee_angle_l" : "knee_angle_r");
    for (int i = 0; c > 0 && i < t->nrows; i++) neg += mot_at(t, i, c) < 0, pos += mot_at(t, i, c) > 0;
  }
  return neg > pos;
}

void mot_pelvis_rot(double tilt, double list, double rotation, double *B) {
  double ca = cos(tilt), sa = sin(tilt), cb = cos(list), sb = sin(list), cc = cos(rotation), sc = sin(rotation);
  /* Rz(tilt) Rx(list) Ry(rotation) */
  double R[9] = {ca * cc - sa * sb * sc, -sa * cb, ca * sc + sa * sb * cc,
                 sa * cc + ca * sb * sc, ca * cb,  sa * sc - ca * sb * cc,
                 -cb * sc,               sb,       cb * cc};
  memcpy(B, R, sizeof R);
}

int mot_pelvis_to_rajagopal(mot_table *t) {
  static const char *n[6] = {"pelvis_tilt", "pelvis_list", "pelvis_rotation", "pelvis_tx", "pelvis_ty", "pelvis_tz"};
  int c[6];
  for (int k = 0; k < 6; k++)
    if ((c[k] = mot_col(t, n[k])) < 1) return 0;
  if (!mot_pelvis_is_gait2354(t)) return 0;
  double u = t->in_degrees ? M_PI / 180.0 : 1.0, B[9];
  for (int i = 0; i < t->nrows; i++) {
    double *row = t->data + (size_t)i * t->ncols;
    mot_pelvis_rot(u * row[c[0]], u * row[c[1]], u * row[c[2]], B);
    for (int k = 0; k < 3; k++) row[c[3 + k]] += B[3 * k] * MOT_G2354_TO_RAJ_X + B[3 * k + 1] * MOT_G2354_TO_RAJ_Y;
  }
  return 1;
}
