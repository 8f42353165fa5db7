/* tests/model/test_model.c: the generated model loads cleanly and has the right structure, its
 * figures equal the tables, subject scaling and subject files, dynamics sanity. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "envs/model/model.h"
#include "envs/model/tables.h"

static const char *k_leg_joints[] = {"hip_flexion", "hip_adduction", "hip_rotation", "knee_angle",
                                     "ankle_angle", "subtalar_angle", "mtp_angle"};

static mjModel *load_or_fail(const model_subject *s) {
  d2m_err e = {{0}};
  mjModel *m = model_load(s, &e);
  cr_assert(m, "model_load: %s", e.msg);
  return m;
}

Test(model, structure) {
  mjModel *m = load_or_fail(NULL);
  cr_assert_eq(m->nu, 80);
  cr_assert_eq(m->na, 80);
  for (int a = 0; a < m->nu; a++) {
    cr_assert_eq(m->actuator_dyntype[a], mjDYN_MUSCLE);
    cr_assert_eq(m->actuator_gaintype[a], mjGAIN_MUSCLE);
    cr_assert_eq(m->actuator_biastype[a], mjBIAS_MUSCLE);
    cr_assert_str_eq(mj_id2name(m, mjOBJ_ACTUATOR, a), model_muscle_name(a));
    cr_assert_eq(model_muscle_index(model_muscle_name(a)), a);
  }
  cr_assert_eq(m->jnt_type[0], mjJNT_FREE);
  cr_assert_str_eq(mj_id2name(m, mjOBJ_JOINT, 0), "root");
  /* 14 leg joints by name; every other joint is slaved to one of them by an equality. */
  int free_dofs = 6;
  for (int side = 0; side < 2; side++)
    for (int k = 0; k < 7; k++) {
      char nm[64];
      snprintf(nm, sizeof nm, "%s_%c", k_leg_joints[k], side ? 'l' : 'r');
      int j = mj_name2id(m, mjOBJ_JOINT, nm);
      cr_assert(j >= 0, "joint %s missing", nm);
      cr_assert_eq(m->jnt_type[j], mjJNT_HINGE);
      free_dofs++;
    }
  for (int j = 1; j < m->njnt; j++) {
    const char *nm = mj_id2name(m, mjOBJ_JOINT, j);
    int slaved = 0;
    for (int e = 0; e < m->neq; e++) slaved |= m->eq_type[e] == mjEQ_JOINT && m->eq_obj1id[e] == j;
    int main_joint = 0;
    for (int k = 0; k < 7; k++) main_joint |= !strncmp(nm, k_leg_joints[k], strlen(k_leg_joints[k])) &&
                                              strlen(nm) == strlen(k_leg_joints[k]) + 2;
    cr_assert(slaved != main_joint, "joint %s: slaved=%d main=%d", nm, slaved, main_joint);
  }
  cr_assert_eq(free_dofs, 20);
  static const char *bodies[] = {"pelvis", "femur_r", "tibia_r", "talus_r", "calcn_r", "toes_r", "patella_r",
                                 "femur_l", "tibia_l", "talus_l", "calcn_l", "toes_l", "patella_l"};
  for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++)
    cr_assert(mj_name2id(m, mjOBJ_BODY, bodies[i]) >= 0, "body %s missing", bodies[i]);
  double mass = 0;
  for (int b = 0; b < m->nbody; b++) mass += m->body_mass[b];
  cr_assert(fabs(mass - 75.7) < 0.01 * 75.7, "total mass %g", mass);
  cr_assert(m->nkey >= 1 && !strcmp(mj_id2name(m, mjOBJ_KEY, 0), "standing"));
  mj_deleteModel(m);
}

/* Peak force, optimal fibre length and tendon slack length as the compiled model implies them
 * (MuJoCo: L0 = (lr1 - lr0)/(range1 - range0), LT = lr0 - range0 L0) equal the tables; the table
 * values equal Rajagopal 2016's fibre and slack lengths. */
Test(model, figures_equal_tables) {
  model_subject s;
  model_subject_default(&s);
  mjModel *m = load_or_fail(&s);
  int same = 0;
  for (int a = 0; a < m->nu; a++) {
    const mjtNum *g = m->actuator_gainprm + mjNGAIN * a, *lr = m->actuator_lengthrange + 2 * a;
    double L0 = (lr[1] - lr[0]) / (g[1] - g[0]), LT = lr[0] - g[0] * L0;
    cr_assert_float_eq(g[2], model_muscle_fmax(&s, a), 1e-6 * g[2], "%s force", model_muscle_name(a));
    cr_assert_float_eq(g[2], model_tab_muscles[a].prm[2], 1e-6 * g[2]);
    cr_assert_float_eq(L0, model_tab_muscles[a].lopt, 1e-7, "%s lopt", model_muscle_name(a));
    cr_assert_float_eq(LT, model_tab_muscles[a].lslack, 1e-7, "%s lslack", model_muscle_name(a));
    cr_assert_str_eq(model_tab_osim[a].name, model_muscle_name(a));
    if (fabs(L0 / model_tab_osim[a].lopt - 1) < 2e-3 && fabs(LT / model_tab_osim[a].lslack - 1) < 2e-3) same++;
    cr_assert_float_eq(m->actuator_biasprm[mjNBIAS * a + 2], g[2], 1e-9);
  }
  /* MyoLegs retuned 12 muscles per leg (bflh gaslat gasmed glmax3 glmin2 glmin3 piri recfem semimem
   * tfl vasint vaslat); the other 56 keep Rajagopal's lengths exactly. */
  cr_assert_geq(same, 56, "%d muscles keep Rajagopal's fibre and slack lengths", same);
  mj_deleteModel(m);
}

static double femur_length(const mjModel *m) {
  int b = mj_name2id(m, mjOBJ_BODY, "tibia_r");
  return mju_norm3(m->body_pos + 3 * b);
}

Test(model, scaling_height_mass) {
  mjModel *ref = load_or_fail(NULL);
  model_subject s;
  model_subject_default(&s);
  s.height_m = 1.9, s.mass_kg = 90;
  mjModel *m = load_or_fail(&s);
  double mass = 0;
  for (int b = 0; b < m->nbody; b++) mass += m->body_mass[b];
  cr_assert_float_eq(mass, 90.0, 1e-6, "mass %g", mass);
  cr_assert_float_eq(femur_length(m), femur_length(ref) * 1.9 / MODEL_REF_HEIGHT_M, 1e-9);
  int sol = model_muscle_index("soleus_r");
  double fs = pow(90.0 / model_ref_mass_kg(), 2.0 / 3.0);
  cr_assert_float_eq(m->actuator_gainprm[mjNGAIN * sol + 2], ref->actuator_gainprm[mjNGAIN * sol + 2] * fs, 1e-6);
  cr_assert_float_eq(m->actuator_lengthrange[2 * sol + 1], ref->actuator_lengthrange[2 * sol + 1] * 1.9 / 1.7, 1e-9);
  mj_deleteModel(m);
  mj_deleteModel(ref);
}

/* strength 0.5 on soleus_r: its force halves and the MJCF differs in that one line only. */
Test(model, scaling_strength_one_muscle) {
  model_subject s;
  model_subject_default(&s);
  d2m_err e;
  char *a = model_mjcf(&s, &e);
  s.strength[model_muscle_index("soleus_r")] = 0.5;
  char *b = model_mjcf(&s, &e);
  cr_assert(a && b);
  int diff = 0;
  char *sa, *sb, *la = strtok_r(a, "\n", &sa), *lb = strtok_r(b, "\n", &sb);
  for (; la && lb; la = strtok_r(NULL, "\n", &sa), lb = strtok_r(NULL, "\n", &sb))
    if (strcmp(la, lb)) {
      diff++;
      cr_assert(strstr(la, "name=\"soleus_r\""), "unexpected difference: %s", la);
    }
  cr_assert(!la && !lb);
  cr_assert_eq(diff, 1);
  free(a), free(b);
  mjModel *m = load_or_fail(&s);
  int sol = model_muscle_index("soleus_r");
  cr_assert_float_eq(m->actuator_gainprm[mjNGAIN * sol + 2], 0.5 * model_tab_muscles[sol].prm[2], 1e-6);
  mj_deleteModel(m);
}

Test(model, subject_file) {
  char path[] = "/tmp/d2m_subject_XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fprintf(f, "# hemiparesis, right side\n[subject]\nname = p7\nheight_m = 1.8\nmass_kg=80\n"
             "strength.*_r = 0.6\ntendon_slack.soleus_l = 1.05\n");
  fclose(f);
  model_subject s;
  d2m_err e = {{0}};
  cr_assert_eq(model_subject_load(path, &s, &e), 0, "%s", e.msg);
  cr_assert_float_eq(s.height_m, 1.8, 1e-12);
  cr_assert_str_eq(s.name, "p7");
  for (int i = 0; i < MODEL_NMUSCLE; i++) {
    int right = model_muscle_name(i)[strlen(model_muscle_name(i)) - 1] == 'r';
    cr_assert_float_eq(s.strength[i], right ? 0.6 : 1.0, 1e-12);
  }
  cr_assert_float_eq(s.tendon_slack[model_muscle_index("soleus_l")], 1.05, 1e-12);
  f = fopen(path, "w");
  fprintf(f, "height_m = 1.8\nstrength.solues_r = 0.5\n");
  fclose(f);
  cr_assert_eq(model_subject_load(path, &s, &e), -1);
  cr_assert(strstr(e.msg, ":2:") && strstr(e.msg, "strength.solues_r"), "message: %s", e.msg);
  f = fopen(path, "w");
  fprintf(f, "mass_kg = 900\n");
  fclose(f);
  cr_assert_eq(model_subject_load(path, &s, &e), -1);
  cr_assert(strstr(e.msg, ":1:") && strstr(e.msg, "mass_kg"), "message: %s", e.msg);
  f = fopen(path, "w"); /* a key given twice: an error naming the second line (patterns may still overlap) */
  fprintf(f, "mass_kg = 70\nstrength.*_r = 0.6\nstrength.soleus_r = 0.5\n# again\nmass_kg = 80\n");
  fclose(f);
  cr_assert_eq(model_subject_load(path, &s, &e), -1);
  char want[256];
  snprintf(want, sizeof want, "%s:5: mass_kg: duplicate key (set earlier on line 1)", path);
  cr_assert_str_eq(e.msg, want);
  remove(path);
}

static int sim_ok(const mjModel *m, mjData *d, double seconds, rng_t *r, int excite) {
  int steps = (int)(seconds / m->opt.timestep + 0.5);
  for (int t = 0; t < steps; t++) {
    if (excite && t % 20 == 0)
      for (int a = 0; a < m->nu; a++) d->ctrl[a] = rng_uniform(r);
    mj_step(m, d);
  }
  for (int i = 0; i < m->nq; i++)
    if (!isfinite(d->qpos[i])) return 0;
  for (int w = 0; w < mjNWARNING; w++)
    if (d->warning[w].number) return 0;
  return 1;
}

/* 10 s under random excitation and 10 s from standing with zero excitation, at 1 ms and at the
 * environments' 1/750 s: finite, no MuJoCo warning; with zero excitation the body falls. */
Test(model, dynamics_sanity, .timeout = 120) {
  const double dts[] = {0.001, 1.0 / 750.0};
  for (int k = 0; k < 2; k++) {
    model_subject s;
    model_subject_default(&s);
    s.timestep = dts[k];
    mjModel *m = load_or_fail(&s);
    mjData *d = mj_makeData(m);
    rng_t r;
    rng_seed(&r, 7, 0, 3, k);
    mj_resetDataKeyframe(m, d, 0);
    cr_assert(sim_ok(m, d, 10.0, &r, 1), "random excitation, dt %g: NaN or warning", dts[k]);
    mj_resetDataKeyframe(m, d, 0);
    double z0 = d->qpos[2];
    cr_assert(sim_ok(m, d, 10.0, &r, 0), "zero excitation, dt %g: NaN or warning", dts[k]);
    cr_assert(d->qpos[2] < z0 - 0.3, "dt %g: root z %g -> %g: the body did not fall", dts[k], z0, d->qpos[2]);
    mj_deleteData(d);
    mj_deleteModel(m);
  }
}

/* Lateral spread (m, along the calcaneus frame's z) of the lowest points of the heel's contact geoms
 * (those behind x = 0.05 m in that frame; a capsule's lowest line is its axis, as MyoLegs' lie in
 * the frame's horizontal plane), and the lowest height (y) any foot contact geom reaches. */
static void heel_contacts(const mjModel *m, const char *calcn, double *spread, double *bottom) {
  int b = mj_name2id(m, mjOBJ_BODY, calcn);
  cr_assert(b >= 0);
  double zmin = INFINITY, zmax = -INFINITY;
  *bottom = INFINITY;
  for (int g = 0; g < m->ngeom; g++) {
    if (m->geom_bodyid[g] != b || !m->geom_contype[g]) continue;
    const double *p = m->geom_pos + 3 * g, r = m->geom_size[3 * g];
    double pts[2][3] = {{p[0], p[1], p[2]}, {p[0], p[1], p[2]}};
    int np = 1;
    if (m->geom_type[g] == mjGEOM_CAPSULE) {
      double R[9], h = m->geom_size[3 * g + 1];
      mju_quat2Mat(R, m->geom_quat + 4 * g);
      for (int k = 0; k < 3; k++) pts[0][k] = p[k] - h * R[3 * k + 2], pts[1][k] = p[k] + h * R[3 * k + 2];
      np = 2;
    }
    for (int i = 0; i < np; i++) {
      *bottom = fmin(*bottom, pts[i][1] - r);
      if (pts[i][0] < 0.05) zmin = fmin(zmin, pts[i][2]), zmax = fmax(zmax, pts[i][2]);
    }
  }
  *spread = zmax - zmin;
}

/* env.foot_contact = broad: four spheres per foot, the left mirroring the right, their bottoms on the
 * plane of MyoLegs' capsules, and a heel that touches the ground over 5 cm instead of 2. */
Test(model, broad_feet) {
  model_subject s;
  model_subject_default(&s);
  mjModel *m0 = load_or_fail(&s);
  s.foot_broad = 1;
  mjModel *m1 = load_or_fail(&s);
  cr_assert_eq(m1->ngeom, m0->ngeom + 8);
  for (int i = 1; i <= 4; i++) {
    char r[32], l[32];
    snprintf(r, sizeof r, "r_foot_broad%d", i), snprintf(l, sizeof l, "l_foot_broad%d", i);
    int gr = mj_name2id(m1, mjOBJ_GEOM, r), gl = mj_name2id(m1, mjOBJ_GEOM, l);
    cr_assert(gr >= 0 && gl >= 0, "%s or %s missing", r, l);
    cr_assert_eq(m1->geom_bodyid[gr], mj_name2id(m1, mjOBJ_BODY, "calcn_r"));
    cr_assert_eq(m1->geom_bodyid[gl], mj_name2id(m1, mjOBJ_BODY, "calcn_l"));
    cr_assert(m1->geom_contype[gr] && m1->geom_contype[gl], "%s is not a contact geom", r);
    for (int k = 0; k < 3; k++)
      cr_assert_float_eq(m1->geom_pos[3 * gl + k], (k == 2 ? -1 : 1) * m1->geom_pos[3 * gr + k], 1e-12);
  }
  const char *feet[] = {"calcn_r", "calcn_l"};
  for (int f = 0; f < 2; f++) {
    double s0, s1, b0, b1;
    heel_contacts(m0, feet[f], &s0, &b0);
    heel_contacts(m1, feet[f], &s1, &b1);
    cr_assert_float_eq(b1, b0, 1e-9, "%s: the spheres reach %g m, the capsules %g m", feet[f], b1, b0);
    cr_assert(s0 < 0.03 && s1 >= 0.05 - 1e-9, "%s: heel contact spread %.3f m (MyoLegs), %.3f m (broad)", feet[f], s0, s1);
  }
  mj_deleteModel(m0);
  mj_deleteModel(m1);
}
