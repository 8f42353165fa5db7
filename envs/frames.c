/* envs/frames.c: see frames.h. */
#include "envs/frames.h"

#include <math.h>

double env_heading(const env_t *e) {
  double f[3];
  mju_rotVecMat(f, e->fwd_local, e->d->xmat + 9 * e->pelvis);
  return atan2(f[1], f[0]);
}

void env_to_heading(double psi, const double *v, double *out) {
  double c = cos(psi), s = sin(psi);
  double x = c * v[0] + s * v[1], y = -s * v[0] + c * v[1];
  out[0] = x;
  out[1] = y;
  out[2] = v[2];
}

void env_pelvis_up(const env_t *e, double *up) { mju_rotVecMat(up, e->up_local, e->d->xmat + 9 * e->pelvis); }

void env_body_vel(const env_t *e, int b, double *lin, double *ang) {
  mjtNum v[6];
  /* mj_objectVelocity gives the velocity at the body's centre of mass (xipos); move it to the
   * body origin (xpos), which is what the reference's finite differences track. */
  mj_objectVelocity(e->m, e->d, mjOBJ_BODY, b, v, 0);
  double r[3], w[3];
  for (int k = 0; k < 3; k++) r[k] = e->d->xpos[3 * b + k] - e->d->xipos[3 * b + k];
  mju_cross(w, v, r);
  for (int k = 0; k < 3; k++) {
    ang[k] = v[k];
    lin[k] = v[3 + k] + w[k];
  }
}
