/* tests/learner/fd_views.h: central finite differences of a PPO loss over every parameter view of the
 * actor-critic arena, against the gradients ppo_minibatch_step left in p->grads (shared by the
 * Gaussian and Lattice head tests). */
#ifndef D2M_TEST_FD_VIEWS_H
#define D2M_TEST_FD_VIEWS_H

#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "learner/ppo.h"

typedef double (*fd_loss_fn)(ppo_learner *p, const float *params, const float *obs, const float *act,
                             const float *lo, const float *vo, const float *adv, const float *ret, int B);

/* Loss of the whole Gaussian actor-critic at params (forward + ppo_loss), for finite differences. */
static inline double fd_ac_loss(ppo_learner *p, const float *params, const float *obs, const float *act,
                                const float *lo, const float *vo, const float *adv, const float *ret, int B) {
  const ac_net *n = p->net;
  const float *mu = nn_mlp_forward(&n->pi, params, &p->ws.pi, obs, B);
  const float *v = nn_mlp_forward(&n->v, params, &p->ws.v, obs, B);
  ppo_mb_stats st;
  return ppo_loss(&p->cfg, B, n->cfg.act_dim, mu, params + n->log_std_off, v, act, lo, vo, adv, ret, p->dmu, p->dv,
                  p->dlog_std, &st);
}

/* w: a copy of the parameters (perturbed and restored entry by entry). Worst relative error per view
 * must stay below 5e-3 (relative to max(0.05, |fd|)); D2M_TEST_VERBOSE prints it. */
static inline void fd_check_views(ppo_learner *p, const ac_net *net, float *w, fd_loss_fn loss, const float *obs,
                                  const float *act, const float *lo, const float *vo, const float *adv,
                                  const float *ret, int B) {
  const float h = 2e-3f;
  for (int v = 0; v < net->layout.nviews; v++) {
    const nn_view *vw = &net->layout.view[v];
    double worst = 0;
    for (size_t i = vw->off; i < vw->off + vw->n; i++) {
      float s = w[i];
      w[i] = s + h;
      double lp = loss(p, w, obs, act, lo, vo, adv, ret, B);
      w[i] = s - h;
      double lm = loss(p, w, obs, act, lo, vo, adv, ret, B);
      w[i] = s;
      double fd = (lp - lm) / (2 * h);
      worst = fmax(worst, fabs(fd - p->grads[i]) / fmax(0.05, fabs(fd)));
    }
    cr_expect_lt(worst, 5e-3, "block %s: worst relative error %g", vw->name, worst);
    if (getenv("D2M_TEST_VERBOSE")) fprintf(stderr, "%s %g\n", vw->name, worst);
  }
}

#endif
