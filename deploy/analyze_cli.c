/* deploy/analyze_cli.c: `drl2move analyze` argv -> an_opts (analysis/analyze.h). */
#include <stdio.h>
#include <string.h>

#include "analysis/analyze.h"
#include "deploy/cli.h"

static void analyze_usage(FILE *f) {
  fprintf(f,
          "usage: drl2move analyze DIR [--out DIR] [--ref FILE.mot] [--grf FILE] [--grf-rate HZ]\n"
          "                        [--emg FILE.c3d|FILE.csv --emg-map FILE] [--threshold BW] [--debounce S]\n"
          "                        [--events force|kinematic]\n"
          "DIR: an eval output (frames.csv) or a run dir (RUN/eval/frames.csv, RUN/progress.csv).\n"
          "                        [--grf-body-weight N]\n"
          "Writes OUT (default DIR/analysis): metrics.csv, per-cycle curves (.csv), gnuplot scripts (.gp), PNG and\n"
          "SVG pictures, and report.html (open it from the file system).\n"
          "  --ref FILE.mot   joint-angle reference, taken as one gait cycle from right heel strike (e.g.\n"
          "                   gait-reference/opensim_crouch_gait_tutorial/normal.mot); without it the task's own\n"
          "                   reference (imitate: ref_* columns) is used when present\n"
          "  --grf FILE       reference GRF, Fukuchi et al. 2018 treadmill layout (Fx1 Fy1 .. Fx2 Fy2, N, y up)\n"
          "                   or a C3D with type-2 force plates and Foot Strike events (Vicon/Nexus)\n"
          "  --grf-rate HZ    its sampling rate (default 300)\n"
          "  --grf-body-weight N   body weight for a C3D (default: 2 x stance impulse / stride time)\n"
          "  --emg FILE       EMG: C3D analog channels (raw: band-pass, rectify, low-pass) or a CSV of envelopes\n"
          "                   (column 'time' plus one column per channel)\n"
          "  --emg-map FILE   lines 'CHANNEL LABEL = model_muscle' (e.g. 'Right Tibialis Anterior = tibant_r') and\n"
          "                   optional 'cycle = T0 T1' lines (s) giving gait cycles of the EMG record (default: the\n"
          "                   whole record is one cycle)\n"
          "  --threshold BW   contact threshold on vertical GRF in body weights (default 0.05)\n"
          "  --debounce S     a contact change must last this long (default 0.05 s)\n"
          "  --events K       force (default): GRF threshold; kinematic: foot position relative to the pelvis\n"
          "                   (Zeni et al. 2008), e.g. for --playback rollouts whose contact forces are not dynamics\n");
}

int analyze_cli(int argc, char **argv) {
  an_opts opts, *o = &opts;
  analyze_opts_default(o);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    int has = i + 1 < argc;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) return analyze_usage(stdout), 0;
    else if (!strcmp(a, "--out") && has) o->out = argv[++i];
    else if (!strcmp(a, "--ref") && has) o->ref_mot = argv[++i];
    else if (!strcmp(a, "--grf") && has) o->grf = argv[++i];
    else if (!strcmp(a, "--grf-rate") && has) {
      if (cli_real("analyze", a, argv[++i], 0, 1, 1e6, "Hz", &o->grf_rate)) return 2;
    } else if (!strcmp(a, "--grf-body-weight") && has) {
      if (cli_real("analyze", a, argv[++i], 0, 1, 1e4, "N", &o->grf_bw)) return 2;
    }
    else if (!strcmp(a, "--emg") && has) o->emg = argv[++i];
    else if (!strcmp(a, "--emg-map") && has) o->emg_map = argv[++i];
    else if (!strcmp(a, "--threshold") && has) {
      if (cli_real("analyze", a, argv[++i], 0, 1, 2, "body weights", &o->thresh_bw)) return 2;
    } else if (!strcmp(a, "--debounce") && has) {
      if (cli_real("analyze", a, argv[++i], 0, 0, 2, "s", &o->min_s)) return 2;
    }
    else if (!strcmp(a, "--events") && has) {
      const char *v = argv[++i];
      if (strcmp(v, "force") && strcmp(v, "kinematic")) return analyze_usage(stderr), 2;
      o->events = !strcmp(v, "kinematic") ? AN_EVENTS_KINEMATIC : AN_EVENTS_FORCE;
    }
    else if (a[0] != '-' && !o->in) o->in = a;
    else {
      fprintf(stderr, "drl2move analyze: bad or incomplete option '%s'\n", a);
      return analyze_usage(stderr), 2;
    }
  }
  if (!o->in || o->grf_rate <= 0 || o->thresh_bw <= 0 || o->min_s < 0 || (o->emg && !o->emg_map))
    return analyze_usage(stderr), 2;
  return analyze_run(o);
}
