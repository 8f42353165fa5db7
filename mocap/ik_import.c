/* mocap/ik_import.c: axes, calibration (scale, marker placement) and whole-trial IK (see ik_import.h). */
#include "mocap/ik_import.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ik_import_opts_default(ik_import_opts *o) {
  memset(o, 0, sizeof *o);
  o->calib_frames = 20;
  o->place_all = 1;
  o->max_gap_s = 0.10;
  o->lock = "mtp";
  ik_opts_default(&o->ik);
}

void ik_result_free(ik_result *r) {
  if (!r) return;
  if (r->model) mj_deleteModel(r->model);
  free(r->qpos);
  free(r->mk_name);
  free(r->mk_fixed);
  free(r->err);
  free(r->rms);
  memset(r, 0, sizeof *r);
}

static int parse_axis(const char *s, double e[3]) {
  if ((s[0] != '+' && s[0] != '-') || s[1] < 'x' || s[1] > 'z') return -1;
  e[0] = e[1] = e[2] = 0;
  e[s[1] - 'x'] = s[0] == '+' ? 1 : -1;
  return 0;
}

static void rows_from_axes(const double f[3], const double u[3], double P[9]) {
  double z[3];
  mju_cross(z, f, u);
  for (int k = 0; k < 3; k++) P[k] = f[k], P[3 + k] = u[k], P[6 + k] = z[k];
}

int ik_parse_axes(const char *s, double P[9], d2m_err *err) {
  double f[3], u[3];
  if (strlen(s) != 4 || parse_axis(s, f) || parse_axis(s + 2, u) || fabs(mju_dot3(f, u)) > 0.5)
    return err_set(err, "axes '%s': want the lab's forward then up axis, two different signed axes like +x+y or -y+z", s);
  rows_from_axes(f, u, P);
  return 0;
}

/* Marker groups for axis detection: 1 upper (pelvis, upper thigh), 2 foot, and side +1 right / -1 left. */
static int group_of(const ms_marker *m, int *side) {
  size_t n = strlen(m->body);
  *side = 0;
  if (n > 2 && !strcmp(m->body + n - 2, "_r")) *side = 1;
  if (n > 2 && !strcmp(m->body + n - 2, "_l")) *side = -1;
  if (!strcmp(m->body, "pelvis")) {
    *side = m->offset[2] > 0.02 ? 1 : m->offset[2] < -0.02 ? -1 : 0;
    return 1;
  }
  if (!strncmp(m->body, "femur", 5) && m->offset[1] > -0.2) return 1;
  if (!strncmp(m->body, "calcn", 5) || !strncmp(m->body, "toes", 4) || !strncmp(m->body, "talus", 5)) return 2;
  return 0;
}

/* Signed lab axis closest to v, skipping axis `skip` (-1 none). */
static void closest_axis(const double v[3], int skip, double e[3], char out[3]) {
  int best = -1;
  for (int k = 0; k < 3; k++)
    if (k != skip && (best < 0 || fabs(v[k]) > fabs(v[best]))) best = k;
  e[0] = e[1] = e[2] = 0;
  e[best] = v[best] >= 0 ? 1 : -1;
  out[0] = v[best] >= 0 ? '+' : '-';
  out[1] = (char)('x' + best);
  out[2] = 0;
}

static int detect_axes(const mk_markers *t, const markerset *set, const int *col, double P[9], char axes[16],
                       d2m_err *err) {
  double up[3] = {0}, right[3] = {0};
  for (int f = 0; f < t->nframes; f++) {
    /* right - left from the pelvis and hip markers when both sides have some: feet and knees swing
     * fore and aft, so over part of a stride they would tilt "right" forward */
    double s[3][3] = {{0}}, rl[2][2][3] = {{{0}}};
    int n[3] = {0}, nrl[2][2] = {{0}};
    for (int i = 0; i < set->n; i++) {
      if (col[i] < 0) continue;
      const double *x = mk_at(t, f, col[i]);
      if (!isfinite(x[0]) || !isfinite(x[1]) || !isfinite(x[2])) continue;
      int side, g = group_of(&set->m[i], &side);
      for (int k = 0; k < 3; k++) s[g][k] += x[k];
      n[g]++;
      for (int u = 0; u < 2 && side; u++) {
        if (u == 1 && g != 1) continue;
        for (int k = 0; k < 3; k++) rl[u][side > 0][k] += x[k];
        nrl[u][side > 0]++;
      }
    }
    for (int k = 0; k < 3 && n[1] && n[2]; k++) up[k] += s[1][k] / n[1] - s[2][k] / n[2];
    int u = nrl[1][0] && nrl[1][1] ? 1 : 0;
    for (int k = 0; k < 3 && nrl[u][0] && nrl[u][1]; k++) right[k] += rl[u][1][k] / nrl[u][1] - rl[u][0][k] / nrl[u][0];
  }
  if (mju_norm3(up) == 0 || mju_norm3(right) == 0)
    return err_set(err, "cannot detect the lab axes (need pelvis/hip and foot markers of both sides); give --axes");
  double u[3], fwd[3], f[3];
  char cu[3], cf[3];
  closest_axis(up, -1, u, cu);
  mju_cross(fwd, u, right); /* OpenSim: x = y cross z (forward = up cross right) */
  int iu = u[0] != 0 ? 0 : u[1] != 0 ? 1 : 2;
  closest_axis(fwd, iu, f, cf);
  rows_from_axes(f, u, P);
  snprintf(axes, 16, "%s%s", cf, cu);
  return 0;
}

/* OpenSim ground -> world: keyframe 0's pelvis orientation (as refmotion.h). */
static void ground_to_world(const mjModel *m, double Rg[9]) {
  mjData *d = mj_makeData(m);
  if (m->nkey > 0) mju_copy(d->qpos, m->key_qpos, m->nq);
  mj_kinematics(m, d);
  int pel = mj_name2id(m, mjOBJ_BODY, "pelvis");
  mju_copy(Rg, d->xmat + 9 * (pel >= 0 ? pel : 0), 9);
  mj_deleteData(d);
}

/* Targets of one frame for every set marker (world, NaN when absent). */
static void frame_targets(const mk_markers *t, int f, const int *col, int n, const double R[9], double *out) {
  for (int i = 0; i < n; i++) {
    double *o = out + 3 * i;
    if (col[i] < 0) {
      o[0] = o[1] = o[2] = NAN;
      continue;
    }
    mju_rotVecMat(o, mk_at(t, f, col[i]), R);
  }
}

/* Keyframe 0 moved so that the model's present markers have the data's centroid. */
static void init_pose(ik_solver *s, const double *target, double *q) {
  const mjModel *m = s->m;
  mju_copy(q, m->nkey > 0 ? m->key_qpos : m->qpos0, m->nq);
  double *p = xmalloc(sizeof(double) * 3 * s->nmk), c[3] = {0};
  ik_marker_pos(s, q, p);
  int n = 0;
  for (int i = 0; i < s->nmk; i++) {
    if (!isfinite(target[3 * i])) continue;
    for (int k = 0; k < 3; k++) c[k] += target[3 * i + k] - p[3 * i + k];
    n++;
  }
  free(p);
  for (int j = 0; j < m->njnt && n; j++)
    if (m->jnt_type[j] == mjJNT_FREE)
      for (int k = 0; k < 3; k++) q[m->jnt_qposadr[j] + k] += c[k] / n;
}

static double solve_cold(ik_solver *s, const double *target, const unsigned char *use, double *q, const ik_opts *o) {
  init_pose(s, target, q);
  ik_solve(s, target, use, 1, q, o);
  return ik_solve(s, target, use, 0, q, o);
}

typedef struct calib {
  int n;          /* frames */
  double *target; /* [n][nset*3] world */
  double *q;      /* [n][nq] fitted poses */
} calib;

static void calib_frames(calib *c, const mk_markers *trial, const mk_markers *stat, const int *col_t, const int *col_s,
                         int nset, const double R[9], int want) {
  if (stat) {
    /* average the static trial into one frame */
    c->n = 1;
    c->target = xcalloc((size_t)nset * 3, sizeof(double));
    for (int i = 0; i < nset; i++) {
      double sum[3] = {0};
      int n = 0;
      for (int f = 0; f < stat->nframes && col_s[i] >= 0; f++) {
        const double *x = mk_at(stat, f, col_s[i]);
        if (!isfinite(x[0]) || !isfinite(x[1]) || !isfinite(x[2])) continue;
        for (int k = 0; k < 3; k++) sum[k] += x[k];
        n++;
      }
      double mean[3] = {sum[0] / n, sum[1] / n, sum[2] / n};
      if (n) mju_rotVecMat(c->target + 3 * i, mean, R);
      else c->target[3 * i] = c->target[3 * i + 1] = c->target[3 * i + 2] = NAN;
    }
    return;
  }
  c->n = want < trial->nframes ? want : trial->nframes;
  c->target = xcalloc((size_t)c->n * nset * 3, sizeof(double));
  for (int k = 0; k < c->n; k++) {
    int f = c->n > 1 ? (int)((long)k * (trial->nframes - 1) / (c->n - 1)) : 0;
    frame_targets(trial, f, col_t, nset, R, c->target + (size_t)k * nset * 3);
  }
}

static void calib_solve(ik_solver *s, calib *c, const unsigned char *use, const ik_opts *o) {
  const mjModel *m = s->m;
  free(c->q);
  c->q = xcalloc((size_t)c->n * m->nq, sizeof(double));
  for (int k = 0; k < c->n; k++) solve_cold(s, c->target + (size_t)k * s->nmk * 3, use, c->q + (size_t)k * m->nq, o);
}

/* Segment ratios measured / model over the calibration frames; returns the mean factor (1 if none). */
static double estimate_scale(ik_solver *s, const markerset *set, const calib *c, ik_result *r) {
  double *p = xmalloc(sizeof(double) * 3 * s->nmk), meas[IKI_MAX_SEG] = {0}, mod[IKI_MAX_SEG] = {0};
  double segsum[IKI_MAX_SEG] = {0};
  int segn[IKI_MAX_SEG] = {0};
  r->nseg = 0;
  for (int pi = 0; pi < set->npairs; pi++) {
    const ms_pair *pr = &set->pairs[pi];
    if (!set->m[pr->a].fixed || !set->m[pr->b].fixed) continue;
    double dm = 0, dd = 0;
    for (int k = 0; k < c->n; k++) {
      const double *t = c->target + (size_t)k * s->nmk * 3;
      const double *xa = t + 3 * pr->a, *xb = t + 3 * pr->b;
      if (!isfinite(xa[0]) || !isfinite(xb[0])) continue;
      ik_marker_pos(s, c->q + (size_t)k * s->m->nq, p);
      double v[3], w[3];
      for (int e = 0; e < 3; e++) v[e] = xa[e] - xb[e], w[e] = p[3 * pr->a + e] - p[3 * pr->b + e];
      dd += mju_norm3(v);
      dm += mju_norm3(w);
    }
    if (dm <= 0) continue;
    int sg = 0;
    while (sg < r->nseg && strcmp(r->seg_name[sg], pr->segment)) sg++;
    if (sg == r->nseg) {
      if (r->nseg == IKI_MAX_SEG) continue;
      snprintf(r->seg_name[r->nseg++], 32, "%s", pr->segment);
    }
    segsum[sg] += dd / dm;
    segn[sg]++;
    meas[sg] += dd;
    mod[sg] += dm;
  }
  free(p);
  double f = 0;
  for (int sg = 0; sg < r->nseg; sg++) {
    r->seg_ratio[sg] = segsum[sg] / segn[sg];
    f += r->seg_ratio[sg];
  }
  return r->nseg ? f / r->nseg : 1.0;
}

/* Free markers: offset = mean body-frame position over the calibration frames. */
static void place_free(ik_solver *s, const markerset *set, const calib *c, int all) {
  mjData *d = s->d;
  for (int i = 0; i < set->n; i++) {
    if (set->m[i].fixed && !all) continue;
    double sum[3] = {0};
    int n = 0;
    for (int k = 0; k < c->n; k++) {
      const double *x = c->target + ((size_t)k * s->nmk + i) * 3;
      if (!isfinite(x[0]) || !isfinite(x[1]) || !isfinite(x[2])) continue;
      mju_copy(d->qpos, c->q + (size_t)k * s->m->nq, s->m->nq);
      mj_kinematics(s->m, d);
      int b = s->body[i];
      double dx[3], loc[3];
      for (int e = 0; e < 3; e++) dx[e] = x[e] - d->xpos[3 * b + e];
      mju_rotVecMatT(loc, dx, d->xmat + 9 * b);
      for (int e = 0; e < 3; e++) sum[e] += loc[e];
      n++;
    }
    if (n)
      for (int e = 0; e < 3; e++) s->off[3 * i + e] = sum[e] / n;
  }
}

static int *bind_columns(const markerset *set, const mk_markers *t) {
  int *col = xmalloc(sizeof(int) * (size_t)(set->n + 1));
  if (t) markerset_bind(set, t, col, NULL);
  else
    for (int i = 0; i < set->n; i++) col[i] = -1;
  return col;
}

static void warn(ik_result *r, const char *fmt, ...) {
  if (r->nwarn == (int)(sizeof r->warn / sizeof *r->warn)) return;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->warn[r->nwarn++], sizeof r->warn[0], fmt, ap);
  va_end(ap);
}

static void mk_clone(mk_markers *d, const mk_markers *s) {
  mk_alloc(d, s->nmarkers, s->nframes);
  d->rate = s->rate, d->first_time = s->first_time;
  memcpy(d->units, s->units, sizeof d->units);
  memcpy(d->names, s->names, sizeof *d->names * (size_t)s->nmarkers);
  memcpy(d->xyz, s->xyz, sizeof(double) * 3 * (size_t)s->nmarkers * (size_t)s->nframes);
}

static int present_at(const mk_markers *t, int f, int c) {
  const double *x = mk_at(t, f, c);
  return c >= 0 && isfinite(x[0]) && isfinite(x[1]) && isfinite(x[2]);
}

/* Step 0: fill short gaps, cut the ends with too few markers. */
static int clean_trial(mk_markers *t, const int *col, const markerset *set, int nbound, double max_gap_s,
                       int is_static, ik_result *r, d2m_err *err) {
  int left = 0, filled = mk_fill_gaps(t, (int)floor(max_gap_s * t->rate + 1e-9), &left);
  int need = (nbound + 1) / 2 > 3 ? (nbound + 1) / 2 : 3, first = -1, last = -1;
  for (int f = 0; f < t->nframes; f++) {
    int n = 0;
    for (int i = 0; i < set->n; i++) n += col[i] >= 0 && present_at(t, f, col[i]);
    if (n >= need) last = f, first = first < 0 ? f : first;
  }
  const char *what = is_static ? "static trial" : "trial";
  if (first < 0)
    return err_set(err, "%s: no frame has %d of the %d markers matched to the set %s present", what, need, nbound, set->source);
  if (!is_static) {
    r->gaps_filled = filled, r->gaps_left = left;
    r->cut_first = first, r->cut_last = t->nframes - 1 - last;
    if (first || last < t->nframes - 1)
      warn(r, "trial: cut %d frames at the start and %d at the end (fewer than %d of %d markers present)", first,
           t->nframes - 1 - last, need, nbound);
    if (left) warn(r, "trial: %d gaps longer than %.3g s left unfilled (those markers leave the fit there)", left, max_gap_s);
  }
  mk_crop(t, first, last - first + 1);
  return 0;
}

/* Mean velocity of the upper (pelvis, hip) markers over the trial, lab axes. */
static void walking(const mk_markers *t, const markerset *set, const int *col, const double P[9], ik_result *r) {
  double v[3] = {0};
  int n = 0;
  for (int i = 0; i < set->n; i++) {
    int side, f0 = -1, f1 = -1;
    if (col[i] < 0 || group_of(&set->m[i], &side) != 1) continue;
    for (int f = 0; f < t->nframes; f++)
      if (present_at(t, f, col[i])) f1 = f, f0 = f0 < 0 ? f : f0;
    if (f1 <= f0) continue;
    for (int k = 0; k < 3; k++) v[k] += (mk_at(t, f1, col[i])[k] - mk_at(t, f0, col[i])[k]) * t->rate / (f1 - f0);
    n++;
  }
  for (int k = 0; k < 3 && n; k++) v[k] /= n;
  mju_rotVecMat(r->walk, v, P); /* lab -> OpenSim ground */
  int up = P[3] != 0 ? 0 : P[4] != 0 ? 1 : 2, best = -1;
  for (int k = 0; k < 3; k++)
    if (k != up && (best < 0 || fabs(v[k]) > fabs(v[best]))) best = k;
  if (hypot(r->walk[0], r->walk[2]) < 0.1) snprintf(r->walk_lab, sizeof r->walk_lab, "none");
  else snprintf(r->walk_lab, sizeof r->walk_lab, "%c%c", v[best] >= 0 ? '+' : '-', 'x' + best);
}

/* Lock every unobserved hinge at neutral (0 clamped into its range); refuse when a hip flexion, knee
 * or ankle is unobserved. */
static int lock_unobserved(ik_solver *s, ik_result *r, int quiet, d2m_err *err) {
  const mjModel *m = s->m;
  for (int c = s->root_dofs, k = 0; c < s->ndof && k < r->nobs; c++) {
    int j = m->dof_jntid[s->dof[c]];
    if (m->jnt_type[j] != mjJNT_HINGE) continue;
    ik_obs *o = &r->obs[k++];
    if (o->observed || o->locked) continue; /* the lock list is applied at its calibration value instead */
    if (strstr(o->name, "hip_flexion") || strstr(o->name, "knee_angle") || strstr(o->name, "ankle_angle"))
      return err_set(err, "cannot import: no markers observe %s (%d present marker(s) on its segment and below, need %d); "
                     "the trial's names match too few of the marker set: give --markers with a set naming them",
                     o->name, o->nmk, o->need);
    double lo = m->jnt_range[2 * j], hi = m->jnt_range[2 * j + 1], v = 0;
    if (m->jnt_limited[j]) v = v < lo ? lo : v > hi ? hi : v;
    s->locked[c] = 1, s->lock_val[c] = v;
    if (!quiet)
      warn(r, "%s unobserved (%d present marker(s) on its segment and below, need %d): locked at %.1f deg", o->name,
           o->nmk, o->need, v * 180 / M_PI);
  }
  return 0;
}

/* IK of every frame of the trial with all markers, warm-started. */
static void solve_trial(ik_solver *s, const mk_markers *t, const int *col, const int *present, const double R[9],
                        const ik_opts *o, ik_result *r) {
  const mjModel *m = s->m;
  double *target = xmalloc(sizeof(double) * 3 * s->nmk), *p = xmalloc(sizeof(double) * 3 * s->nmk);
  int started = 0;
  for (int f = 0; f < t->nframes; f++) {
    double *q = r->qpos + (size_t)f * m->nq;
    frame_targets(t, f, col, s->nmk, R, target);
    if (!started) {
      solve_cold(s, target, NULL, q, o);
    } else {
      mju_copy(q, q - m->nq, m->nq);
      ik_solve(s, target, NULL, 0, q, o);
    }
    ik_marker_pos(s, q, p);
    double ss = 0;
    int n = 0;
    for (int j = 0; j < r->nmk; j++) {
      int i = present[j];
      const double *x = target + 3 * i;
      double e = NAN;
      if (isfinite(x[0]) && isfinite(x[1]) && isfinite(x[2])) {
        double v[3] = {p[3 * i] - x[0], p[3 * i + 1] - x[1], p[3 * i + 2] - x[2]};
        e = mju_norm3(v);
        ss += e * e;
        n++;
      }
      r->err[(size_t)f * r->nmk + j] = e;
    }
    r->rms[f] = n ? sqrt(ss / n) : NAN;
    started |= n > 0;
  }
  free(target);
  free(p);
}

static mjModel *load_subject(model_subject *sub, double height, double mass, d2m_err *err) {
  model_subject_default(sub);
  if (height > 0) sub->height_m = height;
  if (mass > 0) sub->mass_kg = mass;
  snprintf(sub->name, sizeof sub->name, "ik subject %.3f m", sub->height_m);
  if (model_subject_check(sub, err)) return NULL;
  return model_load(sub, err);
}

static void result_alloc(ik_result *r, const mk_markers *trial, const markerset *set, const int *present) {
  r->nframes = trial->nframes;
  r->nq = r->model->nq;
  r->rate = trial->rate;
  r->first_time = trial->first_time;
  r->qpos = xcalloc((size_t)r->nframes * r->nq, sizeof(double));
  r->err = xcalloc((size_t)r->nframes * r->nmk + 1, sizeof(double));
  r->rms = xcalloc((size_t)r->nframes + 1, sizeof(double));
  r->mk_name = xcalloc((size_t)r->nmk, sizeof *r->mk_name);
  r->mk_fixed = xcalloc((size_t)r->nmk, sizeof(int));
  for (int j = 0; j < r->nmk; j++) {
    snprintf(r->mk_name[j], MK_NAME_MAX, "%s", set->m[present[j]].name);
    r->mk_fixed[j] = set->m[present[j]].fixed;
  }
}

/* Lock values: the mean of the calibration poses (hinges only, so a plain mean is fine). */
static void lock_from_calib(ik_solver *s, const calib *c, const char *lock, ik_result *r) {
  int nq = s->m->nq;
  double *qm = xcalloc((size_t)nq, sizeof(double));
  for (int k = 0; k < c->n; k++)
    for (int i = 0; i < nq; i++) qm[i] += c->q[(size_t)k * nq + i] / c->n;
  snprintf(r->locked, sizeof r->locked, "%s", lock ? lock : "none");
  ik_lock(s, r->locked, qm);
  free(qm);
}

/* Secondary hinges (those needing 2 markers: hip adduction and rotation, subtalar; ik_observe) that the
 * fit drives to a joint limit (within 1 deg in at least 1 % of the frames, and 2 frames) are not determined by the
 * markers: lock them at their mean over the calibration poses (as OpenSim's gait2354 setup locks
 * subtalar at its static-trial value), with a warning. A primary hinge at a limit (a knee at full
 * extension) is physiological and stays free. Returns how many were locked. */
static int lock_limit_bound(ik_solver *s, const calib *c, ik_result *r) {
  const mjModel *m = s->m;
  int n = 0;
  for (int k = s->root_dofs; k < s->ndof; k++) {
    int j = m->dof_jntid[s->dof[k]], a = m->jnt_qposadr[j];
    if (s->locked[k] || m->jnt_type[j] != mjJNT_HINGE || !m->jnt_limited[j]) continue;
    const char *nm = mj_id2name(m, mjOBJ_JOINT, j);
    int secondary = 0;
    for (int i = 0; i < r->nobs; i++) secondary |= !strcmp(r->obs[i].name, nm) && r->obs[i].need >= 2;
    if (!secondary) continue;
    double lo = m->jnt_range[2 * j], hi = m->jnt_range[2 * j + 1], tol = M_PI / 180, mean = 0;
    int at = 0;
    for (int f = 0; f < r->nframes; f++) {
      double q = r->qpos[(size_t)f * r->nq + a];
      at += q < lo + tol || q > hi - tol;
    }
    if (100 * at < r->nframes || at < 2) continue;
    for (int i = 0; i < c->n; i++) mean += c->q[(size_t)i * m->nq + a] / c->n;
    mean = fmin(fmax(mean, lo + tol), hi - tol);
    s->locked[k] = 1, s->lock_val[k] = mean;
    for (int i = 0; i < r->nobs; i++)
      if (!strcmp(r->obs[i].name, nm)) r->obs[i].locked = 2;
    size_t o = strlen(r->locked);
    snprintf(r->locked + o, sizeof r->locked - o, ",%s", nm);
    warn(r, "%s at its joint limit in %d of %d frames: locked at its calibration value %.1f deg (--lock names joints to "
         "lock from the start)", nm, at, r->nframes, mean * 180 / M_PI);
    n++;
  }
  return n;
}

int ik_import(const mk_markers *trial_in, const mk_markers *stat_in, const markerset *set, const ik_import_opts *o,
              ik_result *r, d2m_err *err) {
  memset(r, 0, sizeof *r);
  mk_markers tw = {0}, sw = {0}, *trial = &tw, *stat = stat_in ? &sw : NULL;
  mk_clone(&tw, trial_in);
  if (stat_in) mk_clone(&sw, stat_in);
  int *col = bind_columns(set, trial), *col_s = bind_columns(set, stat), *present = xcalloc((size_t)set->n + 1, sizeof(int));
  unsigned char *fixed = xcalloc((size_t)set->n + 1, 1), *seen = xcalloc((size_t)set->n + 1, 1);
  calib c = {0};
  ik_solver s = {0};
  int rc = -1, nfixed = 0, nbound = 0, nbound_s = 0;
  for (int i = 0; i < set->n; i++) nbound += col[i] >= 0, nbound_s += col_s[i] >= 0;
  if (nbound < 3) {
    err_set(err, "the trial has %d markers of the marker set %s (need 3 or more)", nbound, set->source);
    goto done;
  }
  if (clean_trial(trial, col, set, nbound, o->max_gap_s, 0, r, err) ||
      (stat && clean_trial(stat, col_s, set, nbound_s > 3 ? nbound_s : 3, o->max_gap_s, 1, r, err)))
    goto done;
  for (int i = 0; i < set->n; i++) {
    if (col[i] >= 0) present[r->nmk++] = i;
    fixed[i] = (unsigned char)set->m[i].fixed;
    nfixed += set->m[i].fixed && (stat ? col_s[i] : col[i]) >= 0;
    if (col[i] >= 0) seen[i] = 2 * mk_count_present(trial, col[i]) >= trial->nframes;
  }
  if (nfixed < 3) memset(fixed, 1, (size_t)set->n); /* too few landmarks: calibrate with everything */
  /* the reference model (or the given height) and which joints the markers observe */
  r->model = load_subject(&r->subject, o->height_m, o->mass_kg, err);
  if (!r->model) goto done;
  r->scale = model_length_scale(&r->subject);
  if (ik_init(&s, r->model, set, r->scale, err)) goto done;
  ik_lock(&s, o->lock, s.m->qpos0); /* only to tell the lock list from unobserved joints: */
  ik_observe(&s, set, seen, r);
  ik_lock(&s, NULL, s.m->qpos0);     /* the list's joints stay free until the calibration pose */
  if (lock_unobserved(&s, r, 0, err)) goto done;
  double P[9], Ps[9], Rg[9];
  if (o->axes && strcmp(o->axes, "auto")) {
    if (ik_parse_axes(o->axes, P, err)) goto done;
    snprintf(r->axes, sizeof r->axes, "%s", o->axes);
    mju_copy(Ps, P, 9);
    if (stat) snprintf(r->axes_static, sizeof r->axes_static, "%s", o->axes);
  } else if (detect_axes(trial, set, col, P, r->axes, err) ||
             (stat && detect_axes(stat, set, col_s, Ps, r->axes_static, err))) {
    goto done;
  } else if (!stat) {
    mju_copy(Ps, P, 9);
  }
  walking(trial, set, col, P, r);
  if (strcmp(r->walk_lab, "none") && r->walk[0] < 0.5 * hypot(r->walk[0], r->walk[2]))
    warn(r, "trial: the pelvis moves %.0f deg away from the subject's forward (walking backwards or sideways?)",
         atan2(fabs(r->walk[2]), r->walk[0]) * 180 / M_PI);
  if (o->strict && r->nwarn) {
    char all[1024] = "";
    for (int w = 0; w < r->nwarn; w++)
      snprintf(all + strlen(all), sizeof all - strlen(all), "%s%s", w ? "; " : "", r->warn[w]);
    err_set(err, "--strict: %d warning(s): %s", r->nwarn, all);
    goto done;
  }
  ground_to_world(r->model, Rg);
  mju_mulMatMat(r->R, Rg, P, 3, 3, 3);
  mju_mulMatMat(r->Rs, Rg, Ps, 3, 3, 3);
  calib_frames(&c, trial, stat, col, col_s, set->n, stat ? r->Rs : r->R, o->calib_frames > 0 ? o->calib_frames : 20);
  if (o->height_m <= 0) {
    calib_solve(&s, &c, fixed, &o->ik);
    double f = estimate_scale(&s, set, &c, r);
    ik_free(&s);
    mj_deleteModel(r->model);
    r->model = load_subject(&r->subject, MODEL_REF_HEIGHT_M * f, o->mass_kg, err);
    if (!r->model) goto done;
    r->scale = model_length_scale(&r->subject);
    if (ik_init(&s, r->model, set, r->scale, err)) goto done;
    lock_unobserved(&s, r, 1, err);
  }
  /* marker placement on the scaled model */
  calib_solve(&s, &c, fixed, &o->ik);
  place_free(&s, set, &c, o->place_all);
  lock_from_calib(&s, &c, o->lock, r);
  lock_unobserved(&s, r, 1, err);
  result_alloc(r, trial, set, present);
  solve_trial(&s, trial, col, present, r->R, &o->ik, r);
  for (int pass = 0; pass < 3 && lock_limit_bound(&s, &c, r); pass++) /* one locked may push another */
    solve_trial(&s, trial, col, present, r->R, &o->ik, r);
  if (o->strict && r->nwarn) {
    err_set(err, "--strict: %s", r->warn[r->nwarn - 1]);
    goto done;
  }
  rc = 0;
done:
  ik_free(&s);
  free(c.target);
  free(c.q);
  free(col);
  free(col_s);
  free(present);
  free(fixed);
  free(seen);
  mk_free(&tw);
  mk_free(&sw);
  if (rc) ik_result_free(r);
  return rc;
}
