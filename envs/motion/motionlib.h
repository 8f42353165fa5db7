/* envs/motion/motionlib.h: a library of reference motions (clips), sampled for training by a weight
 * per clip, so a curriculum can re-weight hard clips (motionlib_set_weight) at any time.
 *
 * Sampling is by inverse CDF over the normalised weights: P(clip i) = w_i / sum w (a clip of
 * weight 0 is never drawn). The cumulative table is rebuilt on every weight change (O(n)); a draw
 * is one uniform number and a binary search (O(log n)), no allocation.
 *
 * A list file (motionlib_load_list) has one clip per line, fields separated by spaces or tabs:
 *   PATH [WEIGHT [CYCLIC]] [split=train|test]
 * PATH: no blanks and no '#', at most 511 bytes, relative to the list file's folder unless it starts
 * with '/'. WEIGHT: a number >= 0 and finite, the whole field (strtod syntax, e.g. 2, 0.5, 1e-3);
 * default 1. CYCLIC: exactly 0 or 1 (default 0), and only after a WEIGHT. '#' starts a comment anywhere
 * on a line; blank lines are skipped; CRLF line ends are fine. Anything else (a fourth field, "2abc",
 * "1.5" as CYCLIC) is an error naming LIST:LINE, as is a clip that does not load; a list with no clip,
 * or with no weight > 0, is an error naming the list. split=train|test, optional and last, marks the
 * clip's side of a train/test split (`drl2move eval --clips` reports each side). */
#ifndef D2M_MOTIONLIB_H
#define D2M_MOTIONLIB_H

#include <mujoco/mujoco.h>

#include "common/log.h"
#include "common/rng.h"
#include "envs/motion/refmotion.h"

enum { MOTIONLIB_SPLIT_NONE = 0, MOTIONLIB_SPLIT_TRAIN = 1, MOTIONLIB_SPLIT_TEST = 2 };

typedef struct motionlib_clip {
  char name[256];
  double weight;
  int split;     /* MOTIONLIB_SPLIT_* of its list line */
  refmotion ref;
} motionlib_clip;

/* One line of a list file, before its clip is loaded. */
typedef struct motionlib_entry {
  char name[512];  /* PATH as written */
  char path[1100]; /* resolved against the list's folder */
  double weight;
  int cyclic, split, line;
} motionlib_entry;

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
/* The lines of a list without loading the clips (names, weights, splits); *out is malloc'ed (free it). */
int motionlib_read_list(const char *path, motionlib_entry **out, int *n, d2m_err *err);
int motionlib_set_weight(motionlib *l, int i, double weight, d2m_err *err);
/* Probability of drawing clip i. */
double motionlib_prob(const motionlib *l, int i);
/* A clip index drawn by weight; -1 if the library is empty or all weights are 0. */
int motionlib_sample(const motionlib *l, rng_t *r);
int motionlib_find(const motionlib *l, const char *name); /* -1 if absent */

#endif
