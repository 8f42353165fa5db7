/* tests/learner/test_amp.c: the AMP discriminator (learner/amp.h).
 *  - gradient-penalty term: parameter gradient vs central finite differences, and its input
 *    gradient vs finite differences of D;
 *  - the whole loss (least squares + penalty + logit regularisation + weight decay) vs finite
 *    differences;
 *  - style reward in [0, 1] for any logit, and on a disc with large random weights;
 *  - reference transitions of the embedded default gait vs transitions of random muscle excitations
 *    of the walk env: the discriminator separates them above 90% within a bounded number of steps;
 *  - checkpoint round trip: the restored discriminator trains on exactly as the original. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envs/env_config.h"
#include "envs/model/model.h"
#include "learner/amp.h"

/* The discriminator's configuration as a run builds it: the table's defaults (gradient penalty 5,
 * logit_reg 0.05, weight decay 1e-4, Adam) with the test's sizes as overrides. */
static amp_config amp_cfg_with(int feat, const char *const *overrides) {
  cfg_t cfg;
  amp_config c;
  d2m_err err;
  cr_assert_eq(cfg_with(&cfg, overrides, &err), 0, "%s", err.msg);
  cr_assert_eq(amp_config_from_cfg(&cfg, &c, &err), 0, "%s", err.msg);
  c.feat = feat; /* from the environment, not the table */
  return c;
}
#define SMALL_AMP "amp.hidden=16,12", "amp.lr=1e-3", "amp.epochs=1", "amp.minibatch=8", "amp.replay_size=64"
static amp_config small_cfg(int feat) { return amp_cfg_with(feat, (const char *const[]){SMALL_AMP, NULL}); }

/* A small disc with unit normalisation and weights scaled up so tanh'' matters. */
static void small_disc(amp_disc *a, amp_config *c, uint64_t seed) {
  int din = 2 * c->feat;
  float *ref = calloc((size_t)din * 4, sizeof(float));
  rng_t r;
  rng_seed(&r, seed, 0, RNG_TEST, 0);
  for (int i = 0; i < din * 4; i++) ref[i] = (float)rng_normal(&r);
  amp_init(a, c, ref, 4, 16, seed);
  free(ref);
  for (int j = 0; j < din; j++) {
    a->mean[j] = 0.f;
    a->istd[j] = 1.f;
  }
  for (size_t i = 0; i < a->layout.total; i++) a->params[i] *= 1.5f;
  for (int l = 0; l < a->L; l++) /* non-zero biases */
    for (int j = 0; j < a->mlp.dim[l + 1]; j++) a->params[a->mlp.b_off[l] + j] = 0.3f * (float)rng_normal(&r);
}

static void random_rows(float *x, int n, int din, uint64_t seed) {
  rng_t r;
  rng_seed(&r, seed, 1, RNG_TEST, 1);
  for (int i = 0; i < n * din; i++) x[i] = (float)rng_normal(&r);
}

/* max_i |g_i - fd_i| / (max_i |fd_i|): a scale-aware error over the whole vector. */
static double fd_compare(amp_disc *a, const float *g, double (*f)(amp_disc *, void *), void *ctx) {
  double err = 0, scale = 1e-8;
  for (size_t i = 0; i < a->layout.total; i++) {
    float p0 = a->params[i];
    double h = 1e-2 * fmax(1.0, fabs(p0));
    a->params[i] = p0 + (float)h;
    double fp = f(a, ctx);
    a->params[i] = p0 - (float)h;
    double fm = f(a, ctx);
    a->params[i] = p0;
    double fd = (fp - fm) / (2 * h);
    scale = fmax(scale, fabs(fd));
    err = fmax(err, fabs(fd - g[i]));
  }
  return err / scale;
}

typedef struct gp_ctx {
  const float *x;
  int n;
} gp_ctx;
static double gp_value(amp_disc *a, void *ctx) {
  gp_ctx *c = ctx;
  return amp_gp_term(a, c->x, c->n, NULL);
}

Test(amp, gradient_penalty_parameter_gradient_by_finite_differences) {
  amp_config c = small_cfg(3);
  amp_disc a;
  small_disc(&a, &c, 3);
  float x[5 * 6];
  random_rows(x, 5, 6, 4);
  float *g = calloc(a.layout.total, sizeof(float));
  double P = amp_gp_term(&a, x, 5, g);
  cr_assert(P > 1e-3, "penalty %g too small to test", P);
  gp_ctx ctx = {x, 5};
  double e = fd_compare(&a, g, gp_value, &ctx);
  cr_assert(e < 2e-3, "penalty gradient vs finite differences: relative error %g", e);
  cr_log_info("penalty P = %g, gradient vs finite differences: relative error %g", P, e);
  free(g);
  amp_free(&a);
}

Test(amp, gradient_penalty_value_is_input_gradient_norm) {
  amp_config c = amp_cfg_with(3, (const char *const[]){SMALL_AMP, "amp.grad_penalty=2", NULL}); /* P = mean ||dD/dx||^2 */
  amp_disc a;
  small_disc(&a, &c, 5);
  float x[6], xp[6], d1, d2;
  random_rows(x, 1, 6, 6);
  double P = amp_gp_term(&a, x, 1, NULL), fd2 = 0;
  for (int j = 0; j < 6; j++) {
    memcpy(xp, x, sizeof x);
    xp[j] = x[j] + 1e-2f;
    amp_logits(&a, xp, 1, &d1);
    xp[j] = x[j] - 1e-2f;
    amp_logits(&a, xp, 1, &d2);
    double fd = (d1 - d2) / 2e-2;
    fd2 += fd * fd;
  }
  cr_assert(fabs(P - fd2) < 1e-3 * fmax(1, fd2), "||dD/dx||^2 %g, finite differences %g", P, fd2);
  amp_free(&a);
}

typedef struct loss_ctx {
  const float *xr, *xp;
  int nr, np;
} loss_ctx;
static double loss_value(amp_disc *a, void *ctx) {
  loss_ctx *c = ctx;
  return amp_loss_grad(a, c->xr, c->nr, c->xp, c->np, NULL, NULL, NULL, NULL);
}

Test(amp, full_loss_gradient_by_finite_differences) {
  amp_config c = small_cfg(2);
  amp_disc a;
  small_disc(&a, &c, 7);
  float xr[3 * 4], xp[5 * 4];
  random_rows(xr, 3, 4, 8);
  random_rows(xp, 5, 4, 9);
  loss_ctx ctx = {xr, xp, 3, 5};
  amp_loss_grad(&a, xr, 3, xp, 5, NULL, NULL, NULL, NULL);
  float *g = malloc(a.layout.total * sizeof(float));
  memcpy(g, a.grads, a.layout.total * sizeof(float));
  double e = fd_compare(&a, g, loss_value, &ctx);
  cr_assert(e < 2e-3, "loss gradient vs finite differences: relative error %g", e);
  cr_log_info("whole loss gradient vs finite differences: relative error %g", e);
  free(g);
  amp_free(&a);
}

Test(amp, style_reward_bounded) {
  for (double d = -1e4; d <= 1e4; d += 0.37) {
    float r = amp_style_reward((float)d);
    cr_assert(r >= 0.f && r <= 1.f, "r(%g) = %g", d, r);
  }
  cr_assert_float_eq(amp_style_reward(1.f), 1.f, 0);
  cr_assert_float_eq(amp_style_reward(-1.f), 0.f, 0);
  cr_assert_float_eq(amp_style_reward(3.f), 0.f, 0);
  cr_assert_float_eq(amp_style_reward(0.f), 0.75f, 1e-7);
  amp_config c = small_cfg(3);
  amp_disc a;
  small_disc(&a, &c, 11);
  for (size_t i = 0; i < a.layout.total; i++) a.params[i] *= 20.f; /* logits far outside [-1, 3] */
  float x[100 * 6], r[100];
  random_rows(x, 100, 6, 12);
  for (int i = 0; i < 600; i++) x[i] *= 100.f;
  double s = amp_rewards(&a, x, 100, r);
  for (int i = 0; i < 100; i++) cr_assert(r[i] >= 0.f && r[i] <= 1.f, "reward %g", r[i]);
  cr_assert(s >= 0 && s <= 100);
  amp_free(&a);
}

/* Reference rows from the default gait; policy rows from random excitations of the walk env. */
static long policy_rows(float **out, int *feat) {
  d2m_err err;
  mjModel *m = model_load(NULL, &err);
  cr_assert(m, "%s", err.msg);
  cfg_t c;
  env_params p;
  cr_assert_eq(CFG_WITH(&c, &err, "env.task=walk"), 0, "%s", err.msg);
  cr_assert_eq(env_params_from_cfg(&c, &p, &err), 0, "%s", err.msg);
  env_t *e = env_create(m, &p, NULL, &err);
  cr_assert(e, "%s", err.msg);
  env_reset(e, 21);
  int F = env_amp_size(e), A = env_act_size(e), O = env_obs_size(e);
  long n = 600;
  float *x = malloc((size_t)n * 2 * F * sizeof(float)), *act = malloc((size_t)A * sizeof(float));
  float *obs = malloc((size_t)O * sizeof(float)), *cur = malloc((size_t)F * sizeof(float));
  rng_t r;
  rng_seed(&r, 21, 0, RNG_TEST, 2);
  env_amp_features(e, cur);
  for (long i = 0; i < n; i++) {
    for (int k = 0; k < A; k++) act[k] = (float)rng_normal(&r);
    float *row = x + (size_t)i * 2 * F;
    memcpy(row, cur, (size_t)F * sizeof(float));
    env_step_out o = {.obs = obs, .final_amp = row + F};
    env_step(e, act, &o);
    if (!o.done) env_amp_features(e, row + F);
    env_amp_features(e, cur);
  }
  free(act);
  free(obs);
  free(cur);
  env_free(e);
  mj_deleteModel(m);
  *out = x;
  *feat = F;
  return n;
}

static long reference_rows(float **out, int *feat) {
  cfg_t cfg;
  cfg_defaults(&cfg);
  d2m_err err;
  long n;
  cr_assert(amp_reference_from_cfg(&cfg, out, &n, feat, &err) == 0, "%s", err.msg);
  return n;
}

Test(amp, separates_default_gait_from_random_excitations, .timeout = 60) {
  float *ref, *pol;
  int F, F2;
  long nref = reference_rows(&ref, &F), npol = policy_rows(&pol, &F2);
  cr_assert_eq(F, F2);
  cr_assert(nref >= 20, "default gait: %ld reference transitions", nref);
  amp_config c = amp_cfg_with(F, (const char *const[]){"amp.hidden=64,64", "amp.lr=1e-3", "amp.epochs=1",
                                                        "amp.minibatch=64", "amp.replay_size=4096", NULL});
  amp_disc a;
  amp_init(&a, &c, ref, nref, npol, 1);
  float *d = malloc((size_t)(nref + npol) * sizeof(float));
  double acc_r = 0, acc_p = 0;
  int it;
  const int max_updates = 40; /* at most 40 x 600/32 = 750 discriminator steps */
  for (it = 1; it <= max_updates; it++) {
    amp_metrics m;
    amp_add_policy(&a, pol, npol);
    amp_train(&a, &m);
    amp_logits(&a, ref, nref, d);
    amp_logits(&a, pol, npol, d + nref);
    long okr = 0, okp = 0;
    for (long i = 0; i < nref; i++) okr += d[i] > 0;
    for (long i = 0; i < npol; i++) okp += d[nref + i] < 0;
    acc_r = (double)okr / nref;
    acc_p = (double)okp / npol;
    if (acc_r > 0.9 && acc_p > 0.9) break;
  }
  cr_assert(acc_r > 0.9 && acc_p > 0.9, "after %d updates: accuracy reference %.3f, policy %.3f", it - 1, acc_r, acc_p);
  /* Style rewards follow: reference transitions score high, random ones low. */
  float *r = malloc((size_t)(nref + npol) * sizeof(float));
  double sr = amp_rewards(&a, ref, nref, r) / nref, sp = amp_rewards(&a, pol, npol, r + nref) / npol;
  cr_assert(sr > sp + 0.3, "mean style reward reference %.3f, random %.3f", sr, sp);
  cr_log_info("separated after %d updates: acc ref %.3f pol %.3f, reward ref %.3f pol %.3f", it, acc_r, acc_p, sr, sp);
  free(r);
  free(d);
  free(ref);
  free(pol);
  amp_free(&a);
}

Test(amp, checkpoint_round_trip_trains_identically) {
  amp_config c = small_cfg(3);
  amp_disc a, b;
  small_disc(&a, &c, 13);
  float x[40 * 6];
  random_rows(x, 40, 6, 14);
  amp_metrics m;
  for (int k = 0; k < 3; k++) { /* fills part of the replay buffer, moves Adam and the rng */
    amp_add_policy(&a, x + k * 6 * 10, 10);
    amp_train(&a, &m);
  }
  char path[] = "/tmp/test_amp_ckpt_XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  close(fd);
  ckpt_section sec[8];
  unsigned char meta[AMP_META_BYTES];
  int ns = amp_ckpt_sections(&a, sec, meta);
  d2m_err err;
  cr_assert(ckpt_write(path, sec, ns, &err) == 0, "%s", err.msg);
  small_disc(&b, &c, 99); /* different weights: all must come from the file */
  memcpy(b.mean, a.mean, 6 * sizeof(float));
  memcpy(b.istd, a.istd, 6 * sizeof(float));
  memcpy(b.ref, a.ref, 4 * 6 * sizeof(float)); /* the run rebuilds the same reference rows */
  ckpt_file f;
  cr_assert(ckpt_read(path, &f, &err) == 0, "%s", err.msg);
  cr_assert(amp_ckpt_restore(&b, &f, &err) == 0, "%s", err.msg);
  ckpt_close(&f);
  unlink(path);
  amp_add_policy(&a, x + 180, 10);
  amp_add_policy(&b, x + 180, 10);
  amp_train(&a, &m);
  amp_train(&b, &m);
  cr_assert(memcmp(a.params, b.params, a.layout.total * sizeof(float)) == 0, "params differ after one more update");
  cr_assert(a.rlen == b.rlen && a.rpos == b.rpos && memcmp(a.replay, b.replay, (size_t)a.rlen * 6 * 4) == 0);
  amp_free(&a);
  amp_free(&b);
}

Test(amp, hidden_widths_parse) {
  amp_config c;
  cfg_t cfg;
  d2m_err err;
  cfg_defaults(&cfg);
#define HIDDEN(s) (snprintf(cfg.amp_hidden, sizeof cfg.amp_hidden, "%s", s), amp_config_from_cfg(&cfg, &c, &err))
  cr_assert(HIDDEN("256,128") == 0 && c.nhidden == 2 && c.hidden[0] == 256 && c.hidden[1] == 128);
  cr_assert(HIDDEN("64") == 0 && c.nhidden == 1 && c.hidden[0] == 64);
  cr_assert(HIDDEN("") != 0);
  cr_assert(HIDDEN("1,2,3,4,5") != 0 && strstr(err.msg, "amp.hidden"));
  cr_assert(HIDDEN("64;64") != 0 && strstr(err.msg, "amp.hidden"));
  cr_assert(HIDDEN("0") != 0);
#undef HIDDEN
}
