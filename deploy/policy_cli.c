/* deploy/policy_cli.c: `drl2move policy export RUN_DIR|CKPT --out FILE.d2m`: the policy alone
 * (weights, observation statistics, config; nn/policy_file.h) out of a run or a full checkpoint. */
#include <stdio.h>
#include <string.h>

#include "common/log.h"
#include "deploy/cli.h"
#include "nn/policy_file.h"

static void policy_usage(FILE *f) {
  fprintf(f, "usage: drl2move policy export RUN_DIR|CHECKPOINT --out FILE.d2m\n"
             "Writes the policy alone: weights, observation statistics and the resolved config (about 1.7 MB for\n"
             "the default net). A run dir means its newest valid checkpoint. `drl2move eval --checkpoint`\n"
             "takes the file as it takes a run dir or a full checkpoint.\n");
}

int policy_cli(int argc, char **argv) {
  const char *in = NULL, *out = NULL;
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) return policy_usage(stdout), 0;
  if (argc < 2 || strcmp(argv[1], "export")) {
    fprintf(stderr, "drl2move policy: expected the subcommand 'export'\n");
    return policy_usage(stderr), 2;
  }
  for (int i = 2; i < argc; i++) {
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return policy_usage(stdout), 0;
    else if (!strcmp(argv[i], "--out") && i + 1 < argc) out = argv[++i];
    else if (argv[i][0] != '-' && !in) in = argv[i];
    else {
      fprintf(stderr, "drl2move policy export: bad or incomplete option '%s'\n", argv[i]);
      return policy_usage(stderr), 2;
    }
  }
  if (!in || !out) {
    fprintf(stderr, "drl2move policy export: %s\n", !in ? "which run dir or checkpoint?" : "--out FILE is required");
    return policy_usage(stderr), 2;
  }
  d2m_err err = {{0}};
  if (policy_export(in, out, &err)) {
    LOG_E("policy export: %s", err.msg);
    return 1;
  }
  LOG_I("policy export: %s -> %s", in, out);
  return 0;
}
