/* mocap/mot_write.c: model trajectory -> OpenSim coordinate table, .mot writer, IK report. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mocap/ik_import.h"
#include "envs/motion/refmotion.h"

static const char *root_cols[6] = {"pelvis_tilt", "pelvis_list", "pelvis_rotation", "pelvis_tx", "pelvis_ty", "pelvis_tz"};

static int slaved(const mjModel *m, int j) {
  for (int i = 0; i < m->neq; i++)
    if (m->eq_type[i] == mjEQ_JOINT && m->eq_active[i] && m->eq_obj1id[i] == j && m->eq_obj2id[i] >= 0) return 1;
  return 0;
}

/* Root qpos (7) -> OpenSim tilt, list, rotation (rad; body-fixed Z-X-Y) and tx, ty, tz (m). */
static void root_coords(const ref_rootframe *rm, const double *q, double *v) {
  double Rr[9], Rp[9], B[9], off[3], pp[3], dpw[3];
  mju_quat2Mat(Rr, q + 3);
  mju_mulMatMat(Rp, Rr, rm->C, 3, 3, 3);
  mju_mulMatTMat(B, rm->Rg, Rp, 3, 3, 3);
  /* B = Rz(a) Rx(b) Ry(c): B[2][1] = sin b, B[2][0] = -cos b sin c, B[2][2] = cos b cos c,
   * B[0][1] = -sin a cos b, B[1][1] = cos a cos b. */
  double sb = B[7] > 1 ? 1 : B[7] < -1 ? -1 : B[7];
  v[1] = asin(sb);
  v[2] = atan2(-B[6], B[8]);
  v[0] = atan2(-B[1], B[4]);
  mju_rotVecMat(off, rm->cp, Rr);
  /* absolute, as OpenSim's IK gives them (ty: the height above the floor); refmotion.h reads them so */
  for (int k = 0; k < 3; k++) pp[k] = q[k] + off[k], dpw[k] = pp[k];
  mju_rotVecMatT(v + 3, dpw, rm->Rg);
}

int ik_to_mot(const mjModel *m, const double *qpos, int nframes, double rate, double first_time, mot_table *t,
              d2m_err *err) {
  memset(t, 0, sizeof *t);
  ref_rootframe rm;
  mjData *scratch = mj_makeData(m);
  int bad = ref_rootframe_init(m, scratch, &rm, err);
  mj_deleteData(scratch);
  if (bad) return -1;
  int *jn = xcalloc((size_t)m->njnt + 1, sizeof *jn), nj = 0;
  for (int j = 0; j < m->njnt; j++)
    if (m->jnt_type[j] == mjJNT_HINGE && !slaved(m, j)) jn[nj++] = j;
  t->ncols = 1 + 6 + nj;
  t->nrows = nframes;
  t->in_degrees = 1;
  snprintf(t->convention, sizeof t->convention, "Rajagopal2016");
  snprintf(t->path, sizeof t->path, "<ik result>");
  t->names = xcalloc((size_t)t->ncols, sizeof *t->names);
  t->names[0] = strdup("time");
  for (int k = 0; k < 6; k++) t->names[1 + k] = strdup(root_cols[k]);
  for (int i = 0; i < nj; i++) t->names[7 + i] = strdup(mj_id2name(m, mjOBJ_JOINT, jn[i]));
  t->data = xcalloc((size_t)nframes * t->ncols + 1, sizeof *t->data);
  const double deg = 180.0 / M_PI;
  double unwrap[3] = {0};
  for (int f = 0; f < nframes; f++) {
    const double *q = qpos + (size_t)f * m->nq;
    double *row = t->data + (size_t)f * t->ncols, v[6];
    row[0] = first_time + f / rate;
    root_coords(&rm, q + rm.qadr, v);
    for (int k = 0; k < 3; k++) {
      double a = v[k] * deg;
      /* continuity across +-180 (a subject turning around) */
      if (f > 0) a += 360.0 * round((unwrap[k] - a) / 360.0);
      unwrap[k] = a;
      row[1 + k] = a;
    }
    for (int k = 3; k < 6; k++) row[1 + k] = v[k];
    for (int i = 0; i < nj; i++) row[7 + i] = q[m->jnt_qposadr[jn[i]]] * deg;
  }
  free(jn);
  return 0;
}

int mot_write(const char *path, const mot_table *t, d2m_err *err) {
  FILE *f = fopen(path, "w");
  if (!f) return err_set(err, "%s: cannot write: %s", path, strerror(errno));
  const char *base = strrchr(path, '/');
  fprintf(f, "%s\nversion=1\nnRows=%d\nnColumns=%d\ninDegrees=%s\n", base ? base + 1 : path, t->nrows, t->ncols,
          t->in_degrees ? "yes" : "no");
  if (!strcmp(t->convention, "Rajagopal2016"))
    fprintf(f, "model=Rajagopal2016 (drl2move MyoLegs: the coordinates of Rajagopal et al. 2016, IEEE TBME 63(10):2068)\n"
               "convention=Rajagopal2016: OpenSim coordinate names; angles in degrees; hip_flexion, knee_angle (flexion) "
               "and ankle_angle (dorsiflexion) positive; pelvis_tilt/list/rotation body-fixed Z-X-Y in OpenSim ground "
               "(x forward, y up, z right); pelvis_tx/ty/tz the pelvis origin in ground, absolute (m; ty the height above "
               "the floor)\n");
  fprintf(f, "endheader\n");
  for (int c = 0; c < t->ncols; c++) fprintf(f, "%s%s", c ? "\t" : "", t->names[c]);
  fputc('\n', f);
  for (int r = 0; r < t->nrows; r++) {
    for (int c = 0; c < t->ncols; c++) fprintf(f, "%s%.10g", c ? "\t" : "", mot_at(t, r, c));
    fputc('\n', f);
  }
  if (fclose(f)) return err_set(err, "%s: write failed: %s", path, strerror(errno));
  return 0;
}

int ik_write_report(const char *path, const ik_result *r, d2m_err *err) {
  FILE *f = fopen(path, "w");
  if (!f) return err_set(err, "%s: cannot write: %s", path, strerror(errno));
  fprintf(f, "time,rms_mm");
  for (int j = 0; j < r->nmk; j++) fprintf(f, ",%s_mm", r->mk_name[j]);
  fputc('\n', f);
  for (int i = 0; i < r->nframes; i++) {
    fprintf(f, "%.6f,%.3f", r->first_time + i / r->rate, r->rms[i] * 1e3);
    for (int j = 0; j < r->nmk; j++) {
      double e = r->err[(size_t)i * r->nmk + j];
      if (isfinite(e)) fprintf(f, ",%.3f", e * 1e3);
      else fputs(",", f);
    }
    fputc('\n', f);
  }
  if (fclose(f)) return err_set(err, "%s: write failed: %s", path, strerror(errno));
  return 0;
}
