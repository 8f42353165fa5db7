/* tests/learner/test_mirror_loss.c: the mirror-symmetry term of the PPO loss (learner/ppo.h): a
 * hand-computed answer, the whole minibatch gradient against finite differences, and that training
 * with it makes the policy symmetric. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "nn/blis_util.h"
#include "learner/ppo.h"
#include "tests/learner/fd_views.h"
#include "tests/learner/learner_cfg.h"

Test(mirror_loss, hand_computed) {
  /* mu = (1 2 3), mu_m = (4 5 6), M_a swaps 0 and 1 and negates 2: M_a mu_m = (5 4 -6),
   * r = (-4 -2 9), loss 101; w 0.5, B 1: dmu += 2 w r = r; dmu_m[src j] = -2 w r_j sign_j. */
  int src[3] = {1, 0, 2};
  float sign[3] = {1, 1, -1}, mu[3] = {1, 2, 3}, mu_m[3] = {4, 5, 6}, dmu[3] = {10, 10, 10}, dmu_m[3];
  double l = ppo_mirror_loss(1, 3, 0.5f, src, sign, mu, mu_m, dmu, dmu_m);
  cr_expect_float_eq(l, 101.0, 1e-9);
  float e_dmu[3] = {6, 8, 19}, e_dmu_m[3] = {2, 4, 9};
  for (int j = 0; j < 3; j++) {
    cr_expect_float_eq(dmu[j], e_dmu[j], 1e-6, "dmu[%d] = %g", j, dmu[j]);
    cr_expect_float_eq(dmu_m[j], e_dmu_m[j], 1e-6, "dmu_m[%d] = %g", j, dmu_m[j]);
  }
}

/* A 4-observation, 2-action body: observations 0 and 1 swap, 2 flips, 3 stays; actions swap. */
enum { O = 4, A = 2 };
static const int k_osrc[O] = {1, 0, 2, 3}, k_asrc[A] = {1, 0};
static const float k_osign[O] = {1, 1, -1, 1}, k_asign[A] = {1, 1};
static const float k_mean[O] = {0.3f, -0.2f, 0.1f, 0.5f}, k_istd[O] = {2.f, 0.5f, 1.5f, 1.f};
static float g_w;

/* The mirrored, renormalised observation, written here from the definition. */
static void mirror_rows(const float *z, float *out, int B) {
  for (int b = 0; b < B; b++)
    for (int i = 0; i < O; i++) {
      int s = k_osrc[i];
      float raw = z[b * O + s] / k_istd[s] + k_mean[s];
      out[b * O + i] = (k_osign[i] * raw - k_mean[i]) * k_istd[i];
    }
}

static double asymmetry(const ac_net *n, const float *params, ac_ws *ws, const float *obs, int B) {
  float mu[64 * A], zm[64 * O];
  memcpy(mu, ac_policy_forward(n, params, ws, obs, B), sizeof(float) * B * A);
  mirror_rows(obs, zm, B);
  const float *mm = ac_policy_forward(n, params, ws, zm, B);
  double s = 0;
  for (int b = 0; b < B; b++)
    for (int j = 0; j < A; j++) {
      double r = mu[b * A + j] - k_asign[j] * mm[b * A + k_asrc[j]];
      s += r * r;
    }
  return s / B;
}

/* PPO loss plus the mirror term, from forward passes only. */
static double full_loss(ppo_learner *p, const float *params, const float *obs, const float *act, const float *lo,
                        const float *vo, const float *adv, const float *ret, int B) {
  return fd_ac_loss(p, params, obs, act, lo, vo, adv, ret, B) + g_w * asymmetry(p->net, params, &p->ws, obs, B);
}

Test(mirror_loss, minibatch_gradient_matches_finite_differences) {
  ac_config ac = TEST_AC(O, A, "nn.hidden=8,8", "nn.init_log_std=-0.3");
  ac_net net;
  ac_init(&net, &ac);
  ppo_config c = TEST_PPO("ppo.clip=0.2", "ppo.value_clip=0.2", "ppo.ent_coef=0.01", "ppo.target_kl=0",
                          "ppo.minibatch=6", "ppo.norm_adv=false", "ppo.mirror=0.7");
  g_w = c.mirror;
  ppo_learner p;
  ppo_init(&p, &net, &c, 6, 3);
  ppo_set_mirror(&p, k_osrc, k_osign, k_asrc, k_asign);
  ppo_mirror_norm(&p, k_mean, k_istd, 1e6f);
  rng_t r;
  rng_seed(&r, 17, 0, RNG_TEST, 0);
  for (size_t i = 0; i < net.nparams; i++) p.params[i] += 0.3f * (float)rng_normal(&r);
  enum { B = 6 };
  float obs[B * O], act[B * A], lo[B], vo[B], adv[B], ret[B];
  for (int i = 0; i < B * O; i++) obs[i] = (float)rng_normal(&r);
  for (int i = 0; i < B * A; i++) act[i] = (float)rng_normal(&r);
  for (int i = 0; i < B; i++) lo[i] = -2.5f, vo[i] = (float)rng_normal(&r), adv[i] = (float)rng_normal(&r),
                              ret[i] = (float)rng_normal(&r);
  float *w = xaligned(net.nparams * 4);
  memcpy(w, p.params, net.nparams * 4);
  ppo_mb_stats st;
  ppo_minibatch_step(&p, obs, act, lo, vo, adv, ret, B, 0.f, &st);
  cr_expect_gt(st.mirror_loss, 1e-3, "the perturbed policy is not symmetric: loss %g", st.mirror_loss);
  cr_expect_float_eq(st.mirror_loss, asymmetry(&net, w, &p.ws, obs, B), 1e-4 * st.mirror_loss);
  cr_expect_float_eq(st.grad_norm, adam_grad_norm(p.grads, net.nparams), 1e-5 * st.grad_norm);
  fd_check_views(&p, &net, w, full_loss, obs, act, lo, vo, adv, ret, B);
  free(w);
  ppo_free(&p);
}

/* Updates on a batch whose advantages favour asymmetric actions: with the term the policy ends
 * far more symmetric than without it. */
static double train(float weight) {
  ac_config ac = TEST_AC(O, A, "nn.hidden=16,16");
  ac_net net;
  ac_init(&net, &ac);
  char wk[64];
  snprintf(wk, sizeof wk, "ppo.mirror=%g", weight);
  ppo_config c = TEST_PPO("ppo.minibatch=64", "ppo.epochs=4", "ppo.target_kl=0", "ppo.lr=3e-3", "ppo.anneal_lr=false",
                          wk);
  enum { N = 256 };
  ppo_learner p;
  ppo_init(&p, &net, &c, N, 5);
  ppo_set_mirror(&p, k_osrc, k_osign, k_asrc, k_asign);
  ppo_mirror_norm(&p, k_mean, k_istd, 10.f);
  ppo_batch b;
  ppo_batch_init(&b, N, O, A);
  rng_t r;
  rng_seed(&r, 23, 0, RNG_TEST, 0);
  for (int i = 0; i < N; i++) {
    for (int k = 0; k < O; k++) b.obs[i * O + k] = (float)rng_normal(&r);
    b.act[i * A] = (float)rng_normal(&r), b.act[i * A + 1] = (float)rng_normal(&r);
    b.logp[i] = -2.f, b.val[i] = 0, b.ret[i] = 0;
    b.adv[i] = b.act[i * A] - b.act[i * A + 1]; /* action 0 up, action 1 down, whatever the state */
  }
  b.n = N;
  ppo_metrics m;
  for (int u = 0; u < 20; u++) ppo_update(&p, &b, 0, &m);
  double asym = asymmetry(&net, p.params, &p.ws, b.obs, 64);
  ppo_batch_free(&b);
  ppo_free(&p);
  return asym;
}

Test(mirror_loss, training_with_it_makes_the_policy_symmetric) {
  double without = train(0), with = train(1);
  cr_expect_gt(without, 0.05, "the batch should teach an asymmetric policy (asymmetry %g)", without);
  cr_expect_lt(with, 0.1 * without, "asymmetry %g with the term, %g without", with, without);
}
