/* tests/analysis/test_opensim.c: `drl2move eval --opensim` (issue 15): OpenSim's own IK of the
 * gait2354 example (subject01_walk1_ik.mot, $D2M_SHARED_DATA) played back in the imitate task and
 * written back in OpenSim's formats: the joint angles match OpenSim's within 1 deg after the named
 * convention (gait2354 knee flexion negative, Rajagopal2016 positive); the storage files, the
 * ExternalLoads GRF and its XML are complete. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/eval.h"
#include "analysis/opensim_out.h"
#include "common/ckpt.h"
#include "common/config.h"
#include "envs/env.h"
#include "envs/env_config.h"
#include "envs/model/model.h"
#include "envs/motion/mot.h"
#include "nn/ac.h"
#include "nn/ac_config.h"
#include "nn/policy_file.h"
#include "nn/rstat.h"
#include "tests/analysis/eval_fixture.h"
#include "tests/test_paths.h"

/* Column c of t at time x (linear interpolation; NAN outside). */
static double interp(const mot_table *t, int c, double x) {
  for (int i = 0; i + 1 < t->nrows; i++) {
    double t0 = mot_at(t, i, 0), t1 = mot_at(t, i + 1, 0);
    if (x >= t0 - 1e-9 && x <= t1 + 1e-9) return mot_at(t, i, c) + (x - t0) / (t1 - t0) * (mot_at(t, i + 1, c) - mot_at(t, i, c));
  }
  return NAN;
}

Test(opensim, ik_mot_round_trip_through_imitate_playback, .timeout = 180) {
  char ik[1024];
  test_shared_path(ik, sizeof ik, "mocap/opensim_gait2354_subject01/subject01_walk1_ik.mot");
  const char *dir = "/tmp/d2m_test_opensim_mocap";
  char ck[256], set[1100], p[512];
  snprintf(ck, sizeof ck, "%s.ckpt", dir);
  write_fresh_checkpoint(ck, "imitate");
  snprintf(set, sizeof set, "imitate.motion=%s", ik);
  eval_opts o;
  eval_opts_default(&o);
  o.checkpoint = ck, o.out_dir = dir, o.drive = EVAL_PLAYBACK, o.opensim = 1, o.max_steps = 36; /* 1.2 s at 30 Hz */
  o.set[o.nset++] = set;
  eval_result r;
  d2m_err err = {{0}};
  cr_assert_eq(eval_run(&o, &r, &err), 0, "%s", err.msg);
  mot_table os, ours;
  cr_assert_eq(mot_read(ik, &os, &err), 0, "%s", err.msg);
  snprintf(p, sizeof p, "%s/opensim/ep0/joint_angles.mot", dir);
  cr_assert_eq(mot_read(p, &ours, &err), 0, "%s", err.msg);
  cr_assert_str_eq(ours.convention, "Rajagopal2016");
  cr_assert(ours.in_degrees);
  double t0 = mot_at(&os, 0, 0), worst = 0;
  int compared = 0;
  for (int c = 1; c < ours.ncols; c++) {
    const char *n = ours.names[c];
    int k = mot_col(&os, n);
    if (k < 0 || (!strncmp(n, "pelvis_t", 8) && n[8] != 'i')) continue; /* translations: floor placement differs */
    double sign = !strncmp(n, "knee_angle", 10) ? -1 : 1, ss = 0;
    int m = 0;
    for (int i = 0; i < ours.nrows; i++) {
      double v = interp(&os, k, t0 + mot_at(&ours, i, 0));
      if (!isfinite(v)) continue;
      double d = mot_at(&ours, i, c) - sign * v;
      if (!strcmp(n, "pelvis_rotation")) continue; /* heading: the clip is turned to face the model's way */
      ss += d * d, m++;
      worst = fmax(worst, fabs(d));
      cr_assert_leq(fabs(d), 1.0, "%s at %.3f s: %.3f deg vs OpenSim's %.3f (sign %+g)", n, mot_at(&ours, i, 0),
                    mot_at(&ours, i, c), v, sign);
    }
    compared += m > 0;
  }
  cr_log_info("round trip: %d coordinates compared, worst difference %.3f deg", compared, worst);
  cr_assert_geq(compared, 14, "hips, knees, ankles, subtalars, mtps and pelvis angles");
  mot_free(&os);
  mot_free(&ours);
  /* storage files: one column per muscle; GRF: 18 columns in the ExternalLoads layout, and its XML */
  static const char *files[] = {"activations.sto", "excitations.sto", "grf.mot"};
  static const int cols[] = {81, 81, 19};
  for (int f = 0; f < 3; f++) {
    mot_table t;
    snprintf(p, sizeof p, "%s/opensim/ep0/%s", dir, files[f]);
    cr_assert_eq(mot_read(p, &t, &err), 0, "%s", err.msg);
    cr_assert_eq(t.ncols, cols[f], "%s: %d columns", files[f], t.ncols);
    cr_assert_eq(t.nrows, 36);
    if (f == 0) cr_assert(mot_col(&t, "/forceset/soleus_r/activation") > 0);
    if (f == 2) {
      int vy = mot_col(&t, "r_ground_force_vy"), py = mot_col(&t, "l_ground_force_py");
      cr_assert(vy > 0 && py > 0 && mot_col(&t, "l_ground_torque_y") > 0);
      double peak = 0;
      for (int i = 0; i < t.nrows; i++) peak = fmax(peak, mot_at(&t, i, vy));
      cr_assert_gt(peak, 1.0, "the right foot is loaded at some frame (vertical = OpenSim y)");
    }
    mot_free(&t);
  }
  snprintf(p, sizeof p, "%s/opensim/ep0/grf.xml", dir);
  FILE *x = fopen(p, "r");
  cr_assert(x, "%s", p);
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf - 1, x);
  fclose(x);
  buf[n] = 0;
  cr_assert(strstr(buf, "<ExternalLoads") && strstr(buf, "<applied_to_body>calcn_r</applied_to_body>") &&
            strstr(buf, "<force_identifier>l_ground_force_v</force_identifier>") && strstr(buf, "<datafile>grf.mot</datafile>"));
}
