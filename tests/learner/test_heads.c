/* tests/learner/test_heads.c: issue 13's learning fixes in nn/: the policy head's bias (resting
 * excitation), the deterministic action that gives the mean excitation, and Adam with separate
 * policy and value learning rates. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "nn/ac.h"
#include "nn/adam.h"
#include "nn/gauss.h"
#include "tests/learner/learner_cfg.h"

static double sigm(double x) { return 1 / (1 + exp(-x)); }

/* Known answers: symmetric at 0, identity without noise, and Monte Carlo (1e6 draws) elsewhere. */
Test(heads, sigmoid_mean_logit_matches_monte_carlo) {
  cr_assert_float_eq(gauss_sigmoid_mean_logit(0.f, 1.f), 0.f, 1e-6);
  cr_assert_float_eq(gauss_sigmoid_mean_logit(-2.f, 0.f), -2.f, 0);
  rng_t r;
  rng_seed(&r, 3, 0, RNG_TEST, 0);
  const float mus[] = {-2.944f, -1.f, 0.7f}, sds[] = {0.3f, 0.6065f, 1.5f};
  for (int i = 0; i < 3; i++) {
    double s = 0;
    const int N = 1000000;
    for (int k = 0; k < N; k++) s += sigm(mus[i] + sds[i] * rng_normal(&r));
    double want = s / N, got = sigm(gauss_sigmoid_mean_logit(mus[i], sds[i]));
    cr_assert(fabs(got - want) < 1e-3, "mu %g sd %g: %g vs Monte Carlo %g", mus[i], sds[i], got, want);
    /* below 0 the mean excitation is above sigmoid(mu), above 0 below it */
    cr_assert(mus[i] < 0 ? got > sigm(mus[i]) : got < sigm(mus[i]));
  }
}


/* A fresh policy starts at the resting excitation (head bias logit(0.05), head gain 0.01), and with
 * det_sigmoid_mean its deterministic action's sigmoid is the mean sigmoid of its samples. */
Test(heads, head_bias_and_deterministic_mean_excitation) {
  for (int head = 0; head < 2; head++) {
    ac_config c = TEST_AC(5, 4, "nn.hidden=8", "nn.init_log_std=-0.5", "env.excitation_baseline=0.05",
                          "nn.deterministic=mean_action", head ? "nn.head=lattice" : "nn.head=gaussian",
                          "lattice.resample_every=1", "lattice.init_log_std_lat=-1");
    cr_assert_float_eq(c.head_bias, log(0.05 / 0.95), 1e-6);
    cr_assert_eq(c.det_sigmoid_mean, 0);
    ac_net n;
    ac_ws ws;
    rng_t r;
    rng_seed(&r, 4, 0, RNG_TEST, head);
    float obs[5] = {0.3f, -1, 0.5f, 2, -0.2f}, a[4], mean_det[4], sum[4] = {0};
    ac_init(&n, &c);
    float *params = calloc(n.nparams, sizeof(float));
    ac_init_params(&n, params, &r);
    ac_ws_init(&ws, &n, 1, 0);
    ac_act(&n, params, &ws, obs, 1, &r, 1, a, NULL, NULL);
    for (int i = 0; i < 4; i++) cr_assert(fabs(sigm(a[i]) - 0.05) < 0.01, "excitation %g at init", sigm(a[i]));
    n.cfg.det_sigmoid_mean = 1;
    ac_act(&n, params, &ws, obs, 1, &r, 1, mean_det, NULL, NULL);
    const int N = 200000;
    for (int k = 0; k < N; k++) {
      ac_act(&n, params, &ws, obs, 1, &r, 0, a, NULL, NULL);
      for (int i = 0; i < 4; i++) sum[i] += (float)sigm(a[i]) / N;
    }
    for (int i = 0; i < 4; i++)
      cr_assert(fabs(sigm(mean_det[i]) - sum[i]) < 2e-3, "head %d action %d: %g vs sampled mean %g", head, i,
                sigm(mean_det[i]), sum[i]);
    ac_ws_free(&ws);
    free(params);
  }
}

/* joint_so: the outputs are hinge targets, a zero output is the centre pose: no bias from the resting
 * excitation, and the deterministic action is the mean (nn.deterministic = mean_excitation does not apply). */
Test(heads, joint_so_has_no_excitation_bias_and_a_mean_deterministic_action) {
  ac_config c = TEST_AC(5, 14, "nn.hidden=8", "env.action_mode=joint_so", "env.excitation_baseline=0.05",
                        "nn.deterministic=mean_excitation");
  cr_assert_eq(c.head_bias, 0.0f);
  cr_assert_eq(c.det_sigmoid_mean, 0);
}

/* adam_step_split with equal groups is adam_step; with different ones each group is the single Adam
 * run with its own lr and clip scale (same t). */
Test(heads, adam_split_equals_two_adams) {
  enum { N = 300, SPLIT = 123 };
  float p0[N], p1[N], p2[N], g[N];
  rng_t r;
  rng_seed(&r, 5, 0, RNG_TEST, 0);
  for (int i = 0; i < N; i++) p0[i] = p1[i] = p2[i] = (float)rng_normal(&r);
  cfg_t cfg = test_cfg(NULL);
  adam_config c;
  adam_config_from_cfg(&cfg, &c);
  adam_state a, b, s0;
  adam_init(&a, N), adam_init(&b, N), adam_init(&s0, N);
  for (int t = 0; t < 5; t++) {
    for (int i = 0; i < N; i++) g[i] = (float)rng_normal(&r);
    adam_step(&a, &c, 1e-3f, p0, g, 0.7f);
    adam_step_split(&b, &c, SPLIT, 1e-3f, 0.7f, 1e-3f, 0.7f, p1, g);
    adam_step_split(&s0, &c, SPLIT, 5e-5f, 1.f, 3e-4f, 0.5f, p2, g);
  }
  cr_assert(!memcmp(p0, p1, sizeof p0), "equal groups must reproduce adam_step bit for bit");
  /* the groups of the split run against single Adams run on each slice */
  float q[N];
  memcpy(q, p2, sizeof q);
  rng_seed(&r, 5, 0, RNG_TEST, 0);
  float ref[N];
  for (int i = 0; i < N; i++) ref[i] = (float)rng_normal(&r);
  float ra[SPLIT], rb[N - SPLIT];
  memcpy(ra, ref, sizeof ra);
  memcpy(rb, ref + SPLIT, sizeof rb);
  adam_state xa, xb;
  adam_init(&xa, SPLIT), adam_init(&xb, N - SPLIT);
  for (int t = 0; t < 5; t++) {
    for (int i = 0; i < N; i++) g[i] = (float)rng_normal(&r);
    adam_step(&xa, &c, 5e-5f, ra, g, 1.f);
    adam_step(&xb, &c, 3e-4f, rb, g + SPLIT, 0.5f);
  }
  cr_assert(!memcmp(ra, q, sizeof ra) && !memcmp(rb, q + SPLIT, sizeof rb), "split groups differ from single Adams");
  adam_free(&a), adam_free(&b), adam_free(&s0), adam_free(&xa), adam_free(&xb);
}
