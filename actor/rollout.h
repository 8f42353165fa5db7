/* actor/rollout.h: the one rollout loop: E environments stepped in lockstep by one policy.
 *
 * One control step (rollout_step): the raw observations of all E envs join the running statistics
 * `seen`, are normalised with the policy's statistics (rstat_normalize, clip obs_clip), go through
 * one policy forward for all E (ac_act: one GEMM per layer), the action is sampled or the mean is
 * taken, every env steps, and row t of the time-major [T][E] batch records what PPO needs:
 * normalised observation, action, log-probability, value, reward, terminated / truncated, V(s_final)
 * of truncated episodes, and with AMP the (s, s') features. Ended episodes are listed.
 *
 * The training actor (actor/actor.c adds MPI around it), `drl2move eval` (E = T = 1), actor_bench
 * and the learning tests (tests/learner/test_learn.c, on their own small MuJoCo tasks) all run this
 * loop. Environments are driven through rollout_ops; rollout_env_ops drives envs/env.h's env_t.
 * No allocation after rollout_init. */
#ifndef D2M_ROLLOUT_H
#define D2M_ROLLOUT_H

#include <stdint.h>

#include "common/rng.h"
#include "envs/env.h"
#include "nn/ac.h"
#include "nn/rstat.h"

/* How the loop drives one environment (env is the caller's pointer). step fills out as env_step
 * does: the next observation (the new episode's first when done), final_obs / final_amp when the
 * episode ended, reward, terminated / truncated / done and the episode's info. */
typedef struct rollout_ops {
  void (*step)(void *env, const float *action, env_step_out *out);
  void (*observe)(const void *env, float *obs);
  void (*amp_features)(const void *env, float *feat); /* only called with amp_feat > 0 */
} rollout_ops;

extern const rollout_ops rollout_env_ops; /* envs/env.h's env_t */

typedef enum {
  ROLLOUT_SAMPLE = 0, /* actions drawn from the policy's distribution (training) */
  ROLLOUT_MEAN = 1    /* the distribution's mean (eval --deterministic) */
} rollout_action;

typedef struct rollout_config {
  int envs, steps;       /* E, and T: the batch's rows */
  int obs_dim, act_dim;
  int amp_feat;          /* F > 0: record AMP (s, s') features [T][E][2F]; 0: none */
  float obs_clip;        /* normalised observations clipped to +-obs_clip (<= 0: no clip) */
  rollout_action action;
  int max_episodes;      /* ended episodes listed per batch (later ones are not listed) */
} rollout_config;

typedef struct rollout {
  rollout_config c;
  const rollout_ops *ops;
  void **env;                      /* [E] borrowed */
  const ac_net *net;               /* borrowed */
  const float *params;             /* the policy: set by the caller, may change between steps */
  const float *mean, *inv_std;     /* [O] the policy's observation normalisation, likewise */
  ac_ws ws;                        /* holds the Lattice noise: part of an actor's state */
  rng_t rng;                       /* action noise */
  rstat seen;                      /* moments of the raw observations since rollout_clear */
  float *obs;                      /* [E][O] current raw observations */
  float *obs_norm, *act, *logp, *val; /* [E][O], [E][A], [E], [E] of the current step */
  env_step_out *out;               /* [E] each env's last step */
  /* the batch, time-major [T][E] (AMP [T][E][2F]) */
  float *b_obs, *b_act, *b_logp, *b_val, *b_rew, *b_tval, *b_amp;
  uint8_t *b_term, *b_trunc;
  float *boot;                     /* [E] V(obs) after the last row: rollout_bootstrap */
  env_episode_info *eps;           /* episodes ended since rollout_clear */
  int neps;
  long numerical_resets;           /* episodes ended by ENV_END_NUMERICAL, in total */
  /* scratch */
  float *fin_obs, *fin_norm, *fin_act, *fin_val, *amp_cur;
  int *trunc_idx;
} rollout;

/* env[E] must stay valid; params, mean and inv_std are set by the caller before the first step;
 * rng is seeded by the caller. Reads every env's first observation. */
void rollout_init(rollout *r, const rollout_config *c, const rollout_ops *ops, void **env, const ac_net *net);
void rollout_free(rollout *r);
/* Re-read every env's observation (and AMP features): after resets or a state load. */
void rollout_observe(rollout *r);
/* One control step of all envs, recorded at row t (0 <= t < T). */
void rollout_step(rollout *r, int t);
/* boot[E] = V(current observations), the values that close the batch. */
void rollout_bootstrap(rollout *r);
/* The batch was taken: forget its episodes and observation statistics. */
void rollout_clear(rollout *r);

#endif
