/* tests/envs/test_mot.c: the OpenSim .mot/.sto reader on good and bad files. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/envs/env_model_helper.h"
#include "envs/motion/mot.h"
#include "envs/motion/refmotion.h"
#include "tests/test_paths.h"

static const char *k_good =
    "Coordinates\nversion=1\nnRows=3\nnColumns=4\ninDegrees=yes\n\nUnits are S.I.\nendheader\n"
    "time\tpelvis_tilt\thip_flexion_r\tknee_angle_r\n"
    "0.0\t1.5\t10\t-20\n0.01\t1.6\t11\t-21\r\n0.02 1.7 12 -22\n";

Test(mot, good_text) {
  mot_table t;
  d2m_err e;
  cr_assert_eq(mot_parse(k_good, strlen(k_good), "good.mot", &t, &e), 0, "%s", e.msg);
  cr_assert_eq(t.nrows, 3);
  cr_assert_eq(t.ncols, 4);
  cr_assert(t.in_degrees);
  cr_assert_eq(mot_col(&t, "knee_angle_r"), 3);
  cr_assert_eq(mot_col(&t, "nope"), -1);
  cr_assert_float_eq(mot_at(&t, 2, 3), -22.0, 1e-12);
  cr_assert_eq(t.names_line, 9);
  mot_free(&t);
}

/* Header lines padded with tabs, as in OpenSim's tutorial files (Arnold et al. crouch gait). */
Test(mot, tab_padded_header) {
  const char *text = "crouch_gait\t\t\nversion=1\t\t\nnRows=2\t\t\nnColumns=3\t\t\ninDegrees=yes\t\t\nendheader\t\t\n"
                     "time\thip_flexion_r\tknee_angle_r\n0\t10\t-20\n0.5\t11\t-21\n";
  mot_table t;
  d2m_err e;
  cr_assert_eq(mot_parse(text, strlen(text), "tabs.mot", &t, &e), 0, "%s", e.msg);
  cr_assert_eq(t.nrows, 2);
  cr_assert_eq(t.ncols, 3);
  cr_assert(t.in_degrees);
  mot_free(&t);
}

/* gait2354's pelvis origin -> Rajagopal's (mot.h): known answers at tilt 0 and 90 deg; tables in
 * Rajagopal's convention (by header or by positive knee flexion) are left alone. */
Test(mot, pelvis_origin_gait2354_to_rajagopal) {
  const char *g = "x\nendheader\ntime pelvis_tilt pelvis_list pelvis_rotation pelvis_tx pelvis_ty pelvis_tz knee_angle_r\n"
                  "0 0 0 0 1 1 0.5 -20\n0.5 90 0 0 1 1 0.5 -10\n";
  mot_table t;
  d2m_err e;
  cr_assert_eq(mot_parse(g, strlen(g), "g.mot", &t, &e), 0, "%s", e.msg);
  t.in_degrees = 1; /* no inDegrees line: set as a header would */
  cr_assert(mot_pelvis_is_gait2354(&t), "knee flexion negative, no convention line: gait2354");
  cr_assert_eq(mot_pelvis_to_rajagopal(&t), 1);
  const double dx = 0.0200 - 0.00953047, dy = 0.0300 - 0.0180816;
  cr_assert_float_eq(mot_at(&t, 0, 4), 1 + dx, 1e-12); /* upright: 10.5 mm forward, 11.9 mm up */
  cr_assert_float_eq(mot_at(&t, 0, 5), 1 + dy, 1e-12);
  cr_assert_float_eq(mot_at(&t, 0, 6), 0.5, 1e-12);
  cr_assert_float_eq(mot_at(&t, 1, 4), 1 - dy, 1e-12); /* tilted 90 deg about z: pelvis x is ground y */
  cr_assert_float_eq(mot_at(&t, 1, 5), 1 + dx, 1e-12);
  mot_free(&t);
  const char *r = "x\nconvention=Rajagopal2016: ...\nendheader\ntime pelvis_tilt pelvis_list pelvis_rotation pelvis_tx "
                  "pelvis_ty pelvis_tz knee_angle_r\n0 0 0 0 1 1 0.5 -20\n";
  cr_assert_eq(mot_parse(r, strlen(r), "r.mot", &t, &e), 0, "%s", e.msg);
  cr_assert_eq(mot_pelvis_to_rajagopal(&t), 0, "the header names Rajagopal's convention");
  cr_assert_float_eq(mot_at(&t, 0, 4), 1.0, 1e-12);
  mot_free(&t);
  const char *p = "x\nendheader\ntime pelvis_tilt pelvis_list pelvis_rotation pelvis_tx pelvis_ty pelvis_tz knee_angle_r\n"
                  "0 0 0 0 1 1 0.5 20\n";
  cr_assert_eq(mot_parse(p, strlen(p), "p.mot", &t, &e), 0, "%s", e.msg);
  cr_assert_eq(mot_pelvis_to_rajagopal(&t), 0, "knee flexion positive: Rajagopal's sign");
  mot_free(&t);
}

static void expect_bad(const char *text, const char *where, const char *what) {
  mot_table t;
  d2m_err e = {{0}};
  cr_assert_eq(mot_parse(text, strlen(text), "bad.mot", &t, &e), -1, "accepted: %s", text);
  cr_assert(strstr(e.msg, where), "message '%s' lacks '%s'", e.msg, where);
  cr_assert(strstr(e.msg, what), "message '%s' lacks '%s'", e.msg, what);
  cr_assert_null(t.data);
}

Test(mot, bad_files) {
  expect_bad("nRows=1\ntime a\n0 1\n", "bad.mot:3:1", "endheader");
  expect_bad("endheader\n", "bad.mot:", "column-name");
  expect_bad("endheader\ntime a b\n0 1 2\n0.1 1\n", "bad.mot:4:3", "2 cells");
  expect_bad("endheader\ntime a b\n0 1 2\n0.1 1 2 3\n", "bad.mot:4:4", "more cells");
  expect_bad("endheader\ntime a b\n0 1 2\n0.1 x1 2\n", "bad.mot:4:2", "not a finite number");
  expect_bad("endheader\ntime a b\n0 1 2\n0.1 nan 2\n", "bad.mot:4:2", "not a finite number");
  expect_bad("endheader\ntime a b\n0 1 2\n0 1 2\n", "bad.mot:4:1", "increase");
  expect_bad("nColumns=4\nendheader\ntime a b\n0 1 2\n", "bad.mot:3:", "nColumns=4");
  /* nRows disagreeing with the rows is only a warning (see mot.c): the rows are read. */
  {
    const char *text = "nRows=5\nendheader\ntime hip_flexion_r knee_angle_r\n0 1 2\n";
    mot_table t;
    d2m_err e;
    cr_assert_eq(mot_parse(text, strlen(text), "rows.mot", &t, &e), 0, "%s", e.msg);
    cr_assert_eq(t.nrows, 1);
    mot_free(&t);
  }
  expect_bad("endheader\ntime a a\n0 1 2\n", "bad.mot:2:3", "duplicate");
  expect_bad("endheader\ntime a\n", "bad.mot:", "no data rows");
  mot_table t;
  d2m_err e;
  cr_assert_eq(mot_read("/nonexistent/x.mot", &t, &e), -1);
  cr_assert(strstr(e.msg, "/nonexistent/x.mot"));
}

Test(mot, unknown_coordinate) {
  const char *txt = "endheader\ntime\thip_flexion_r\tbogus_angle\n0 1 2\n0.5 1 2\n1.0 1 2\n";
  mot_table t;
  d2m_err e;
  cr_assert_eq(mot_parse(txt, strlen(txt), "u.mot", &t, &e), 0, "%s", e.msg);
  mjModel *m = test_model(&e);
  cr_assert(m, "%s", e.msg);
  refmotion r;
  refmotion_opts o;
  refmotion_opts_init(&o, 1.0 / 30);
  cr_assert_eq(refmotion_from_mot(&r, m, &t, &o, &e), -1);
  cr_assert(strstr(e.msg, "u.mot:2:3") && strstr(e.msg, "bogus_angle"), "%s", e.msg);
  mot_free(&t);
  mj_deleteModel(m);
}

Test(mot, real_trial) {
  char path[512];
  test_shared_path(path, sizeof path, "mocap/opensim_gait2354_subject01/subject01_walk1_ik.mot");
  mot_table t;
  d2m_err e;
  cr_assert_eq(mot_read(path, &t, &e), 0, "%s", e.msg);
  cr_assert_eq(t.nrows, 73);
  cr_assert_eq(t.ncols, 24);
  cr_assert(t.in_degrees);
  cr_assert_float_eq(mot_at(&t, 0, 0), 0.4, 1e-9);
  mot_free(&t);
}
