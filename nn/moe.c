/* nn/moe.c: see moe.h. */
#include "nn/moe.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int moe_rows(int K, int A) { return K <= 1 ? A : K * (A + 1); }

void moe_forward(const float *y, int B, int A, int K, float *gate, float *mu) {
  size_t R = (size_t)K * (A + 1);
  for (int b = 0; b < B; b++) {
    const float *yb = y + b * R, *g = yb + (size_t)K * A;
    float *w = gate + (size_t)b * K, *m = mu + (size_t)b * A;
    float gmax = g[0];
    for (int k = 1; k < K; k++) gmax = g[k] > gmax ? g[k] : gmax; /* shifted: no overflow */
    float s = 0;
    for (int k = 0; k < K; k++) s += w[k] = expf(g[k] - gmax);
    for (int k = 0; k < K; k++) w[k] /= s;
    for (int i = 0; i < A; i++) m[i] = 0;
    for (int k = 0; k < K; k++) {
      const float *mk = yb + (size_t)k * A;
      for (int i = 0; i < A; i++) m[i] += w[k] * mk[i];
    }
  }
}

void moe_backward(const float *y, const float *gate, const float *mu, const float *dmu, int B, int A, int K,
                  float *dy) {
  size_t R = (size_t)K * (A + 1);
  for (int b = 0; b < B; b++) {
    const float *yb = y + b * R, *w = gate + (size_t)b * K, *m = mu + (size_t)b * A, *d = dmu + (size_t)b * A;
    float *dyb = dy + b * R;
    for (int k = 0; k < K; k++) {
      const float *mk = yb + (size_t)k * A;
      float *dk = dyb + (size_t)k * A;
      double dot = 0;
      for (int i = 0; i < A; i++) {
        dk[i] = w[k] * d[i];
        dot += (double)d[i] * (mk[i] - m[i]);
      }
      dyb[(size_t)K * A + k] = (float)(w[k] * dot);
    }
  }
}

/* The expert whose copies the new experts become: the largest gate bias (expert 0 for one expert). */
static int grow_source(const float *bias, int K, int A) {
  if (K <= 1) return 0;
  int s = 0;
  for (int k = 1; k < K; k++)
    if (bias[(size_t)K * A + k] > bias[(size_t)K * A + s]) s = k;
  return s;
}

/* The last policy layer: rows of experts and gate, as moe_grow describes. cols = 1 for the bias. */
static void grow_head(const float *src, float *dst, int K, int K2, int A, int cols, int s, const float *bias_src,
                      int moments, int is_bias) {
  size_t rowA = (size_t)A * cols;
  memset(dst, 0, (size_t)moe_rows(K2, A) * cols * sizeof(float));
  memcpy(dst, src, (size_t)K * rowA * sizeof(float)); /* experts 0..K-1 */
  float *gate = dst + (size_t)K2 * rowA;
  if (K > 1) memcpy(gate, src + (size_t)K * rowA, (size_t)K * cols * sizeof(float));
  if (moments) return; /* new experts and new gate rows: fresh (zero) Adam moments */
  for (int k = K; k < K2; k++) {
    memcpy(dst + (size_t)k * rowA, src + (size_t)s * rowA, rowA * sizeof(float));
    if (K > 1) memcpy(gate + (size_t)k * cols, gate + (size_t)s * cols, (size_t)cols * sizeof(float));
  }
  if (is_bias && K > 1) { /* s and its K2 - K copies share s's weight: exp(b - log n) n = exp(b) */
    float b = bias_src[(size_t)K * A + s] - logf((float)(K2 - K + 1));
    gate[s] = b;
    for (int k = K; k < K2; k++) gate[k] = b;
  }
}

int moe_grow(const ac_net *from, const float *src, const ac_net *to, float *dst, int moments, d2m_err *err) {
  int K = from->cfg.experts, K2 = to->cfg.experts, A = to->cfg.act_dim;
  if (K2 <= K) return err_set(err, "nn.experts: %d experts cannot grow to %d (experts are added, never removed)", K, K2);
  if (from->layout.nviews != to->layout.nviews || from->cfg.act_dim != A || from->cfg.obs_dim != to->cfg.obs_dim ||
      from->cfg.head != to->cfg.head)
    return err_set(err, "nn.experts: the networks differ in more than their experts");
  int L = to->pi.nlayers;
  size_t wl = to->pi.w_off[L - 1], bl = to->pi.b_off[L - 1];
  const float *bias_src = src + from->pi.b_off[L - 1];
  int s = grow_source(bias_src, K, A);
  memset(dst, 0, to->nparams * sizeof(float)); /* padding included: arenas compare bytewise */
  for (int v = 0; v < to->layout.nviews; v++) {
    const nn_view *t = &to->layout.view[v], *f = nn_layout_find(&from->layout, t->name);
    if (!f) return err_set(err, "nn.experts: view %s missing from the smaller network", t->name);
    if (t->off == wl || t->off == bl) { /* W [outputs][H]; b is one row of outputs */
      int is_b = t->off == bl, per = is_b ? 1 : t->cols;
      if (f->n != (size_t)moe_rows(K, A) * per || t->n != (size_t)moe_rows(K2, A) * per || (!is_b && f->cols != per))
        return err_set(err, "nn.experts: view %s of %dx%d cannot hold %d experts", f->name, f->rows, f->cols, K);
      grow_head(src + f->off, dst + t->off, K, K2, A, per, s, bias_src, moments, is_b);
    } else {
      if (f->n != t->n) return err_set(err, "nn.experts: view %s has %zu values, not %zu", t->name, f->n, t->n);
      memcpy(dst + t->off, src + f->off, t->n * sizeof(float));
    }
  }
  return 0;
}
