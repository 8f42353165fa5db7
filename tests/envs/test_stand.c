/* tests/envs/test_stand.c: issue 13's env fixes: activations preloaded at reset, activations limited
 * to [0, 1], the upright stance (feet on the floor, above the keyframe crouch), heel loads and the
 * stand reward's terms. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "envs/env.h"
#include "tests/envs/env_model_helper.h"

Test(stand, activations_preloaded_at_reset) {
  d2m_err e;
  mjModel *m = test_model(&e);
  cr_assert(m, "%s", e.msg);
  for (int task = 0; task < 3; task++) {
    for (int pre = 0; pre < 2; pre++) {
      env_params p = TEST_PARAMS((env_task)task, "env.excitation_baseline=0.07",
                                 pre ? "env.act_preload=baseline" : "env.act_preload=zero");
      env_t *env = test_env(m, &p);
      env_reset(env, 5);
      const mjData *d = env_data(env);
      for (int i = 0; i < m->na; i++)
        cr_assert_float_eq(d->act[i], pre ? 0.07 : 0.0, 1e-12, "task %d muscle %d", task, i);
      env_free(env);
    }
  }
  mj_deleteModel(m);
}

/* Full excitation from rest: MuJoCo's explicit activation update with tau_act(0) = 5 ms < the 6.67 ms
 * step overshoots 1 (act += dt (u - act) / tau); actlimited clamps it. */
Test(stand, activations_limited_to_one) {
  for (int lim = 0; lim < 2; lim++) {
    model_subject s;
    model_subject_default(&s);
    s.actlimited = lim;
    d2m_err e;
    mjModel *m = model_load(&s, &e);
    cr_assert(m, "%s", e.msg);
    env_params p = TEST_PARAMS(ENV_TASK_STAND, "env.act_preload=zero");
    env_t *env = test_env(m, &p);
    env_reset(env, 1);
    float act[80], *obs = malloc(sizeof(float) * env_obs_size(env));
    for (int i = 0; i < 80; i++) act[i] = 20; /* sigmoid(20) = 1 - 2e-9 */
    env_step_out out = {.obs = obs};
    env_step(env, act, &out);
    double amax = 0;
    for (int i = 0; i < m->na; i++) amax = fmax(amax, env_data(env)->act[i]);
    if (lim) cr_assert(amax <= 1.0, "limited activation reached %g", amax);
    else cr_assert(amax > 1.01, "unlimited activation should overshoot (reached %g)", amax);
    free(obs);
    env_free(env);
    mj_deleteModel(m);
  }
}

/* The upright stance stands on the floor, higher than the crouched keyframe, and a body dropped
 * into it (zero velocity) carries weight on both heels once the sole has rocked back (3 steps). */
Test(stand, upright_pose_on_floor_with_heels_loaded) {
  d2m_err e;
  mjModel *m = test_model(&e);
  cr_assert(m, "%s", e.msg);
  env_params pu = TEST_PARAMS(ENV_TASK_STAND, "env.reset_noise=0", "stand.pose=upright");
  env_params pk = TEST_PARAMS(ENV_TASK_STAND, "env.reset_noise=0", "stand.pose=key");
  env_t *up = test_env(m, &pu);
  env_t *key = test_env(m, &pk);
  env_reset(up, 1);
  env_reset(key, 1);
  const mjData *du = env_data(up), *dk = env_data(key);
  int pel = mj_name2id(m, mjOBJ_BODY, "pelvis"), knee = mj_name2id(m, mjOBJ_JOINT, "knee_angle_r");
  double hu = du->xpos[3 * pel + 2], hk = dk->xpos[3 * pel + 2];
  cr_assert(hu > hk + 0.02, "upright pelvis %g m should be above the crouch's %g m", hu, hk);
  cr_assert_float_eq(du->qpos[m->jnt_qposadr[knee]], 5 * M_PI / 180, 1e-9);
  float act[80], *obs = malloc(sizeof(float) * env_obs_size(up));
  for (int i = 0; i < 80; i++) act[i] = -3;
  env_step_out out = {.obs = obs};
  for (int t = 0; t < 3; t++) env_step(up, act, &out); /* the sole rocks back onto the heel */
  cr_assert(!out.done);
  double heel[2];
  env_heel_load(up, heel);
  cr_assert(heel[0] > 0.05 && heel[1] > 0.05, "heels carry %g and %g body weights", heel[0], heel[1]);
  cr_assert(heel[0] < 1.5 && heel[1] < 1.5, "heels carry %g and %g body weights", heel[0], heel[1]);
  free(obs);
  env_free(up);
  env_free(key);
  mj_deleteModel(m);
}

/* The new reward terms are in [0, 1] each: the first-step reward of the upright stance is at most
 * the sum of the weights and at least the upright term; switching a weight off lowers the maximum. */
Test(stand, reward_terms_bounded) {
  d2m_err e;
  mjModel *m = test_model(&e);
  cr_assert(m, "%s", e.msg);
  env_params p = TEST_PARAMS(ENV_TASK_STAND, NULL);
  env_t *env = test_env(m, &p);
  double wmax = env_max_reward(env);
  cr_assert_float_eq(wmax, p.stand_w_up + p.stand_w_height + p.stand_w_still + p.stand_w_energy + p.stand_w_posture +
                               p.stand_w_heel + p.stand_w_limit, 1e-12);
  float act[80], *obs = malloc(sizeof(float) * env_obs_size(env));
  for (int i = 0; i < 80; i++) act[i] = -3;
  env_step_out out = {.obs = obs};
  env_reset(env, 2);
  env_step(env, act, &out);
  cr_assert(out.reward <= wmax + 1e-9 && out.reward >= 0.9 * p.stand_w_up, "reward %g of %g", out.reward, wmax);
  free(obs);
  env_free(env);
  mj_deleteModel(m);
}

/* muscle_pd centred on the current length: a zero action holds the pose (each muscle resists being
 * stretched from where it was); centred on mid-range it pulls the joints toward the middle of the
 * muscles' ranges. Hinge drift after 0.33 s of zero actions on the upright stance (reset noise 0). */
static double pd_drift(const mjModel *m, const char *centre) {
  env_params p = TEST_PARAMS(ENV_TASK_STAND, "env.action_mode=muscle_pd", centre, "env.reset_noise=0");
  env_t *env = test_env(m, &p);
  env_reset(env, 1);
  const mjData *d = env_data(env);
  double q0[64];
  int n = 0;
  for (int j = 0; j < m->njnt && n < 64; j++)
    if (m->jnt_type[j] == mjJNT_HINGE && m->jnt_limited[j]) q0[n++] = d->qpos[m->jnt_qposadr[j]];
  float act[80] = {0}, *obs = malloc(sizeof(float) * env_obs_size(env));
  env_step_out out = {.obs = obs};
  for (int t = 0; t < 10 && !out.done; t++) env_step(env, act, &out);
  cr_assert(!out.done, "fell within 10 steps of zero PD actions (%s)", centre);
  double ss = 0;
  n = 0;
  for (int j = 0; j < m->njnt && n < 64; j++)
    if (m->jnt_type[j] == mjJNT_HINGE && m->jnt_limited[j]) {
      double a = d->qpos[m->jnt_qposadr[j]] - q0[n++];
      ss += a * a;
    }
  free(obs);
  env_free(env);
  return sqrt(ss / n);
}

Test(stand, muscle_pd_zero_action_holds_current_pose) {
  d2m_err e;
  mjModel *m = test_model(&e);
  cr_assert(m, "%s", e.msg);
  double cur = pd_drift(m, "env.pd_centre=current"), mid = pd_drift(m, "env.pd_centre=range");
  cr_assert(cur < 0.5 * mid, "hinge drift %g rad centred on the pose, %g on mid-range", cur, mid);
  mj_deleteModel(m);
}

/* The first PD excitations of an episode (substeps 1: ctrl is what the law gave at the reset state,
 * where every muscle velocity is 0). */
static void first_pd_ctrl(const mjModel *m, const char *centre, const char *noise, double *u, double *len) {
  env_params p = TEST_PARAMS(ENV_TASK_STAND, "env.action_mode=muscle_pd", centre, noise, "env.substeps=1",
                             "env.sim_dt=0.005");
  env_t *env = test_env(m, &p);
  env_reset(env, 3);
  const mjData *d = env_data(env);
  for (int i = 0; i < m->nu; i++) len[i] = d->actuator_length[i];
  float act[80] = {0}, *obs = malloc(sizeof(float) * env_obs_size(env));
  env_step_out out = {.obs = obs};
  env_step(env, act, &out);
  for (int i = 0; i < m->nu; i++) u[i] = d->ctrl[i];
  free(obs);
  env_free(env);
}

/* pd_centre = pose: a zero action is a stretch reflex toward stand.pose. In the pose itself it is the
 * same law as centring on the current length; off the pose only muscles stretched beyond their pose
 * length are excited. */
Test(stand, muscle_pd_pose_centre_is_a_stretch_reflex_toward_the_stance) {
  d2m_err e;
  mjModel *m = test_model(&e);
  cr_assert(m, "%s", e.msg);
  double u_pose[80], u_cur[80], l_pose[80], u_off[80], l_off[80], scratch[80];
  first_pd_ctrl(m, "env.pd_centre=pose", "env.reset_noise=0", u_pose, l_pose);
  first_pd_ctrl(m, "env.pd_centre=current", "env.reset_noise=0", u_cur, scratch);
  for (int i = 0; i < 80; i++) cr_assert_float_eq(u_pose[i], u_cur[i], 1e-12, "muscle %d in the pose", i);
  first_pd_ctrl(m, "env.pd_centre=pose", "env.reset_noise=0.2", u_off, l_off);
  int excited = 0;
  for (int i = 0; i < 80; i++) {
    if (u_off[i] <= 1e-9) continue;
    excited++;
    cr_assert(l_off[i] > l_pose[i], "muscle %d excited (%g) but not stretched beyond its pose length", i, u_off[i]);
  }
  cr_assert(excited >= 10, "only %d muscles answer a 0.2 rad perturbation", excited);
  mj_deleteModel(m);
}
