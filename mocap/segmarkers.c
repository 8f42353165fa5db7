/* mocap/segmarkers.c: virtual markers from segment rotations (segmarkers.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mocap/markerset.h"
#include "mocap/segmarkers.h"
#include "envs/model/model.h"

/* Each virtual marker: its name in the embedded set, its segment, and the model body it lies on. */
static const struct {
  const char *name;
  int seg;
} vm[SEGMK_N] = {{"R.ASIS", SEG_PELVIS},      {"L.ASIS", SEG_PELVIS},      {"V.Sacral", SEG_PELVIS},
                 {"R.Knee.Lat", SEG_THIGH_R}, {"R.Knee.Med", SEG_THIGH_R}, {"R.Ankle.Lat", SEG_SHANK_R},
                 {"R.Ankle.Med", SEG_SHANK_R}, {"R.Heel", SEG_FOOT_R},     {"R.Toe.Tip", SEG_FOOT_R},
                 {"RMT5", SEG_FOOT_R},        {"L.Knee.Lat", SEG_THIGH_L}, {"L.Knee.Med", SEG_THIGH_L},
                 {"L.Ankle.Lat", SEG_SHANK_L}, {"L.Ankle.Med", SEG_SHANK_L}, {"L.Heel", SEG_FOOT_L},
                 {"L.Toe.Tip", SEG_FOOT_L},   {"LMT5", SEG_FOOT_L}};

/* The model bodies whose origins are the joint centres SJ_* (the BVH/ASF joint markers of the set). */
static const char *const joint_body[SJ_N] = {"femur_r", "tibia_r", "talus_r", "toes_r",
                                             "femur_l", "tibia_l", "talus_l", "toes_l"};

void seg_skeleton_alloc(seg_skeleton *sk, int nframes) {
  memset(sk, 0, sizeof *sk);
  sk->nframes = nframes;
  sk->pos = xcalloc((size_t)nframes * SJ_N * 3 + 1, sizeof(double));
  sk->rot = xcalloc((size_t)nframes * SEG_N * 9 + 1, sizeof(double));
}

void seg_skeleton_free(seg_skeleton *sk) {
  free(sk->pos);
  free(sk->rot);
  memset(sk, 0, sizeof *sk);
}

static void sub3(double *r, const double *a, const double *b) {
  for (int k = 0; k < 3; k++) r[k] = a[k] - b[k];
}

/* Unit vector of v minus its component along unit u; 0 when nothing is left. */
static int ortho(double *r, const double *v, const double *u) {
  double d = mju_dot3(v, u);
  for (int k = 0; k < 3; k++) r[k] = v[k] - d * u[k];
  return mju_normalize3(r) > 1e-9;
}

/* Proximal joint of segment g (pelvis: the hip midpoint) from joint centres j[SJ_N][3]. */
static void seg_origin(const double (*j)[3], int g, double *o) {
  static const int prox[SEG_N] = {-1, SJ_HIP_R, SJ_KNEE_R, SJ_ANKLE_R, SJ_HIP_L, SJ_KNEE_L, SJ_ANKLE_L};
  if (g == SEG_PELVIS)
    for (int k = 0; k < 3; k++) o[k] = 0.5 * (j[SJ_HIP_R][k] + j[SJ_HIP_L][k]);
  else mju_copy3(o, j[prox[g]]);
}

/* Anatomical axes of segment g (A row-major, columns x forward, y up, z right) from joint centres
 * and the vertical `up`. 0 when degenerate. */
static int seg_axes(const double (*j)[3], const double *up, int g, double *A) {
  double x[3], y[3], z[3], right[3];
  sub3(right, j[SJ_HIP_R], j[SJ_HIP_L]);
  if (g == SEG_FOOT_R || g == SEG_FOOT_L) {
    /* the foot neutral to the shank (ankle and subtalar at 0 in the reference pose): y along the shank */
    int a = g == SEG_FOOT_R ? SJ_ANKLE_R : SJ_ANKLE_L, t = a + 1;
    double v[3];
    sub3(y, j[a - 1], j[a]);
    sub3(v, j[t], j[a]);
    if (mju_normalize3(y) < 1e-9 || !ortho(x, v, y)) return 0;
    mju_cross(z, x, y);
  } else {
    if (g == SEG_PELVIS) mju_copy3(y, up);
    else {
      int p = g == SEG_THIGH_R ? SJ_HIP_R : g == SEG_SHANK_R ? SJ_KNEE_R : g == SEG_THIGH_L ? SJ_HIP_L : SJ_KNEE_L;
      sub3(y, j[p], j[p + 1]);
      if (mju_normalize3(y) < 1e-9) return 0;
    }
    if (!ortho(z, right, y)) return 0;
    mju_cross(x, y, z);
  }
  for (int r = 0; r < 3; r++) A[3 * r] = x[r], A[3 * r + 1] = y[r], A[3 * r + 2] = z[r];
  return 1;
}

/* Minus the mean hip-to-ankle direction of the two legs: the vertical of a standing pose. */
static int vertical(const double (*j)[3], double *up) {
  for (int k = 0; k < 3; k++)
    up[k] = 0.5 * (j[SJ_HIP_R][k] + j[SJ_HIP_L][k]) - 0.5 * (j[SJ_ANKLE_R][k] + j[SJ_ANKLE_L][k]);
  return mju_normalize3(up) > 1e-9;
}

/* Offsets a[SEGMK_N][3] of the virtual markers in their segments' anatomical frames on the model's
 * neutral pose, and the model's thigh length. */
static int model_offsets(double (*a)[3], double *thigh, d2m_err *err) {
  markerset set;
  if (markerset_default(&set, err)) return -1;
  mjModel *m = model_load(NULL, err);
  if (!m) {
    markerset_free(&set);
    return -1;
  }
  mjData *d = mj_makeData(m);
  mj_kinematics(m, d);
  double j[SJ_N][3], up[3];
  int rc = 0;
  for (int i = 0; i < SJ_N; i++) mju_copy3(j[i], d->xpos + 3 * mj_name2id(m, mjOBJ_BODY, joint_body[i]));
  vertical((const double(*)[3])j, up); /* as on the file's reference pose, so that the two frames agree */
  for (int i = 0; i < SEGMK_N && !rc; i++) {
    int k = markerset_find(&set, vm[i].name), b = k >= 0 ? mj_name2id(m, mjOBJ_BODY, set.m[k].body) : -1;
    double A[9], o[3], p[3], w[3];
    if (b < 0 || !seg_axes(j, up, vm[i].seg, A)) {
      rc = err_set(err, "virtual marker %s: not on a body of the model in the embedded marker set", vm[i].name);
      break;
    }
    mju_rotVecMat(w, set.m[k].offset, d->xmat + 9 * b);
    for (int c = 0; c < 3; c++) p[c] = d->xpos[3 * b + c] + w[c];
    seg_origin((const double(*)[3])j, vm[i].seg, o);
    sub3(w, p, o);
    mju_rotVecMatT(a[i], w, A);
  }
  double v[3];
  sub3(v, j[SJ_HIP_R], j[SJ_KNEE_R]);
  *thigh = mju_norm3(v);
  mj_deleteData(d);
  mj_deleteModel(m);
  markerset_free(&set);
  return rc;
}

int segmk_add(mk_markers *m, const seg_skeleton *sk, d2m_err *err) {
  if (sk->nframes != m->nframes) return err_set(err, "virtual markers: %d skeleton frames for %d marker frames", sk->nframes, m->nframes);
  double a[SEGMK_N][3], thigh_m, up[3], A[SEG_N][9], v[3];
  if (model_offsets(a, &thigh_m, err)) return -1;
  sub3(v, sk->ref[SJ_HIP_R], sk->ref[SJ_KNEE_R]);
  double s = mju_norm3(v) / thigh_m;
  if (!(s > 0) || !vertical(sk->ref, up))
    return err_set(err, "virtual markers: degenerate reference pose (thigh %g m long, or hips and ankles at one point)",
                   s * thigh_m);
  for (int g = 0; g < SEG_N; g++)
    if (!seg_axes(sk->ref, up, g, A[g]))
      return err_set(err, "virtual markers: degenerate reference pose of segment %d (a bone of zero length or along the "
                     "hip axis)", g);
  /* grow m by SEGMK_N markers, keeping its frames */
  mk_markers n = {0};
  mk_alloc(&n, m->nmarkers + SEGMK_N, m->nframes);
  n.rate = m->rate, n.first_time = m->first_time;
  snprintf(n.units, sizeof n.units, "%s", m->units);
  memcpy(n.names, m->names, sizeof *n.names * (size_t)m->nmarkers);
  for (int i = 0; i < SEGMK_N; i++) snprintf(n.names[m->nmarkers + i], MK_NAME_MAX, "%s", vm[i].name);
  for (int f = 0; f < m->nframes; f++) {
    memcpy(mk_at(&n, f, 0), mk_at(m, f, 0), sizeof(double) * 3 * (size_t)m->nmarkers);
    const double(*j)[3] = (const double(*)[3])(sk->pos + (size_t)f * SJ_N * 3);
    for (int i = 0; i < SEGMK_N; i++) {
      int g = vm[i].seg;
      double o[3], w[3], sa[3] = {s * a[i][0], s * a[i][1], s * a[i][2]}, *p = mk_at(&n, f, m->nmarkers + i);
      seg_origin(j, g, o);
      mju_rotVecMat(v, sa, A[g]);
      mju_rotVecMat(w, v, sk->rot + ((size_t)f * SEG_N + g) * 9);
      for (int k = 0; k < 3; k++) p[k] = o[k] + w[k];
    }
  }
  n.nevents = m->nevents, n.events = m->events;
  m->events = NULL, m->nevents = 0;
  mk_free(m);
  *m = n;
  LOG_I("%d virtual markers from the segment rotations (R.ASIS, L.ASIS, V.Sacral, condyles, malleoli, heels, toe "
        "tips, MT5; mocap/segmarkers.h)", SEGMK_N);
  return 0;
}
