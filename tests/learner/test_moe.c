/* tests/learner/test_moe.c: the mixture-of-experts head (nn/moe.h, nn.experts): the mixture and
 * its gradient against finite differences (gate and experts), the whole PPO gradient through it, K = 1
 * as the plain head, growing K (mean action kept, fresh moments), and the refusals. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "learner/ppo.h"
#include "nn/ac.h"
#include "nn/moe.h"
#include "tests/learner/fd_views.h"
#include "tests/learner/learner_cfg.h"

static void fill(float *x, size_t n, rng_t *r, float s) {
  for (size_t i = 0; i < n; i++) x[i] = s * (float)rng_normal(r);
}

/* Known answers: equal logits average the experts; one dominant logit picks its expert. */
Test(moe, mixture_known_answers) {
  enum { A = 2, K = 3 };
  float y[K * (A + 1)] = {1, 2, 3, 4, 5, 9, 0, 0, 0}, gate[K], mu[A];
  moe_forward(y, 1, A, K, gate, mu);
  cr_expect_float_eq(mu[0], 3.f, 1e-6);
  cr_expect_float_eq(mu[1], 5.f, 1e-6);
  for (int k = 0; k < K; k++) cr_expect_float_eq(gate[k], 1.f / 3, 1e-7);
  y[A * K + 1] = 200; /* expert 1 (a shifted softmax: no overflow) */
  moe_forward(y, 1, A, K, gate, mu);
  cr_expect_float_eq(mu[0], 3.f, 1e-6);
  cr_expect_float_eq(mu[1], 4.f, 1e-6);
  cr_expect(isfinite(gate[0]) && gate[1] > 0.999999f);
  cr_expect_eq(moe_rows(1, 80), 80);
  cr_expect_eq(moe_rows(4, 80), 324);
}

/* dLoss/dy of L = sum_b c_b . mu_b against central differences, for the experts' rows and the gate's. */
Test(moe, gradient_of_gate_and_experts_matches_finite_differences) {
  enum { B = 3, A = 4, K = 3, R = K * (A + 1) };
  rng_t r;
  rng_seed(&r, 5, 0, RNG_TEST, 0);
  float y[B * R], c[B * A], gate[B * K], mu[B * A], dy[B * R];
  fill(y, B * R, &r, 1.f);
  fill(c, B * A, &r, 1.f);
  moe_forward(y, B, A, K, gate, mu);
  moe_backward(y, gate, mu, c, B, A, K, dy);
  double worst_e = 0, worst_g = 0;
  const float h = 1e-2f;
  for (int i = 0; i < B * R; i++) {
    double l[2];
    for (int s = 0; s < 2; s++) {
      float keep = y[i];
      y[i] = keep + (s ? -h : h);
      moe_forward(y, B, A, K, gate, mu);
      y[i] = keep;
      l[s] = 0;
      for (int j = 0; j < B * A; j++) l[s] += (double)c[j] * mu[j];
    }
    double fd = (l[0] - l[1]) / (2 * h), err = fabs(fd - dy[i]) / fmax(0.05, fabs(fd));
    if (i % R < K * A) worst_e = fmax(worst_e, err);
    else worst_g = fmax(worst_g, err);
  }
  cr_expect_lt(worst_e, 2e-3, "experts: worst relative error %g", worst_e);
  cr_expect_lt(worst_g, 2e-3, "gate: worst relative error %g", worst_g);
}

/* Loss of the whole actor-critic through the mixture, for fd_check_views. */
static double moe_ac_loss(ppo_learner *p, const float *params, const float *obs, const float *act, const float *lo,
                          const float *vo, const float *adv, const float *ret, int B) {
  const ac_net *n = p->net;
  const float *mu = ac_policy_forward(n, params, &p->ws, obs, B);
  const float *v = nn_mlp_forward(&n->v, params, &p->ws.v, obs, B);
  ppo_mb_stats st;
  return ppo_loss(&p->cfg, B, n->cfg.act_dim, mu, params + n->log_std_off, v, act, lo, vo, adv, ret, p->dmu, p->dv,
                  p->dlog_std, &st);
}

/* ppo_minibatch_step's gradient with 3 experts: every view (trunk, experts + gate layer, log-std,
 * value) against central differences of the PPO loss. */
Test(moe, ppo_gradient_through_experts_matches_finite_differences) {
  ac_config ac = TEST_AC(4, 2, "nn.hidden=8,8", "nn.init_log_std=-0.3", "nn.experts=3");
  ac_net net;
  ac_init(&net, &ac);
  cr_assert_eq(net.pi.dim[net.pi.nlayers], 3 * (2 + 1));
  ppo_config c = TEST_PPO("ppo.minibatch=6", "ppo.norm_adv=false", "ppo.epochs=1");
  ppo_learner p;
  ppo_init(&p, &net, &c, 6, 3);
  rng_t r;
  rng_seed(&r, 17, 0, RNG_TEST, 0);
  for (size_t i = 0; i < net.nparams; i++) p.params[i] += 0.3f * (float)rng_normal(&r); /* gate far from uniform */
  enum { B = 6 };
  float obs[B * 4], act[B * 2], lo[B], vo[B], adv[B], ret[B];
  fill(obs, B * 4, &r, 1.f);
  /* actions from the policy itself, old log-probabilities near its own: ratios inside the clip */
  ac_act(&net, p.params, &p.ws, obs, B, &r, 0, act, lo, NULL);
  for (int i = 0; i < B; i++)
    lo[i] += 0.05f * (float)rng_normal(&r), vo[i] = (float)rng_normal(&r), adv[i] = (float)rng_normal(&r),
        ret[i] = (float)rng_normal(&r);
  float *w = xaligned(net.nparams * 4);
  memcpy(w, p.params, net.nparams * 4);
  ppo_mb_stats st;
  ppo_minibatch_step(&p, obs, act, lo, vo, adv, ret, B, 0.f, &st); /* lr 0: gradients only */
  cr_expect_float_eq(st.grad_norm, adam_grad_norm(p.grads, net.nparams), 1e-5 * st.grad_norm);
  /* the gate rows get a gradient of their own */
  const float *gg = p.grads + net.pi.w_off[net.pi.nlayers - 1] + (size_t)3 * 2 * 8;
  double gs = 0;
  for (int i = 0; i < 3 * 8; i++) gs += fabs(gg[i]);
  cr_expect_gt(gs, 1e-6);
  fd_check_views(&p, &net, w, moe_ac_loss, obs, act, lo, vo, adv, ret, B);
  free(w);
  ppo_free(&p);
}

/* nn.experts = 1 is the plain head: the same arena, init and actions as a config without the key. */
Test(moe, one_expert_is_the_plain_head) {
  ac_config a = TEST_AC(5, 3, "nn.hidden=16,8"), b = a;
  cr_assert_eq(a.experts, 1);
  b.experts = 0; /* a zero-initialised config: no mixture */
  ac_net na, nb;
  ac_init(&na, &a);
  ac_init(&nb, &b);
  cr_assert_eq(na.nparams, nb.nparams);
  cr_assert_eq(na.pi.dim[na.pi.nlayers], 3);
  float *pa = xaligned(na.nparams * 4), *pb = xaligned(nb.nparams * 4);
  rng_t r1, r2;
  rng_seed(&r1, 9, 0, RNG_INIT, 0);
  rng_seed(&r2, 9, 0, RNG_INIT, 0);
  ac_init_params(&na, pa, &r1);
  ac_init_params(&nb, pb, &r2);
  cr_expect_eq(memcmp(pa, pb, na.nparams * 4), 0);
  ac_ws wa, wb;
  ac_ws_init(&wa, &na, 4, 0);
  ac_ws_init(&wb, &nb, 4, 0);
  cr_expect(wa.moe_mu == NULL && wa.moe_gate == NULL);
  float obs[4 * 5], act[4 * 3], ref[4 * 3];
  fill(obs, 20, &r1, 1.f);
  const float *mu = ac_policy_forward(&na, pa, &wa, obs, 4);
  cr_expect_eq(mu, wa.pi.act[na.pi.nlayers], "one expert: the MLP's own output, no mixing pass");
  ac_act(&na, pa, &wa, obs, 4, &r1, 1, act, NULL, NULL);
  memcpy(ref, nn_mlp_forward(&nb.pi, pb, &wb.pi, obs, 4), sizeof ref);
  ac_act(&nb, pb, &wb, obs, 4, &r2, 1, ref, NULL, NULL);
  cr_expect_eq(memcmp(act, ref, sizeof act), 0);
  ac_ws_free(&wa);
  ac_ws_free(&wb);
  free(pa);
  free(pb);
}

/* Growing 1 -> 2 -> 4 experts keeps the mean action (1 -> 2 bit for bit), copies the other views, and
 * gives the new rows zero Adam moments. */
Test(moe, growing_keeps_the_mean_action_and_zeroes_new_moments) {
  ac_net n[3];
  const int Ks[3] = {1, 2, 4};
  float *p[3], *m[3];
  rng_t r;
  rng_seed(&r, 21, 0, RNG_TEST, 0);
  for (int i = 0; i < 3; i++) {
    ac_config c = TEST_AC(6, 3, "nn.hidden=16,8", "nn.init_log_std=-0.5");
    c.experts = Ks[i];
    ac_init(&n[i], &c);
    p[i] = xaligned(n[i].nparams * 4);
    m[i] = xaligned(n[i].nparams * 4);
  }
  ac_init_params(&n[0], p[0], &r);
  fill(p[0], n[0].nparams, &r, 0.5f); /* a trained-looking head, padding included: the copy must not care */
  for (size_t i = 0; i < n[0].nparams; i++) m[0][i] = 1.f + (float)i;
  d2m_err e;
  for (int i = 1; i < 3; i++) {
    cr_assert_eq(moe_grow(&n[i - 1], p[i - 1], &n[i], p[i], 0, &e), 0, "%s", e.msg);
    cr_assert_eq(moe_grow(&n[i - 1], m[i - 1], &n[i], m[i], 1, &e), 0, "%s", e.msg);
  }
  /* make expert 1 of the 2-expert net the gate's favourite before the 2 -> 4 step is checked again */
  float *b2 = p[1] + n[1].pi.b_off[n[1].pi.nlayers - 1];
  b2[2 * 3 + 1] = 0.7f;
  float *W2 = p[1] + n[1].pi.w_off[n[1].pi.nlayers - 1];
  for (int i = 3 * 8; i < 6 * 8; i++) W2[i] += 0.2f * (float)rng_normal(&r); /* expert 1 differs from 0 */
  for (int i = 6 * 8; i < 8 * 8; i++) W2[i] = 0.3f * (float)rng_normal(&r); /* a gate that depends on x */
  cr_assert_eq(moe_grow(&n[1], p[1], &n[2], p[2], 0, &e), 0, "%s", e.msg);
  float obs[5 * 6];
  fill(obs, 30, &r, 1.f);
  float mu[3][5 * 3];
  for (int i = 0; i < 3; i++) {
    ac_ws ws;
    ac_ws_init(&ws, &n[i], 5, 0);
    memcpy(mu[i], ac_policy_forward(&n[i], p[i], &ws, obs, 5), sizeof mu[i]);
    ac_ws_free(&ws);
  }
  /* 1 -> 2 (checked on a fresh grow, before the edits above) */
  float *p2 = xaligned(n[1].nparams * 4), mu2[5 * 3];
  cr_assert_eq(moe_grow(&n[0], p[0], &n[1], p2, 0, &e), 0);
  ac_ws ws;
  ac_ws_init(&ws, &n[1], 5, 0);
  memcpy(mu2, ac_policy_forward(&n[1], p2, &ws, obs, 5), sizeof mu2);
  ac_ws_free(&ws);
  /* Not bit for bit: the head's GEMM has twice the rows after the grow, and BLIS may sum a row's
   * products in another order for another shape (it does on AVX-512 machines). */
  double worst = 0;
  for (int i = 0; i < 15; i++) worst = fmax(worst, fabs(mu2[i] - mu[0][i]));
  cr_expect_lt(worst, 1e-6, "1 -> 2 experts moved the mean action by %g", worst);
  worst = 0;
  for (int i = 0; i < 15; i++) worst = fmax(worst, fabs(mu[2][i] - mu[1][i]));
  cr_expect_lt(worst, 1e-5, "2 -> 4 experts moved the mean action by %g", worst);
  /* the new experts copy expert 1 (largest gate bias), the kept ones stay */
  const float *W4 = p[2] + n[2].pi.w_off[n[2].pi.nlayers - 1];
  cr_expect_eq(memcmp(W4, W2, 6 * 8 * 4), 0);
  cr_expect_eq(memcmp(W4 + 6 * 8, W2 + 3 * 8, 3 * 8 * 4), 0);
  cr_expect_eq(memcmp(W4 + 9 * 8, W2 + 3 * 8, 3 * 8 * 4), 0);
  const float *b4 = p[2] + n[2].pi.b_off[n[2].pi.nlayers - 1];
  cr_expect_float_eq(b4[4 * 3 + 1], 0.7f - logf(3.f), 1e-6);
  cr_expect_float_eq(b4[4 * 3 + 3], 0.7f - logf(3.f), 1e-6);
  /* every other view is copied; log_std too */
  cr_expect_eq(memcmp(p[2] + n[2].log_std_off, p[0] + n[0].log_std_off, 3 * 4), 0);
  const nn_view *v4 = nn_layout_find(&n[2].layout, "v.0.w"), *v1 = nn_layout_find(&n[0].layout, "v.0.w");
  cr_expect_eq(memcmp(p[2] + v4->off, p[0] + v1->off, v4->n * 4), 0);
  /* moments: kept rows copied, new expert and gate rows zero */
  const float *M2 = m[1] + n[1].pi.w_off[n[1].pi.nlayers - 1], *M1 = m[0] + n[0].pi.w_off[n[0].pi.nlayers - 1];
  cr_expect_eq(memcmp(M2, M1, 3 * 8 * 4), 0);
  for (int i = 3 * 8; i < 8 * 8; i++) cr_expect_eq(M2[i], 0.f);
  cr_expect_eq(memcmp(m[1] + n[1].log_std_off, m[0] + n[0].log_std_off, 3 * 4), 0);
  /* refusals */
  cr_expect_neq(moe_grow(&n[1], p[1], &n[0], p[0], 0, &e), 0);
  cr_expect(strstr(e.msg, "never removed") != NULL, "%s", e.msg);
  ac_config other = TEST_AC(6, 3, "nn.hidden=16,16", "nn.experts=2");
  ac_net no;
  ac_init(&no, &other);
  float *po = xaligned(no.nparams * 4);
  cr_expect_neq(moe_grow(&n[0], p[0], &no, po, 0, &e), 0);
  cr_expect(strstr(e.msg, "nn.experts") != NULL, "%s", e.msg);
  free(po);
  free(p2);
  for (int i = 0; i < 3; i++) free(p[i]), free(m[i]);
}

/* Lattice has one W for its covariance: experts with it are refused, naming both keys. */
Test(moe, lattice_with_experts_is_refused) {
  cfg_t c = test_cfg((const char *const[]){"nn.head=lattice", "nn.experts=2", NULL});
  ac_config a;
  d2m_err e;
  cr_assert_neq(ac_config_from_cfg(&c, 4, 2, &a, &e), 0);
  cr_expect(strstr(e.msg, "nn.experts") && strstr(e.msg, "nn.head"), "%s", e.msg);
  cfg_t bad;
  cr_expect_neq(cfg_with(&bad, (const char *const[]){"nn.experts=0", NULL}, &e), 0);
  cr_expect(strstr(e.msg, "nn.experts") != NULL, "%s", e.msg);
}

/* Actions of a K-expert policy: deterministic = the mixture mean; samples are centred on it. */
Test(moe, actions_use_the_mixture) {
  ac_config c = TEST_AC(5, 2, "nn.hidden=8", "nn.experts=3", "env.action_mode=muscle_pd");
  ac_net n;
  ac_init(&n, &c);
  float *p = xaligned(n.nparams * 4);
  rng_t r;
  rng_seed(&r, 4, 0, RNG_TEST, 0);
  fill(p, n.nparams, &r, 0.5f);
  float *ls = p + n.log_std_off;
  ls[0] = ls[1] = -3.f;
  ac_ws ws;
  ac_ws_init(&ws, &n, 2, 0);
  float obs[2 * 5], act[2 * 2], mu[2 * 2], y[2 * 9], gate[2 * 3], ref[2 * 2], logp[2];
  fill(obs, 10, &r, 1.f);
  memcpy(y, nn_mlp_forward(&n.pi, p, &ws.pi, obs, 2), sizeof y);
  moe_forward(y, 2, 2, 3, gate, ref);
  ac_act(&n, p, &ws, obs, 2, &r, 1, mu, NULL, NULL);
  cr_expect_eq(memcmp(mu, ref, sizeof mu), 0);
  double s[4] = {0};
  for (int t = 0; t < 2000; t++) {
    ac_act(&n, p, &ws, obs, 2, &r, 0, act, logp, NULL);
    for (int i = 0; i < 4; i++) s[i] += act[i] / 2000.0;
  }
  for (int i = 0; i < 4; i++) cr_expect(fabs(s[i] - ref[i]) < 5e-3, "action %d: mean %g, mixture %g", i, s[i], ref[i]);
  ac_ws_free(&ws);
  free(p);
}
