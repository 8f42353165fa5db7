/* learner/gae.c: see gae.h. */
#include "learner/gae.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

void gae_compute(int T, int E, float gamma, float lambda, const float *rew, const float *val, const uint8_t *term,
                 const uint8_t *trunc, const float *final_val, const float *boot, float *adv, float *ret) {
  for (int e = 0; e < E; e++) {
    double a = 0; /* A_{t+1} */
    for (int t = T - 1; t >= 0; t--) {
      size_t i = (size_t)t * E + e;
      double next, delta;
      int cut = 0;
      if (term[i]) {
        next = 0;
        cut = 1;
      } else if (trunc && trunc[i]) {
        D2M_CHECK(final_val != NULL, "truncated step without final_val (V of the truncated observation)");
        next = final_val[i];
        cut = 1;
      } else {
        next = t == T - 1 ? boot[e] : val[i + E];
      }
      delta = rew[i] + (double)gamma * next - val[i];
      a = cut ? delta : delta + (double)gamma * lambda * a;
      adv[i] = (float)a;
      ret[i] = (float)(a + val[i]);
    }
  }
}

void gae_rscale_init(gae_rscale *s, int E, float gamma) {
  memset(s, 0, sizeof *s);
  s->E = E;
  s->gamma = gamma;
  s->eps = 1e-8f;
  s->G = xcalloc((size_t)E, sizeof(double));
}

void gae_rscale_free(gae_rscale *s) {
  free(s->G);
  memset(s, 0, sizeof *s);
}

double gae_rscale_std(const gae_rscale *s) {
  double var = s->count > 0 ? s->m2 / s->count : 1.0;
  return sqrt(var + s->eps);
}

void gae_rscale_apply(gae_rscale *s, int T, const float *rew, const uint8_t *term, const uint8_t *trunc, float *out) {
  int E = s->E;
  for (int t = 0; t < T; t++) {
    for (int e = 0; e < E; e++) { /* Welford update with each new return */
      size_t i = (size_t)t * E + e;
      s->G[e] = s->gamma * s->G[e] + rew[i];
      s->count += 1;
      double d = s->G[e] - s->mean;
      s->mean += d / s->count;
      s->m2 += d * (s->G[e] - s->mean);
      if (term[i] || (trunc && trunc[i])) s->G[e] = 0;
    }
  }
  double inv = 1.0 / gae_rscale_std(s);
  for (size_t i = 0; i < (size_t)T * E; i++) out[i] = (float)(rew[i] * inv);
}
