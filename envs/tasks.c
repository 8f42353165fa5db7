/* envs/tasks.c: stand, walk and imitate: reset distribution, task observation, reward, termination.
 * Every reward term lies in [0, 1] and is weighted; the maximum per step is the sum of the task's
 * weights (env_max_reward). */
#include <math.h>
#include <string.h>

#include "envs/tasks.h"

#include "envs/frames.h"

int env_task_obs_size(const env_t *e) {
  switch (e->p.task) {
  case ENV_TASK_WALK: return 3;
  case ENV_TASK_IMITATE: return e->p.im_future * (6 * e->ref->ntrack + e->nhinge) + 2;
  default: return 0;
  }
}

void env_task_frame(env_t *e, long k) { refmotion_frame(e->ref, k, e->ref_qpos, e->ref_qvel, e->ref_xpos, e->ref_xvel); }

/* Uniform noise on the hinge angles of the start pose (stand: stand.pose; walk: keyframe 0),
 * couplings re-applied. */
static void noisy_keyframe(env_t *e) {
  mjData *d = e->d;
  int up = e->p.task == ENV_TASK_STAND && e->p.stand_pose_upright;
  mju_copy(d->qpos, up ? e->qpos_up : e->qpos_key, e->m->nq);
  for (int j = 0; j < e->nhinge; j++) d->qpos[e->hinge_qadr[j]] += e->p.reset_noise * (2 * rng_uniform(&e->rng) - 1);
  ref_apply_joint_eq(e->m, d->qpos);
}

/* The clip (a library: drawn by weight), then the start frame within it (env_set_start_phase's, else
 * random when rsi), both from the env's stream; the body is put in that frame. */
static void reference_start(env_t *e, int rsi) {
  mjData *d = e->d;
  if (e->lib) {
    int c = motionlib_sample(e->lib, &e->rng);
    if (c >= 0) e->clip = c; /* -1: every weight set to 0 since create; keep the last clip */
    e->ref = &e->lib->clips[e->clip].ref;
  }
  const refmotion *r = e->ref;
  long n = r->cyclic ? r->nframes : r->nframes - 1;
  if (n < 1) n = 1;
  if (e->start_phase >= 0) e->ref_k0 = (long)fmin(floor(e->start_phase * (double)n), (double)(n - 1));
  else e->ref_k0 = rsi ? (long)rng_below(&e->rng, (uint64_t)n) : 0;
  env_task_frame(e, e->ref_k0);
  mju_copy(d->qpos, e->ref_qpos, e->m->nq);
  mju_copy(d->qvel, e->ref_qvel, e->m->nv);
}

void env_task_reset(env_t *e) {
  mjData *d = e->d;
  if (e->p.task == ENV_TASK_IMITATE) {
    reference_start(e, e->p.im_rsi);
    return;
  }
  /* walk.start = reference: a frame of the reference (what AMP's discriminator knows as walking). */
  if (e->p.task == ENV_TASK_WALK && e->p.walk_start_ref) reference_start(e, 1);
  else noisy_keyframe(e);
  if (e->p.task == ENV_TASK_WALK) {
    if (e->p.walk_speed_ref) {
      if (e->lib && !e->p.walk_start_ref) { /* the clip whose speed is commanded */
        int c = motionlib_sample(e->lib, &e->rng);
        if (c >= 0) e->clip = c;
        e->ref = &e->lib->clips[e->clip].ref;
      }
      e->target_speed = e->ref->speed;
    } else
      e->target_speed = e->p.walk_speed_min + (e->p.walk_speed_max - e->p.walk_speed_min) * rng_uniform(&e->rng);
    mj_kinematics(e->m, d); /* for the heading of the reset pose */
    e->target_heading = env_heading(e) + e->p.walk_heading_range * (2 * rng_uniform(&e->rng) - 1);
  }
}

void env_task_obs(env_t *e, float *out) {
  if (e->p.task == ENV_TASK_WALK) {
    double dpsi = e->target_heading - env_heading(e);
    out[0] = (float)e->target_speed;
    out[1] = (float)cos(dpsi);
    out[2] = (float)sin(dpsi);
    return;
  }
  if (e->p.task != ENV_TASK_IMITATE) return;
  /* Per future frame f = 1..im_future: tracked bodies' reference minus current position (3 each,
   * heading frame, m), reference minus current velocity (3 each, m/s), reference minus current
   * hinge angles (nh, rad); then the phase (sin, cos of 2 pi k / nframes; non-cyclic: progress). */
  const mjData *d = e->d;
  const refmotion *r = e->ref;
  double psi = env_heading(e), v[3], dv[3];
  long k = e->ref_k0 + e->t;
  float *o = out;
  for (int f = 1; f <= e->p.im_future; f++) {
    env_task_frame(e, k + f);
    for (int i = 0; i < r->ntrack; i++) {
      for (int c = 0; c < 3; c++) dv[c] = e->ref_xpos[3 * i + c] - d->xpos[3 * r->track_body[i] + c];
      env_to_heading(psi, dv, v);
      for (int c = 0; c < 3; c++) *o++ = (float)v[c];
    }
    for (int i = 0; i < r->ntrack; i++) {
      double lin[3], ang[3];
      env_body_vel(e, r->track_body[i], lin, ang);
      for (int c = 0; c < 3; c++) dv[c] = e->ref_xvel[3 * i + c] - lin[c];
      env_to_heading(psi, dv, v);
      for (int c = 0; c < 3; c++) *o++ = (float)v[c];
    }
    for (int j = 0; j < e->nhinge; j++) *o++ = (float)(e->ref_qpos[e->hinge_qadr[j]] - d->qpos[e->hinge_qadr[j]]);
  }
  double ph = r->cyclic ? 2 * M_PI * (double)(k % r->nframes) / r->nframes : M_PI * (double)k / (r->nframes - 1);
  *o++ = (float)sin(ph);
  *o++ = (float)cos(ph);
  env_task_frame(e, k); /* leave the current frame in the buffers */
}

static double up_term(const env_t *e) {
  double up[3];
  env_pelvis_up(e, up);
  return up[2] > 0 ? up[2] : 0;
}

static double imitate_reward(env_t *e) {
  const env_params *p = &e->p;
  const refmotion *r = e->ref;
  const mjData *d = e->d;
  env_task_frame(e, e->ref_k0 + e->t);
  /* droot: the pelvis' (free joint origin's) offset from the reference's; imitate.pos_frame = pelvis
   * takes it out of every body's offset in the position term, not out of the termination distance
   * or the MPJPE */
  double droot[3], shift[3] = {0, 0, 0}, sroot = 0;
  for (int c = 0; c < 3; c++) {
    droot[c] = d->qpos[e->root_qadr + c] - e->ref_qpos[e->root_qadr + c];
    sroot += droot[c] * droot[c];
    if (p->im_pos_pelvis) shift[c] = droot[c];
  }
  double sp = 0, sv = 0, dmax = 0, dsum = 0;
  for (int i = 0; i < r->ntrack; i++) {
    int b = r->track_body[i];
    double lin[3], ang[3], dp2 = 0, dv2 = 0, rel2 = 0;
    env_body_vel(e, b, lin, ang);
    for (int c = 0; c < 3; c++) {
      double a = d->xpos[3 * b + c] - e->ref_xpos[3 * i + c], w = lin[c] - e->ref_xvel[3 * i + c];
      dp2 += a * a;
      rel2 += (a - shift[c]) * (a - shift[c]);
      dv2 += w * w;
    }
    sp += rel2;
    sv += dv2;
    double dist = sqrt(dp2);
    dsum += dist;
    if (i == 0 || dist > dmax) { /* the farthest body, and which way: an episode's end names it */
      dmax = dist;
      e->last_track_body = b;
      for (int c = 0; c < 3; c++) e->last_track_off[c] = d->xpos[3 * b + c] - e->ref_xpos[3 * i + c];
    }
  }
  sp /= r->ntrack;
  sv /= r->ntrack;
  double sq = 0;
  for (int j = 0; j < e->nhinge; j++) {
    double a = d->qpos[e->hinge_qadr[j]] - e->ref_qpos[e->hinge_qadr[j]];
    sq += a * a;
  }
  e->last_track_dist = dmax;
  e->ep_pos_err += dsum / r->ntrack;
  e->ep_joint_sq += sq;
  e->ep_joint_n += e->nhinge;
  return p->im_w_pos * exp(-p->im_k_pos * sp) + p->im_w_vel * exp(-p->im_k_vel * sv) + p->im_w_up * up_term(e) +
         p->im_w_energy * (1 - e->excite_msq) + p->im_w_joint * exp(-p->im_k_joint * sq) +
         p->im_w_root * exp(-p->im_k_root * sroot);
}

/* Stand: upright, at the target height, still, low effort; with stand.pose = upright also near the
 * upright stance (hinges), both heels carrying load, and no joint pressed against its limit. */
static double stand_reward(const env_t *e, const double *lin, double energy) {
  const env_params *p = &e->p;
  const mjData *d = e->d;
  double h = p->stand_pose_upright ? e->h_up : e->h0;
  double dh = (d->xpos[3 * e->pelvis + 2] - h) / 0.05;
  double v2 = lin[0] * lin[0] + lin[1] * lin[1];
  double r = p->stand_w_up * up_term(e) + p->stand_w_height * exp(-dh * dh) + p->stand_w_still * exp(-v2 / 0.1) +
             p->stand_w_energy * energy;
  if (p->stand_w_posture > 0) {
    const double *q0 = p->stand_pose_upright ? e->qpos_up : e->qpos_key;
    double sq = 0;
    for (int j = 0; j < e->nhinge; j++) {
      double a = d->qpos[e->hinge_qadr[j]] - q0[e->hinge_qadr[j]];
      sq += a * a;
    }
    r += p->stand_w_posture * exp(-p->stand_k_posture * sq);
  }
  if (p->stand_w_heel > 0) { /* each heel: 1 once it carries a quarter of the body weight */
    double hl = 0;
    for (int s = 0; s < 2; s++) {
      double f = e->heel_force[s] / (0.25 * e->weight);
      hl += 0.5 * (f < 0 ? 0 : f > 1 ? 1 : f);
    }
    r += p->stand_w_heel * hl;
  }
  if (p->stand_w_limit > 0) r += p->stand_w_limit * exp(-e->limit_frc / (ENV_LIMIT_SCALE * e->weight));
  return r;
}

double env_task_reward(env_t *e) {
  const env_params *p = &e->p;
  double energy = 1 - e->excite_msq;
  if (p->task == ENV_TASK_IMITATE) return imitate_reward(e);
  double lin[3], ang[3];
  env_body_vel(e, e->pelvis, lin, ang);
  if (p->task == ENV_TASK_STAND) return stand_reward(e, lin, energy);
  double tx = e->target_speed * cos(e->target_heading), ty = e->target_speed * sin(e->target_heading);
  double ex = lin[0] - tx, ey = lin[1] - ty;
  double psi = env_heading(e);
  e->ep_speed += lin[0] * cos(e->target_heading) + lin[1] * sin(e->target_heading);
  return p->walk_w_vel * exp(-p->walk_k_vel * (ex * ex + ey * ey)) + p->walk_w_up * up_term(e) +
         p->walk_w_heading * 0.5 * (1 + cos(psi - e->target_heading)) + p->walk_w_energy * energy;
}

/* The balance assistant (after Yu, Turk & Liu 2018, "Learning symmetric and low-energy locomotion",
 * ACM TOG 37(4): a virtual assistant whose help a curriculum takes away). Imitate episodes end by the
 * pelvis falling sideways over the stance foot (bench/learn_log.md); the assistant holds it near the
 * reference with a sideways force (heading frame) and a roll and pitch moment toward the reference's
 * pelvis orientation (yaw and fore-aft and vertical motion get no help). Strength s scales an
 * inverted pendulum of the body's mass m and the reference's pelvis height l: sideways stiffness
 * s m g / l (s = 1 cancels the pendulum's toppling stiffness), rotational stiffness s m g l. Both are
 * critically damped for the inertia the free joint's dofs have (qM's diagonal), which keeps the
 * explicit force stable at the physics step. */
static void assist_force(env_t *e, double s, double l) {
  mjData *d = e->d;
  int qa = e->root_qadr, da = e->root_dadr;
  double mass = d->qM[e->m->dof_Madr[da]]; /* the whole body's, for a translation of the free joint */
  double kp = s * mass * mju_norm3(e->m->opt.gravity) / l, kd = 2 * sqrt(kp * mass);
  double psi = env_heading(e), lat[2] = {-sin(psi), cos(psi)}, ey = 0, evy = 0;
  for (int c = 0; c < 2; c++) {
    ey += lat[c] * (e->ref_qpos[qa + c] - d->qpos[qa + c]);
    evy += lat[c] * (e->ref_qvel[da + c] - d->qvel[da + c]);
  }
  double f = kp * ey + kd * evy;
  d->qfrc_applied[da] = f * lat[0];
  d->qfrc_applied[da + 1] = f * lat[1];
  d->qfrc_applied[da + 2] = 0;
}

static void assist_moment(env_t *e, double s, double l) {
  const mjModel *m = e->m;
  mjData *d = e->d;
  int qa = e->root_qadr, da = e->root_dadr;
  double mass = d->qM[m->dof_Madr[da]], inertia = 0;
  for (int c = 3; c < 6; c++) inertia += d->qM[m->dof_Madr[da + c]] / 3;
  double kr = s * mass * mju_norm3(m->opt.gravity) * l, kdr = 2 * sqrt(kr * inertia);
  /* the free joint's rotational dofs are body-frame; the error and the moment are built in the world
   * frame, where roll and pitch are the horizontal components */
  double R[9], Rref[9], rot_b[3], rot_w[3], w_w[3], wr_w[3], tau_w[3];
  mju_quat2Mat(R, d->qpos + qa + 3);
  mju_quat2Mat(Rref, e->ref_qpos + qa + 3);
  mju_subQuat(rot_b, e->ref_qpos + qa + 3, d->qpos + qa + 3); /* current -> reference, body frame */
  mju_mulMatVec(rot_w, R, rot_b, 3, 3);
  mju_mulMatVec(w_w, R, d->qvel + da + 3, 3, 3);
  mju_mulMatVec(wr_w, Rref, e->ref_qvel + da + 3, 3, 3);
  for (int c = 0; c < 2; c++) tau_w[c] = kr * rot_w[c] + kdr * (wr_w[c] - w_w[c]);
  tau_w[2] = 0;
  mju_mulMatTVec(d->qfrc_applied + da + 3, R, tau_w, 3, 3);
}

void env_task_assist(env_t *e) {
  if (e->assist <= 0 || e->p.task != ENV_TASK_IMITATE) return;
  double l = e->ref_qpos[e->root_qadr + 2];
  if (!(l > 0.3)) l = 0.3; /* a reference crouched lower than 0.3 m still gets a finite assistant */
  assist_force(e, e->assist, l);
  assist_moment(e, e->assist, l);
}

int env_task_terminal(env_t *e) {
  if (e->p.task == ENV_TASK_IMITATE) return e->last_track_dist > e->term_dist ? ENV_END_TRACKING : ENV_END_NONE;
  double up[3];
  env_pelvis_up(e, up);
  if (e->d->xpos[3 * e->pelvis + 2] < e->p.fall_height_frac * e->h0) return ENV_END_FALL;
  if (up[2] < cos(e->p.fall_tilt_deg * M_PI / 180)) return ENV_END_FALL;
  return ENV_END_NONE;
}

double env_max_reward(const env_t *e) {
  const env_params *p = &e->p;
  switch (p->task) {
  case ENV_TASK_STAND:
    return p->stand_w_up + p->stand_w_height + p->stand_w_still + p->stand_w_energy + p->stand_w_posture +
           p->stand_w_heel + p->stand_w_limit;
  case ENV_TASK_WALK: return p->walk_w_vel + p->walk_w_up + p->walk_w_heading + p->walk_w_energy;
  default: return p->im_w_pos + p->im_w_vel + p->im_w_up + p->im_w_energy + p->im_w_joint + p->im_w_root;
  }
}
