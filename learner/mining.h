/* learner/mining.h: per-clip results and the clip curriculum of a clip library (imitate.motion =
 * FILE.list): hard-negative mining in the manner of KINESIS (Simos et al. 2025), which draws the
 * clips a policy fails on more often.
 *
 * Every ended episode adds to its clip's counts for the update (episodes, successes, MPJPE, joint
 * RMSE, length). Between updates (mining_update) the counts decay and take in the update's:
 *     n_i = decay n_i + episodes_i,   s_i = decay s_i + successes_i
 * and, with imitate.mining = failure, the sampling weights become
 *     f_i = (n_i - s_i + 1) / (n_i + 2)                 (failure rate, Laplace rule: 0.5 unseen)
 *     w_i = floor b_i + (1 - floor) b_i f_i / sum_j b_j f_j
 * where b is the list's own distribution (its weights normalised) and floor = imitate.mining_floor.
 * So the weights sum to 1, every clip keeps at least floor b_i (none starves), clips of list weight 0
 * stay at 0, and a clip that always succeeds falls toward floor b_i while failed clips gain.
 * With mining off the weights stay b (the results are still recorded for clips.csv).
 *
 * The learner sends w to the actors with every weights message (proto.h "clip_weights"); the
 * state (counts and weights) is in the checkpoint, so a resumed run draws the same clips.
 * No allocation after mining_init. */
#ifndef D2M_MINING_H
#define D2M_MINING_H

#include <stdint.h>
#include <stdio.h>

#include "common/log.h"

enum { MINING_STATS = 5 }; /* per clip: episodes, successes, mpjpe sum, joint rmse sum, length sum */

typedef struct mining {
  int n;              /* clips; 0 when imitate.motion is not a .list */
  int on;             /* imitate.mining = failure */
  double floor, decay;
  char (*names)[256]; /* [n] as the list writes them */
  double *base;       /* [n] the list's weights, normalised */
  double *w;          /* [n] current sampling weights (sum 1) */
  double *acc;        /* [n][MINING_STATS] decayed counts and sums */
  double *upd;        /* [n][MINING_STATS] this update's */
  long long unknown;  /* episodes naming a clip index >= n (a mismatched actor), ignored; logged once */
  int unknown_said;
} mining;

/* Clip names and list weights from imitate.motion (a .list; otherwise n = 0 and the rest is inert). */
int mining_init(mining *m, const char *motion, const char *mode, double floor, double decay, d2m_err *err);
void mining_free(mining *m);
/* One ended episode of clip `clip`. */
void mining_record(mining *m, uint32_t clip, double success, double mpjpe_mm, double joint_rmse_deg, double length);
/* Between updates: decay, take in the update's counts, recompute the weights (rule above). The
 * update's counts stay for mining_csv_rows until mining_clear_update. */
void mining_update(mining *m);
void mining_clear_update(mining *m);
/* The rule alone: w[n] from the list distribution b[n] and counts[i * stride] (episodes),
 * counts[i * stride + 1] (successes). */
void mining_weights(int n, const double *b, const double *counts, int stride, double floor, double *w);

/* Checkpoint state: n * (MINING_STATS + 1) doubles (acc, then w). */
size_t mining_state_len(const mining *m);
void mining_pack(const mining *m, double *out);
/* -1 with err when the state holds a non-finite or negative value (the checkpoint is refused). */
int mining_unpack(mining *m, const double *in, d2m_err *err);

/* clips.csv: the header, and one row per clip for an update (the update's own counts: episodes,
 * success rate, mean MPJPE, joint RMSE and length, blank without episodes; the weight sent next). */
void mining_csv_header(FILE *f);
int mining_csv_rows(const mining *m, FILE *f, long update, long long env_steps);

#endif
