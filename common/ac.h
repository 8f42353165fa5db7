/* common/ac.h: the actor-critic parameter set ("ac_params"): policy MLP, state-independent log-std
 * and value MLP in ONE float arena (nn_layout), so a weight broadcast, a checkpoint, the gradients
 * and Adam's m and v are each one array of ac_net.layout.total floats.
 *
 * Views: "pi.<l>.w" [h_{l+1}][h_l], "pi.<l>.b", "log_std" [act_dim], "v.<l>.w", "v.<l>.b".
 * Policy: obs -> hidden (act) ... -> mu [act_dim] (linear). Value: obs -> hidden ... -> [1].
 * Shared by actors (batched inference, no grad buffers) and the learner (PPO). */
#ifndef D2M_AC_H
#define D2M_AC_H

#include "common/nn.h"
#include "common/rng.h"

typedef struct ac_config {
  int obs_dim, act_dim;
  int nhidden;                       /* hidden layers (same widths for policy and value) */
  int hidden[NN_MAX_LAYERS - 1];
  nn_act act;
  float init_log_std;                /* initial log-std of every action (0: sigma 1) */
} ac_config;

typedef struct ac_net {
  ac_config cfg;
  nn_layout layout;
  nn_mlp pi, v;
  size_t log_std_off;
  size_t nparams; /* = layout.total */
} ac_net;

typedef struct ac_ws {
  nn_mlp_ws pi, v;
} ac_ws;

void ac_init(ac_net *n, const ac_config *c);
/* Orthogonal init: hidden gain sqrt 2, policy head 0.01, value head 1; zero biases; log-std. */
void ac_init_params(const ac_net *n, float *params, rng_t *r);
void ac_ws_init(ac_ws *ws, const ac_net *n, int max_batch, int with_grad);
void ac_ws_free(ac_ws *ws);

/* Batched inference for E observations (already normalised) obs[E][obs_dim]:
 * act[E][act_dim] ~ N(mu, sigma) (deterministic: act = mu), logp[E] = log pi(act|obs),
 * value[E] = V(obs). logp or value may be NULL. One GEMM per layer; no allocation. */
void ac_act(const ac_net *n, const float *params, ac_ws *ws, const float *obs, int E, rng_t *r, int deterministic,
            float *act, float *logp, float *value);

/* value[E] = V(obs[E][obs_dim]) only: e.g. V(s_final) of truncated episodes before their reset. */
void ac_value(const ac_net *n, const float *params, ac_ws *ws, const float *obs, int E, float *value);

#endif
