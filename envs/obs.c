/* envs/obs.c: the observation (layout documented in env_layout) and the AMP features. */
#include <math.h>
#include <string.h>

#include "envs/obs.h"

#include "envs/frames.h"
#include "envs/impair.h"
#include "envs/tasks.h"

static void add_block(env_t *e, const char *name, int size) {
  D2M_CHECK(e->nblocks < ENV_MAX_BLOCKS, "too many observation blocks");
  if (size <= 0) return;
  e->block_name[e->nblocks] = name;
  e->block_size[e->nblocks++] = size;
  e->obs_size += size;
}

/* Observation blocks, in order (nb = observed bodies, nh = hinge joints, nu = muscles):
 *   root_height   1       pelvis origin height (m)
 *   root_up       3       pelvis up-axis in the heading frame (unit vector; z = cos tilt)
 *   body_pos      3 nb    body origins relative to the pelvis, heading frame (m)
 *   body_rot6     6 nb    first two columns of each body's rotation in the heading frame (6-D rotation)
 *   body_linvel   3 nb    body-origin linear velocities, heading frame (m/s)
 *   body_angvel   3 nb    body angular velocities, heading frame (rad/s)
 *   joint_pos     nh      hinge angles (rad)
 *   joint_vel     nh      hinge angular velocities (rad/s)
 *   muscle_len    nu      normalised fibre+tendon actuator length (MuJoCo muscle L0 units)
 *   muscle_vel    nu      actuator velocity (L0/s)
 *   muscle_force  nu      tension (F0 units, >= 0 pulling)
 *   muscle_act    nu      activation (0..1)
 *   foot_force    6       contact force on the right, then left foot, heading frame (body weights)
 *   task          ..      stand: none; walk: 3; imitate: see tasks.c
 *   subject       14      env.obs_subject only: env_subject_vector (env.h) */
void env_layout(env_t *e) {
  e->obs_size = e->nblocks = 0;
  int nb = e->nobody, nh = e->nhinge, nu = e->nmus;
  add_block(e, "root_height", 1);
  add_block(e, "root_up", 3);
  add_block(e, "body_pos", 3 * nb);
  add_block(e, "body_rot6", 6 * nb);
  add_block(e, "body_linvel", 3 * nb);
  add_block(e, "body_angvel", 3 * nb);
  add_block(e, "joint_pos", nh);
  add_block(e, "joint_vel", nh);
  add_block(e, "muscle_len", nu);
  add_block(e, "muscle_vel", nu);
  add_block(e, "muscle_force", nu);
  add_block(e, "muscle_act", nu);
  add_block(e, "foot_force", 6);
  add_block(e, e->p.task == ENV_TASK_WALK ? "task_walk" : "task_imitate", env_task_obs_size(e));
  if (e->p.obs_subject) add_block(e, "subject", ENV_SUBJECT_OBS);
}

void env_foot_forces(env_t *e) {
  const mjModel *m = e->m;
  const mjData *d = e->d;
  memset(e->foot_force, 0, sizeof e->foot_force);
  e->heel_force[0] = e->heel_force[1] = 0;
  for (int i = 0; i < d->ncon; i++) {
    const mjContact *c = d->contact + i;
    int s1 = e->geom_side[c->geom1], s2 = e->geom_side[c->geom2];
    if (s1 < 0 && s2 < 0) continue;
    mjtNum fc[6], fw[3];
    mj_contactForce(m, d, i, fc);
    mju_mulMatTVec(fw, c->frame, fc, 3, 3); /* contact frame rows -> world; force of geom1 on geom2 */
    if (s2 >= 0)
      for (int k = 0; k < 3; k++) e->foot_force[3 * s2 + k] += fw[k];
    if (s1 >= 0)
      for (int k = 0; k < 3; k++) e->foot_force[3 * s1 + k] -= fw[k];
    for (int q = 0; q < 2; q++) { /* the heel: a calcn contact behind heel_x in the calcn frame */
      int g = q ? c->geom2 : c->geom1, side = e->geom_side[g];
      if (side < 0 || m->geom_bodyid[g] != e->foot_body[side]) continue;
      const mjtNum *bp = d->xpos + 3 * e->foot_body[side], *R = d->xmat + 9 * e->foot_body[side];
      double r[3], loc[3];
      for (int k = 0; k < 3; k++) r[k] = c->pos[k] - bp[k];
      mju_rotVecMatT(loc, r, R);
      if (loc[0] < e->heel_x[side]) e->heel_force[side] += q ? fw[2] : -fw[2];
    }
  }
  e->limit_frc = 0;
  for (int i = 0; i < d->nefc; i++)
    if (d->efc_type[i] == mjCNSTR_LIMIT_JOINT) e->limit_frc += fabs(d->efc_force[i]);
}

static float clampf(double x) {
  /* The observation must stay finite; huge values are clipped (normalisation clips later anyway). */
  if (!(x > -1e6)) return x != x ? 0.0f : -1e6f;
  if (x > 1e6) return 1e6f;
  return (float)x;
}

void env_write_obs(env_t *e, float *obs) {
  const mjModel *m = e->m;
  const mjData *d = e->d;
  float *o = obs;
  double psi = env_heading(e), up[3], v[3];
  const double *pp = d->xpos + 3 * e->pelvis;
  *o++ = clampf(pp[2]);
  env_pelvis_up(e, up);
  env_to_heading(psi, up, v);
  for (int k = 0; k < 3; k++) *o++ = clampf(v[k]);
  int nb = e->nobody;
  float *opos = o, *orot = o + 3 * nb, *olin = o + 9 * nb, *oang = o + 12 * nb;
  double c = cos(psi), s = sin(psi);
  for (int i = 0; i < nb; i++) {
    int b = e->obody[i];
    double r[3], lin[3], ang[3];
    for (int k = 0; k < 3; k++) r[k] = d->xpos[3 * b + k] - pp[k];
    env_to_heading(psi, r, v);
    for (int k = 0; k < 3; k++) opos[3 * i + k] = clampf(v[k]);
    const double *R = d->xmat + 9 * b; /* rows: world axes; columns: body axes */
    for (int col = 0; col < 2; col++) {
      double x = R[col], y = R[3 + col], z = R[6 + col];
      orot[6 * i + 3 * col + 0] = clampf(c * x + s * y);
      orot[6 * i + 3 * col + 1] = clampf(-s * x + c * y);
      orot[6 * i + 3 * col + 2] = clampf(z);
    }
    env_body_vel(e, b, lin, ang);
    env_to_heading(psi, lin, v);
    for (int k = 0; k < 3; k++) olin[3 * i + k] = clampf(v[k]);
    env_to_heading(psi, ang, v);
    for (int k = 0; k < 3; k++) oang[3 * i + k] = clampf(v[k]);
  }
  o += 15 * nb;
  for (int j = 0; j < e->nhinge; j++) *o++ = clampf(d->qpos[e->hinge_qadr[j]]);
  for (int j = 0; j < e->nhinge; j++) *o++ = clampf(d->qvel[e->hinge_dadr[j]]);
  int nu = e->nmus;
  for (int i = 0; i < nu; i++) {
    const mjtNum *g = m->actuator_gainprm + i * mjNGAIN, *lr = m->actuator_lengthrange + 2 * i;
    o[i] = clampf(g[0] + (d->actuator_length[i] - lr[0]) / e->mus_L0[i]);
    o[nu + i] = clampf(d->actuator_velocity[i] / e->mus_L0[i]);
    o[2 * nu + i] = clampf(-d->actuator_force[i] / e->mus_F0[i]);
    o[3 * nu + i] = clampf(m->na ? d->act[i] : d->ctrl[i]);
  }
  o += 4 * nu;
  for (int f = 0; f < 2; f++) {
    double w[3];
    for (int k = 0; k < 3; k++) w[k] = e->foot_force[3 * f + k] / e->weight;
    env_to_heading(psi, w, v);
    for (int k = 0; k < 3; k++) *o++ = clampf(v[k]);
  }
  env_task_obs(e, o);
  o += env_task_obs_size(e);
  if (e->p.obs_subject) {
    env_subject_vector(e, o);
    o += ENV_SUBJECT_OBS;
  }
  D2M_CHECK(o - obs == e->obs_size, "observation layout and writer disagree");
}

void env_amp_features(const env_t *e, float *out) {
  const mjData *d = e->d;
  double psi = env_heading(e), up[3], v[3], lin[3], ang[3];
  const double *pp = d->xpos + 3 * e->pelvis;
  float *o = out;
  *o++ = clampf(pp[2]);
  env_pelvis_up(e, up);
  env_to_heading(psi, up, v);
  for (int k = 0; k < 3; k++) *o++ = clampf(v[k]);
  env_body_vel(e, e->pelvis, lin, ang);
  env_to_heading(psi, lin, v);
  for (int k = 0; k < 3; k++) *o++ = clampf(v[k]);
  env_to_heading(psi, ang, v);
  for (int k = 0; k < 3; k++) *o++ = clampf(v[k]);
  for (int j = 0; j < e->nhinge; j++) *o++ = clampf(d->qpos[e->hinge_qadr[j]]);
  for (int j = 0; j < e->nhinge; j++) *o++ = clampf(d->qvel[e->hinge_dadr[j]]);
  for (int f = 0; f < 2; f++) {
    double r[3];
    for (int k = 0; k < 3; k++) r[k] = d->xpos[3 * e->foot_body[f] + k] - pp[k];
    env_to_heading(psi, r, v);
    for (int k = 0; k < 3; k++) *o++ = clampf(v[k]);
  }
}

int env_amp_size(const env_t *e) { return 16 + 2 * e->nhinge; }
