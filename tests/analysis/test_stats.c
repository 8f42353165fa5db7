/* tests/analysis/test_stats.c: Pearson r, RMSE, time shift, symmetry index, resampling, table. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>

#include "analysis/stats.h"

#define NEAR(a, b, tol) cr_assert(fabs((a) - (b)) < (tol), #a " = %g, expected %g", (double)(a), (double)(b))

Test(stats, pearson_known_pairs) {
  double x[100], y[100], z[100], s[100], c[100];
  for (int i = 0; i < 100; i++) {
    x[i] = i, y[i] = 2 * i + 1, z[i] = -0.5 * i + 3;
    s[i] = sin(2 * M_PI * i / 100), c[i] = cos(2 * M_PI * i / 100);
  }
  NEAR(stats_pearson(x, y, 100), 1, 1e-12);
  NEAR(stats_pearson(x, z, 100), -1, 1e-12);
  NEAR(stats_pearson(s, c, 100), 0, 1e-12);
  double k[3] = {1, 1, 1};
  cr_assert(isnan(stats_pearson(k, x, 3)), "constant series: r undefined");
  double a[3] = {1, 2, 3}, b[3] = {2, 4, 5};
  /* by hand: mean 2 and 11/3; cov 3, var 2 and 14/3 -> r = 3 / sqrt(2 * 14/3) */
  NEAR(stats_pearson(a, b, 3), 3 / sqrt(28.0 / 3), 1e-12);
  NEAR(stats_rmse(a, b, 3), sqrt((1 + 4 + 4) / 3.0), 1e-12);
}

Test(stats, best_shift_recovers_known_lag) {
  double a[101], b[101];
  for (int i = 0; i < 101; i++) a[i] = sin(2 * M_PI * i / 101) + 0.3 * sin(6 * M_PI * i / 101);
  for (int lag = -9; lag <= 9; lag += 3) {
    for (int i = 0; i < 101; i++) b[i] = a[((i - lag) % 101 + 101) % 101]; /* b lags a by lag */
    double r;
    int s = stats_best_shift(a, b, 101, 20, 1, &r);
    cr_assert_eq(s, lag, "shift %d, expected %d", s, lag);
    NEAR(r, 1, 1e-12);
  }
  /* non-cyclic: a ramp pair shifted by 4 */
  double u[50], v[50];
  for (int i = 0; i < 50; i++) u[i] = sin(0.3 * i), v[i] = sin(0.3 * (i - 4));
  cr_assert_eq(stats_best_shift(u, v, 50, 10, 0, NULL), 4);
}

Test(stats, symmetry_index_and_resample) {
  NEAR(stats_symmetry_index(0.6, 0.4), 40, 1e-12);
  NEAR(stats_symmetry_index(1, 1), 0, 1e-12);
  double x[3] = {0, 10, 20}, y[5];
  stats_resample(x, 3, y, 5);
  for (int k = 0; k < 5; k++) NEAR(y[k], 5 * k, 1e-12);
  double t[3] = {0, 1, 3};
  NEAR(stats_interp(t, x, 3, 2), 15, 1e-12);
  NEAR(stats_interp(t, x, 3, -1), 0, 1e-12);
}

Test(stats, table_read_by_name) {
  const char *p = "/tmp/d2m_test_stats_table.csv";
  FILE *f = fopen(p, "w");
  fprintf(f, "# comment\ntime,a,b,label\n0,1,2,\n0.5,3,,x 1\n"); /* empty: missing; label: a text column */
  fclose(f);
  stats_table t;
  d2m_err err;
  cr_assert_eq(stats_table_read(p, &t, &err), 0, "%s", err.msg);
  cr_assert_eq(t.nrows, 2);
  cr_assert_eq(stats_table_col(&t, "b"), 2);
  cr_assert(isnan(t.data[6]) && isnan(t.data[7]));
  stats_table_free(&t);
  f = fopen(p, "w");
  fprintf(f, "a,b\n1,2,3\n");
  fclose(f);
  cr_assert_eq(stats_table_read(p, &t, &err), -1);
  cr_assert(strstr(err.msg, ":2:") != NULL, "names the line: %s", err.msg);
  const char *junk[] = {"abc92", "92abc", "1.5.2"};
  for (int k = 0; k < 3; k++) { /* text in a cell is an error naming file, line and column, not NaN or 92 */
    f = fopen(p, "w");
    fprintf(f, "time,NAME\n0,1\n0.1,%s\n", junk[k]);
    fclose(f);
    cr_assert_eq(stats_table_read(p, &t, &err), -1, "'%s' accepted", junk[k]);
    char want[128];
    snprintf(want, sizeof want, "%s:3: column 'NAME': '%s' is not a number", p, junk[k]);
    cr_assert_str_eq(err.msg, want);
  }
  remove(p);
}
