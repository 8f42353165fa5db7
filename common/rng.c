/* common/rng.c: see rng.h. */
#include "common/rng.h"

#include <math.h>

uint64_t rng_splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void rng_seed(rng_t *r, uint64_t master, uint64_t rank, uint64_t purpose, uint64_t index) {
  uint64_t h = 0x243F6A8885A308D3ull; /* pi: any fixed constant */
  uint64_t parts[3] = {rank, purpose, index};
  for (int i = 0; i < 3; i++) {
    h ^= parts[i];
    h = rng_splitmix64(&h);
  }
  uint64_t x = master ^ h;
  for (int i = 0; i < 4; i++) r->s[i] = rng_splitmix64(&x);
  if ((r->s[0] | r->s[1] | r->s[2] | r->s[3]) == 0) r->s[0] = 1; /* the all-zero state is a fixed point */
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_u64(rng_t *r) {
  uint64_t *s = r->s;
  uint64_t out = rotl(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl(s[3], 45);
  return out;
}

uint32_t rng_u32(rng_t *r) { return (uint32_t)(rng_u64(r) >> 32); }

uint64_t rng_below(rng_t *r, uint64_t n) {
  /* Rejection sampling on the top bits: unbiased for any n. */
  uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x;
  do x = rng_u64(r); while (x >= limit);
  return x % n;
}

double rng_uniform(rng_t *r) { return (double)(rng_u64(r) >> 11) * 0x1.0p-53; }
float rng_uniformf(rng_t *r) { return (float)(rng_u64(r) >> 40) * 0x1.0p-24f; }

double rng_normal(rng_t *r) {
  double u, v, s;
  do {
    u = 2.0 * rng_uniform(r) - 1.0;
    v = 2.0 * rng_uniform(r) - 1.0;
    s = u * u + v * v;
  } while (s >= 1.0 || s == 0.0);
  return u * sqrt(-2.0 * log(s) / s);
}

void rng_normal_fill(rng_t *r, float *out, int n) {
  for (int i = 0; i < n; i++) out[i] = (float)rng_normal(r);
}

void rng_shuffle_int(rng_t *r, int *a, int n) {
  for (int i = n - 1; i > 0; i--) {
    int j = (int)rng_below(r, (uint64_t)i + 1);
    int t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
}
