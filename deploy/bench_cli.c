/* deploy/bench_cli.c: `drl2move bench WHAT [options]` argv -> the benchmarks' option structs
 * (bench/bench.h). */
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "deploy/cli.h"

static const char k_model_usage[] = "usage: drl2move bench model [--steps N (20000, >= 1000)] [--dt S (0.001)] [--ref myolegs.xml]\n";
static const char k_env_usage[] = "usage: drl2move bench env [--steps N (600)] [--rounds R (3)]\n";
static const char k_learner_usage[] =
    "usage: drl2move bench learner [--seconds S] [--rounds R] [--no-torch] [--torch-script PATH]\n"
    "  one PPO minibatch update (the shapes are printed when it runs), minibatch 256 and 4096 on 1 and 2\n"
    "  threads; ours (BLIS) vs PyTorch interleaved, best of R rounds (3) of >= S seconds (1.5).\n";
static const char k_memory_usage[] = "usage: drl2move bench memory [--envs N (8)] [--steps S (300)] [--task stand|walk|imitate]\n";
static const char k_scaling_usage[] =
    "usage: mpirun -np 2 drl2move bench scaling [--out costs.csv] [--rollouts N (4)] [--seconds S (1)]\n"
    "                                           [--set section.key=value ...]\n"
    "  per-component costs for deploy/scaling/run.sh; the allreduce row needs 2 or more ranks.\n";
static const char k_so_usage[] = "usage: drl2move bench so [--rounds R (5)]\n";
static const char k_jointso_usage[] =
    "usage: drl2move bench jointso [--imitate N (200)] [--stand N (50)] [--random] [--random-only] [--assist] [--gains]\n";
static const char k_system_usage[] = "usage: drl2move bench system [--steps N (20000)] [--rollouts N (10)] [--set section.key=value]\n";

/* "--help" anywhere: 0 after the usage; a bad option: 2 after the usage on stderr; else -1. */
static int help_or_bad(const char *usage, const char *a) {
  if (!strcmp(a, "--help") || !strcmp(a, "-h")) return fputs(usage, stdout), 0;
  return fprintf(stderr, "drl2move bench: bad or incomplete option '%s'\n%s", a, usage), 2;
}

static int model_cmd(int argc, char **argv) {
  bench_model_opts o = {.steps = 20000, .dt = 0.001, .ref = NULL};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has = i + 1 < argc;
    if (!strcmp(a, "--steps") && has) {
      if (cli_long("bench model", a, argv[++i], 1000, 1000000000L, "mj_steps per side", &o.steps)) return 2;
    } else if (!strcmp(a, "--dt") && has) {
      if (cli_real("bench model", a, argv[++i], 0, 1, 1, "s", &o.dt)) return 2;
    } else if (!strcmp(a, "--ref") && has) o.ref = argv[++i];
    else return help_or_bad(k_model_usage, a);
  }
  return bench_model(&o);
}

static int env_cmd(int argc, char **argv) {
  bench_env_opts o = {.steps = 600, .rounds = 3};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    long v;
    if (!strcmp(a, "--steps") && i + 1 < argc) {
      if (cli_long("bench env", a, argv[++i], 1, 100000000L, "control steps per round", &v)) return 2;
      o.steps = (int)v;
    } else if (!strcmp(a, "--rounds") && i + 1 < argc) {
      if (cli_long("bench env", a, argv[++i], 1, 1000, "rounds", &v)) return 2;
      o.rounds = (int)v;
    } else return help_or_bad(k_env_usage, a);
  }
  return bench_env(&o);
}

static int learner_cmd(int argc, char **argv) {
  bench_learner_opts o = {.seconds = 1.5, .rounds = 3, .torch = 1, .torch_script = NULL};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    long v;
    if (!strcmp(a, "--seconds") && i + 1 < argc) {
      if (cli_real("bench learner", a, argv[++i], 0, 1, 3600, "s", &o.seconds)) return 2;
    } else if (!strcmp(a, "--rounds") && i + 1 < argc) {
      if (cli_long("bench learner", a, argv[++i], 1, 1000, "rounds", &v)) return 2;
      o.rounds = (int)v;
    } else if (!strcmp(a, "--no-torch")) o.torch = 0;
    else if (!strcmp(a, "--torch-script") && i + 1 < argc) o.torch_script = argv[++i];
    else return help_or_bad(k_learner_usage, a);
  }
  return bench_learner(&o);
}

static int system_cmd(int argc, char **argv) {
  bench_system_opts o = {.steps = 20000, .rollouts = 10, .set = NULL};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    long v;
    if (!strcmp(a, "--steps") && i + 1 < argc) {
      if (cli_long("bench system", a, argv[++i], 1, 1000000000L, "env steps per MPI run", &o.steps)) return 2;
    } else if (!strcmp(a, "--rollouts") && i + 1 < argc) {
      if (cli_long("bench system", a, argv[++i], 1, 100000, "rollouts of the actor alone", &v)) return 2;
      o.rollouts = (int)v;
    } else if (!strcmp(a, "--set") && i + 1 < argc) o.set = argv[++i];
    else return help_or_bad(k_system_usage, a);
  }
  return bench_system(&o);
}

static int memory_cmd(int argc, char **argv) {
  bench_memory_opts o = {.envs = 8, .steps = 300, .task = "stand"};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    long v;
    if (!strcmp(a, "--envs") && i + 1 < argc) {
      if (cli_long("bench memory", a, argv[++i], 1, 4096, "envs", &v)) return 2;
      o.envs = (int)v;
    } else if (!strcmp(a, "--steps") && i + 1 < argc) {
      if (cli_long("bench memory", a, argv[++i], 0, 1000000, "control steps per env", &v)) return 2;
      o.steps = (int)v;
    } else if (!strcmp(a, "--task") && i + 1 < argc) o.task = argv[++i];
    else return help_or_bad(k_memory_usage, a);
  }
  return bench_memory(&o);
}

static int jointso_cmd(int argc, char **argv) {
  bench_jointso_opts o = {.imitate = 200, .stand = 50, .random = 0, .random_only = 0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    long v;
    if (!strcmp(a, "--imitate") && i + 1 < argc) {
      if (cli_long("bench jointso", a, argv[++i], 0, 100000, "imitate episodes per row", &v)) return 2;
      o.imitate = (int)v;
    } else if (!strcmp(a, "--stand") && i + 1 < argc) {
      if (cli_long("bench jointso", a, argv[++i], 0, 100000, "stand episodes per row", &v)) return 2;
      o.stand = (int)v;
    } else if (!strcmp(a, "--random")) o.random = 1;
    else if (!strcmp(a, "--random-only")) o.random = o.random_only = 1;
    else if (!strcmp(a, "--assist")) o.assist = 1;
    else if (!strcmp(a, "--gains")) o.gains = 1;
    else return help_or_bad(k_jointso_usage, a);
  }
  return bench_jointso(&o);
}

static int so_cmd(int argc, char **argv) {
  bench_so_opts o = {.rounds = 5};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    long v;
    if (!strcmp(a, "--rounds") && i + 1 < argc) {
      if (cli_long("bench so", a, argv[++i], 1, 1000, "rounds", &v)) return 2;
      o.rounds = (int)v;
    } else return help_or_bad(k_so_usage, a);
  }
  return bench_so(&o);
}

static int scaling_cmd(int argc, char **argv) {
  bench_scaling_opts o = {.out = "costs.csv", .rollouts = 4, .seconds = 1.0, .nsets = 0};
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    long v;
    if (!strcmp(a, "--out") && i + 1 < argc) o.out = argv[++i];
    else if (!strcmp(a, "--rollouts") && i + 1 < argc) {
      if (cli_long("bench scaling", a, argv[++i], 1, 10000, "rollouts", &v)) return 2;
      o.rollouts = (int)v;
    } else if (!strcmp(a, "--seconds") && i + 1 < argc) {
      if (cli_real("bench scaling", a, argv[++i], 0, 1, 3600, "s", &o.seconds)) return 2;
    } else if (!strcmp(a, "--set") && i + 1 < argc && o.nsets < BENCH_SCALING_MAX_SETS) o.sets[o.nsets++] = argv[++i];
    else return help_or_bad(k_scaling_usage, a);
  }
  return bench_scaling(&o);
}

static const cli_command k_benches[] = {
    {"model", model_cmd, "mj_step/s of the project's model vs the reference MyoLegs model"},
    {"env", env_cmd, "control steps/s of each task's env vs bare mj_step with the same substeps"},
    {"learner", learner_cmd, "PPO minibatch update samples/s (BLIS) vs PyTorch on the same shapes"},
    {"memory", memory_cmd, "resident MB per env of an actor, and the MuJoCo arena it reserves vs uses"},
    {"jointso", jointso_cmd, "env.action_mode = joint_so without learning: zero-action episode lengths, excitation, cost per step"},
    {"so", so_cmd, "static optimisation of the embedded gait: the low-rank QP solver vs the dense one"},
    {"scaling", scaling_cmd, "per-component costs (env step, policy, messages, learner, allreduce) for deploy/scaling"},
    {"system", system_cmd, "env steps/s of one actor alone vs 1 learner + 1..2 actors; messaging cost"},
};
enum { NBENCHES = sizeof k_benches / sizeof *k_benches };

static void usage(FILE *f) {
  fprintf(f, "usage: drl2move bench WHAT [options]\n\nWHAT:\n");
  cli_list(f, k_benches, NBENCHES);
}

int bench_cli(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  const cli_command *b = cli_find(k_benches, NBENCHES, argv[1]);
  if (b) return b->run(argc - 1, argv + 1);
  fprintf(stderr, "drl2move bench: unknown benchmark '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
