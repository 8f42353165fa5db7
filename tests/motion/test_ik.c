/* tests/motion/test_ik.c: marker set files, marker IK (synthetic markers from known poses with noise
 * and gaps), lab axes, the .mot round trip through refmotion, the motion library's weighted
 * sampling, and (with $D2M_SHARED_DATA) the OpenSim gait2354 validation and a Vicon C3D trial
 * played back in the imitate task. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/rng.h"
#include "envs/env.h"
#include "envs/env_config.h"
#include "envs/model/model.h"
#include "mocap/c3d.h"
#include "mocap/ik.h"
#include "mocap/ik_import.h"
#include "mocap/markerset.h"
#include "envs/motion/motionlib.h"
#include "mocap/trc.h"
#include "tests/test_paths.h"

static mjModel *g_m;
static markerset g_set;

static void setup(void) {
  d2m_err e;
  g_m = model_load(NULL, &e);
  cr_assert(g_m, "model_load: %s", e.msg);
  cr_assert_eq(markerset_default(&g_set, &e), 0, "%s", e.msg);
}
static void teardown(void) {
  mj_deleteModel(g_m);
  markerset_free(&g_set);
}

static void data_path(char *out, size_t cap, const char *rel) { test_shared_path(out, cap, "%s", rel); }

static double deg(double r) { return r * 180.0 / M_PI; }

Test(motion_ik, markerset_embedded_equals_file) {
  for (int i = 0; i < MS_NSETS; i++) {
    char p[1024];
    test_source_path(p, sizeof p, "mocap/markersets/%s.markers", markerset_embedded_name(i));
    FILE *f = fopen(p, "rb");
    cr_assert(f, "%s", p);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    cr_assert_str_eq(buf, markerset_embedded_text(i), "%s: regenerate with: sh mocap/markersets/embed.sh > mocap/markerset_text.c", p);
  }
}

Test(motion_ik, markerset_parse_and_errors, .init = setup, .fini = teardown) {
  markerset s;
  d2m_err e;
  const char *ok = "# c\nmarker A pelvis 0 0.1 0 2 fixed\nmarker B femur_r 0 -0.4 0.05 1 free # x\nscale thigh A B\n";
  cr_assert_eq(markerset_parse(ok, strlen(ok), "t", &s, &e), 0, "%s", e.msg);
  cr_assert_eq(s.n, 2);
  cr_assert_eq(s.npairs, 1);
  cr_assert_float_eq(s.m[1].offset[2], 0.05, 1e-12);
  cr_assert_eq(s.m[0].fixed, 1);
  cr_assert_eq(s.m[1].fixed, 0);
  markerset_free(&s);
  const char *bad[] = {"marker A pelvis 0 0 x 1 fixed\n", "marker A pelvis 0 0 0 -1 fixed\n", "marker A pelvis 0 0 0 1 loose\n",
                       "marker A pelvis 0 0 0 1 fixed\nscale s A Z\n", "markers A\n", "marker A pelvis 0 0 0 1 fixed\nmarker A pelvis 0 0 0 1 fixed\n"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cr_assert_eq(markerset_parse(bad[i], strlen(bad[i]), "bad.markers", &s, &e), -1, "case %zu", i);
    cr_assert(strstr(e.msg, "bad.markers:"), "message names file:line: %s", e.msg);
  }
  /* every marker of the default set is on a body of the model */
  ik_solver ik;
  cr_assert_eq(ik_init(&ik, g_m, &g_set, 1.0, &e), 0, "%s", e.msg);
  cr_assert_eq(ik.ndof, 6 + 14, "root 6 + 14 independent hinges");
  cr_assert_eq(ik.nslave, 14, "14 joints slaved to the knees");
  ik_free(&ik);
}

/* A pose away from keyframe 0: every independent hinge moved inside its range, root turned. */
static void test_pose(const ik_solver *ik, double *q, double amp) {
  const mjModel *m = g_m;
  mju_copy(q, m->key_qpos, m->nq);
  for (int c = ik->root_dofs, k = 0; c < ik->ndof; c++, k++) {
    int j = m->dof_jntid[ik->dof[c]];
    double lo = m->jnt_range[2 * j], hi = m->jnt_range[2 * j + 1], mid = 0.5 * (lo + hi);
    double x = mid + amp * 0.5 * (hi - lo) * sin(1.7 * k + 0.3);
    q[m->jnt_qposadr[j]] = x;
  }
  double quat[4], axis[3] = {0.1, 0.2, 1};
  mju_normalize3(axis);
  mju_axisAngle2Quat(quat, axis, 0.4);
  double r[4];
  mju_mulQuat(r, quat, q + 3);
  mju_copy4(q + 3, r);
  q[0] += 0.3;
  q[1] -= 0.2;
  ik_project(ik, q);
}

static void max_hinge_err(const ik_solver *ik, const double *a, const double *b, double *err_deg, double *root_mm) {
  *err_deg = 0;
  for (int c = ik->root_dofs; c < ik->ndof; c++) {
    int j = g_m->dof_jntid[ik->dof[c]], adr = g_m->jnt_qposadr[j];
    if (strstr(mj_id2name(g_m, mjOBJ_JOINT, j), "mtp")) continue; /* no marker observes the toes' rotation */
    *err_deg = fmax(*err_deg, fabs(deg(a[adr] - b[adr])));
  }
  double v[3] = {a[0] - b[0], a[1] - b[1], a[2] - b[2]};
  *root_mm = 1e3 * mju_norm3(v);
}

/* Markers from a known pose by forward kinematics, 1 mm noise and gaps; IK from keyframe 0. */
Test(motion_ik, synthetic_recovery_noise_and_gaps, .init = setup, .fini = teardown) {
  ik_solver ik;
  d2m_err e;
  cr_assert_eq(ik_init(&ik, g_m, &g_set, 1.0, &e), 0, "%s", e.msg);
  ik_opts o;
  ik_opts_default(&o);
  double *q = xmalloc(sizeof(double) * g_m->nq), *qs = xmalloc(sizeof(double) * g_m->nq);
  double *x = xmalloc(sizeof(double) * 3 * ik.nmk);
  rng_t r;
  rng_seed(&r, 7, 0, 0, 0);
  /* exact markers: the pose comes back to numerical precision */
  test_pose(&ik, q, 0.4);
  ik_marker_pos(&ik, q, x);
  mju_copy(qs, g_m->key_qpos, g_m->nq);
  qs[0] = q[0], qs[1] = q[1], qs[2] = q[2];
  ik_solve(&ik, x, NULL, 1, qs, &o);
  double rms = ik_solve(&ik, x, NULL, 0, qs, &o), eh, er;
  max_hinge_err(&ik, q, qs, &eh, &er);
  cr_assert_lt(rms, 1e-6, "exact markers: rms %g m", rms);
  cr_assert_lt(eh, 0.01, "exact markers: hinge error %g deg", eh);
  /* noise 1 mm and gaps: 10 of the markers missing (NaN), among them a whole shank cluster */
  for (int i = 0; i < 3 * ik.nmk; i++) x[i] += 1e-3 * rng_normal(&r);
  const char *gap[] = {"R.Shank.Upper", "R.Shank.Front", "R.Shank.Rear", "L.Heel", "RASI", "LTIB", "LTHI", "R.Toe.Med", "V.Sacral", "RHEE"};
  for (size_t g = 0; g < sizeof gap / sizeof *gap; g++) {
    int i = markerset_find(&g_set, gap[g]);
    cr_assert(i >= 0);
    x[3 * i] = x[3 * i + 1] = x[3 * i + 2] = NAN;
  }
  /* the unobserved mtp joints: markers on calcn only, so they are set from the truth */
  mju_copy(qs, g_m->key_qpos, g_m->nq);
  qs[0] = q[0], qs[1] = q[1], qs[2] = q[2];
  for (int j = 0; j < g_m->njnt; j++)
    if (strstr(mj_id2name(g_m, mjOBJ_JOINT, j), "mtp")) qs[g_m->jnt_qposadr[j]] = q[g_m->jnt_qposadr[j]];
  ik_solve(&ik, x, NULL, 1, qs, &o);
  rms = ik_solve(&ik, x, NULL, 0, qs, &o);
  max_hinge_err(&ik, q, qs, &eh, &er);
  cr_log_info("noise 1 mm + 10 gaps: rms %.2f mm, max hinge error %.2f deg, root %.2f mm", 1e3 * rms, eh, er);
  cr_assert_lt(rms, 2e-3);
  cr_assert_lt(eh, 3.0, "max hinge error %.2f deg", eh);
  cr_assert_lt(er, 3.0, "root position error %.2f mm", er);
  /* the slaved joints satisfy their couplings, limits hold */
  double *qc = xmalloc(sizeof(double) * g_m->nq);
  mju_copy(qc, qs, g_m->nq);
  ref_apply_joint_eq(g_m, qc);
  for (int i = 0; i < g_m->nq; i++) cr_assert_float_eq(qc[i], qs[i], 1e-12);
  for (int j = 0; j < g_m->njnt; j++)
    if (g_m->jnt_limited[j] && g_m->jnt_type[j] == mjJNT_HINGE) {
      double v = qs[g_m->jnt_qposadr[j]];
      cr_assert(v >= g_m->jnt_range[2 * j] - 1e-9 && v <= g_m->jnt_range[2 * j + 1] + 1e-9);
    }
  free(qc);
  free(q);
  free(qs);
  free(x);
  ik_free(&ik);
}

/* Targets beyond a joint limit: the solution stays at the limit (projected LM). */
Test(motion_ik, joint_limits_respected, .init = setup, .fini = teardown) {
  ik_solver ik;
  d2m_err e;
  cr_assert_eq(ik_init(&ik, g_m, &g_set, 1.0, &e), 0, "%s", e.msg);
  ik_opts o;
  ik_opts_default(&o);
  double *q = xmalloc(sizeof(double) * g_m->nq), *x = xmalloc(sizeof(double) * 3 * ik.nmk);
  int knee = mj_name2id(g_m, mjOBJ_JOINT, "knee_angle_r"), a = g_m->jnt_qposadr[knee];
  mju_copy(q, g_m->key_qpos, g_m->nq);
  q[a] = -0.3; /* hyperextended: outside [0, 2.09] */
  ref_apply_joint_eq(g_m, q);
  ik_marker_pos(&ik, q, x);
  mju_copy(q, g_m->key_qpos, g_m->nq);
  q[a] = 0.5;
  ik_solve(&ik, x, NULL, 0, q, &o);
  cr_assert_float_eq(q[a], g_m->jnt_range[2 * knee], 1e-9, "knee %g at its lower limit", q[a]);
  /* a locked joint keeps its value whatever the markers say */
  int sub = mj_name2id(g_m, mjOBJ_JOINT, "subtalar_angle_r"), sa = g_m->jnt_qposadr[sub];
  mju_copy(q, g_m->key_qpos, g_m->nq);
  ik_project(&ik, q); /* keyframe 0 may sit a hair outside a range; the truth must be reachable */
  q[sa] = 0.2;
  ik_marker_pos(&ik, q, x);
  q[sa] = -0.1;
  cr_assert_eq(ik_lock(&ik, "subtalar,mtp", q), 4);
  q[sa] = 0.3;
  ik_solve(&ik, x, NULL, 0, q, &o);
  cr_assert_float_eq(q[sa], -0.1, 1e-12, "locked subtalar moved to %g", q[sa]);
  cr_assert_eq(ik_lock(&ik, "none", q), 0);
  ik_solve(&ik, x, NULL, 0, q, &o);
  cr_assert_float_eq(q[sa], 0.2, 1e-3, "unlocked subtalar back to the markers' 0.2: %g", q[sa]);
  free(q);
  free(x);
  ik_free(&ik);
}

Test(motion_ik, axes_parse) {
  double P[9];
  d2m_err e;
  cr_assert_eq(ik_parse_axes("+x+y", P, &e), 0);
  double I[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  for (int i = 0; i < 9; i++) cr_assert_float_eq(P[i], I[i], 0);
  cr_assert_eq(ik_parse_axes("-y+z", P, &e), 0);
  /* forward = -y, up = +z, right = forward x up = -x */
  double W[9] = {0, -1, 0, 0, 0, 1, -1, 0, 0};
  for (int i = 0; i < 9; i++) cr_assert_float_eq(P[i], W[i], 0);
  cr_assert_eq(ik_parse_axes("+x+x", P, &e), -1);
  cr_assert_eq(ik_parse_axes("x+y", P, &e), -1);
}

/* A synthetic trial: the default gait on the reference model, gait2354-named markers expressed in a
 * z-up lab walking along -y ("-y+z"), 0.5 mm noise, one marker missing for a stretch. */
static void synth_trial(mk_markers *t, refmotion *ref, const char *family_dot) {
  d2m_err e;
  cr_assert_eq(refmotion_default_gait(ref, g_m, 1.0 / 30, &e), 0, "%s", e.msg);
  ik_solver ik;
  cr_assert_eq(ik_init(&ik, g_m, &g_set, 1.0, &e), 0, "%s", e.msg);
  int cols[128], n = 0;
  for (int i = 0; i < g_set.n && n < 128; i++)
    if ((strchr(g_set.m[i].name, '.') != NULL) == (family_dot != NULL)) cols[n++] = i;
  memset(t, 0, sizeof *t);
  mk_alloc(t, n, ref->nframes);
  t->rate = 30;
  for (int j = 0; j < n; j++) snprintf(t->names[j], MK_NAME_MAX, "%s", g_set.m[cols[j]].name);
  double P[9], Rg[9], R[9];
  cr_assert_eq(ik_parse_axes("-y+z", P, &e), 0);
  mjData *d = mj_makeData(g_m);
  mju_copy(d->qpos, g_m->key_qpos, g_m->nq);
  mj_kinematics(g_m, d);
  mju_copy(Rg, d->xmat + 9 * mj_name2id(g_m, mjOBJ_BODY, "pelvis"), 9);
  mj_deleteData(d);
  mju_mulMatMat(R, Rg, P, 3, 3, 3); /* world = R lab */
  double *x = xmalloc(sizeof(double) * 3 * ik.nmk);
  rng_t r;
  rng_seed(&r, 11, 0, 0, 0);
  int gap = mk_find(t, "R.Thigh.Front");
  for (int f = 0; f < ref->nframes; f++) {
    ik_marker_pos(&ik, ref->qpos + (size_t)f * g_m->nq, x);
    for (int j = 0; j < n; j++) {
      double w[3], *o = mk_at(t, f, j);
      for (int k = 0; k < 3; k++) w[k] = x[3 * cols[j] + k] + 5e-4 * rng_normal(&r);
      mju_rotVecMatT(o, w, R);
      if (j == gap && f >= 10 && f < 16) o[0] = o[1] = o[2] = NAN;
    }
  }
  free(x);
  ik_free(&ik);
}

Test(motion_ik, synthetic_trial_import_and_mot_round_trip, .init = setup, .fini = teardown) {
  mk_markers t;
  refmotion ref;
  synth_trial(&t, &ref, ".");
  ik_import_opts o;
  ik_import_opts_default(&o);
  ik_result r;
  d2m_err e;
  cr_assert_eq(ik_import(&t, NULL, &g_set, &o, &r, &e), 0, "%s", e.msg);
  cr_assert_str_eq(r.axes, "-y+z", "detected lab axes %s", r.axes);
  cr_assert_float_eq(r.scale, 1.0, 0.02, "length factor %.4f for a reference-size subject", r.scale);
  double maxe = 0, mrms = 0;
  ik_solver ik;
  cr_assert_eq(ik_init(&ik, r.model, &g_set, 1.0, &e), 0, "%s", e.msg);
  for (int f = 0; f < r.nframes; f++) {
    for (int c = ik.root_dofs; c < ik.ndof; c++) {
      int adr = r.model->jnt_qposadr[r.model->dof_jntid[ik.dof[c]]];
      if (strstr(mj_id2name(r.model, mjOBJ_JOINT, r.model->dof_jntid[ik.dof[c]]), "mtp")) continue; /* unobserved */
      maxe = fmax(maxe, fabs(deg(r.qpos[(size_t)f * r.nq + adr] - ref.qpos[(size_t)f * g_m->nq + adr])));
    }
    mrms += r.rms[f] / r.nframes;
  }
  cr_log_info("synthetic trial: scale %.4f, mean marker rms %.2f mm, max hinge error %.2f deg", r.scale, 1e3 * mrms, maxe);
  cr_assert_lt(mrms, 2e-3);
  cr_assert_lt(maxe, 4.0, "max hinge error %.2f deg", maxe);
  /* .mot round trip: written, read back by refmotion at the same rate, same hinge angles and root */
  mot_table mt;
  cr_assert_eq(ik_to_mot(r.model, r.qpos, r.nframes, r.rate, r.first_time, &mt, &e), 0, "%s", e.msg);
  char path[] = "/tmp/d2m_test_ik_XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  close(fd);
  cr_assert_eq(mot_write(path, &mt, &e), 0, "%s", e.msg);
  mot_free(&mt);
  refmotion back;
  cr_assert_eq(refmotion_load(&back, r.model, path, 1.0 / r.rate, 0, &e), 0, "%s", e.msg);
  unlink(path);
  cr_assert_eq(back.nframes, r.nframes);
  double dx0 = back.qpos[0] - r.qpos[0], dy0 = back.qpos[1] - r.qpos[1];
  for (int f = 0; f < r.nframes; f++) {
    const double *a = r.qpos + (size_t)f * r.nq, *b = back.qpos + (size_t)f * r.nq;
    for (int i = 7; i < r.nq; i++) cr_assert_float_eq(a[i], b[i], 1e-6, "frame %d qpos[%d]", f, i);
    cr_assert_float_eq(fabs(mju_dot(a + 3, b + 3, 4)), 1.0, 1e-9, "root orientation, frame %d", f);
    cr_assert_float_eq(b[0] - a[0], dx0, 1e-6);
    cr_assert_float_eq(b[1] - a[1], dy0, 1e-6);
  }
  refmotion_free(&back);
  ik_free(&ik);
  ik_result_free(&r);
  refmotion_free(&ref);
  mk_free(&t);
}

Test(motion_ik, motionlib_weighted_sampling, .init = setup, .fini = teardown) {
  motionlib lib;
  motionlib_init(&lib);
  d2m_err e;
  const double w[4] = {1, 2, 0, 7};
  for (int i = 0; i < 4; i++) {
    refmotion ref;
    cr_assert_eq(refmotion_default_gait(&ref, g_m, 1.0 / 30, &e), 0, "%s", e.msg);
    char name[16];
    snprintf(name, sizeof name, "clip%d", i);
    cr_assert_eq(motionlib_add(&lib, name, &ref, w[i], &e), 0, "%s", e.msg);
    cr_assert_null(ref.qpos, "moved into the library");
  }
  cr_assert_eq(motionlib_find(&lib, "clip3"), 3);
  rng_t r;
  rng_seed(&r, 3, 0, 0, 0);
  const int N = 40000;
  int cnt[4] = {0};
  for (int k = 0; k < N; k++) cnt[motionlib_sample(&lib, &r)]++;
  cr_assert_eq(cnt[2], 0, "weight 0 is never drawn");
  for (int i = 0; i < 4; i++) {
    double p = motionlib_prob(&lib, i), sd = sqrt(N * p * (1 - p));
    cr_assert_float_eq(p, w[i] / 10, 1e-12);
    cr_assert(fabs(cnt[i] - N * p) <= 5 * sd + 1e-9, "clip %d: %d draws, expected %.0f +- %.0f", i, cnt[i], N * p, sd);
  }
  /* re-weight: the hard clip 2 now gets half the draws */
  cr_assert_eq(motionlib_set_weight(&lib, 2, 10, &e), 0);
  cr_assert_eq(motionlib_set_weight(&lib, 5, 1, &e), -1);
  cr_assert_eq(motionlib_set_weight(&lib, 0, -1, &e), -1);
  memset(cnt, 0, sizeof cnt);
  for (int k = 0; k < N; k++) cnt[motionlib_sample(&lib, &r)]++;
  double p2 = 0.5, sd = sqrt(N * p2 * (1 - p2));
  cr_assert(fabs(cnt[2] - N * p2) <= 5 * sd, "re-weighted clip 2: %d of %d", cnt[2], N);
  for (int i = 0; i < 4; i++) cr_assert_float_eq(motionlib_prob(&lib, i), (i == 2 ? 10 : w[i]) / 20, 1e-12);
  for (int i = 0; i < 4; i++) motionlib_set_weight(&lib, i, 0, &e);
  cr_assert_eq(motionlib_sample(&lib, &r), -1, "all weights 0: nothing to draw");
  motionlib_free(&lib);
}

Test(motion_ik, motionlib_list_file, .init = setup, .fini = teardown) {
  /* a list of two clips written by the IK's .mot writer from the default gait */
  refmotion ref;
  d2m_err e;
  cr_assert_eq(refmotion_default_gait(&ref, g_m, 1.0 / 30, &e), 0, "%s", e.msg);
  mot_table mt;
  cr_assert_eq(ik_to_mot(g_m, ref.qpos, ref.nframes, 30, 0, &mt, &e), 0, "%s", e.msg);
  char dir[] = "/tmp/d2m_test_mlib_XXXXXX", p[256], lst[256];
  cr_assert(mkdtemp(dir));
  snprintf(p, sizeof p, "%s/a.mot", dir);
  cr_assert_eq(mot_write(p, &mt, &e), 0, "%s", e.msg);
  mot_free(&mt);
  snprintf(lst, sizeof lst, "%s/clips.txt", dir);
  FILE *f = fopen(lst, "w");
  fprintf(f, "# clips\na.mot 3 1\n%s 1\n", p);
  fclose(f);
  motionlib lib;
  motionlib_init(&lib);
  cr_assert_eq(motionlib_load_list(&lib, g_m, lst, 1.0 / 30, &e), 0, "%s", e.msg);
  cr_assert_eq(lib.n, 2);
  cr_assert_eq(lib.clips[0].ref.cyclic, 1);
  cr_assert_float_eq(motionlib_prob(&lib, 0), 0.75, 1e-12);
  motionlib_free(&lib);
  f = fopen(lst, "w");
  fprintf(f, "missing.mot 1\n");
  fclose(f);
  cr_assert_eq(motionlib_load_list(&lib, g_m, lst, 1.0 / 30, &e), -1);
  cr_assert(strstr(e.msg, "clips.txt:1"), "%s", e.msg);
  motionlib_free(&lib);
  unlink(lst);
  unlink(p);
  rmdir(dir);
  refmotion_free(&ref);
}

/* RMS over common times of our angle (deg) minus sign * OpenSim's column. */
static double rms_vs(const ik_result *r, const mot_table *os, const char *name, double sign, double *mean) {
  int j = mj_name2id(r->model, mjOBJ_JOINT, name), c = mot_col(os, name);
  cr_assert(j >= 0 && c >= 0, "%s", name);
  double ss = 0, s = 0;
  int n = 0;
  for (int i = 0; i < os->nrows; i++) {
    double t = mot_at(os, i, 0);
    long f = lround((t - r->first_time) * r->rate);
    if (f < 0 || f >= r->nframes || fabs(r->first_time + f / r->rate - t) > 1e-3) continue;
    double d = deg(r->qpos[(size_t)f * r->nq + r->model->jnt_qposadr[j]]) - sign * mot_at(os, i, c);
    ss += d * d, s += d, n++;
  }
  cr_assert_gt(n, 50, "%s: %d common frames", name, n);
  *mean = s / n;
  return sqrt(ss / n);
}

/* Validation against OpenSim's IK of the gait2354 example (subject01_walk1, 0.4-1.6 s). */
Test(motion_ik, opensim_gait2354_walk1, .init = setup, .fini = teardown, .timeout = 60) {
  char pw[1024], ps[1024], pm[1024];
  data_path(pw, sizeof pw, "mocap/opensim_gait2354_subject01/subject01_walk1.trc");
  data_path(ps, sizeof ps, "mocap/opensim_gait2354_subject01/subject01_static.trc");
  data_path(pm, sizeof pm, "mocap/opensim_gait2354_subject01/subject01_walk1_ik.mot");
  mk_markers w, s;
  mot_table os;
  d2m_err e;
  cr_assert_eq(trc_read(pw, &w, NULL, &e), 0, "%s", e.msg);
  cr_assert_eq(trc_read(ps, &s, NULL, &e), 0, "%s", e.msg);
  cr_assert_eq(mot_read(pm, &os, &e), 0, "%s", e.msg);
  ik_import_opts o;
  ik_import_opts_default(&o);
  ik_result r;
  cr_assert_eq(ik_import(&w, &s, &g_set, &o, &r, &e), 0, "%s", e.msg);
  cr_assert_str_eq(r.axes, "+x+y", "OpenSim TRC: x forward, y up (detected %s)", r.axes);
  /* the example's subject is 1.80 m (OpenSim's scripts give height 1803.4 mm) */
  cr_assert_float_eq(r.subject.height_m, 1.80, 0.09, "height %.3f m", r.subject.height_m);
  const char *names[] = {"hip_flexion_r", "hip_flexion_l", "knee_angle_r", "knee_angle_l", "ankle_angle_r", "ankle_angle_l"};
  for (int i = 0; i < 6; i++) {
    double mean, rms = rms_vs(&r, &os, names[i], i == 2 || i == 3 ? -1 : 1, &mean); /* gait2354 knee is negative */
    cr_log_info("%-14s RMS difference vs OpenSim %.2f deg (mean offset %+.2f)", names[i], rms, mean);
    cr_assert_leq(rms, 5.0, "%s: RMS difference %.2f deg vs OpenSim", names[i], rms);
  }
  /* subtalar: two markers per foot leave it to the limits; it ends locked at its calibration value (as
   * OpenSim's gait2354 setup locks it), not at +-20 deg */
  for (int s = 0; s < 2; s++) {
    int j = mj_name2id(r.model, mjOBJ_JOINT, s ? "subtalar_angle_l" : "subtalar_angle_r"), a = r.model->jnt_qposadr[j];
    for (int f = 0; f < r.nframes; f++) {
      double q = r.qpos[(size_t)f * r.nq + a];
      cr_assert(q > r.model->jnt_range[2 * j] + 0.017 && q < r.model->jnt_range[2 * j + 1] - 0.017,
                "subtalar %s at %.1f deg (frame %d): at its limit", s ? "l" : "r", deg(q), f);
    }
  }
  double st_mean, st_rms = rms_vs(&r, &os, "subtalar_angle_r", 1, &st_mean);
  cr_log_info("subtalar_angle_r RMS difference vs OpenSim %.2f deg", st_rms);
  /* motion.mot's pelvis translation is absolute in OpenSim ground, as OpenSim's IK writes it, and is the
   * origin of the model's (Rajagopal's) pelvis: OpenSim's gait2354 pelvis origin sits 10.5 mm posterior
   * and 11.9 mm inferior of it (mot.h), so OpenSim's table is first moved to Rajagopal's origin (before
   * that, 11.5 and 12.0 mm mean differences in tx and ty were all but this offset). */
  cr_assert(mot_pelvis_is_gait2354(&os), "OpenSim's IK of gait2354: knee flexion negative, no convention line");
  cr_assert_eq(mot_pelvis_to_rajagopal(&os), 1);
  mot_table mt;
  cr_assert_eq(ik_to_mot(r.model, r.qpos, r.nframes, r.rate, r.first_time, &mt, &e), 0, "%s", e.msg);
  static const char *pcs[] = {"pelvis_tx", "pelvis_ty", "pelvis_tz", "pelvis_tilt", "pelvis_list"};
  for (int k = 0; k < 5; k++) {
    const char *pc = pcs[k];
    int ca = mot_col(&mt, pc), cb = mot_col(&os, pc), n = 0;
    double ss = 0, sm = 0, mx = 0;
    for (int i = 0; i < os.nrows; i++) {
      int f = (int)lround((mot_at(&os, i, 0) - r.first_time) * r.rate);
      if (f < 0 || f >= r.nframes) continue;
      double d = mot_at(&mt, f, ca) - mot_at(&os, i, cb);
      ss += d * d, sm += d, mx = fmax(mx, fabs(d)), n++;
    }
    if (k >= 3) { /* pelvis angles, for information: the two models' pelvis frames agree in orientation */
      cr_log_info("%s RMS difference vs OpenSim %.2f deg (mean %+.2f)", pc, sqrt(ss / n), sm / n);
      continue;
    }
    cr_log_info("%s RMS difference vs OpenSim %.1f mm (mean %+.1f mm, max %.1f mm)", pc, 1e3 * sqrt(ss / n), 1e3 * sm / n,
                1e3 * mx);
    cr_assert_leq(mx, 0.010, "%s: up to %.1f mm from OpenSim's (RMS %.1f mm)", pc, 1e3 * mx, 1e3 * sqrt(ss / n));
  }
  mot_free(&mt);
  double mx = 0, mean = 0;
  for (int f = 0; f < r.nframes; f++) mx = fmax(mx, r.rms[f]), mean += r.rms[f] / r.nframes;
  cr_log_info("marker RMS error: mean %.1f mm, max %.1f mm over %d frames", 1e3 * mean, 1e3 * mx, r.nframes);
  cr_assert_leq(mx, 0.02, "per-frame marker RMS error up to %.1f mm", 1e3 * mx);
  ik_result_free(&r);
  /* for information: subtalar locked too, as OpenSim's gait2354 setup does */
  o.lock = "subtalar,mtp";
  cr_assert_eq(ik_import(&w, &s, &g_set, &o, &r, &e), 0, "%s", e.msg);
  for (int i = 0; i < 6; i++) {
    double mean2, rms = rms_vs(&r, &os, names[i], i == 2 || i == 3 ? -1 : 1, &mean2);
    cr_log_info("lock subtalar,mtp: %-14s RMS difference vs OpenSim %.2f deg (mean offset %+.2f)", names[i], rms, mean2);
  }
  mean = 0;
  for (int f = 0; f < r.nframes; f++) mean += r.rms[f] / r.nframes;
  cr_log_info("lock subtalar,mtp: marker RMS error mean %.1f mm", 1e3 * mean);
  ik_result_free(&r);
  mot_free(&os);
  mk_free(&w);
  mk_free(&s);
}

/* A Vicon Plug-in Gait walking trial (no static trial): imports, and its motion plays back
 * kinematically in the imitate task with the feet on the floor. */
Test(motion_ik, vicon_c3d_plays_back_in_imitate, .init = setup, .fini = teardown, .timeout = 60) {
  char pc[1024];
  data_path(pc, sizeof pc, "mocap/c3d/Vicon_PiG_walk_PiG_Motion3_FF.c3d");
  c3d_file c;
  d2m_err e;
  cr_assert_eq(c3d_read(pc, &c, &e), 0, "%s", e.msg);
  ik_import_opts o;
  ik_import_opts_default(&o);
  ik_result r;
  cr_assert_eq(ik_import(&c.markers, NULL, &g_set, &o, &r, &e), 0, "%s", e.msg);
  cr_assert_eq(r.nmk, 16, "16 Plug-in Gait lower-body markers");
  cr_assert_eq(r.axes[2], '+');
  cr_assert_eq(r.axes[3], 'z', "Vicon lab is z up (detected %s)", r.axes);
  double mx = 0, mean = 0;
  for (int f = 0; f < r.nframes; f++) mx = fmax(mx, r.rms[f]), mean += r.rms[f] / r.nframes;
  cr_log_info("PiG trial: height %.3f m, marker RMS mean %.1f mm, max %.1f mm", r.subject.height_m, 1e3 * mean, 1e3 * mx);
  cr_assert_leq(mean, 0.02);
  mot_table mt;
  cr_assert_eq(ik_to_mot(r.model, r.qpos, r.nframes, r.rate, r.first_time, &mt, &e), 0, "%s", e.msg);
  char dir[] = "/tmp/d2m_test_c3d_XXXXXX", path[256];
  cr_assert(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/motion.mot", dir);
  cr_assert_eq(mot_write(path, &mt, &e), 0, "%s", e.msg);
  mot_free(&mt);
  /* the env runs the subject's scaled model, as `drl2move motion import` writes it (subject.ini) */
  mjModel *m = model_load(&r.subject, &e);
  cr_assert(m, "%s", e.msg);
  cfg_t cfg;
  env_params p;
  char motion[300];
  snprintf(motion, sizeof motion, "imitate.motion=%s", path);
  cr_assert_eq(CFG_WITH(&cfg, &e, "env.task=imitate", motion, "imitate.cyclic=false"), 0, "%s", e.msg);
  cr_assert_eq(env_params_from_cfg(&cfg, &p, &e), 0, "%s", e.msg);
  env_t *env = env_create(m, &p, NULL, &e);
  cr_assert(env, "%s", e.msg);
  const refmotion *ref = env_ref(env);
  cr_assert_gt(ref->nframes, 60, "%d frames at the control rate", ref->nframes);
  double lowest = INFINITY, highest_low = -INFINITY;
  int near = 0;
  for (long k = 0; k < ref->nframes; k++) {
    env_set_ref_state(env, k);
    int reason;
    env_eval_reward(env, &reason);
    cr_assert_eq(reason, ENV_END_NONE, "kinematic playback ended early at frame %ld (reason %d)", k, reason);
    double z = ref_lowest_foot_point(env_model(env), env_data(env));
    lowest = fmin(lowest, z);
    highest_low = fmax(highest_low, z);
    near += z < 0.02;
  }
  cr_log_info("playback: %d frames, lowest foot point min %.1f mm, max %.1f mm, %d frames within 2 cm of the floor",
              ref->nframes, 1e3 * lowest, 1e3 * highest_low, near);
  cr_assert_geq(lowest, -0.005, "a foot goes %.1f mm into the floor", -1e3 * lowest);
  cr_assert_leq(highest_low, 0.05, "both feet %.1f mm above the floor at some frame (walking has no flight)", 1e3 * highest_low);
  env_free(env);
  mj_deleteModel(m);
  unlink(path);
  rmdir(dir);
  ik_result_free(&r);
  c3d_free(&c);
}
