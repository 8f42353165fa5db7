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
#include "learner/group.h"
#include "learner/guard.h"
#include "learner/lrehab.h"
#include "learner/mining.h"
#include "learner/ppo.h"
#include "proto/proto.h"

/* Batches one actor sent that wait for an update: received (and decoded, once) whenever the learner
 * polls, consumed only by the update that gathers them (docs/ARCHITECTURE.md, "A batch"). */
#define INTAKE_QUEUE 4

typedef struct intake_msg {
  char *buf;               /* the received bytes; t's arrays are views into them */
  int cap, len;
  proto_traj t;            /* decoded header and views; t.episodes points at eps */
  proto_episode *eps;      /* copy of the decoder's episode records (its storage is reused) */
  uint32_t eps_cap;
  int between;             /* arrived between updates (publishing, checkpointing, stopping) */
} intake_msg;

typedef struct actor_slot {
  intake_msg q[INTAKE_QUEUE + 1]; /* ring: q_n queued from q_head on; the next one is received behind them */
  int q_head, q_n;
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
  /* aligned scratch for the small arrays GAE and the moment merge read (obs, actions, log-probs,
   * values and rewards go from the message straight into the PPO batch) */
  float *s_tval, *s_boot;
  double *s_mean, *s_m2;
  /* AMP (amp.enabled): discriminator, this segment's style rewards, last metrics */
  int amp_on;
  amp_disc amp;
  float *s_style;
  amp_metrics amp_m;
  /* counters (checkpointed) */
  long update;
  uint64_t version;
  long long env_steps;
  double wall_before;          /* wall seconds of earlier sessions of this run */
  /* per-update accounting */
  ep_stats eps;
  long dropped, malformed, lag_n;
  /* env steps of the batches received since the learner started: each is used by one update or
   * dropped (stale, queue full, or still waiting when the run stopped); logged at the end */
  long long steps_received, steps_used, steps_dropped;
  int gathering;               /* inside gather(): batches arriving now are for this update */
  long between_used;           /* batches that arrived between updates and were used by the next one */
  double lag_sum, lag_min, lag_max;
  long long steps_at_last_row;
  double time_at_last_row;
  FILE *csv, *jsonl, *clips;   /* clips: clips.csv, with a clip library */
  lrehab rehab;                /* the rehabilitation loop (rehab.enabled): body, phase use; rehab.csv */
  FILE *rehab_csv;
  double *s_use;               /* [MODEL_NMUSCLE] aligned copy of a batch's muscle use */
  mining mine;                 /* per-clip results and the clip curriculum (imitate.motion = .list) */
  int write_errno;             /* first failed progress write (a full disk): the run stops on it */
  int collecting_states;       /* lckpt is receiving actor states: intake leaves them alone */
  double lost_checked;         /* log_elapsed() of the last look for dead actors */
  /* summary.c: this session's start, best and last mean episode return and length */
  long long steps_at_start;
  double time_at_start, best_ret, best_len, last_ret, last_len;
  long best_ret_update, best_len_update;
  const char *stop_why;
  /* learner group (group.c); ngroup 1: the one learner, and none of these changes anything */
  MPI_Comm lcomm;                /* the learners (MPI_COMM_NULL when ngroup is 1) */
  int ngroup, gidx, lead;        /* learners, this one's index, gidx == 0 (writes rows and checkpoints) */
  int actor_base, total_actors;  /* this learner's first actor in the checkpoint's actor order; all actors */
  int *actor_world;              /* [nactors] world rank of each of this learner's actors */
  int *grp_nact;                 /* [ngroup] actors of each learner */
  rstat obs_new;                 /* ngroup > 1: this update's observation moments, merged over the group */
  rstat *obs_in;                 /* where intake merges moments: obs_stats (one learner) or obs_new */
  double *grp_send, *grp_all;    /* the update summary: this learner's, everyone's */
  long long steps_mark;          /* env_steps the learners last agreed on */
  long grp_dropped, grp_malformed; /* learner 0: the group's counts for the progress row */
} learner;

/* group.c (the learner's side of learner/group.h) */
#define GRP_SUMMARY 22 /* scalars of an update summary before the observation moments */
/* g NULL: one learner. Needs nactors and obs_dim set. */
void group_init(learner *L, MPI_Comm lcomm, const grp_layout *g, int world_rank);
void group_free(learner *L);
/* The maximum of v over the learners (v itself for one learner). */
int group_max(learner *L, int v);
/* After an update's batches are in: exchange summaries; merges the observation moments and env
 * steps on every learner, the row's statistics on learner 0, sets the minibatch count; returns 1
 * when any learner stops. */
int group_update_sync(learner *L, int stop);
/* Checkpoint: learner 0 receives every learner's reward-scaling rows (per doubles each), actor state
 * sizes and bytes, which replace its own arrays; returns 1 on the writer (learner 0), 0 elsewhere. */
int group_ckpt_gather(learner *L, double **rs, size_t per, int64_t **sizes, unsigned char **states, size_t *total);
/* Resume: learner 0's outcome ok (1 found, <= 0 not) and its checkpoint path go to every learner. */
int group_ckpt_path(learner *L, char *path, size_t n, int ok);

/* intake.c */
/* Receive one A2L message if one is waiting (wait up to `wait_s`), decode and check it, and queue a
 * usable batch in its actor's slot; never touches the PPO batch, so it is safe while publishing or
 * checkpointing. Returns the source rank, 0 if none. */
int intake_poll(learner *L, double wait_s);
/* Receive the message just probed from actor rank src with tag into buf (n bytes), polling; gives up
 * and returns -1 when the actor's process is gone (lost_gone), 0 when received. After -1 the caller
 * must never use or free buf again (a late fragment may still land there). */
int intake_recv(learner *L, int src, int tag, void *buf, int n);
/* Sync: all live actors have a batch queued? */
int intake_sync_complete(const learner *L);
/* Append the oldest queued batch of `rank` to the PPO batch (obs moments, reward scaling, AMP rows,
 * episodes, GAE): 0 used, -1 dropped (stale by now, or no room). */
int intake_consume(learner *L, int rank);
/* Async: consume queued batches, one per actor in turn, until the PPO batch holds `target` samples. */
void intake_consume_queued(learner *L, int target);
/* At the end: count what is still queued as dropped and log the balance of env steps. */
void intake_final_report(learner *L);
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
/* Actor slot i is dead: already dropped, or its local process is gone now (then dropped here). */
int lost_gone(learner *L, int i);
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
/* After a rehabilitation phase: its row in rehab.csv; -1 when writing failed (as progress_row). */
int progress_rehab_row(learner *L);
/* One row in both files; -1 when writing failed (L->write_errno is set and the error logged). */
int progress_row(learner *L, const ppo_metrics *m);
void progress_close(learner *L);
/* Learning curves as PNG with gnuplot, when it is installed (the script stays for re-plotting). */
int progress_plot(const char *run_dir, double control_dt);

#endif
