/* learner/ppo_mirror.c: the mirror-symmetry term of the PPO loss (see ppo.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/blis_util.h"
#include "learner/ppo.h"

typedef struct ppo_mirror {
  int O, A;
  int *osrc, *asrc;
  float *osign, *asign;
  float *mean, *istd, clip; /* the batch's normalisation (ppo_mirror_norm) */
  int have_norm;
  ac_ws ws;              /* the mirrored forward/backward pass */
  float *obs, *dmu;      /* [max_mb][O] mirrored observations, [max_mb][A] dL/dmu_m */
  float *grads;          /* [nparams] the mirrored pass's policy gradient (other views stay 0) */
} ppo_mirror;

void ppo_set_mirror(ppo_learner *p, const int *osrc, const float *osign, const int *asrc, const float *asign) {
  ppo_mirror_free(p);
  const ac_net *n = p->net;
  int O = n->cfg.obs_dim, A = n->cfg.act_dim, mb = p->max_mb;
  ppo_mirror *m = xcalloc(1, sizeof *m);
  m->O = O, m->A = A;
  m->osrc = xmalloc((size_t)O * sizeof(int)), m->asrc = xmalloc((size_t)A * sizeof(int));
  m->osign = xmalloc((size_t)O * sizeof(float)), m->asign = xmalloc((size_t)A * sizeof(float));
  memcpy(m->osrc, osrc, (size_t)O * sizeof(int)), memcpy(m->asrc, asrc, (size_t)A * sizeof(int));
  memcpy(m->osign, osign, (size_t)O * sizeof(float)), memcpy(m->asign, asign, (size_t)A * sizeof(float));
  m->mean = xcalloc((size_t)O, sizeof(float)), m->istd = xcalloc((size_t)O, sizeof(float));
  ac_ws_init(&m->ws, n, mb, 1);
  m->obs = xaligned((size_t)mb * O * sizeof(float));
  m->dmu = xaligned((size_t)mb * A * sizeof(float));
  m->grads = xaligned(n->nparams * sizeof(float));
  memset(m->grads, 0, n->nparams * sizeof(float));
  p->mir = m;
}

void ppo_mirror_norm(ppo_learner *p, const float *mean, const float *inv_std, float clip) {
  ppo_mirror *m = p->mir;
  if (!m) return;
  memcpy(m->mean, mean, (size_t)m->O * sizeof(float));
  memcpy(m->istd, inv_std, (size_t)m->O * sizeof(float));
  m->clip = clip;
  m->have_norm = 1;
}

void ppo_mirror_free(ppo_learner *p) {
  ppo_mirror *m = p->mir;
  if (!m) return;
  free(m->osrc), free(m->asrc), free(m->osign), free(m->asign), free(m->mean), free(m->istd);
  ac_ws_free(&m->ws);
  free(m->obs), free(m->dmu), free(m->grads);
  free(m);
  p->mir = NULL;
}

double ppo_mirror_loss(int B, int A, float w, const int *asrc, const float *asign, const float *mu,
                       const float *mu_m, float *dmu, float *dmu_m) {
  double loss = 0;
  float g = 2.f * w / (float)B;
  for (int i = 0; i < B; i++) {
    const float *u = mu + (size_t)i * A, *um = mu_m + (size_t)i * A;
    float *du = dmu + (size_t)i * A, *dum = dmu_m + (size_t)i * A;
    for (int j = 0; j < A; j++) {
      float r = u[j] - asign[j] * um[asrc[j]];
      loss += (double)r * r;
      du[j] += g * r;
      dum[asrc[j]] = -g * r * asign[j]; /* asrc is a permutation: each entry written once */
    }
  }
  return loss / B;
}

/* The mirror of normalised rows: back to raw values, permuted with signs, normalised and clipped. */
static void mirror_obs(const ppo_mirror *m, const float *z, float *out, int B) {
  int O = m->O;
  for (int b = 0; b < B; b++) {
    const float *zr = z + (size_t)b * O;
    float *o = out + (size_t)b * O;
    for (int i = 0; i < O; i++) {
      int s = m->osrc[i];
      float raw = m->istd[s] > 0 ? zr[s] / m->istd[s] + m->mean[s] : m->mean[s];
      float v = (m->osign[i] * raw - m->mean[i]) * m->istd[i];
      o[i] = m->clip > 0 ? fminf(fmaxf(v, -m->clip), m->clip) : v;
    }
  }
}

int ppo_mirror_on(const ppo_learner *p) { return p->mir && p->mir->have_norm && p->cfg.mirror > 0; }

double ppo_mirror_forward(ppo_learner *p, const float *obs, const float *mu, int B) {
  ppo_mirror *m = p->mir;
  mirror_obs(m, obs, m->obs, B);
  const float *mu_m = ac_policy_forward(p->net, p->params, &m->ws, m->obs, B);
  return ppo_mirror_loss(B, m->A, p->cfg.mirror, m->asrc, m->asign, mu, mu_m, p->dmu, m->dmu);
}

double ppo_mirror_backward(ppo_learner *p, int B) {
  ppo_mirror *m = p->mir;
  const ac_net *n = p->net;
  ac_policy_backward_set(n, p->params, m->grads, &m->ws, m->dmu, B, NULL);
  /* The policy MLP's views come first in the arena, log_std right after them (nn/ac.h). */
  double ss = 0;
  for (size_t k = 0; k < n->log_std_off; k++) {
    p->grads[k] += m->grads[k];
    ss += (double)p->grads[k] * p->grads[k];
  }
  return ss;
}
