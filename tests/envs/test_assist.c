/* tests/envs/test_assist.c: imitate's balance assistant (env_set_assist, envs/tasks.c): its force and
 * moment against hand-computed answers, what it leaves alone (fore-aft, vertical, yaw), that it holds
 * the pelvis near the reference, and that strength 0 leaves no trace. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "envs/env.h"
#include "envs/env_int.h"
#include "envs/frames.h"
#include "envs/tasks.h"
#include "tests/envs/env_model_helper.h"

static double body_mass(const mjModel *m) {
  double s = 0;
  for (int b = 0; b < m->nbody; b++) s += m->body_mass[b];
  return s;
}

/* An imitate env at an RSI frame, with the reference's pelvis pose and velocity in qref/vref. */
static env_t *at_frame(const mjModel *m, const env_params *p, double *qref, double *vref) {
  env_t *e = test_env(m, p);
  env_reset(e, 3);
  const mjData *d = env_data(e);
  memcpy(qref, d->qpos + e->root_qadr, 7 * sizeof(double));
  memcpy(vref, d->qvel + e->root_dadr, 6 * sizeof(double));
  return e;
}

Test(assist, sideways_force_known_answer) {
  d2m_err err;
  mjModel *m = test_model(&err);
  cr_assert(m, "%s", err.msg);
  env_params p = test_params(ENV_TASK_IMITATE, NULL);
  double qref[7], vref[6];
  env_t *e = at_frame(m, &p, qref, vref);
  mjData *d = env_data(e);
  int qa = e->root_qadr, da = e->root_dadr;
  double psi = env_heading(e), lat[2] = {-sin(psi), cos(psi)}, delta = 0.05;
  d->qpos[qa] += delta * lat[0];
  d->qpos[qa + 1] += delta * lat[1];
  mj_forward(m, d);
  env_set_assist(e, 2);
  env_task_assist(e);
  /* s m g / l, l = the reference's pelvis height; the velocity matches the reference: no damping */
  double kp = 2 * body_mass(m) * 9.81 / qref[2], f = -kp * delta;
  cr_assert_float_eq(d->qfrc_applied[da], f * lat[0], 1e-6 * fabs(f), "x: %g against %g", d->qfrc_applied[da], f * lat[0]);
  cr_assert_float_eq(d->qfrc_applied[da + 1], f * lat[1], 1e-6 * fabs(f), "y: %g against %g", d->qfrc_applied[da + 1], f * lat[1]);
  cr_assert_eq(d->qfrc_applied[da + 2], 0, "no vertical help");
  for (int c = 3; c < 6; c++) cr_assert_lt(fabs(d->qfrc_applied[da + c]), 1e-9, "no moment at the reference's orientation");
  /* fore-aft offsets get no help */
  d->qpos[qa] = qref[0] + 0.05 * cos(psi);
  d->qpos[qa + 1] = qref[1] + 0.05 * sin(psi);
  mj_forward(m, d);
  env_task_assist(e);
  cr_assert_lt(hypot(d->qfrc_applied[da], d->qfrc_applied[da + 1]), 1e-6);
  env_free(e);
  mj_deleteModel(m);
}

/* Rotate the pelvis by angle th about the world axis ax (premultiplied), keeping its world angular
 * velocity; returns the world-frame moment the assistant applies. */
static void moment_after_rotation(env_t *e, const double *qref, const double *vref, const double ax[3], double th,
                                  double tau_w[3]) {
  const mjModel *m = env_model(e);
  mjData *d = env_data(e);
  int qa = e->root_qadr, da = e->root_dadr;
  double qr[4], R[9], Rref[9], w_w[3];
  mju_axisAngle2Quat(qr, ax, th);
  mju_mulQuat(d->qpos + qa + 3, qr, qref + 3);
  mju_quat2Mat(Rref, qref + 3);
  mju_quat2Mat(R, d->qpos + qa + 3);
  mju_mulMatVec(w_w, Rref, vref + 3, 3, 3);
  mju_mulMatTVec(d->qvel + da + 3, R, w_w, 3, 3);
  mj_forward(m, d);
  env_task_assist(e);
  mju_mulMatVec(tau_w, R, d->qfrc_applied + da + 3, 3, 3);
}

Test(assist, roll_moment_known_answer_and_no_yaw) {
  d2m_err err;
  mjModel *m = test_model(&err);
  cr_assert(m, "%s", err.msg);
  env_params p = test_params(ENV_TASK_IMITATE, NULL);
  double qref[7], vref[6], tau[3];
  env_t *e = at_frame(m, &p, qref, vref);
  env_set_assist(e, 2);
  double psi = env_heading(e), fwd[3] = {cos(psi), sin(psi), 0}, up[3] = {0, 0, 1}, th = 0.05;
  moment_after_rotation(e, qref, vref, fwd, th, tau);
  double kr = 2 * body_mass(m) * 9.81 * qref[2];
  for (int c = 0; c < 2; c++)
    cr_assert_float_eq(tau[c], -kr * th * fwd[c], 1e-6 * kr * th, "roll moment[%d] %g against %g", c, tau[c], -kr * th * fwd[c]);
  cr_assert_lt(fabs(tau[2]), 1e-9 * kr, "no yaw moment");
  moment_after_rotation(e, qref, vref, up, th, tau);
  for (int c = 0; c < 3; c++) cr_assert_lt(fabs(tau[c]), 1e-9 * kr, "a yaw error gets no help (%d: %g)", c, tau[c]);
  env_free(e);
  mj_deleteModel(m);
}

/* Mean sideways distance of the pelvis from the reference over 30 zero-action steps (termination off). */
static double sideways_drift(const mjModel *m, double s) {
  env_params p = TEST_PARAMS(ENV_TASK_IMITATE, "imitate.term_dist=100");
  env_t *e = test_env(m, &p);
  float *obs = malloc(sizeof(float) * env_obs_size(e)), act[256] = {0};
  env_step_out out = {.obs = obs};
  double sum = 0;
  int n = 0;
  for (uint64_t seed = 1; seed <= 4; seed++) {
    env_reset(e, seed);
    env_set_assist(e, s);
    for (int t = 0; t < 30; t++) {
      env_step(e, act, &out);
      if (out.done) break;
      const mjData *d = env_data(e);
      double psi = env_heading(e), dy = -sin(psi) * (d->qpos[e->root_qadr] - e->ref_qpos[e->root_qadr]) +
                                        cos(psi) * (d->qpos[e->root_qadr + 1] - e->ref_qpos[e->root_qadr + 1]);
      sum += fabs(dy), n++;
    }
  }
  free(obs);
  env_free(e);
  return n ? sum / n : INFINITY;
}

Test(assist, holds_the_pelvis_near_the_reference) {
  d2m_err err;
  mjModel *m = test_model(&err);
  cr_assert(m, "%s", err.msg);
  double free_body = sideways_drift(m, 0), held = sideways_drift(m, 4);
  cr_assert_lt(held, 0.5 * free_body, "sideways drift %.4f m with the assistant against %.4f m without", held, free_body);
  mj_deleteModel(m);
}

Test(assist, strength_zero_leaves_no_trace) {
  d2m_err err;
  mjModel *m = test_model(&err);
  cr_assert(m, "%s", err.msg);
  env_params p = test_params(ENV_TASK_IMITATE, NULL);
  env_t *a = test_env(m, &p), *b = test_env(m, &p);
  int n = env_obs_size(a);
  float *oa = malloc(sizeof(float) * n), *ob = malloc(sizeof(float) * n), act[256] = {0};
  env_step_out outa = {.obs = oa}, outb = {.obs = ob};
  env_reset(a, 5);
  env_reset(b, 5);
  env_set_assist(b, 3); /* on, then off again before any step: its force must not stay behind */
  env_task_assist(b);
  env_set_assist(b, 0);
  for (int t = 0; t < 10 && !outa.done; t++) {
    env_step(a, act, &outa);
    env_step(b, act, &outb);
    cr_assert_eq(memcmp(oa, ob, sizeof(float) * n), 0, "step %d differs", t);
  }
  for (int c = 0; c < 6; c++) cr_assert_eq(env_data(b)->qfrc_applied[b->root_dadr + c], 0);
  free(oa);
  free(ob);
  env_free(a);
  env_free(b);
  mj_deleteModel(m);
}
