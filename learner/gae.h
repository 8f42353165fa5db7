/* learner/gae.h: generalised advantage estimation (Schulman et al. 2016) over actor segments, and
 * return-based reward scaling.
 *
 * A segment is T consecutive steps of E environments; every array is time-major, index [t*E + e]:
 *   rew[T*E]        reward r_t received for the action at step t
 *   val[T*E]        V(s_t) computed by the actor when it chose the action
 *   term[T*E]       1: s_{t+1} is terminal (failure/success): no bootstrap, V(s_{t+1}) := 0
 *   trunc[T*E]      1: the episode was cut after step t by a time limit (and the env reset); ignored
 *                   when term is also set
 *   final_val[T*E]  V(s_final) of the observation the truncated episode ended in (the actor computes
 *                   it before resetting); read only where trunc is 1 (NULL when no step is truncated)
 *   boot[E]         V(s_T): value of the observation after the last step (the next segment's first)
 * Output adv[T*E] = A_t and ret[T*E] = A_t + V(s_t) (value targets).
 *   delta_t = r_t + gamma * next_t - V(s_t), next_t = 0 (term), V(s_final) (trunc), V(s_{t+1}) else
 *   A_t     = delta_t + gamma * lambda * A_{t+1}, with the chain cut at term or trunc.
 */
#ifndef D2M_GAE_H
#define D2M_GAE_H

#include <stdint.h>

void gae_compute(int T, int E, float gamma, float lambda, const float *rew, const float *val, const uint8_t *term,
                 const uint8_t *trunc, const float *final_val, const float *boot, float *adv, float *ret);

/* Return-based reward scaling (as gym's NormalizeReward): per env a discounted return
 * G <- gamma G + r (reset to 0 after a terminated/truncated step); rewards are divided by
 * sqrt(Var[G] + eps), Var from a running estimate over all G seen. Segments of an env must be fed
 * in time order. */
typedef struct gae_rscale {
  int E;
  float gamma, eps;
  double *G;           /* [E] running discounted returns */
  double count, mean, m2;
} gae_rscale;

void gae_rscale_init(gae_rscale *s, int E, float gamma);
void gae_rscale_free(gae_rscale *s);
/* Updates the statistics with this segment's returns, then writes out[T*E] = rew / std (in place ok). */
void gae_rscale_apply(gae_rscale *s, int T, const float *rew, const uint8_t *term, const uint8_t *trunc, float *out);
double gae_rscale_std(const gae_rscale *s);

#endif
