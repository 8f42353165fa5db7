/* bench/bench_memory.c: `drl2move bench memory [--envs N] [--steps S] [--task T]` (argv: deploy/bench_cli.c).
 * Where an actor's memory goes: resident set (VmRSS) after loading the model and after creating and
 * stepping N envs of the task with random excitations, the MuJoCo arena each env's mjData reserves
 * (buffer + stack, sized by the model's njmax, nconmax and nstack) against the most of it the steps
 * used (maxuse_stack, maxuse_con, maxuse_efc), and the MB per env. */
#include "bench/bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/rng.h"
#include "envs/env.h"
#include "envs/env_config.h"
#include "envs/model/model.h"

/* Resident set of this process in MB (VmRSS of /proc/self/status; 0 where there is none). */
static double rss_mb(void) {
  FILE *f = fopen("/proc/self/status", "r");
  if (!f) return 0;
  char line[256];
  double kb = 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "VmRSS: %lf kB", &kb) == 1) break;
  fclose(f);
  return kb / 1024.0;
}

int bench_memory(const bench_memory_opts *o) {
  int E = o->envs, steps = o->steps;
  const char *task = o->task;
  cfg_t cfg;
  cfg_defaults(&cfg);
  d2m_err err;
  env_params ep;
  if (cfg_set(&cfg, "--task", "env", "task", task, &err) || env_params_from_cfg(&cfg, &ep, &err)) {
    fprintf(stderr, "drl2move bench memory: %s\n", err.msg);
    return 1;
  }
  double rss0 = rss_mb();
  mjModel *m = env_model_from_cfg(&cfg, &err); /* as the actor loads it: its envs share it */
  if (!m) {
    fprintf(stderr, "drl2move bench memory: %s\n", err.msg);
    return 1;
  }
  double rss_model = rss_mb();
  env_t **env = calloc((size_t)E, sizeof *env);
  float *act = NULL, *obs = NULL;
  rng_t r;
  rng_seed(&r, 1, 0, RNG_ENV, 0);
  int maxstack = 0, maxcon = 0, maxefc = 0;
  for (int e = 0; e < E; e++)
    if (!(env[e] = env_create(m, &ep, NULL, &err))) {
      fprintf(stderr, "drl2move bench memory: env %d: %s\n", e, err.msg);
      return 1;
    }
  act = calloc((size_t)env_act_size(env[0]), sizeof *act);
  obs = calloc((size_t)env_obs_size(env[0]), sizeof *obs);
  env_step_out out = {.obs = obs};
  for (int e = 0; e < E; e++) {
    env_reset(env[e], (uint64_t)e + 1);
    for (int t = 0; t < steps; t++) {
      for (int i = 0; i < env_act_size(env[e]); i++) act[i] = (float)(4 * rng_uniform(&r) - 2);
      env_step(env[e], act, &out);
    }
    mjData *d = env_data(env[e]);
    if (d->maxuse_stack > maxstack) maxstack = d->maxuse_stack;
    if (d->maxuse_con > maxcon) maxcon = d->maxuse_con;
    if (d->maxuse_efc > maxefc) maxefc = d->maxuse_efc;
  }
  double rss_envs = rss_mb();
  const mjModel *em = env_model(env[0]);
  mjData *d0 = env_data(env[0]);
  double arena = (d0->nbuffer + (double)d0->nstack * sizeof(mjtNum)) / 1048576.0;
  printf("bench memory: task %s, %d envs, %d random control steps each (MuJoCo %s)\n", task, E, steps, mj_versionString());
  printf("  model: njmax %d, nconmax %d, nstack %d mjtNums; mjModel %.2f MB%s\n", m->njmax, m->nconmax, m->nstack,
         m->nbuffer / 1048576.0, em == m ? "" : " (each env holds a copy: its timestep differs)");
  printf("  mjData per env: buffer %.2f MB + stack %.2f MB = %.2f MB reserved\n", d0->nbuffer / 1048576.0,
         d0->nstack * (double)sizeof(mjtNum) / 1048576.0, arena);
  printf("  most used by the steps: stack %d of %d mjtNums (%.1f%%), contacts %d of %d, constraints %d of %d\n",
         maxstack, m->nstack, 100.0 * maxstack / m->nstack, maxcon, m->nconmax, maxefc, m->njmax);
  printf("  resident: %.1f MB at start, %.1f MB with the model, %.1f MB with the envs\n", rss0, rss_model, rss_envs);
  printf("  per env: %.2f MB resident ((%.1f - %.1f) / %d)\n", (rss_envs - rss_model) / E, rss_envs, rss_model, E);
  for (int e = 0; e < E; e++) env_free(env[e]);
  free(env);
  free(act);
  free(obs);
  mj_deleteModel(m);
  return 0;
}
