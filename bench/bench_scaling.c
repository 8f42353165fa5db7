/* bench/bench_scaling.c: `mpirun -np 2 drl2move bench scaling [--out costs.csv] [--rollouts N]
 * [--seconds S] [--set section.key=value ...]` (argv: deploy/bench_cli.c): this machine's per-component costs, the inputs of
 * the scaling model (deploy/scaling/): an env control step, a policy forward per sample, encoding
 * and decoding a trajectory batch and its bytes, the weights message bytes, the learner's PPO work
 * per sample (all epochs), and MPI_Allreduce per parameter between the ranks it runs on. Rank 0
 * measures everything but the allreduce, which every rank joins; with one rank the allreduce row
 * is left empty. Written as CSV: name,value,unit,what. */
#include "bench/bench.h"

#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actor/actor.h"
#include "common/config.h"
#include "common/mpi_util.h"
#include "common/rng.h"
#include "envs/env.h"
#include "envs/env_config.h"
#include "envs/model/model.h"
#include "learner/ppo.h"
#include "nn/ac.h"
#include "nn/ac_config.h"
#include "nn/blis_util.h"

typedef struct cost_row {
  const char *name, *unit, *what;
  double value;
} cost_row;

enum { C_ENV, C_POLICY, C_ENCODE, C_DECODE, C_BATCH_BYTES, C_WEIGHTS_BYTES, C_UPDATE, C_ALLREDUCE, C_PARAMS,
       C_E, C_T, C_EPOCHS, C_MINIBATCH, NCOST };

static double now_s(void) { return MPI_Wtime(); }

/* Seconds per sample of the batched policy forward (E rows, sampling included), over >= secs. */
static double policy_cost(const ac_net *net, int E, double secs) {
  ac_ws ws;
  ac_ws_init(&ws, net, E, 0);
  float *params = xaligned(net->nparams * 4), *obs = xaligned((size_t)E * net->cfg.obs_dim * 4);
  float *act = xaligned((size_t)E * net->cfg.act_dim * 4), *logp = xaligned((size_t)E * 4), *val = xaligned((size_t)E * 4);
  rng_t r;
  rng_seed(&r, 1, 0, RNG_INIT, 0);
  ac_init_params(net, params, &r);
  rng_normal_fill(&r, obs, E * net->cfg.obs_dim);
  long n = 0;
  double t0 = now_s(), el;
  do {
    ac_act(net, params, &ws, obs, E, &r, 0, act, logp, val);
    n++;
    el = now_s() - t0;
  } while (el < secs || n < 10);
  ac_ws_free(&ws);
  free(params), free(obs), free(act), free(logp), free(val);
  return el / ((double)n * E);
}

/* Seconds of PPO work per sample: one minibatch step per `epochs` passes, over >= secs. */
static double update_cost(const ac_net *net, const ppo_config *pc, double secs) {
  int B = pc->minibatch, O = net->cfg.obs_dim, A = net->cfg.act_dim;
  ppo_learner p;
  ppo_init(&p, net, pc, B, 1);
  float *obs = xaligned((size_t)B * O * 4), *act = xaligned((size_t)B * A * 4), *v = xaligned((size_t)B * 4 * 4);
  rng_t r;
  rng_seed(&r, 2, 0, RNG_INIT, 0);
  rng_normal_fill(&r, obs, B * O);
  rng_normal_fill(&r, act, B * A);
  rng_normal_fill(&r, v, 4 * B);
  for (int i = 0; i < B; i++) v[i] = -0.9f * (float)A; /* plausible log-likelihoods: ratios near 1 */
  ppo_mb_stats st;
  ppo_minibatch_step(&p, obs, act, v, v + B, v + 2 * B, v + 3 * B, B, 1e-5f, &st); /* warm-up */
  long n = 0;
  double t0 = now_s(), el;
  do {
    ppo_minibatch_step(&p, obs, act, v, v + B, v + 2 * B, v + 3 * B, B, 1e-5f, &st);
    n++;
    el = now_s() - t0;
  } while (el < secs || n < 3);
  ppo_free(&p);
  free(obs), free(act), free(v);
  return el / ((double)n * B) * pc->epochs;
}

/* Seconds per float of MPI_Allreduce (sum) of n floats across the world; every rank calls it. */
static double allreduce_cost(size_t n, double secs) {
  float *a = xaligned(n * 4), *b = xaligned(n * 4);
  for (size_t i = 0; i < n; i++) a[i] = (float)i;
  CHECK_MPI(MPI_Allreduce(a, b, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD)); /* warm-up */
  int go = 1;
  long k = 0;
  double t0 = now_s(), el = 0;
  while (go) {
    CHECK_MPI(MPI_Allreduce(a, b, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD));
    k++;
    el = now_s() - t0;
    go = el < secs || k < 5;
    CHECK_MPI(MPI_Bcast(&go, 1, MPI_INT, 0, MPI_COMM_WORLD)); /* rank 0's clock decides for all */
  }
  free(a), free(b);
  return el / ((double)k * (double)n);
}

/* Observation and action sizes of the configured task (one env on the project's model). */
static int task_sizes(const cfg_t *cfg, int *obs, int *act, d2m_err *err) {
  env_t *e = env_config_env(cfg, -1, err);
  if (!e) return -1;
  *obs = env_obs_size(e), *act = env_act_size(e);
  env_config_free(e);
  return 0;
}

static void measure_local(const cfg_t *cfg, int rollouts, double secs, cost_row *c, d2m_err *err, int *rc) {
  int obs = 0, act = 0;
  actor_bench_result ab;
  ac_config ac;
  if (task_sizes(cfg, &obs, &act, err) || ac_config_from_cfg(cfg, obs, act, &ac, err) || actor_bench(cfg, rollouts, &ab)) {
    *rc = -1;
    return;
  }
  ac_net net;
  ac_init(&net, &ac);
  ppo_config pc;
  ppo_config_from_cfg(cfg, &pc);
  double E = (double)cfg->env_num_envs, T = (double)cfg->actor_rollout_steps;
  c[C_POLICY].value = policy_cost(&net, (int)E, secs);
  c[C_ENV].value = fmax(0, ab.rollout_s / (rollouts * E * T) - c[C_POLICY].value);
  c[C_ENCODE].value = ab.encode_s / rollouts;
  c[C_DECODE].value = ab.decode_s / rollouts;
  c[C_BATCH_BYTES].value = ab.batch_bytes;
  c[C_WEIGHTS_BYTES].value = (double)net.nparams * 4 + 2.0 * 8 * obs; /* floats + obs moments in the header */
  c[C_UPDATE].value = update_cost(&net, &pc, secs);
  c[C_PARAMS].value = (double)net.nparams;
  c[C_E].value = E, c[C_T].value = T, c[C_EPOCHS].value = pc.epochs, c[C_MINIBATCH].value = pc.minibatch;
  *rc = 0;
}

static void write_csv(FILE *f, const cost_row *c) {
  fprintf(f, "name,value,unit,what\n");
  for (int i = 0; i < NCOST; i++) {
    if (isfinite(c[i].value)) fprintf(f, "%s,%.6g,%s,%s\n", c[i].name, c[i].value, c[i].unit, c[i].what);
    else fprintf(f, "%s,,%s,%s\n", c[i].name, c[i].unit, c[i].what);
  }
}

int bench_scaling(const bench_scaling_opts *o) {
  cfg_t cfg;
  d2m_err err = {{0}};
  cfg_defaults(&cfg);
  for (int i = 0; i < o->nsets; i++)
    if (cfg_apply_override(&cfg, o->sets[i], &err)) return fprintf(stderr, "bench scaling: %s\n", err.msg), 2;
  const char *out = o->out;
  int rollouts = o->rollouts;
  double secs = o->seconds;
  MPI_Init(NULL, NULL);
  int rank, size, rc = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  log_init(rank, LOG_WARN);
  blis_setup(1, 1, NULL);
  cost_row c[NCOST] = {
      [C_ENV] = {"env_step_s", "s", "one env control step (substeps of mj_step, observation, reward), policy excluded", NAN},
      [C_POLICY] = {"policy_forward_s", "s", "policy and value forward per sample, batched over the actor's envs", NAN},
      [C_ENCODE] = {"encode_s", "s", "msgpack encoding of one trajectory batch (envs x steps)", NAN},
      [C_DECODE] = {"decode_s", "s", "strict decoding of one trajectory batch", NAN},
      [C_BATCH_BYTES] = {"batch_bytes", "B", "one encoded trajectory batch", NAN},
      [C_WEIGHTS_BYTES] = {"weights_bytes", "B", "one weights message (floats + observation moments)", NAN},
      [C_UPDATE] = {"update_s_per_sample", "s", "learner PPO work per sample over all epochs (one BLIS thread)", NAN},
      [C_ALLREDUCE] = {"allreduce_s_per_param", "s", "MPI_Allreduce (sum, float) per parameter between the ranks of this run", NAN},
      [C_PARAMS] = {"params", "", "parameters of policy + value networks", NAN},
      [C_E] = {"num_envs", "", "env.num_envs the batch figures are for", NAN},
      [C_T] = {"rollout_steps", "", "actor.rollout_steps the batch figures are for", NAN},
      [C_EPOCHS] = {"epochs", "", "ppo.epochs", NAN},
      [C_MINIBATCH] = {"minibatch", "", "ppo.minibatch", NAN},
  };
  if (rank == 0) measure_local(&cfg, rollouts, secs, c, &err, &rc);
  CHECK_MPI(MPI_Bcast(&rc, 1, MPI_INT, 0, MPI_COMM_WORLD));
  if (!rc && size > 1) {
    double np = 0;
    if (rank == 0) np = c[C_PARAMS].value;
    CHECK_MPI(MPI_Bcast(&np, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD));
    c[C_ALLREDUCE].value = allreduce_cost((size_t)np, secs);
  }
  if (rank == 0 && !rc) {
    FILE *f = fopen(out, "w");
    if (!f) fprintf(stderr, "bench scaling: cannot write %s\n", out), rc = -1;
    else write_csv(f, c), fclose(f);
    if (!rc) {
      write_csv(stdout, c);
      printf("bench scaling: %s (task %s, hidden %s, %d MPI ranks for the allreduce)\n", out, cfg.env_task, cfg.nn_hidden, size);
    }
  } else if (rank == 0) {
    fprintf(stderr, "bench scaling: %s\n", err.msg[0] ? err.msg : "measurement failed");
  }
  MPI_Finalize();
  return rc ? 1 : 0;
}
