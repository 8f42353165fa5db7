/* nn/gauss.c: see gauss.h. */
#include "nn/gauss.h"

#include <math.h>

void gauss_sample(const float *mu, const float *log_std, int n, rng_t *r, float *a) {
  for (int j = 0; j < n; j++) a[j] = mu[j] + expf(log_std[j]) * (float)rng_normal(r);
}

double gauss_logp(const float *mu, const float *log_std, const float *a, int n) {
  double s = 0;
  for (int j = 0; j < n; j++) {
    double z = ((double)a[j] - mu[j]) * exp(-(double)log_std[j]);
    s += -0.5 * z * z - log_std[j] - 0.5 * GAUSS_LOG_2PI;
  }
  return s;
}

double gauss_entropy(const float *log_std, int n) {
  double s = 0;
  for (int j = 0; j < n; j++) s += log_std[j] + 0.5 * (1.0 + GAUSS_LOG_2PI);
  return s;
}

void gauss_logp_grad(const float *mu, const float *log_std, const float *a, int n, float scale, float *dmu,
                     float *dlog_std) {
  for (int j = 0; j < n; j++) {
    float inv = expf(-log_std[j]);
    float z = (a[j] - mu[j]) * inv; /* dlogp/dmu = z / sigma, dlogp/dlog_std = z^2 - 1 */
    if (dmu) dmu[j] += scale * z * inv;
    if (dlog_std) dlog_std[j] += scale * (z * z - 1.f);
  }
}

float gauss_sigmoid_mean_logit(float mu, float sd) {
  if (!(sd > 0)) return mu;
  enum { N = 64 };
  const double zmax = 8, h = 2 * zmax / N;
  double num = 0, den = 0;
  for (int k = 0; k <= N; k++) {
    double z = -zmax + h * k, w = exp(-0.5 * z * z) * (k == 0 || k == N ? 0.5 : 1);
    num += w / (1 + exp(-(mu + sd * z)));
    den += w;
  }
  double p = num / den;
  const double eps = 1e-12;
  p = p < eps ? eps : p > 1 - eps ? 1 - eps : p;
  return (float)log(p / (1 - p));
}
