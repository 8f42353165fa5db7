/* mocap/trc.c: TRC reader (see trc.h). */
#include "mocap/trc.h"
#include "common/files.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Bound on frames x markers, so a hostile header cannot ask for gigabytes (2e7 samples is
 * 200 markers for 100,000 frames: far beyond any trial). */
enum { MAX_SAMPLES = 20000000, MAX_CELLS = 100000 };

typedef struct {
  const char *s, *end; /* the whole text, NUL-terminated copy */
  const char *line;    /* start of the current line */
  const char *eol;     /* its end (before \r\n) */
  const char *next;    /* start of the following line */
  int lineno;
  const char *file;
  d2m_err *err;
} lines_t;

static int next_line(lines_t *L) {
  if (L->next >= L->end) return 0;
  L->line = L->next;
  const char *e = memchr(L->line, '\n', (size_t)(L->end - L->line));
  L->next = e ? e + 1 : L->end;
  L->eol = e ? e : L->end;
  if (L->eol > L->line && L->eol[-1] == '\r') L->eol--;
  L->lineno++;
  return 1;
}

static int blank(const char *a, const char *b) {
  for (; a < b; a++)
    if (!isspace((unsigned char)*a)) return 0;
  return 1;
}

/* Split the current line into tab-separated cells: start pointers and lengths. */
static int cells(const lines_t *L, const char **cs, size_t *cl, int cap) {
  int n = 0;
  const char *p = L->line;
  for (;;) {
    const char *t = memchr(p, '\t', (size_t)(L->eol - p));
    const char *e = t ? t : L->eol;
    if (n == cap) return -1;
    cs[n] = p, cl[n] = (size_t)(e - p), n++;
    if (!t) return n;
    p = t + 1;
  }
}

/* Cell as a number; empty or NaN -> NaN (missing). -1 if it is not a number. */
static int cell_num(const char *s, size_t len, double *v) {
  char buf[64];
  while (len && isspace((unsigned char)*s)) s++, len--;
  while (len && isspace((unsigned char)s[len - 1])) len--;
  if (len == 0) return *v = NAN, 0;
  if (len >= sizeof buf) return -1;
  memcpy(buf, s, len);
  buf[len] = 0;
  if (!strcasecmp(buf, "nan")) return *v = NAN, 0;
  char *endp;
  errno = 0;
  *v = strtod(buf, &endp);
  if (*endp || errno == ERANGE || !isfinite(*v)) return -1;
  return 0;
}

/* Split the current line on runs of tabs and spaces (header lines: writers pad values with one or
 * more tabs or spaces, OpenSim's own example files use two tabs). */
static int words(const lines_t *L, const char **cs, size_t *cl, int cap) {
  int n = 0;
  for (const char *p = L->line; p < L->eol;) {
    while (p < L->eol && (*p == '\t' || *p == ' ')) p++;
    if (p == L->eol) break;
    const char *b = p;
    while (p < L->eol && *p != '\t' && *p != ' ') p++;
    if (n == cap) return -1;
    cs[n] = b, cl[n] = (size_t)(p - b), n++;
  }
  return n;
}

static int col(const lines_t *L, const char *cell) { return (int)(cell - L->line) + 1; }

/* Lines 2 and 3: header keys and values. */
static int parse_header(lines_t *L, const char **cs, size_t *cl, mk_markers *m, trc_info *info, double *nf, double *nm) {
  if (!next_line(L)) return err_set(L->err, "%s:%d: missing the header keys line", L->file, L->lineno + 1);
  static const char *keys[] = {"DataRate", "CameraRate", "NumFrames", "NumMarkers", "Units",
                               "OrigDataRate", "OrigDataStartFrame", "OrigNumFrames"};
  int where[8] = {-1, -1, -1, -1, -1, -1, -1, -1};
  int nk = words(L, cs, cl, MAX_CELLS);
  if (nk < 0) return err_set(L->err, "%s:%d: more than %d cells", L->file, L->lineno, MAX_CELLS);
  for (int i = 0; i < nk; i++)
    for (int k = 0; k < 8; k++)
      if (strlen(keys[k]) == cl[i] && !strncasecmp(cs[i], keys[k], cl[i])) where[k] = i;
  for (int k = 0; k < 5; k++)
    if (k != 1 && where[k] < 0) return err_set(L->err, "%s:%d: header keys lack %s", L->file, L->lineno, keys[k]);
  if (!next_line(L)) return err_set(L->err, "%s:%d: missing the header values line", L->file, L->lineno + 1);
  int nv = words(L, cs, cl, MAX_CELLS);
  if (nv < 0) return err_set(L->err, "%s:%d: more than %d cells", L->file, L->lineno, MAX_CELLS);
  double v[8] = {0};
  for (int k = 0; k < 8; k++) {
    if (where[k] < 0 || k == 4) continue;
    if (where[k] >= nv || cell_num(cs[where[k]], cl[where[k]], &v[k]) || isnan(v[k]))
      return err_set(L->err, "%s:%d:%d: %s: expected a number", L->file, L->lineno,
                     where[k] < nv ? col(L, cs[where[k]]) : (int)(L->eol - L->line) + 1, keys[k]);
  }
  if (where[4] >= nv) return err_set(L->err, "%s:%d: Units value missing", L->file, L->lineno);
  mk_copy_trim(m->units, sizeof m->units, cs[where[4]], cl[where[4]]);
  if (mk_unit_scale(m->units) == 0)
    return err_set(L->err, "%s:%d:%d: Units '%s' is not a length unit (mm, cm, m)", L->file, L->lineno,
                   col(L, cs[where[4]]), m->units);
  if (!(v[0] > 0 && v[0] < 1e7))
    return err_set(L->err, "%s:%d:%d: DataRate %g is not a rate", L->file, L->lineno, col(L, cs[where[0]]), v[0]);
  m->rate = v[0];
  *nf = v[2], *nm = v[3];
  if (!(*nf >= 0 && *nf == floor(*nf) && *nf <= 1e8) || !(*nm >= 0 && *nm == floor(*nm) && *nm <= (MAX_CELLS - 2) / 3) ||
      *nf * *nm > MAX_SAMPLES)
    return err_set(L->err, "%s:%d: NumFrames %g x NumMarkers %g: not counts, or more than %d samples", L->file,
                   L->lineno, *nf, *nm, MAX_SAMPLES);
  if (info) {
    info->camera_rate = v[1], info->orig_rate = v[5];
    info->orig_start_frame = (long)fmin(fmax(v[6], -1e9), 1e9), info->orig_nframes = (long)fmin(fmax(v[7], -1e9), 1e9);
  }
  return 0;
}

/* Line 4: Frame# Time name1 <tabs> name2 ...: the names in order, however many tabs separate them
 * (Frame# and Time are the first two non-empty cells). */
static int parse_names(lines_t *L, const char **cs, size_t *cl, mk_markers *m) {
  if (!next_line(L)) return err_set(L->err, "%s:%d: missing the marker names line", L->file, L->lineno + 1);
  int nc = cells(L, cs, cl, MAX_CELLS);
  if (nc < 0) return err_set(L->err, "%s:%d: more than %d cells", L->file, L->lineno, MAX_CELLS);
  int j = 0, seen = 0;
  for (int i = 0; i < nc; i++) {
    if (blank(cs[i], cs[i] + cl[i])) continue;
    if (seen++ < 2) continue; /* Frame#, Time */
    if (j == m->nmarkers)
      return err_set(L->err, "%s:%d:%d: more marker names than NumMarkers (%d)", L->file, L->lineno, col(L, cs[i]),
                     m->nmarkers);
    mk_copy_trim(m->names[j++], MK_NAME_MAX, cs[i], cl[i]);
  }
  if (j != m->nmarkers)
    return err_set(L->err, "%s:%d: %d marker names but NumMarkers is %d", L->file, L->lineno, j, m->nmarkers);
  if (!next_line(L)) return err_set(L->err, "%s:%d: missing the X1 Y1 Z1 line", L->file, L->lineno + 1);
  return 0;
}

static int parse_row(lines_t *L, const char **cs, size_t *cl, mk_markers *m, int f) {
  int nc = cells(L, cs, cl, 3 * m->nmarkers + 3); /* <= MAX_CELLS: parse_header bounds NumMarkers */
  if (nc < 0 || nc > 3 * m->nmarkers + 2) {
    /* extra cells are only tolerated when empty (some writers end rows with a tab) */
    nc = cells(L, cs, cl, MAX_CELLS);
    for (int i = 3 * m->nmarkers + 2; i < nc || nc < 0; i++)
      if (nc < 0 || !blank(cs[i], cs[i] + cl[i]))
        return err_set(L->err, "%s:%d:%d: more cells than Frame#, Time and %d markers x 3", L->file, L->lineno,
                       nc < 0 ? 1 : col(L, cs[i]), m->nmarkers);
    nc = 3 * m->nmarkers + 2;
  }
  double t;
  if (nc < 2 || cell_num(cs[1], cl[1], &t) || isnan(t))
    return err_set(L->err, "%s:%d:%d: Time: expected a number", L->file, L->lineno, nc < 2 ? 1 : col(L, cs[1]));
  if (f == 0) m->first_time = t;
  for (int j = 0; j < m->nmarkers; j++) {
    double v[3];
    int missing = 0;
    for (int k = 0; k < 3; k++) {
      int i = 2 + 3 * j + k;
      if (i >= nc) {
        v[k] = NAN;
      } else if (cell_num(cs[i], cl[i], &v[k])) {
        return err_set(L->err, "%s:%d:%d: marker %s %c: '%.*s' is not a number", L->file, L->lineno, col(L, cs[i]),
                       m->names[j], "XYZ"[k], (int)(cl[i] < 32 ? cl[i] : 32), cs[i]);
      }
      missing |= isnan(v[k]);
    }
    if (missing) continue; /* a marker with any empty coordinate is missing in this frame */
    double s = mk_unit_scale(m->units), *x = mk_at(m, f, j);
    for (int k = 0; k < 3; k++) x[k] = v[k] * s;
  }
  return 0;
}

static int parse_all(lines_t *L, mk_markers *m, trc_info *info, const char **cs, size_t *cl) {
  if (!next_line(L) || strncmp(L->line, "PathFileType", 12) != 0)
    return err_set(L->err, "%s:1:1: expected 'PathFileType' (not a TRC file)", L->file);
  double nf = 0, nm = 0; /* set by parse_header; initialised for the optimiser's flow analysis */
  char units[16];
  mk_markers tmp = {0};
  if (parse_header(L, cs, cl, &tmp, info, &nf, &nm)) return -1;
  memcpy(units, tmp.units, sizeof units);
  double rate = tmp.rate;
  /* Count data rows before allocating, so NumFrames cannot ask for more than the file holds. */
  lines_t scan = *L;
  int rows = 0;
  for (int k = 0; k < 2 && next_line(&scan); k++) {}
  while (next_line(&scan)) rows += !blank(scan.line, scan.eol);
  if (rows != (int)nf)
    return err_set(L->err, "%s: NumFrames is %g but the file has %d data rows", L->file, nf, rows);
  mk_alloc(m, (int)nm, (int)nf);
  m->rate = rate;
  memcpy(m->units, units, sizeof units);
  if (parse_names(L, cs, cl, m)) return -1;
  for (int f = 0; f < m->nframes;) {
    if (!next_line(L)) break;
    if (blank(L->line, L->eol)) continue;
    if (parse_row(L, cs, cl, m, f++)) return -1;
  }
  return 0;
}

int trc_parse(const char *text, size_t n, const char *name, mk_markers *out, trc_info *info, d2m_err *err) {
  memset(out, 0, sizeof *out);
  if (info) memset(info, 0, sizeof *info);
  /* Text formats: a NUL byte is corruption, and the C string functions below would stop at it. */
  const char *nul = memchr(text, 0, n);
  if (nul) {
    int line = 1;
    for (const char *p = text; p < nul; p++) line += *p == '\n';
    return err_set(err, "%s:%d: NUL byte at offset %zu: not a %s text file", name, line, (size_t)(nul - text), "TRC");
  }
  char *s = xmalloc(n + 1);
  memcpy(s, text, n);
  s[n] = 0;
  lines_t L = {.s = s, .end = s + n, .next = s, .file = name, .err = err};
  const char **cs = xmalloc(MAX_CELLS * sizeof *cs);
  size_t *cl = xmalloc(MAX_CELLS * sizeof *cl);
  int rc = parse_all(&L, out, info, cs, cl);
  free(cs);
  free(cl);
  free(s);
  if (rc) mk_free(out);
  return rc;
}

int trc_read(const char *path, mk_markers *out, trc_info *info, d2m_err *err) {
  uint8_t *buf;
  size_t n;
  memset(out, 0, sizeof *out);
  if (file_slurp(path, (size_t)1 << 30, &buf, &n, err)) return -1;
  int rc = trc_parse((const char *)buf, n, path, out, info, err);
  free(buf);
  return rc;
}
