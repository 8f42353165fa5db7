/* nn/ac.h: the actor-critic parameter set ("ac_params"): policy MLP, state-independent log-std
 * and value MLP in ONE float arena (nn_layout), so a weight broadcast, a checkpoint, the gradients
 * and Adam's m and v are each one array of ac_net.layout.total floats.
 *
 * Views: "pi.<l>.w" [h_{l+1}][h_l], "pi.<l>.b", "log_std" [act_dim], "v.<l>.w", "v.<l>.b".
 * Head AC_HEAD_LATTICE (nn/lattice.h) adds "log_std_lat" [h_last] after "log_std"; "log_std"
 * is then log s_act, the action-space noise, and the last policy layer's W is the W of Sigma.
 * Policy: obs -> hidden (act) ... -> mu [act_dim] (linear). Value: obs -> hidden ... -> [1].
 * With cfg.experts = K > 1 the last policy layer holds K expert heads and a softmax gate (nn/moe.h),
 * and mu is their gate-weighted mixture; ac_policy_forward / ac_policy_backward_set hide the difference.
 * Shared by actors (batched inference, no grad buffers) and the learner (PPO). */
#ifndef D2M_AC_H
#define D2M_AC_H

#include "nn/lattice.h"
#include "nn/nn.h"
#include "common/rng.h"

typedef enum { AC_HEAD_GAUSSIAN = 0, AC_HEAD_LATTICE = 1 } ac_head;

typedef struct ac_config {
  int obs_dim, act_dim;
  int nhidden;                       /* hidden layers (same widths for policy and value) */
  int hidden[NN_MAX_LAYERS - 1];
  nn_act act;
  float init_log_std;                /* initial log-std of every action (0: sigma 1) */
  ac_head head;                      /* 0 (zero-initialised configs): diagonal Gaussian */
  float lat_alpha;                   /* lattice: latent noise scale alpha */
  int lat_resample;                  /* lattice: noise redrawn every this many steps (k >= 1) */
  float init_log_std_lat;            /* lattice: initial log s_lat */
  int det_sigmoid_mean;              /* 1: a deterministic action is gauss_sigmoid_mean_logit of mu with
                                      * the action's marginal std (the mean excitation), not mu */
  float head_bias;                   /* initial bias of every policy output (0: none); with a sigmoid
                                      * excitation, logit of the resting excitation */
  int experts;                       /* K expert heads mixed by a gate (nn/moe.h); 0 or 1: the plain head */
} ac_config;

typedef struct ac_net {
  ac_config cfg;
  nn_layout layout;
  nn_mlp pi, v;
  size_t log_std_off;
  size_t log_std_lat_off; /* lattice only: log s_lat [h_last] */
  size_t nparams; /* = layout.total */
} ac_net;

typedef struct ac_ws {
  nn_mlp_ws pi, v;
  int lattice;         /* 1: the members below are allocated */
  lattice_cov cov;     /* Sigma's factors, cached while the weights stay the same */
  lattice_noise noise; /* per-row time-correlated noise: row e = env e of the actor; part of the
                        * actor's state (ac_noise_* below) for exact resume */
  float *lat_x, *lat_y; /* [max_batch][h_last] latent perturbations, [max_batch][act_dim] W times them */
  float *lat_s, *lat_zero; /* [h_last + act_dim] alpha s_lat and s_act; [act_dim] zero bias for the GEMM */
  float *moe_gate, *moe_mu; /* experts > 1: [max_batch][K] gate weights, [max_batch][act_dim] mixture mean */
  float *moe_dy;            /* experts > 1 with gradients: [max_batch][K (act_dim + 1)] dLoss/d(last layer) */
} ac_ws;

void ac_init(ac_net *n, const ac_config *c); /* cfg.experts 0 is stored as 1 */
/* Orthogonal init: hidden gain sqrt 2, policy head 0.01, value head 1; zero biases but the policy
 * head's (cfg.head_bias); log-std. */
void ac_init_params(const ac_net *n, float *params, rng_t *r);
void ac_ws_init(ac_ws *ws, const ac_net *n, int max_batch, int with_grad);
void ac_ws_free(ac_ws *ws);

/* Batched inference for E observations (already normalised) obs[E][obs_dim]:
 * act[E][act_dim] ~ N(mu, sigma) (deterministic: act = mu, or with cfg.det_sigmoid_mean the logit
 * of the mean sigmoid of the sampled action), logp[E] = log pi(act|obs),
 * value[E] = V(obs). logp or value may be NULL. One GEMM per layer; no allocation. */
void ac_act(const ac_net *n, const float *params, ac_ws *ws, const float *obs, int E, rng_t *r, int deterministic,
            float *act, float *logp, float *value);
/* Lattice: the sampling calls must always pass the same E rows (env e = row e): each row holds its
 * noise for cfg.lat_resample steps (deterministic calls neither use nor advance it). */

/* The policy's mean mu[B][act_dim] for B normalised observations (the mixture with experts > 1);
 * the pointer is into ws. */
const float *ac_policy_forward(const ac_net *n, const float *params, ac_ws *ws, const float *obs, int B);
/* After ac_policy_forward on the same rows: the policy views of grads are overwritten with
 * dLoss/dparams for dmu[B][act_dim] = dLoss/dmu; *sumsq += their sum of squares when non-NULL. */
void ac_policy_backward_set(const ac_net *n, const float *params, float *grads, ac_ws *ws, const float *dmu, int B,
                            double *sumsq);

/* Pointers into a parameter arena: the head's W [act_dim][h_last] (expert 0's with experts > 1), log s_lat (NULL for Gaussian). */
const float *ac_head_w(const ac_net *n, const float *params);
int ac_head_hidden(const ac_net *n); /* h_last */

/* The exploration noise state of ws as a blob (0 bytes for the Gaussian head). check validates a
 * blob without changing anything; load copies a checked blob. */
size_t ac_noise_state_size(const ac_ws *ws);
void ac_noise_save(const ac_ws *ws, unsigned char *out);
int ac_noise_check(const ac_ws *ws, const unsigned char *in, size_t n, d2m_err *err);
void ac_noise_load(ac_ws *ws, const unsigned char *in, size_t n);

/* value[E] = V(obs[E][obs_dim]) only: e.g. V(s_final) of truncated episodes before their reset. */
void ac_value(const ac_net *n, const float *params, ac_ws *ws, const float *obs, int E, float *value);

#endif
