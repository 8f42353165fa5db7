/* analysis/compare.h: `drl2move compare`: two or more eval folders side by side (e.g. a healthy and a
 * hemiparetic subject, from `drl2move eval` or `eval --playback`): gait metrics per folder and side,
 * symmetry indices, differences from the first folder, joint-angle and excitation curves over the
 * normalised gait cycle of both sides, compare.csv and report.html. The command line is parsed in
 * deploy/compare_cli.c.
 *
 * Symmetry index (Robinson et al. 1987, J Manipulative Physiol Ther 10:172), per metric with a value
 * per side: SI = 100 (R - L) / (0.5 (R + L)); 0 is symmetric, positive means the right side's value is
 * larger. Differences are folder - first folder, per side. A folder without plausible strides (a fall,
 * standing) is reported as "no gait" with the reason, and its metrics are NaN; the others are still
 * compared. */
#ifndef D2M_ANALYSIS_COMPARE_H
#define D2M_ANALYSIS_COMPARE_H

#include "analysis/gait.h"

#define CMP_MAX_DIRS 8

typedef struct cmp_opts {
  int ndirs;                        /* 2..CMP_MAX_DIRS */
  const char *dirs[CMP_MAX_DIRS];   /* eval folders: DIR/frames.csv or DIR/eval/frames.csv */
  const char *labels[CMP_MAX_DIRS]; /* NULL: the folder's base name */
  const char *out;                  /* output folder (created) */
  double thresh_bw, min_s;          /* contact threshold (body weights) and debounce (s), as analyze */
  gait_event_source events;
} cmp_opts;

void compare_opts_default(cmp_opts *o);
/* 0 when a label is usable in CSV headers and gnuplot titles ([A-Za-z0-9_.+-], 1-31 characters), else
 * -1 with the reason in why. */
int compare_label_ok(const char *label, char *why, size_t cap);
/* Runs the comparison; 0, or 1 after an error (logged; a folder that cannot be read is an error). */
int compare_run(const cmp_opts *o);

#endif
