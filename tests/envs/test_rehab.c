/* tests/envs/test_rehab.c: the use-dependent recovery rule of the rehabilitation loop (envs/rehab.h):
 * known answers, the ceiling holds, zero use and the other side do not recover, the rehab.* keys. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "envs/rehab.h"

#define H (MODEL_NMUSCLE / 2)

static rehab_params params(double rate, double ceiling, const char *recover, const char *side) {
  cfg_t c;
  cfg_defaults(&c);
  d2m_err err;
  char v[32];
  cr_assert_eq(cfg_set(&c, "test", "rehab", "enabled", "true", &err), 0, "%s", err.msg);
  snprintf(v, sizeof v, "%.17g", rate);
  cr_assert_eq(cfg_set(&c, "test", "rehab", "rate", v, &err), 0, "%s", err.msg);
  snprintf(v, sizeof v, "%.17g", ceiling);
  cr_assert_eq(cfg_set(&c, "test", "rehab", "ceiling", v, &err), 0, "%s", err.msg);
  cr_assert_eq(cfg_set(&c, "test", "rehab", "recover", recover, &err), 0, "%s", err.msg);
  cr_assert_eq(cfg_set(&c, "test", "rehab", "side", side, &err), 0, "%s", err.msg);
  rehab_params p;
  rehab_params_from_cfg(&c, &p);
  return p;
}

static void fill(double *x, double v) {
  for (int i = 0; i < MODEL_NMUSCLE; i++) x[i] = v;
}

Test(rehab, keys_defaults_and_bounds) {
  cfg_t c;
  cfg_defaults(&c);
  rehab_params p;
  rehab_params_from_cfg(&c, &p);
  cr_assert(!p.enabled && p.strength && !p.spasticity && p.side == 0 && p.phase_updates == 10);
  cr_assert_eq(p.rate, 0.1);
  cr_assert_eq(p.ceiling, 1.0);
  d2m_err err;
  cr_assert_neq(cfg_set(&c, "x.ini:3", "rehab", "rate", "1.5", &err), 0);
  cr_assert(strstr(err.msg, "rehab.rate"), "%s", err.msg);
  cr_assert_neq(cfg_set(&c, "x.ini:4", "rehab", "recover", "selectivity", &err), 0);
  cr_assert(strstr(err.msg, "rehab.recover"), "%s", err.msg);
}

Test(rehab, strength_known_answers) {
  rehab_params p = params(0.1, 1.0, "strength", "right");
  double use[MODEL_NMUSCLE], st[MODEL_NMUSCLE], g[MODEL_NMUSCLE];
  fill(use, 0.4), fill(st, 0.5), fill(g, 0.5);
  st[3] = 0.8, use[7] = 1.0;
  rehab_recover(&p, use, st, g);
  /* 0.5 + 0.1 * 0.4 * (1 - 0.5) = 0.52; 0.8 + 0.04 * 0.2 = 0.808; full use: 0.5 + 0.1 * 0.5 = 0.55 */
  cr_assert(fabs(st[0] - 0.52) < 1e-15, "%.17g", st[0]);
  cr_assert(fabs(st[3] - 0.808) < 1e-15, "%.17g", st[3]);
  cr_assert(fabs(st[7] - 0.55) < 1e-15, "%.17g", st[7]);
  for (int i = H; i < MODEL_NMUSCLE; i++) cr_assert_eq(st[i], 0.5, "left muscle %d changed", i);
  for (int i = 0; i < MODEL_NMUSCLE; i++) cr_assert_eq(g[i], 0.5, "reflex gain %d changed (recover = strength)", i);
  /* n phases at constant use: gap (1 - 0.5) (1 - rate u)^n */
  fill(st, 0.5);
  for (int k = 0; k < 20; k++) rehab_recover(&p, use, st, g);
  cr_assert(fabs(st[1] - (1 - 0.5 * pow(1 - 0.04, 20))) < 1e-12, "%.17g", st[1]);
}

Test(rehab, ceiling_holds) {
  rehab_params p = params(1.0, 0.9, "strength", "right");
  double use[MODEL_NMUSCLE], st[MODEL_NMUSCLE], g[MODEL_NMUSCLE];
  fill(use, 1), fill(st, 0.5), fill(g, 0);
  st[2] = 1.2; /* above the ceiling already: not lowered */
  for (int k = 0; k < 5; k++) {
    rehab_recover(&p, use, st, g);
    for (int i = 0; i < H; i++) cr_assert(i == 2 ? st[i] == 1.2 : st[i] <= 0.9, "muscle %d at %.17g", i, st[i]);
  }
  cr_assert_eq(st[0], 0.9); /* rate * use = 1 closes the gap in one phase, exactly */
  p = params(0.37, 1.0, "strength", "right");
  fill(st, 0.3);
  use[5] = 7; /* a bad report counts as full use, never more */
  for (int k = 0; k < 200; k++) rehab_recover(&p, use, st, g);
  for (int i = 0; i < H; i++) cr_assert(st[i] <= 1.0 && st[i] > 0.999, "muscle %d at %.17g", i, st[i]);
}

Test(rehab, zero_use_no_recovery) {
  rehab_params p = params(0.5, 1.0, "both", "left");
  double use[MODEL_NMUSCLE], st[MODEL_NMUSCLE], g[MODEL_NMUSCLE];
  fill(use, 0), fill(st, 0.5), fill(g, 0.3);
  use[H + 4] = NAN, use[H + 5] = -1;
  cr_assert_eq(rehab_recover(&p, use, st, g), 0);
  for (int i = 0; i < MODEL_NMUSCLE; i++) cr_assert(st[i] == 0.5 && g[i] == 0.3, "muscle %d changed", i);
}

Test(rehab, spasticity_known_answers_left_side) {
  rehab_params p = params(0.2, 1.0, "spasticity", "left");
  double use[MODEL_NMUSCLE], st[MODEL_NMUSCLE], g[MODEL_NMUSCLE];
  fill(use, 0.5), fill(st, 0.5), fill(g, 0.5);
  cr_assert_eq(rehab_recover(&p, use, st, g), H);
  for (int i = 0; i < H; i++) cr_assert(g[i] == 0.5 && st[i] == 0.5, "right muscle %d changed", i);
  for (int i = H; i < MODEL_NMUSCLE; i++) {
    cr_assert(fabs(g[i] - 0.45) < 1e-15, "%.17g", g[i]); /* 0.5 (1 - 0.2 * 0.5) */
    cr_assert_eq(st[i], 0.5);
  }
}

/* ---- the body in the env (env_set_body, env_take_use) ---- */

#include "envs/env.h"
#include "tests/envs/env_model_helper.h"

TEST_MODEL_SUITE(rehab_env);

Test(rehab_env, body_reaches_the_env_model_and_stays_across_episodes) {
  env_params p = TEST_PARAMS(ENV_TASK_STAND, "rehab.enabled=true", "env.push_force=0");
  env_t *e = test_env(g_m, &p);
  env_reset(e, 1);
  double st[MODEL_NMUSCLE], g[MODEL_NMUSCLE];
  for (int i = 0; i < MODEL_NMUSCLE; i++) st[i] = i < H ? 0.6 : 1.0, g[i] = 0;
  d2m_err err;
  cr_assert_eq(env_set_body(e, st, g, &err), 0, "%s", err.msg);
  for (int k = 0; k < 2; k++) { /* now and after the next episode start */
    const mjModel *m = env_model(e);
    for (int i = 0; i < MODEL_NMUSCLE; i++) {
      double want = g_m->actuator_gainprm[i * mjNGAIN + 2] * st[i];
      cr_assert(fabs(m->actuator_gainprm[i * mjNGAIN + 2] - want) < 1e-9 * fabs(want), "muscle %d gain", i);
      cr_assert(fabs(m->actuator_biasprm[i * mjNBIAS + 2] - g_m->actuator_biasprm[i * mjNBIAS + 2] * st[i]) < 1e-6,
                "muscle %d bias", i);
    }
    float v[ENV_SUBJECT_OBS];
    env_subject_vector(e, v);
    cr_assert(fabsf(v[0] - 0.6f) < 1e-6f && fabsf(v[1] - 1.0f) < 1e-6f, "subject vector %g %g", v[0], v[1]);
    env_reset(e, 2);
  }
  cr_assert(g_m->actuator_gainprm[2] != env_model(e)->actuator_gainprm[2], "the shared model must not change");
  /* a reflex gain needs a spastic subject's delay line */
  g[3] = 0.2;
  cr_assert_neq(env_set_body(e, st, g, &err), 0);
  cr_assert(strstr(err.msg, "spastic"), "%s", err.msg);
  env_free(e);
  /* without rehab.enabled the env has no body to change */
  env_params q = TEST_PARAMS(ENV_TASK_STAND, "env.push_force=0");
  e = test_env(g_m, &q);
  g[3] = 0;
  cr_assert_neq(env_set_body(e, st, g, &err), 0);
  cr_assert(strstr(err.msg, "rehab.enabled"), "%s", err.msg);
  double sum[MODEL_NMUSCLE];
  cr_assert_eq(env_take_use(e, sum), 0);
  env_free(e);
}

Test(rehab_env, use_is_the_mean_descending_excitation) {
  env_params p = TEST_PARAMS(ENV_TASK_STAND, "rehab.enabled=true", "env.push_force=0");
  env_t *e = test_env(g_m, &p);
  env_reset(e, 1);
  float a[MODEL_NMUSCLE];
  for (int i = 0; i < MODEL_NMUSCLE; i++) a[i] = (float)log(0.3 / 0.7); /* excitation sigmoid(a) = 0.3 */
  double sum[MODEL_NMUSCLE];
  env_take_use(e, sum);
  float *obs = malloc(sizeof(float) * (size_t)env_obs_size(e));
  env_step_out out = {.obs = obs};
  int steps = 0;
  for (; steps < 5; steps++) {
    env_step(e, a, &out);
    if (out.done) break;
  }
  long n = env_take_use(e, sum);
  cr_assert(n >= 1, "nothing summed");
  for (int i = 0; i < MODEL_NMUSCLE; i++) cr_assert(fabs(sum[i] / n - 0.3) < 1e-6, "muscle %d use %g", i, sum[i] / n);
  cr_assert_eq(env_take_use(e, sum), 0, "take_use restarts at 0");
  free(obs);
  env_free(e);
}
