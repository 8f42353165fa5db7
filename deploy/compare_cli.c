/* deploy/compare_cli.c: `drl2move compare` argv -> cmp_opts (analysis/compare.h). */
#include <stdio.h>
#include <string.h>

#include "analysis/compare.h"
#include "deploy/cli.h"

static void compare_usage(FILE *f) {
  fprintf(f,
          "usage: drl2move compare DIR_A DIR_B [DIR_C ...] --out OUT [--labels a,b,...] [--threshold BW]\n"
          "                        [--debounce S] [--events force|kinematic]\n"
          "DIR: an eval folder (frames.csv, from drl2move eval or eval --playback) or a run dir with eval/frames.csv;\n"
          "2-%d of them. Writes OUT: compare.csv (per folder right, left and symmetry index\n"
          "SI = 100 (R - L) / (0.5 (R + L)) of each gait metric, then each folder minus the first, per side),\n"
          "compare_kinematics and compare_excitation (curves over each side's gait cycle: .csv, .gp, .png, .svg)\n"
          "and report.html. A folder without plausible strides (a fall) is reported as 'no gait' and compared\n"
          "where it can be.\n"
          "  --labels a,b,...  one label per folder (default: the folders' names); A-Z a-z 0-9 _ . + -\n"
          "  --threshold BW    contact threshold on vertical GRF in body weights (default 0.05)\n"
          "  --debounce S      a contact change must last this long (default 0.05 s)\n"
          "  --events K        force (default) or kinematic (Zeni et al. 2008; for --playback rollouts, whose\n"
          "                    contact forces are not dynamics)\n",
          CMP_MAX_DIRS);
}

/* Splits --labels at commas into o->labels (the string is argv's, cut in place); count or -1. */
static int split_labels(char *s, cmp_opts *o) {
  int n = 0;
  for (char *p = s;; n++) {
    if (n >= CMP_MAX_DIRS) return -1;
    o->labels[n] = p;
    char *comma = strchr(p, ',');
    if (!comma) return n + 1;
    *comma = 0, p = comma + 1;
  }
}

int compare_cli(int argc, char **argv) {
  cmp_opts opts, *o = &opts;
  compare_opts_default(o);
  int nlabels = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) return compare_usage(stdout), 0;
    else if (!strcmp(a, "--out") && has) o->out = argv[++i];
    else if (!strcmp(a, "--labels") && has) {
      if ((nlabels = split_labels(argv[++i], o)) < 0) {
        fprintf(stderr, "drl2move compare: --labels: more than %d labels\n", CMP_MAX_DIRS);
        return 2;
      }
    } else if (!strcmp(a, "--threshold") && has) {
      if (cli_real("compare", a, argv[++i], 0, 1, 2, "body weights", &o->thresh_bw)) return 2;
    } else if (!strcmp(a, "--debounce") && has) {
      if (cli_real("compare", a, argv[++i], 0, 0, 2, "s", &o->min_s)) return 2;
    } else if (!strcmp(a, "--events") && has) {
      const char *v = argv[++i];
      if (strcmp(v, "force") && strcmp(v, "kinematic")) {
        fprintf(stderr, "drl2move compare: --events: '%s' is neither force nor kinematic\n", v);
        return 2;
      }
      o->events = !strcmp(v, "kinematic") ? GAIT_EVENTS_KINEMATIC : GAIT_EVENTS_FORCE;
    } else if (a[0] != '-' && o->ndirs < CMP_MAX_DIRS) o->dirs[o->ndirs++] = a;
    else {
      fprintf(stderr, "drl2move compare: bad or incomplete option '%s'%s\n", a,
              a[0] != '-' ? " (too many folders)" : "");
      return compare_usage(stderr), 2;
    }
  }
  if (o->ndirs < 2 || !o->out) {
    fprintf(stderr, "drl2move compare: needs at least 2 folders and --out OUT\n");
    return compare_usage(stderr), 2;
  }
  if (nlabels && nlabels != o->ndirs) {
    fprintf(stderr, "drl2move compare: --labels gives %d labels for %d folders\n", nlabels, o->ndirs);
    return 2;
  }
  char why[160];
  for (int k = 0; k < nlabels; k++)
    if (compare_label_ok(o->labels[k], why, sizeof why)) return fprintf(stderr, "drl2move compare: --labels: %s\n", why), 2;
  return compare_run(o);
}
