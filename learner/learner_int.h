/* learner/learner_int.h: the learner's state, shared by its files (intake, checkpoint, progress). */
#ifndef D2M_LEARNER_INT_H
#define D2M_LEARNER_INT_H

#include <mpi.h>
#include <stdio.h>

#include "nn/ac.h"
#include "common/config.h"
#include "nn/rstat.h"
#include "learner/amp.h"
#include "learner/gae.h"
#include "learner/guard.h"
#include "learner/ppo.h"
#include "proto/proto.h"

typedef struct actor_slot {
  char *buf;          /* received bytes of this actor's pending batch (sync) or scratch (async) */
  int cap, len;
  int have;           /* sync: a batch of the current version is waiting in buf */
  int alive, said_bye;
  int dead;           /* its process is gone (lost.c): never waited for again */
  long pid;           /* its pid when it runs on the learner's host (ranks.txt), else 0 */
  double last_heard;  /* log_elapsed() of its last message */
  unsigned char *state; /* its state for the checkpoint (collected at save, loaded at resume) */
  int state_len, state_cap;
  gae_rscale rscale;  /* return-based reward scaling of its E envs */
} actor_slot;

typedef struct ep_stats {
  long n;
  double ret_sum, ret_min, ret_max, len_sum, len_min, len_max, success_sum, mpjpe_sum, rmse_sum;
  long mpjpe_n, numerical;
} ep_stats;

typedef struct learner {
  const cfg_t *cfg;
  MPI_Comm comm;
  const char *run_dir;
  int nactors, E, T, obs_dim, act_dim, sync;
  ac_net net;
  ppo_config pcfg;
  ppo_learner ppo;
  ppo_guard guard;             /* refuses updates that leave non-finite parameters (kept state, count) */
  ppo_batch batch;
  rstat obs_stats;             /* merged raw-observation moments of all actors */
  actor_slot *slot;            /* [nactors], slot r-1 is rank r */
  proto_decoder dec;
  /* weights publication */
  float *pub;                  /* copy of the params being sent */
  msgpack_sbuffer pub_hdr;
  MPI_Request *pub_req;        /* [2 * nactors] */
  /* segment scratch (aligned) */
  float *s_obs, *s_act, *s_logp, *s_val, *s_rew, *s_tval, *s_boot;
  uint8_t *s_term, *s_trunc;
  double *s_mean, *s_m2;
  /* AMP (amp.enabled): discriminator, this segment's (s, s') rows and style rewards, last metrics */
  int amp_on;
  amp_disc amp;
  float *s_amp, *s_style;
  amp_metrics amp_m;
  /* counters (checkpointed) */
  long update;
  uint64_t version;
  long long env_steps;
  double wall_before;          /* wall seconds of earlier sessions of this run */
  /* per-update accounting */
  ep_stats eps;
  long dropped, malformed, lag_n;
  double lag_sum, lag_min, lag_max;
  long long steps_at_last_row;
  double time_at_last_row;
  FILE *csv, *jsonl;
  int write_errno;             /* first failed progress write (a full disk): the run stops on it */
  int collecting_states;       /* lckpt is receiving actor states: intake leaves them alone */
  double lost_checked;         /* log_elapsed() of the last look for dead actors */
  /* summary.c: this session's start, best and last mean episode return and length */
  long long steps_at_start;
  double time_at_start, best_ret, best_len, last_ret, last_len;
  long best_ret_update, best_len_update;
  const char *stop_why;
} learner;

/* intake.c */
/* Receive one A2L message if one is waiting (wait up to `wait_s`); returns its source rank, 0 if none. */
int intake_poll(learner *L, double wait_s);
/* Sync: all live actors have a batch of the current version? */
int intake_sync_complete(const learner *L);
/* Decode the batch in slot r and append it to the PPO batch (merging obs stats, episodes). 0 ok. */
int intake_consume(learner *L, int rank);
void intake_reset_update_stats(learner *L);

/* lckpt.c */
/* with_actors: also ask every live actor for its state (so a resume continues their episodes exactly). */
int lckpt_save(learner *L, const char *reason, int with_actors);
/* Resume: the new resolved config replaces the run's (ok) or is discarded (the resume failed). */
void lckpt_commit_config(learner *L, int ok);
/* Send each actor the state restored from the checkpoint (before the first weights). */
void lckpt_send_actor_states(learner *L);
/* Restore from the newest valid checkpoint; 1 restored, 0 none present, -1 error (message logged). */
int lckpt_restore(learner *L);

/* lost.c */
/* Pids of the actors on this host, from run_dir/ranks.txt. */
void lost_init(learner *L);
/* At most once a second: drop the local actors whose process is gone; returns how many. */
int lost_check(learner *L);
/* Every actor is dead. */
int lost_all(const learner *L);

/* summary.c */
void summary_start(learner *L);
/* "  12.5% of 200000 steps, ETA 4m20s" (the time limit when it comes first). */
void summary_eta(const learner *L, char *out, size_t n);
/* Record one update's mean episode return and length (NaN: no episode ended). */
void summary_track(learner *L, double ret, double len);
/* The end-of-run summary in the log. */
void summary_log(const learner *L, const char *why, int plotted);

/* progress.c */
int progress_open(learner *L, int append);
/* One row in both files; -1 when writing failed (L->write_errno is set and the error logged). */
int progress_row(learner *L, const ppo_metrics *m);
void progress_close(learner *L);
/* Learning curves as PNG with gnuplot, when it is installed (the script stays for re-plotting). */
int progress_plot(const char *run_dir, double control_dt);

#endif
