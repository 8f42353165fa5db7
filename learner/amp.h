/* learner/amp.h: Adversarial Motion Priors (Peng et al. 2021, "AMP: Adversarial Motion Priors for
 * Stylized Physics-Based Character Control", ACM TOG 40(4)).
 *
 * A discriminator D (MLP, tanh hidden layers, linear scalar output) on transitions x = (s, s') of
 * AMP features (env_amp_features: 2F raw columns).
 *
 * Inputs: only the columns the reference animates. A column whose standard deviation over the
 * reference transitions is below AMP_SEL_MIN_STD (a joint the clip never moves, e.g. subtalar and
 * mtp in the default gait, and its velocity) is dropped: the reference says nothing about it, and
 * any simulated movement of it would let D tell policy from reference on that column alone. The
 * kept columns (din of them, indices sel[]) are the discriminator's inputs; stored rows (reference,
 * replay, current) are kept compact.
 *
 * Normalisation: one running mean/variance (rstat, Chan merge) shared by reference, current policy
 * and replay rows, as IsaacGymEnvs' AMP normalises all three with one RunningMeanStd: seeded with
 * the reference rows at start, updated with each discriminator minibatch (its M reference and M
 * policy rows) before that minibatch is normalised. x_n = clip((x - mean) / max(std,
 * AMP_STD_FLOOR), +-AMP_NORM_CLIP). The statistics are checkpointed (resume is exact).
 *
 * Objective (least squares, Peng et al. 2021 eq. 8), on a minibatch of n_r reference rows and n_p
 * policy rows:
 *   L = mean_ref (D - 1)^2 + mean_pol (D + 1)^2
 *     + (w_gp / 2) mean_ref ||dD/dx||^2          gradient penalty on reference samples (x normalised)
 *     + logit_reg ||W_out||^2                      logit regularisation (output layer weights)
 *     + weight_decay sum_l ||W_l||^2               weight decay (all weight matrices, not biases)
 * Style reward r = max(0, 1 - 0.25 (D - 1)^2) in [0, 1] (Peng et al. 2021 eq. 9).
 *
 * Policy transitions: those of the current update (amp_add_policy) and a replay buffer of past ones
 * (ring of replay_size rows, allocated at start). Each discriminator step takes a minibatch of M
 * policy rows (half from the current update in shuffled order, half uniform from the replay buffer
 * once it holds any; all current otherwise) and M reference rows drawn uniformly. After training, the
 * current update's rows enter the replay buffer.
 *
 * Gradient penalty, parameter gradient (double backpropagation written out; h_l = tanh(z_l),
 * z_l = W_l h_{l-1} + b_l, h_0 = x, D = z_L). Input gradient, backward chain:
 *   g_L = 1;  u_{l-1} = W_l^T g_l;  g_l = (1 - h_l^2) . u_l  (l < L);  dD/dx = u_0.
 * With P = (w_gp / 2n) sum ||u_0||^2 and ubar_0 = (w_gp / n) u_0, going up l = 1..L:
 *   dP/dW_l += g_l ubar_{l-1}^T;  gbar_l = W_l ubar_{l-1};  ubar_l = (1 - h_l^2) . gbar_l;
 *   zbar_l = -2 h_l (1 - h_l^2) . u_l . gbar_l   (through tanh'(z_l) in g_l; l < L)
 * then the zbar_l flow down the forward pass like ordinary backpropagation:
 *   dz_{L-1} = zbar_{L-1};  dW_l += dz_l h_{l-1}^T;  db_l += dz_l;
 *   dz_{l-1} = zbar_{l-1} + (1 - h_{l-1}^2) . W_l^T dz_l.
 * All products are BLIS sgemm on the batch. */
#ifndef D2M_AMP_H
#define D2M_AMP_H

#include <mpi.h>
#include <stdint.h>

#include "nn/adam.h"
#include "common/ckpt.h"
#include "common/config.h"
#include "nn/nn.h"
#include "nn/rstat.h"
#include "common/rng.h"
#include "envs/env.h"

#define AMP_MAX_HIDDEN 4
#define AMP_STD_FLOOR 0.01f
#define AMP_NORM_CLIP 5.f
#define AMP_SEL_MIN_STD 1e-3

/* Filled by amp_config_from_cfg from the config table's [amp] and [adam] keys; feat comes from the
 * environment (env_amp_size). */
typedef struct amp_config {
  int feat;                      /* F: AMP features of one state; the discriminator sees 2F */
  int nhidden, hidden[AMP_MAX_HIDDEN];
  float lr, grad_penalty, logit_reg, weight_decay;
  int epochs, minibatch;         /* passes over the current policy rows; M policy + M reference rows */
  long replay_size;              /* rows of the replay buffer of past policy transitions */
  adam_config adam;
} amp_config;

/* Every field but feat from c (amp.hidden parsed; the error names the key). */
int amp_config_from_cfg(const cfg_t *c, amp_config *out, d2m_err *err);

/* Filled by amp_train (the reward fields by amp_rewards since the last amp_train). */
typedef struct amp_metrics {
  double loss;          /* least-squares part, mean over steps */
  double gp;            /* mean_ref ||dD/dx||^2 (without the weight), mean over steps */
  double acc_ref;       /* fraction of reference rows with D > 0 */
  double acc_pol;       /* fraction of policy rows with D < 0 */
  double reward_mean;   /* mean style reward of the rows rewarded since the previous amp_train */
  long steps;           /* discriminator steps taken */
} amp_metrics;

typedef struct amp_disc {
  amp_config c;
  int L, din;                    /* linear layers; inputs (kept columns, <= 2F) */
  int draw;                      /* 2F: columns of a raw row */
  int *sel;                      /* [din] raw column of each input */
  rstat norm;                    /* [din] shared running statistics of the kept columns */
  nn_layout layout;
  nn_mlp mlp;
  float *params, *grads;         /* [layout.total] */
  adam_state adam;
  nn_mlp_ws ws;                  /* max batch 2M */
  float *mean, *istd;            /* [din] input normalisation, exported from norm */
  float *ref;                    /* [nref][din] reference transitions (kept columns, unnormalised) */
  long nref;
  float *replay;                 /* [replay_size][din] raw */
  long rlen, rpos;
  float *cur;                    /* [cur_cap][din] raw policy rows of this update */
  long ncur, cur_cap;
  int *perm;                     /* [cur_cap] shuffle of the current rows */
  float *x, *dout;               /* [2M][din] normalised minibatch (reference rows first), [2M] */
  float *xraw;                   /* [2M][din] scratch: the minibatch before normalisation */
  float *gp_g[NN_MAX_LAYERS + 1], *gp_u[NN_MAX_LAYERS + 1]; /* [M][dim l] */
  float *gp_a, *gp_b, *gp_zb[NN_MAX_LAYERS + 1];            /* scratch [M][max dim] */
  rng_t rng;
  double rew_sum;
  long rew_n;
  /* learner group (amp_set_group; gsize 1: one learner, everything above works as it always did) */
  MPI_Comm comm;
  int gsize, gidx;
  rstat norm_new;                /* this update's minibatch rows, merged over the group after training */
  double red_s;                  /* seconds in the gradient allreduce */
  long red_n;                    /* gradient allreduces */
} amp_disc;

/* ref: [nref][2F] raw reference transitions (copied); max_cur: most policy rows per update.
 * Weights: orthogonal (gain sqrt 2 hidden, 1 output), from rng_seed(seed, 0, RNG_INIT, 7);
 * sampling from rng_seed(seed, 0, RNG_LEARNER, 7). */
void amp_init(amp_disc *a, const amp_config *c, const float *ref, long nref, long max_cur, uint64_t seed);
void amp_free(amp_disc *a);

static inline float amp_style_reward(float d) {
  float r = 1.f - 0.25f * (d - 1.f) * (d - 1.f);
  return r > 0.f ? r : 0.f;
}
/* D for n raw rows x[n][2F] into d[n]. */
void amp_logits(amp_disc *a, const float *x, long n, float *d);
/* Style rewards of n raw rows into r[n] (counted for the metrics); returns their sum. */
double amp_rewards(amp_disc *a, const float *x, long n, float *r);
/* Append n raw policy rows of this update (beyond max_cur they are ignored; returns rows taken). */
long amp_add_policy(amp_disc *a, const float *x, long n);
/* The place of the next n policy rows of this update, for a caller that writes them there itself
 * (the learner copies them from the received batch); aborts beyond max_cur. */
float *amp_policy_tail(amp_disc *a, long n);
/* Train on the current rows (epochs x ncur/(M/2) steps), move them into the replay buffer. */
void amp_train(amp_disc *a, amp_metrics *m);

/* ---- learner group (learner/amp_group.c; docs/ARCHITECTURE.md, "Learner group") ----
 * With gsize > 1 learners on comm (this one gidx), amp_train differs from one learner's in four ways,
 * so that every learner's discriminator weights, Adam state and normalisation stay bit-identical:
 *   - every learner takes the group's smallest step count (MPI_Allreduce MIN once per update);
 *   - per epoch one draw of the shared stream a->rng seeds this learner's own stream (gidx) for the
 *     shuffle of its current rows and its replay draws; reference rows are drawn from a->rng itself,
 *     the same rows on every learner;
 *   - each step's gradient (and its loss statistics) is averaged over the group with ONE
 *     MPI_Allreduce (grp_average_grads) before the Adam step;
 *   - the normalisation statistics stay fixed during an update's steps; each learner collects its
 *     minibatch rows in norm_new and after the steps the group's are merged in learner order (Chan),
 *     as the observation statistics are.
 * Each learner keeps its own replay buffer; the checkpoint carries all of them (amp_group_replay). */
void amp_set_group(amp_disc *a, MPI_Comm comm, int size, int index);
/* Collective over the group: the steps every learner takes (the smallest of mine). */
long amp_group_steps(amp_disc *a, long mine);
/* Collective over the group: merge every learner's norm_new into norm, in learner order; export. */
void amp_group_merge_norm(amp_disc *a);
/* Collective over the group, before learner 0 writes a checkpoint: learner 0 gets in *fill [2 gsize]
 * each learner's replay fill and position and in *rows the replay rows of learners 1..gsize-1, in
 * learner order (malloc'd; NULL on the others). Returns the bytes of *rows. */
size_t amp_group_gather_replay(amp_disc *a, int64_t **fill, float **rows);
/* Learner gidx > 0 of a group: its replay buffer from the checkpoint's amp_group_fill and
 * amp_group_replay sections; -1 with err naming the section when they do not fit. */
int amp_group_restore_replay(amp_disc *a, const ckpt_file *f, d2m_err *err);

/* For tests: normalise n raw rows [n][2F] into out [n][din] (kept columns, current statistics). */
void amp_normalize(const amp_disc *a, const float *x, long n, float *out);
/* Kept columns of n raw rows [n][2F] into out [n][din]. */
void amp_select(const amp_disc *a, const float *x, long n, float *out);
/* The columns of ref [nref][2F] with a standard deviation of at least AMP_SEL_MIN_STD, into sel
 * (NULL: count only). Returns their number. */
int amp_select_columns(const float *ref, long nref, int draw, int *sel);
/* Normalisation statistics: export norm into mean/istd (after tests change norm). */
void amp_norm_export(amp_disc *a);
/* Loss and gradient (overwritten into a->grads) on normalised rows: xr[nr] reference, xp[np]
 * policy (nr, np <= M). Fills lsq, gp, acc_ref, acc_pol when non-NULL. Returns the total loss. */
double amp_loss_grad(amp_disc *a, const float *xr, int nr, const float *xp, int np, double *lsq, double *gp,
                     double *acc_ref, double *acc_pol);
/* The gradient-penalty term alone, P = (w_gp/2) mean ||dD/dx||^2 on n normalised rows; with
 * grads != NULL, dP/dparams is added into grads. Returns P. */
double amp_gp_term(amp_disc *a, const float *x, int n, float *grads);

/* Checkpoint: sections amp_params, amp_adam_m, amp_adam_v, amp_meta (adam t, replay fill/position,
 * rng, count of the normalisation statistics), amp_replay, amp_norm_mean, amp_norm_m2. Appends to
 * sec (needs AMP_NSEC free entries), returns how many were added; meta_buf is
 * caller storage of AMP_META_BYTES that must outlive the write. */
#define AMP_META_BYTES 128
#define AMP_NSEC 7
int amp_ckpt_sections(const amp_disc *a, ckpt_section *sec, void *meta_buf);
/* Restore what amp_ckpt_sections wrote; -1 with err naming the section on a mismatch. */
int amp_ckpt_restore(amp_disc *a, const ckpt_file *f, d2m_err *err);

/* ---- reference transitions (learner/amp_ref.c) ---- */

/* Rows (s_k, s_{k+1}) of an imitate env's reference motion, put into consecutive frames with
 * env_set_ref_state: one cycle (nframes rows) for a cyclic clip, nframes - 1 otherwise. out: NULL to
 * count, else [rows][2 env_amp_size]. Returns the number of rows. */
long amp_reference_rows(env_t *e, float *out);
/* The reference rows for a run: the model and subject as the actors load them, the motion of
 * imitate.motion (the embedded default gait or a .mot/.sto file), on a private env. *out is malloc'd
 * [*n][2 *feat]. */
int amp_reference_from_cfg(const cfg_t *cfg, float **out, long *n, int *feat, d2m_err *err);

#endif
