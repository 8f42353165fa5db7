/* analysis/gait.h: gait events, cycles and spatio-temporal metrics from sampled signals.
 *
 * Events from the vertical ground reaction force of each foot with a force threshold (force-plate
 * practice: a fixed threshold of about 10-20 N, i.e. 1.5-3 % of body weight; Zeni, Richards &
 * Higginson 2008, Gait Posture 27:710 compare it with kinematic methods). Contact starts (heel
 * strike, HS) where the force rises through the threshold and ends (toe off, TO) where it falls
 * through it; the crossing time is interpolated linearly between the two samples. A change of
 * contact state counts only when the new state lasts at least `min_s` (debounce: a single noisy
 * sample or a short bounce does not make a step).
 *
 * A cycle (stride) of one foot runs from one HS to its next HS; its toe off is the first TO in
 * between. Cycles whose duration lies outside mean +- 2 SD of that foot's durations are dropped
 * (with at least 3 cycles). Signals are normalised to 0..100 % of the cycle by linear interpolation
 * at GAIT_NPTS points. */
#ifndef D2M_ANALYSIS_GAIT_H
#define D2M_ANALYSIS_GAIT_H

#include <stddef.h>

#define GAIT_NPTS 101

typedef struct gait_cycle {
  double t0, t1, to;  /* HS, next HS, TO in between (s); to = NAN if none */
  int side;           /* 0 right, 1 left */
  int keep;           /* 0 when dropped as an outlier (or without TO) */
} gait_cycle;

/* Heel strikes and toe offs of one foot from fz[n] sampled at t[n]. Up to max of each; returns 0. */
int gait_events(const double *t, const double *fz, int n, double thresh, double min_s, double *hs, int *nhs,
                double *to, int *nto, int max);
/* Kinematic events (Zeni, Richards & Higginson 2008, Gait Posture 27:710): heel strike at the maxima
 * and toe off at the minima of the foot's anterior position relative to the pelvis, ap[n] =
 * (foot - pelvis) . direction of progression. Extrema are located to sub-sample time by a parabola
 * through three samples; events must alternate (of a run of same-kind extrema the most extreme one
 * counts), and an extremum within min_s of the previous event is ignored. Zeni et al. use a heel
 * marker for HS and a toe marker for TO; with one point per foot (calcn) both come from it. */
int gait_events_zeni(const double *t, const double *ap, int n, double min_s, double *hs, int *nhs, double *to,
                     int *nto, int max);
/* Cycles from events; returns how many were written (<= max). */
int gait_cycles(const double *hs, int nhs, const double *to, int nto, int side, gait_cycle *c, int max);
/* Marks cycles outside mean +- 2 SD of duration (and cycles without TO) keep = 0; returns kept count. */
int gait_drop_outliers(gait_cycle *c, int n);
/* x at t0 + k/(npts-1)(t1 - t0), k = 0..npts-1 (linear interpolation in the samples t[n], x[n]). */
void gait_normalise(const double *t, const double *x, int n, double t0, double t1, double *out, int npts);
/* Mean and SD over the kept cycles of side `side` (-1: both) of x normalised per cycle. Returns the
 * number of cycles used (0: mean and sd are NaN). */
int gait_curve(const double *t, const double *x, int n, const gait_cycle *c, int nc, int side, double *mean,
               double *sd);

typedef enum {
  GAIT_EVENTS_FORCE = 0,     /* heel strike and toe off where fz crosses thresh */
  GAIT_EVENTS_KINEMATIC = 1  /* gait_events_zeni on ap: foot position relative to the pelvis */
} gait_event_source;

typedef struct gait_input {
  int n;
  const double *t;          /* [n] s */
  const double *fz[2];      /* vertical GRF per foot (any unit consistent with thresh) */
  const double *foot_x[2], *foot_y[2]; /* horizontal foot positions (m), world */
  double thresh, min_s;
  const double *ap[2];      /* kinematic: foot AP position relative to the pelvis (m) */
  gait_event_source events; /* how heel strikes and toe offs are found */
  const unsigned char *valid; /* [n] or NULL: a cycle containing a sample with valid 0 is no stride
                               (e.g. the body lying on the floor) and is dropped with the non-strides */
  double max_stride_s;      /* longer "cycles" are not strides (standing, or a gap between episodes
                               laid end to end); 0: no limit */
} gait_input;

typedef struct gait_metrics {
  int ncycles[2], nkept[2];
  double stride_time[2], stride_time_sd[2]; /* s */
  double stride_len[2];                     /* m, horizontal foot displacement over a stride */
  double step_len[2];                       /* m, at this foot's HS: distance from the other foot along
                                               the direction of progression of the stride */
  double step_time[2];                      /* s, from the other foot's previous HS */
  double stance_pct[2], swing_pct[2];       /* % of the cycle */
  double double_support_pct;                /* % of the cycle with both feet in stance (between their HS and
                                               TO events; mean over cycles) */
  double speed;                             /* m/s, stride length / stride time */
  double cadence;                           /* steps/min = 120 / stride time */
  double si_step_len, si_stance_time;       /* symmetry indices (%), right vs left */
} gait_metrics;

/* Events, cycles (outliers dropped) and metrics; c receives up to max cycles (both feet), *nc how
 * many. Metrics without enough events are NaN. */
void gait_analyse(const gait_input *in, gait_cycle *c, int max, int *nc, gait_metrics *g);

/* Whether the kept cycles are plausible strides before any gait metric is reported: every kept
 * cycle lasts 0.5-3 s (walking and running strides: about 0.6-1.6 s), the mean stride length of each
 * side with kept cycles is at least 0.2 m, the step length of each side with kept cycles is positive, and the feet alternate (each
 * kept cycle holds a heel strike of the other foot). Returns 1, or 0 with the reasons in why. */
#define GAIT_MIN_STRIDE_S 0.5
#define GAIT_MAX_STRIDE_S 3.0
#define GAIT_MIN_STRIDE_M 0.2
int gait_plausible(const gait_cycle *c, int nc, const gait_metrics *g, char *why, size_t cap);

#endif
