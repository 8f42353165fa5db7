/* tests/analysis/test_posture.c: the posture figures of analysis/posture.h on the project's model:
 * which hinges sit at a limit, and the torque those limits carry (0 for a knee resting at its stop,
 * more the harder a torque presses it in). */
#include <criterion/criterion.h>
#include <math.h>

#include "analysis/posture.h"
#include "envs/model/model.h"

static mjModel *m;
static mjData *d;

static void setup(void) {
  d2m_err e;
  m = model_load(NULL, &e);
  cr_assert(m, "model_load: %s", e.msg);
  d = mj_makeData(m);
}
static void teardown(void) {
  mj_deleteData(d);
  mj_deleteModel(m);
}

/* One episode of `steps` identical states: the right knee `dq` rad from its lower stop (negative:
 * past it) with an extending torque `press` (N m) on it, the left knee mid-range. Returns the right
 * knee's entry in r (-1: not at a limit). */
static int knee_episode(double dq, double press, int steps, posture_result *r) {
  int kr = mj_name2id(m, mjOBJ_JOINT, "knee_angle_r"), kl = mj_name2id(m, mjOBJ_JOINT, "knee_angle_l");
  cr_assert(kr >= 0 && kl >= 0);
  posture_acc a;
  posture_init(&a, m);
  mj_resetData(m, d);
  d->qpos[m->jnt_qposadr[kr]] = m->jnt_range[2 * kr] + dq;
  d->qpos[m->jnt_qposadr[kl]] = 0.5 * (m->jnt_range[2 * kl] + m->jnt_range[2 * kl + 1]);
  /* flexion is positive: a negative torque extends. It must beat what the knee's coupled joints'
   * equality constraints do at this unrelaxed pose (about 100 N m of flexion): pressed less, the
   * knee leaves its stop and the limit carries nothing */
  d->qfrc_applied[m->jnt_dofadr[kr]] = -press;
  mj_forward(m, d);
  const double heel[2] = {0, 0};
  for (int t = 0; t < steps; t++) posture_add(&a, m, d, heel);
  posture_end(&a, r);
  int right = -1;
  for (int i = 0; i < r->hinges_at_limit; i++) {
    cr_assert_neq(r->limit_joint[i], kl, "the mid-range left knee is reported at a limit");
    if (r->limit_joint[i] == kr) right = i;
  }
  return right;
}

Test(posture, a_knee_resting_at_its_stop_is_at_the_limit_but_carries_nothing, .init = setup, .fini = teardown) {
  posture_result r;
  int i = knee_episode(1.0 * M_PI / 180, 0, 4, &r); /* 1 deg inside the range: within the 2-deg band */
  cr_assert_geq(i, 0, "a knee 1 deg from its stop is not reported at its limit");
  cr_assert_float_eq(r.limit_torque[i], 0, 1e-12, "no limit constraint is active, yet %g N m", r.limit_torque[i]);
  i = knee_episode(-0.5 * M_PI / 180, 0, 4, &r); /* past the stop, but nothing presses it in */
  cr_assert_geq(i, 0);
  cr_assert_float_eq(r.limit_torque[i], 0, 1e-9, "an unpressed knee's limit carries %g N m", r.limit_torque[i]);
}

Test(posture, a_knee_pressed_into_its_stop_carries_more_the_harder, .init = setup, .fini = teardown) {
  posture_result r;
  int i = knee_episode(-0.5 * M_PI / 180, 200, 4, &r);
  cr_assert_geq(i, 0);
  double soft = r.limit_torque[i];
  i = knee_episode(-0.5 * M_PI / 180, 500, 4, &r);
  cr_assert_geq(i, 0);
  double hard = r.limit_torque[i];
  cr_assert(isfinite(soft) && soft > 0, "limit torque %g N m under a 200 N m press", soft);
  cr_assert_gt(hard, soft, "pressed with 500 N m: %g N m, not more than 200 N m's %g", hard, soft);
}

Test(posture, the_limit_torque_is_a_mean_over_the_episode, .init = setup, .fini = teardown) {
  posture_result r1, r2;
  int i1 = knee_episode(-0.5 * M_PI / 180, 300, 1, &r1), i4 = knee_episode(-0.5 * M_PI / 180, 300, 4, &r2);
  cr_assert(i1 >= 0 && i4 >= 0);
  cr_assert_gt(r1.limit_torque[i1], 0);
  /* the same state every step: the mean of 4 equals one step's value (a sum would be 4x) */
  cr_assert_float_eq(r2.limit_torque[i4], r1.limit_torque[i1], 1e-9 * r1.limit_torque[i1]);
}
