/* tests/learner/test_lattice.c: the Lattice head (nn/lattice.h) against the diagonal Gaussian,
 * Monte-Carlo estimates, finite differences (covariance alone and the whole PPO minibatch step), the
 * empirical covariance of sampled actions, and the time structure of the held noise. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/ac.h"
#include "nn/adam.h"
#include "nn/gauss.h"
#include "nn/lattice.h"
#include "common/log.h"
#include "learner/ppo.h"
#include "tests/learner/fd_views.h"
#include "tests/learner/learner_cfg.h"

enum { A = 3, H = 5 };

/* A small head with strong cross-muscle correlation: W O(1), s_lat 1, s_act ~0.5. */
static void small_head(float *W, float *ls_lat, float *ls_act, rng_t *r) {
  for (int i = 0; i < A * H; i++) W[i] = 0.6f * (float)rng_normal(r);
  for (int h = 0; h < H; h++) ls_lat[h] = -0.3f + 0.2f * (float)rng_normal(r);
  for (int a = 0; a < A; a++) ls_act[a] = -0.7f + 0.2f * (float)rng_normal(r);
}

Test(lattice, reduces_to_the_diagonal_gaussian_without_latent_noise) {
  rng_t r;
  rng_seed(&r, 1, 0, RNG_TEST, 0);
  float W[A * H], ls_lat[H], ls_act[A], mu[A], a[A];
  small_head(W, ls_lat, ls_act, &r);
  for (int i = 0; i < A; i++) mu[i] = (float)rng_normal(&r), a[i] = mu[i] + (float)rng_normal(&r);
  lattice_cov c0, c1;
  lattice_cov_init(&c0, A, H, 0.f); /* alpha 0: exactly diagonal */
  lattice_cov_init(&c1, A, H, 1.f);
  lattice_cov_update(&c0, W, ls_lat, ls_act);
  cr_expect_float_eq(lattice_logp(&c0, mu, a), gauss_logp(mu, ls_act, a, A), 1e-12);
  cr_expect_float_eq(lattice_entropy(&c0), gauss_entropy(ls_act, A), 1e-12);
  for (int h = 0; h < H; h++) ls_lat[h] = -30.f; /* s_lat^2 = e^-60: numerically zero */
  lattice_cov_update(&c1, W, ls_lat, ls_act);
  double u[A];
  cr_expect_float_eq(lattice_logp_u(&c1, mu, a, u), gauss_logp(mu, ls_act, a, A), 1e-9);
  cr_expect_float_eq(lattice_entropy(&c1), gauss_entropy(ls_act, A), 1e-9);
  for (int i = 0; i < A; i++) /* u = r / s_act^2 */
    cr_expect_float_eq(u[i], ((double)a[i] - mu[i]) * exp(-2.0 * ls_act[i]), 1e-9);
  lattice_cov_free(&c0);
  lattice_cov_free(&c1);
}

/* p(a) = E_{z_lat}[ prod_j N(a_j; mu_j + alpha (W (s_lat . z_lat))_j, s_act_j^2) ]: the latent noise
 * integrated out by sampling, straight from the generative model. Entropy = E[-log p(a)], a sampled. */
Test(lattice, logp_and_entropy_match_monte_carlo) {
  rng_t r;
  rng_seed(&r, 2, 0, RNG_TEST, 0);
  float W[A * H], ls_lat[H], ls_act[A], mu[A] = {0.3f, -0.2f, 0.1f}, zl[H], za[A], a[A], m[A], scr[H];
  small_head(W, ls_lat, ls_act, &r);
  const float alpha = 0.8f;
  lattice_cov c;
  lattice_cov_init(&c, A, H, alpha);
  lattice_cov_update(&c, W, ls_lat, ls_act);
  float zero[A] = {0};
  for (int q = 0; q < 3; q++) { /* three query points */
    for (int i = 0; i < A; i++) a[i] = mu[i] + 0.7f * (float)rng_normal(&r);
    const int N = 200000;
    double s = 0;
    for (int n = 0; n < N; n++) {
      rng_normal_fill(&r, zl, H);
      lattice_perturb(W, ls_lat, ls_act, alpha, A, H, zl, zero, mu, m, scr); /* mean given z_lat */
      s += exp(gauss_logp(m, ls_act, a, A));
    }
    double mc = log(s / N), exact = lattice_logp(&c, mu, a);
    cr_expect_lt(fabs(mc - exact), 0.02, "query %d: MC log p %g, formula %g", q, mc, exact);
  }
  const int N = 200000;
  double s = 0, s2 = 0;
  for (int n = 0; n < N; n++) {
    rng_normal_fill(&r, zl, H);
    rng_normal_fill(&r, za, A);
    lattice_perturb(W, ls_lat, ls_act, alpha, A, H, zl, za, mu, a, scr);
    double l = -lattice_logp(&c, mu, a);
    s += l, s2 += l * l;
  }
  double mean = s / N, se = sqrt((s2 / N - mean * mean) / N);
  cr_expect_lt(fabs(mean - lattice_entropy(&c)), 5 * se, "MC entropy %g +- %g, formula %g", mean, se,
               lattice_entropy(&c));
  lattice_cov_free(&c);
}

/* L = sum_i c_i log p(a_i | mu_i) + beta entropy, as a function of every float parameter. */
enum { NB = 4 };
static double fd_loss(lattice_cov *c, const float *W, const float *ls_lat, const float *ls_act, const float *mu,
                      const float *act, const double *ci, double beta) {
  lattice_cov_update(c, W, ls_lat, ls_act);
  double L = beta * lattice_entropy(c);
  for (int i = 0; i < NB; i++) L += ci[i] * lattice_logp(c, mu + i * A, act + i * A);
  return L;
}

static double rel_err(double fd, double an) { return fabs(fd - an) / fmax(1e-2, fabs(fd)); }

Test(lattice, gradients_match_central_differences) {
  rng_t r;
  rng_seed(&r, 3, 0, RNG_TEST, 0);
  float W[A * H], ls_lat[H], ls_act[A], mu[NB * A], act[NB * A];
  small_head(W, ls_lat, ls_act, &r);
  double ci[NB], beta = 0.7, u[A], G[A * A] = {0}, dmu[NB * A], dls_lat[H] = {0}, dls_act[A] = {0};
  float dW[A * H] = {0};
  for (int i = 0; i < NB * A; i++) mu[i] = (float)rng_normal(&r), act[i] = mu[i] + (float)rng_normal(&r);
  for (int i = 0; i < NB; i++) ci[i] = rng_normal(&r);
  lattice_cov c;
  lattice_cov_init(&c, A, H, 1.3f);
  lattice_cov_update(&c, W, ls_lat, ls_act);
  /* analytic: dL/dmu_i = c_i u_i; dL/dSigma = sum c_i 0.5 (u u^T - Sigma^-1) + beta 0.5 Sigma^-1 */
  for (int i = 0; i < NB; i++) {
    lattice_logp_u(&c, mu + i * A, act + i * A, u);
    for (int j = 0; j < A; j++) {
      dmu[i * A + j] = ci[i] * u[j];
      for (int k = 0; k < A; k++) G[j * A + k] += ci[i] * 0.5 * (u[j] * u[k] - c.inv[j * A + k]);
    }
  }
  for (int j = 0; j < A * A; j++) G[j] += beta * 0.5 * c.inv[j];
  lattice_cov_backward(&c, W, ls_lat, ls_act, G, dW, dls_lat, dls_act);
  /* central differences on the float parameters, with the step that float actually took */
  struct { float *p; int n; const char *name; } blk[4] = {{W, A * H, "W"}, {ls_lat, H, "log_s_lat"},
                                                          {ls_act, A, "log_s_act"}, {mu, NB * A, "mu"}};
  for (int b = 0; b < 4; b++) {
    double worst = 0;
    for (int i = 0; i < blk[b].n; i++) {
      float s = blk[b].p[i], hp = s + 1e-3f, hm = s - 1e-3f;
      blk[b].p[i] = hp;
      double lp = fd_loss(&c, W, ls_lat, ls_act, mu, act, ci, beta);
      blk[b].p[i] = hm;
      double lm = fd_loss(&c, W, ls_lat, ls_act, mu, act, ci, beta);
      blk[b].p[i] = s;
      double fd = (lp - lm) / ((double)hp - hm);
      double an = b == 0 ? dW[i] : b == 1 ? dls_lat[i] : b == 2 ? dls_act[i] : dmu[i];
      worst = fmax(worst, rel_err(fd, an));
    }
    cr_expect_lt(worst, 1e-4, "%s: worst relative error %g", blk[b].name, worst);
  }
  lattice_cov_free(&c);
}

/* ppo_minibatch_step with the Lattice head (lr 0): its gradient arena against central differences of
 * forward + ppo_loss_lattice for every view, and the block-wise norm against a full pass. */
static double ac_loss_lat(ppo_learner *p, const float *params, const float *obs, const float *act, const float *lo,
                          const float *vo, const float *adv, const float *ret, int B) {
  const ac_net *n = p->net;
  const float *mu = nn_mlp_forward(&n->pi, params, &p->ws.pi, obs, B);
  const float *v = nn_mlp_forward(&n->v, params, &p->ws.v, obs, B);
  lattice_cov_update(&p->ws.cov, ac_head_w(n, params), params + n->log_std_lat_off, params + n->log_std_off);
  ppo_mb_stats st;
  return ppo_loss_lattice(&p->cfg, &p->ws.cov, B, mu, v, act, lo, vo, adv, ret, p->dmu, p->dv, p->lat_G, p->lat_u,
                          &st);
}

Test(lattice, ppo_minibatch_gradient_matches_finite_differences) {
  /* zero head bias: the finite differences are sized for means of O(1) around the actions */
  ac_config ac = TEST_AC(4, 3, "nn.hidden=8,6", "nn.init_log_std=-0.5", "nn.head=lattice", "lattice.alpha=0.9",
                         "lattice.resample_every=1", "lattice.init_log_std_lat=-0.2", "env.excitation_baseline=0.5");
  ac_net net;
  ac_init(&net, &ac);
  cr_assert_not_null(nn_layout_find(&net.layout, "log_std_lat"));
  cr_expect_eq(nn_layout_find(&net.layout, "log_std_lat")->n, 6);
  ppo_config c = TEST_PPO("ppo.ent_coef=0.05", "ppo.minibatch=6", "ppo.norm_adv=false");
  ppo_learner p;
  ppo_init(&p, &net, &c, 6, 3);
  cr_expect_float_eq(p.params[net.log_std_lat_off + 5], -0.2f, 0);
  rng_t r;
  rng_seed(&r, 4, 0, RNG_TEST, 0);
  for (size_t i = 0; i < net.nparams; i++) p.params[i] += 0.3f * (float)rng_normal(&r); /* W of O(1) */
  enum { B = 6 };
  float obs[B * 4], act[B * 3], lo[B], vo[B], adv[B], ret[B];
  for (int i = 0; i < B * 4; i++) obs[i] = (float)rng_normal(&r);
  for (int i = 0; i < B * 3; i++) act[i] = 0.5f * (float)rng_normal(&r);
  for (int i = 0; i < B; i++) vo[i] = (float)rng_normal(&r), adv[i] = (float)rng_normal(&r), ret[i] = (float)rng_normal(&r);
  /* logp_old near logp_new (ratio inside the clip: the loss is smooth there) */
  float *w = xaligned(net.nparams * 4);
  memcpy(w, p.params, net.nparams * 4);
  {
    const float *mu = nn_mlp_forward(&net.pi, w, &p.ws.pi, obs, B);
    lattice_cov_update(&p.ws.cov, ac_head_w(&net, w), w + net.log_std_lat_off, w + net.log_std_off);
    for (int i = 0; i < B; i++) lo[i] = (float)lattice_logp(&p.ws.cov, mu + i * 3, act + i * 3) + 0.05f * (float)rng_normal(&r);
  }
  ppo_mb_stats st;
  ppo_minibatch_step(&p, obs, act, lo, vo, adv, ret, B, 0.f, &st);
  cr_expect_eq(memcmp(w, p.params, net.nparams * 4), 0, "lr 0 leaves the parameters alone");
  cr_expect_float_eq(st.grad_norm, adam_grad_norm(p.grads, net.nparams), 1e-5 * st.grad_norm);
  fd_check_views(&p, &net, w, ac_loss_lat, obs, act, lo, vo, adv, ret, B);
  free(w);
  ppo_free(&p);
}

/* A lattice actor-critic with W of O(1) so that the latent noise dominates. */
static void sampling_net(ac_net *net, float **params, int k, rng_t *r) {
  char hidden[32], every[48];
  snprintf(hidden, sizeof hidden, "nn.hidden=%d", H);
  snprintf(every, sizeof every, "lattice.resample_every=%d", k);
  /* deterministic = mu: the tests compare sampled actions with the mean the head computes */
  ac_config ac = TEST_AC(4, A, hidden, "nn.init_log_std=-0.8", "nn.head=lattice", "lattice.alpha=1.2", every,
                         "lattice.init_log_std_lat=-0.2", "nn.deterministic=mean_action");
  ac_init(net, &ac);
  *params = xaligned(net->nparams * sizeof(float));
  ac_init_params(net, *params, r);
  float *W = *params + net->pi.w_off[net->pi.nlayers - 1];
  for (int i = 0; i < A * H; i++) W[i] = 0.7f * (float)rng_normal(r);
}

enum { NE = 4096 };

Test(lattice, sampled_actions_have_the_formula_covariance) {
  rng_t r;
  rng_seed(&r, 5, 0, RNG_TEST, 0);
  ac_net net;
  float *params;
  sampling_net(&net, &params, 1, &r);
  ac_ws ws;
  ac_ws_init(&ws, &net, NE, 0);
  static float obs[NE * 4], act[NE * A], logp[NE], mu[NE * A];
  for (int e = 0; e < NE; e++)
    for (int i = 0; i < 4; i++) obs[e * 4 + i] = 0.1f * (float)(i + 1); /* one state for all rows */
  ac_act(&net, params, &ws, obs, NE, NULL, 1, mu, NULL, NULL);
  double S[A * A] = {0};
  long N = 0;
  for (int call = 0; call < 25; call++) {
    ac_act(&net, params, &ws, obs, NE, &r, 0, act, logp, NULL);
    for (int e = 0; e < NE; e++, N++) {
      for (int i = 0; i < A; i++)
        for (int j = 0; j < A; j++) S[i * A + j] += ((double)act[e * A + i] - mu[i]) * ((double)act[e * A + j] - mu[j]);
      if (e < 8) cr_expect_float_eq(logp[e], lattice_logp(&ws.cov, mu, act + e * A), 1e-5);
    }
  }
  const double *Sig = ws.cov.sigma;
  int offdiag_large = 0;
  for (int i = 0; i < A; i++)
    for (int j = 0; j < A; j++) {
      double emp = S[i * A + j] / N, se = sqrt((Sig[i * A + i] * Sig[j * A + j] + Sig[i * A + j] * Sig[i * A + j]) / N);
      cr_expect_lt(fabs(emp - Sig[i * A + j]), 5 * se, "cov[%d][%d]: sampled %g, formula %g (se %g)", i, j, emp,
                   Sig[i * A + j], se);
      if (i != j && fabs(Sig[i * A + j]) > 0.2 * sqrt(Sig[i * A + i] * Sig[j * A + j])) offdiag_large++;
    }
  cr_expect_gt(offdiag_large, 0, "the test head should correlate muscles noticeably");
  ac_ws_free(&ws);
  free(params);
}

Test(lattice, noise_is_held_for_k_steps_and_independent_across_resamples) {
  enum { K = 3, T = 9 };
  rng_t r;
  rng_seed(&r, 6, 0, RNG_TEST, 0);
  ac_net net;
  float *params;
  sampling_net(&net, &params, K, &r);
  ac_ws ws;
  ac_ws_init(&ws, &net, NE, 0);
  static float obs[NE * 4], act[T][NE * A], mu[NE * A], junk[NE * A];
  for (int e = 0; e < NE; e++)
    for (int i = 0; i < 4; i++) obs[e * 4 + i] = 0.2f * (float)i - 0.1f;
  ac_act(&net, params, &ws, obs, NE, NULL, 1, mu, NULL, NULL);
  for (int t = 0; t < T; t++) {
    ac_act(&net, params, &ws, obs, NE, &r, 0, act[t], NULL, NULL);
    ac_act(&net, params, &ws, obs, NE / 2, &r, 1, junk, NULL, NULL); /* deterministic: no effect on the noise */
  }
  for (int t = 0; t < T; t++) { /* constant within a block of K steps, different at every resample */
    int same = !memcmp(act[t], act[t - t % K], sizeof act[t]);
    cr_expect(same, "step %d differs from the first step of its block", t);
    if (t % K == 0 && t) cr_expect(memcmp(act[t], act[t - 1], sizeof act[t]), "step %d: no resample", t);
  }
  /* across resamples: cross-covariance of the noise in consecutive blocks ~ 0 for every muscle pair */
  for (int b = 0; b + 1 < T / K; b++)
    for (int i = 0; i < A; i++)
      for (int j = 0; j < A; j++) {
        double s = 0, si = 0, sj = 0;
        for (int e = 0; e < NE; e++) {
          double x = act[b * K][e * A + i] - mu[i], y = act[(b + 1) * K][e * A + j] - mu[j];
          s += x * y, si += x * x, sj += y * y;
        }
        double corr = s / sqrt(si * sj);
        cr_expect_lt(fabs(corr), 5.0 / sqrt(NE), "blocks %d,%d muscles %d,%d: correlation %g", b, b + 1, i, j, corr);
      }
  ac_ws_free(&ws);
  free(params);
}

Test(lattice, noise_state_round_trip_continues_exactly) {
  enum { K = 4 };
  rng_t r;
  rng_seed(&r, 7, 0, RNG_TEST, 0);
  ac_net net;
  float *params;
  sampling_net(&net, &params, K, &r);
  ac_ws ws;
  enum { E = 5 };
  ac_ws_init(&ws, &net, E, 0);
  float obs[E * 4], a1[6][E * A], a2[E * A];
  for (int i = 0; i < E * 4; i++) obs[i] = (float)rng_normal(&r);
  for (int t = 0; t < 6; t++) ac_act(&net, params, &ws, obs, E, &r, 0, a1[0], NULL, NULL); /* mid-block */
  size_t n = ac_noise_state_size(&ws);
  cr_assert_eq(n, (size_t)E * (4 + (H + A) * 4));
  unsigned char *blob = malloc(n);
  ac_noise_save(&ws, blob);
  rng_t saved = r;
  for (int t = 0; t < 6; t++) ac_act(&net, params, &ws, obs, E, &r, 0, a1[t], NULL, NULL);
  d2m_err err;
  cr_assert_eq(ac_noise_check(&ws, blob, n, &err), 0);
  ac_noise_load(&ws, blob, n);
  r = saved;
  for (int t = 0; t < 6; t++) {
    ac_act(&net, params, &ws, obs, E, &r, 0, a2, NULL, NULL);
    cr_expect_eq(memcmp(a1[t], a2, sizeof a2), 0, "step %d after restore differs", t);
  }
  /* corrupt blobs are refused before anything changes */
  cr_expect_neq(ac_noise_check(&ws, blob, n - 1, &err), 0);
  uint32_t bad = K;
  memcpy(blob + 4, &bad, 4);
  cr_expect_neq(ac_noise_check(&ws, blob, n, &err), 0);
  cr_expect(strstr(err.msg, "age") != NULL, "%s", err.msg);
  free(blob);
  ac_ws_free(&ws);
  free(params);
}

/* ac_act's batched path (one BLIS GEMM for all rows) against the naive lattice_perturb. */
Test(lattice, batched_sampling_matches_the_reference_kernel) {
  rng_t r;
  rng_seed(&r, 8, 0, RNG_TEST, 0);
  ac_net net;
  float *params;
  sampling_net(&net, &params, 2, &r);
  enum { E = 7 };
  ac_ws ws;
  ac_ws_init(&ws, &net, E, 0);
  float obs[E * 4], act[E * A], mu[E * A], ref[A], scr[H];
  for (int i = 0; i < E * 4; i++) obs[i] = (float)rng_normal(&r);
  ac_act(&net, params, &ws, obs, E, NULL, 1, mu, NULL, NULL);
  const float *W = ac_head_w(&net, params);
  for (int t = 0; t < 3; t++) {
    ac_act(&net, params, &ws, obs, E, &r, 0, act, NULL, NULL);
    for (int e = 0; e < E; e++) {
      lattice_perturb(W, params + net.log_std_lat_off, params + net.log_std_off, net.cfg.lat_alpha, A, H,
                      ws.noise.z_lat + e * H, ws.noise.z_act + e * A, mu + e * A, ref, scr);
      for (int i = 0; i < A; i++) cr_expect_float_eq(act[e * A + i], ref[i], 1e-5, "step %d env %d muscle %d", t, e, i);
    }
  }
  ac_ws_free(&ws);
  free(params);
}
