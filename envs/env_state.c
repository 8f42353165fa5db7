/* envs/env_state.c: save and load everything that determines an env's future (see env.h).
 *
 * Layout (native byte order, no padding, written and read with memcpy so any alignment works):
 *   u32 magic "D2ES", u32 version, u32 total size;
 *   shape: i32 task, nq, nv, na, nu, nbody, nmocap, nuserdata, obs_size, substeps, ref nframes
 *          (clip library: the sum over its clips), [library only: i32 clips];
 *          f64 dt, timestep; i64 max_steps          (must equal the loading env's)
 *   env:   u64 rng[4]; [library only: i64 clip]; i64 t, ref_k0 (at most that clip's nframes),
 *          ep_joint_n, numerical_total;
 *          f64 ep_ret, ep_pos_err, ep_joint_sq, ep_speed, target_speed, target_heading,
 *              push_next (+inf = none), push_end (-1 = none), push_dir[2], excite_msq,
 *              foot_force[6], last_track_dist; f32 last_obs[obs_size]
 *   mjData: f64 time, qpos, qvel, act, ctrl, qacc_warmstart, qfrc_applied, xfrc_applied,
 *              mocap_pos, mocap_quat, userdata
 *   [impairments only (envs/impair.h): i32 spastic, velocity delay, observation ring size;
 *    f64 strength_f, reflex_add, mass_f, friction_f; i64 obs_delay, vhead, ohead;
 *    f64 velocity ring; f32 observation ring; i32 fatigue; [fatigue: f64 MA, MF, MR per muscle]]
 *   u32 CRC-32C of everything before it.
 * One walk over the fields (state_walk) serves sizing, saving, checking and loading, so the four
 * cannot disagree on the layout. The rest of mjData is derived: env_step ends each substep with
 * mj_step1, so a load runs mj_step1 on the restored state, which recomputes bit-identically every
 * quantity the next mj_step2 and the env read (contacts, kinematics, actuator lengths/velocities).
 * For that the saved qpos is the one the env's last mj_step1 was given, not the one it left
 * (mj_step1 renormalises quaternions in qpos in place; see qpos_in in env_int.h).
 * The env's foot forces and observation come from the saved fields, not from recomputation. */
#include <math.h>
#include <string.h>

#include "common/crc32c.h"
#include "envs/env_int.h"
#include "envs/impair.h"
#include "envs/tasks.h"

#define STATE_MAGIC 0x53453244u /* "D2ES" little-endian */
#define STATE_VERSION 1u

enum { W_SIZE, W_SAVE, W_CHECK, W_LOAD };

typedef struct walker {
  int mode;
  unsigned char *w;        /* W_SAVE */
  const unsigned char *r;  /* W_CHECK, W_LOAD */
  size_t off;
  d2m_err *err;
  int bad;                 /* W_CHECK: first problem found (message in err) */
} walker;

static void w_bytes(walker *c, void *x, size_t n) {
  if (c->mode == W_SAVE) memcpy(c->w + c->off, x, n);
  else if (c->mode == W_LOAD) memcpy(x, c->r + c->off, n);
  c->off += n;
}

/* A double field; W_CHECK rejects non-finite values (push_next may be +inf). */
static void w_f64(walker *c, double *x, int n, const char *name, int allow_inf) {
  if (c->mode == W_CHECK && !c->bad)
    for (int i = 0; i < n; i++) {
      double v;
      memcpy(&v, c->r + c->off + 8 * (size_t)i, 8);
      if (!isfinite(v) && !(allow_inf && v == INFINITY)) {
        err_set(c->err, "env state: %s[%d] is not finite (%g) at byte %zu", name, i, v, c->off + 8 * (size_t)i);
        c->bad = 1;
        break;
      }
    }
  w_bytes(c, x, 8 * (size_t)n);
}

static void w_f32(walker *c, float *x, int n, const char *name) {
  if (c->mode == W_CHECK && !c->bad)
    for (int i = 0; i < n; i++) {
      float v;
      memcpy(&v, c->r + c->off + 4 * (size_t)i, 4);
      if (!isfinite(v)) {
        err_set(c->err, "env state: %s[%d] is not finite at byte %zu", name, i, c->off + 4 * (size_t)i);
        c->bad = 1;
        break;
      }
    }
  w_bytes(c, x, 4 * (size_t)n);
}

/* A long field kept as i64; W_CHECK requires lo <= value <= hi. Returns the value walked (the
 * buffer's under W_CHECK), so later checks can depend on it. */
static long w_i64(walker *c, long *x, long lo, long hi, const char *name) {
  int64_t v = *x;
  if (c->mode == W_CHECK && !c->bad) {
    memcpy(&v, c->r + c->off, 8);
    if (v < lo || v > hi) {
      err_set(c->err, "env state: %s = %lld outside [%ld, %ld]", name, (long long)v, lo, hi);
      c->bad = 1;
    }
  }
  w_bytes(c, &v, 8);
  if (c->mode == W_LOAD) *x = (long)v;
  return (long)v;
}

/* A shape field: saved from the env, and on load it must equal the env's own value. */
static void w_shape_i32(walker *c, int32_t mine, const char *name) {
  int32_t v = mine;
  if (c->mode == W_CHECK && !c->bad) {
    memcpy(&v, c->r + c->off, 4);
    if (v != mine) {
      err_set(c->err, "env state: %s is %d, this env has %d (created with other params or model?)", name, v, mine);
      c->bad = 1;
    }
  }
  if (c->mode == W_SAVE) memcpy(c->w + c->off, &v, 4);
  c->off += 4;
}

static void w_shape_f64(walker *c, double mine, const char *name) {
  double v = mine;
  if (c->mode == W_CHECK && !c->bad) {
    memcpy(&v, c->r + c->off, 8);
    if (memcmp(&v, &mine, 8)) {
      err_set(c->err, "env state: %s is %.17g, this env has %.17g", name, v, mine);
      c->bad = 1;
    }
  }
  if (c->mode == W_SAVE) memcpy(c->w + c->off, &v, 8);
  c->off += 8;
}

static void shape_walk(env_t *e, walker *c) {
  const mjModel *m = e->m;
  w_shape_i32(c, (int32_t)e->p.task, "task");
  w_shape_i32(c, m->nq, "nq");
  w_shape_i32(c, m->nv, "nv");
  w_shape_i32(c, m->na, "na");
  w_shape_i32(c, m->nu, "nu");
  w_shape_i32(c, m->nbody, "nbody");
  w_shape_i32(c, m->nmocap, "nmocap");
  w_shape_i32(c, m->nuserdata, "nuserdata");
  w_shape_i32(c, e->obs_size, "obs_size");
  w_shape_i32(c, e->p.substeps, "substeps");
  long frames = e->ref ? e->ref->nframes : 0;
  if (e->lib) {
    frames = 0;
    for (int i = 0; i < e->lib->n; i++) frames += e->lib->clips[i].ref.nframes;
  }
  w_shape_i32(c, (int32_t)frames, "reference frames");
  if (e->lib) w_shape_i32(c, e->lib->n, "clips");
  w_shape_f64(c, e->p.dt, "dt");
  w_shape_f64(c, m->opt.timestep, "timestep");
  w_shape_f64(c, (double)e->max_steps, "max_steps");
}

/* The impairments' state: the episode's randomisation draws and the delay rings. */
static void impair_walk(env_t *e, walker *c) {
  env_impair *im = e->imp;
  w_shape_i32(c, im->spastic, "spastic");
  w_shape_i32(c, im->vdelay, "reflex delay steps");
  w_shape_i32(c, im->kmax, "observation delay ring");
  w_f64(c, &im->strength_f, 1, "dr strength", 0);
  w_f64(c, &im->reflex_add, 1, "dr reflex gain", 0);
  w_f64(c, &im->mass_f, 1, "dr mass", 0);
  w_f64(c, &im->friction_f, 1, "dr friction", 0);
  w_i64(c, &im->obs_delay, 0, im->kmax, "obs_delay");
  w_i64(c, &im->vhead, 0, 0x7fffffffffffffffL, "reflex ring head");
  w_i64(c, &im->ohead, 0, 0x7fffffffffffffffL, "observation ring head");
  if (im->vring) w_f64(c, im->vring, (im->vdelay + 1) * e->nmus, "reflex velocity ring", 0);
  if (im->oring) w_f32(c, im->oring, (im->kmax + 1) * e->obs_size, "observation ring");
  w_shape_i32(c, im->fatigue, "fatigue");
  if (im->fatigue) {
    w_f64(c, im->ma, e->nmus, "fatigue MA", 0);
    w_f64(c, im->mf, e->nmus, "fatigue MF", 0);
    w_f64(c, im->mr, e->nmus, "fatigue MR", 0);
  }
}

static void state_walk(env_t *e, walker *c) {
  const mjModel *m = e->m;
  mjData *d = e->d;
  shape_walk(e, c);
  w_bytes(c, e->rng.s, sizeof e->rng.s);
  /* The clip comes before the frame fields, which are checked against that clip's length. */
  const refmotion *r = e->ref;
  if (e->lib) {
    long clip = e->clip;
    clip = w_i64(c, &clip, 0, e->lib->n - 1, "clip");
    if (c->bad) clip = 0; /* out of range: the walk goes on only to stop at the first error */
    r = &e->lib->clips[clip].ref;
    if (c->mode == W_LOAD) {
      e->clip = (int)clip;
      e->ref = r;
    }
  }
  /* An episode ends (and restarts at t = 0) when t reaches max_steps, so a saved t is below it. */
  w_i64(c, &e->t, 0, e->max_steps - 1, "t");
  w_i64(c, &e->ref_k0, 0, r ? r->nframes : 0, "ref_k0");
  w_i64(c, &e->ep_joint_n, 0, 0x7fffffffffffffffL, "ep_joint_n");
  long nt = e->numerical_total;
  w_i64(c, &nt, 0, 0x7fffffff, "numerical_total");
  if (c->mode == W_LOAD) e->numerical_total = (int)nt;
  w_f64(c, &e->ep_ret, 1, "ep_ret", 0);
  w_f64(c, &e->ep_pos_err, 1, "ep_pos_err", 0);
  w_f64(c, &e->ep_joint_sq, 1, "ep_joint_sq", 0);
  w_f64(c, &e->ep_speed, 1, "ep_speed", 0);
  w_f64(c, &e->target_speed, 1, "target_speed", 0);
  w_f64(c, &e->target_heading, 1, "target_heading", 0);
  w_f64(c, &e->push_next, 1, "push_next", 1);
  w_f64(c, &e->push_end, 1, "push_end", 0);
  w_f64(c, e->push_dir, 2, "push_dir", 0);
  w_f64(c, &e->excite_msq, 1, "excite_msq", 0);
  w_f64(c, e->foot_force, 6, "foot_force", 0);
  w_f64(c, &e->last_track_dist, 1, "last_track_dist", 0);
  w_f32(c, e->last_obs, e->obs_size, "last_obs");
  w_f64(c, &d->time, 1, "time", 0);
  /* The qpos the last mj_step1 / mj_forward was given, where d->qpos is still what that call left:
   * the load runs mj_step1 on it, which renormalises the quaternions exactly as the uninterrupted
   * env's call did (running it on the already renormalised qpos can move them by an ulp). */
  double *qpos = d->qpos;
  if (c->mode == W_SAVE && !memcmp(d->qpos, e->qpos_out, sizeof(double) * (size_t)m->nq)) qpos = e->qpos_in;
  w_f64(c, qpos, m->nq, "qpos", 0);
  w_f64(c, d->qvel, m->nv, "qvel", 0);
  w_f64(c, d->act, m->na, "act", 0);
  w_f64(c, d->ctrl, m->nu, "ctrl", 0);
  w_f64(c, d->qacc_warmstart, m->nv, "qacc_warmstart", 0);
  w_f64(c, d->qfrc_applied, m->nv, "qfrc_applied", 0);
  w_f64(c, d->xfrc_applied, 6 * m->nbody, "xfrc_applied", 0);
  w_f64(c, d->mocap_pos, 3 * m->nmocap, "mocap_pos", 0);
  w_f64(c, d->mocap_quat, 4 * m->nmocap, "mocap_quat", 0);
  w_f64(c, d->userdata, m->nuserdata, "userdata", 0);
  /* the devices' phase clocks and outcomes (envs/device.h: dev_dyn holds doubles only) */
  if (e->dev) w_f64(c, (double *)&e->dev->s, (int)(sizeof e->dev->s / sizeof(double)), "device", 0);
  if (e->imp) impair_walk(e, c);
}

enum { HDR_BYTES = 12, CRC_BYTES = 4 };

size_t env_state_size(const env_t *e) {
  walker c = {.mode = W_SIZE, .off = HDR_BYTES};
  state_walk((env_t *)e, &c); /* W_SIZE only counts */
  return c.off + CRC_BYTES;
}

void env_state_save(const env_t *e, void *buf) {
  unsigned char *b = buf;
  uint32_t h[3] = {STATE_MAGIC, STATE_VERSION, (uint32_t)env_state_size(e)};
  memcpy(b, h, HDR_BYTES);
  walker c = {.mode = W_SAVE, .w = b, .off = HDR_BYTES};
  state_walk((env_t *)e, &c); /* W_SAVE only reads e */
  uint32_t crc = crc32c(0, b, c.off);
  memcpy(b + c.off, &crc, CRC_BYTES);
}

int env_state_load(env_t *e, const void *buf, size_t n, d2m_err *err) {
  const unsigned char *b = buf;
  size_t want = env_state_size(e);
  if (!buf || n != want) return err_set(err, "env state: %zu bytes, this env's state has %zu", n, want);
  uint32_t h[3];
  memcpy(h, b, HDR_BYTES);
  if (h[0] != STATE_MAGIC) return err_set(err, "env state: bad magic word 0x%08x (not an env state)", h[0]);
  if (h[1] != STATE_VERSION) return err_set(err, "env state: version %u, this build reads %u", h[1], STATE_VERSION);
  if (h[2] != want) return err_set(err, "env state: header says %u bytes, this env's state has %zu", h[2], want);
  /* Check everything before writing anything, so a bad buffer leaves the env as it was. */
  walker c = {.mode = W_CHECK, .r = b, .off = HDR_BYTES, .err = err};
  state_walk(e, &c);
  if (c.bad) return -1;
  uint32_t crc;
  memcpy(&crc, b + c.off, CRC_BYTES);
  uint32_t got = crc32c(0, b, c.off);
  if (crc != got) return err_set(err, "env state: checksum mismatch (stored 0x%08x, computed 0x%08x): corrupted", crc, got);
  c = (walker){.mode = W_LOAD, .r = b, .off = HDR_BYTES};
  state_walk(e, &c);
  /* What env_step leaves behind: no warnings (any ends the episode), derived quantities of the
   * last mj_step1, the reference buffers at the current frame. */
  memset(e->d->warning, 0, sizeof e->d->warning);
  e->d->pstack = 0;
  impair_apply_model(e); /* the episode's randomised model values, before mj_step1 uses them */
  env_forward_qpos(e, 1);
  if (e->ref) env_task_frame(e, e->ref_k0 + e->t);
  return 0;
}
