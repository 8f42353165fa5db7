/* analysis/posture.h: posture figures of a rollout, the stand targets of the learning benchmark
 * (bench/learn.sh): mean knee flexion, hinges held at a joint limit and the torque their limits
 * carry, heel load, mean excitation.
 * posture_add once per control step (state after the step), posture_end per episode. */
#ifndef D2M_POSTURE_H
#define D2M_POSTURE_H

#include <mujoco/mujoco.h>

#define POSTURE_MAX_HINGE 64
/* A hinge is "at its limit" when within this of a range end (rad, 2 deg) ... */
#define POSTURE_LIMIT_TOL (2 * 3.14159265358979 / 180)
/* ... for more than this fraction of an episode's steps. */
#define POSTURE_LIMIT_FRAC 0.5

typedef struct posture_acc {
  int nh, hinge[POSTURE_MAX_HINGE]; /* limited, unslaved hinges */
  int knee[2];                      /* joint ids of knee_angle_r / _l (-1: absent) */
  long n, at_lim[POSTURE_MAX_HINGE];
  double lim_sum[POSTURE_MAX_HINGE]; /* summed |joint-limit constraint torque|, N m */
  double knee_sum, heel_sum[2], exc_sum;
} posture_acc;

typedef struct posture_result {
  double knee_flexion_deg; /* mean over steps and both knees */
  int hinges_at_limit;     /* hinges within POSTURE_LIMIT_TOL of a limit for > POSTURE_LIMIT_FRAC of steps */
  int limit_joint[POSTURE_MAX_HINGE]; /* their joint ids (the first hinges_at_limit entries) */
  /* the mean torque each of those hinges' limit carries over the episode, N m: a hinge that rests
   * within 2 deg of its stop carries ~0, one that the body leans on carries its share of the load */
  double limit_torque[POSTURE_MAX_HINGE];
  double heel_load_bw[2];  /* mean vertical heel force per foot (right, left), body weights */
  double mean_excitation;  /* mean over steps and muscles */
  long steps;
} posture_result;

void posture_init(posture_acc *a, const mjModel *m);
void posture_add(posture_acc *a, const mjModel *m, const mjData *d, const double heel_bw[2]);
/* The episode's figures; resets the counters for the next episode. */
void posture_end(posture_acc *a, posture_result *r);

#endif
