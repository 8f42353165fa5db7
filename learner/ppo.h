/* learner/ppo.h: proximal policy optimisation (Schulman et al. 2017) for the actor-critic of
 * nn/ac.h, with the continuous-control details of CleanRL / "37 implementation details":
 * per-minibatch advantage normalisation, clipped surrogate, clipped value loss, entropy bonus,
 * global grad-norm clipping, Adam eps 1e-5, linear LR annealing, early stop at a target KL.
 *
 * Loss per minibatch of B samples (ratio r = exp(logp_new - logp_old), A normalised advantage):
 *   L = mean max(-A r, -A clip(r, 1-c, 1+c))
 *     + vf_coef * 0.5 * mean max((v - R)^2, (v_old + clip(v - v_old, -vc, vc) - R)^2)
 *     - ent_coef * entropy
 * Observations in a batch are already normalised (by the statistics the actor used). */
#ifndef D2M_PPO_H
#define D2M_PPO_H

#include <mpi.h>
#include <stdint.h>

#include "common/config.h"
#include "nn/ac.h"
#include "nn/adam.h"
#include "learner/gae.h"

#define PPO_MAX_ACT 1024 /* action dimensions the loss supports (stack scratch) */

/* Filled only by ppo_config_from_cfg: defaults, bounds and meanings are the config table's [ppo]
 * keys (common/config.h); tests and benchmarks override keys with cfg_set, not fields. */
typedef struct ppo_config {
  float gamma;         /* ppo.gamma: discount */
  float lambda;        /* ppo.lambda: GAE lambda */
  float clip;          /* ppo.clip: surrogate clip c */
  float vclip;         /* ppo.value_clip: value clip vc; <= 0: plain value loss */
  float ent_coef;      /* ppo.ent_coef: entropy bonus */
  float vf_coef;       /* ppo.vf_coef: value loss weight */
  float lr;            /* ppo.lr: Adam learning rate (of the policy when vf_lr > 0) */
  float vf_lr;         /* ppo.vf_lr, > 0: the value network's own learning rate, and policy and value
                        * gradients are clipped to max_grad_norm separately; 0: one lr, one global clip */
  int anneal_lr;       /* ppo.anneal_lr, 1: lr * (1 - progress), progress passed to ppo_update */
  float max_grad_norm; /* ppo.max_grad_norm: global clip; <= 0: off */
  float target_kl;     /* ppo.target_kl: stop the epochs once an epoch's mean approx KL exceeds it; <= 0: off */
  adam_config adam;    /* [adam] */
  int epochs;          /* ppo.epochs: passes over the batch */
  int minibatch;       /* ppo.minibatch: samples per gradient step */
  int norm_adv;        /* ppo.norm_adv, 1: normalise advantages per minibatch */
  int reward_scale;    /* ppo.reward_scaling, 1: intake divides rewards by the std of the discounted return */
  float mirror;        /* ppo.mirror: weight of the mirror-symmetry loss (below); 0: off */
  int threads;         /* nn.threads: BLIS threads for the update */
} ppo_config;

void ppo_config_from_cfg(const cfg_t *c, ppo_config *p);

typedef struct ppo_metrics {
  float pg_loss, v_loss, entropy; /* means over the minibatches run */
  float approx_kl, clipfrac;      /* k3 estimator E[(r - 1) - log r]; fraction |r - 1| > clip */
  float explained_var;            /* 1 - Var[R - V_old] / Var[R] over the batch */
  float grad_norm;                /* mean pre-clip global norm */
  float mirror_loss;              /* mean mirror-symmetry loss before its weight (0 when off) */
  float lr;
  int epochs, minibatches;        /* run (epochs < cfg.epochs after a KL early stop) */
  double seconds;                 /* wall time of ppo_update */
} ppo_metrics;

/* Samples after GAE, row i: obs[i][obs_dim], act[i][act_dim], logp[i], val[i], adv[i], ret[i]. */
typedef struct ppo_batch {
  int cap, n, obs_dim, act_dim;
  float *obs, *act, *logp, *val, *adv, *ret;
} ppo_batch;

void ppo_batch_init(ppo_batch *b, int cap, int obs_dim, int act_dim);
void ppo_batch_free(ppo_batch *b);
void ppo_batch_clear(ppo_batch *b);
/* A segment of T steps x E envs goes into the batch in two steps, so that the learner copies each
 * array once, from the received message straight into its place here: ppo_batch_tail gives the
 * rows after the last segment (obs[T*E][obs_dim], act[T*E][act_dim], logp, val and rew[T*E],
 * time-major; rew is the advantage storage, overwritten by GAE), the caller fills them, and
 * ppo_batch_commit scales the rewards by rs when non-NULL and runs GAE (arrays as in
 * learner/gae.h). Aborts past cap. */
typedef struct ppo_segment {
  float *obs, *act, *logp, *val, *rew;
} ppo_segment;
ppo_segment ppo_batch_tail(ppo_batch *b, int T, int E);
void ppo_batch_commit(ppo_batch *b, const ppo_config *c, gae_rscale *rs, int T, int E, const uint8_t *term,
                      const uint8_t *trunc, const float *final_val, const float *boot);
/* Both steps for a segment held in arrays of its own (tests, benchmarks). */
void ppo_batch_add_segment(ppo_batch *b, const ppo_config *c, gae_rscale *rs, int T, int E, const float *obs,
                           const float *act, const float *logp, const float *val, const float *rew,
                           const uint8_t *term, const uint8_t *trunc, const float *final_val, const float *boot);

typedef struct ppo_learner {
  const ac_net *net;
  ppo_config cfg;
  float *params, *grads; /* arenas of net->nparams floats (ac_params layout) */
  adam_state adam;
  ac_ws ws;
  int max_mb;
  int last_mb; /* rows of the last minibatch step (its gate weights stay in ws.moe_gate) */
  /* minibatch gather buffers and loss gradients, [max_mb] rows */
  float *mb_obs, *mb_act, *mb_logp, *mb_val, *mb_adv, *mb_ret, *dmu, *dv;
  double *dlog_std; /* [act_dim] */
  double *lat_G, *lat_u, *lat_dls; /* lattice head: dL/dSigma [A][A], Sigma^-1 r [A], dL/dlog s_lat [h_last] */
  int *perm;
  int perm_cap;
  rng_t rng; /* minibatch shuffling */
  /* learner group (learner/group.h): comm_size > 1 averages each minibatch's gradient over comm */
  MPI_Comm comm;
  int comm_size;
  int grp_n;          /* > 0: the group's smallest batch; every learner runs grp_n / minibatch minibatches */
  double red_s;       /* wall seconds spent in the gradient allreduce, and how many there were */
  long red_n;
  struct ppo_mirror *mir; /* ppo_set_mirror: maps, the batch's normalisation, scratch; NULL: no mirror loss */
} ppo_learner;

typedef struct ppo_mb_stats {
  double pg_loss, v_loss, entropy, approx_kl, clipfrac, grad_norm, mirror_loss;
} ppo_mb_stats;

/* Loss and its gradient for B samples from the network outputs mu[B][A], log_std[A], v[B]
 * (adv already normalised): writes dmu[B][A], dv[B], dlog_std[A] = d(total loss)/d(.), fills st and
 * returns the total loss. Exposed for known-answer tests. */
double ppo_loss(const ppo_config *c, int B, int A, const float *mu, const float *log_std, const float *v,
                const float *act, const float *logp_old, const float *v_old, const float *adv, const float *ret,
                float *dmu, float *dv, double *dlog_std, ppo_mb_stats *st);

/* The same for the Lattice head (nn/lattice.h) with Sigma's factors in cov (updated for the
 * current parameters): writes dmu[B][A], dv[B] and G[A][A] = d(total loss)/dSigma (entropy bonus
 * included; lattice_cov_backward turns it into the W and std gradients). u[A] is scratch. */
double ppo_loss_lattice(const ppo_config *c, const lattice_cov *cov, int B, const float *mu, const float *v,
                        const float *act, const float *logp_old, const float *v_old, const float *adv,
                        const float *ret, float *dmu, float *dv, double *G, double *u, ppo_mb_stats *st);

/* Allocates everything for batches of up to max_batch samples; params initialised from seed
 * (stream (seed, 0, RNG_INIT, 0)); shuffling stream (seed, 0, RNG_LEARNER, 0). */
void ppo_init(ppo_learner *p, const ac_net *net, const ppo_config *c, int max_batch, uint64_t seed);
void ppo_free(ppo_learner *p);
/* One gradient step on B gathered samples (policy + value forward/backward, grad clip, Adam). */
void ppo_minibatch_step(ppo_learner *p, const float *obs, const float *act, const float *logp_old,
                        const float *v_old, const float *adv, const float *ret, int B, float lr, ppo_mb_stats *st);
/* Join a learner group: every minibatch gradient is then averaged over comm (size learners). */
void ppo_set_group(ppo_learner *p, MPI_Comm comm, int size);
/* Epochs of shuffled minibatches over the batch. progress in [0,1] drives LR annealing. In a group the
 * minibatch count comes from grp_n (the smallest batch), so every learner steps together; a learner
 * with more samples leaves a different random surplus out of each epoch. */
void ppo_update(ppo_learner *p, const ppo_batch *b, double progress, ppo_metrics *m);

/* ---- mirror symmetry (learner/ppo_mirror.c) ----
 * With ppo.mirror = w > 0 the policy loss gains the mirror-symmetry term of Yu, Turk & Liu 2018
 * ("Learning symmetric and low-energy locomotion", ACM TOG 37(4)), over a minibatch of B samples:
 *   L_sym = w / B * sum_i sum_j (mu(s_i) - M_a mu(M_s s_i))_j^2
 * M_s, M_a: the signed permutations of envs/mirror.h on the raw observation and the action; the
 * batch's observations are normalised, so M_s is applied to the raw values (the normalisation the
 * actors used, ppo_mirror_norm) and the result normalised and clipped again. The gradient flows
 * through both policy evaluations. A symmetric policy is what a healthy, symmetric body should
 * have; envs/mirror.h refuses bodies whose sides differ. */
/* The maps (copied): out[i] = osign[i] * obs[osrc[i]] over obs_dim, the same for actions. */
void ppo_set_mirror(ppo_learner *p, const int *osrc, const float *osign, const int *asrc, const float *asign);
/* The normalisation of the batches to come (mean, 1 / std as rstat_export gives them, clip): the
 * learner sets the one it publishes with the weights (an async batch collected by older weights was
 * normalised a little differently). Until it is set the term is skipped. */
void ppo_mirror_norm(ppo_learner *p, const float *mean, const float *inv_std, float clip);
/* The term for mu[B][A] and mu_m[B][A] (the policy at the mirrored observations): adds dL/dmu to dmu,
 * writes dL/dmu_m to dmu_m, returns the loss without the weight. For known-answer tests. */
double ppo_mirror_loss(int B, int A, float w, const int *asrc, const float *asign, const float *mu,
                       const float *mu_m, float *dmu, float *dmu_m);
/* Inside ppo_minibatch_step: the mirrored forward pass and the term (after the PPO loss has written
 * p->dmu), then the mirrored backward pass added into the policy's gradient; the latter returns
 * the squared norm of the policy views (log_std excluded) it leaves. */
int ppo_mirror_on(const ppo_learner *p); /* maps and normalisation set, ppo.mirror > 0 */
double ppo_mirror_forward(ppo_learner *p, const float *obs, const float *mu, int B);
double ppo_mirror_backward(ppo_learner *p, int B);
void ppo_mirror_free(ppo_learner *p);

#endif
