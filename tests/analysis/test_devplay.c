/* tests/analysis/test_devplay.c: `drl2move device playback` (analysis/devplay.h) on the embedded gait:
 * the profile's impulse has its closed form, the table's FSM column is the impedance law at the
 * gait's ankle angle and velocity, and the inverse-dynamics ankle moment is a walking one. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/devplay.h"

Test(devplay, embedded_gait_known_answers) {
  char dir[] = "/tmp/d2m_devplayXXXXXX";
  cr_assert_not_null(mkdtemp(dir));
  devplay_opts o = {.out_dir = dir, .dt = 1.0 / 150, .contact_bw = 0.3, .nset = 3,
                    .set = {"device.pros_imp_k=100,300,20", "device.pros_imp_b=2,1,0.5", "device.pros_imp_eq=0.05,-0.2,0.1"}};
  devplay_result R;
  d2m_err err = {0};
  cr_assert_eq(devplay_run(&o, &R, &err), 0, "%s", err.msg);
  /* smoothstep up and down integrate to half the peak over (offset - onset) of the cycle */
  double T = 0.75 * R.body_mass, want = 0.5 * T * (0.62 - 0.25) * R.period_s;
  cr_assert_float_eq(R.exo_impulse, want, 0.01 * want, "%g vs %g", R.exo_impulse, want);
  cr_assert_float_eq(R.exo_peak, T, 0.01 * T);
  /* a walking ankle: peak plantarflexion near 1.5 N m/kg (Winter 2009), stance about 60% of the cycle */
  cr_assert(R.bio_peak_pf / R.body_mass > 0.8 && R.bio_peak_pf / R.body_mass < 2.2, "%g N m/kg", R.bio_peak_pf / R.body_mass);
  cr_assert(R.stance_frac > 0.5 && R.stance_frac < 0.75, "stance %g", R.stance_frac);
  cr_assert_gt(R.bio_wpos, 0);
  /* every row: the FSM column is -(-k (q - q_eq) - b dq) of its phase */
  char path[256], line[512];
  snprintf(path, sizeof path, "%s/device_playback.csv", dir);
  FILE *f = fopen(path, "r");
  cr_assert_not_null(f);
  cr_assert_not_null(fgets(line, sizeof line, f));
  const double K[3] = {100, 300, 20}, B[3] = {2, 1, 0.5}, E[3] = {0.05, -0.2, 0.1};
  int rows = 0, seen[3] = {0, 0, 0};
  while (fgets(line, sizeof line, f)) {
    double t, ph, qdeg, dq, grf, bio, exo, fsm;
    int fp;
    cr_assert_eq(sscanf(line, "%lf,%lf,%lf,%lf,%lf,%d,%lf,%lf,%lf", &t, &ph, &qdeg, &dq, &grf, &fp, &bio, &exo, &fsm), 9);
    cr_assert(fp >= 0 && fp <= 2);
    seen[fp] = 1;
    double q = qdeg * M_PI / 180, tau = -K[fp] * (q - E[fp]) - B[fp] * dq;
    tau = tau > 150 ? 150 : tau < -150 ? -150 : tau;
    cr_assert_float_eq(fsm, -tau, 0.01 + 1e-3 * fabs(tau), "row %d", rows);
    rows++;
  }
  fclose(f);
  cr_assert_eq(rows, R.nframes);
  cr_assert(seen[0] && seen[1] && seen[2], "every phase of the FSM occurs in a cycle");
  /* through a very stiff series spring the devices deliver their commands; through a soft, slow one
   * the profile's torque lags and its peak falls */
  devplay_result S;
  o.set[o.nset++] = "device.series_k=1e6";
  cr_assert_eq(devplay_run(&o, &S, &err), 0, "%s", err.msg);
  cr_assert_float_eq(S.exo_impulse, R.exo_impulse, 1e-3 * R.exo_impulse);
  cr_assert_float_eq(S.fsm_impulse, R.fsm_impulse, 1e-3 * R.fsm_impulse);
  o.set[o.nset - 1] = "device.series_k=50";
  o.set[o.nset++] = "device.motor_speed=1";
  cr_assert_eq(devplay_run(&o, &S, &err), 0, "%s", err.msg);
  cr_assert_lt(S.exo_peak, 0.8 * R.exo_peak, "%g vs %g", S.exo_peak, R.exo_peak);
  const char *names[] = {"device_playback.csv", "device_playback.md", "device_playback.gp", "device_playback.png",
                         "device_playback.gp.err"};
  for (int i = 0; i < 5; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    unlink(path);
  }
  rmdir(dir);
}
