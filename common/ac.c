/* common/ac.c: see ac.h. */
#include "common/ac.h"

#include <string.h>

#include "common/gauss.h"
#include "common/log.h"

void ac_init(ac_net *n, const ac_config *c) {
  memset(n, 0, sizeof *n);
  D2M_CHECK(c->obs_dim > 0 && c->act_dim > 0 && c->nhidden >= 0 && c->nhidden < NN_MAX_LAYERS,
            "actor-critic needs obs_dim, act_dim > 0 and 0..NN_MAX_LAYERS-1 hidden layers");
  n->cfg = *c;
  nn_layout_init(&n->layout);
  int dim[NN_MAX_LAYERS + 1];
  dim[0] = c->obs_dim;
  for (int l = 0; l < c->nhidden; l++) dim[l + 1] = c->hidden[l];
  dim[c->nhidden + 1] = c->act_dim;
  nn_mlp_init(&n->pi, &n->layout, "pi", c->nhidden + 1, dim, c->act);
  n->log_std_off = nn_layout_add(&n->layout, "log_std", 1, c->act_dim);
  dim[c->nhidden + 1] = 1;
  nn_mlp_init(&n->v, &n->layout, "v", c->nhidden + 1, dim, c->act);
  n->nparams = n->layout.total;
}

void ac_init_params(const ac_net *n, float *params, rng_t *r) {
  memset(params, 0, n->nparams * sizeof(float)); /* padding included: arenas compare bytewise */
  nn_mlp_init_params(&n->pi, params, 0.01f, r);
  nn_mlp_init_params(&n->v, params, 1.0f, r);
  for (int j = 0; j < n->cfg.act_dim; j++) params[n->log_std_off + j] = n->cfg.init_log_std;
}

void ac_ws_init(ac_ws *ws, const ac_net *n, int max_batch, int with_grad) {
  nn_mlp_ws_init(&ws->pi, &n->pi, max_batch, with_grad);
  nn_mlp_ws_init(&ws->v, &n->v, max_batch, with_grad);
}

void ac_ws_free(ac_ws *ws) {
  nn_mlp_ws_free(&ws->pi);
  nn_mlp_ws_free(&ws->v);
}

void ac_act(const ac_net *n, const float *params, ac_ws *ws, const float *obs, int E, rng_t *r, int deterministic,
            float *act, float *logp, float *value) {
  int A = n->cfg.act_dim;
  const float *mu = nn_mlp_forward(&n->pi, params, &ws->pi, obs, E);
  const float *log_std = params + n->log_std_off;
  for (int e = 0; e < E; e++) {
    const float *m = mu + (size_t)e * A;
    float *a = act + (size_t)e * A;
    if (deterministic)
      memcpy(a, m, (size_t)A * sizeof(float));
    else
      gauss_sample(m, log_std, A, r, a);
    if (logp) logp[e] = (float)gauss_logp(m, log_std, a, A);
  }
  if (value) {
    const float *v = nn_mlp_forward(&n->v, params, &ws->v, obs, E);
    memcpy(value, v, (size_t)E * sizeof(float));
  }
}

void ac_value(const ac_net *n, const float *params, ac_ws *ws, const float *obs, int E, float *value) {
  memcpy(value, nn_mlp_forward(&n->v, params, &ws->v, obs, E), (size_t)E * sizeof(float));
}
