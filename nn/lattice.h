/* nn/lattice.h: Lattice exploration head (Chiappa et al., "Latent exploration for reinforcement
 * learning", NeurIPS 2023), the state-independent variant KINESIS uses on this model.
 *
 * The policy's last hidden layer x[H] and its linear head mu = W x + b (W[A][H]) are perturbed
 * both in the latent space and in the action space:
 *     a = W (x + alpha * s_lat (.) z_lat) + b + s_act (.) z_act,   z_lat ~ N(0, I_H), z_act ~ N(0, I_A)
 * so that, marginally over the noise,
 *     a ~ N(mu, Sigma),   Sigma = alpha^2 W diag(s_lat^2) W^T + diag(s_act^2)          [A][A]
 * The covariance depends on the parameters only (not on the state): one Cholesky factor
 * Sigma = L L^T serves a whole batch. With s_lat -> 0 it is the diagonal Gaussian of gauss.h.
 *
 *   log pi(a) = -0.5 r^T Sigma^-1 r - 0.5 log det Sigma - A/2 log(2 pi),   r = a - mu
 *   entropy   =  0.5 log det Sigma + A/2 (1 + log(2 pi))
 *   d log pi / d mu    = u = Sigma^-1 r
 *   d log pi / d Sigma = 0.5 (u u^T - Sigma^-1),  d entropy / d Sigma = 0.5 Sigma^-1
 * For a symmetric G = dLoss/dSigma the chain rule through Sigma gives (S = diag(s_lat^2)):
 *   dLoss/dW           = 2 alpha^2 G W S
 *   dLoss/dlog s_lat_h = 2 alpha^2 s_lat_h^2 (W^T G W)_hh
 *   dLoss/dlog s_act_a = 2 s_act_a^2 G_aa
 *
 * Time correlation: the standard-normal draws z_lat, z_act of each row (environment) are held for
 * k control steps and then redrawn (lattice_noise). They are stored as standard normals, so new
 * weights (new stds) between resamples rescale the held noise rather than redraw it.
 * All sums run in double: logp enters the PPO ratio through exp. */
#ifndef D2M_LATTICE_H
#define D2M_LATTICE_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "common/rng.h"

/* ---- covariance and its factors (state-independent: once per parameter set) ---- */
typedef struct lattice_cov {
  int A, H;
  double alpha;
  double *sigma; /* [A][A] Sigma */
  double *chol;  /* [A][A] lower-triangular L, Sigma = L L^T (upper part zero) */
  double *inv;   /* [A][A] Sigma^-1 */
  double *linv;  /* [A][A] L^-1 (scratch of the inversion) */
  double logdet; /* log det Sigma */
  double *tmp;   /* [A][H] scratch */
  float *key;    /* [A*H + H + A] the parameters the factors belong to (cache key) */
  int valid;
} lattice_cov;

void lattice_cov_init(lattice_cov *c, int A, int H, float alpha);
void lattice_cov_free(lattice_cov *c);
/* Sigma, L, Sigma^-1 and log det from W[A][H], log_s_lat[H], log_s_act[A]. Returns 1 when it
 * recomputed, 0 when the parameters equal those of the last call (bitwise; the actor calls this
 * every step, its weights change once per update). Aborts when Sigma is not positive definite
 * (only possible when log s_act has collapsed to ~-300). */
int lattice_cov_update(lattice_cov *c, const float *W, const float *log_s_lat, const float *log_s_act);
/* log pi(a) for mean mu[A] (forward substitution with L: A^2/2 flops). */
double lattice_logp(const lattice_cov *c, const float *mu, const float *a);
/* The same, and u[A] = Sigma^-1 (a - mu) = d log pi / d mu (A^2 flops with Sigma^-1). */
double lattice_logp_u(const lattice_cov *c, const float *mu, const float *a, double *u);
double lattice_entropy(const lattice_cov *c);
/* Backward through Sigma: G[A][A] symmetric dLoss/dSigma. dW[A][H] (float, e.g. a gradient arena),
 * dlog_s_lat[H], dlog_s_act[A] are accumulated (+=); any may be NULL. Uses c->tmp. */
void lattice_cov_backward(lattice_cov *c, const float *W, const float *log_s_lat, const float *log_s_act,
                          const double *G, float *dW, double *dlog_s_lat, double *dlog_s_act);

/* a[A] = mu + alpha W (s_lat (.) z_lat) + s_act (.) z_act; scratch[H]. */
void lattice_perturb(const float *W, const float *log_s_lat, const float *log_s_act, float alpha, int A, int H,
                     const float *z_lat, const float *z_act, const float *mu, float *a, float *scratch);

/* ---- per-row (per-environment) time-correlated noise state ---- */
typedef struct lattice_noise {
  int n, A, H, k;  /* rows, action and latent sizes, resample period in steps */
  uint32_t *age;   /* [n] steps since row e's noise was drawn; 0 = draw before the next use */
  float *z_lat;    /* [n][H] standard normals */
  float *z_act;    /* [n][A] standard normals */
} lattice_noise;

void lattice_noise_init(lattice_noise *z, int n, int A, int H, int k);
void lattice_noise_free(lattice_noise *z);
/* The noise of row e for this step: drawn from r (z_lat, then z_act) when its age is 0, then the
 * age advances modulo k. Returns 1 when it drew. */
int lattice_noise_next(lattice_noise *z, int e, rng_t *r);
/* Force a fresh draw at row e's next step (e.g. at an episode start). */
void lattice_noise_reset(lattice_noise *z, int e);
/* Checkpoint blob: ages then z_lat then z_act, host byte order. */
size_t lattice_noise_state_size(const lattice_noise *z);
void lattice_noise_save(const lattice_noise *z, unsigned char *out);
/* Validates (size, ages < k, finite values) before changing anything. */
int lattice_noise_load(lattice_noise *z, const unsigned char *in, size_t n, d2m_err *err);
int lattice_noise_check(const lattice_noise *z, const unsigned char *in, size_t n, d2m_err *err);

#endif
