/* envs/motion/motionlib.h: a library of reference motions (clips), sampled for training by a weight
 * per clip, so a curriculum can re-weight hard clips (motionlib_set_weight) at any time.
 *
 * Sampling is by inverse CDF over the normalised weights: P(clip i) = w_i / sum w (a clip of
 * weight 0 is never drawn). The cumulative table is rebuilt on every weight change (O(n)); a draw
 * is one uniform number and a binary search (O(log n)), no allocation.
 *
 * A list file (motionlib_load_list) has one clip per line: PATH [weight=1] [cyclic=0]; '#' starts a
 * comment; relative paths are relative to the list file's folder. */
#ifndef D2M_MOTIONLIB_H
#define D2M_MOTIONLIB_H

#include <mujoco/mujoco.h>

#include "common/log.h"
#include "common/rng.h"
#include "envs/motion/refmotion.h"

typedef struct motionlib_clip {
  char name[256];
  double weight;
  refmotion ref;
} motionlib_clip;

typedef struct motionlib {
  int n, cap;
  motionlib_clip *clips;
  double *cdf;  /* [n] cumulative normalised weights, cdf[n-1] = 1 */
  double total; /* sum of weights */
} motionlib;

void motionlib_init(motionlib *l);
void motionlib_free(motionlib *l);
/* Takes ownership of *ref (moved in; *ref is zeroed). weight >= 0, finite. */
int motionlib_add(motionlib *l, const char *name, refmotion *ref, double weight, d2m_err *err);
int motionlib_load_list(motionlib *l, const mjModel *m, const char *path, double dt, d2m_err *err);
int motionlib_set_weight(motionlib *l, int i, double weight, d2m_err *err);
/* Probability of drawing clip i. */
double motionlib_prob(const motionlib *l, int i);
/* A clip index drawn by weight; -1 if the library is empty or all weights are 0. */
int motionlib_sample(const motionlib *l, rng_t *r);
int motionlib_find(const motionlib *l, const char *name); /* -1 if absent */

#endif
