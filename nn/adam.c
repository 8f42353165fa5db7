/* nn/adam.c: see adam.h. */
#include "nn/adam.h"

#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/blis_util.h"
#include "common/log.h"

#define ADAM_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

void adam_config_from_cfg(const cfg_t *c, adam_config *out) {
  out->beta1 = (float)c->adam_beta1;
  out->beta2 = (float)c->adam_beta2;
  out->eps = (float)c->adam_eps;
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

ADAM_CLONES static double sumsq(const float *g, size_t n) {
  /* float partial sums per block of 4096 (vectorised), combined in double */
  double tot = 0;
  for (size_t i0 = 0; i0 < n; i0 += 4096) {
    size_t i1 = i0 + 4096 < n ? i0 + 4096 : n;
    float s = 0;
    for (size_t i = i0; i < i1; i++) s += g[i] * g[i];
    tot += s;
  }
  return tot;
}

/* Both passes are memory-bound over the whole arena: split them over BLIS's threads. */
enum { ADAM_MAX_THREADS = 64 };

typedef struct norm_job {
  const float *g;
  size_t n;
  double part[ADAM_MAX_THREADS];
} norm_job;

static void norm_thread(void *ctx, int tid, int nt) {
  norm_job *j = ctx;
  size_t lo, hi;
  blis_split(j->n, 4096, tid, nt, &lo, &hi); /* blocks of 4096 as in sumsq: same sum for any split */
  if (tid < ADAM_MAX_THREADS) j->part[tid] = hi > lo ? sumsq(j->g + lo, hi - lo) : 0.0;
}

double adam_grad_norm(const float *g, size_t n) {
  norm_job j;
  memset(&j, 0, sizeof j);
  j.g = g, j.n = n;
  if (n >= 65536 && blis_threads() <= ADAM_MAX_THREADS)
    blis_parallel(norm_thread, &j);
  else
    norm_thread(&j, 0, 1);
  double tot = 0;
  for (int t = 0; t < ADAM_MAX_THREADS; t++) tot += j.part[t];
  return sqrt(tot);
}

float adam_clip_scale(double norm, float max_norm) {
  if (max_norm <= 0.f) return 1.f;
  double c = max_norm / (norm + 1e-6);
  return c < 1.0 ? (float)c : 1.f;
}

static void adam_kernel(float *restrict p, float *restrict m, float *restrict v, const float *restrict g, size_t n,
                        float b1, float b2, float step, float inv_sqrt_bc2, float eps, float gs) {
  for (size_t i = 0; i < n; i++) {
    float gi = g[i] * gs;
    m[i] = b1 * m[i] + (1.f - b1) * gi;
    v[i] = b2 * v[i] + (1.f - b2) * gi * gi;
    p[i] -= step * m[i] / (sqrtf(v[i]) * inv_sqrt_bc2 + eps);
  }
}

/* GCC keeps the scalar loop scalar (sqrtf may set errno), so the AVX-512 path is written out. It
 * evaluates the same formula as adam_kernel lane by lane (up to FMA contraction). */
__attribute__((target("avx512f"))) static void adam_kernel_avx512(float *restrict p, float *restrict m,
                                                                  float *restrict v, const float *restrict g, size_t n,
                                                                  float b1, float b2, float step, float inv_sqrt_bc2,
                                                                  float eps, float gs) {
  const __m512 vb1 = _mm512_set1_ps(b1), vb2 = _mm512_set1_ps(b2), c1 = _mm512_set1_ps(1.f - b1),
               c2 = _mm512_set1_ps(1.f - b2), vst = _mm512_set1_ps(step), vk = _mm512_set1_ps(inv_sqrt_bc2),
               veps = _mm512_set1_ps(eps), vgs = _mm512_set1_ps(gs);
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    __m512 gi = _mm512_mul_ps(_mm512_loadu_ps(g + i), vgs);
    __m512 mi = _mm512_add_ps(_mm512_mul_ps(vb1, _mm512_loadu_ps(m + i)), _mm512_mul_ps(c1, gi));
    __m512 vi = _mm512_add_ps(_mm512_mul_ps(vb2, _mm512_loadu_ps(v + i)), _mm512_mul_ps(_mm512_mul_ps(c2, gi), gi));
    __m512 den = _mm512_add_ps(_mm512_mul_ps(_mm512_sqrt_ps(vi), vk), veps);
    __m512 pi = _mm512_sub_ps(_mm512_loadu_ps(p + i), _mm512_div_ps(_mm512_mul_ps(vst, mi), den));
    _mm512_storeu_ps(m + i, mi);
    _mm512_storeu_ps(v + i, vi);
    _mm512_storeu_ps(p + i, pi);
  }
  adam_kernel(p + i, m + i, v + i, g + i, n - i, b1, b2, step, inv_sqrt_bc2, eps, gs);
}

typedef struct zero_job {
  float *g;
  size_t n;
} zero_job;

static void zero_thread(void *ctx, int tid, int nt) {
  zero_job *j = ctx;
  size_t lo, hi;
  blis_split(j->n, 16, tid, nt, &lo, &hi);
  if (hi > lo) memset(j->g + lo, 0, (hi - lo) * sizeof(float));
}

void adam_zero(float *g, size_t n) {
  zero_job j = {g, n};
  if (n >= 65536)
    blis_parallel(zero_thread, &j);
  else
    zero_thread(&j, 0, 1);
}

typedef struct adam_job {
  float *p, *m, *v;
  const float *g;
  size_t n;
  float b1, b2, step, k, eps, gs;
  int avx512;
} adam_job;

static void adam_thread(void *ctx, int tid, int nt) {
  adam_job *j = ctx;
  size_t lo, hi;
  blis_split(j->n, 16, tid, nt, &lo, &hi);
  if (hi > lo)
    (j->avx512 ? adam_kernel_avx512 : adam_kernel)(j->p + lo, j->m + lo, j->v + lo, j->g + lo, hi - lo, j->b1, j->b2,
                                                   j->step, j->k, j->eps, j->gs);
}

static void run_range(adam_state *s, const adam_config *c, size_t lo, size_t hi, float lr, float *params,
                      const float *g, float grad_scale) {
  double bc1 = 1.0 - pow(c->beta1, (double)s->t), bc2 = 1.0 - pow(c->beta2, (double)s->t);
  static int avx512 = -1;
  if (avx512 < 0) avx512 = __builtin_cpu_supports("avx512f");
  adam_job j = {params + lo, s->m + lo, s->v + lo, g + lo, hi - lo, c->beta1, c->beta2, (float)(lr / bc1),
                (float)(1.0 / sqrt(bc2)), c->eps, grad_scale, avx512};
  if (hi - lo >= 65536)
    blis_parallel(adam_thread, &j);
  else
    adam_thread(&j, 0, 1);
}

void adam_step(adam_state *s, const adam_config *c, float lr, float *params, const float *g, float grad_scale) {
  s->t++;
  run_range(s, c, 0, s->n, lr, params, g, grad_scale);
}

void adam_step_split(adam_state *s, const adam_config *c, size_t split, float lr0, float gs0, float lr1, float gs1,
                     float *params, const float *g) {
  D2M_CHECK(split <= s->n, "adam_step_split: split beyond the arena");
  s->t++;
  run_range(s, c, 0, split, lr0, params, g, gs0);
  run_range(s, c, split, s->n, lr1, params, g, gs1);
}
