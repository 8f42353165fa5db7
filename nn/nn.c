/* nn/nn.c: see nn.h. */
#include "nn/nn.h"

#include <blis.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/blis_util.h"
#include "common/log.h"

/* Element-wise kernels are a few % of an update; compile them for AVX-512 too and let the loader
 * pick (the project builds for baseline x86-64). */
#define NN_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))

const char *nn_act_name(nn_act a) {
  switch (a) {
    case NN_ACT_TANH: return "tanh";
    case NN_ACT_ELU: return "elu";
    case NN_ACT_SILU: return "silu";
  }
  return "?";
}

int nn_act_parse(const char *s, nn_act *out) {
  for (int a = 0; a <= NN_ACT_SILU; a++)
    if (!strcmp(s, nn_act_name((nn_act)a))) {
      *out = (nn_act)a;
      return 0;
    }
  return -1;
}

/* ---- layout ---- */

void nn_layout_init(nn_layout *L) { memset(L, 0, sizeof *L); }

size_t nn_layout_add(nn_layout *L, const char *name, int rows, int cols) {
  D2M_CHECK(L->nviews < NN_MAX_VIEWS, "raise NN_MAX_VIEWS");
  D2M_CHECK(strlen(name) < NN_NAME_LEN && rows > 0 && cols > 0, "view name too long or empty shape");
  D2M_CHECK(nn_layout_find(L, name) == NULL, "view names must be unique");
  nn_view *v = &L->view[L->nviews++];
  strcpy(v->name, name);
  v->off = L->total;
  v->rows = rows;
  v->cols = cols;
  v->n = (size_t)rows * (size_t)cols;
  L->total += (v->n + 15) & ~(size_t)15; /* keep every view 64-byte aligned */
  return v->off;
}

const nn_view *nn_layout_find(const nn_layout *L, const char *name) {
  for (int i = 0; i < L->nviews; i++)
    if (!strcmp(L->view[i].name, name)) return &L->view[i];
  return NULL;
}

/* ---- MLP description ---- */

void nn_mlp_init(nn_mlp *m, nn_layout *L, const char *prefix, int nlayers, const int *dim, nn_act act) {
  D2M_CHECK(nlayers >= 1 && nlayers <= NN_MAX_LAYERS, "MLP needs 1..NN_MAX_LAYERS linear layers");
  memset(m, 0, sizeof *m);
  m->nlayers = nlayers;
  m->act = act;
  for (int l = 0; l <= nlayers; l++) {
    D2M_CHECK(dim[l] > 0, "MLP widths must be positive");
    m->dim[l] = dim[l];
  }
  char name[NN_NAME_LEN];
  for (int l = 0; l < nlayers; l++) {
    snprintf(name, sizeof name, "%s.%d.w", prefix, l);
    m->w_off[l] = nn_layout_add(L, name, dim[l + 1], dim[l]);
    snprintf(name, sizeof name, "%s.%d.b", prefix, l);
    m->b_off[l] = nn_layout_add(L, name, 1, dim[l + 1]);
  }
}

int nn_mlp_max_dim(const nn_mlp *m) {
  int d = 0;
  for (int l = 0; l <= m->nlayers; l++) d = m->dim[l] > d ? m->dim[l] : d;
  return d;
}

void nn_mlp_ws_init(nn_mlp_ws *ws, const nn_mlp *m, int max_batch, int with_grad) {
  memset(ws, 0, sizeof *ws);
  D2M_CHECK(max_batch >= 1, "max batch must be >= 1");
  ws->max_batch = max_batch;
  ws->with_grad = with_grad;
  for (int l = 1; l <= m->nlayers; l++) {
    ws->act[l] = xaligned((size_t)max_batch * m->dim[l] * sizeof(float));
    if (m->act == NN_ACT_SILU && l < m->nlayers) ws->pre[l] = xaligned((size_t)max_batch * m->dim[l] * sizeof(float));
  }
  if (with_grad)
    for (int i = 0; i < 2; i++) ws->dbuf[i] = xaligned((size_t)max_batch * nn_mlp_max_dim(m) * sizeof(float));
}

void nn_mlp_ws_free(nn_mlp_ws *ws) {
  for (int l = 0; l <= NN_MAX_LAYERS; l++) {
    free(ws->act[l]);
    free(ws->pre[l]);
  }
  free(ws->dbuf[0]);
  free(ws->dbuf[1]);
  memset(ws, 0, sizeof *ws);
}

/* ---- element-wise kernels ---- */

/* Rational minimax approximation of tanh on [-7.9053, 7.9053] (odd degree-13 numerator, even
 * degree-6 denominator). Coefficients as published in Eigen's generic_fast_tanh_float
 * (MathFunctionsImpl.h, MPL-2.0); the code is ours. Beyond the clamp tanh is 1 to float precision. */
static inline float tanh_rat(float x) {
  const float c = 7.90531110763549805f;
  x = x > c ? c : x;
  x = x < -c ? -c : x;
  float x2 = x * x;
  float p = -2.76076847742355e-16f;
  p = p * x2 + 2.00018790482477e-13f;
  p = p * x2 + -8.60467152213735e-11f;
  p = p * x2 + 5.12229709037114e-08f;
  p = p * x2 + 1.48572235717979e-05f;
  p = p * x2 + 6.37261928875436e-04f;
  p = p * x2 + 4.89352455891786e-03f;
  p = p * x;
  float q = 1.19825839466702e-06f;
  q = q * x2 + 1.18534705686654e-04f;
  q = q * x2 + 2.26843463243900e-03f;
  q = q * x2 + 4.89352518554385e-03f;
  float y = p / q;
  y = y > 1.f ? 1.f : y;
  return y < -1.f ? -1.f : y;
}

float nn_tanhf(float x) { return tanh_rat(x); }

static inline float elu1(float z) { return z > 0.f ? z : expm1f(z); }
static inline float sigm(float z) { return 1.f / (1.f + expf(-z)); }

NN_CLONES static void bias_tanh(float *restrict Y, const float *restrict b, int B, int n) {
  for (int i = 0; i < B; i++) {
    float *restrict y = Y + (size_t)i * n;
    for (int j = 0; j < n; j++) y[j] = tanh_rat(y[j] + b[j]);
  }
}

NN_CLONES static void bias_only(float *restrict Y, const float *restrict b, int B, int n) {
  for (int i = 0; i < B; i++) {
    float *restrict y = Y + (size_t)i * n;
    for (int j = 0; j < n; j++) y[j] += b[j];
  }
}

void nn_act_apply(nn_act a, const float *x, float *y, size_t n) {
  for (size_t i = 0; i < n; i++) {
    float z = x[i];
    y[i] = a == NN_ACT_TANH ? tanh_rat(z) : a == NN_ACT_ELU ? elu1(z) : z * sigm(z);
  }
}

/* G[i] *= act'(z) given the output y (and z for SiLU). */
NN_CLONES static void dtanh(float *restrict G, const float *restrict Y, size_t n) {
  for (size_t i = 0; i < n; i++) G[i] *= 1.f - Y[i] * Y[i];
}

/* G[i][j] *= 1 - Y^2 and db[j] += G[i][j] in one pass: the gradient buffer is read once, not twice. */
NN_CLONES static void dtanh_colsum(float *restrict G, const float *restrict Y, float *restrict db, int B, int n,
                                   int ld) {
  for (int i = 0; i < B; i++) {
    float *restrict g = G + (size_t)i * ld;
    const float *restrict y = Y + (size_t)i * ld;
    for (int j = 0; j < n; j++) {
      g[j] *= 1.f - y[j] * y[j];
      db[j] += g[j];
    }
  }
}

static void act_backward(float *G, const float *Y, const float *pre, size_t n, nn_act act) {
  if (act == NN_ACT_TANH) {
    dtanh(G, Y, n);
  } else if (act == NN_ACT_ELU) { /* elu'(z) = 1 (z > 0), e^z = y + 1 otherwise */
    for (size_t i = 0; i < n; i++) G[i] *= Y[i] > 0.f ? 1.f : Y[i] + 1.f;
  } else { /* silu'(z) = s + y (1 - s) */
    for (size_t i = 0; i < n; i++) {
      float s = sigm(pre[i]);
      G[i] *= s + Y[i] * (1.f - s);
    }
  }
}

NN_CLONES static void colsum_acc(float *restrict db, const float *restrict G, int B, int n, int ld) {
  for (int i = 0; i < B; i++) {
    const float *restrict g = G + (size_t)i * ld;
    for (int j = 0; j < n; j++) db[j] += g[j];
  }
}

/* Element-wise passes over [B][n] run on BLIS's threads once they are big enough to pay for it. */
enum { NN_PAR_MIN = 32768 };

typedef struct ew_job {
  float *Y, *db;
  const float *b, *Yc;
  int B, n, kind;
} ew_job;

static void ew_thread(void *ctx, int tid, int nt) {
  ew_job *j = ctx;
  size_t lo, hi;
  if (j->kind <= 1) { /* row split */
    blis_split((size_t)j->B, 1, tid, nt, &lo, &hi);
    if (hi > lo) (j->kind == 0 ? bias_tanh : bias_only)(j->Y + lo * j->n, j->b, (int)(hi - lo), j->n);
  } else { /* column split: each thread owns db[lo..hi) */
    blis_split((size_t)j->n, 16, tid, nt, &lo, &hi);
    if (hi <= lo) return;
    if (j->kind == 2)
      dtanh_colsum(j->Y + lo, j->Yc + lo, j->db + lo, j->B, (int)(hi - lo), j->n);
    else
      colsum_acc(j->db + lo, j->Yc + lo, j->B, (int)(hi - lo), j->n);
  }
}

static void ew_run(int kind, float *Y, const float *Yc, const float *b, float *db, int B, int n) {
  ew_job j = {Y, db, b, Yc, B, n, kind};
  if ((size_t)B * n >= NN_PAR_MIN)
    blis_parallel(ew_thread, &j);
  else
    ew_thread(&j, 0, 1);
}

static void bias_act(float *Y, float *pre, const float *b, int B, int n, int act) {
  if (act == NN_ACT_TANH) {
    ew_run(0, Y, NULL, b, NULL, B, n);
    return;
  }
  ew_run(1, Y, NULL, b, NULL, B, n);
  if (act < 0) return;
  size_t N = (size_t)B * n;
  if (act == NN_ACT_ELU) {
    for (size_t i = 0; i < N; i++) Y[i] = elu1(Y[i]);
  } else { /* SiLU keeps z for the backward pass */
    for (size_t i = 0; i < N; i++) {
      pre[i] = Y[i];
      Y[i] = Y[i] * sigm(Y[i]);
    }
  }
}

/* ---- linear layers: BLIS and naive reference ---- */

void nn_linear_forward(float *Y, float *pre, const float *X, const float *W, const float *b, int B, int in, int out,
                       int act, int use_ref) {
  if (use_ref) {
    for (int i = 0; i < B; i++)
      for (int o = 0; o < out; o++) {
        double s = 0;
        for (int k = 0; k < in; k++) s += (double)X[(size_t)i * in + k] * W[(size_t)o * in + k];
        Y[(size_t)i * out + o] = (float)s;
      }
  } else {
    float one = 1.f, zero = 0.f;
    /* Y[B][out] = X[B][in] * (W[out][in])^T */
    bli_sgemm(BLIS_NO_TRANSPOSE, BLIS_TRANSPOSE, B, out, in, &one, (float *)X, in, 1, (float *)W, in, 1, &zero, Y,
              out, 1);
  }
  bias_act(Y, pre, b, B, out, act);
}

/* The two GEMMs of a linear layer's backward; the bias gradient is done by the caller. */
static void linear_backward_gemms(float *dX, float *dW, const float *G, const float *X, const float *W, int B, int in,
                                  int out, int use_ref, int set) {
  if (use_ref) {
    for (int o = 0; o < out; o++)
      for (int k = 0; k < in; k++) {
        double s = 0;
        for (int i = 0; i < B; i++) s += (double)G[(size_t)i * out + o] * X[(size_t)i * in + k];
        dW[(size_t)o * in + k] = (set ? 0.f : dW[(size_t)o * in + k]) + (float)s;
      }
    if (dX)
      for (int i = 0; i < B; i++)
        for (int k = 0; k < in; k++) {
          double s = 0;
          for (int o = 0; o < out; o++) s += (double)G[(size_t)i * out + o] * W[(size_t)o * in + k];
          dX[(size_t)i * in + k] = (float)s;
        }
    return;
  }
  float one = 1.f, zero = 0.f;
  /* dW[out][in] (+)= G^T[out][B] * X[B][in] */
  bli_sgemm(BLIS_TRANSPOSE, BLIS_NO_TRANSPOSE, out, in, B, &one, (float *)G, out, 1, (float *)X, in, 1,
            set ? &zero : &one, dW, in, 1);
  /* dX[B][in] = G[B][out] * W[out][in] */
  if (dX)
    bli_sgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, B, in, out, &one, (float *)G, out, 1, (float *)W, in, 1, &zero,
              dX, in, 1);
}

void nn_linear_backward(float *dX, float *dW, float *db, const float *G, const float *X, const float *W, int B, int in,
                        int out, int use_ref) {
  ew_run(3, NULL, G, NULL, db, B, out);
  linear_backward_gemms(dX, dW, G, X, W, B, in, out, use_ref, 0);
}

/* ---- MLP ---- */

const float *nn_mlp_forward(const nn_mlp *m, const float *params, nn_mlp_ws *ws, const float *x, int B) {
  D2M_CHECK(B >= 1 && B <= ws->max_batch, "batch larger than the workspace was sized for");
  ws->in = x;
  const float *X = x;
  for (int l = 0; l < m->nlayers; l++) {
    int act = l + 1 < m->nlayers ? (int)m->act : -1;
    nn_linear_forward(ws->act[l + 1], ws->pre[l + 1], X, params + m->w_off[l], params + m->b_off[l], B, m->dim[l],
                      m->dim[l + 1], act, ws->use_ref);
    X = ws->act[l + 1];
  }
  return ws->act[m->nlayers];
}

NN_CLONES static double sumsq_block(const float *restrict x, size_t n) {
  double tot = 0; /* float partial sums over 1024 values (vectorised), combined in double */
  for (size_t i0 = 0; i0 < n; i0 += 1024) {
    size_t i1 = i0 + 1024 < n ? i0 + 1024 : n;
    float s = 0;
    for (size_t i = i0; i < i1; i++) s += x[i] * x[i];
    tot += s;
  }
  return tot;
}

static void mlp_backward(const nn_mlp *m, const float *params, float *grads, nn_mlp_ws *ws, const float *dout, int B,
                         float *dx, int set, double *sumsq) {
  D2M_CHECK(ws->with_grad, "workspace created without gradient buffers");
  D2M_CHECK(B >= 1 && B <= ws->max_batch, "batch larger than the workspace was sized for");
  const float *G = dout; /* gradient w.r.t. the pre-activation of layer l */
  int cur = 0, L = m->nlayers;
  if (set)
    for (int l = 0; l < L; l++) memset(grads + m->b_off[l], 0, (size_t)m->dim[l + 1] * sizeof(float));
  ew_run(3, NULL, G, NULL, grads + m->b_off[L - 1], B, m->dim[L]);
  for (int l = L - 1; l >= 0; l--) {
    const float *X = l > 0 ? ws->act[l] : ws->in;
    float *dX = l > 0 ? ws->dbuf[cur] : dx;
    float *dW = grads + m->w_off[l];
    linear_backward_gemms(dX, dW, G, X, params + m->w_off[l], B, m->dim[l], m->dim[l + 1], ws->use_ref, set);
    if (sumsq) *sumsq += sumsq_block(dW, (size_t)m->dim[l] * m->dim[l + 1]); /* still in cache */
    if (l > 0) { /* through the activation of layer l-1's output, and that layer's bias gradient */
      float *db = grads + m->b_off[l - 1];
      if (m->act == NN_ACT_TANH) {
        ew_run(2, dX, ws->act[l], NULL, db, B, m->dim[l]);
      } else {
        act_backward(dX, ws->act[l], ws->pre[l], (size_t)B * m->dim[l], m->act);
        ew_run(3, NULL, dX, NULL, db, B, m->dim[l]);
      }
      G = dX;
      cur ^= 1;
    }
  }
  if (sumsq)
    for (int l = 0; l < L; l++) *sumsq += sumsq_block(grads + m->b_off[l], (size_t)m->dim[l + 1]);
}

void nn_mlp_backward(const nn_mlp *m, const float *params, float *grads, nn_mlp_ws *ws, const float *dout, int B,
                     float *dx) {
  mlp_backward(m, params, grads, ws, dout, B, dx, 0, NULL);
}

void nn_mlp_backward_set(const nn_mlp *m, const float *params, float *grads, nn_mlp_ws *ws, const float *dout, int B,
                         float *dx, double *sumsq) {
  mlp_backward(m, params, grads, ws, dout, B, dx, 1, sumsq);
}

/* ---- initialisation ---- */

void nn_orthogonal(float *W, int rows, int cols, float gain, rng_t *r) {
  /* Orthonormalise the k = min(rows, cols) vectors of length n = max(rows, cols). */
  int k = rows < cols ? rows : cols, n = rows < cols ? cols : rows;
  double *q = xmalloc((size_t)k * n * sizeof(double));
  for (size_t i = 0; i < (size_t)k * n; i++) q[i] = rng_normal(r);
  for (int a = 0; a < k; a++) {
    double *qa = q + (size_t)a * n;
    for (int pass = 0; pass < 2; pass++) /* twice is enough (Giraud et al. 2005) */
      for (int c = 0; c < a; c++) {
        const double *qc = q + (size_t)c * n;
        double d = 0;
        for (int i = 0; i < n; i++) d += qa[i] * qc[i];
        for (int i = 0; i < n; i++) qa[i] -= d * qc[i];
      }
    double nrm = 0;
    for (int i = 0; i < n; i++) nrm += qa[i] * qa[i];
    nrm = sqrt(nrm);
    D2M_CHECK(nrm > 1e-12, "degenerate random matrix in orthogonal init");
    for (int i = 0; i < n; i++) qa[i] /= nrm;
  }
  for (int i = 0; i < rows; i++)
    for (int j = 0; j < cols; j++)
      W[(size_t)i * cols + j] = (float)(gain * (rows <= cols ? q[(size_t)i * n + j] : q[(size_t)j * n + i]));
  free(q);
}

void nn_mlp_init_params(const nn_mlp *m, float *params, float out_gain, rng_t *r) {
  for (int l = 0; l < m->nlayers; l++) {
    float gain = l + 1 < m->nlayers ? (float)M_SQRT2 : out_gain;
    nn_orthogonal(params + m->w_off[l], m->dim[l + 1], m->dim[l], gain, r);
    memset(params + m->b_off[l], 0, (size_t)m->dim[l + 1] * sizeof(float));
  }
}
