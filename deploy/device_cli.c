/* deploy/device_cli.c: `drl2move device sweep` argv -> sweep_opts (analysis/sweep.h), `drl2move device
 * playback` argv -> devplay_opts (analysis/devplay.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/devplay.h"
#include "analysis/sweep.h"
#include "common/log.h"
#include "deploy/cli.h"

static void device_usage(FILE *f) {
  fprintf(f,
          "usage: drl2move device sweep --checkpoint FILE_OR_RUN_DIR --out DIR [--peak-torque 0,0.25,0.5,0.75]\n"
          "                             [--peak-time 0.4,0.48,0.55] [--episodes N] [--max-steps N] [--seed S]\n"
          "                             [--deterministic] [--set section.key=value ...]\n"
          "Evaluates the policy without an assistive device, then with the ankle exoskeleton's plantarflexion\n"
          "profile (device.ankle=both unless --set device.ankle=... names the sides) at every peak torque\n"
          "(N m per kg of body mass) x peak time (fraction of the stride from heel strike), each with the same\n"
          "seed. Writes DIR/sweep.csv (metabolic power, cost of transport, energy per stride, device work and\n"
          "peak torque per setting), DIR/sweep.png and each setting's eval outputs in DIR/<label>/.\n"
          "\n"
          "usage: drl2move device playback --out DIR [--dt S] [--contact-bw BW] [--set section.key=value ...]\n"
          "Plays the embedded gait cycle back through inverse dynamics (the static-optimisation code) and sets\n"
          "the right ankle's biological moment beside the exoskeleton's profile (device.peak_*) and the\n"
          "prosthesis' impedance law (device.pros_imp_*) on the same kinematics: DIR/device_playback.csv, .md\n"
          "(the table), .png. No policy, no checkpoint. --dt: frame period of the inverse dynamics (1/150 s);\n"
          "--contact-bw: stance while the estimated ground force on the foot exceeds this (0.3 body weights).\n"
          "The model, controllers and metabolic model: README, Assistive devices.\n");
}

static int playback_cli(int argc, char **argv) {
  devplay_opts o;
  memset(&o, 0, sizeof o);
  o.dt = 1.0 / 150;
  o.contact_bw = 0.3;
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    int has = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) return device_usage(stdout), 0;
    else if (!strcmp(a, "--out") && has) o.out_dir = argv[++i];
    else if (!strcmp(a, "--dt") && has) {
      char *end;
      o.dt = strtod(argv[++i], &end);
      if (*end || end == argv[i]) return fprintf(stderr, "drl2move device playback: --dt '%s' is not a number\n", argv[i]), 2;
    } else if (!strcmp(a, "--contact-bw") && has) {
      char *end;
      o.contact_bw = strtod(argv[++i], &end);
      if (*end || end == argv[i])
        return fprintf(stderr, "drl2move device playback: --contact-bw '%s' is not a number\n", argv[i]), 2;
    } else if (!strcmp(a, "--set") && has && o.nset < DEVPLAY_MAX_SET) o.set[o.nset++] = argv[++i];
    else return fprintf(stderr, "drl2move device playback: bad or incomplete option '%s'\n", a), device_usage(stderr), 2;
  }
  if (!o.out_dir) return fprintf(stderr, "drl2move device playback: --out is needed\n"), device_usage(stderr), 2;
  d2m_err err = {{0}};
  if (devplay_run(&o, NULL, &err)) {
    LOG_E("device playback: %s", err.msg);
    return 1;
  }
  LOG_I("device playback: %s/device_playback.csv, .md, .png", o.out_dir);
  return 0;
}

int device_cli(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
    return device_usage(argc < 2 ? stderr : stdout), argc < 2 ? 2 : 0;
  if (!strcmp(argv[1], "playback")) return playback_cli(argc, argv);
  if (strcmp(argv[1], "sweep")) return fprintf(stderr, "drl2move device: unknown '%s'\n", argv[1]), device_usage(stderr), 2;
  sweep_opts o;
  memset(&o, 0, sizeof o);
  eval_opts_default(&o.eval);
  o.eval.drive = EVAL_SAMPLE;
  const char *tq = "0,0.25,0.5,0.75", *tm = "0.4,0.48,0.55";
  for (int i = 2; i < argc; i++) {
    const char *a = argv[i];
    int has = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) return device_usage(stdout), 0;
    else if (!strcmp(a, "--deterministic")) o.eval.drive = EVAL_MEAN;
    else if (!strcmp(a, "--checkpoint") && has) o.eval.checkpoint = argv[++i];
    else if (!strcmp(a, "--out") && has) o.out_dir = argv[++i];
    else if (!strcmp(a, "--peak-torque") && has) tq = argv[++i];
    else if (!strcmp(a, "--peak-time") && has) tm = argv[++i];
    else if (!strcmp(a, "--episodes") && has) {
      long n;
      if (cli_long("device sweep", a, argv[++i], 1, 1000000, "episodes per setting", &n)) return 2;
      o.eval.episodes = (int)n;
    } else if (!strcmp(a, "--max-steps") && has) {
      if (cli_long("device sweep", a, argv[++i], 0, 1000000000L, "steps per episode", &o.eval.max_steps)) return 2;
    } else if (!strcmp(a, "--seed") && has) {
      if (cli_u64("device sweep", a, argv[++i], &o.eval.seed)) return 2;
    } else if (!strcmp(a, "--set") && has && o.eval.nset < EVAL_MAX_SET - 4) o.eval.set[o.eval.nset++] = argv[++i];
    else return fprintf(stderr, "drl2move device sweep: bad or incomplete option '%s'\n", a), device_usage(stderr), 2;
  }
  if (!o.eval.checkpoint || !o.out_dir)
    return fprintf(stderr, "drl2move device sweep: --checkpoint and --out are needed\n"), device_usage(stderr), 2;
  d2m_err err = {{0}};
  if ((o.ntorque = sweep_parse_list("--peak-torque", tq, 0, 5, o.torque, &err)) < 0 ||
      (o.ntime = sweep_parse_list("--peak-time", tm, 0.01, 0.99, o.time, &err)) < 0)
    return fprintf(stderr, "drl2move device sweep: %s\n", err.msg), 2;
  if (sweep_run(&o, &err)) {
    LOG_E("device sweep: %s", err.msg);
    return 1;
  }
  LOG_I("device sweep: %d settings and the baseline -> %s/sweep.csv, %s/sweep.png", o.ntorque * o.ntime, o.out_dir,
        o.out_dir);
  return 0;
}
