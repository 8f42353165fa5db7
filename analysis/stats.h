/* analysis/stats.h: small statistics for gait analysis: mean/SD, Pearson r, RMSE, linear
 * resampling, best time shift by cross-correlation, symmetry index, a CSV table reader.
 * Pure functions on arrays; no allocation except where a table is read. */
#ifndef D2M_ANALYSIS_STATS_H
#define D2M_ANALYSIS_STATS_H

#include "common/log.h"

/* Mean and sample SD (n - 1; 0 when n < 2) of x[n]. */
void stats_mean_sd(const double *x, int n, double *mean, double *sd);
/* Pearson correlation of a[n] and b[n]; NaN when either has zero variance or n < 2. */
double stats_pearson(const double *a, const double *b, int n);
double stats_rmse(const double *a, const double *b, int n);
/* Linear interpolation of x sampled at increasing t[n] at time tq (clamped at the ends). */
double stats_interp(const double *t, const double *x, int n, double tq);
/* x[n] spans [0, 1] with its first and last samples; out[m] the same span (linear). */
void stats_resample(const double *x, int n, double *out, int m);
/* The shift s in [-max_shift, max_shift] maximising r(a[i], b[i + s]) (cyclic: indices wrap,
 * as for curves over a gait cycle; else only the overlap counts). *best_r receives that r.
 * s > 0: b lags a by s samples. */
int stats_best_shift(const double *a, const double *b, int n, int max_shift, int cyclic, double *best_r);
/* Symmetry index (Robinson et al. 1987, J Manipulative Physiol Ther 10:172):
 * SI = 100 (R - L) / (0.5 (R + L)); 0 = perfect symmetry; NaN if R + L = 0. */
double stats_symmetry_index(double right, double left);

/* A numeric table with a header line; the header decides the separator (comma, else tab, else runs
 * of blanks); '#' lines skipped. */
typedef struct stats_table {
  int nrows, ncols;
  char **names;
  double *data; /* [nrows * ncols] row-major; empty cells and text columns NaN; text in a number column: error */
} stats_table;

int stats_table_read(const char *path, stats_table *t, d2m_err *err);
void stats_table_free(stats_table *t);
int stats_table_col(const stats_table *t, const char *name); /* -1 if absent */
/* Column j copied into out[nrows]. */
void stats_table_column(const stats_table *t, int j, double *out);

#endif
