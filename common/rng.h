/* common/rng.h: reproducible random streams.
 *
 * Generator: xoshiro256** (Blackman & Vigna 2018), 256-bit state, period 2^256-1.
 * Seeding scheme: one master seed (config key run.seed). A stream is named by (rank, purpose, index),
 * e.g. (rank 5, RNG_ENV, env 3). Its state is filled by SplitMix64 started from
 *     master ^ mix(rank, purpose, index)
 * where mix is a SplitMix64 hash chain over the three numbers. Distinct names give statistically
 * independent streams; the same name and master seed give the same stream on any machine and for
 * any number of ranks, which makes runs reproducible and lets a checkpoint store just the state.
 */
#ifndef D2M_RNG_H
#define D2M_RNG_H

#include <stdint.h>

typedef struct rng_t {
  uint64_t s[4];
} rng_t;

enum rng_purpose {
  RNG_INIT = 1,    /* network initialisation (learner) */
  RNG_ENV = 2,     /* env resets, pushes, reference start phase (index = env) */
  RNG_POLICY = 3,  /* action noise on actors (index = env or 0) */
  RNG_LEARNER = 4, /* minibatch shuffling */
  RNG_TEST = 99
};

uint64_t rng_splitmix64(uint64_t *x);
void rng_seed(rng_t *r, uint64_t master, uint64_t rank, uint64_t purpose, uint64_t index);
uint64_t rng_u64(rng_t *r);
uint32_t rng_u32(rng_t *r);
uint64_t rng_below(rng_t *r, uint64_t n); /* uniform in [0, n), unbiased; n > 0 */
double rng_uniform(rng_t *r);             /* [0, 1), 53 bits */
float rng_uniformf(rng_t *r);             /* [0, 1), 24 bits */
double rng_normal(rng_t *r);              /* N(0,1), Marsaglia polar method, no cached value */
void rng_normal_fill(rng_t *r, float *out, int n);
void rng_shuffle_int(rng_t *r, int *a, int n); /* Fisher–Yates */

#endif
