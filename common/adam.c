/* common/adam.c: see adam.h. */
#include "common/adam.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

/* v >= 0, so sqrt never sets errno: telling GCC lets it vectorise the loop. */
#define ADAM_CLONES __attribute__((target_clones("avx512f", "avx2", "default"), optimize("no-math-errno")))

void adam_config_defaults(adam_config *c) {
  c->beta1 = 0.9f;
  c->beta2 = 0.999f;
  c->eps = 1e-5f;
}

void adam_init(adam_state *s, size_t n) {
  s->n = n;
  s->t = 0;
  s->m = xaligned(n * sizeof(float));
  s->v = xaligned(n * sizeof(float));
}

void adam_free(adam_state *s) {
  free(s->m);
  free(s->v);
  memset(s, 0, sizeof *s);
}

void adam_reset(adam_state *s) {
  s->t = 0;
  memset(s->m, 0, s->n * sizeof(float));
  memset(s->v, 0, s->n * sizeof(float));
}

ADAM_CLONES double adam_grad_norm(const float *g, size_t n) {
  /* float partial sums per block of 4096 (vectorised), combined in double */
  double tot = 0;
  for (size_t i0 = 0; i0 < n; i0 += 4096) {
    size_t i1 = i0 + 4096 < n ? i0 + 4096 : n;
    float s = 0;
    for (size_t i = i0; i < i1; i++) s += g[i] * g[i];
    tot += s;
  }
  return sqrt(tot);
}

float adam_clip_scale(double norm, float max_norm) {
  if (max_norm <= 0.f) return 1.f;
  double c = max_norm / (norm + 1e-6);
  return c < 1.0 ? (float)c : 1.f;
}

ADAM_CLONES static void adam_kernel(float *restrict p, float *restrict m, float *restrict v, const float *restrict g,
                                    size_t n, float b1, float b2, float step, float inv_sqrt_bc2, float eps,
                                    float gs) {
  for (size_t i = 0; i < n; i++) {
    float gi = g[i] * gs;
    m[i] = b1 * m[i] + (1.f - b1) * gi;
    v[i] = b2 * v[i] + (1.f - b2) * gi * gi;
    p[i] -= step * m[i] / (sqrtf(v[i]) * inv_sqrt_bc2 + eps);
  }
}

void adam_step(adam_state *s, const adam_config *c, float lr, float *params, const float *g, float grad_scale) {
  s->t++;
  double bc1 = 1.0 - pow(c->beta1, (double)s->t), bc2 = 1.0 - pow(c->beta2, (double)s->t);
  adam_kernel(params, s->m, s->v, g, s->n, c->beta1, c->beta2, (float)(lr / bc1), (float)(1.0 / sqrt(bc2)), c->eps,
              grad_scale);
}
