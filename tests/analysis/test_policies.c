/* tests/analysis/test_policies.c: the trained policies shipped under deploy/policies/ do what the
 * README says they do, run through `drl2move eval`'s code (analysis/eval.h) exactly as a user would:
 * deterministic episodes from the policy file alone (weights, observation statistics, config). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/eval.h"
#include "analysis/stats.h"

static void policy_path(char *p, size_t n, const char *name) {
  const char *root = getenv("D2M_SOURCE_ROOT");
  snprintf(p, n, "%s/deploy/policies/%s", root ? root : ".", name);
}

/* Largest pelvis tilt (deg) over the frames from its episode's first frame, heading excluded: the
 * pelvis-frame direction that was vertical at the start (third row of R0), where it points now. */
static double max_tilt_deg(const stats_table *t) {
  int c[4] = {stats_table_col(t, "root_qw"), stats_table_col(t, "root_qx"), stats_table_col(t, "root_qy"),
              stats_table_col(t, "root_qz")};
  int ce = stats_table_col(t, "episode");
  for (int k = 0; k < 4; k++) cr_assert_geq(c[k], 0, "frames.csv lacks the root quaternion");
  double worst = 0, v[3] = {0, 0, 1};
  for (int i = 0; i < t->nrows; i++) {
    const double *r = t->data + (size_t)i * t->ncols;
    double w = r[c[0]], x = r[c[1]], y = r[c[2]], z = r[c[3]];
    double row3[3] = {2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)};
    if (i == 0 || r[ce] != t->data[(size_t)(i - 1) * t->ncols + ce])
      for (int k = 0; k < 3; k++) v[k] = row3[k];
    double cz = row3[0] * v[0] + row3[1] * v[1] + row3[2] * v[2];
    double d = acos(fmax(-1, fmin(1, cz))) * 180 / M_PI;
    if (d > worst) worst = d;
  }
  return worst;
}

Test(policies, shipped_stand_policy_stands_ten_seconds_upright, .timeout = 300) {
  char path[512];
  policy_path(path, sizeof path, "stand.d2m");
  eval_opts o;
  eval_opts_default(&o);
  o.checkpoint = path, o.out_dir = "/tmp/d2m_test_policy_stand", o.episodes = 5, o.drive = EVAL_MEAN;
  eval_result r;
  d2m_err err = {{0}};
  cr_assert_eq(eval_run(&o, &r, &err), 0, "%s", err.msg);
  /* 10 s at 30 Hz: every one of the 5 episodes ends by time, none by a fall */
  cr_assert_eq(r.frames, 5 * 300L, "%ld control steps over 5 episodes, expected 5 x 300 (a fall ended one)",
               r.frames);
  stats_table t;
  cr_assert_eq(stats_table_read("/tmp/d2m_test_policy_stand/frames.csv", &t, &err), 0, "%s", err.msg);
  double tilt = max_tilt_deg(&t);
  int cz = stats_table_col(&t, "root_z");
  double zmin = INFINITY, z0 = t.data[cz];
  for (int i = 0; i < t.nrows; i++) zmin = fmin(zmin, t.data[(size_t)i * t.ncols + cz]);
  stats_table_free(&t);
  cr_assert(tilt < 15, "pelvis tilted up to %.1f deg from its start", tilt);
  cr_assert(zmin > 0.9 * z0, "pelvis sank to %.3f m from %.3f m", zmin, z0);
}
