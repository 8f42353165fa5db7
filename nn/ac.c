/* nn/ac.c: see ac.h. */
#include "nn/ac.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/gauss.h"
#include "nn/moe.h"
#include "common/log.h"

void ac_init(ac_net *n, const ac_config *c) {
  memset(n, 0, sizeof *n);
  D2M_CHECK(c->obs_dim > 0 && c->act_dim > 0 && c->nhidden >= 0 && c->nhidden < NN_MAX_LAYERS,
            "actor-critic needs obs_dim, act_dim > 0 and 0..NN_MAX_LAYERS-1 hidden layers");
  n->cfg = *c;
  if (n->cfg.experts < 1) n->cfg.experts = 1;
  D2M_CHECK(n->cfg.experts == 1 || c->head == AC_HEAD_GAUSSIAN, "experts > 1 need the Gaussian head");
  nn_layout_init(&n->layout);
  int dim[NN_MAX_LAYERS + 1];
  dim[0] = c->obs_dim;
  for (int l = 0; l < c->nhidden; l++) dim[l + 1] = c->hidden[l];
  dim[c->nhidden + 1] = moe_rows(n->cfg.experts, c->act_dim); /* act_dim for the plain head */
  nn_mlp_init(&n->pi, &n->layout, "pi", c->nhidden + 1, dim, c->act);
  n->log_std_off = nn_layout_add(&n->layout, "log_std", 1, c->act_dim);
  if (c->head == AC_HEAD_LATTICE) {
    D2M_CHECK(c->nhidden >= 1 && c->lat_resample >= 1, "lattice head needs a hidden layer and resample period >= 1");
    n->log_std_lat_off = nn_layout_add(&n->layout, "log_std_lat", 1, c->hidden[c->nhidden - 1]);
  }
  dim[c->nhidden + 1] = 1;
  nn_mlp_init(&n->v, &n->layout, "v", c->nhidden + 1, dim, c->act);
  n->nparams = n->layout.total;
}

void ac_init_params(const ac_net *n, float *params, rng_t *r) {
  memset(params, 0, n->nparams * sizeof(float)); /* padding included: arenas compare bytewise */
  nn_mlp_init_params(&n->pi, params, 0.01f, r);
  nn_mlp_init_params(&n->v, params, 1.0f, r);
  float *b = params + n->pi.b_off[n->pi.nlayers - 1]; /* every expert's means; the gate's biases stay 0 */
  for (int j = 0; j < n->cfg.experts * n->cfg.act_dim; j++) b[j] = n->cfg.head_bias;
  for (int j = 0; j < n->cfg.act_dim; j++) params[n->log_std_off + j] = n->cfg.init_log_std;
  if (n->cfg.head == AC_HEAD_LATTICE)
    for (int h = 0; h < ac_head_hidden(n); h++) params[n->log_std_lat_off + h] = n->cfg.init_log_std_lat;
}

int ac_head_hidden(const ac_net *n) { return n->cfg.nhidden ? n->cfg.hidden[n->cfg.nhidden - 1] : n->cfg.obs_dim; }

const float *ac_head_w(const ac_net *n, const float *params) { return params + n->pi.w_off[n->pi.nlayers - 1]; }

void ac_ws_init(ac_ws *ws, const ac_net *n, int max_batch, int with_grad) {
  nn_mlp_ws_init(&ws->pi, &n->pi, max_batch, with_grad);
  nn_mlp_ws_init(&ws->v, &n->v, max_batch, with_grad);
  ws->lattice = n->cfg.head == AC_HEAD_LATTICE;
  int K = n->cfg.experts;
  ws->moe_gate = ws->moe_mu = ws->moe_dy = NULL;
  if (K > 1) {
    ws->moe_gate = xaligned((size_t)max_batch * K * sizeof(float));
    ws->moe_mu = xaligned((size_t)max_batch * n->cfg.act_dim * sizeof(float));
    if (with_grad) ws->moe_dy = xaligned((size_t)max_batch * moe_rows(K, n->cfg.act_dim) * sizeof(float));
  }
  if (ws->lattice) {
    int H = ac_head_hidden(n);
    lattice_cov_init(&ws->cov, n->cfg.act_dim, H, n->cfg.lat_alpha);
    lattice_noise_init(&ws->noise, max_batch, n->cfg.act_dim, H, n->cfg.lat_resample);
    ws->lat_x = xaligned((size_t)max_batch * H * sizeof(float));
    ws->lat_y = xaligned((size_t)max_batch * n->cfg.act_dim * sizeof(float));
    ws->lat_s = xcalloc((size_t)H + n->cfg.act_dim, sizeof(float));
    ws->lat_zero = xcalloc((size_t)n->cfg.act_dim, sizeof(float));
  }
}

void ac_ws_free(ac_ws *ws) {
  nn_mlp_ws_free(&ws->pi);
  nn_mlp_ws_free(&ws->v);
  free(ws->moe_gate);
  free(ws->moe_mu);
  free(ws->moe_dy);
  ws->moe_gate = ws->moe_mu = ws->moe_dy = NULL;
  if (ws->lattice) {
    lattice_cov_free(&ws->cov);
    lattice_noise_free(&ws->noise);
    free(ws->lat_x);
    free(ws->lat_y);
    free(ws->lat_s);
    free(ws->lat_zero);
    ws->lattice = 0;
  }
}

const float *ac_policy_forward(const ac_net *n, const float *params, ac_ws *ws, const float *obs, int B) {
  const float *y = nn_mlp_forward(&n->pi, params, &ws->pi, obs, B);
  if (n->cfg.experts == 1) return y;
  moe_forward(y, B, n->cfg.act_dim, n->cfg.experts, ws->moe_gate, ws->moe_mu);
  return ws->moe_mu;
}

void ac_policy_backward_set(const ac_net *n, const float *params, float *grads, ac_ws *ws, const float *dmu, int B,
                            double *sumsq) {
  const float *dout = dmu;
  if (n->cfg.experts > 1) {
    D2M_CHECK(ws->moe_dy != NULL, "workspace created without gradient buffers");
    moe_backward(ws->pi.act[n->pi.nlayers], ws->moe_gate, ws->moe_mu, dmu, B, n->cfg.act_dim, n->cfg.experts,
                 ws->moe_dy);
    dout = ws->moe_dy;
  }
  nn_mlp_backward_set(&n->pi, params, grads, &ws->pi, dout, B, NULL, sumsq);
}

size_t ac_noise_state_size(const ac_ws *ws) { return ws->lattice ? lattice_noise_state_size(&ws->noise) : 0; }

void ac_noise_save(const ac_ws *ws, unsigned char *out) {
  if (ws->lattice) lattice_noise_save(&ws->noise, out);
}

int ac_noise_check(const ac_ws *ws, const unsigned char *in, size_t n, d2m_err *err) {
  if (!ws->lattice) return n ? err_set(err, "noise state of %zu bytes for a Gaussian head", n) : 0;
  return lattice_noise_check(&ws->noise, in, n, err);
}

void ac_noise_load(ac_ws *ws, const unsigned char *in, size_t n) {
  d2m_err err;
  if (ws->lattice && lattice_noise_load(&ws->noise, in, n, &err)) D2M_FATAL("%s (check it first)", err.msg);
}

/* Lattice sampling: Sigma's factors (cached across steps with the same weights) give logp. */
static void act_lattice(const ac_net *n, const float *params, ac_ws *ws, const float *mu, int E, rng_t *r,
                        int deterministic, float *act, float *logp) {
  int A = n->cfg.act_dim, H = ac_head_hidden(n);
  const float *W = ac_head_w(n, params), *ls_act = params + n->log_std_off, *ls_lat = params + n->log_std_lat_off;
  if (logp) lattice_cov_update(&ws->cov, W, ls_lat, ls_act);
  if (deterministic) {
    memcpy(act, mu, (size_t)E * A * sizeof(float));
  } else { /* lattice_perturb for all rows at once: the latent term is one GEMM [E][H] x W^T */
    float *s_lat = ws->lat_s, *s_act = ws->lat_s + H;
    for (int h = 0; h < H; h++) s_lat[h] = n->cfg.lat_alpha * expf(ls_lat[h]);
    for (int i = 0; i < A; i++) s_act[i] = expf(ls_act[i]);
    for (int e = 0; e < E; e++) {
      lattice_noise_next(&ws->noise, e, r);
      const float *z = ws->noise.z_lat + (size_t)e * H;
      float *x = ws->lat_x + (size_t)e * H;
      for (int h = 0; h < H; h++) x[h] = s_lat[h] * z[h];
    }
    nn_linear_forward(ws->lat_y, NULL, ws->lat_x, W, ws->lat_zero, E, H, A, -1, 0);
    for (int e = 0; e < E; e++) {
      const float *m = mu + (size_t)e * A, *y = ws->lat_y + (size_t)e * A, *z = ws->noise.z_act + (size_t)e * A;
      float *a = act + (size_t)e * A;
      for (int i = 0; i < A; i++) a[i] = m[i] + y[i] + s_act[i] * z[i];
    }
  }
  for (int e = 0; logp && e < E; e++) logp[e] = (float)lattice_logp(&ws->cov, mu + (size_t)e * A, act + (size_t)e * A);
}

/* Deterministic actions whose sigmoid is the stochastic policy's mean sigmoid. The marginal std of
 * action i: Gaussian exp(log_std_i); Lattice sqrt(alpha^2 sum_h W_ih^2 s_lat_h^2 + s_act_i^2). */
static void det_sigmoid_mean(const ac_net *n, const float *params, int E, float *act) {
  int A = n->cfg.act_dim, H = ac_head_hidden(n);
  const float *ls = params + n->log_std_off;
  for (int i = 0; i < A; i++) {
    double var = exp(2.0 * ls[i]);
    if (n->cfg.head == AC_HEAD_LATTICE) {
      const float *W = ac_head_w(n, params) + (size_t)i * H, *ll = params + n->log_std_lat_off;
      for (int h = 0; h < H; h++) {
        double s = n->cfg.lat_alpha * exp(ll[h]) * W[h];
        var += s * s;
      }
    }
    float sd = (float)sqrt(var);
    for (int e = 0; e < E; e++) act[(size_t)e * A + i] = gauss_sigmoid_mean_logit(act[(size_t)e * A + i], sd);
  }
}

void ac_act(const ac_net *n, const float *params, ac_ws *ws, const float *obs, int E, rng_t *r, int deterministic,
            float *act, float *logp, float *value) {
  int A = n->cfg.act_dim;
  const float *mu = ac_policy_forward(n, params, ws, obs, E);
  const float *log_std = params + n->log_std_off;
  if (n->cfg.head == AC_HEAD_LATTICE) act_lattice(n, params, ws, mu, E, r, deterministic, act, logp);
  for (int e = 0; e < E && n->cfg.head == AC_HEAD_GAUSSIAN; e++) {
    const float *m = mu + (size_t)e * A;
    float *a = act + (size_t)e * A;
    if (deterministic)
      memcpy(a, m, (size_t)A * sizeof(float));
    else
      gauss_sample(m, log_std, A, r, a);
    if (logp) logp[e] = (float)gauss_logp(m, log_std, a, A);
  }
  if (deterministic && n->cfg.det_sigmoid_mean) det_sigmoid_mean(n, params, E, act);
  if (value) {
    const float *v = nn_mlp_forward(&n->v, params, &ws->v, obs, E);
    memcpy(value, v, (size_t)E * sizeof(float));
  }
}

void ac_value(const ac_net *n, const float *params, ac_ws *ws, const float *obs, int E, float *value) {
  memcpy(value, nn_mlp_forward(&n->v, params, &ws->v, obs, E), (size_t)E * sizeof(float));
}
