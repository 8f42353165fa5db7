/* tests/learner/test_learn.c: proof that the learner learns. Two small MuJoCo tasks in inline MJCF,
 * trained single-process with the project's actor-critic, GAE and PPO (the same code the
 * distributed learner runs), fixed seed and step budget; the test asserts the mean episode return
 * of the last iterations passes a stated threshold. Set D2M_LEARN_CURVE=1 to print the curve. */
#include <criterion/criterion.h>
#include <math.h>
#include <mujoco/mujoco.h>
#include <stdlib.h>
#include <string.h>

#include "common/ac.h"
#include "common/log.h"
#include "common/rstat.h"
#include "learner/ppo.h"

typedef struct task {
  const char *name, *xml;
  int obs_dim, act_dim, frame_skip, max_steps;
  float init_log_std;
  void (*reset)(const mjModel *m, mjData *d, rng_t *r, double *target);
  void (*obs)(const mjModel *m, const mjData *d, double target, float *o);
  /* applies the action, steps, returns the reward; *term = 1 on failure */
  float (*step)(const mjModel *m, mjData *d, const struct task *t, double target, const float *a, int *term);
} task;

/* ---- inverted pendulum: a 0.5 m, 1 kg pole on a hinge, torque motor (max 2 N m), balance upright.
 * Gravity torque at angle q is 2.45 sin q N m, so the motor can hold it only within ~55 degrees.
 * obs (q, qdot); reward 1 per step alive; terminated when |q| > 0.8 rad; truncated at 200 steps. */
static const char k_pendulum_xml[] =
    "<mujoco model='pendulum'><compiler autolimits='true' angle='radian'/><option timestep='0.01'/>"
    "<worldbody><body name='pole'><joint name='hinge' type='hinge' axis='0 1 0' damping='0.05'/>"
    "<geom type='capsule' fromto='0 0 0 0 0 0.5' size='0.03' mass='1'/></body></worldbody>"
    "<actuator><motor joint='hinge' gear='2' ctrlrange='-1 1'/></actuator></mujoco>";

static void pend_reset(const mjModel *m, mjData *d, rng_t *r, double *target) {
  mj_resetData(m, d);
  d->qpos[0] = 0.4 * (rng_uniform(r) - 0.5);
  d->qvel[0] = 0.4 * (rng_uniform(r) - 0.5);
  *target = 0;
  mj_forward(m, d);
}
static void pend_obs(const mjModel *m, const mjData *d, double target, float *o) {
  (void)m, (void)target;
  o[0] = (float)d->qpos[0];
  o[1] = (float)d->qvel[0];
}
static float pend_step(const mjModel *m, mjData *d, const task *t, double target, const float *a, int *term) {
  (void)target;
  d->ctrl[0] = a[0] < -1 ? -1 : a[0] > 1 ? 1 : a[0];
  for (int k = 0; k < t->frame_skip; k++) mj_step(m, d);
  *term = fabs(d->qpos[0]) > 0.8 || !isfinite(d->qpos[0]);
  return 1.f;
}

/* ---- one-joint arm with two antagonist muscles in the horizontal plane: reach a random target
 * angle in [-1, 1] rad from a random start and hold it. Muscles act on the joint directly
 * (moment arm 3 cm, peak force 60 N each), with MuJoCo's activation dynamics (10/40 ms).
 * action a -> excitation clip(0.5 + 0.5 a, 0, 1), so the initial policy co-contracts moderately.
 * obs (q, qdot, target, q - target, act_flexor, act_extensor); reward -|q - target| per step;
 * episodes of 100 steps (2 s), ended by truncation only. */
static const char k_arm_xml[] =
    "<mujoco model='arm'><compiler autolimits='true' angle='radian'/><option timestep='0.005' gravity='0 0 0'/>"
    "<worldbody><body name='forearm'>"
    "<joint name='elbow' type='hinge' axis='0 0 1' range='-1.5 1.5' damping='0.05'/>"
    "<geom type='capsule' fromto='0 0 0 0.3 0 0' size='0.02' mass='1'/></body></worldbody>"
    "<actuator><muscle name='flexor' joint='elbow' gear='0.03' force='60' lengthrange='-0.045 0.045'/>"
    "<muscle name='extensor' joint='elbow' gear='-0.03' force='60' lengthrange='-0.045 0.045'/></actuator></mujoco>";

static void arm_reset(const mjModel *m, mjData *d, rng_t *r, double *target) {
  mj_resetData(m, d);
  d->qpos[0] = 2 * rng_uniform(r) - 1;
  *target = 2 * rng_uniform(r) - 1;
  mj_forward(m, d);
}
static void arm_obs(const mjModel *m, const mjData *d, double target, float *o) {
  (void)m;
  o[0] = (float)d->qpos[0];
  o[1] = (float)d->qvel[0];
  o[2] = (float)target;
  o[3] = (float)(d->qpos[0] - target);
  o[4] = (float)d->act[0];
  o[5] = (float)d->act[1];
}
static float arm_step(const mjModel *m, mjData *d, const task *t, double target, const float *a, int *term) {
  for (int j = 0; j < 2; j++) {
    float u = 0.5f + 0.5f * a[j];
    d->ctrl[j] = u < 0 ? 0 : u > 1 ? 1 : u;
  }
  for (int k = 0; k < t->frame_skip; k++) mj_step(m, d);
  *term = 0;
  if (!isfinite(d->qpos[0])) { /* numerical: end the episode, never let it reach the weights */
    *term = 1;
    return -2.f;
  }
  return (float)-fabs(d->qpos[0] - target);
}

static const task k_pendulum = {"pendulum", k_pendulum_xml, 2, 1, 2, 200, 0.0f, pend_reset, pend_obs, pend_step};
static const task k_arm = {"arm", k_arm_xml, 6, 2, 4, 100, -0.5f, arm_reset, arm_obs, arm_step};

static mjModel *load_xml(const char *xml) {
  mjVFS *vfs = xcalloc(1, sizeof *vfs);
  mj_defaultVFS(vfs);
  int len = (int)strlen(xml);
  cr_assert_eq(mj_makeEmptyFileVFS(vfs, "model.xml", len), 0);
  memcpy(vfs->filedata[mj_findFileVFS(vfs, "model.xml")], xml, (size_t)len);
  char err[1000] = "";
  mjModel *m = mj_loadXML("model.xml", vfs, err, sizeof err);
  cr_assert_not_null(m, "MJCF: %s", err);
  mj_deleteVFS(vfs);
  free(vfs);
  return m;
}

/* Train for iters iterations of T steps x E envs; returns the mean return of episodes finished in
 * the last `last` iterations (and the first ones in *first). */
static double train(const task *tk, int iters, int last, uint64_t seed, double *first) {
  enum { E = 16, T = 64, H = 64 };
  mjModel *m = load_xml(tk->xml);
  int O = tk->obs_dim, A = tk->act_dim, N = T * E;
  ac_config ac = {.obs_dim = O, .act_dim = A, .nhidden = 2, .hidden = {H, H}, .act = NN_ACT_TANH,
                  .init_log_std = tk->init_log_std};
  ac_net net;
  ac_init(&net, &ac);
  ppo_config c;
  ppo_config_defaults(&c);
  c.minibatch = 256;
  c.epochs = 10;
  c.lr = 1e-3f;
  ppo_learner p;
  ppo_init(&p, &net, &c, N, seed);
  ac_ws ws;
  ac_ws_init(&ws, &net, E, 0);
  ppo_batch b;
  ppo_batch_init(&b, N, O, A);
  gae_rscale rs;
  gae_rscale_init(&rs, E, c.gamma);
  rstat os;
  rstat_init(&os, O);
  float *obs = xmalloc((size_t)N * O * 4), *act = xmalloc((size_t)N * A * 4), *logp = xmalloc(N * 4),
        *val = xmalloc(N * 4), *rew = xmalloc(N * 4), *fval = xcalloc(N, 4), raw[E * 8], mean[8], inv[8], boot[E];
  uint8_t *term = xcalloc(N, 1), *trunc = xcalloc(N, 1);
  mjData *d[E];
  double target[E], ep_ret[E] = {0}, sum_last = 0, sum_first = 0;
  int ep_len[E] = {0}, n_last = 0, n_first = 0;
  rng_t renv, rpol;
  rng_seed(&renv, seed, 0, RNG_ENV, 0);
  rng_seed(&rpol, seed, 0, RNG_POLICY, 0);
  for (int e = 0; e < E; e++) {
    d[e] = mj_makeData(m);
    tk->reset(m, d[e], &renv, &target[e]);
    tk->obs(m, d[e], target[e], raw + e * O);
  }
  int curve = getenv("D2M_LEARN_CURVE") != NULL;
  for (int it = 0; it < iters; it++) {
    rstat_export(&os, 1e-8f, mean, inv); /* fixed within a segment: the batch holds what the policy saw */
    double it_sum = 0;
    int it_n = 0;
    for (int t = 0; t < T; t++) {
      float *o = obs + (size_t)t * E * O;
      rstat_update(&os, raw, E);
      rstat_normalize(mean, inv, O, raw, o, E, 10.f);
      ac_act(&net, p.params, &ws, o, E, &rpol, 0, act + (size_t)t * E * A, logp + t * E, val + t * E);
      for (int e = 0; e < E; e++) {
        size_t i = (size_t)t * E + e;
        int tm = 0;
        rew[i] = tk->step(m, d[e], tk, target[e], act + i * A, &tm);
        ep_ret[e] += rew[i];
        term[i] = (uint8_t)tm;
        trunc[i] = (uint8_t)(!tm && ++ep_len[e] >= tk->max_steps);
        if (trunc[i]) { /* V(s_final) before the reset: truncation bootstraps from it */
          float fo[8], fn[8];
          tk->obs(m, d[e], target[e], fo);
          rstat_normalize(mean, inv, O, fo, fn, 1, 10.f);
          ac_value(&net, p.params, &ws, fn, 1, &fval[i]);
        }
        if (tm || trunc[i]) {
          if (it >= iters - last) sum_last += ep_ret[e], n_last++;
          if (it < last) sum_first += ep_ret[e], n_first++;
          it_sum += ep_ret[e], it_n++;
          ep_ret[e] = 0, ep_len[e] = 0;
          tk->reset(m, d[e], &renv, &target[e]);
        }
        tk->obs(m, d[e], target[e], raw + e * O);
      }
    }
    float nb[E * 8];
    rstat_normalize(mean, inv, O, raw, nb, E, 10.f);
    ac_value(&net, p.params, &ws, nb, E, boot);
    ppo_batch_clear(&b);
    ppo_batch_add_segment(&b, &c, &rs, T, E, obs, act, logp, val, rew, term, trunc, fval, boot);
    ppo_metrics pm;
    ppo_update(&p, &b, (double)it / iters, &pm);
    if (curve)
      fprintf(stderr, "%s it %3d steps %6d episodes %3d mean return %8.2f | pg %.4f v %.4f ent %.3f kl %.4f clip %.3f ev %.3f gn %.3f %.3fs\n",
              tk->name, it, (it + 1) * N, it_n, it_n ? it_sum / it_n : NAN, pm.pg_loss, pm.v_loss, pm.entropy,
              pm.approx_kl, pm.clipfrac, pm.explained_var, pm.grad_norm, pm.seconds);
  }
  for (int e = 0; e < E; e++) mj_deleteData(d[e]);
  mj_deleteModel(m);
  free(obs), free(act), free(logp), free(val), free(rew), free(fval), free(term), free(trunc);
  ppo_batch_free(&b), ppo_free(&p), ac_ws_free(&ws), gae_rscale_free(&rs), rstat_free(&os);
  *first = n_first ? sum_first / n_first : NAN;
  return n_last ? sum_last / n_last : NAN;
}

/* The fixed seed is 1; D2M_LEARN_SEED overrides it to check that the thresholds are not a lucky draw. */
static uint64_t seed(void) { return getenv("D2M_LEARN_SEED") ? strtoull(getenv("D2M_LEARN_SEED"), NULL, 10) : 1; }

/* 40 iterations x 1024 steps; random policy ~37, solved (200) after ~8 iterations with seed 1. */
Test(learn, inverted_pendulum, .timeout = 120) {
  double first, r = train(&k_pendulum, 40, 5, seed(), &first);
  fprintf(stderr, "pendulum: mean return first 5 iterations %.1f, last 5 %.1f (max 200)\n", first, r);
  cr_expect_gt(r, 190.0, "mean return %.1f after 40 x 1024 steps", r);
}

/* 60 iterations x 1024 steps; initial policy ~-41 (mean |error| 0.41 rad), about -6 after 40. */
Test(learn, muscle_arm_reaching, .timeout = 120) {
  double first, r = train(&k_arm, 60, 10, seed(), &first);
  fprintf(stderr, "arm: mean return first 10 iterations %.1f, last 10 %.1f (0 is perfect)\n", first, r);
  cr_expect_gt(r, -12.0, "mean return %.1f after 60 x 1024 steps", r);
}
