/* nn/rstat.h: running mean and variance of vectors, mergeable exactly.
 *
 * State per dimension: count n, mean, M2 = sum (x - mean)^2 (double). Two summaries combine with
 * the parallel formula of Chan, Golub & LeVeque (1979):
 *   n = na + nb, d = mb - ma, mean = ma + d nb / n, M2 = M2a + M2b + d^2 na nb / n
 * so statistics gathered by many actors merge on the learner to what one pass over all the data
 * would give (up to rounding). Variance is the population variance M2 / n. */
#ifndef D2M_RSTAT_H
#define D2M_RSTAT_H

#include <stddef.h>

typedef struct rstat {
  int dim;
  double count;
  double *mean, *m2;
} rstat;

void rstat_init(rstat *s, int dim);
void rstat_free(rstat *s);
void rstat_reset(rstat *s);
/* Add B rows of x[B][dim]: batch statistics (two-pass), then a Chan merge. */
void rstat_update(rstat *s, const float *x, int B);
/* s <- s merged with (count, mean[dim], m2[dim]) (e.g. decoded from an actor's message). */
void rstat_merge_raw(rstat *s, double count, const double *mean, const double *m2);
void rstat_merge(rstat *s, const rstat *other);
double rstat_var(const rstat *s, int i); /* 0 when count == 0 */
/* Float mean and 1/sqrt(var + eps) for actors (count 0: mean 0 and variance taken as 1). */
void rstat_export(const rstat *s, float eps, float *mean, float *inv_std);
/* out[B][dim] = clip((x - mean) * inv_std, -clip, clip); clip <= 0: no clipping. x may equal out. */
void rstat_normalize(const float *mean, const float *inv_std, int dim, const float *x, float *out, int B, float clip);

/* The packed form that checkpoints and policy files store: count, mean[dim], m2[dim] (doubles). */
static inline size_t rstat_packed_len(int dim) { return 1 + 2 * (size_t)dim; }
void rstat_pack(const rstat *s, double *out);
/* s (initialised with its dim) <- a packed summary of the same dim. */
void rstat_unpack(rstat *s, const double *in);

#endif
