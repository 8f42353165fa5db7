/* envs/motion/gait_default.h: the embedded default walking gait, so that `train` needs no data file.
 *
 * One gait cycle as truncated Fourier series per OpenSim coordinate (gait2354 names, degrees for
 * angles, metres for pelvis translations, OpenSim conventions: knee flexion negative):
 *     x(t) = mean + sum_{k=1..GAIT_NHARM} a[k-1] cos(2 pi k t / period) + b[k-1] sin(2 pi k t / period)
 * with t in [0, period). The trial was recorded on a treadmill (the pelvis stays in place), so the
 * walking speed is stored separately and refmotion adds it as a forward root translation.
 * The coefficients in gait_default.c are written by envs/motion/tools/fit_gait (see there for the
 * source data and method); they are not hand-edited. */
#ifndef D2M_GAIT_DEFAULT_H
#define D2M_GAIT_DEFAULT_H

#include "envs/motion/mot.h"

#define GAIT_NHARM 6

typedef struct gait_coord {
  const char *name;
  double mean;
  double a[GAIT_NHARM], b[GAIT_NHARM];
} gait_coord;

typedef struct gait_fourier {
  double period;          /* s, one full gait cycle (right heel strike to right heel strike) */
  double speed;           /* m/s, treadmill speed estimated from stance-foot velocity */
  int ncoord;
  const gait_coord *coord;
  const char *source;     /* citation of the data the coefficients were fitted to */
} gait_fourier;

extern const gait_fourier gait_default;

/* Evaluate coordinate i at time t (s; any t, periodic). */
double gait_eval(const gait_fourier *g, int i, double t);
/* One cycle as an OpenSim table (degrees), rows at t = j*period/samples for j = 0..samples
 * (the last row is the start of the next cycle). Free with mot_free. */
void gait_default_table(mot_table *t, int samples);
void gait_to_table(const gait_fourier *g, mot_table *t, int samples);

#endif
