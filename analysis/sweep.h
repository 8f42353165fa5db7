/* analysis/sweep.h: `drl2move device sweep`: the ankle exoskeleton's assistance profile swept over
 * peak torque x peak time with a fixed policy (eval, analysis/eval.h, once per setting), written as a
 * table and a plot of metabolic power and cost of transport.
 *
 * Rows: first the model without a device (device.ankle = none: the baseline), then every (peak
 * torque, peak time) with device.ankle = both (unless --set names the sides) and the profile
 * controller. Peak torque 0 is the device worn but idle (its mass only). Each setting runs with the
 * same seed, so the episodes differ only by the device. Outputs in DIR:
 *   sweep.csv   (rows by peak time, then peak torque) label, peak_torque_Nm_kg, peak_time, episode length (steps), metabolic power (W), cost
 *               of transport gross and net (J/(kg m)), energy per stride (J), device work +/- per
 *               episode (J), peak device torque (N m), plantarflexors' mean activation
 *   sweep.png, sweep.gp   metabolic power against peak torque, a line per peak time, the baseline dashed
 *   <label>/    that setting's eval outputs (frames.csv, summary.json, muscle_energy.csv) */
#ifndef D2M_SWEEP_H
#define D2M_SWEEP_H

#include "analysis/eval.h"

#define SWEEP_MAX 16

typedef struct sweep_opts {
  eval_opts eval;                 /* checkpoint, episodes, max_steps, drive, seed, --set; out_dir unused */
  const char *out_dir;
  double torque[SWEEP_MAX];       /* N m per kg of body mass */
  int ntorque;
  double time[SWEEP_MAX];         /* fractions of the stride */
  int ntime;
} sweep_opts;

/* Runs the sweep; 0, or -1 with err. The plot is skipped (with a warning) when gnuplot is missing. */
int sweep_run(const sweep_opts *o, d2m_err *err);
/* "a,b,c" into out (at most SWEEP_MAX values in [lo, hi]); the count, or -1 with err naming opt. */
int sweep_parse_list(const char *opt, const char *text, double lo, double hi, double *out, d2m_err *err);

#endif
