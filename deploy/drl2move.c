/* deploy/drl2move.c: the `drl2move` command and its subcommands. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "d2m_build.h"
#include "deploy/cli.h"
#include "deploy/train.h"

/* run NULL: reserved, filled by a later issue. */
static const cli_command k_commands[] = {
    {"train", train_cli, "train a controller (rank 0 learner, ranks 1..N-1 actors); the default command"},
    {"eval", eval_cli, "roll out a trained policy, write per-frame CSV, metrics and video"},
    {"model", model_cli, "write the 80-muscle model's MJCF for a subject, print a summary, render a picture"},
    {"bench", bench_cli, "benchmarks that print ratios measured side by side"},
    {"motion", motion_cli, "import motion capture (C3D, TRC, BVH, MOT) onto the model; print what a file holds"},
    {"analyze", analyze_cli, "gait analysis, EMG comparison, plots and an HTML report of a run or eval"},
    {"compare", compare_cli, "compare eval folders side by side: gait metrics, symmetry indices, curves, report"},
    {"device", device_cli, "assistive devices: sweep the ankle exoskeleton's assistance with a fixed policy (table, plot); the device laws on the played-back gait"},
    {"policy", policy_cli, "export the policy alone (weights, observation statistics, config) from a run"},
};
enum { NCOMMANDS = sizeof k_commands / sizeof *k_commands };

static void usage(FILE *f) {
  fprintf(f,
          "usage: drl2move [COMMAND] [options]     (no command: train on the embedded defaults)\n"
          "       drl2move COMMAND --help\n"
          "       drl2move --version\n\ncommands:\n");
  cli_list(f, k_commands, NCOMMANDS);
}

int main(int argc, char **argv) {
  log_init(0, LOG_INFO);
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    usage(stdout);
    return 0;
  }
  if (argc >= 2 && !strcmp(argv[1], "--version")) {
    print_version();
    return 0;
  }
  const char *name = (argc >= 2 && argv[1][0] != '-') ? argv[1] : "train";
  int shift = (argc >= 2 && argv[1][0] != '-') ? 1 : 0;
  const cli_command *c = cli_find(k_commands, NCOMMANDS, name);
  if (c && !c->run) {
    fprintf(stderr, "drl2move %s: not available yet. When built it will %s.\n", name, c->what);
    return 2;
  }
  if (c) {
    char **sub_argv = argv + shift;
    sub_argv[0] = argv[0];
    return c->run(argc - shift, sub_argv);
  }
  fprintf(stderr, "drl2move: unknown command '%s'\n", name);
  usage(stderr);
  return 2;
}
