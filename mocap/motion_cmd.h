/* mocap/motion_cmd.h: the work of `drl2move motion info|import|so`; their argv is parsed in
 * deploy/motion_cli.c, which fills these option structs. Each returns the process exit status:
 * 0, 1 (the command failed, the reason printed to stderr). */
#ifndef D2M_MOTION_CMD_H
#define D2M_MOTION_CMD_H

#include <stdio.h>

#include "envs/motion/so.h"
#include "mocap/ik_import.h"

/* Print what a motion file holds to f; the format is chosen by the extension (.c3d, .trc,
 * .bvh, .mot, .sto, .anc). 0, or 1 after printing the reader's error to stderr. */
int motion_info(const char *path, FILE *f);

/* `motion import` (mocap/motion_import.c): marker IK of in onto the model, outputs in out. */
typedef struct motion_import_opts {
  const char *in;      /* FILE.c3d|.trc|.bvh|.amc|.mot|.sto */
  const char *stat;    /* --static trial, or NULL */
  const char *skeleton; /* --skeleton FILE.asf of an .amc, or NULL to look for it next to the .amc */
  const char *markers; /* --markers: "auto", a set's name or a file */
  const char *out;     /* --out DIR, created if missing */
  ik_import_opts ik;   /* --axes, --height, --mass, --place, --lock, --max-gap, --strict */
} motion_import_opts;
/* Defaults: markers "auto", ik_import_opts_default; in and out NULL. */
void motion_import_opts_default(motion_import_opts *o);
int motion_import_run(const motion_import_opts *o);

/* `motion library` (mocap/motion_library.c): every motion file (.c3d .trc .bvh .amc .mot; names
 * containing "static" are calibration trials and skipped) found under the inputs (files or folders,
 * recursively), in name order, imported by motion_import_run into OUT/NNNN_<name>/, then
 *   OUT/library.list  one line per imported clip, "NNNN_<name>/motion.mot 1 CYCLIC split=train|test",
 *                     with duration, speed, IK marker RMS and source as a comment: imitate.motion as is
 *   OUT/library.csv   clip, source, status (ok|failed), split, frames, duration_s, speed_m_s (horizontal
 *                     pelvis displacement over the clip), cyclic (mot_ends_match), ik_rms_mm (mean marker
 *                     RMS of the import; empty for .mot inputs), motion
 * Every test_every-th imported clip is split=test (0: all train). A file that does not import is left
 * out and marked failed. 0 when at least one clip was imported. */
typedef struct motion_library_opts {
  int nin;
  const char *in[64];  /* files or folders */
  const char *out;     /* --out DIR */
  const char *markers; /* --markers, as for import */
  int test_every;      /* --test-every K (5) */
  ik_import_opts ik;   /* --height, --mass, ... as for import, applied to every clip */
} motion_library_opts;
void motion_library_opts_default(motion_library_opts *o);
int motion_library_run(const motion_library_opts *o);

/* `motion so` (mocap/motion_so.c): static optimisation of a reference motion. */
typedef struct motion_so_opts {
  const char *in;      /* FILE.mot|.sto, or "default" for the embedded gait */
  const char *out;     /* --out DIR, created if missing */
  const char *subject; /* --subject FILE, or NULL for the reference adult */
  double dt;           /* --dt: the reference's frame period, s */
  int cyclic;          /* --cyclic: 1, 0, or -1 when not given */
  so_opts so;          /* --reserve, --contacts, --ground-on */
} motion_so_opts;
/* Defaults: dt 1/30 s, cyclic -1, so_opts_init; in, out and subject NULL. */
void motion_so_opts_default(motion_so_opts *o);
int motion_so_run(const motion_so_opts *o);

#endif
