/* deploy/motion_cli.c: the argv of `drl2move motion info|import|so`; the work is in mocap/
 * (motion_cmd.h), which receives the option structs filled here. */
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/cli.h"
#include "mocap/motion_cmd.h"

static void usage(FILE *f) {
  fprintf(f, "usage: drl2move motion info FILE.c3d|.trc|.bvh|.mot|.sto|.anc   print what a motion file holds\n"
             "       drl2move motion import FILE.c3d|.trc|.bvh|.amc|.mot [--static STATIC.trc|.c3d]\n"
             "              [--skeleton FILE.asf (of an .amc; default: STEM.asf, CMU's SUBJECT.asf or the folder's one .asf)]\n"
             "              [--markers auto|lowerbody|pig|cleveland|gait2354|rajagopal2016|FILE]\n"
             "              [--axes +x+y] [--height M] [--mass KG] [--place all|free]\n"
             "              [--lock mtp|subtalar,mtp|none] [--max-gap S (0.1)] [--strict] --out DIR\n"
             "              marker IK onto the model: DIR/motion.mot (OpenSim, Rajagopal2016 convention),\n"
             "              DIR/ik_report.csv, DIR/subject.ini, DIR/import_report.txt\n"
             "       drl2move motion library FILE_OR_DIR... [--test-every K (5)] [--markers ...] --out DIR\n"
             "              every motion file under the inputs imported into DIR/NNNN_<name>/, with DIR/library.list\n"
             "              (imitate.motion; every K-th clip split=test) and DIR/library.csv (duration, speed, cyclic, IK RMS)\n"
             "       drl2move motion so FILE.mot|.sto|default [--reserve NM] [--contacts feet|mujoco|off] ... --out DIR\n"
             "              static optimisation: activations.sto, inverse_dynamics.sto, residuals.sto, plots\n");
}

static void so_usage(FILE *f) {
  fprintf(f, "usage: drl2move motion so FILE.mot|.sto|default [--subject FILE] [--dt S] [--cyclic 0|1]\n"
             "              [--reserve NM] [--contacts feet|mujoco|off] [--ground-on M] --out DIR\n"
             "  static optimisation: inverse dynamics (mj_inverse), then per frame the activations minimising\n"
             "  sum a^2 that meet the joint moments, with reserve actuators of optimal torque NM (1)\n"
             "  ground contact: feet (default: estimated ground reaction at the feet), mujoco (the model's soft\n"
             "  contacts in mj_inverse) or off (the pelvis residual carries all external force); with feet, foot\n"
             "  points lower than M (0.03 m) may push on the floor\n"
             "  writes DIR/activations.sto, inverse_dynamics.sto, residuals.sto and gnuplot plots\n");
}

/* A number for import within [lo, hi] (the limits model_subject_check applies): cli_real reads it
 * strictly; the range message keeps import's own wording ("--height 3 m outside 0.5..2.5"). */
static int import_number(const char *opt, const char *v, double lo, double hi, const char *unit, double *out) {
  double x;
  if (cli_real("motion import", opt, v, -DBL_MAX, 0, DBL_MAX, unit, &x)) return -1;
  if (!(x >= lo && x <= hi))
    return fprintf(stderr, "drl2move motion import: %s %g %s outside %g..%g\n", opt, x, unit, lo, hi), -1;
  *out = x;
  return 0;
}

/* One option of import that takes a value; 0, or 2 after the message. */
static int import_option(const char *a, const char *v, motion_import_opts *o) {
  if (!strcmp(a, "--static")) o->stat = v;
  else if (!strcmp(a, "--skeleton")) o->skeleton = v;
  else if (!strcmp(a, "--markers")) o->markers = v;
  else if (!strcmp(a, "--out")) o->out = v;
  else if (!strcmp(a, "--axes")) o->ik.axes = v;
  else if (!strcmp(a, "--height")) return import_number(a, v, 0.5, 2.5, "m", &o->ik.height_m) ? 2 : 0;
  else if (!strcmp(a, "--mass")) return import_number(a, v, 10, 250, "kg", &o->ik.mass_kg) ? 2 : 0;
  else if (!strcmp(a, "--place")) {
    if (strcmp(v, "all") && strcmp(v, "free"))
      return fprintf(stderr, "drl2move motion import: --place '%s': expected all or free\n", v), 2;
    o->ik.place_all = !strcmp(v, "all");
  } else if (!strcmp(a, "--lock")) o->ik.lock = v;
  else if (!strcmp(a, "--max-gap")) return import_number(a, v, 0, 10, "s", &o->ik.max_gap_s) ? 2 : 0;
  else return fprintf(stderr, "drl2move motion import: unknown option %s\n", a), 2;
  return 0;
}

/* argv[0] is the first argument after "import". */
static int import_cli(int argc, char **argv) {
  motion_import_opts o;
  motion_import_opts_default(&o);
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (a[0] != '-') {
      o.in = a;
      continue;
    }
    if (!strcmp(a, "--strict")) {
      o.ik.strict = 1;
      continue;
    }
    if (!v) return fprintf(stderr, "drl2move motion import: %s needs a value\n", a), 2;
    i++;
    int rc = import_option(a, v, &o);
    if (rc) return rc;
  }
  if (!o.in || !o.out) return fprintf(stderr, "drl2move motion import: need FILE and --out DIR\n"), 2;
  return motion_import_run(&o);
}

/* A number for so within [lo, hi]; one message for both faults, as so has always printed. */
static int so_real(const char *opt, const char *v, double lo, double hi, double *out) {
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (end == v || *end || errno || !isfinite(x) || !(x >= lo && x <= hi))
    return fprintf(stderr, "drl2move motion so: %s '%s': expected a number in %g..%g\n", opt, v, lo, hi), -1;
  *out = x;
  return 0;
}

/* One option of so that takes a value; 0, or 2 after the message. */
static int so_option(const char *a, const char *v, motion_so_opts *o) {
  if (!strcmp(a, "--out")) o->out = v;
  else if (!strcmp(a, "--subject")) o->subject = v;
  else if (!strcmp(a, "--dt")) return so_real(a, v, 1e-3, 0.5, &o->dt) ? 2 : 0;
  else if (!strcmp(a, "--ground-on")) return so_real(a, v, 0, 0.2, &o->so.ground_on) ? 2 : 0;
  else if (!strcmp(a, "--reserve")) return so_real(a, v, 1e-3, 1e4, &o->so.reserve_nm) ? 2 : 0;
  else if (!strcmp(a, "--cyclic")) {
    if (strcmp(v, "0") && strcmp(v, "1")) return fprintf(stderr, "drl2move motion so: --cyclic '%s': 0 or 1\n", v), 2;
    o->cyclic = v[0] - '0';
  } else if (!strcmp(a, "--contacts")) {
    if (!strcmp(v, "feet")) o->so.contacts = SO_CONTACT_FEET;
    else if (!strcmp(v, "mujoco")) o->so.contacts = SO_CONTACT_MUJOCO;
    else if (!strcmp(v, "off")) o->so.contacts = SO_CONTACT_NONE;
    else return fprintf(stderr, "drl2move motion so: --contacts '%s': feet, mujoco or off\n", v), 2;
  } else return fprintf(stderr, "drl2move motion so: unknown option %s\n", a), 2;
  return 0;
}

/* argv[0] is the first argument after "so". */
static int so_cli(int argc, char **argv) {
  motion_so_opts o;
  motion_so_opts_default(&o);
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) return so_usage(stdout), 0;
    if (a[0] != '-') {
      o.in = a;
      continue;
    }
    if (!v) return fprintf(stderr, "drl2move motion so: %s needs a value\n", a), 2;
    i++;
    int rc = so_option(a, v, &o);
    if (rc) return rc;
  }
  if (!o.in || !o.out)
    return so_usage(stderr), fprintf(stderr, "drl2move motion so: need FILE (or default) and --out DIR\n"), 2;
  return motion_so_run(&o);
}

/* argv[0] is the first argument after "library". */
static int library_cli(int argc, char **argv) {
  motion_library_opts o;
  motion_library_opts_default(&o);
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) return usage(stdout), 0;
    if (a[0] != '-') {
      if (o.nin == (int)(sizeof o.in / sizeof *o.in)) return fprintf(stderr, "drl2move motion library: at most 64 inputs\n"), 2;
      o.in[o.nin++] = a;
      continue;
    }
    if (!v) return fprintf(stderr, "drl2move motion library: %s needs a value\n", a), 2;
    i++;
    if (!strcmp(a, "--out")) o.out = v;
    else if (!strcmp(a, "--markers")) o.markers = v;
    else if (!strcmp(a, "--test-every")) {
      long k;
      if (cli_long("motion library", a, v, 0, 1000000, "clips per test clip (0: no test split)", &k)) return 2;
      o.test_every = (int)k;
    } else return fprintf(stderr, "drl2move motion library: unknown option %s\n", a), 2;
  }
  if (!o.nin || !o.out) return fprintf(stderr, "drl2move motion library: needs inputs and --out DIR\n"), usage(stderr), 2;
  return motion_library_run(&o);
}

int motion_cli(int argc, char **argv) {
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  /* `motion info --help` / `motion import --help`: usage, not "unknown extension" or "needs a value". */
  if (!strcmp(argv[1], "info") || !strcmp(argv[1], "import")) {
    for (int i = 2; i < argc; i++)
      if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return usage(stdout), 0;
  }
  if (!strcmp(argv[1], "info")) {
    if (argc < 3) return usage(stderr), 2;
    int rc = 0;
    for (int i = 2; i < argc; i++) rc |= motion_info(argv[i], stdout);
    return rc;
  }
  if (!strcmp(argv[1], "import")) return import_cli(argc - 2, argv + 2);
  if (!strcmp(argv[1], "so")) return so_cli(argc - 2, argv + 2);
  if (!strcmp(argv[1], "library")) return library_cli(argc - 2, argv + 2);
  fprintf(stderr, "drl2move motion: unknown subcommand '%s'\n", argv[1]);
  usage(stderr);
  return 2;
}
