/* nn/lattice.c: see lattice.h. */
#include "nn/lattice.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/gauss.h"

void lattice_cov_init(lattice_cov *c, int A, int H, float alpha) {
  memset(c, 0, sizeof *c);
  D2M_CHECK(A > 0 && H > 0, "lattice head needs act_dim > 0 and a hidden layer");
  c->A = A;
  c->H = H;
  c->alpha = alpha;
  size_t AA = (size_t)A * A;
  c->sigma = xcalloc(AA, sizeof(double));
  c->chol = xcalloc(AA, sizeof(double));
  c->inv = xcalloc(AA, sizeof(double));
  c->linv = xcalloc(AA, sizeof(double));
  c->tmp = xcalloc((size_t)A * H, sizeof(double));
  c->key = xcalloc((size_t)A * H + H + A, sizeof(float));
}

void lattice_cov_free(lattice_cov *c) {
  free(c->sigma);
  free(c->chol);
  free(c->inv);
  free(c->linv);
  free(c->tmp);
  free(c->key);
  memset(c, 0, sizeof *c);
}

/* L L^T = S (lower L, row-major), Cholesky-Banachiewicz. Returns -1 at a non-positive pivot. */
static int cholesky(const double *S, double *L, int n) {
  for (int i = 0; i < n; i++) {
    for (int j = 0; j <= i; j++) {
      double s = S[(size_t)i * n + j];
      for (int k = 0; k < j; k++) s -= L[(size_t)i * n + k] * L[(size_t)j * n + k];
      if (i == j) {
        if (!(s > 0)) return -1;
        L[(size_t)i * n + i] = sqrt(s);
      } else {
        L[(size_t)i * n + j] = s / L[(size_t)j * n + j];
      }
    }
    for (int j = i + 1; j < n; j++) L[(size_t)i * n + j] = 0;
  }
  return 0;
}

/* Sigma^-1 = L^-T L^-1: invert L column by column (forward substitution), then multiply. */
static void chol_inverse(const double *L, double *inv, double *Li, int n) {
  memset(Li, 0, (size_t)n * n * sizeof(double));
  for (int j = 0; j < n; j++) { /* column j of L^-1: solve L y = e_j, y_i = 0 for i < j */
    for (int i = j; i < n; i++) {
      double s = (i == j) ? 1.0 : 0.0;
      for (int k = j; k < i; k++) s -= L[(size_t)i * n + k] * Li[(size_t)k * n + j];
      Li[(size_t)i * n + j] = s / L[(size_t)i * n + i];
    }
  }
  for (int i = 0; i < n; i++) /* inv_ij = sum_k Li_ki Li_kj, k >= max(i, j) */
    for (int j = 0; j <= i; j++) {
      double s = 0;
      for (int k = i; k < n; k++) s += Li[(size_t)k * n + i] * Li[(size_t)k * n + j];
      inv[(size_t)i * n + j] = inv[(size_t)j * n + i] = s;
    }
}

int lattice_cov_update(lattice_cov *c, const float *W, const float *log_s_lat, const float *log_s_act) {
  int A = c->A, H = c->H;
  size_t AH = (size_t)A * H;
  if (c->valid && !memcmp(c->key, W, AH * sizeof(float)) && !memcmp(c->key + AH, log_s_lat, H * sizeof(float)) &&
      !memcmp(c->key + AH + H, log_s_act, A * sizeof(float)))
    return 0;
  memcpy(c->key, W, AH * sizeof(float));
  memcpy(c->key + AH, log_s_lat, H * sizeof(float));
  memcpy(c->key + AH + H, log_s_act, A * sizeof(float));
  double a2 = c->alpha * c->alpha;
  for (int h = 0; h < H; h++) { /* tmp = alpha^2 W S, column-scaled */
    double s2 = a2 * exp(2.0 * log_s_lat[h]);
    for (int a = 0; a < A; a++) c->tmp[(size_t)a * H + h] = s2 * W[(size_t)a * H + h];
  }
  for (int i = 0; i < A; i++)
    for (int j = 0; j <= i; j++) {
      const double *t = c->tmp + (size_t)i * H;
      const float *w = W + (size_t)j * H;
      double s = 0;
      for (int h = 0; h < H; h++) s += t[h] * w[h];
      if (i == j) s += exp(2.0 * log_s_act[i]);
      c->sigma[(size_t)i * A + j] = c->sigma[(size_t)j * A + i] = s;
    }
  if (cholesky(c->sigma, c->chol, A))
    D2M_FATAL("lattice covariance is not positive definite: log std of the actions collapsed (min over "
              "log_std); lower the learning rate or raise nn.init_log_std");
  double ld = 0;
  for (int i = 0; i < A; i++) ld += log(c->chol[(size_t)i * A + i]);
  c->logdet = 2.0 * ld;
  chol_inverse(c->chol, c->inv, c->linv, A);
  c->valid = 1;
  return 1;
}

double lattice_entropy(const lattice_cov *c) { return 0.5 * c->logdet + 0.5 * c->A * (1.0 + GAUSS_LOG_2PI); }

double lattice_logp(const lattice_cov *c, const float *mu, const float *a) {
  int A = c->A;
  double y[1024], q = 0; /* forward substitution L y = r; |y|^2 = r^T Sigma^-1 r */
  D2M_CHECK(A <= 1024, "lattice head supports at most 1024 actions");
  for (int i = 0; i < A; i++) {
    const double *Lr = c->chol + (size_t)i * A;
    double s = (double)a[i] - mu[i];
    for (int k = 0; k < i; k++) s -= Lr[k] * y[k];
    y[i] = s / Lr[i];
    q += y[i] * y[i];
  }
  return -0.5 * q - 0.5 * c->logdet - 0.5 * A * GAUSS_LOG_2PI;
}

double lattice_logp_u(const lattice_cov *c, const float *mu, const float *a, double *u) {
  int A = c->A;
  double r[1024], q = 0;
  D2M_CHECK(A <= 1024, "lattice head supports at most 1024 actions");
  for (int i = 0; i < A; i++) r[i] = (double)a[i] - mu[i];
  for (int i = 0; i < A; i++) {
    const double *row = c->inv + (size_t)i * A;
    double s = 0;
    for (int k = 0; k < A; k++) s += row[k] * r[k];
    u[i] = s;
    q += r[i] * s;
  }
  return -0.5 * q - 0.5 * c->logdet - 0.5 * A * GAUSS_LOG_2PI;
}

void lattice_cov_backward(lattice_cov *c, const float *W, const float *log_s_lat, const float *log_s_act,
                          const double *G, float *dW, double *dlog_s_lat, double *dlog_s_act) {
  int A = c->A, H = c->H;
  double a2 = c->alpha * c->alpha;
  double *M = c->tmp; /* M = G W [A][H] */
  for (int i = 0; i < A; i++) {
    double *m = M + (size_t)i * H;
    for (int h = 0; h < H; h++) m[h] = 0;
    for (int j = 0; j < A; j++) {
      double g = G[(size_t)i * A + j];
      const float *w = W + (size_t)j * H;
      for (int h = 0; h < H; h++) m[h] += g * w[h];
    }
  }
  for (int h = 0; h < H; h++) {
    double s2 = exp(2.0 * log_s_lat[h]), f = 2.0 * a2 * s2, diag = 0;
    for (int i = 0; i < A; i++) {
      double m = M[(size_t)i * H + h];
      if (dW) dW[(size_t)i * H + h] += (float)(f * m);
      diag += W[(size_t)i * H + h] * m; /* (W^T G W)_hh */
    }
    if (dlog_s_lat) dlog_s_lat[h] += f * diag;
  }
  if (dlog_s_act)
    for (int i = 0; i < A; i++) dlog_s_act[i] += 2.0 * exp(2.0 * log_s_act[i]) * G[(size_t)i * A + i];
}

void lattice_perturb(const float *W, const float *log_s_lat, const float *log_s_act, float alpha, int A, int H,
                     const float *z_lat, const float *z_act, const float *mu, float *a, float *scratch) {
  for (int h = 0; h < H; h++) scratch[h] = alpha * expf(log_s_lat[h]) * z_lat[h];
  for (int i = 0; i < A; i++) {
    const float *w = W + (size_t)i * H;
    float s = 0;
    for (int h = 0; h < H; h++) s += w[h] * scratch[h];
    a[i] = mu[i] + s + expf(log_s_act[i]) * z_act[i];
  }
}

/* ---- noise state ---- */

void lattice_noise_init(lattice_noise *z, int n, int A, int H, int k) {
  memset(z, 0, sizeof *z);
  D2M_CHECK(n > 0 && A > 0 && H > 0 && k >= 1, "lattice noise needs rows, sizes and a period >= 1");
  z->n = n, z->A = A, z->H = H, z->k = k;
  z->age = xcalloc((size_t)n, sizeof(uint32_t)); /* age 0: every row draws at its first step */
  z->z_lat = xcalloc((size_t)n * H, sizeof(float));
  z->z_act = xcalloc((size_t)n * A, sizeof(float));
}

void lattice_noise_free(lattice_noise *z) {
  free(z->age);
  free(z->z_lat);
  free(z->z_act);
  memset(z, 0, sizeof *z);
}

int lattice_noise_next(lattice_noise *z, int e, rng_t *r) {
  D2M_CHECK(e >= 0 && e < z->n, "lattice noise row out of range");
  int drew = z->age[e] == 0;
  if (drew) {
    rng_normal_fill(r, z->z_lat + (size_t)e * z->H, z->H);
    rng_normal_fill(r, z->z_act + (size_t)e * z->A, z->A);
  }
  z->age[e] = (z->age[e] + 1) % (uint32_t)z->k;
  return drew;
}

void lattice_noise_reset(lattice_noise *z, int e) {
  D2M_CHECK(e >= 0 && e < z->n, "lattice noise row out of range");
  z->age[e] = 0;
}

size_t lattice_noise_state_size(const lattice_noise *z) {
  return (size_t)z->n * (sizeof(uint32_t) + ((size_t)z->H + z->A) * sizeof(float));
}

void lattice_noise_save(const lattice_noise *z, unsigned char *out) {
  size_t na = (size_t)z->n * sizeof(uint32_t), nl = (size_t)z->n * z->H * sizeof(float);
  memcpy(out, z->age, na);
  memcpy(out + na, z->z_lat, nl);
  memcpy(out + na + nl, z->z_act, (size_t)z->n * z->A * sizeof(float));
}

int lattice_noise_check(const lattice_noise *z, const unsigned char *in, size_t n, d2m_err *err) {
  if (n != lattice_noise_state_size(z))
    return err_set(err, "lattice noise state of %zu bytes, expected %zu", n, lattice_noise_state_size(z));
  for (int e = 0; e < z->n; e++) {
    uint32_t age;
    memcpy(&age, in + (size_t)e * sizeof age, sizeof age);
    if (age >= (uint32_t)z->k)
      return err_set(err, "lattice noise state: row %d has age %u, resample period is %d", e, age, z->k);
  }
  size_t nf = (size_t)z->n * ((size_t)z->H + z->A);
  const unsigned char *f = in + (size_t)z->n * sizeof(uint32_t);
  for (size_t i = 0; i < nf; i++) {
    float v;
    memcpy(&v, f + i * sizeof v, sizeof v);
    if (!isfinite(v)) return err_set(err, "lattice noise state: value %zu is not finite", i);
  }
  return 0;
}

int lattice_noise_load(lattice_noise *z, const unsigned char *in, size_t n, d2m_err *err) {
  if (lattice_noise_check(z, in, n, err)) return -1;
  size_t na = (size_t)z->n * sizeof(uint32_t), nl = (size_t)z->n * z->H * sizeof(float);
  memcpy(z->age, in, na);
  memcpy(z->z_lat, in + na, nl);
  memcpy(z->z_act, in + na + nl, (size_t)z->n * z->A * sizeof(float));
  return 0;
}
