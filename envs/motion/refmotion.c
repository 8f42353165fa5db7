/* envs/motion/refmotion.c: OpenSim coordinates -> model qpos at the control rate (see refmotion.h). */
#include "envs/motion/refmotion.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "envs/motion/gait_default.h"

enum { MAP_IGNORE = 0, MAP_JOINT, MAP_TILT, MAP_LIST, MAP_ROT, MAP_TX, MAP_TY, MAP_TZ };

typedef struct colmap {
  int kind, adr;
  double scale; /* unit conversion and sign */
} colmap;

void refmotion_opts_init(refmotion_opts *o, double dt) {
  memset(o, 0, sizeof *o);
  o->dt = dt;
  o->smooth_s = 0;
}

void refmotion_free(refmotion *r) {
  if (!r) return;
  free(r->qpos);
  free(r->qvel);
  free(r->xpos);
  free(r->xvel);
  memset(r, 0, sizeof *r);
}

void ref_apply_joint_eq(const mjModel *m, double *qpos) {
  for (int i = 0; i < m->neq; i++) {
    if (m->eq_type[i] != mjEQ_JOINT || !m->eq_active[i] || m->eq_obj2id[i] < 0) continue;
    int a1 = m->jnt_qposadr[m->eq_obj1id[i]], a2 = m->jnt_qposadr[m->eq_obj2id[i]];
    const mjtNum *c = m->eq_data + (size_t)i * mjNEQDATA;
    /* MuJoCo's joint coupling: q1 - q1_0 = c0 + c1 x + c2 x^2 + c3 x^3 + c4 x^4, x = q2 - q2_0. */
    double x = qpos[a2] - m->qpos0[a2];
    qpos[a1] = m->qpos0[a1] + c[0] + x * (c[1] + x * (c[2] + x * (c[3] + x * c[4])));
  }
}

static int is_foot_body(const mjModel *m, int b, int foot_r, int foot_l) {
  for (; b > 0; b = m->body_parentid[b])
    if (b == foot_r || b == foot_l) return 1;
  return 0;
}

static int foot_root(const mjModel *m, const char *side) {
  char n[32];
  snprintf(n, sizeof n, "talus_%s", side);
  int b = mj_name2id(m, mjOBJ_BODY, n);
  if (b < 0) {
    snprintf(n, sizeof n, "calcn_%s", side);
    b = mj_name2id(m, mjOBJ_BODY, n);
  }
  return b;
}

/* Lowest point of one collision geom along world z (exact for the primitive shapes). */
static double geom_low(const mjModel *m, const mjData *d, int g) {
  const mjtNum *p = d->geom_xpos + 3 * g, *R = d->geom_xmat + 9 * g, *s = m->geom_size + 3 * g;
  switch (m->geom_type[g]) {
  case mjGEOM_SPHERE: return p[2] - s[0];
  case mjGEOM_CAPSULE: return p[2] - fabs(R[8]) * s[1] - s[0];
  case mjGEOM_ELLIPSOID:
    return p[2] - sqrt(R[6] * R[6] * s[0] * s[0] + R[7] * R[7] * s[1] * s[1] + R[8] * R[8] * s[2] * s[2]);
  case mjGEOM_BOX: return p[2] - fabs(R[6]) * s[0] - fabs(R[7]) * s[1] - fabs(R[8]) * s[2];
  case mjGEOM_CYLINDER: return p[2] - fabs(R[8]) * s[1] - sqrt(R[6] * R[6] + R[7] * R[7]) * s[0];
  default: return p[2] - m->geom_rbound[g];
  }
}

double ref_lowest_foot_point(const mjModel *m, const mjData *d) {
  int fr = foot_root(m, "r"), fl = foot_root(m, "l");
  double low = INFINITY;
  for (int g = 0; g < m->ngeom; g++) {
    if (!m->geom_contype[g] && !m->geom_conaffinity[g]) continue;
    if (!is_foot_body(m, m->geom_bodyid[g], fr, fl)) continue;
    double z = geom_low(m, d, g);
    if (z < low) low = z;
  }
  return low;
}

static int free_joint(const mjModel *m) {
  for (int j = 0; j < m->njnt; j++)
    if (m->jnt_type[j] == mjJNT_FREE) return j;
  return -1;
}

static int is_slaved(const mjModel *m, int j) {
  for (int i = 0; i < m->neq; i++)
    if (m->eq_type[i] == mjEQ_JOINT && m->eq_active[i] && m->eq_obj1id[i] == j && m->eq_obj2id[i] >= 0) return 1;
  return 0;
}

/* Map every table column; fills map[ncols]. */
static int map_columns(const mjModel *m, const mot_table *t, colmap *map, d2m_err *err) {
  static const char *root_names[] = {"pelvis_tilt", "pelvis_list", "pelvis_rotation", "pelvis_tx", "pelvis_ty", "pelvis_tz"};
  static const char *ignored[] = {"lumbar_", "arm_", "elbow_", "pro_sup_", "wrist_", "L5_S1_", "L4_L5_"};
  double deg = t->in_degrees ? M_PI / 180.0 : 1.0;
  map[0].kind = MAP_IGNORE;
  for (int c = 1; c < t->ncols; c++) {
    const char *n = t->names[c];
    map[c] = (colmap){MAP_IGNORE, -1, 1.0};
    int done = 0;
    for (int k = 0; k < 6 && !done; k++)
      if (!strcmp(n, root_names[k])) {
        map[c] = (colmap){MAP_TILT + k, -1, k < 3 ? deg : 1.0};
        done = 1;
      }
    if (done) continue;
    int j = mj_name2id(m, mjOBJ_JOINT, n);
    if (j >= 0 && (m->jnt_type[j] == mjJNT_HINGE || m->jnt_type[j] == mjJNT_SLIDE)) {
      if (is_slaved(m, j)) continue; /* follows its master through ref_apply_joint_eq */
      double s = m->jnt_type[j] == mjJNT_HINGE ? deg : 1.0;
      int named = !strcasecmp(t->convention, "gait2354") || !strcasecmp(t->convention, "Rajagopal2016");
      if (named) {
        /* the table names its convention: gait2354 counts knee flexion negative, Rajagopal positive */
        if (!strcasecmp(t->convention, "gait2354") && !strncmp(n, "knee_angle", 10)) s = -s;
      } else if (m->jnt_limited[j]) {
        /* Sign convention check: count samples inside the range, as given and negated. */
        double lo = m->jnt_range[2 * j] - 0.05, hi = m->jnt_range[2 * j + 1] + 0.05;
        int in = 0, neg = 0;
        for (int i = 0; i < t->nrows; i++) {
          double v = s * mot_at(t, i, c);
          in += v >= lo && v <= hi;
          neg += -v >= lo && -v <= hi;
        }
        if (neg > in) {
          s = -s;
          LOG_D("%s: column '%s' negated to match the model's joint range", t->path, n);
        }
      }
      map[c] = (colmap){MAP_JOINT, m->jnt_qposadr[j], s};
      continue;
    }
    for (size_t k = 0; k < sizeof ignored / sizeof *ignored && !done; k++)
      if (!strncmp(n, ignored[k], strlen(ignored[k]))) done = 1;
    if (done) continue;
    return err_set(err, "%s:%d:%d: coordinate '%s' is not a joint of the model (and not a known upper-body coordinate)",
                   t->path, t->names_line, c + 1, n);
  }
  return 0;
}

static double lerp_col(const mot_table *t, int c, double time, int *hint) {
  int i = *hint;
  if (i > 0 && time < mot_at(t, i, 0)) i = 0; /* going back in time (velocity poses) */
  while (i + 1 < t->nrows - 1 && mot_at(t, i + 1, 0) <= time) i++;
  *hint = i;
  if (t->nrows == 1) return mot_at(t, 0, c);
  double t0 = mot_at(t, i, 0), t1 = mot_at(t, i + 1, 0);
  double w = (time - t0) / (t1 - t0);
  if (w < 0) w = 0;
  if (w > 1) w = 1;
  return (1 - w) * mot_at(t, i, c) + w * mot_at(t, i + 1, c);
}

static void mat_mul(double *r, const double *a, const double *b) { mju_mulMatMat(r, a, b, 3, 3, 3); }

static void rot_axis(double *R, int axis, double a) {
  double c = cos(a), s = sin(a);
  memset(R, 0, 9 * sizeof *R);
  int i = (axis + 1) % 3, j = (axis + 2) % 3;
  R[axis * 3 + axis] = 1;
  R[i * 3 + i] = c;
  R[j * 3 + j] = c;
  R[j * 3 + i] = s;
  R[i * 3 + j] = -s;
}

/* OpenSim coordinates of one frame -> root qpos (7). v: tilt, list, rot (rad), dx, dy, dz (m). */
static void root_qpos(const ref_rootframe *rf, const double *v, double treadmill, double *q) {
  double Rz[9], Rx[9], Ry[9], A[9], B[9], Rp[9], Rr[9];
  rot_axis(Rz, 2, v[0]);
  rot_axis(Rx, 0, v[1]);
  rot_axis(Ry, 1, v[2]);
  mat_mul(A, Rz, Rx);
  mat_mul(B, A, Ry);
  mat_mul(Rp, rf->Rg, B);
  mju_mulMatMatT(Rr, Rp, rf->C, 3, 3, 3);
  double d[3], pp[3], off[3];
  mju_rotVecMat(d, v + 3, rf->Rg);
  /* pelvis_tx/ty/tz: the pelvis origin in OpenSim ground, absolute (ty = height above the floor),
   * as OpenSim's own IK writes them */
  for (int k = 0; k < 3; k++) pp[k] = d[k] + treadmill * rf->fwd[k];
  mju_rotVecMat(off, rf->cp, Rr);
  for (int k = 0; k < 3; k++) q[k] = pp[k] - off[k];
  mju_mat2Quat(q + 3, Rr);
}

int ref_rootframe_init(const mjModel *m, mjData *d, ref_rootframe *rf, d2m_err *err) {
  int fj = free_joint(m), pel = mj_name2id(m, mjOBJ_BODY, "pelvis");
  if (fj < 0 || pel < 0) return err_set(err, "model has no free joint or no body 'pelvis'");
  int fb = m->jnt_bodyid[fj];
  rf->qadr = m->jnt_qposadr[fj];
  mj_resetData(m, d);
  if (m->nkey > 0) mju_copy(d->qpos, m->key_qpos, m->nq);
  mj_kinematics(m, d);
  mju_copy(rf->Rg, d->xmat + 9 * pel, 9);
  mju_mulMatTMat(rf->C, d->xmat + 9 * fb, d->xmat + 9 * pel, 3, 3, 3);
  double dp[3];
  for (int k = 0; k < 3; k++) dp[k] = d->xpos[3 * pel + k] - d->xpos[3 * fb + k];
  mju_rotVecMatT(rf->cp, dp, d->xmat + 9 * fb);
  mju_copy3(rf->p0, d->xpos + 3 * pel);
  double f[3] = {rf->Rg[0], rf->Rg[3], 0}; /* first column of Rg: OpenSim x in world */
  double n = sqrt(f[0] * f[0] + f[1] * f[1]);
  rf->fwd[0] = n > 0 ? f[0] / n : 1;
  rf->fwd[1] = n > 0 ? f[1] / n : 0;
  rf->fwd[2] = 0;
  return 0;
}

static int setup_tracks(refmotion *r, const mjModel *m, const char *track, d2m_err *err) {
  char buf[512];
  snprintf(buf, sizeof buf, "%s", track ? track : REF_DEFAULT_TRACK);
  char *save = NULL;
  r->ntrack = 0;
  for (char *tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
    if (r->ntrack == REF_MAX_TRACK) return err_set(err, "too many tracked bodies (max %d)", REF_MAX_TRACK);
    int b = mj_name2id(m, mjOBJ_BODY, tok);
    if (b < 0) return err_set(err, "tracked body '%s' is not in the model", tok);
    r->track_body[r->ntrack] = b;
    snprintf(r->track_name[r->ntrack], sizeof r->track_name[0], "%s", tok);
    r->ntrack++;
  }
  return 0;
}

/* What a pose at any time of the table needs. */
typedef struct pose_ctx {
  const mjModel *m;
  const mot_table *t;
  const colmap *map;
  const ref_rootframe *rf;
  int *hint;          /* [ncols] */
  double first[6];    /* root coordinates of the first row (translations are taken relative to it) */
  double t0, speed;
  int g2354;          /* the table's pelvis origin is gait2354's (mot_pelvis_is_gait2354) */
} pose_ctx;

/* Pelvis origin offset of a gait2354 table (mot.h), in OpenSim ground, at pelvis angles a (rad). */
static void g2354_shift(const double *a, double *s) {
  double B[9];
  mot_pelvis_rot(a[0], a[1], a[2], B);
  for (int k = 0; k < 3; k++) s[k] = B[3 * k] * MOT_G2354_TO_RAJ_X + B[3 * k + 1] * MOT_G2354_TO_RAJ_Y;
}

/* qpos at table time `time` (clamped to the table by lerp_col): mapped columns, keyframe 0 for the
 * rest, root through the OpenSim pelvis frame plus the treadmill, joint couplings applied. */
static void pose_at(const pose_ctx *c, double time, double *q) {
  const mjModel *m = c->m;
  mju_copy(q, m->nkey > 0 ? m->key_qpos : m->qpos0, m->nq);
  double v[6] = {0, 0, 0, 0, 0, 0};
  for (int k = 1; k < c->t->ncols; k++) {
    const colmap *mp = c->map + k;
    if (mp->kind == MAP_IGNORE) continue;
    double x = mp->scale * lerp_col(c->t, k, time, &c->hint[k]);
    if (mp->kind == MAP_JOINT) q[mp->adr] = x;
    else v[mp->kind - MAP_TILT] = mp->kind >= MAP_TX ? x - c->first[mp->kind - MAP_TILT] : x;
  }
  if (c->g2354) { /* the model's pelvis origin, relative to the first row's like the rest */
    double s[3], s0[3];
    g2354_shift(v, s);
    g2354_shift(c->first, s0);
    for (int k = 0; k < 3; k++) v[3 + k] += s[k] - s0[k];
  }
  root_qpos(c->rf, v, c->speed * (time - c->t0), q + c->rf->qadr);
  ref_apply_joint_eq(m, q);
}

/* Velocities at each frame: central differences of poses at the frame's table time +- h (h: half
 * the table's mean row spacing, or o->smooth_s when set), so they estimate the instantaneous
 * velocity a simulation reports (a +-2-frame difference at the control rate weakens a gait's
 * higher harmonics by 5-20%). Cyclic clips wrap with the per-cycle root shift; other clips take
 * one-sided differences at their ends. Time-stretch of cycles (table time per frame `step` vs dt)
 * is undone so velocities are per control-time second. Tracked-body velocities from the same two
 * poses through the kinematics. */
static void pose_velocities(refmotion *r, const pose_ctx *c, mjData *d, double T, double step, double h,
                            double *qa, double *qb, double *xa) {
  const mjModel *m = c->m;
  double t1 = c->t0 + T;
  for (int k = 0; k < r->nframes; k++) {
    double tau = c->t0 + k * step, ta = tau - h, tb = tau + h;
    if (!r->cyclic) {
      if (ta < c->t0) ta = c->t0;
      if (tb > t1) tb = t1;
    }
    for (int side = 0; side < 2; side++) {
      double tt = side ? tb : ta, n = r->cyclic ? floor((tt - c->t0) / T) : 0;
      double *q = side ? qb : qa;
      pose_at(c, tt - n * T, q);
      for (int i = 0; i < 2; i++) q[c->rf->qadr + i] += n * r->cycle_shift[i];
      mju_copy(d->qpos, q, m->nq);
      mj_kinematics(m, d);
      for (int i = 0; i < r->ntrack; i++) {
        double *x = side ? r->xvel + ((size_t)k * r->ntrack + i) * 3 : xa + 3 * i;
        mju_copy3(x, d->xpos + 3 * r->track_body[i]);
      }
    }
    double hc = (tb - ta) * r->dt / step; /* control time between the two poses */
    if (!(hc > 0)) {
      memset(r->qvel + (size_t)k * r->nv, 0, r->nv * sizeof(double));
      memset(r->xvel + (size_t)k * r->ntrack * 3, 0, r->ntrack * 3 * sizeof(double));
      continue;
    }
    mj_differentiatePos(m, r->qvel + (size_t)k * r->nv, hc, qa, qb);
    for (int i = 0; i < 3 * r->ntrack; i++) {
      double *x = r->xvel + (size_t)k * r->ntrack * 3 + i;
      *x = (*x - xa[i]) / hc;
    }
  }
}

static int cmp_double(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int refmotion_from_mot(refmotion *r, const mjModel *m, const mot_table *t, const refmotion_opts *o, d2m_err *err) {
  memset(r, 0, sizeof *r);
  if (t->nrows < 2) return err_set(err, "%s: need at least 2 rows, have %d", t->path, t->nrows);
  colmap *map = xcalloc((size_t)t->ncols, sizeof *map);
  mjData *d = mj_makeData(m);
  ref_rootframe rf;
  int rc = -1;
  if (map_columns(m, t, map, err) || ref_rootframe_init(m, d, &rf, err) || setup_tracks(r, m, o->track, err)) goto done;
  r->nq = m->nq;
  r->nv = m->nv;
  r->dt = o->dt;
  r->cyclic = o->cyclic;
  r->root_qadr = rf.qadr;
  snprintf(r->source, sizeof r->source, "%s", t->path);
  double t0 = mot_at(t, 0, 0), t1 = mot_at(t, t->nrows - 1, 0), T = t1 - t0;
  /* Cycles are resampled to a whole number of frames (time stretch below half a frame). */
  r->nframes = o->cyclic ? (int)lround(T / o->dt) : (int)floor(T / o->dt + 1e-9) + 1;
  if (r->nframes < 2) {
    err_set(err, "%s: clip of %.3f s is shorter than two control periods", t->path, T);
    goto done;
  }
  double step = o->cyclic ? T / r->nframes : o->dt;
  r->qpos = xcalloc((size_t)r->nframes * r->nq, sizeof(double));
  r->qvel = xcalloc((size_t)r->nframes * r->nv, sizeof(double));
  r->xpos = xcalloc((size_t)r->nframes * r->ntrack * 3, sizeof(double));
  r->xvel = xcalloc((size_t)r->nframes * r->ntrack * 3, sizeof(double));
  int *hint = xcalloc((size_t)t->ncols, sizeof *hint);
  pose_ctx pc = {.m = m, .t = t, .map = map, .rf = &rf, .hint = hint, .t0 = t0, .speed = o->speed,
                 .g2354 = mot_pelvis_is_gait2354(t)};
  for (int c = 1; c < t->ncols; c++)
    if (map[c].kind >= MAP_TILT) pc.first[map[c].kind - MAP_TILT] = map[c].scale * mot_at(t, 0, c);
  double *low = xcalloc((size_t)r->nframes + 1, sizeof *low);
  for (int k = 0; k <= r->nframes; k++) { /* frame nframes = end of cycle, for cycle_shift only */
    double time = t0 + k * step;
    if (time > t1) time = t1;
    double *q = k < r->nframes ? r->qpos + (size_t)k * r->nq : d->qpos;
    pose_at(&pc, time, q);
    if (k == r->nframes) {
      for (int i = 0; i < 2; i++) r->cycle_shift[i] = q[rf.qadr + i] - r->qpos[rf.qadr + i];
      break;
    }
    mju_copy(d->qpos, q, m->nq);
    mj_kinematics(m, d);
    low[k] = ref_lowest_foot_point(m, d);
    for (int i = 0; i < r->ntrack; i++) mju_copy3(r->xpos + ((size_t)k * r->ntrack + i) * 3, d->xpos + 3 * r->track_body[i]);
  }
  /* Feet on the floor: median frame touches z=0, no frame below. */
  double *sorted = xmalloc((size_t)r->nframes * sizeof *sorted);
  memcpy(sorted, low, (size_t)r->nframes * sizeof *sorted);
  qsort(sorted, (size_t)r->nframes, sizeof *sorted, cmp_double);
  double shift = -sorted[r->nframes / 2];
  free(sorted);
  for (int k = 0; k < r->nframes; k++) {
    double dz = shift + (low[k] + shift < 0 ? -(low[k] + shift) : 0);
    r->qpos[(size_t)k * r->nq + rf.qadr + 2] += dz;
    for (int i = 0; i < r->ntrack; i++) r->xpos[((size_t)k * r->ntrack + i) * 3 + 2] += dz;
  }
  free(low);
  if (!r->cyclic) r->cycle_shift[0] = r->cycle_shift[1] = 0;
  double *qa = xmalloc(sizeof(double) * 2 * (r->nq + 3 * r->ntrack)), *qb = qa + r->nq, *xa = qb + r->nq;
  double h = o->smooth_s > 0 ? o->smooth_s : 0.5 * T / (t->nrows - 1);
  pose_velocities(r, &pc, d, T, step, h, qa, qb, xa);
  free(qa);
  free(hint);
  {
    const double *pa = r->qpos + rf.qadr, *pb = r->qpos + (size_t)(r->nframes - 1) * r->nq + rf.qadr;
    double dist = r->cyclic ? hypot(r->cycle_shift[0], r->cycle_shift[1]) / (r->nframes * r->dt)
                            : hypot(pb[0] - pa[0], pb[1] - pa[1]) / ((r->nframes - 1) * r->dt);
    r->speed = dist;
  }
  rc = 0;
done:
  free(map);
  mj_deleteData(d);
  if (rc) refmotion_free(r);
  return rc;
}

void refmotion_frame(const refmotion *r, long k, double *qpos, double *qvel, double *xpos, double *xvel) {
  if (k < 0) k = 0;
  long c = 0, j = k;
  if (r->cyclic) {
    c = k / r->nframes;
    j = k - c * r->nframes;
  } else if (j > r->nframes - 1) {
    j = r->nframes - 1;
  }
  double sx = c * r->cycle_shift[0], sy = c * r->cycle_shift[1];
  if (qpos) {
    mju_copy(qpos, r->qpos + (size_t)j * r->nq, r->nq);
    qpos[r->root_qadr] += sx;
    qpos[r->root_qadr + 1] += sy;
  }
  if (qvel) mju_copy(qvel, r->qvel + (size_t)j * r->nv, r->nv);
  if (xpos) {
    const double *x = r->xpos + (size_t)j * r->ntrack * 3;
    for (int i = 0; i < r->ntrack; i++) {
      xpos[3 * i] = x[3 * i] + sx;
      xpos[3 * i + 1] = x[3 * i + 1] + sy;
      xpos[3 * i + 2] = x[3 * i + 2];
    }
  }
  if (xvel) mju_copy(xvel, r->xvel + (size_t)j * r->ntrack * 3, 3 * r->ntrack);
}

int refmotion_load(refmotion *r, const mjModel *m, const char *path, double dt, int cyclic, d2m_err *err) {
  mot_table t;
  if (mot_read(path, &t, err)) return -1;
  refmotion_opts o;
  refmotion_opts_init(&o, dt);
  o.cyclic = cyclic >= 0 ? cyclic : mot_ends_match(&t, MOT_CYCLIC_TOL_DEG, MOT_CYCLIC_TOL_M, NULL, 0, NULL);
  int rc = refmotion_from_mot(r, m, &t, &o, err);
  mot_free(&t);
  return rc;
}

int refmotion_default_gait(refmotion *r, const mjModel *m, double dt, d2m_err *err) {
  mot_table t;
  gait_default_table(&t, 240);
  refmotion_opts o;
  refmotion_opts_init(&o, dt);
  o.cyclic = 1;
  o.speed = gait_default.speed;
  int rc = refmotion_from_mot(r, m, &t, &o, err);
  mot_free(&t);
  return rc;
}

double gait_eval(const gait_fourier *g, int i, double t) {
  const gait_coord *c = g->coord + i;
  double x = c->mean, w = 2 * M_PI * t / g->period;
  for (int k = 1; k <= GAIT_NHARM; k++) x += c->a[k - 1] * cos(k * w) + c->b[k - 1] * sin(k * w);
  return x;
}

void gait_to_table(const gait_fourier *g, mot_table *t, int samples) {
  memset(t, 0, sizeof *t);
  snprintf(t->path, sizeof t->path, "<embedded default gait>");
  t->ncols = g->ncoord + 1;
  t->nrows = samples + 1;
  t->in_degrees = 1;
  t->names = xcalloc((size_t)t->ncols, sizeof *t->names);
  t->names[0] = strdup("time");
  for (int i = 0; i < g->ncoord; i++) t->names[i + 1] = strdup(g->coord[i].name);
  t->data = xcalloc((size_t)t->nrows * t->ncols, sizeof *t->data);
  for (int j = 0; j <= samples; j++) {
    double time = j * g->period / samples;
    double *row = t->data + (size_t)j * t->ncols;
    row[0] = time;
    for (int i = 0; i < g->ncoord; i++) row[i + 1] = gait_eval(g, i, time);
  }
}

void gait_default_table(mot_table *t, int samples) { gait_to_table(&gait_default, t, samples); }
