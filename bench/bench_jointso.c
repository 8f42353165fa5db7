/* bench/bench_jointso.c: `drl2move bench jointso [--imitate N] [--stand N] [--random] [--assist] [--gains]`,
 * the probe that chose env.action_mode = joint_so's defaults without learning (bench/learn_log.md, "joint_so probe").
 *
 * Zero actions (the centre pose as target) on imitate (the default gait, RSI, episodes seeded 1000..)
 * and on stand (stand.pose = upright, episodes seeded 1000..), over the grid written down before the
 * first run: kp in {100, 300, 1000} N m/rad with kd = kp/10, feed-forward none | inverse_dynamics
 * (imitate), solved once per control step or before every physics step. A zero action does not
 * depend on env.jso_range, so --random repeats imitate with Gaussian actions of std 1 (what the
 * initial policy samples at log-std 0) for jso_range 0.3 and 0.5. Per row: mean control steps to the
 * episode's end (stand: of 300), the mean excitation over muscles and steps, and the cost of one
 * env_step in ms next to excitation mode (zero policy output = the head's starting bias,
 * logit(env.excitation_baseline)) measured in the same run, on one thread. --assist runs only
 * imitate with the balance assistant (assist_rows), --gains only env.jso_gains (gains_rows). */
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

typedef struct probe_row {
  double steps, steps_sd, exc, ms;
} probe_row;

/* episodes with the given per-step action rule: 0 zeros, 1 the excitation baseline's logit, 2 N(0,1) */
static probe_row run_episodes(env_t *e, int episodes, int rule, float base) {
  int A = env_act_size(e), nmus = env_muscle_count(e);
  float *obs = malloc(sizeof(float) * (size_t)env_obs_size(e)), act[256];
  const mjData *d = env_data(e);
  env_step_out out = {.obs = obs};
  rng_t r;
  rng_seed(&r, 7, 0, RNG_TEST, 0);
  double sum = 0, sq = 0, exc = 0, secs = 0;
  long nsteps = 0, nexc = 0;
  for (int ep = 0; ep < episodes; ep++) {
    env_reset(e, 1000 + (uint64_t)ep);
    for (int done = 0; !done;) {
      for (int i = 0; i < A; i++) act[i] = rule == 0 ? 0.0f : rule == 1 ? base : (float)rng_normal(&r);
      double t0 = now_s();
      env_step(e, act, &out);
      secs += now_s() - t0;
      nsteps++;
      done = out.done;
      if (!done) { /* after a reset ctrl belongs to the next episode */
        for (int i = 0; i < nmus; i++) exc += d->ctrl[i];
        nexc += nmus;
      }
    }
    sum += out.ep.length;
    sq += (double)out.ep.length * out.ep.length;
  }
  free(obs);
  double m = sum / episodes;
  return (probe_row){m, sqrt(fmax(0, sq / episodes - m * m)), nexc ? exc / nexc : 0, 1e3 * secs / nsteps};
}

/* key: "section.name" */
static int set(cfg_t *c, const char *key, const char *val, d2m_err *err) {
  char sec[32];
  const char *dot = strchr(key, '.');
  snprintf(sec, sizeof sec, "%.*s", (int)(dot - key), key);
  return cfg_set(c, "bench jointso", sec, dot + 1, val, err) ? -1 : 0;
}

static int row(const mjModel *m, cfg_t *cfg, const char *label, int episodes, int rule, double assist, d2m_err *err) {
  env_params p;
  if (env_params_from_cfg(cfg, &p, err)) return -1;
  env_t *e = env_create(m, &p, NULL, err);
  if (!e) return -1;
  env_set_assist(e, assist);
  float base = (float)log(p.excitation_baseline / (1 - p.excitation_baseline));
  probe_row r = run_episodes(e, episodes, rule, base);
  printf("| %s | %.1f (sd %.1f) | %.3f | %.3f |\n", label, r.steps, r.steps_sd, r.exc, r.ms);
  fflush(stdout);
  env_free(e);
  return 0;
}

static int grid(const mjModel *m, cfg_t *cfg, const char *task, int episodes, d2m_err *err) {
  static const char *kp[] = {"100", "300", "1000"}, *kd[] = {"10", "30", "100"};
  char label[512];
  if (set(cfg, "env.task", task, err) || set(cfg, "env.action_mode", "excitation", err)) return -1;
  snprintf(label, sizeof label, "%s, excitation mode, logit(baseline)", task);
  if (row(m, cfg, label, episodes, 1, 0, err)) return -1;
  if (set(cfg, "env.action_mode", "joint_so", err)) return -1;
  int nff = strcmp(task, "imitate") ? 1 : 2;
  for (int f = 0; f < nff; f++)
    for (int s = 0; s < 2; s++)
      for (int k = 0; k < 3; k++) {
        if (set(cfg, "env.jso_kp", kp[k], err) || set(cfg, "env.jso_kd", kd[k], err) ||
            set(cfg, "env.jso_feedforward", f ? "inverse_dynamics" : "none", err) ||
            set(cfg, "env.jso_every_substep", s ? "true" : "false", err))
          return -1;
        snprintf(label, sizeof label, "%s, kp %s kd %s, ff %s, %s", task, kp[k], kd[k], f ? "id" : "none",
                 s ? "every substep" : "per control step");
        if (row(m, cfg, label, episodes, 0, 0, err)) return -1;
      }
  return set(cfg, "env.jso_feedforward", "none", err);
}

/* Gaussian actions (std 1) for each range at the configuration in cfg. */
static int random_rows(const mjModel *m, cfg_t *cfg, int episodes, d2m_err *err) {
  static const char *range[] = {"0.3", "0.5"};
  char label[512];
  for (int i = 0; i < 2; i++) {
    if (set(cfg, "env.jso_range", range[i], err)) return -1;
    snprintf(label, sizeof label, "imitate, N(0,1) actions, range %s rad (kp %g, ff %s, every substep %s)", range[i],
             cfg->env_jso_kp, cfg->env_jso_feedforward, cfg->env_jso_every_substep ? "true" : "false");
    if (row(m, cfg, label, episodes, 2, 0, err)) return -1;
  }
  return 0;
}

/* --assist: imitate's balance assistant (env_set_assist) at strength 0, 1, 2, 4, in excitation mode
 * (the starting output) and joint_so (zero and N(0,1) actions), at the defaults otherwise. */
static int assist_rows(const mjModel *m, cfg_t *cfg, int episodes, d2m_err *err) {
  static const double strength[] = {0, 1, 2, 4};
  /* (action mode, action rule of run_episodes) */
  static const struct { const char *mode, *name; int rule; } kind[] = {
      {"excitation", "logit(baseline)", 1}, {"joint_so", "zero", 0}, {"joint_so", "N(0,1)", 2}};
  char label[512];
  if (set(cfg, "env.task", "imitate", err)) return -1;
  for (int k = 0; k < 3; k++) {
    if (set(cfg, "env.action_mode", kind[k].mode, err)) return -1;
    for (int i = 0; i < 4; i++) {
      snprintf(label, sizeof label, "imitate, %s, assist %g, %s actions", kind[k].mode, strength[i], kind[k].name);
      if (row(m, cfg, label, episodes, kind[k].rule, strength[i], err)) return -1;
    }
  }
  return 0;
}

/* --gains: env.jso_gains uniform against strength on imitate and stand, zero and N(0,1) actions. */
static int gains_rows(const mjModel *m, cfg_t *cfg, const bench_jointso_opts *o, d2m_err *err) {
  static const char *task[] = {"imitate", "stand"}, *gains[] = {"uniform", "strength"};
  char label[512];
  if (set(cfg, "env.action_mode", "joint_so", err)) return -1;
  for (int t = 0; t < 2; t++) {
    int episodes = t ? o->stand : o->imitate;
    if (episodes <= 0) continue;
    if (set(cfg, "env.task", task[t], err)) return -1;
    for (int rule = 0; rule <= 2; rule += 2)
      for (int g = 0; g < 2; g++) {
        if (set(cfg, "env.jso_gains", gains[g], err)) return -1;
        snprintf(label, sizeof label, "%s, gains %s, %s actions", task[t], gains[g], rule ? "N(0,1)" : "zero");
        if (row(m, cfg, label, episodes, rule, 0, err)) return -1;
      }
  }
  return 0;
}

int bench_jointso(const bench_jointso_opts *o) {
  d2m_err err;
  mjModel *m0 = model_load(NULL, &err);
  if (!m0) return fprintf(stderr, "bench jointso: %s\n", err.msg), 1;
  cfg_t cfg;
  cfg_defaults(&cfg);
  mjModel *m = mj_copyModel(NULL, m0);
  m->opt.timestep = cfg.env_sim_dt;
  printf("bench jointso: project model, dt %.5f s x %d substeps, 1 thread; imitate %d episodes (RSI), stand %d "
         "(upright); columns: control steps to the end (stand: of %d), mean excitation, ms per env_step\n",
         cfg.env_sim_dt * cfg.env_substeps, (int)cfg.env_substeps, o->imitate, o->stand,
         (int)llround(cfg.stand_episode_s / (cfg.env_sim_dt * cfg.env_substeps)));
  printf("| configuration | steps | excitation | ms/step |\n|---|---|---|---|\n");
  int rc = 0;
  int grids = !o->random_only && !o->assist && !o->gains;
  if (o->imitate > 0 && grids) rc = grid(m, &cfg, "imitate", o->imitate, &err);
  if (!rc && o->stand > 0 && grids) rc = grid(m, &cfg, "stand", o->stand, &err);
  if (!rc && o->gains) {
    cfg_defaults(&cfg);
    rc = gains_rows(m, &cfg, o, &err);
  }
  if (!rc && o->assist) {
    cfg_defaults(&cfg);
    rc = assist_rows(m, &cfg, o->imitate, &err);
  }
  if (!rc && o->random) {
    cfg_defaults(&cfg);
    rc = set(&cfg, "env.task", "imitate", &err) || set(&cfg, "env.action_mode", "joint_so", &err) ||
         random_rows(m, &cfg, o->imitate, &err);
  }
  if (rc) fprintf(stderr, "bench jointso: %s\n", err.msg);
  mj_deleteModel(m);
  mj_deleteModel(m0);
  return rc ? 1 : 0;
}
