/* deploy/model_cli.c: `drl2move model [--subject FILE] [--out model.xml] [--render model.png]
 * [--fit-synergies K --synergy-out FILE]`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/cli.h"
#include "common/config.h"
#include "envs/device.h"
#include "envs/model/model.h"
#include "envs/motion/refmotion.h"
#include "envs/motion/so.h"

static void usage(FILE *f) {
  fprintf(f,
          "usage: drl2move model [--subject FILE] [--set device.KEY=VALUE ...] [--out model.xml] [--render model.png] [--size WxH]\n"
          "  Generates the 80-muscle lower-body model (Rajagopal 2016 / MyoLegs figures) for a subject,\n"
          "  prints a summary, writes the MJCF (--out) and a headless picture of the standing pose (--render).\n"
          "  Subject file: key = value lines: height_m, mass_kg, timestep, name, strength.MUSCLE,\n"
          "  tendon_slack.MUSCLE ('*_r' matches all right-side muscles), and the impairments (README.md,\n"
          "  Impaired subjects). Default: the reference adult.\n"
          "  --set device.KEY=VALUE: assistive devices ([device] keys, e.g. device.ankle=both), as train and eval\n"
          "  generate them into the model.\n"
          "  --fit-synergies K --synergy-out FILE [--side right|left] [--motion default|FILE.mot]: fit K\n"
          "  muscle synergies of one side by NMF to the static-optimisation activations of the motion\n"
          "  (default: the embedded gait cycle, 30 Hz) and write them as a synergy file (synergy.file).\n");
}

static void summary(const mjModel *m, const model_subject *s) {
  double mass = 0;
  for (int b = 0; b < m->nbody; b++) mass += m->body_mass[b];
  int nmus = 0;
  for (int a = 0; a < m->nu; a++) nmus += m->actuator_dyntype[a] == mjDYN_MUSCLE && m->actuator_gaintype[a] == mjGAIN_MUSCLE;
  printf("model: drl2move lower body, subject '%s' (height %.3g m, mass %.4g kg)\n", s->name, s->height_m, s->mass_kg);
  printf("MuJoCo %s; nq %d, nv %d, nu %d, muscles %d, bodies %d, geoms %d, tendons %d, equalities %d\n",
         mj_versionString(), m->nq, m->nv, m->nu, nmus, m->nbody, m->ngeom, m->ntendon, m->neq);
  printf("total mass %.3f kg; timestep %.6g s\n", mass, m->opt.timestep);
  printf("degrees of freedom (free root + leg joints; %d more are slaved to the knee angles):\n  root(6)",
         m->neq);
  for (int j = 1; j < m->njnt; j++) {
    int slaved = 0;
    for (int e = 0; e < m->neq; e++) slaved |= m->eq_type[e] == mjEQ_JOINT && m->eq_obj1id[e] == j;
    if (!slaved) printf(" %s", mj_id2name(m, mjOBJ_JOINT, j));
  }
  printf("\nmuscles:");
  for (int a = 0; a < m->nu; a++) printf("%s%s", a % 10 ? " " : "\n  ", mj_id2name(m, mjOBJ_ACTUATOR, a));
  printf("\n");
}

typedef struct syn_opts {
  int k, side;
  const char *motion, *out;
} syn_opts;

/* --fit-synergies: static optimisation of the motion on the subject's model, then NMF. */
static int fit_synergies(const mjModel *m, model_subject *s, const syn_opts *o) {
  d2m_err e = {{0}};
  refmotion r;
  const double dt = 1.0 / 30;
  int rc = strcmp(o->motion, "default") ? refmotion_load(&r, m, o->motion, dt, -1, &e) : refmotion_default_gait(&r, m, dt, &e);
  if (rc) return fprintf(stderr, "drl2move model: --motion: %s\n", e.msg), 1;
  so_opts so;
  so_opts_init(&so);
  so_result res;
  double vaf = 0;
  s->syn_side = o->side;
  rc = so_run(&res, m, &r, &so, &e);
  if (!rc) {
    rc = model_synergy_fit(s, res.act, res.nframes, res.nu, o->k, 2000, &vaf, &e) || model_synergy_write(o->out, s, &e);
    so_result_free(&res);
  }
  refmotion_free(&r);
  if (rc) return fprintf(stderr, "drl2move model: --fit-synergies: %s\n", e.msg), 1;
  printf("wrote %s: %d synergies of the %s side, variance accounted for %.4f (%s, static optimisation)\n", o->out, o->k,
         o->side ? "left" : "right", vaf, o->motion);
  return 0;
}

int model_cli(int argc, char **argv) {
  const char *subject = NULL, *out = NULL, *png = NULL;
  const char *sets[16];
  int nset = 0;
  int w = 800, h = 600;
  syn_opts syn = {.k = 0, .side = 0, .motion = "default", .out = NULL};
  for (int i = 1; i < argc; i++) {
    int more = i + 1 < argc;
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      usage(stdout);
      return 0;
    } else if (!strcmp(argv[i], "--subject") && more) subject = argv[++i];
    else if (!strcmp(argv[i], "--out") && more) out = argv[++i];
    else if (!strcmp(argv[i], "--render") && more) png = argv[++i];
    else if (!strcmp(argv[i], "--set") && more && nset < 16 && !strncmp(argv[i + 1], "device.", 7)) sets[nset++] = argv[++i];
    else if (!strcmp(argv[i], "--synergy-out") && more) syn.out = argv[++i];
    else if (!strcmp(argv[i], "--motion") && more) syn.motion = argv[++i];
    else if (!strcmp(argv[i], "--side") && more) {
      const char *v = argv[++i];
      if (strcmp(v, "right") && strcmp(v, "left")) return fprintf(stderr, "drl2move model: --side right|left, not '%s'\n", v), 2;
      syn.side = !strcmp(v, "left");
    } else if (!strcmp(argv[i], "--fit-synergies") && more) {
      char *end;
      long k = strtol(argv[++i], &end, 10);
      if (*end || end == argv[i] || k < 1 || k > MODEL_SYN_MAX)
        return fprintf(stderr, "drl2move model: --fit-synergies K, K in 1..%d, not '%s'\n", MODEL_SYN_MAX, argv[i]), 2;
      syn.k = (int)k;
    }
    else if (!strcmp(argv[i], "--size") && more) {
      if (sscanf(argv[++i], "%dx%d", &w, &h) != 2 || w < 16 || h < 16 || w > 1280 || h > 960) {
        fprintf(stderr, "drl2move model: --size WxH, 16..1280 x 16..960\n");
        return 2;
      }
    } else {
      fprintf(stderr, "drl2move model: unknown or incomplete option '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  model_subject s;
  d2m_err e = {{0}};
  if (subject ? model_subject_load(subject, &s, &e) : (model_subject_default(&s), 0)) {
    fprintf(stderr, "drl2move model: %s\n", e.msg);
    return 2;
  }
  if (nset || s.ndev) { /* assistive devices from the [device] keys and the subject file's (envs/device.h) */
    cfg_t c;
    dev_params dp;
    cfg_defaults(&c);
    if (subject) snprintf(c.env_subject, sizeof c.env_subject, "%s", subject);
    for (int i = 0; i < nset; i++)
      if (cfg_apply_override(&c, sets[i], &e)) return fprintf(stderr, "drl2move model: %s\n", e.msg), 2;
    if (dev_params_from_cfg(&c, &dp, &e)) return fprintf(stderr, "drl2move model: %s\n", e.msg), 2;
    s.device = dp.model;
  }
  mjModel *m = model_load(&s, &e);
  if (!m) {
    fprintf(stderr, "drl2move model: %s\n", e.msg);
    return 1;
  }
  if (!syn.k != !syn.out) {
    fprintf(stderr, "drl2move model: --fit-synergies and --synergy-out go together\n");
    mj_deleteModel(m);
    return 2;
  }
  summary(m, &s);
  int rc = syn.k ? fit_synergies(m, &s, &syn) : 0;
  if (out) {
    if (model_write_mjcf(&s, out, &e)) fprintf(stderr, "drl2move model: %s\n", e.msg), rc = 1;
    else printf("wrote %s\n", out);
  }
  if (png && !rc) {
    if (model_render_png(m, png, w, h, &e)) fprintf(stderr, "drl2move model: --render: %s\n", e.msg), rc = 2;
    else printf("wrote %s (%dx%d, keyframe 'standing', camera 'track')\n", png, w, h);
  }
  mj_deleteModel(m);
  return rc;
}
