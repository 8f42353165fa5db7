/* envs/frames.h: internal to envs/: the heading frame and body velocities the observation, the
 * rewards and the AMP features are expressed in. */
#ifndef D2M_ENV_FRAMES_H
#define D2M_ENV_FRAMES_H

#include "envs/env_int.h"

/* Heading frame: x = pelvis forward projected on the floor, z = world up. */
double env_heading(const env_t *e);
void env_to_heading(double psi, const double *v, double *out); /* rotate a world vector by -psi about z */
void env_pelvis_up(const env_t *e, double *up);                 /* world up-axis of the pelvis */
/* Linear velocity of body b's origin and its angular velocity, world frame. */
void env_body_vel(const env_t *e, int b, double *lin, double *ang);

#endif
