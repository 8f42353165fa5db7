/* actor/rollout.c: see rollout.h. */
#include "actor/rollout.h"

#include <stdlib.h>
#include <string.h>

static void env_ops_step(void *env, const float *action, env_step_out *out) { env_step(env, action, out); }
static void env_ops_observe(const void *env, float *obs) { env_observe(env, obs); }
static void env_ops_amp(const void *env, float *feat) { env_amp_features(env, feat); }

const rollout_ops rollout_env_ops = {env_ops_step, env_ops_observe, env_ops_amp};

void rollout_init(rollout *r, const rollout_config *c, const rollout_ops *ops, void **env, const ac_net *net) {
  memset(r, 0, sizeof *r);
  D2M_CHECK(c->envs >= 1 && c->steps >= 1 && c->obs_dim >= 1 && c->act_dim >= 1, "rollout: empty shape");
  r->c = *c;
  r->ops = ops;
  r->env = env;
  r->net = net;
  size_t E = (size_t)c->envs, T = (size_t)c->steps, O = (size_t)c->obs_dim, A = (size_t)c->act_dim;
  size_t F = (size_t)c->amp_feat;
  ac_ws_init(&r->ws, net, c->envs, 0);
  rstat_init(&r->seen, c->obs_dim);
  r->obs = xaligned(E * O * 4), r->obs_norm = xaligned(E * O * 4);
  r->act = xaligned(E * A * 4), r->logp = xaligned(E * 4), r->val = xaligned(E * 4);
  r->out = xcalloc(E, sizeof *r->out);
  r->b_obs = xaligned(T * E * O * 4), r->b_act = xaligned(T * E * A * 4);
  r->b_logp = xaligned(T * E * 4), r->b_val = xaligned(T * E * 4);
  r->b_rew = xaligned(T * E * 4), r->b_tval = xaligned(T * E * 4);
  r->b_term = xcalloc(T * E, 1), r->b_trunc = xcalloc(T * E, 1);
  r->boot = xaligned(E * 4);
  r->eps = xcalloc(c->max_episodes > 0 ? (size_t)c->max_episodes : 1, sizeof *r->eps);
  r->fin_obs = xaligned(E * O * 4), r->fin_norm = xaligned(E * O * 4);
  r->fin_act = xaligned(E * A * 4), r->fin_val = xaligned(E * 4);
  r->trunc_idx = xcalloc(E, sizeof *r->trunc_idx);
  if (F) {
    r->amp_cur = xaligned(E * F * 4);
    r->b_amp = xaligned(T * E * 2 * F * 4);
  }
  rollout_observe(r);
}

void rollout_free(rollout *r) {
  if (!r->out) return;
  ac_ws_free(&r->ws);
  rstat_free(&r->seen);
  void *bufs[] = {r->obs, r->obs_norm, r->act, r->logp, r->val, r->out, r->b_obs, r->b_act, r->b_logp,
                  r->b_val, r->b_rew, r->b_tval, r->b_term, r->b_trunc, r->boot, r->eps, r->fin_obs,
                  r->fin_norm, r->fin_act, r->fin_val, r->trunc_idx, r->amp_cur, r->b_amp};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
  memset(r, 0, sizeof *r);
}

void rollout_observe(rollout *r) {
  size_t O = (size_t)r->c.obs_dim, F = (size_t)r->c.amp_feat;
  for (int e = 0; e < r->c.envs; e++) r->ops->observe(r->env[e], r->obs + (size_t)e * O);
  for (int e = 0; e < r->c.envs && F; e++) r->ops->amp_features(r->env[e], r->amp_cur + (size_t)e * F);
}

/* V(s_final) of the n envs in trunc_idx whose episode was truncated at row t: truncation
 * bootstraps from it. Deterministic: the policy's noise is neither used nor advanced. */
static void truncated_values(rollout *r, int t, int n) {
  size_t O = (size_t)r->c.obs_dim;
  for (int e = 0; e < r->c.envs; e++) r->b_tval[(size_t)t * r->c.envs + e] = 0.f;
  if (!n) return;
  for (int i = 0; i < n; i++)
    rstat_normalize(r->mean, r->inv_std, r->c.obs_dim, r->fin_obs + (size_t)r->trunc_idx[i] * O,
                    r->fin_norm + (size_t)i * O, 1, r->c.obs_clip);
  ac_act(r->net, r->params, &r->ws, r->fin_norm, n, &r->rng, 1, r->fin_act, NULL, r->fin_val);
  for (int i = 0; i < n; i++) r->b_tval[(size_t)t * r->c.envs + r->trunc_idx[i]] = r->fin_val[i];
}

/* AMP row of env e: s is the state before the step; s' the state after it, or the ended episode's
 * last state (env_step_out.final_amp) when the step ends the episode, or s again when that state is
 * not finite (a numerical end). amp_cur then holds the state the env is in now. */
static void amp_row_end(rollout *r, float *row, int e, const env_step_out *out) {
  size_t F = (size_t)r->c.amp_feat;
  if (out->done && out->ep.reason == ENV_END_NUMERICAL) memcpy(row + F, row, F * sizeof(float));
  else if (!out->done) r->ops->amp_features(r->env[e], row + F);
  if (out->done) r->ops->amp_features(r->env[e], r->amp_cur + (size_t)e * F); /* the new episode's first state */
  else memcpy(r->amp_cur + (size_t)e * F, row + F, F * sizeof(float));
}

static void record_end(rollout *r, const env_episode_info *ep) {
  if (ep->reason == ENV_END_NUMERICAL) r->numerical_resets++;
  if (r->neps < r->c.max_episodes) r->eps[r->neps++] = *ep;
}

/* env_step of env e with its action; the step's outputs at batch index i. */
static void step_env(rollout *r, int e, size_t i) {
  size_t O = (size_t)r->c.obs_dim, A = (size_t)r->c.act_dim, F = (size_t)r->c.amp_feat;
  env_step_out *out = &r->out[e];
  *out = (env_step_out){.obs = r->obs + (size_t)e * O, .final_obs = r->fin_obs + (size_t)e * O};
  float *amp = F ? r->b_amp + i * 2 * F : NULL;
  if (amp) {
    memcpy(amp, r->amp_cur + (size_t)e * F, F * sizeof(float));
    out->final_amp = amp + F;
  }
  r->ops->step(r->env[e], r->act + (size_t)e * A, out);
  if (amp) amp_row_end(r, amp, e, out);
  r->b_rew[i] = out->reward;
  r->b_term[i] = (uint8_t)(out->terminated != 0);
  r->b_trunc[i] = (uint8_t)(out->truncated && !out->terminated);
  if (out->done) record_end(r, &out->ep);
}

void rollout_step(rollout *r, int t) {
  int E = r->c.envs, n = 0;
  size_t O = (size_t)r->c.obs_dim, A = (size_t)r->c.act_dim, row = (size_t)t * (size_t)E;
  D2M_CHECK(t >= 0 && t < r->c.steps, "rollout_step: the row is outside the batch");
  rstat_update(&r->seen, r->obs, E);
  rstat_normalize(r->mean, r->inv_std, r->c.obs_dim, r->obs, r->obs_norm, E, r->c.obs_clip);
  ac_act(r->net, r->params, &r->ws, r->obs_norm, E, &r->rng, r->c.action == ROLLOUT_MEAN, r->act, r->logp, r->val);
  memcpy(r->b_obs + row * O, r->obs_norm, (size_t)E * O * 4);
  memcpy(r->b_act + row * A, r->act, (size_t)E * A * 4);
  memcpy(r->b_logp + row, r->logp, (size_t)E * 4);
  memcpy(r->b_val + row, r->val, (size_t)E * 4);
  for (int e = 0; e < E; e++) {
    step_env(r, e, row + (size_t)e);
    if (r->out[e].done && r->b_trunc[row + (size_t)e]) r->trunc_idx[n++] = e;
  }
  truncated_values(r, t, n);
}

void rollout_bootstrap(rollout *r) {
  rstat_normalize(r->mean, r->inv_std, r->c.obs_dim, r->obs, r->obs_norm, r->c.envs, r->c.obs_clip);
  ac_act(r->net, r->params, &r->ws, r->obs_norm, r->c.envs, &r->rng, 1, r->act, NULL, r->boot);
}

void rollout_clear(rollout *r) {
  r->neps = 0;
  rstat_reset(&r->seen);
}
