/* tests/motion/test_import.c: motion data from any lab (issue 15): name matching with aliases, the
 * choice among the embedded marker sets, gap filling, the cyclic test, and whole imports of
 * synthetic Plug-in Gait trials: a static trial recorded facing another way, frames without markers
 * at the ends, a foot with one marker (subtalar unobserved: locked, or refused with --strict), a leg
 * without markers (refused, naming the joint). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "envs/model/model.h"
#include "envs/motion/refmotion.h"
#include "mocap/anc.h"
#include "mocap/ik.h"
#include "mocap/ik_import.h"
#include "mocap/markerset.h"

static void names(mk_markers *t, const char *const *n, int k) {
  memset(t, 0, sizeof *t);
  mk_alloc(t, k, 1);
  t->rate = 100;
  for (int j = 0; j < k; j++) snprintf(t->names[j], MK_NAME_MAX, "%s", n[j]);
}

Test(motion_import, names_match_case_separators_prefix_and_aliases) {
  markerset s;
  d2m_err e;
  cr_assert_eq(markerset_named("default", &s, &e), 0, "%s", e.msg);
  const char *n[] = {"Mary:r_asis", "R Knee", "RCAL", "rmet", "S2", "FOO", "l.psis"};
  mk_markers t;
  names(&t, n, 7);
  int col[256];
  unsigned char used[7];
  cr_assert_eq(markerset_bind(&s, &t, col, used), 6);
  cr_assert_eq(col[markerset_find(&s, "R.ASIS")], 0);
  cr_assert_eq(col[markerset_find(&s, "R.Knee.Lat")], 1);
  cr_assert_eq(col[markerset_find(&s, "R.Heel")], 2);
  cr_assert_eq(col[markerset_find(&s, "RMT5")], 3);
  cr_assert_eq(col[markerset_find(&s, "V.Sacral")], 4);
  cr_assert_eq(col[markerset_find(&s, "LPSI")], 6);
  cr_assert_eq(used[5], 0, "FOO matches nothing");
  mk_free(&t);
  markerset_free(&s);
  /* two names of one set that would match the same way are refused at parse time */
  const char *bad = "marker R.ASIS pelvis 0 0 0 1 fixed\nmarker r_asis pelvis 0 0 0 1 fixed\n";
  cr_assert_eq(markerset_parse(bad, strlen(bad), "dup.markers", &s, &e), -1);
  cr_assert(strstr(e.msg, "dup.markers:2") && strstr(e.msg, "matches 'R.ASIS'"), "%s", e.msg);
  const char *bad2 = "marker A pelvis 0 0 0 1 fixed\nmarker B pelvis 0 0 0 1 fixed\nalias A b\n";
  cr_assert_eq(markerset_parse(bad2, strlen(bad2), "al.markers", &s, &e), -1);
  cr_assert(strstr(e.msg, "al.markers:3") && strstr(e.msg, "already names marker B"), "%s", e.msg);
}

Test(motion_import, embedded_sets_parse_and_the_best_covering_is_chosen) {
  d2m_err e;
  for (int i = 0; i < MS_NSETS; i++) {
    markerset s;
    cr_assert_eq(markerset_named(markerset_embedded_name(i), &s, &e), 0, "%s", e.msg);
    cr_assert_gt(s.n, 10, "%s", markerset_embedded_name(i));
    markerset_free(&s);
  }
  /* Rajagopal2016 names: the lowerbody set knows some through aliases, rajagopal2016 knows all */
  const char *raj[] = {"RASI", "LASI", "RPSI", "LPSI", "RTH1", "RTH2", "RTH3", "RLFC", "RMFC", "RTB1", "RTB2",
                       "RTB3", "RLMAL", "RMMAL", "RCAL", "RTOE", "RMT5"};
  mk_markers t;
  names(&t, raj, 17);
  markerset s;
  int counts[MS_NSETS];
  int k = markerset_choose(&t, &s, counts, &e);
  cr_assert_str_eq(markerset_embedded_name(k), "rajagopal2016");
  cr_assert_eq(counts[k], 17);
  cr_assert_lt(counts[0], 17);
  markerset_free(&s);
  mk_free(&t);
  /* Cleveland names */
  const char *cle[] = {"R.ASIS", "L.ASIS", "R.PSIS", "L.PSIS", "R.Thigh.Top", "R.Thigh.Bottom", "R.Knee",
                       "R.Knee.Medial", "R.Shank.Top", "R.Ankle", "R.Ankle.Medial", "R.Heel", "R.Toe"};
  names(&t, cle, 13);
  k = markerset_choose(&t, &s, counts, &e);
  cr_assert_str_eq(markerset_embedded_name(k), "cleveland");
  cr_assert_eq(counts[k], 13);
  markerset_free(&s);
  mk_free(&t);
}

Test(motion_import, gaps_filled_up_to_the_maximum_only) {
  mk_markers m;
  memset(&m, 0, sizeof m);
  mk_alloc(&m, 1, 12);
  m.rate = 100;
  for (int f = 0; f < 12; f++) mk_at(&m, f, 0)[0] = f, mk_at(&m, f, 0)[1] = 2 * f, mk_at(&m, f, 0)[2] = 1;
  for (int f = 2; f <= 3; f++) mk_at(&m, f, 0)[0] = mk_at(&m, f, 0)[1] = mk_at(&m, f, 0)[2] = NAN; /* 2 frames */
  for (int f = 6; f <= 9; f++) mk_at(&m, f, 0)[0] = mk_at(&m, f, 0)[1] = mk_at(&m, f, 0)[2] = NAN; /* 4 frames */
  int left;
  cr_assert_eq(mk_fill_gaps(&m, 3, &left), 1);
  cr_assert_eq(left, 1);
  cr_assert_float_eq(mk_at(&m, 2, 0)[0], 2, 1e-12);
  cr_assert_float_eq(mk_at(&m, 3, 0)[1], 6, 1e-12);
  for (int f = 6; f <= 9; f++) cr_assert(isnan(mk_at(&m, f, 0)[0]), "the 4-frame gap stays missing");
  mk_crop(&m, 4, 3);
  cr_assert_eq(m.nframes, 3);
  cr_assert_float_eq(m.first_time, 0.04, 1e-12);
  cr_assert_float_eq(mk_at(&m, 0, 0)[0], 4, 1e-12);
  mk_free(&m);
}

Test(motion_import, cyclic_auto_compares_the_ends) {
  const char *cyc = "x\nendheader\ntime pelvis_tx pelvis_ty knee_angle_r\n0 0 0.95 10\n0.5 0.6 0.93 40\n1 1.2 0.951 12\n";
  const char *no = "x\nendheader\ntime pelvis_tx pelvis_ty knee_angle_r\n0 0 0.95 10\n0.5 0.6 0.93 40\n1 1.2 0.95 22\n";
  mot_table t;
  d2m_err e;
  char w[64];
  double d;
  cr_assert_eq(mot_parse(cyc, strlen(cyc), "c.mot", &t, &e), 0, "%s", e.msg);
  t.in_degrees = 1;
  cr_assert_eq(mot_ends_match(&t, MOT_CYCLIC_TOL_DEG, MOT_CYCLIC_TOL_M, w, sizeof w, &d), 1, "pelvis_tx moves on");
  mot_free(&t);
  cr_assert_eq(mot_parse(no, strlen(no), "n.mot", &t, &e), 0, "%s", e.msg);
  t.in_degrees = 1;
  cr_assert_eq(mot_ends_match(&t, MOT_CYCLIC_TOL_DEG, MOT_CYCLIC_TOL_M, w, sizeof w, &d), 0);
  cr_assert_str_eq(w, "knee_angle_r");
  cr_assert_float_eq(d, 12, 1e-9);
  mot_free(&t);
}

/* Plug-in Gait markers of the default gait on the reference model, in a lab with the given axes. */
static void synth(mjModel *m, const markerset *set, const refmotion *ref, const char *axes, int nframes, mk_markers *t) {
  d2m_err e;
  ik_solver ik;
  cr_assert_eq(ik_init(&ik, m, set, 1.0, &e), 0, "%s", e.msg);
  double P[9], Rg[9], R[9], *x = xmalloc(sizeof(double) * 3 * ik.nmk);
  cr_assert_eq(ik_parse_axes(axes, P, &e), 0);
  mjData *d = mj_makeData(m);
  mju_copy(d->qpos, m->key_qpos, m->nq);
  mj_kinematics(m, d);
  mju_copy(Rg, d->xmat + 9 * mj_name2id(m, mjOBJ_BODY, "pelvis"), 9);
  mj_deleteData(d);
  mju_mulMatMat(R, Rg, P, 3, 3, 3);
  memset(t, 0, sizeof *t);
  mk_alloc(t, set->n, nframes);
  t->rate = 1 / ref->dt;
  for (int j = 0; j < set->n; j++) snprintf(t->names[j], MK_NAME_MAX, "%s", set->m[j].name);
  for (int f = 0; f < nframes; f++) {
    ik_marker_pos(&ik, ref->qpos + (size_t)(f % ref->nframes) * m->nq, x);
    for (int j = 0; j < set->n; j++) mju_rotVecMatT(mk_at(t, f, j), x + 3 * j, R);
  }
  free(x);
  ik_free(&ik);
}

static void drop(mk_markers *t, const char *name, int f0, int f1) {
  int j = mk_find(t, name);
  cr_assert(j >= 0, "%s", name);
  for (int f = f0; f < f1; f++) mk_at(t, f, j)[0] = mk_at(t, f, j)[1] = mk_at(t, f, j)[2] = NAN;
}

static const ik_obs *obs(const ik_result *r, const char *name) {
  for (int i = 0; i < r->nobs; i++)
    if (!strcmp(r->obs[i].name, name)) return &r->obs[i];
  cr_assert_fail("no joint %s", name);
  return NULL;
}

Test(motion_import, static_facing_another_way_cut_ends_and_unobserved_joints, .timeout = 120) {
  d2m_err e;
  mjModel *m = model_load(NULL, &e);
  cr_assert(m, "%s", e.msg);
  markerset set;
  cr_assert_eq(markerset_named("pig", &set, &e), 0, "%s", e.msg);
  refmotion ref;
  cr_assert_eq(refmotion_default_gait(&ref, m, 1.0 / 30, &e), 0, "%s", e.msg);
  mk_markers walk, stat;
  synth(m, &set, &ref, "+x+z", ref.nframes, &walk);
  synth(m, &set, &ref, "+y+z", 10, &stat); /* the static trial faces along the lab's y */
  int n0 = walk.nframes;
  for (int j = 0; j < walk.nmarkers; j++) drop(&walk, walk.names[j], 0, 3); /* nothing before frame 3 */
  for (int j = 0; j < walk.nmarkers - 3; j++) drop(&walk, walk.names[j], n0 - 2, n0); /* 3 markers at the end */
  ik_import_opts o;
  ik_import_opts_default(&o);
  ik_result r;
  cr_assert_eq(ik_import(&walk, &stat, &set, &o, &r, &e), 0, "%s", e.msg);
  cr_assert_str_eq(r.axes, "+x+z");
  cr_assert_str_eq(r.axes_static, "+y+z", "the static trial's own axes (detected %s)", r.axes_static);
  cr_assert_eq(r.cut_first, 3);
  cr_assert_eq(r.cut_last, 2);
  cr_assert_eq(r.nframes, n0 - 5);
  cr_assert_float_eq(r.first_time, 3 * ref.dt, 1e-9);
  double maxe = 0;
  for (int f = 0; f < r.nframes; f++)
    for (int i = 0; i < r.nobs; i++) {
      if (strstr(r.obs[i].name, "mtp")) continue;
      int a = r.model->jnt_qposadr[mj_name2id(r.model, mjOBJ_JOINT, r.obs[i].name)];
      maxe = fmax(maxe, fabs(r.qpos[(size_t)f * r.nq + a] - ref.qpos[(size_t)(f + 3) * m->nq + a]) * 180 / M_PI);
    }
  cr_log_info("static facing +y, trial +x: max hinge error %.2f deg", maxe);
  cr_assert_lt(maxe, 5.0, "max hinge error %.2f deg (a static trial taken with the walk's axes yaws the result)", maxe);
  cr_assert(obs(&r, "subtalar_angle_r")->observed);
  ik_result_free(&r);
  /* one marker on the right foot: subtalar unobserved, locked at neutral with a warning */
  drop(&walk, "RHEE", 0, walk.nframes);
  cr_assert_eq(ik_import(&walk, NULL, &set, &o, &r, &e), 0, "%s", e.msg);
  const ik_obs *st = obs(&r, "subtalar_angle_r");
  cr_assert(!st->observed && st->nmk == 1 && st->need == 2);
  cr_assert(obs(&r, "ankle_angle_r")->observed);
  int a = r.model->jnt_qposadr[mj_name2id(r.model, mjOBJ_JOINT, "subtalar_angle_r")], warned = 0;
  for (int f = 0; f < r.nframes; f++) cr_assert_float_eq(r.qpos[(size_t)f * r.nq + a], 0, 1e-12, "locked at neutral");
  for (int w = 0; w < r.nwarn; w++) warned |= strstr(r.warn[w], "subtalar_angle_r unobserved") != NULL;
  cr_assert(warned, "a warning names subtalar_angle_r");
  ik_result_free(&r);
  o.strict = 1;
  cr_assert_eq(ik_import(&walk, NULL, &set, &o, &r, &e), -1);
  cr_assert(strstr(e.msg, "--strict") && strstr(e.msg, "subtalar_angle_r"), "%s", e.msg);
  o.strict = 0;
  /* no markers below the right ankle (RMMA keeps the shank): the import refuses, naming the joint */
  drop(&walk, "RANK", 0, walk.nframes);
  drop(&walk, "RTOE", 0, walk.nframes);
  drop(&walk, "RTIB", 0, walk.nframes);
  cr_assert_eq(ik_import(&walk, NULL, &set, &o, &r, &e), -1);
  cr_assert(strstr(e.msg, "ankle_angle_r") && strstr(e.msg, "cannot import"), "%s", e.msg);
  refmotion_free(&ref);
  mk_free(&walk);
  mk_free(&stat);
  markerset_free(&set);
  mj_deleteModel(m);
}

/* Motion Analysis .anc: generation 2 counts become volts (count x range mV / 1000 / 2^(bits-1)), labels
 * keep their blanks, header fields may be padded; errors name file:line and the field. */
Test(motion_import, anc_known_values_and_errors) {
  static const char k[] =
      "File_Type:\tAnalog R/C ASCII\tGeneration#:\t2\n"
      "Board_Type:\tNational Instruments AT-MIO-16E-2\tPolarity:\tBipolar\n"
      "Trial_Name:\twalk\tTrial#:\t1\tDuration(Sec.):\t0.002\t#Channels:\t2\n"
      "BitDepth:\t\t16\tPreciseRate:  1000.000\n\n\n\n\n"
      "Name\tR Rectus Femoris\tF1X\n"
      "Rate\t1000\t1000\n"
      "Range\t10000\t5000\n"
      "0.000\t16384\t-32768\n0.001\t0\t8192\n0.002\t-16384\t0\n";
  anc_file a;
  d2m_err e;
  cr_assert_eq(anc_parse(k, strlen(k), "t.anc", &a, &e), 0, "%s", e.msg);
  cr_assert_eq(a.nchan, 2);
  cr_assert_eq(a.nsamples, 3);
  cr_assert_float_eq(a.rate, 1000, 0);
  cr_assert_str_eq(a.label[0], "R Rectus Femoris");
  cr_assert_eq(anc_find(&a, "F1X"), 1);
  cr_assert_float_eq(a.v[0], 5.0, 1e-12, "16384 of 32768 at +-10 V");
  cr_assert_float_eq(a.v[1], -5.0, 1e-12, "-32768 at +-5 V");
  cr_assert_float_eq(a.v[3], 1.25, 1e-12);
  cr_assert_float_eq(a.t[2], 0.002, 1e-12);
  anc_free(&a);
  struct { const char *from, *to, *want; } bad[] = {
      {"Analog R/C ASCII", "Analog X", "t.anc:1: expected 'File_Type: Analog R/C ASCII'"},
      {"#Channels:\t2", "#Channels:\t3", "t.anc:9: Name has 2 fields but #Channels is 3"},
      {"Rate\t1000\t1000", "Rate\t1000\tfast", "t.anc:10: Rate of channel 2 ('F1X'): 'fast' is not a positive number"},
      {"0.001\t0\t8192", "0.001\t0\t8x", "t.anc:13: F1X: '8x' is not a number"},
      {"Bipolar", "Unipolar", "t.anc:2: Polarity: only Bipolar"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    char s[1024];
    const char *p = strstr(k, bad[i].from);
    cr_assert(p);
    snprintf(s, sizeof s, "%.*s%s%s", (int)(p - k), k, bad[i].to, p + strlen(bad[i].from));
    cr_assert_eq(anc_parse(s, strlen(s), "t.anc", &a, &e), -1, "%s", bad[i].want);
    cr_assert(strstr(e.msg, bad[i].want), "'%s' should contain '%s'", e.msg, bad[i].want);
  }
}
