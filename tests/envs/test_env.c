/* tests/envs/test_env.c: env core and tasks on the project's model (model_load, no files). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "envs/env.h"
#include "tests/envs/env_model_helper.h"

TEST_MODEL_SUITE(env);

/* pp: the task's parameters (test_params), or NULL for the defaults. */
static env_t *make(env_task task, const env_params *pp) {
  env_params p = pp ? *pp : test_params(task, NULL);
  cr_assert_eq(p.task, task);
  d2m_err e;
  env_t *env = env_create(g_m, &p, NULL, &e);
  cr_assert(env, "env_create(%s): %s", env_task_name(task), e.msg);
  return env;
}

static int all_finite(const float *x, int n) {
  for (int i = 0; i < n; i++)
    if (!isfinite(x[i])) return 0;
  return 1;
}

Test(env, sizes_and_finite_obs_all_tasks) {
  for (int task = 0; task < 3; task++) {
    env_t *e = make((env_task)task, NULL);
    int n = env_obs_size(e), sum = 0, size;
    for (int i = 0; i < env_obs_nblocks(e); i++) {
      cr_assert(env_obs_block(e, i, &size));
      sum += size;
    }
    cr_assert_eq(sum, n);
    cr_assert_eq(env_act_size(e), 80);
    cr_assert_eq(env_amp_size(e), 16 + 2 * 14);
    float *obs = malloc(sizeof(float) * n), act[80], amp[64];
    rng_t r;
    rng_seed(&r, 1, 0, RNG_TEST, task);
    env_reset(e, 3);
    env_observe(e, obs);
    cr_assert(all_finite(obs, n));
    env_step_out out = {.obs = obs};
    for (int t = 0; t < 60; t++) {
      rng_normal_fill(&r, act, 80);
      env_step(e, act, &out);
      cr_assert(all_finite(obs, n), "task %d step %d", task, t);
      cr_assert(isfinite(out.reward));
      cr_assert(!(out.done && out.ep.reason == ENV_END_NUMERICAL), "numerical end at the default dt");
      env_amp_features(e, amp);
      cr_assert(all_finite(amp, env_amp_size(e)));
    }
    free(obs);
    env_free(e);
  }
}

Test(env, stable_at_default_dt_random_excitation) {
  /* 10 s of random excitations on stand: episodes end by falls, never numerically. */
  env_t *e = make(ENV_TASK_STAND, NULL);
  float *obs = malloc(sizeof(float) * env_obs_size(e)), act[80];
  rng_t r;
  rng_seed(&r, 2, 0, RNG_TEST, 0);
  env_step_out out = {.obs = obs};
  for (int t = 0; t < 300; t++) {
    for (int i = 0; i < 80; i++) act[i] = (float)(4 * rng_uniform(&r) - 2);
    env_step(e, act, &out);
    cr_assert(!(out.done && out.ep.reason == ENV_END_NUMERICAL));
  }
  free(obs);
  env_free(e);
}

Test(env, nan_injection_resets_and_obs_finite) {
  env_t *e = make(ENV_TASK_WALK, NULL);
  int n = env_obs_size(e);
  float *obs = malloc(sizeof(float) * n), *fin = malloc(sizeof(float) * n), act[80] = {0};
  env_step_out out = {.obs = obs, .final_obs = fin};
  env_step(e, act, &out);
  cr_assert(!out.done);
  env_data(e)->qvel[7] = NAN;
  env_step(e, act, &out);
  cr_assert(out.done && out.terminated);
  cr_assert_eq(out.ep.reason, ENV_END_NUMERICAL);
  cr_assert_eq(out.ep.numerical_resets, 1);
  cr_assert(all_finite(obs, n) && all_finite(fin, n));
  /* The env was reset: the next step is an ordinary one. */
  env_step(e, act, &out);
  cr_assert(!out.done);
  cr_assert(all_finite(obs, n));
  free(obs);
  free(fin);
  env_free(e);
}

static void run_episodes(env_task task, uint64_t seed, float *rew, float *obs_trace, int steps, int n) {
  env_params p = TEST_PARAMS(task, "env.push_force=200", "env.push_interval=0.5"); /* the push stream too */
  env_t *e = make(task, &p);
  float *obs = malloc(sizeof(float) * n), act[80];
  rng_t r;
  rng_seed(&r, seed, 0, RNG_TEST, 7);
  env_reset(e, seed);
  env_step_out out = {.obs = obs};
  for (int t = 0; t < steps; t++) {
    rng_normal_fill(&r, act, 80);
    env_step(e, act, &out);
    rew[t] = out.reward;
    memcpy(obs_trace + (size_t)t * n, obs, sizeof(float) * n);
  }
  free(obs);
  env_free(e);
}

Test(env, determinism_same_seed_bit_identical) {
  for (int task = 0; task < 3; task += 2) {
    env_t *probe = make((env_task)task, NULL);
    int n = env_obs_size(probe), steps = 150;
    env_free(probe);
    float *ra = malloc(sizeof(float) * steps), *rb = malloc(sizeof(float) * steps);
    float *oa = malloc(sizeof(float) * steps * n), *ob = malloc(sizeof(float) * steps * n);
    run_episodes((env_task)task, 42, ra, oa, steps, n);
    run_episodes((env_task)task, 42, rb, ob, steps, n);
    cr_assert_eq(memcmp(ra, rb, sizeof(float) * steps), 0);
    cr_assert_eq(memcmp(oa, ob, sizeof(float) * steps * n), 0);
    run_episodes((env_task)task, 43, rb, ob, steps, n);
    cr_assert_neq(memcmp(oa, ob, sizeof(float) * steps * n), 0, "another seed should differ");
    free(ra);
    free(rb);
    free(oa);
    free(ob);
  }
}

static void expect_fall(env_task task) {
  env_t *e = make(task, NULL);
  float *obs = malloc(sizeof(float) * env_obs_size(e)), act[80];
  for (int i = 0; i < 80; i++) act[i] = -10; /* excitation ~0: the body collapses */
  env_step_out out = {.obs = obs};
  int t;
  for (t = 0; t < 300 && !out.done; t++) env_step(e, act, &out);
  cr_assert(out.done && out.terminated, "%s: no fall in 10 s without muscles", env_task_name(task));
  cr_assert_eq(out.ep.reason, ENV_END_FALL);
  cr_assert_eq(out.ep.success, 0);
  cr_assert_eq(out.ep.length, t);
  free(obs);
  env_free(e);
}

Test(env, falls_end_stand_and_walk) {
  expect_fall(ENV_TASK_STAND);
  expect_fall(ENV_TASK_WALK);
}

Test(env, truncation_at_episode_length) {
  env_params p = TEST_PARAMS(ENV_TASK_STAND, "stand.episode_s=0.2"); /* 6 steps: too short to fall */
  env_t *e = make(ENV_TASK_STAND, &p);
  int n = env_obs_size(e);
  float *obs = malloc(sizeof(float) * n), *fin = malloc(sizeof(float) * n), act[80] = {0};
  env_step_out out = {.obs = obs, .final_obs = fin};
  for (int t = 0; t < 6; t++) {
    env_step(e, act, &out);
    cr_assert_eq(out.done, t == 5);
  }
  cr_assert(out.truncated && !out.terminated && out.ep.success);
  cr_assert_eq(out.ep.reason, ENV_END_TIME);
  cr_assert_eq(out.ep.length, 6);
  cr_assert_neq(memcmp(obs, fin, sizeof(float) * n), 0, "obs is the new episode's, final_obs the old one's");
  free(obs);
  free(fin);
  env_free(e);
}

/* The MuJoCo arena (envs/model/mjcf.c: njmax, nconmax, and the stack MuJoCo sizes from them) fits
 * 64 actors x 8 envs on a 64-GB node with room to spare (<= 20 MB per env, README), yet random
 * excitations with falls and pushes use at most a third of the contacts and constraints and never
 * overflow (an overflow would drop contacts and change the physics). */
Test(env, arena_headroom_and_size, .timeout = 120) {
  env_task tasks[] = {ENV_TASK_STAND, ENV_TASK_WALK, ENV_TASK_IMITATE};
  for (int k = 0; k < 3; k++) {
    env_params p = TEST_PARAMS(tasks[k], "env.push_force=400", "env.push_interval=0.5");
    env_t *env = make(tasks[k], &p);
    int A = env_act_size(env);
    float *act = calloc((size_t)A, sizeof *act), *obs = calloc((size_t)env_obs_size(env), sizeof *obs);
    env_step_out out = {.obs = obs};
    rng_t r;
    rng_seed(&r, 7, 0, RNG_ENV, (uint64_t)k);
    for (int t = 0; t < 400; t++) {
      for (int i = 0; i < A; i++) act[i] = (float)(6 * rng_uniform(&r) - 3);
      env_step(env, act, &out);
    }
    const mjModel *m = env_model(env);
    mjData *d = env_data(env);
    cr_expect(d->maxuse_con * 3 <= m->nconmax, "%s: %d contacts of nconmax %d", env_task_name(tasks[k]), d->maxuse_con, m->nconmax);
    cr_expect(d->maxuse_efc * 3 <= m->njmax, "%s: %d constraints of njmax %d", env_task_name(tasks[k]), d->maxuse_efc, m->njmax);
    cr_expect(d->maxuse_stack * 10 <= m->nstack, "%s: stack %d of %d", env_task_name(tasks[k]), d->maxuse_stack, m->nstack);
    for (int w = mjWARN_CONTACTFULL; w <= mjWARN_CNSTRFULL; w++)
      cr_expect(d->warning[w].number == 0, "%s: MuJoCo warning %d raised", env_task_name(tasks[k]), w);
    double resident_mb = (d->nbuffer + (double)d->maxuse_stack * sizeof(mjtNum)) / 1048576.0;
    cr_expect(resident_mb <= 10, "%s: the arena's touched part is %.1f MB", env_task_name(tasks[k]), resident_mb);
    free(act);
    free(obs);
    env_free(env);
  }
}
