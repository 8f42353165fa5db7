/* bench/bench_env.c: `drl2move bench env [--steps N] [--rounds R]`.
 * Per task: control steps/s of env_step (random excitations, observation, reward, reference
 * lookup, automatic resets) vs a bare loop of mj_step on the same model with the same substeps and
 * timestep, random excitations, reset (keyframe 0; imitate: a random reference frame, as RSI) when
 * the pelvis drops below 0.7 x its standing height. Rounds alternate env and bare; the best round of each counts. */
#include "bench/bench.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/rng.h"
#include "envs/env.h"
#include "envs/env_config.h"
#include "envs/model/model.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static double run_env(env_t *e, int steps, rng_t *r, float *obs, float *act) {
  env_step_out out = {.obs = obs};
  double t0 = now_s();
  for (int t = 0; t < steps; t++) {
    rng_normal_fill(r, act, env_act_size(e));
    env_step(e, act, &out);
  }
  return steps / (now_s() - t0);
}

/* Reset like the env: keyframe 0, or (imitate) a random reference frame, so both visit similar states. */
static void bare_reset(const mjModel *m, mjData *d, const refmotion *ref, rng_t *r) {
  mj_resetDataKeyframe(m, d, 0);
  if (ref) refmotion_frame(ref, (long)rng_below(r, (uint64_t)ref->nframes), d->qpos, d->qvel, NULL, NULL);
  mj_forward(m, d);
}

static double run_bare(const mjModel *m, mjData *d, int steps, int substeps, rng_t *r, int pelvis, double h0,
                       const refmotion *ref) {
  bare_reset(m, d, ref, r);
  double t0 = now_s();
  for (int t = 0; t < steps; t++) {
    for (int i = 0; i < m->nu; i++) d->ctrl[i] = rng_uniform(r);
    for (int s = 0; s < substeps; s++) mj_step(m, d);
    if (d->xpos[3 * pelvis + 2] < 0.7 * h0) bare_reset(m, d, ref, r);
  }
  return steps / (now_s() - t0);
}

int bench_env(int argc, char **argv) {
  int steps = 600, rounds = 3;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--steps") && i + 1 < argc) steps = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
    else {
      fprintf(stderr, "usage: drl2move bench env [--steps N] [--rounds R]\n");
      return 2;
    }
  }
  d2m_err err;
  mjModel *m0 = model_load(NULL, &err);
  if (!m0) {
    fprintf(stderr, "bench env: %s\n", err.msg);
    return 1;
  }
  cfg_t cfg; /* the embedded defaults, as a run gets them */
  env_params p;
  cfg_defaults(&cfg);
  if (env_params_from_cfg(&cfg, &p, &err)) {
    fprintf(stderr, "bench env: %s\n", err.msg);
    return 1;
  }
  mjModel *m = mj_copyModel(NULL, m0);
  m->opt.timestep = p.dt / p.substeps;
  mjData *d = mj_makeData(m);
  mj_resetDataKeyframe(m, d, 0);
  mj_forward(m, d);
  int pelvis = mj_name2id(m, mjOBJ_BODY, "pelvis");
  double h0 = d->xpos[3 * pelvis + 2];
  printf("bench env: project model (model_load), dt %.5f s, %d substeps (timestep %.5f s), %d control steps x %d "
         "rounds, 1 thread\n",
         p.dt, p.substeps, m->opt.timestep, steps, rounds);
  printf("%-8s %8s %14s %14s %7s\n", "task", "obs", "env steps/s", "bare steps/s", "ratio");
  for (int task = 0; task < 3; task++) {
    if (cfg_set(&cfg, "bench", "env", "task", env_task_name((env_task)task), &err) ||
        env_params_from_cfg(&cfg, &p, &err)) {
      fprintf(stderr, "bench env: %s\n", err.msg);
      return 1;
    }
    env_t *e = env_create(m, &p, NULL, &err); /* timestep matches: borrows m */
    if (!e) {
      fprintf(stderr, "bench env: %s\n", err.msg);
      return 1;
    }
    float *obs = malloc(sizeof(float) * env_obs_size(e)), act[256];
    rng_t r;
    rng_seed(&r, 1, 0, RNG_TEST, task);
    env_reset(e, 1);
    double best_env = 0, best_bare = 0;
    for (int k = 0; k < rounds; k++) {
      double a = run_env(e, steps, &r, obs, act);
      double b = run_bare(m, d, steps, p.substeps, &r, pelvis, h0, task == ENV_TASK_IMITATE ? env_ref(e) : NULL);
      if (a > best_env) best_env = a;
      if (b > best_bare) best_bare = b;
    }
    printf("%-8s %8d %14.1f %14.1f %7.3f\n", env_task_name((env_task)task), env_obs_size(e), best_env, best_bare,
           best_env / best_bare);
    free(obs);
    env_free(e);
  }
  printf("target: ratio >= 0.90 (env overhead <= 10%% over bare physics)\n");
  mj_deleteData(d);
  mj_deleteModel(m);
  mj_deleteModel(m0);
  return 0;
}
