/* nn/gauss.h: diagonal Gaussian policy head with a state-independent log-std.
 *   pi(a|s) = prod_j N(a_j; mu_j(s), exp(log_std_j)^2)
 *   log pi  = sum_j -0.5 ((a_j - mu_j) / sigma_j)^2 - log_std_j - 0.5 log(2 pi)
 *   entropy = sum_j log_std_j + 0.5 (1 + log(2 pi))
 * Sums are accumulated in double: with 80 actions the float sum loses digits the PPO ratio needs. */
#ifndef D2M_GAUSS_H
#define D2M_GAUSS_H

#include "common/rng.h"

#define GAUSS_LOG_2PI 1.8378770664093453

/* a[j] = mu[j] + exp(log_std[j]) * N(0,1) */
void gauss_sample(const float *mu, const float *log_std, int n, rng_t *r, float *a);
double gauss_logp(const float *mu, const float *log_std, const float *a, int n);
double gauss_entropy(const float *log_std, int n);
/* dmu[j] += scale * dlogp/dmu_j; dlog_std[j] += scale * dlogp/dlog_std_j (either may be NULL). */
void gauss_logp_grad(const float *mu, const float *log_std, const float *a, int n, float scale, float *dmu,
                     float *dlog_std);

/* The logit whose sigmoid is E[sigmoid(mu + sd z)], z ~ N(0,1): the deterministic action that
 * gives the mean excitation the stochastic policy trains with (for mu < 0 the mean excitation is
 * above sigmoid(mu)). Trapezoidal rule over z in [-8, 8] (spectrally accurate for a Gaussian
 * weight); sd <= 0 returns mu. */
float gauss_sigmoid_mean_logit(float mu, float sd);

#endif
