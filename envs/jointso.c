/* envs/jointso.c: env.action_mode = joint_so (see jointso.h). */
#include "envs/jointso.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "envs/motion/so.h"
#include "envs/tasks.h"

struct env_jso {
  so_ws ws;
  so_opts opts;
  double q_star[ENV_MAX_HINGE]; /* this control step's target angles (rad) */
  double v_c[ENV_MAX_HINGE];    /* centre velocities (rad/s) */
  double gain[ENV_MAX_HINGE];   /* per-hinge factor on kp and kd (1, or strength over the mean) */
  double lo[ENV_MAX_HINGE], hi[ENV_MAX_HINGE]; /* target bounds (env.jso_limit_margin; +-inf: none) */
  double *tau, *act, *reserve;  /* [nv], [nu], [nv] */
  double **ff_tau;              /* jso_ff_id: [clips][nframes][nv] inverse-dynamics torques; else NULL */
};

static void strength_gains(env_t *e, struct env_jso *j);

/* env.jso_limit_margin >= 0: each limited hinge's targets inside its range by the margin (a margin
 * wider than half the range: its midpoint). */
static void target_bounds(env_t *e, struct env_jso *j) {
  const mjModel *m = e->m;
  double mg = e->p.jso_margin;
  for (int h = 0; h < e->nhinge; h++) {
    j->lo[h] = -INFINITY, j->hi[h] = INFINITY;
    int jn = m->dof_jntid[e->hinge_dadr[h]];
    if (mg < 0 || !m->jnt_limited[jn]) continue;
    double lo = m->jnt_range[2 * jn], hi = m->jnt_range[2 * jn + 1];
    if (hi - lo < 2 * mg) lo = hi = 0.5 * (lo + hi);
    else lo += mg, hi -= mg;
    j->lo[h] = lo, j->hi[h] = hi;
  }
}

int jso_create(env_t *e, d2m_err *err) {
  const mjModel *m = e->m;
  if (e->nhinge < 1) return err_set(err, "env.action_mode = joint_so: the model has no independent hinge joint");
  if (m->na < e->nmus)
    return err_set(err, "env.action_mode = joint_so: %d muscles but %d activation states (the muscles need dynamics)",
                   e->nmus, m->na);
  struct env_jso *j = xcalloc(1, sizeof *j);
  e->jso = j;
  so_ws_init(&j->ws, m->nu, m->nv);
  so_opts_init(&j->opts);
  j->opts.nact = e->nmus; /* device actuators keep their own controllers */
  j->tau = xcalloc((size_t)(2 * m->nv + m->nu), sizeof(double));
  j->reserve = j->tau + m->nv;
  j->act = j->reserve + m->nv;
  /* the reference's inverse-dynamics torques (so_run's tau: mj_inverse with the ground reaction
   * estimated at the feet taken out, so the joints' share of it) */
  if (e->p.jso_ff_id && env_so_clips(e, NULL, &j->ff_tau, "env.jso_feedforward = inverse_dynamics", err)) return -1;
  for (int h = 0; h < e->nhinge; h++) j->gain[h] = 1;
  target_bounds(e, j);
  if (e->p.jso_gains_strength) strength_gains(e, j);
  return 0;
}

/* The centre pose's hinge angles and velocities (below). */
static void centre(env_t *e, double *q_c, double *v_c);

/* env.jso_gains = strength: each hinge's muscle strength in the centre pose at the start (imitate:
 * the reference's first frame), the sum over muscles of |moment arm x force-length-velocity gain|
 * with slaved coordinates folded into their masters (so_frame's matrix), relative to the mean. */
static void strength_gains(env_t *e, struct env_jso *j) {
  const mjModel *m = e->m;
  mjData *d = mj_makeData(m);
  double q_c[ENV_MAX_HINGE], v_c[ENV_MAX_HINGE], mean = 0;
  if (e->p.task == ENV_TASK_IMITATE) env_task_frame(e, 0);
  mju_copy(d->qpos, e->p.task == ENV_TASK_IMITATE ? e->ref_qpos : m->qpos0, m->nq);
  centre(e, q_c, v_c);
  for (int h = 0; h < e->nhinge; h++) d->qpos[e->hinge_qadr[h]] = q_c[h];
  ref_apply_joint_eq(m, d->qpos);
  mj_forward(m, d);
  so_frame(&j->ws, m, d, j->tau, &j->opts, j->act, j->reserve); /* tau = 0: only its matrix is used */
  for (int h = 0; h < e->nhinge; h++) {
    const double *row = j->ws.A + (size_t)e->hinge_dadr[h] * m->nu;
    double s = 0;
    for (int i = 0; i < e->nmus; i++) s += fabs(row[i]);
    j->gain[h] = s;
    mean += s / e->nhinge;
  }
  for (int h = 0; h < e->nhinge; h++) j->gain[h] = mean > 0 ? j->gain[h] / mean : 1;
  mju_zero(j->act, m->nu);
  mj_deleteData(d);
}

void jso_free(env_t *e) {
  struct env_jso *j = e->jso;
  if (!j) return;
  so_ws_free(&j->ws);
  env_so_clips_free(e, j->ff_tau);
  free(j->tau);
  free(j);
  e->jso = NULL;
}

/* The centre pose's hinge angles and velocities: the reference frame the step ends on (imitate),
 * the stance (stand), keyframe 0 (walk). */
static void centre(env_t *e, double *q_c, double *v_c) {
  if (e->p.task == ENV_TASK_IMITATE) {
    env_task_frame(e, env_ref_frame(e) + 1);
    for (int h = 0; h < e->nhinge; h++) {
      q_c[h] = e->ref_qpos[e->hinge_qadr[h]];
      v_c[h] = e->ref_qvel[e->hinge_dadr[h]];
    }
    env_task_frame(e, env_ref_frame(e)); /* the ref_* buffers describe the current frame again */
    return;
  }
  const double *q = e->p.task == ENV_TASK_STAND && e->p.stand_pose_upright ? e->qpos_up : e->qpos_key;
  for (int h = 0; h < e->nhinge; h++) {
    q_c[h] = q[e->hinge_qadr[h]];
    v_c[h] = 0;
  }
}

void jso_control(env_t *e, const float *a) {
  struct env_jso *j = e->jso;
  double q_c[ENV_MAX_HINGE];
  centre(e, q_c, j->v_c);
  for (int h = 0; h < e->nhinge; h++) {
    double x = a[h];
    if (!(x == x)) x = 0; /* a NaN action becomes neutral rather than poisoning the sim */
    double q = q_c[h] + e->p.jso_range * tanh(x);
    j->q_star[h] = q < j->lo[h] ? j->lo[h] : q > j->hi[h] ? j->hi[h] : q;
  }
  jso_solve(e);
}

/* imitate with the feed-forward: the mean inverse-dynamics torque of frames k and k+1 (the step
 * about to be taken), added to tau on every dof (so_frame folds the slaves' share into the masters). */
static void add_feedforward(const env_t *e, double *tau) {
  const struct env_jso *j = e->jso;
  long n = e->ref->nframes, k = env_ref_frame(e);
  long k0 = e->ref->cyclic ? k % n : (k < n ? k : n - 1);
  long k1 = e->ref->cyclic ? (k + 1) % n : (k + 1 < n ? k + 1 : n - 1);
  int nv = e->m->nv;
  const double *t0 = j->ff_tau[e->clip] + (size_t)k0 * nv, *t1 = j->ff_tau[e->clip] + (size_t)k1 * nv;
  for (int i = 0; i < nv; i++) tau[i] += 0.5 * (t0[i] + t1[i]);
}

void jso_solve(env_t *e) {
  struct env_jso *j = e->jso;
  const mjModel *m = e->m;
  mjData *d = e->d;
  mju_zero(j->tau, m->nv);
  for (int h = 0; h < e->nhinge; h++) {
    int qa = e->hinge_qadr[h], da = e->hinge_dadr[h];
    j->tau[da] = j->gain[h] * (e->p.jso_kp * (j->q_star[h] - d->qpos[qa]) + e->p.jso_kd * (j->v_c[h] - d->qvel[da]));
  }
  if (j->ff_tau) add_feedforward(e, j->tau);
  /* warm start: the activations the muscles have now (state a checkpoint carries, so a resumed run
   * solves from the same point) */
  for (int i = 0; i < m->nu; i++) j->act[i] = i < e->nmus ? d->act[i] : 0;
  so_frame(&j->ws, m, d, j->tau, &j->opts, j->act, j->reserve);
  double msq = 0;
  for (int i = 0; i < e->nmus; i++) {
    double u = j->act[i];
    u = u < 0 ? 0 : u > 1 ? 1 : u;
    d->ctrl[i] = u;
    msq += u * u;
  }
  e->excite_msq = msq / (e->nmus ? e->nmus : 1);
}

const double *jso_last_act(const env_t *e) { return e->jso ? e->jso->act : NULL; }
const double *jso_last_reserve(const env_t *e) { return e->jso ? e->jso->reserve : NULL; }
const double *jso_last_tau(const env_t *e) { return e->jso ? e->jso->tau : NULL; }
const double *jso_last_target(const env_t *e) { return e->jso ? e->jso->q_star : NULL; }
