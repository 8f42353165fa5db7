/* analysis/compare_device.h: the energy and device rows of `drl2move compare` (analysis/compare.h): for
 * eval folders with and without an assistive device, side by side, from each folder's summary.json
 * (the episode means eval writes last: its "metabolic" and "device" blocks, analysis/eval_energy.h) and
 * muscle_energy.csv (metabolic power per muscle and episode, summed here into the functional groups of
 * analyze's energy section, per side):
 *   metabolic power (W, with the basal rate), gross and net cost of transport (J/(kg m)), energy per
 *   stride (J), plantarflexor activation, muscle power per group (W, right and left, with the symmetry
 *   index), device positive and negative work (J per episode, all device actuators) and peak torque (N m).
 * Rows follow the gait metrics in compare.csv with the same columns (folder _R, _L, _SI; differences
 * from the first folder per side); whole-body values fill the _R column. A value a folder lacks (no
 * device: "device": null; a playback: no metabolic block; no muscle_energy.csv) is NaN, shown "-" in
 * the report, so its differences are NaN too. No row is written when no folder has any of them. */
#ifndef D2M_ANALYSIS_COMPARE_DEVICE_H
#define D2M_ANALYSIS_COMPARE_DEVICE_H

#include "analysis/compare.h"
#include "analysis/report.h"

/* Appends the rows to OUT/compare.csv and a section to the report; labels[k] and frames[k] (the path of
 * folder k's frames.csv, beside which summary.json and muscle_energy.csv lie) for k < o->ndirs. Returns
 * the number of rows written, or -1 when compare.csv cannot be written (logged). */
int compare_device(const cmp_opts *o, const char *const *labels, const char *const *frames, report *rep);

#endif
