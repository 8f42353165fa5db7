/* tests/motion/test_segmarkers.c: virtual markers from segment rotations (mocap/segmarkers.h) through
 * `motion import` of skeleton files: a small BVH made here whose pelvis tilts 10 deg while the legs
 * stay put (joint centres alone cannot see it: the hips lie on the tilt axis), a BVH without toes
 * (refused, naming the joint), and the CMU BVH and ASF/AMC files of $D2M_SHARED_DATA (skipped when
 * absent): at least 12 matched markers and every leg joint observed. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/files.h"
#include "deploy/cli.h"
#include "envs/motion/mot.h"
#include "envs/model/model.h"
#include "mocap/markerset.h"
#include "mocap/motion_cmd.h"
#include "mocap/segmarkers.h"
#include "tests/cli_capture.h"
#include "tests/test_paths.h"

#define NF 60 /* frames at 100 Hz; the pelvis tilts from frame 30 on */

/* Lower body in metres, y up, facing +z, the right leg at -x (CMU's cgspeed layout). Every joint has
 * Zrotation Xrotation Yrotation channels. Walks along +z at 1 m/s with both knees flexed 20 deg;
 * from frame NF/2 the pelvis (Hips) tilts 10 deg forward about +x (the left) and both hips extend 10
 * deg so that the legs do not move. toes = 0 leaves the toe joints out. */
static void write_bvh(const char *path, int toes) {
  FILE *f = fopen(path, "w");
  cr_assert(f, "%s", path);
  const char *ch = "CHANNELS 3 Zrotation Xrotation Yrotation";
  fprintf(f, "HIERARCHY\nROOT Hips\n{\n OFFSET 0 0 0\n CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation\n");
  for (int s = 0; s < 2; s++) {
    const char *side = s ? "Left" : "Right";
    double x = s ? 0.085 : -0.085;
    fprintf(f, " JOINT %sUpLeg\n {\n  OFFSET %g -0.07 0\n  %s\n", side, x, ch);
    fprintf(f, "  JOINT %sLeg\n  {\n   OFFSET 0 -0.42 0\n   %s\n", side, ch);
    fprintf(f, "   JOINT %sFoot\n   {\n    OFFSET 0 -0.41 0\n    %s\n", side, ch);
    if (toes) fprintf(f, "    JOINT %sToeBase\n    {\n     OFFSET 0 -0.045 0.15\n     %s\n", side, ch);
    fprintf(f, "     End Site\n     {\n      OFFSET 0 0 0.05\n     }\n");
    if (toes) fprintf(f, "    }\n");
    fprintf(f, "   }\n  }\n }\n");
  }
  fprintf(f, "}\nMOTION\nFrames: %d\nFrame Time: 0.01\n", NF);
  for (int i = 0; i < NF; i++) {
    double tilt = i >= NF / 2 ? 10 : 0;
    fprintf(f, "0 0.95 %.4f 0 %g 0", 0.01 * i, tilt);
    for (int s = 0; s < 2; s++) {
      /* hip: -tilt undoes the pelvis and flexes the thigh 10 deg (knee forward: -x rotation); knee: +20 (shank back);
       * ankle: -10 keeps the foot flat */
      fprintf(f, " 0 %g 0 0 20 0 0 -10 0", -tilt - 10);
      if (toes) fprintf(f, " 0 0 0");
    }
    fputc('\n', f);
  }
  fclose(f);
}

static char *slurp(const char *path) {
  uint8_t *buf;
  size_t n;
  d2m_err err;
  cr_assert_eq(file_slurp(path, 1 << 22, &buf, &n, &err), 0, "%s", err.msg);
  return (char *)buf;
}

/* Matched markers from the report's "trial: N of its M markers matched" line. */
static int matched(const char *rep) {
  const char *p = strstr(rep, "trial: ");
  cr_assert(p, "no 'trial:' line");
  return atoi(p + 7);
}

/* Every leg joint of the report is observed (mtp: locked by the default --lock). */
static void all_observed(const char *rep) {
  static const char *j[] = {"hip_flexion", "hip_adduction", "hip_rotation", "knee_angle", "ankle_angle", "subtalar_angle"};
  for (int s = 0; s < 2; s++)
    for (int k = 0; k < 6; k++) {
      char name[64];
      snprintf(name, sizeof name, "\n  %s_%c ", j[k], s ? 'l' : 'r');
      const char *p = strstr(rep, name);
      cr_assert(p, "%s not in the report", name + 3);
      char line[128];
      snprintf(line, sizeof line, "%s", p + 1);
      line[strcspn(line, "\n")] = 0;
      cr_assert(strstr(line, "observed") && !strstr(line, "unobserved"), "%s", line);
    }
}

static double mean_col(const mot_table *t, const char *c, int a, int b) {
  int k = mot_col(t, c);
  cr_assert(k > 0, "%s", c);
  double s = 0;
  for (int i = a; i < b; i++) s += mot_at(t, i, k);
  return s / (b - a);
}

/* Known answer: a skeleton that is the model itself (joint centres of its neutral pose), turned as a
 * whole by 30 deg about the vertical and moved, puts every virtual marker where the marker set puts it
 * on the model, turned and moved alike. */
Test(segmarkers, model_skeleton_gives_the_sets_markers) {
  static const char *const jb[SJ_N] = {"femur_r", "tibia_r", "talus_r", "toes_r", "femur_l", "tibia_l", "talus_l", "toes_l"};
  d2m_err err;
  mjModel *m = model_load(NULL, &err);
  cr_assert(m, "%s", err.msg);
  mjData *d = mj_makeData(m);
  mj_kinematics(m, d);
  double c = cos(M_PI / 6), sn = sin(M_PI / 6), R[9] = {c, -sn, 0, sn, c, 0, 0, 0, 1}, t[3] = {0.3, -0.2, 0.05};
  seg_skeleton sk;
  seg_skeleton_alloc(&sk, 2);
  for (int j = 0; j < SJ_N; j++) {
    const double *x = d->xpos + 3 * mj_name2id(m, mjOBJ_BODY, jb[j]);
    for (int k = 0; k < 3; k++) sk.ref[j][k] = x[k], sk.pos[3 * j + k] = x[k];
    double w[3];
    mju_rotVecMat(w, x, R);
    for (int k = 0; k < 3; k++) sk.pos[3 * (SJ_N + j) + k] = w[k] + t[k];
  }
  for (int g = 0; g < SEG_N; g++) {
    double I[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
    memcpy(sk.rot + 9 * g, I, sizeof I);
    memcpy(sk.rot + 9 * (SEG_N + g), R, sizeof R);
  }
  mk_markers mk = {0};
  mk_alloc(&mk, 1, 2);
  snprintf(mk.names[0], MK_NAME_MAX, "X");
  cr_assert_eq(segmk_add(&mk, &sk, &err), 0, "%s", err.msg);
  cr_assert_eq(mk.nmarkers, 1 + SEGMK_N);
  markerset set;
  cr_assert_eq(markerset_default(&set, &err), 0, "%s", err.msg);
  for (int i = 1; i < mk.nmarkers; i++) {
    int k = markerset_find(&set, mk.names[i]), b = mj_name2id(m, mjOBJ_BODY, set.m[k].body);
    double p[3], q[3];
    mju_rotVecMat(p, set.m[k].offset, d->xmat + 9 * b);
    for (int a = 0; a < 3; a++) p[a] += d->xpos[3 * b + a];
    mju_rotVecMat(q, p, R);
    for (int a = 0; a < 3; a++) {
      cr_assert_float_eq(mk_at(&mk, 0, i)[a], p[a], 1e-9, "%s (reference pose) axis %d", mk.names[i], a);
      cr_assert_float_eq(mk_at(&mk, 1, i)[a], q[a] + t[a], 1e-9, "%s (turned) axis %d", mk.names[i], a);
    }
  }
  markerset_free(&set);
  mk_free(&mk);
  seg_skeleton_free(&sk);
  mj_deleteData(d);
  mj_deleteModel(m);
}

Test(segmarkers, bvh_pelvis_tilt_seen_through_virtual_markers, .timeout = 60) {
  char dir[] = "/tmp/d2m_segmk_XXXXXX", bvh[128], out[128], p[160];
  cr_assert(mkdtemp(dir));
  snprintf(bvh, sizeof bvh, "%s/tilt.bvh", dir);
  snprintf(out, sizeof out, "%s/out", dir);
  write_bvh(bvh, 1);
  motion_import_opts o;
  motion_import_opts_default(&o);
  o.in = bvh, o.out = out;
  cr_assert_eq(motion_import_run(&o), 0);
  snprintf(p, sizeof p, "%s/import_report.txt", out);
  char *rep = slurp(p);
  cr_assert_geq(matched(rep), 12, "%s", rep);
  cr_assert(strstr(rep, "R.ASIS") && strstr(rep, "RMT5") && strstr(rep, "L.Knee.Med"), "virtual markers matched");
  all_observed(rep);
  free(rep);
  mot_table t;
  d2m_err err;
  snprintf(p, sizeof p, "%s/motion.mot", out);
  cr_assert_eq(mot_read(p, &t, &err), 0, "%s", err.msg);
  cr_assert_eq(t.nrows, NF);
  /* OpenSim's pelvis_tilt is positive backwards: a 10 deg forward tilt is -10, and the hips flex 10 more */
  double dt = mean_col(&t, "pelvis_tilt", NF / 2 + 5, NF) - mean_col(&t, "pelvis_tilt", 0, NF / 2 - 5);
  double dr = mean_col(&t, "hip_flexion_r", NF / 2 + 5, NF) - mean_col(&t, "hip_flexion_r", 0, NF / 2 - 5);
  double dl = mean_col(&t, "hip_flexion_l", NF / 2 + 5, NF) - mean_col(&t, "hip_flexion_l", 0, NF / 2 - 5);
  cr_log_info("pelvis tilt change %.2f deg (file: -10), hip flexion change r %.2f l %.2f deg (file: +10)", dt, dr, dl);
  cr_assert_float_eq(dt, -10, 1.5, "pelvis_tilt changes by %.2f deg", dt);
  cr_assert_float_eq(dr, 10, 1.5, "hip_flexion_r changes by %.2f deg", dr);
  cr_assert_float_eq(dl, 10, 1.5, "hip_flexion_l changes by %.2f deg", dl);
  mot_free(&t);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  cr_assert_eq(system(cmd), 0);
}

Test(segmarkers, bvh_without_toes_is_refused_naming_the_joint, .timeout = 60) {
  char dir[] = "/tmp/d2m_segmk_XXXXXX", bvh[128], out[128], text[4096];
  cr_assert(mkdtemp(dir));
  snprintf(bvh, sizeof bvh, "%s/notoes.bvh", dir);
  snprintf(out, sizeof out, "%s/out", dir);
  write_bvh(bvh, 0);
  char *argv[] = {"motion", "import", bvh, "--out", out};
  cr_assert_eq(cli_capture(motion_cli, text, sizeof text, 5, argv), 1, "%s", text);
  cr_assert(strstr(text, "no joint 'RightToeBase'") && strstr(text, "ankle_angle_r and subtalar_angle_r cannot be observed"),
            "%s", text);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  cr_assert_eq(system(cmd), 0);
}

/* The CMU files: >= 12 matched markers, every leg joint observed, joint centres still fitted closely. */
static void cmu_import(const char *name, int want_frames) {
  char in[1024], dir[] = "/tmp/d2m_segmk_XXXXXX", p[160];
  test_shared_path(in, sizeof in, "mocap/cmu_bvh_asf_amc/%s", name);
  cr_assert(mkdtemp(dir));
  motion_import_opts o;
  motion_import_opts_default(&o);
  o.in = in, o.out = dir;
  cr_assert_eq(motion_import_run(&o), 0);
  snprintf(p, sizeof p, "%s/import_report.txt", dir);
  char *rep = slurp(p);
  int n = matched(rep);
  all_observed(rep);
  char fr[64];
  snprintf(fr, sizeof fr, "%d frames at ", want_frames);
  cr_assert(strstr(rep, fr), "%s", rep);
  const char *m = strstr(rep, "marker RMS error per frame: mean ");
  cr_assert(m);
  double rms = atof(m + strlen("marker RMS error per frame: mean "));
  cr_log_info("%s: %d matched markers, marker RMS mean %.1f mm", name, n, rms);
  cr_assert_geq(n, 12, "%s: %d matched markers", name, n);
  cr_assert(rms > 0 && rms < 10, "%s: marker RMS %.1f mm", name, rms);
  free(rep);
  char cmd[256];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  cr_assert_eq(system(cmd), 0);
}

Test(segmarkers, cmu_bvh_131_02, .timeout = 60) { cmu_import("cmu_131_02_start_walk_stop.bvh", 1247); }
Test(segmarkers, cmu_bvh_131_01_scaled, .timeout = 60) { cmu_import("cmu_131_01_start_walk_stop_scaled_m.bvh", 995); }
Test(segmarkers, cmu_asf_amc_walk, .timeout = 60) { cmu_import("cmu_walk_01.amc", 343); }
