/* tests/learner/test_ppo.c: known answers for GAE, reward scaling, the PPO loss and its gradient,
 * Adam, running statistics and the Gaussian head. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/adam.h"
#include "nn/blis_util.h"
#include "nn/gauss.h"
#include "common/log.h"
#include "nn/rstat.h"
#include "learner/gae.h"
#include "learner/ppo.h"
#include "tests/learner/fd_views.h"
#include "tests/learner/learner_cfg.h"

Test(gae, hand_computed_sequences) {
  /* gamma 0.9, lambda 0.8, r = 1 2 3, V = .5 1 1.5, V(s_3) = 2:
   * d2 = 3 + .9*2 - 1.5 = 3.3; d1 = 2 + .9*1.5 - 1 = 2.35; d0 = 1 + .9*1 - .5 = 1.4; gl = .72 */
  float rew[3] = {1, 2, 3}, val[3] = {.5f, 1, 1.5f}, boot = 2, fv[3] = {0, 4, 0}, adv[3], ret[3];
  uint8_t none[3] = {0, 0, 0}, t1[3] = {0, 1, 0};
  gae_compute(3, 1, .9f, .8f, rew, val, none, none, NULL, &boot, adv, ret);
  cr_expect_float_eq(adv[2], 3.3f, 1e-5);
  cr_expect_float_eq(adv[1], 2.35f + .72f * 3.3f, 1e-5);
  cr_expect_float_eq(adv[0], 1.4f + .72f * 4.726f, 1e-5);
  cr_expect_float_eq(ret[0], adv[0] + .5f, 1e-6);
  /* terminated after step 1: d1 = 2 - 1 = 1, chain cut; d2 unchanged */
  gae_compute(3, 1, .9f, .8f, rew, val, t1, none, NULL, &boot, adv, ret);
  cr_expect_float_eq(adv[1], 1.f, 1e-6);
  cr_expect_float_eq(adv[0], 1.4f + .72f * 1.f, 1e-5);
  cr_expect_float_eq(adv[2], 3.3f, 1e-5);
  /* truncated after step 1 with V(s_final) = 4: d1 = 2 + 3.6 - 1 = 4.6, chain cut */
  gae_compute(3, 1, .9f, .8f, rew, val, none, t1, fv, &boot, adv, ret);
  cr_expect_float_eq(adv[1], 4.6f, 1e-5);
  cr_expect_float_eq(adv[0], 1.4f + .72f * 4.6f, 1e-5);
  cr_expect_float_eq(adv[2], 3.3f, 1e-5);
  /* terminated wins over truncated */
  gae_compute(3, 1, .9f, .8f, rew, val, t1, t1, fv, &boot, adv, ret);
  cr_expect_float_eq(adv[1], 1.f, 1e-6);
}

Test(gae, time_major_envs_are_independent) {
  /* E = 2 interleaved: env 0 plain, env 1 truncated at t = 1 (same numbers as above). */
  float rew[6] = {1, 1, 2, 2, 3, 3}, val[6] = {.5f, .5f, 1, 1, 1.5f, 1.5f}, fv[6] = {0, 0, 0, 4, 0, 0};
  float boot[2] = {2, 2}, adv[6], ret[6];
  uint8_t term[6] = {0}, trunc[6] = {0, 0, 0, 1, 0, 0};
  gae_compute(3, 2, .9f, .8f, rew, val, term, trunc, fv, boot, adv, ret);
  cr_expect_float_eq(adv[0], 1.4f + .72f * 4.726f, 1e-5);
  cr_expect_float_eq(adv[1], 1.4f + .72f * 4.6f, 1e-5);
  cr_expect_float_eq(adv[3], 4.6f, 1e-5);
  cr_expect_float_eq(adv[4], 3.3f, 1e-5);
  cr_expect_float_eq(adv[5], 3.3f, 1e-5);
}

Test(gae, reward_scaling) {
  /* gamma .5, r = 1 1 1: G = 1, 1.5, 1.75; population variance 0.0972222 */
  gae_rscale s;
  gae_rscale_init(&s, 1, .5f);
  float r[3] = {1, 1, 1}, out[3];
  uint8_t z[3] = {0};
  gae_rscale_apply(&s, 3, r, z, z, out);
  double var = (pow(1 - 4.25 / 3, 2) + pow(1.5 - 4.25 / 3, 2) + pow(1.75 - 4.25 / 3, 2)) / 3;
  cr_expect_float_eq(out[0], 1 / sqrt(var + 1e-8), 1e-4);
  /* a terminal step resets the running return */
  uint8_t t[3] = {1, 0, 0};
  gae_rscale_apply(&s, 1, r, t, z, out);
  cr_expect_float_eq(s.G[0], 0.0, 0);
  gae_rscale_free(&s);
}

/* The known answers below are worked out for these values, whatever the table's defaults become;
 * target_kl 0: every epoch runs. */
#define SMALL_PPO "ppo.clip=0.2", "ppo.value_clip=0.2", "ppo.vf_coef=0.5", "ppo.ent_coef=0.01", "ppo.target_kl=0"

Test(ppo, clipped_objective_known_answers) {
  ppo_config c = TEST_PPO(SMALL_PPO, "ppo.ent_coef=0");
  float mu = 0, ls = 0, a = 0.5f, v = 0, vo = 0, R = 0, dmu, dv;
  double dls;
  ppo_mb_stats st;
  double lp = gauss_logp(&mu, &ls, &a, 1);
  /* ratio r = exp(lp - logp_old). Case 1: r = 1.1 inside the clip, A = 2: L = -2.2, dL/dlogp = -2.2 */
  float lo = (float)(lp - log(1.1)), A = 2;
  ppo_loss(&c, 1, 1, &mu, &ls, &v, &a, &lo, &vo, &A, &R, &dmu, &dv, &dls, &st);
  cr_expect_float_eq(st.pg_loss, -2.2, 1e-5);
  cr_expect_float_eq(dmu, -2.2f * 0.5f, 1e-5); /* dlogp/dmu = (a - mu) / sigma^2 = .5 */
  cr_expect_float_eq(dls, -2.2 * (0.25 - 1), 1e-5);
  cr_expect_float_eq(st.clipfrac, 0, 0);
  /* Case 2: r = 1.5, A = 2: clipped at 1.2, L = -2.4, gradient 0 */
  lo = (float)(lp - log(1.5));
  ppo_loss(&c, 1, 1, &mu, &ls, &v, &a, &lo, &vo, &A, &R, &dmu, &dv, &dls, &st);
  cr_expect_float_eq(st.pg_loss, -2.4, 1e-5);
  cr_expect_float_eq(dmu, 0.f, 0);
  cr_expect_float_eq(st.clipfrac, 1, 0);
  cr_expect_float_eq(st.approx_kl, 0.5 - log(1.5), 1e-5);
  /* Case 3: r = 1.5, A = -2: the unclipped term is the max, L = 3, dL/dlogp = 3 */
  A = -2;
  ppo_loss(&c, 1, 1, &mu, &ls, &v, &a, &lo, &vo, &A, &R, &dmu, &dv, &dls, &st);
  cr_expect_float_eq(st.pg_loss, 3.0, 1e-5);
  cr_expect_float_eq(dmu, 3.f * 0.5f, 1e-5);
  /* Case 4: r = 0.5, A = -2: clipped at 0.8, L = 1.6, gradient 0 */
  lo = (float)(lp - log(0.5));
  ppo_loss(&c, 1, 1, &mu, &ls, &v, &a, &lo, &vo, &A, &R, &dmu, &dv, &dls, &st);
  cr_expect_float_eq(st.pg_loss, 1.6, 1e-5);
  cr_expect_float_eq(dmu, 0.f, 0);
  /* Value: v = 1, v_old = 0, R = 2: clipped v 0.2 -> (1.8)^2 > 1^2: loss 0.5*3.24, gradient 0 (saturated) */
  v = 1, vo = 0, R = 2;
  ppo_loss(&c, 1, 1, &mu, &ls, &v, &a, &lo, &vo, &A, &R, &dmu, &dv, &dls, &st);
  cr_expect_float_eq(st.v_loss, 0.5 * 3.24, 1e-5);
  cr_expect_float_eq(dv, 0.f, 0);
  /* v = 1, v_old = 0, R = -1: unclipped (2)^2 > (1.2)^2, dL/dv = vf_coef * (v - R) = 1 */
  R = -1;
  ppo_loss(&c, 1, 1, &mu, &ls, &v, &a, &lo, &vo, &A, &R, &dmu, &dv, &dls, &st);
  cr_expect_float_eq(st.v_loss, 2.0, 1e-5);
  cr_expect_float_eq(dv, 1.f, 1e-6);
}

Test(ppo, loss_gradient_matches_finite_differences) {
  ppo_config c = TEST_PPO(SMALL_PPO);
  enum { B = 6, A = 3 };
  rng_t r;
  rng_seed(&r, 7, 0, RNG_TEST, 0);
  float mu[B * A], ls[A], v[B], act[B * A], lo[B], vo[B], adv[B], ret[B], dmu[B * A], dv[B];
  double dls[A];
  for (int j = 0; j < A; j++) ls[j] = (float)(-0.3 + 0.2 * rng_normal(&r));
  for (int i = 0; i < B; i++) {
    for (int j = 0; j < A; j++) mu[i * A + j] = (float)rng_normal(&r), act[i * A + j] = (float)rng_normal(&r);
    /* ratios spread across the clip boundaries */
    lo[i] = (float)(gauss_logp(mu + i * A, ls, act + i * A, A) + 0.4 * rng_normal(&r));
    v[i] = (float)rng_normal(&r), vo[i] = (float)(v[i] + 0.5 * rng_normal(&r)), ret[i] = (float)rng_normal(&r);
    adv[i] = (float)rng_normal(&r);
  }
  ppo_mb_stats st;
  ppo_loss(&c, B, A, mu, ls, v, act, lo, vo, adv, ret, dmu, dv, dls, &st);
  float tdmu[B * A], tdv[B];
  double tdls[A];
  const float h = 1e-3f;
  float *vars[3] = {mu, ls, v};
  int counts[3] = {B * A, A, B};
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < counts[k]; i++) {
      float s = vars[k][i];
      vars[k][i] = s + h;
      double lp = ppo_loss(&c, B, A, mu, ls, v, act, lo, vo, adv, ret, tdmu, tdv, tdls, &st);
      vars[k][i] = s - h;
      double lm = ppo_loss(&c, B, A, mu, ls, v, act, lo, vo, adv, ret, tdmu, tdv, tdls, &st);
      vars[k][i] = s;
      double fd = (lp - lm) / (2 * h), an = k == 0 ? dmu[i] : k == 1 ? dls[i] : dv[i];
      cr_expect_float_eq(an, fd, 2e-3 * fmax(1, fabs(fd)), "block %d index %d: analytic %g fd %g", k, i, an, fd);
    }
}

Test(adam, hand_computed_steps_and_clip) {
  adam_config c = TEST_PPO("adam.eps=1e-5", "adam.beta1=0.9", "adam.beta2=0.999").adam; /* the hand computation's */
  cr_expect_float_eq(c.eps, 1e-5f, 0);
  adam_state s;
  adam_init(&s, 1);
  float p = 1, g = 0.5f;
  /* m = .05, v = .00025, lr/bc1 = 1, sqrt(v/bc2) = .5: p = 1 - .05 / (.5 + 1e-5) */
  adam_step(&s, &c, 0.1f, &p, &g, 1.f);
  cr_expect_float_eq(p, 1 - 0.05 / 0.50001, 1e-6);
  /* step 2 with g = -1 */
  g = -1;
  double m = 0.9 * 0.05 - 0.1, v = 0.999 * 0.00025 + 0.001, bc1 = 1 - 0.81, bc2 = 1 - 0.999 * 0.999;
  double expect = p - 0.1 / bc1 * m / (sqrt(v) / sqrt(bc2) + 1e-5);
  adam_step(&s, &c, 0.1f, &p, &g, 1.f);
  cr_expect_float_eq(p, expect, 1e-6);
  adam_free(&s);
  float gg[2] = {3, 4};
  double n = adam_grad_norm(gg, 2);
  cr_expect_float_eq(n, 5.0, 1e-6);
  cr_expect_float_eq(adam_clip_scale(n, 1.f), 1 / (5 + 1e-6), 1e-7);
  cr_expect_float_eq(adam_clip_scale(n, 10.f), 1.f, 0);
  cr_expect_float_eq(adam_clip_scale(n, 0.f), 1.f, 0);
}

Test(rstat, chan_merge_equals_one_pass) {
  rng_t r;
  rng_seed(&r, 9, 0, RNG_TEST, 0);
  enum { D = 3, N = 1000 };
  static float x[N * D];
  for (int i = 0; i < N * D; i++) x[i] = (float)(5 + 3 * rng_normal(&r) + (i % D));
  rstat all, a, b, c;
  rstat_init(&all, D), rstat_init(&a, D), rstat_init(&b, D), rstat_init(&c, D);
  rstat_update(&all, x, N);
  rstat_update(&a, x, 100); /* uneven pieces, several updates, then merges */
  rstat_update(&a, x + 100 * D, 250);
  rstat_update(&b, x + 350 * D, 1);
  rstat_update(&c, x + 351 * D, N - 351);
  rstat_merge(&b, &c);
  rstat_merge(&a, &b);
  for (int i = 0; i < D; i++) {
    double mu = 0, m2 = 0;
    for (int k = 0; k < N; k++) mu += x[k * D + i];
    mu /= N;
    for (int k = 0; k < N; k++) m2 += (x[k * D + i] - mu) * (x[k * D + i] - mu);
    cr_expect_float_eq(all.mean[i], mu, 1e-10);
    cr_expect_float_eq(a.mean[i], mu, 1e-10);
    cr_expect_float_eq(rstat_var(&a, i), m2 / N, 1e-9);
    cr_expect_float_eq(rstat_var(&all, i), m2 / N, 1e-9);
  }
  cr_expect_float_eq(a.count, (double)N, 0);
  float mean[D], inv[D], out[D];
  rstat_export(&a, 1e-8f, mean, inv);
  rstat_normalize(mean, inv, D, x, out, 1, 0.1f);
  for (int i = 0; i < D; i++) cr_expect_leq(fabsf(out[i]), 0.1f);
  rstat_free(&all), rstat_free(&a), rstat_free(&b), rstat_free(&c);
}

Test(gauss, closed_forms) {
  float mu[2] = {0.3f, -1}, ls[2] = {-0.5f, 0.2f}, a[2] = {1, -2};
  double expect = 0;
  for (int j = 0; j < 2; j++) {
    double s = exp(ls[j]);
    expect += log(1 / (s * sqrt(2 * M_PI)) * exp(-0.5 * pow((a[j] - mu[j]) / s, 2)));
  }
  cr_expect_float_eq(gauss_logp(mu, ls, a, 2), expect, 1e-9);
  cr_expect_float_eq(gauss_entropy(ls, 2), 0.5 * log(2 * M_PI * M_E * exp(2.0 * ls[0])) + 0.5 * log(2 * M_PI * M_E * exp(2.0 * ls[1])),
                     1e-9);
  float dmu[2] = {0}, dls[2] = {0};
  gauss_logp_grad(mu, ls, a, 2, 1.f, dmu, dls);
  for (int j = 0; j < 2; j++) {
    double s2 = exp(2 * ls[j]);
    cr_expect_float_eq(dmu[j], (a[j] - mu[j]) / s2, 1e-5);
    cr_expect_float_eq(dls[j], (a[j] - mu[j]) * (a[j] - mu[j]) / s2 - 1, 1e-5);
  }
  /* sample moments: 40000 draws, mean within 4 standard errors, std within 2% */
  rng_t r;
  rng_seed(&r, 11, 0, RNG_TEST, 0);
  double s[2] = {0}, s2[2] = {0};
  float x[2];
  for (int k = 0; k < 40000; k++) {
    gauss_sample(mu, ls, 2, &r, x);
    for (int j = 0; j < 2; j++) s[j] += x[j], s2[j] += x[j] * x[j];
  }
  for (int j = 0; j < 2; j++) {
    double m = s[j] / 40000, sd = sqrt(s2[j] / 40000 - m * m), true_sd = exp(ls[j]);
    cr_expect_lt(fabs(m - mu[j]), 4 * true_sd / 200, "mean %g vs %g", m, mu[j]);
    cr_expect_lt(fabs(sd / true_sd - 1), 0.02, "sd %g vs %g", sd, true_sd);
  }
}

Test(ppo, update_runs_and_blis_equals_reference) {
  ac_config ac = TEST_AC(5, 2, "nn.hidden=16,16", "nn.init_log_std=0");
  ac_net net;
  ac_init(&net, &ac);
  ppo_config c = TEST_PPO(SMALL_PPO, "ppo.minibatch=16", "ppo.epochs=2");
  ppo_learner p1, p2;
  ppo_init(&p1, &net, &c, 64, 42);
  ppo_init(&p2, &net, &c, 64, 42);
  cr_assert_eq(memcmp(p1.params, p2.params, net.nparams * 4), 0, "same seed, same init");
  p2.ws.pi.use_ref = p2.ws.v.use_ref = 1;
  ppo_batch b;
  ppo_batch_init(&b, 64, 5, 2);
  rng_t r;
  rng_seed(&r, 12, 0, RNG_TEST, 0);
  enum { T = 8, E = 8 };
  float obs[T * E * 5], act[T * E * 2], logp[T * E], val[T * E], rew[T * E], boot[E];
  uint8_t term[T * E] = {0}, trunc[T * E] = {0};
  for (int i = 0; i < T * E * 5; i++) obs[i] = (float)rng_normal(&r);
  for (int i = 0; i < T * E * 2; i++) act[i] = (float)rng_normal(&r);
  for (int i = 0; i < T * E; i++) logp[i] = -2.5f, val[i] = 0, rew[i] = (float)rng_normal(&r);
  for (int e = 0; e < E; e++) boot[e] = 0;
  term[20] = 1;
  ppo_batch_add_segment(&b, &c, NULL, T, E, obs, act, logp, val, rew, term, trunc, NULL, boot);
  cr_expect_eq(b.n, 64);
  ppo_metrics m1, m2;
  ppo_update(&p1, &b, 0.5, &m1);
  ppo_update(&p2, &b, 0.5, &m2);
  cr_expect_eq(m1.epochs, 2);
  cr_expect_eq(m1.minibatches, 8);
  cr_expect_float_eq(m1.lr, 0.5f * c.lr, 1e-9);
  cr_expect(isfinite(m1.pg_loss) && isfinite(m1.v_loss) && isfinite(m1.grad_norm) && m1.grad_norm > 0);
  double worst = 0;
  for (size_t i = 0; i < net.nparams; i++) worst = fmax(worst, fabs(p1.params[i] - p2.params[i]));
  cr_expect_lt(worst, 1e-4, "BLIS vs reference parameters after an update differ by %g", worst);
  /* target KL early stop: a tiny target stops after the first epoch */
  p1.cfg.target_kl = 1e-12f;
  p1.cfg.epochs = 5;
  ppo_update(&p1, &b, 0.0, &m1);
  cr_expect_eq(m1.epochs, 1);
  ppo_batch_free(&b);
  ppo_free(&p1);
  ppo_free(&p2);
}

Test(ppo, minibatch_gradient_matches_finite_differences_for_every_block) {
  ac_config ac = TEST_AC(4, 2, "nn.hidden=8,8", "nn.init_log_std=-0.3");
  ac_net net;
  ac_init(&net, &ac);
  ppo_config c = TEST_PPO(SMALL_PPO, "ppo.minibatch=6", "ppo.norm_adv=false");
  ppo_learner p;
  ppo_init(&p, &net, &c, 6, 3);
  rng_t r;
  rng_seed(&r, 13, 0, RNG_TEST, 0);
  for (size_t i = 0; i < net.nparams; i++) p.params[i] += 0.3f * (float)rng_normal(&r); /* away from init */
  enum { B = 6 };
  float obs[B * 4], act[B * 2], lo[B], vo[B], adv[B], ret[B];
  for (int i = 0; i < B * 4; i++) obs[i] = (float)rng_normal(&r);
  for (int i = 0; i < B * 2; i++) act[i] = (float)rng_normal(&r);
  for (int i = 0; i < B; i++) lo[i] = -2.5f, vo[i] = (float)rng_normal(&r), adv[i] = (float)rng_normal(&r),
                              ret[i] = (float)rng_normal(&r);
  float *w = xaligned(net.nparams * 4);
  memcpy(w, p.params, net.nparams * 4);
  ppo_mb_stats st;
  ppo_minibatch_step(&p, obs, act, lo, vo, adv, ret, B, 0.f, &st); /* lr 0: grads only */
  cr_expect_eq(memcmp(w, p.params, net.nparams * 4), 0, "lr 0 leaves the parameters alone");
  /* the norm summed block by block during backward equals a pass over the whole gradient arena */
  cr_expect_float_eq(st.grad_norm, adam_grad_norm(p.grads, net.nparams), 1e-5 * st.grad_norm);
  fd_check_views(&p, &net, w, fd_ac_loss, obs, act, lo, vo, adv, ret, B);
  free(w);
  ppo_free(&p);
}

/* The element-wise passes, the gradient norm, zeroing and Adam split over BLIS's threads above a size
 * threshold: two threads must give the update one thread gives. */
Test(ppo, two_threads_equal_one_thread) {
  ac_config ac = TEST_AC(40, 8, "nn.hidden=272,256", "nn.init_log_std=0");
  ac_net net;
  ac_init(&net, &ac);
  ppo_config c = TEST_PPO(SMALL_PPO, "ppo.minibatch=256");
  ppo_learner p[2];
  enum { B = 256 };
  static float obs[B * 40], act[B * 8], lo[B], vo[B], adv[B], ret[B];
  rng_t r;
  rng_seed(&r, 17, 0, RNG_TEST, 0);
  rng_normal_fill(&r, obs, B * 40);
  rng_normal_fill(&r, act, B * 8);
  for (int i = 0; i < B; i++) lo[i] = -12.f, vo[i] = 0.f, adv[i] = (float)rng_normal(&r), ret[i] = (float)rng_normal(&r);
  double norm[2];
  for (int t = 0; t < 2; t++) {
    blis_set_threads(t + 1);
    ppo_init(&p[t], &net, &c, B, 5);
    ppo_mb_stats st;
    for (int k = 0; k < 3; k++) ppo_minibatch_step(&p[t], obs, act, lo, vo, adv, ret, B, 1e-3f, &st);
    norm[t] = st.grad_norm;
  }
  blis_set_threads(1);
  double worst = 0;
  for (size_t i = 0; i < net.nparams; i++) worst = fmax(worst, fabs(p[0].params[i] - p[1].params[i]));
  cr_expect_lt(worst, 1e-6, "parameters differ by %g between 1 and 2 threads", worst);
  cr_expect_float_eq(norm[0], norm[1], 1e-6 * norm[0]);
  ppo_free(&p[0]);
  ppo_free(&p[1]);
}
