/* envs/actions.c: what an action does to the muscles, per env.action_mode: excitation (a sigmoid,
 * around imitate's static-optimisation feed-forward when imitate.feedforward = so), muscle_pd (a PD
 * law on each muscle's normalised length, solved for the activation that gives its tension) and
 * joint_so (envs/jointso.c). Then the subject's descending-pathway impairments (impair.h). */
#include <math.h>

#include "envs/env_int.h"
#include "envs/impair.h"
#include "envs/jointso.h"
#include "envs/tasks.h"

/* pd_centre = pose: normalised muscle lengths of the body in qpos (kinematics and transmission only,
 * on scratch data so the simulation's state is untouched). */
void env_pose_lengths(env_t *e, const double *qpos) {
  const mjModel *m = e->m;
  mjData *d = e->d_pose;
  mju_copy(d->qpos, qpos, m->nq);
  mj_kinematics(m, d);
  mj_comPos(m, d);
  mj_tendon(m, d);
  mj_transmission(m, d);
  for (int i = 0; i < e->nmus; i++) {
    const mjtNum *g = m->actuator_gainprm + i * mjNGAIN, *lr = m->actuator_lengthrange + 2 * i;
    e->pd_pose[i] = g[0] + (d->actuator_length[i] - lr[0]) / e->mus_L0[i];
  }
}

/* im_ff_so: logit of the mean static-optimisation activation of muscle i over frames k, k+1 (the
 * step about to be taken), clamped away from 0 and 1. */
static double ff_logit(const env_t *e, int i) {
  long n = e->ref->nframes, k = env_ref_frame(e);
  const double *a = e->so_act[e->clip];
  long k1 = e->ref->cyclic ? (k + 1) % n : (k + 1 < n ? k + 1 : n - 1);
  double u = 0.5 * (a[(size_t)(k % n) * e->m->nu + i] + a[(size_t)k1 * e->m->nu + i]);
  u = u < 0.005 ? 0.005 : u > 0.995 ? 0.995 : u;
  return log(u / (1 - u));
}

/* muscle_pd: the activation whose force is the PD law's tension toward the target normalised length
 * e->pd_target[i] at the muscle's current length and velocity (gain * act + bias = -f F0). */
void env_pd_ctrl(env_t *e) {
  const mjModel *m = e->m;
  mjData *d = e->d;
  double msq = 0;
  for (int i = 0; i < e->nmus; i++) {
    const mjtNum *g = m->actuator_gainprm + i * mjNGAIN, *lr = m->actuator_lengthrange + 2 * i;
    double len = d->actuator_length[i], vel = d->actuator_velocity[i];
    double ln = g[0] + (len - lr[0]) / e->mus_L0[i], vn = vel / e->mus_L0[i];
    double f = e->p.pd_kp * (ln - e->pd_target[i]) + e->p.pd_kd * vn;
    f = f < 0 ? 0 : f > 1 ? 1 : f;
    double gain = mju_muscleGain(len, vel, lr, m->actuator_acc0[i], g);
    double bias = mju_muscleBias(len, lr, m->actuator_acc0[i], m->actuator_biasprm + i * mjNBIAS);
    double u = gain < -1e-9 ? (-f * e->mus_F0[i] - bias) / gain : 0;
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    d->ctrl[i] = u;
    msq += u * u;
  }
  e->excite_msq = msq / (e->nmus ? e->nmus : 1);
}

/* The pose a zero action aims for: fixed for stand and walk (at create), the reference frame the
 * control step ends on for imitate. */
static void pd_pose_update(env_t *e) {
  if (e->p.task != ENV_TASK_IMITATE) return;
  env_task_frame(e, env_ref_frame(e) + 1);
  env_pose_lengths(e, e->ref_qpos);
  env_task_frame(e, env_ref_frame(e));
}

void env_apply_action(env_t *e, const float *a) {
  const mjModel *m = e->m;
  mjData *d = e->d;
  double msq = 0;
  int ff = e->p.im_ff_so && e->so_act;
  if (e->p.action_mode == ENV_ACT_JOINT_SO) {
    jso_control(e, a);
    impair_descending(e);
    return;
  }
  if (e->p.action_mode == ENV_ACT_MUSCLE_PD && e->p.pd_centre == ENV_PD_POSE) pd_pose_update(e);
  for (int i = 0; i < e->nmus; i++) {
    double x = a[i];
    if (!(x == x)) x = 0; /* a NaN action becomes neutral rather than poisoning the sim */
    if (e->p.action_mode == ENV_ACT_EXCITATION) {
      double u = 1 / (1 + exp(-(ff ? x + ff_logit(e, i) : x)));
      d->ctrl[i] = u;
      msq += u * u;
      continue;
    }
    const mjtNum *g = m->actuator_gainprm + i * mjNGAIN, *lr = m->actuator_lengthrange + 2 * i;
    if (e->p.pd_centre == ENV_PD_CURRENT) { /* a zero action holds the current length */
      double ln = g[0] + (d->actuator_length[i] - lr[0]) / e->mus_L0[i];
      e->pd_target[i] = ln + e->p.pd_range * (g[1] - g[0]) * tanh(x);
    } else if (e->p.pd_centre == ENV_PD_POSE) { /* a zero action pulls toward the task's pose */
      e->pd_target[i] = e->pd_pose[i] + e->p.pd_range * (g[1] - g[0]) * tanh(x);
    } else {
      e->pd_target[i] = g[0] + (g[1] - g[0]) * 0.5 * (tanh(x) + 1);
    }
  }
  if (e->p.action_mode == ENV_ACT_EXCITATION) e->excite_msq = msq / (e->nmus ? e->nmus : 1);
  else env_pd_ctrl(e);
  impair_descending(e);
}
