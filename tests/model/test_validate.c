/* tests/model/test_validate.c: the generated model against the reference MyoLegs over 200 random
 * poses inside the joint ranges: muscle-tendon lengths (median relative error <= 2%, worst <= 8%
 * per muscle) and moment arms from the tendon Jacobian (error <= max(15% of the reference's range,
 * 3 mm) for >= 95% of muscle-joint pairs). Skips without D2M_SHARED_DATA. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "envs/model/model.h"
#include "tests/test_paths.h"

enum { NPOSE = 200, NJ = 14, NM = MODEL_NMUSCLE };
static const char *k_joint[7] = {"hip_flexion", "hip_adduction", "hip_rotation", "knee_angle",
                                 "ankle_angle", "subtalar_angle", "mtp_angle"};

/* Sets the 14 leg joints, then every equality-slaved joint from its polynomial. */
static void set_pose(const mjModel *m, mjData *d, const double *q14) {
  /* not mj_resetDataKeyframe: it clears MyoLegs' whole arena (njmax 5000), seconds over 200 poses */
  mju_copy(d->qpos, m->key_qpos, m->nq);
  for (int i = 0; i < NJ; i++) {
    char nm[64];
    snprintf(nm, sizeof nm, "%s_%c", k_joint[i % 7], i < 7 ? 'r' : 'l');
    d->qpos[m->jnt_qposadr[mj_name2id(m, mjOBJ_JOINT, nm)]] = q14[i];
  }
  for (int e = 0; e < m->neq; e++) {
    if (m->eq_type[e] != mjEQ_JOINT || m->eq_obj2id[e] < 0) continue;
    const mjtNum *c = m->eq_data + mjNEQDATA * e;
    double x = d->qpos[m->jnt_qposadr[m->eq_obj2id[e]]];
    d->qpos[m->jnt_qposadr[m->eq_obj1id[e]]] = c[0] + x * (c[1] + x * (c[2] + x * (c[3] + x * c[4])));
  }
  mj_kinematics(m, d);
  mj_comPos(m, d);
  mj_tendon(m, d);
  mj_transmission(m, d);
}

/* dL/dq of actuator a about leg joint j, including the slaved joints (chain rule through the
 * coupling polynomials): the moment arm a biomechanist would measure about the knee. */
static double moment_arm(const mjModel *m, const mjData *d, int a, int j) {
  double r = d->actuator_moment[a * m->nv + m->jnt_dofadr[j]];
  for (int e = 0; e < m->neq; e++) {
    if (m->eq_type[e] != mjEQ_JOINT || m->eq_obj2id[e] != j) continue;
    const mjtNum *c = m->eq_data + mjNEQDATA * e;
    double x = d->qpos[m->jnt_qposadr[j]];
    double dpoly = c[1] + x * (2 * c[2] + x * (3 * c[3] + x * 4 * c[4]));
    r += d->actuator_moment[a * m->nv + m->jnt_dofadr[m->eq_obj1id[e]]] * dpoly;
  }
  return r;
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

typedef struct {
  double len[NPOSE][NM];
  double arm[NPOSE][NM][NJ];
} sweep;

static void run_sweep(const mjModel *m, const double (*poses)[NJ], sweep *out) {
  mjData *d = mj_makeData(m);
  int act[NM], jnt[NJ];
  for (int a = 0; a < NM; a++) {
    act[a] = mj_name2id(m, mjOBJ_ACTUATOR, model_muscle_name(a));
    cr_assert(act[a] >= 0, "actuator %s missing", model_muscle_name(a));
  }
  for (int i = 0; i < NJ; i++) {
    char nm[64];
    snprintf(nm, sizeof nm, "%s_%c", k_joint[i % 7], i < 7 ? 'r' : 'l');
    jnt[i] = mj_name2id(m, mjOBJ_JOINT, nm);
  }
  for (int p = 0; p < NPOSE; p++) {
    set_pose(m, d, poses[p]);
    for (int a = 0; a < NM; a++) {
      out->len[p][a] = d->actuator_length[act[a]];
      for (int i = 0; i < NJ; i++) out->arm[p][a][i] = moment_arm(m, d, act[a], jnt[i]);
    }
  }
  mj_deleteData(d);
}

Test(model_validate, against_myolegs, .timeout = 180) {
  char path[1024];
  test_shared_path(path, sizeof path, "models/myolegs/myo_sim/leg/myolegs.xml");
  char msg[1000] = "";
  mjModel *ref = mj_loadXML(path, NULL, msg, sizeof msg);
  cr_assert(ref, "%s: %s", path, msg);
  d2m_err e = {{0}};
  mjModel *m = model_load(NULL, &e);
  cr_assert(m, "%s", e.msg);

  static double poses[NPOSE][NJ];
  rng_t r;
  rng_seed(&r, 2016, 0, 3, 0);
  for (int p = 0; p < NPOSE; p++)
    for (int i = 0; i < NJ; i++) {
      char nm[64];
      snprintf(nm, sizeof nm, "%s_%c", k_joint[i % 7], i < 7 ? 'r' : 'l');
      const mjtNum *rg = ref->jnt_range + 2 * mj_name2id(ref, mjOBJ_JOINT, nm);
      poses[p][i] = rg[0] + (rg[1] - rg[0]) * rng_uniform(&r);
    }
  sweep *a = calloc(1, sizeof *a), *b = calloc(1, sizeof *b);
  run_sweep(m, (const double(*)[NJ])poses, a);
  run_sweep(ref, (const double(*)[NJ])poses, b);

  double worst_med = 0, worst_max = 0, rel[NPOSE];
  for (int k = 0; k < NM; k++) {
    for (int p = 0; p < NPOSE; p++) rel[p] = fabs(a->len[p][k] - b->len[p][k]) / b->len[p][k];
    qsort(rel, NPOSE, sizeof *rel, cmp_double);
    double med = rel[NPOSE / 2], mx = rel[NPOSE - 1];
    if (!(med <= 0.02 && mx <= 0.08))  /* cr_expect only on failure: each Criterion assert is an IPC event */
      cr_expect_fail("%s: length error median %.4f worst %.4f", model_muscle_name(k), med, mx);
    if (med > worst_med) worst_med = med;
    if (mx > worst_max) worst_max = mx;
  }
  int pairs = 0, pass = 0;
  double worst_arm = 0;
  for (int k = 0; k < NM; k++)
    for (int i = 0; i < NJ; i++) {
      double lo = 1e9, hi = -1e9, err = 0;
      for (int p = 0; p < NPOSE; p++) {
        double x = b->arm[p][k][i];
        lo = x < lo ? x : lo, hi = x > hi ? x : hi;
        double d = fabs(a->arm[p][k][i] - x);
        err = d > err ? d : err;
      }
      if (fmax(fabs(lo), fabs(hi)) < 1e-3) continue; /* the muscle does not cross this joint */
      pairs++;
      double tol = fmax(0.15 * (hi - lo), 0.003);
      if (err <= tol) pass++;
      else printf("model_validate: outlier %s about %s_%c: worst error %.2f mm (tolerance %.2f mm)\n",
                  model_muscle_name(k), k_joint[i % 7], i < 7 ? 'r' : 'l', 1e3 * err, 1e3 * tol);
      if (err > worst_arm) worst_arm = err;
    }
  printf("model_validate: %d poses; length error median (worst muscle) %.2e, worst %.2e; moment arms: "
         "%d/%d muscle-joint pairs pass (%.1f%%), worst error %.3f mm\n",
         NPOSE, worst_med, worst_max, pass, pairs, 100.0 * pass / pairs, 1e3 * worst_arm);
  cr_assert(pairs > 100, "only %d crossing pairs found", pairs);
  cr_assert(pass >= 0.95 * pairs, "%d/%d moment-arm pairs pass", pass, pairs);
  free(a), free(b);
  mj_deleteModel(ref);
  mj_deleteModel(m);
}
