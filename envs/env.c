/* envs/env.c: env core: create (indices by name), reset, step (actions, substeps, numerical
 * safety, episode bookkeeping, automatic reset). See env.h. */
#include "envs/env.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "envs/frames.h"
#include "envs/impair.h"
#include "envs/jointso.h"
#include "envs/motion/so.h"
#include "envs/obs.h"
#include "envs/tasks.h"

static const char *k_obs_bodies[] = {"pelvis", "femur_r", "tibia_r", "talus_r", "calcn_r", "toes_r",
                                     "femur_l", "tibia_l", "talus_l", "calcn_l", "toes_l"};

static int slaved(const mjModel *m, int j) {
  for (int i = 0; i < m->neq; i++)
    if (m->eq_type[i] == mjEQ_JOINT && m->eq_active[i] && m->eq_obj1id[i] == j && m->eq_obj2id[i] >= 0) return 1;
  return 0;
}

static int find_indices(env_t *e, d2m_err *err) {
  const mjModel *m = e->m;
  e->pelvis = mj_name2id(m, mjOBJ_BODY, "pelvis");
  if (e->pelvis < 0) return err_set(err, "env: model has no body 'pelvis'");
  int fj = -1;
  for (int j = 0; j < m->njnt && fj < 0; j++)
    if (m->jnt_type[j] == mjJNT_FREE) fj = j;
  if (fj < 0) return err_set(err, "env: model has no free joint");
  e->root_qadr = m->jnt_qposadr[fj];
  e->root_dadr = m->jnt_dofadr[fj];
  e->nobody = 0;
  for (size_t i = 0; i < sizeof k_obs_bodies / sizeof *k_obs_bodies; i++) {
    int b = mj_name2id(m, mjOBJ_BODY, k_obs_bodies[i]);
    if (b < 0) return err_set(err, "env: model has no body '%s'", k_obs_bodies[i]);
    e->obody[e->nobody++] = b;
  }
  e->nhinge = 0;
  for (int j = 0; j < m->njnt; j++) {
    if (m->jnt_type[j] != mjJNT_HINGE || slaved(m, j)) continue;
    if (e->nhinge == ENV_MAX_HINGE) return err_set(err, "env: more than %d hinge joints", ENV_MAX_HINGE);
    e->hinge_qadr[e->nhinge] = m->jnt_qposadr[j];
    e->hinge_dadr[e->nhinge++] = m->jnt_dofadr[j];
  }
  if (m->nu > ENV_MAX_MUSCLE) return err_set(err, "env: %d actuators, at most %d", m->nu, ENV_MAX_MUSCLE);
  /* the muscles first; assistive devices (exo_*, pros_*, envs/device.h) may follow them */
  for (e->nmus = 0; e->nmus < m->nu && m->actuator_gaintype[e->nmus] == mjGAIN_MUSCLE;) e->nmus++;
  for (int i = e->nmus; i < m->nu; i++) {
    const char *nm = mj_id2name(m, mjOBJ_ACTUATOR, i);
    if (!nm || (strncmp(nm, "exo_", 4) && strncmp(nm, "pros_", 5)))
      return err_set(err, "env: actuator %d ('%s') is not a muscle", i, nm ? nm : "");
  }
  for (int i = 0; i < e->nmus; i++) {
    const mjtNum *g = m->actuator_gainprm + i * mjNGAIN, *lr = m->actuator_lengthrange + 2 * i;
    double L0 = (lr[1] - lr[0]) / (g[1] - g[0]);
    e->mus_L0[i] = L0 > 1e-6 ? L0 : 1e-6;
    /* MuJoCo's rule: F0 = gainprm[2], or scale / acc0 when it is negative. */
    double F0 = g[2] >= 0 ? g[2] : g[3] / m->actuator_acc0[i];
    e->mus_F0[i] = F0 > 1e-6 ? F0 : 1e-6;
  }
  const char *feet[2][3] = {{"talus_r", "calcn_r", "toes_r"}, {"talus_l", "calcn_l", "toes_l"}};
  e->geom_side = xmalloc((size_t)m->ngeom);
  int root[2];
  for (int s = 0; s < 2; s++) {
    e->foot_body[s] = mj_name2id(m, mjOBJ_BODY, feet[s][1]);
    root[s] = mj_name2id(m, mjOBJ_BODY, feet[s][0]);
    if (root[s] < 0) root[s] = e->foot_body[s];
    if (e->foot_body[s] < 0) return err_set(err, "env: model has no body '%s'", feet[s][1]);
    int toes = mj_name2id(m, mjOBJ_BODY, feet[s][2]);
    /* The heel: the posterior 35% of the calcn origin -> toes joint distance (0.18 m in MyoLegs). */
    e->heel_x[s] = toes >= 0 ? 0.35 * mju_norm3(m->body_pos + 3 * toes) : 0.06;
  }
  for (int g = 0; g < m->ngeom; g++) {
    e->geom_side[g] = -1;
    for (int b = m->geom_bodyid[g]; b > 0; b = m->body_parentid[b])
      if (b == root[0] || b == root[1]) e->geom_side[g] = (signed char)(b == root[0] ? 0 : 1);
  }
  return 0;
}

/* Keyframe-0 reference quantities: pelvis up/forward in the pelvis frame, height, weight. */
static void key_frame(env_t *e) {
  const mjModel *m = e->m;
  mjData *d = e->d;
  e->qpos_key = xmalloc(sizeof(double) * m->nq);
  mju_copy(e->qpos_key, m->nkey > 0 ? m->key_qpos : m->qpos0, m->nq);
  mju_copy(d->qpos, e->qpos_key, m->nq);
  mj_kinematics(m, d);
  const mjtNum *R = d->xmat + 9 * e->pelvis;
  const double z[3] = {0, 0, 1};
  mju_rotVecMatT(e->up_local, z, R);
  /* Forward: the pelvis x-axis (OpenSim: anterior) made orthogonal to up. */
  double x[3] = {1, 0, 0}, dot = mju_dot3(x, e->up_local);
  for (int k = 0; k < 3; k++) e->fwd_local[k] = x[k] - dot * e->up_local[k];
  mju_normalize3(e->fwd_local);
  e->h0 = d->xpos[3 * e->pelvis + 2];
  double mass = 0;
  for (int b = 0; b < m->nbody; b++) mass += m->body_mass[b];
  e->weight = mass * 9.81;
}

/* Lowest point of a geom in the world (z), for the shapes the feet use; others by bounding sphere. */
static double geom_bottom(const mjModel *m, const mjData *d, int g) {
  double z = d->geom_xpos[3 * g + 2], r = m->geom_size[3 * g];
  if (m->geom_type[g] == mjGEOM_SPHERE) return z - r;
  if (m->geom_type[g] == mjGEOM_CAPSULE) return z - fabs(d->geom_xmat[9 * g + 8]) * m->geom_size[3 * g + 1] - r;
  return z - m->geom_rbound[g];
}

/* The upright stance for stand: every free hinge at 0 but the knees at ENV_UPRIGHT_KNEE (off their
 * 0 limit), pelvis as in keyframe 0 and lowered or raised until the lowest foot contact touches
 * the floor. Keyframe 0 ('standing') is a crouch: knees 26 deg, ankles 19 deg dorsiflexed. */
#define ENV_UPRIGHT_KNEE (5 * M_PI / 180)
static void upright_pose(env_t *e) {
  const mjModel *m = e->m;
  mjData *d = e->d;
  e->qpos_up = xmalloc(sizeof(double) * m->nq);
  mju_copy(e->qpos_up, e->qpos_key, m->nq);
  for (int j = 0; j < m->njnt; j++) {
    if (m->jnt_type[j] != mjJNT_HINGE || slaved(m, j)) continue;
    const char *name = mj_id2name(m, mjOBJ_JOINT, j);
    double q = name && !strncmp(name, "knee_angle_", 11) && strlen(name) == 12 ? ENV_UPRIGHT_KNEE : 0;
    if (m->jnt_limited[j]) q = q < m->jnt_range[2 * j] ? m->jnt_range[2 * j] : q > m->jnt_range[2 * j + 1] ? m->jnt_range[2 * j + 1] : q;
    e->qpos_up[m->jnt_qposadr[j]] = q;
  }
  ref_apply_joint_eq(m, e->qpos_up);
  mju_copy(d->qpos, e->qpos_up, m->nq);
  mj_kinematics(m, d);
  double low = INFINITY;
  for (int g = 0; g < m->ngeom; g++)
    if (e->geom_side[g] >= 0 && (m->geom_contype[g] || m->geom_conaffinity[g])) {
      double z = geom_bottom(m, d, g);
      if (z < low) low = z;
    }
  if (isfinite(low)) e->qpos_up[e->root_qadr + 2] -= low;
  e->h_up = d->xpos[3 * e->pelvis + 2] - (isfinite(low) ? low : 0);
}

int env_motion_is_list(const char *path) {
  size_t n = strlen(path);
  return n >= 5 && !strcmp(path + n - 5, ".list");
}

/* Every clip must fit the env's buffers and observation layout, sized from the first clip. */
static int check_clip(const env_t *e, const refmotion *r, const refmotion *first, const char *name, d2m_err *err) {
  if (fabs(r->dt - e->p.dt) > 1e-9 || r->nq != e->m->nq)
    return err_set(err, "env: reference motion %s has dt %g / nq %d, env has dt %g / nq %d", name, r->dt, r->nq,
                   e->p.dt, e->m->nq);
  int same = r->ntrack == first->ntrack;
  for (int i = 0; same && i < r->ntrack; i++) same = r->track_body[i] == first->track_body[i];
  if (!same) return err_set(err, "env: clip %s tracks other bodies than clip %s", name, first->source);
  return 0;
}

/* Imitate: the reference is a given clip, a given library, or built (and owned) from the params. */
static int setup_reference(env_t *e, const refmotion *ref, const motionlib *lib, d2m_err *err) {
  const env_params *p = &e->p;
  if (!ref && !lib && p->motion == ENV_MOTION_FILE && env_motion_is_list(p->motion_path)) {
    e->lib_owned = xcalloc(1, sizeof *e->lib_owned);
    motionlib_init(e->lib_owned);
    if (motionlib_load_list(e->lib_owned, e->m, p->motion_path, p->dt, err))
      return err_wrap(err, "env: clip library");
    lib = e->lib_owned;
  }
  if (lib) {
    if (lib->n < 1 || !(lib->total > 0)) return err_set(err, "env: clip library has no clip of positive weight");
    e->lib = lib;
    for (int i = 0; i < lib->n; i++)
      if (check_clip(e, &lib->clips[i].ref, &lib->clips[0].ref, lib->clips[i].name, err)) return -1;
    e->clip = 0;
    e->ref = &lib->clips[0].ref;
    return 0;
  }
  if (ref) {
    e->ref = ref;
  } else {
    e->ref_owned = xcalloc(1, sizeof *e->ref_owned);
    int rc = p->motion == ENV_MOTION_FILE
                 ? refmotion_load(e->ref_owned, e->m, p->motion_path, p->dt, p->motion_cyclic, err)
                 : refmotion_default_gait(e->ref_owned, e->m, p->dt, err);
    if (rc) {
      free(e->ref_owned);
      e->ref_owned = NULL;
      return err_wrap(err, "env: reference motion");
    }
    e->ref = e->ref_owned;
  }
  return check_clip(e, e->ref, e->ref, e->ref->source, err);
}

/* Static optimisation of every clip, once at creation (so.h; the default gait takes well under a
 * second): keeps each clip's activations in *act and/or inverse-dynamics torques in *tau (either may
 * be NULL). key names the setting that asked for it in an error. */
int env_so_clips(env_t *e, double ***act, double ***tau, const char *key, d2m_err *err) {
  int nc = env_num_clips(e);
  if (act) *act = xcalloc((size_t)nc, sizeof **act);
  if (tau) *tau = xcalloc((size_t)nc, sizeof **tau);
  so_opts o;
  so_opts_init(&o);
  for (int c = 0; c < nc; c++) {
    const refmotion *r = e->lib ? &e->lib->clips[c].ref : e->ref;
    so_result s;
    if (so_run(&s, e->m, r, &o, err)) return err_wrap(err, "env: %s (%s)", key, r->source);
    if (act) (*act)[c] = s.act, s.act = NULL;
    if (tau) (*tau)[c] = s.tau, s.tau = NULL;
    so_result_free(&s);
  }
  return 0;
}

void env_so_clips_free(const env_t *e, double **per_clip) {
  if (!per_clip) return;
  for (int c = 0; c < env_num_clips(e); c++) free(per_clip[c]);
  free(per_clip);
}

const double *env_so_activations(const env_t *e, long k) {
  if (!e->so_act) return NULL;
  long n = e->ref->nframes;
  k = e->ref->cyclic ? k % n : (k < n ? k : n - 1);
  return e->so_act[e->clip] + (size_t)k * e->m->nu;
}

/* The start frame's static-optimisation activations (after the task put the body in that frame). */
static void preload_so(env_t *e) {
  const mjModel *m = e->m;
  const double *a = e->so_act[e->clip] + (size_t)(e->ref_k0 % e->ref->nframes) * m->nu;
  for (int i = m->nu - m->na; i < m->nu; i++) e->d->act[i - (m->nu - m->na)] = a[i];
}

/* Assistive devices: a controller when the model has device actuators. */
static int setup_device(env_t *e, d2m_err *err) {
  if (e->nmus == e->m->nu) return 0;
  if (e->p.im_preload_so || e->p.im_ff_so)
    return err_set(err, "env: imitate.act_preload/feedforward = so is not available with an assistive device");
  e->dev = xcalloc(1, sizeof *e->dev);
  return dev_init(e->dev, &e->p.dev, e->m, err) < 0 ? -1 : 0;
}

static env_t *create(const mjModel *m, const env_params *p, const refmotion *ref, const motionlib *lib,
                     d2m_err *err) {
  if (env_params_check(p, err)) return NULL;
  env_t *e = xcalloc(1, sizeof *e);
  e->p = *p;
  double ts = p->dt / p->substeps;
  if (m->opt.timestep == ts && !impair_own_model(p)) {
    e->m = (mjModel *)m; /* borrowed, never written */
  } else {
    e->m = mj_copyModel(NULL, m);
    e->m->opt.timestep = ts;
    e->m_owned = 1;
  }
  e->d = mj_makeData(e->m);
  e->term_dist = p->im_term_dist;
  e->start_phase = -1;
  if (find_indices(e, err) || setup_device(e, err)) goto fail;
  key_frame(e);
  upright_pose(e);
  int walk_ref = p->task == ENV_TASK_WALK && (p->walk_start_ref || p->walk_speed_ref);
  if ((p->task == ENV_TASK_IMITATE || walk_ref) && setup_reference(e, ref, lib, err)) goto fail;
  if (p->task == ENV_TASK_IMITATE && (p->im_preload_so || p->im_ff_so) &&
      env_so_clips(e, &e->so_act, NULL, p->im_preload_so ? "imitate.act_preload = so" : "imitate.feedforward = so", err))
    goto fail;
  int nt = e->ref ? e->ref->ntrack : 0;
  e->ref_qpos = xcalloc((size_t)(2 * e->m->nq + e->m->nv + 9 * (nt + 1)), sizeof(double));
  e->ref_qvel = e->ref_qpos + e->m->nq;
  e->ref_xpos = e->ref_qvel + e->m->nv;
  e->ref_xvel = e->ref_xpos + 3 * (nt + 1);
  e->sim_xvel = e->ref_xvel + 3 * (nt + 1);
  if (p->action_mode == ENV_ACT_JOINT_SO && jso_create(e, err)) goto fail; /* reads the ref_* buffers */
  env_layout(e);
  e->last_obs = xcalloc((size_t)e->obs_size, sizeof(float));
  if (impair_create(e, err)) goto fail;
  e->qpos_in = xcalloc(2 * (size_t)e->m->nq, sizeof(double));
  e->qpos_out = e->qpos_in + e->m->nq;
  e->max_steps = (long)llround(p->episode_s[p->task] / p->dt);
  if (e->max_steps < 1) e->max_steps = 1;
  if (p->action_mode == ENV_ACT_MUSCLE_PD && p->pd_centre == ENV_PD_POSE) {
    e->d_pose = mj_makeData(e->m);
    int up = p->task == ENV_TASK_STAND && p->stand_pose_upright;
    env_pose_lengths(e, up ? e->qpos_up : e->qpos_key); /* imitate replaces it every step */
  }
  env_reset(e, 0);
  return e;
fail:
  env_free(e);
  return NULL;
}

env_t *env_create(const mjModel *m, const env_params *p, const refmotion *ref, d2m_err *err) {
  return create(m, p, ref, NULL, err);
}

env_t *env_create_lib(const mjModel *m, const env_params *p, const motionlib *lib, d2m_err *err) {
  if (!lib) {
    err_set(err, "env_create_lib: no clip library");
    return NULL;
  }
  if (p->task != ENV_TASK_IMITATE) {
    err_set(err, "env_create_lib: a clip library needs the imitate task");
    return NULL;
  }
  return create(m, p, NULL, lib, err);
}

void env_free(env_t *e) {
  if (!e) return;
  impair_free(e);
  jso_free(e);
  if (e->d) mj_deleteData(e->d);
  if (e->d_pose) mj_deleteData(e->d_pose);
  if (e->m_owned) mj_deleteModel(e->m);
  env_so_clips_free(e, e->so_act);
  if (e->ref_owned) {
    refmotion_free(e->ref_owned);
    free(e->ref_owned);
  }
  if (e->lib_owned) {
    motionlib_free(e->lib_owned);
    free(e->lib_owned);
  }
  free(e->dev);
  free(e->geom_side);
  free(e->qpos_key);
  free(e->qpos_up);
  free(e->ref_qpos);
  free(e->last_obs);
  free(e->qpos_in);
  free(e);
}

static void schedule_push(env_t *e, double now) {
  if (e->p.push_force <= 0) {
    e->push_next = INFINITY;
    return;
  }
  e->push_next = now + e->p.push_interval * (0.5 + rng_uniform(&e->rng));
  double a = 2 * M_PI * rng_uniform(&e->rng);
  e->push_dir[0] = cos(a);
  e->push_dir[1] = sin(a);
}

/* Reset the physics state to what mj_resetData leaves (qpos0, everything else that carries over
 * between steps zero) without mj_resetData itself: that memsets the whole mjData stack and buffer
 * (about 100 MB on the project model: njmax 1500 makes nstack 12 M mjtNums), 4.7 ms per call,
 * which dominated imitate, whose episodes under random actions last about 3.5 control steps.
 * The fields set here are MuJoCo's full integration state (time, qpos, qvel, act, warmstart,
 * ctrl, applied forces, mocap, userdata) plus the warning counters; every other array in mjData
 * is recomputed from them by mj_forward / mj_step1 before it is read (tests/envs poisons the
 * buffer and the stack with NaN and checks bit-identical episodes against a fresh env). */
void env_reset_physics(const mjModel *m, mjData *d) {
  d->time = 0;
  d->pstack = 0;
  memset(d->warning, 0, sizeof d->warning);
  mju_copy(d->qpos, m->qpos0, m->nq);
  mju_zero(d->qvel, m->nv);
  mju_zero(d->act, m->na);
  mju_zero(d->qacc_warmstart, m->nv);
  mju_zero(d->ctrl, m->nu);
  mju_zero(d->qfrc_applied, m->nv);
  mju_zero(d->xfrc_applied, 6 * m->nbody);
  mju_zero(d->userdata, m->nuserdata);
  for (int b = 0; b < m->nbody; b++) {
    int id = m->body_mocapid[b];
    if (id < 0) continue;
    mju_copy3(d->mocap_pos + 3 * id, m->body_pos + 3 * b);
    mju_copy4(d->mocap_quat + 4 * id, m->body_quat + 4 * b);
  }
}

/* mj_step1 (step1 = 1) or mj_forward on the env's data, keeping the qpos it was given and the one
 * it left (see qpos_in in env_int.h): a restored state must give mj_step1 the same input to reproduce
 * the uninterrupted env bit for bit. */
void env_forward_qpos(env_t *e, int step1) {
  int nq = e->m->nq;
  memcpy(e->qpos_in, e->d->qpos, sizeof(double) * (size_t)nq);
  if (step1) mj_step1(e->m, e->d);
  else mj_forward(e->m, e->d);
  memcpy(e->qpos_out, e->d->qpos, sizeof(double) * (size_t)nq);
}

/* New episode from the env's stream (no reseeding). */
static void episode_start(env_t *e) {
  mjData *d = e->d;
  impair_episode(e);
  env_reset_physics(e->m, d);
  e->t = 0;
  e->ep_ret = e->ep_pos_err = e->ep_joint_sq = e->ep_speed = 0;
  e->ep_joint_n = 0;
  e->excite_msq = 0;
  e->last_track_dist = 0;
  e->push_end = -1;
  env_task_reset(e);
  /* Muscles at rest are not silent: zero activations let the body sag for the ~10 ms (tau_act) it
   * takes the first excitations to build force. */
  if (e->p.act_preload)
    for (int i = 0; i < e->nmus; i++) d->act[i] = e->p.excitation_baseline;
  if (e->dev) dev_reset(e->dev);
  schedule_push(e, 0);
  if (e->so_act) preload_so(e);
  env_forward_qpos(e, 0); /* full forward once so contact forces are consistent for the first obs */
  env_foot_forces(e);
  if (e->p.task == ENV_TASK_IMITATE) env_task_reward(e); /* sets last_track_dist, discarded */
  e->ep_pos_err = e->ep_joint_sq = 0;
  e->ep_joint_n = 0;
  env_write_obs(e, e->last_obs);
  impair_obs(e, e->last_obs);
}

void env_reset(env_t *e, uint64_t seed) {
  rng_seed(&e->rng, seed, 0, RNG_ENV, 0);
  episode_start(e);
}

void env_observe(const env_t *e, float *obs) { memcpy(obs, e->last_obs, sizeof(float) * e->obs_size); }

static int finite_state(const env_t *e) {
  const mjModel *m = e->m;
  const mjData *d = e->d;
  for (int i = 0; i < mjNWARNING; i++)
    if (d->warning[i].number) return 0;
  for (int i = 0; i < m->nq; i++)
    if (!isfinite(d->qpos[i])) return 0;
  for (int i = 0; i < m->nv; i++)
    if (!isfinite(d->qvel[i]) || !isfinite(d->qacc[i])) return 0;
  for (int i = 0; i < m->na; i++)
    if (!isfinite(d->act[i])) return 0;
  return 1;
}

static void push_update(env_t *e) {
  double now = e->t * e->p.dt;
  mjtNum *f = e->d->xfrc_applied + 6 * e->pelvis;
  if (now >= e->push_next) {
    e->push_end = now + e->p.push_duration;
    f[0] = e->p.push_force * e->push_dir[0];
    f[1] = e->p.push_force * e->push_dir[1];
    schedule_push(e, now);
  } else if (e->push_end >= 0 && now >= e->push_end) {
    f[0] = f[1] = 0;
    e->push_end = -1;
  }
}

static void end_episode(env_t *e, env_step_out *out, int reason, int truncated) {
  out->done = 1;
  out->truncated = truncated;
  out->terminated = !truncated;
  env_episode_info *ep = &out->ep;
  ep->ret = e->ep_ret;
  ep->length = (int)e->t;
  ep->reason = reason;
  ep->success = reason == ENV_END_TIME;
  ep->numerical_resets = e->numerical_total;
  double n = e->t > 0 ? (double)e->t : 1;
  ep->mpjpe_mm = e->p.task == ENV_TASK_IMITATE ? 1000 * e->ep_pos_err / n : 0;
  ep->joint_rmse_deg = e->ep_joint_n ? sqrt(e->ep_joint_sq / e->ep_joint_n) * 180 / M_PI : 0;
  ep->mean_speed = e->p.task == ENV_TASK_WALK ? e->ep_speed / n : 0;
  ep->clip = e->clip; /* before episode_start draws the next one */
  ep->end_body = reason == ENV_END_TRACKING ? e->last_track_body : -1;
  if (ep->end_body >= 0) env_to_heading(env_heading(e), e->last_track_off, ep->end_offset);
  else ep->end_offset[0] = ep->end_offset[1] = ep->end_offset[2] = 0;
  if (out->final_obs) memcpy(out->final_obs, e->last_obs, sizeof(float) * e->obs_size);
  if (out->final_amp) env_amp_features(e, out->final_amp); /* before the reset overwrites the state */
  episode_start(e);
  memcpy(out->obs, e->last_obs, sizeof(float) * e->obs_size);
}

void env_set_substep_hook(env_t *e, env_substep_hook fn, void *user) {
  e->substep_fn = fn;
  e->substep_user = user;
}

void env_step(env_t *e, const float *action, env_step_out *out) {
  const mjModel *m = e->m;
  mjData *d = e->d;
  out->reward = 0;
  out->terminated = out->truncated = out->done = 0;
  memset(&out->ep, 0, sizeof out->ep);
  env_apply_action(e, action);
  push_update(e);
  int ok = 1;
  for (int s = 0; s < e->p.substeps && ok; s++) {
    /* muscle_pd every substep: the law sees the length and velocity mj_step1 just computed */
    if (s > 0 && e->p.action_mode == ENV_ACT_MUSCLE_PD && e->p.pd_every_substep) env_pd_ctrl(e), impair_descending(e);
    if (s > 0 && e->p.action_mode == ENV_ACT_JOINT_SO && e->p.jso_every_substep) jso_solve(e), impair_descending(e);
    impair_substep(e); /* spasticity at the physics rate */
    env_task_assist(e); /* imitate's balance assistant, when a curriculum set one */
    if (e->dev) dev_control(e->dev, m, d);
    mj_step2(m, d);
    if (e->dev) dev_after_step(e->dev, m, d, e->geom_side);
    if (e->substep_fn) e->substep_fn(e->substep_user, d);
    if (s == e->p.substeps - 1) env_foot_forces(e); /* contacts and efc_force agree only here */
    env_forward_qpos(e, 1);
    ok = finite_state(e);
  }
  e->t++;
  if (!ok) {
    e->numerical_total++;
    end_episode(e, out, ENV_END_NUMERICAL, 0); /* final_obs = the last finite observation */
    return;
  }
  double r = env_task_reward(e);
  out->reward = (float)r;
  e->ep_ret += r;
  int reason = env_task_terminal(e);
  int at_end = e->t >= e->max_steps ||
               (e->p.task == ENV_TASK_IMITATE && !e->ref->cyclic && e->ref_k0 + e->t >= refmotion_last(e->ref));
  env_write_obs(e, e->last_obs);
  impair_obs(e, e->last_obs);
  if (reason != ENV_END_NONE) {
    end_episode(e, out, reason, 0);
  } else if (at_end) {
    end_episode(e, out, ENV_END_TIME, 1);
  } else {
    memcpy(out->obs, e->last_obs, sizeof(float) * e->obs_size);
  }
}

int env_obs_size(const env_t *e) { return e->obs_size; }
int env_act_size(const env_t *e) { return e->jso ? e->nhinge : e->nmus; }
int env_muscle_count(const env_t *e) { return e->nmus; }
const struct dev_sys *env_device(const env_t *e) { return e->dev; }
int env_obs_nblocks(const env_t *e) { return e->nblocks; }
const char *env_obs_block(const env_t *e, int i, int *size) {
  if (i < 0 || i >= e->nblocks) return NULL;
  if (size) *size = e->block_size[i];
  return e->block_name[i];
}
const env_params *env_get_params(const env_t *e) { return &e->p; }
const mjModel *env_model(const env_t *e) { return e->m; }
mjData *env_data(env_t *e) { return e->d; }
const refmotion *env_ref(const env_t *e) { return e->ref; }
long env_ref_frame(const env_t *e) { return e->ref_k0 + e->t; }
int env_num_clips(const env_t *e) { return e->lib ? e->lib->n : 1; }
int env_clip(const env_t *e) { return e->clip; }

void env_set_clip(env_t *e, int i) {
  D2M_CHECK(e->ref && i >= 0 && i < env_num_clips(e), "env_set_clip: clip index out of range");
  if (e->lib) e->ref = &e->lib->clips[i].ref;
  e->clip = i;
  e->t = e->ref_k0 = 0;
  env_task_frame(e, 0);
}
double env_track_dist(const env_t *e) { return e->last_track_dist; }
void env_set_term_dist(env_t *e, double d) { e->term_dist = d; }
void env_set_start_phase(env_t *e, double phase) { e->start_phase = phase < 1 ? phase : -1; }
void env_set_assist(env_t *e, double s) {
  e->assist = s > 0 ? s : 0;
  if (e->assist == 0) mju_zero(e->d->qfrc_applied + e->root_dadr, 6); /* no force left over */
}
void env_heel_load(const env_t *e, double bw[2]) {
  for (int s = 0; s < 2; s++) bw[s] = e->heel_force[s] / e->weight;
}

void env_set_ref_state(env_t *e, long k) {
  D2M_CHECK(e->ref, "env_set_ref_state needs an imitate env");
  env_task_frame(e, k);
  mju_copy(e->d->qpos, e->ref_qpos, e->m->nq);
  mju_copy(e->d->qvel, e->ref_qvel, e->m->nv);
  e->t = k - e->ref_k0;
  env_forward_qpos(e, 0);
}

double env_eval_reward(env_t *e, int *reason) {
  double r = env_task_reward(e);
  if (reason) *reason = env_task_terminal(e);
  return r;
}
