/* analysis/stats.c: see stats.h. */
#include "analysis/stats.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void stats_mean_sd(const double *x, int n, double *mean, double *sd) {
  double s = 0, q = 0;
  for (int i = 0; i < n; i++) s += x[i];
  double m = n > 0 ? s / n : NAN;
  for (int i = 0; i < n; i++) q += (x[i] - m) * (x[i] - m);
  if (mean) *mean = m;
  if (sd) *sd = n > 1 ? sqrt(q / (n - 1)) : 0;
}

double stats_pearson(const double *a, const double *b, int n) {
  if (n < 2) return NAN;
  double ma, mb;
  stats_mean_sd(a, n, &ma, NULL);
  stats_mean_sd(b, n, &mb, NULL);
  double sab = 0, saa = 0, sbb = 0;
  for (int i = 0; i < n; i++) {
    double x = a[i] - ma, y = b[i] - mb;
    sab += x * y, saa += x * x, sbb += y * y;
  }
  return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}

double stats_rmse(const double *a, const double *b, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
  return n > 0 ? sqrt(s / n) : NAN;
}

double stats_interp(const double *t, const double *x, int n, double tq) {
  if (n <= 0) return NAN;
  if (tq <= t[0]) return x[0];
  if (tq >= t[n - 1]) return x[n - 1];
  int lo = 0, hi = n - 1; /* bisection: t[lo] <= tq < t[hi] */
  while (hi - lo > 1) {
    int mid = (lo + hi) / 2;
    if (t[mid] <= tq) lo = mid;
    else hi = mid;
  }
  double w = (tq - t[lo]) / (t[hi] - t[lo]);
  return x[lo] + w * (x[hi] - x[lo]);
}

void stats_resample(const double *x, int n, double *out, int m) {
  for (int k = 0; k < m; k++) {
    double u = m > 1 ? (double)k * (n - 1) / (m - 1) : 0;
    int i = (int)u;
    if (i >= n - 1) {
      out[k] = x[n - 1];
      continue;
    }
    double w = u - i;
    out[k] = x[i] + w * (x[i + 1] - x[i]);
  }
}

/* r(a[i], b[i+s]) over valid i; cyclic wraps i + s. */
static double shifted_r(const double *a, const double *b, int n, int s, int cyclic) {
  double sa = 0, sb = 0, saa = 0, sbb = 0, sab = 0;
  int c = 0;
  for (int i = 0; i < n; i++) {
    int j = i + s;
    if (cyclic) j = ((j % n) + n) % n;
    else if (j < 0 || j >= n) continue;
    sa += a[i], sb += b[j], saa += a[i] * a[i], sbb += b[j] * b[j], sab += a[i] * b[j];
    c++;
  }
  if (c < 2) return NAN;
  double va = saa - sa * sa / c, vb = sbb - sb * sb / c, cov = sab - sa * sb / c;
  return va > 0 && vb > 0 ? cov / sqrt(va * vb) : NAN;
}

int stats_best_shift(const double *a, const double *b, int n, int max_shift, int cyclic, double *best_r) {
  int best = 0;
  double br = -INFINITY;
  for (int s = -max_shift; s <= max_shift; s++) {
    double r = shifted_r(a, b, n, s, cyclic);
    /* ties go to the smaller |s| (scan order from 0 outwards would be equivalent) */
    if (r > br + 1e-12 || (fabs(r - br) <= 1e-12 && abs(s) < abs(best))) br = r, best = s;
  }
  if (best_r) *best_r = isfinite(br) ? br : NAN;
  return best;
}

double stats_symmetry_index(double right, double left) {
  double m = 0.5 * (right + left);
  return m != 0 ? 100.0 * (right - left) / m : NAN;
}

/* Cells separated by `sep` (comma or tab: empty cells count, spaces around a cell are trimmed) or,
 * for sep == ' ', by runs of blanks. */
static int split_cells(char *line, char sep, char **cells, int max) {
  int n = 0;
  line[strcspn(line, "\r\n")] = 0;
  if (sep == ' ') {
    char *save = NULL;
    for (char *tok = strtok_r(line, " \t", &save); tok && n < max; tok = strtok_r(NULL, " \t", &save)) cells[n++] = tok;
    return n;
  }
  for (char *s = line; n < max;) {
    char *e = strchr(s, sep);
    if (e) *e = 0;
    while (*s == ' ') s++;
    for (char *q = s + strlen(s); q > s && q[-1] == ' ';) *--q = 0;
    cells[n++] = s;
    if (!e) break;
    s = e + 1;
  }
  return n;
}

int stats_table_read(const char *path, stats_table *t, d2m_err *err) {
  memset(t, 0, sizeof *t);
  FILE *f = fopen(path, "r");
  if (!f) return err_set(err, "%s: cannot open", path);
  enum { MAXC = 4096 };
  char **cells = xmalloc(MAXC * sizeof *cells);
  char *line = NULL, *kind = NULL; /* per column: 0 not yet known, 'n' numbers, 't' text */
  size_t cap = 0, rows_cap = 0;
  long lineno = 0;
  int rc = 0;
  char sep = ' ';
  while (getline(&line, &cap, f) > 0) {
    lineno++;
    if (line[0] == '#' || line[strspn(line, " \t\r\n")] == 0) continue;
    if (!t->names) sep = strchr(line, ',') ? ',' : strchr(line, '\t') ? '\t' : ' ';
    int n = split_cells(line, sep, cells, MAXC);
    if (!t->names) {
      t->ncols = n;
      t->names = xcalloc((size_t)n, sizeof *t->names);
      for (int j = 0; j < n; j++) t->names[j] = strdup(cells[j]);
      kind = xcalloc((size_t)n, 1);
      continue;
    }
    if (n != t->ncols) {
      rc = err_set(err, "%s:%ld: %d cells, the header has %d", path, lineno, n, t->ncols);
      break;
    }
    if ((size_t)t->nrows == rows_cap) {
      rows_cap = rows_cap ? 2 * rows_cap : 1024;
      t->data = realloc(t->data, rows_cap * (size_t)t->ncols * sizeof(double));
      D2M_CHECK(t->data != NULL, "out of memory reading a table");
    }
    for (int j = 0; j < n && !rc; j++) {
      char *end;
      double v = strtod(cells[j], &end);
      while (isspace((unsigned char)*end)) end++;
      /* An empty cell is a missing value (NaN). A column whose first non-empty cell is text is a label
       * column (metrics.csv's 'metric' and 'unit') and reads as NaN; text such as 'abc92' or '92abc' in a
       * numeric column is a broken file, which NaN or 92 would hide inside the statistics. */
      int empty = !cells[j][strspn(cells[j], " \t")], num = end != cells[j] && !*end;
      if (!empty && !kind[j]) kind[j] = num ? 'n' : 't'; /* a column's first non-empty cell decides */
      if (!empty && !num && kind[j] == 'n')
        rc = err_set(err, "%s:%ld: column '%s': '%s' is not a number", path, lineno, t->names[j], cells[j]);
      t->data[(size_t)t->nrows * t->ncols + j] = empty || !num ? NAN : v;
    }
    if (rc) break;
    t->nrows++;
  }
  free(line);
  free(cells);
  free(kind);
  fclose(f);
  if (!rc && !t->names) rc = err_set(err, "%s: no header line", path);
  if (rc) stats_table_free(t);
  return rc;
}

void stats_table_free(stats_table *t) {
  for (int j = 0; t->names && j < t->ncols; j++) free(t->names[j]);
  free(t->names);
  free(t->data);
  memset(t, 0, sizeof *t);
}

int stats_table_col(const stats_table *t, const char *name) {
  for (int j = 0; j < t->ncols; j++)
    if (!strcmp(t->names[j], name)) return j;
  return -1;
}

void stats_table_column(const stats_table *t, int j, double *out) {
  for (int i = 0; i < t->nrows; i++) out[i] = t->data[(size_t)i * t->ncols + j];
}
