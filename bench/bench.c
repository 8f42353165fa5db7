/* bench/bench.c: dispatch of `drl2move bench WHAT`. */
#include "bench/bench.h"

#include <stdio.h>
#include <string.h>

typedef struct {
  const char *name;
  int (*run)(int argc, char **argv); /* NULL: not available yet */
  const char *what;
} bench_entry;

static const bench_entry k_benches[] = {
    {"model", bench_model, "mj_step/s of the project's model vs the reference MyoLegs model"},
    {"env", bench_env, "control steps/s of each task's env vs bare mj_step with the same substeps"},
    {"learner", bench_learner, "PPO minibatch update samples/s (BLIS) vs PyTorch on the same shapes"},
    {"system", bench_system, "env steps/s of one actor alone vs 1 learner + 1..2 actors; messaging cost"},
};

static void usage(FILE *f) {
  fprintf(f, "usage: drl2move bench WHAT [options]\n\nWHAT:\n");
  for (size_t i = 0; i < sizeof k_benches / sizeof *k_benches; i++)
    fprintf(f, "  %-8s %s%s\n", k_benches[i].name, k_benches[i].what, k_benches[i].run ? "" : " (not available yet)");
}

int bench_cli(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  for (size_t i = 0; i < sizeof k_benches / sizeof *k_benches; i++) {
    if (strcmp(argv[1], k_benches[i].name) != 0) continue;
    if (!k_benches[i].run) {
      fprintf(stderr, "drl2move bench %s: not available yet. When built it will measure: %s.\n", k_benches[i].name,
              k_benches[i].what);
      return 2;
    }
    return k_benches[i].run(argc - 1, argv + 1);
  }
  fprintf(stderr, "drl2move bench: unknown benchmark '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
