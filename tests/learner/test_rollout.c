/* tests/learner/test_rollout.c: the actor's rollout loop (actor/rollout.h) on a counting env whose
 * answers are known: what it records per row, truncation and bootstrap values against direct
 * forward passes, the episode list and the observation statistics. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "actor/rollout.h"
#include "nn/ac.h"
#include "tests/learner/learner_cfg.h"

/* obs (k, id): k = steps since the episode began; the reward is the action's first component;
 * truncated after 3 steps (final obs (3, id)), then k restarts at 0. */
typedef struct cenv {
  int k, id;
} cenv;

static void cenv_observe(const void *p, float *o) {
  const cenv *c = p;
  o[0] = (float)c->k, o[1] = (float)c->id;
}

static void cenv_step(void *p, const float *a, env_step_out *out) {
  cenv *c = p;
  out->reward = a[0];
  c->k++;
  out->terminated = 0;
  out->truncated = out->done = c->k == 3;
  if (out->done) {
    if (out->final_obs) cenv_observe(c, out->final_obs);
    out->ep = (env_episode_info){.ret = 0, .length = 3, .reason = ENV_END_TIME};
    c->k = 0;
  }
  cenv_observe(c, out->obs);
}

static const rollout_ops k_cenv_ops = {cenv_step, cenv_observe, NULL};

enum { NE = 4, NT = 7, NO = 2, NA = 3 };

typedef struct fixture {
  cenv env[NE];
  void *envp[NE];
  ac_net net;
  float *params, mean[NO], inv[NO];
  rollout r;
} fixture;

static void setup(fixture *f, rollout_action action) {
  memset(f, 0, sizeof *f);
  ac_config ac = TEST_AC(NO, NA, "nn.hidden=8", "nn.activation=tanh", "nn.init_log_std=-1");
  ac_init(&f->net, &ac);
  f->params = xaligned(f->net.nparams * sizeof(float));
  rng_t init;
  rng_seed(&init, 5, 0, RNG_INIT, 0);
  ac_init_params(&f->net, f->params, &init);
  for (int e = 0; e < NE; e++) f->env[e] = (cenv){.k = 0, .id = e}, f->envp[e] = &f->env[e];
  f->mean[0] = 1, f->mean[1] = 0, f->inv[0] = 0.5f, f->inv[1] = 1;
  rollout_config c = {.envs = NE, .steps = NT, .obs_dim = NO, .act_dim = NA, .obs_clip = 10, .action = action,
                      .max_episodes = 100};
  rollout_init(&f->r, &c, &k_cenv_ops, f->envp, &f->net);
  rng_seed(&f->r.rng, 5, 0, RNG_POLICY, 0);
  f->r.params = f->params, f->r.mean = f->mean, f->r.inv_std = f->inv;
}

static void teardown(fixture *f) {
  rollout_free(&f->r);
  free(f->params);
}

/* V of the normalised observation (k, e). */
static float value_of(fixture *f, int k, int e) {
  float o[NO] = {((float)k - f->mean[0]) * f->inv[0], (float)e * f->inv[1]}, act[NA], v;
  ac_ws ws;
  ac_ws_init(&ws, &f->net, 1, 0);
  ac_act(&f->net, f->params, &ws, o, 1, NULL, 1, act, NULL, &v);
  ac_ws_free(&ws);
  return v;
}

Test(rollout, records_known_rows_truncation_values_and_episodes) {
  fixture f;
  setup(&f, ROLLOUT_SAMPLE);
  rollout *r = &f.r;
  for (int t = 0; t < NT; t++) rollout_step(r, t);
  for (int t = 0; t < NT; t++)
    for (int e = 0; e < NE; e++) {
      size_t i = (size_t)t * NE + e;
      int k = t % 3;
      cr_assert_float_eq(r->b_obs[i * NO], (k - 1) * 0.5f, 1e-7, "t %d e %d: normalised k", t, e);
      cr_assert_float_eq(r->b_obs[i * NO + 1], (float)e, 1e-7);
      cr_assert_eq(r->b_rew[i], r->b_act[i * NA], "the reward is the recorded action's first component");
      cr_assert_eq(r->b_trunc[i], k == 2);
      cr_assert_eq(r->b_term[i], 0);
      float want = k == 2 ? value_of(&f, 3, e) : 0.f;
      cr_assert_float_eq(r->b_tval[i], want, 1e-6, "t %d e %d: V(s_final) %g, want %g", t, e, r->b_tval[i], want);
      cr_assert(isfinite(r->b_logp[i]) && isfinite(r->b_val[i]));
      cr_assert_float_eq(r->b_val[i], value_of(&f, k, e), 1e-6);
    }
  cr_assert_eq(r->neps, NE * (NT / 3), "%d episodes listed", r->neps);
  for (int i = 0; i < r->neps; i++) cr_assert_eq(r->eps[i].length, 3);
  /* seen: every raw observation of the T rows */
  cr_assert_eq(r->seen.count, NT * NE);
  double mk = 0;
  for (int t = 0; t < NT; t++) mk += t % 3;
  cr_assert_float_eq(r->seen.mean[0], mk / NT, 1e-12);
  cr_assert_float_eq(r->seen.mean[1], (NE - 1) / 2.0, 1e-12);
  rollout_bootstrap(r);
  for (int e = 0; e < NE; e++) cr_assert_float_eq(r->boot[e], value_of(&f, NT % 3, e), 1e-6);
  rollout_clear(r);
  cr_assert_eq(r->neps, 0);
  cr_assert_eq(r->seen.count, 0);
  teardown(&f);
}

/* ROLLOUT_MEAN takes the policy's mean: the same rows twice give the same actions, and no noise is drawn. */
Test(rollout, mean_action_is_deterministic) {
  fixture f;
  setup(&f, ROLLOUT_MEAN);
  rng_t before = f.r.rng;
  rollout_step(&f.r, 0);
  float first[NE * NA];
  memcpy(first, f.r.act, sizeof first);
  for (int e = 0; e < NE; e++) f.env[e].k = 0;
  rollout_observe(&f.r);
  rollout_step(&f.r, 1);
  cr_assert_eq(memcmp(first, f.r.act, sizeof first), 0);
  cr_assert_eq(memcmp(&before, &f.r.rng, sizeof before), 0, "the noise stream moved");
  teardown(&f);
}
