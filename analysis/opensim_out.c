/* analysis/opensim_out.c: OpenSim files of a rollout (see opensim_out.h). */
#include "analysis/opensim_out.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/files.h"
#include "envs/motion/refmotion.h"
#include "mocap/ik_import.h"

int os_open(os_writer *w, const mjModel *m, d2m_err *err) {
  memset(w, 0, sizeof *w);
  w->m = m;
  ref_rootframe rf;
  mjData *d = mj_makeData(m);
  int bad = ref_rootframe_init(m, d, &rf, err);
  mj_deleteData(d);
  if (bad) return -1;
  mju_copy(w->Rg, rf.Rg, 9);
  w->talus[0] = mj_name2id(m, mjOBJ_BODY, "talus_r");
  w->talus[1] = mj_name2id(m, mjOBJ_BODY, "talus_l");
  if (w->talus[0] < 0 || w->talus[1] < 0) return err_set(err, "--opensim: the model has no talus_r/talus_l");
  return 0;
}

void os_free(os_writer *w) {
  free(w->t), free(w->qpos), free(w->act), free(w->exc), free(w->grf);
  memset(w, 0, sizeof *w);
}

void os_reset(os_writer *w) { w->n = 0; }

static int foot_of(const os_writer *w, int geom) {
  for (int b = w->m->geom_bodyid[geom]; b > 0; b = w->m->body_parentid[b])
    if (b == w->talus[0] || b == w->talus[1]) return b == w->talus[1];
  return -1;
}

/* Contact i's force on each foot it touches (world): on[0..1] = 1 where it acts on that foot. */
static int foot_force(const os_writer *w, const mjData *d, int i, double f[2][3]) {
  const mjContact *k = d->contact + i;
  int s1 = foot_of(w, k->geom1), s2 = foot_of(w, k->geom2);
  if (s1 < 0 && s2 < 0) return 0;
  mjtNum fc[6], fw[3];
  mj_contactForce(w->m, d, i, fc);
  mju_mulMatTVec(fw, k->frame, fc, 3, 3); /* force of geom1 on geom2, world */
  memset(f, 0, sizeof(double) * 6);
  for (int a = 0; a < 3; a++) {
    if (s2 >= 0) f[s2][a] += fw[a];
    if (s1 >= 0) f[s1][a] -= fw[a];
  }
  return 1;
}

void os_foot_grf(const os_writer *w, const mjData *d, double F[2][3], double P[2][3], double T[2][3]) {
  double Fw[2][3] = {{0}}, pw[2][3] = {{0}}, tz[2] = {0}, f[2][3];
  for (int i = 0; i < d->ncon; i++) /* total force and the COP: force-weighted mean contact point */
    if (foot_force(w, d, i, f))
      for (int s = 0; s < 2; s++)
        for (int a = 0; a < 3; a++) Fw[s][a] += f[s][a], pw[s][a] += f[s][2] * d->contact[i].pos[a];
  for (int s = 0; s < 2; s++)
    for (int a = 0; a < 3; a++) pw[s][a] = Fw[s][2] > 1e-6 ? pw[s][a] / Fw[s][2] : 0;
  for (int i = 0; i < d->ncon; i++) /* free moment about the vertical through the COP */
    if (foot_force(w, d, i, f))
      for (int s = 0; s < 2; s++) {
        const double *p = d->contact[i].pos;
        tz[s] += (p[0] - pw[s][0]) * f[s][1] - (p[1] - pw[s][1]) * f[s][0];
      }
  for (int s = 0; s < 2; s++) {
    double tw[3] = {0, 0, Fw[s][2] > 1e-6 ? tz[s] : 0};
    mju_rotVecMatT(F[s], Fw[s], w->Rg);
    mju_rotVecMatT(P[s], pw[s], w->Rg);
    mju_rotVecMatT(T[s], tw, w->Rg);
  }
}

static void grow(os_writer *w) {
  const mjModel *m = w->m;
  int cap = w->cap ? 2 * w->cap : 1024;
  w->t = realloc(w->t, sizeof(double) * (size_t)cap);
  w->qpos = realloc(w->qpos, sizeof(double) * (size_t)cap * m->nq);
  w->act = realloc(w->act, sizeof(double) * (size_t)cap * (m->nu + 1));
  w->exc = realloc(w->exc, sizeof(double) * (size_t)cap * (m->nu + 1));
  w->grf = realloc(w->grf, sizeof(double) * (size_t)cap * 18);
  D2M_CHECK(w->t && w->qpos && w->act && w->exc && w->grf, "out of memory recording --opensim frames");
  w->cap = cap;
}

void os_record(os_writer *w, double t, const mjData *d, const float *exc) {
  const mjModel *m = w->m;
  if (w->n == w->cap) grow(w); /* doubling: amortised, a handful of reallocations per rollout */
  int i = w->n++;
  w->t[i] = t;
  mju_copy(w->qpos + (size_t)i * m->nq, d->qpos, m->nq);
  for (int u = 0; u < m->nu; u++) {
    int a = u - (m->nu - m->na); /* MuJoCo 2.2: actuators with activation come last, in order */
    w->act[(size_t)i * m->nu + u] = a >= 0 && m->actuator_dyntype[u] != mjDYN_NONE ? d->act[a] : d->ctrl[u];
    w->exc[(size_t)i * m->nu + u] = exc ? exc[u] : d->ctrl[u];
  }
  double F[2][3], P[2][3], T[2][3];
  os_foot_grf(w, d, F, P, T);
  double *g = w->grf + (size_t)i * 18;
  for (int s = 0; s < 2; s++)
    for (int a = 0; a < 3; a++) g[9 * s + a] = F[s][a], g[9 * s + 3 + a] = P[s][a], g[9 * s + 6 + a] = T[s][a];
}

/* OpenSim storage header (version 1), then the column line. */
static FILE *sto_open(const char *dir, const char *name, int nrows, int ncols, int degrees, d2m_err *err) {
  char p[4400];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  if (!f) return err_set(err, "%s: cannot write: %s", p, strerror(errno)), NULL;
  fprintf(f, "%s\nversion=1\nnRows=%d\nnColumns=%d\ninDegrees=%s\nendheader\ntime", name, nrows, ncols,
          degrees ? "yes" : "no");
  return f;
}

static int write_muscles(const os_writer *w, const char *dir, const char *name, const double *v, int states,
                         d2m_err *err) {
  const mjModel *m = w->m;
  FILE *f = sto_open(dir, name, w->n, 1 + m->nu, 0, err);
  if (!f) return -1;
  for (int u = 0; u < m->nu; u++)
    if (states) fprintf(f, "\t/forceset/%s/activation", mj_id2name(m, mjOBJ_ACTUATOR, u));
    else fprintf(f, "\t%s", mj_id2name(m, mjOBJ_ACTUATOR, u));
  fputc('\n', f);
  for (int i = 0; i < w->n; i++) {
    fprintf(f, "%.6f", w->t[i]);
    for (int u = 0; u < m->nu; u++) fprintf(f, "\t%.6g", v[(size_t)i * m->nu + u]);
    fputc('\n', f);
  }
  return fclose(f) ? err_set(err, "%s/%s: write failed", dir, name) : 0;
}

static int write_grf(const os_writer *w, const char *dir, d2m_err *err) {
  FILE *f = sto_open(dir, "grf.mot", w->n, 19, 0, err);
  if (!f) return -1;
  static const char *q[3] = {"ground_force_v", "ground_force_p", "ground_torque_"};
  for (int s = 0; s < 2; s++)
    for (int k = 0; k < 3; k++)
      for (int a = 0; a < 3; a++) fprintf(f, "\t%c_%s%c", s ? 'l' : 'r', q[k], 'x' + a);
  fputc('\n', f);
  for (int i = 0; i < w->n; i++) {
    fprintf(f, "%.6f", w->t[i]);
    for (int k = 0; k < 18; k++) fprintf(f, "\t%.6g", w->grf[(size_t)i * 18 + k]);
    fputc('\n', f);
  }
  if (fclose(f)) return err_set(err, "%s/grf.mot: write failed", dir);
  char p[4400];
  snprintf(p, sizeof p, "%s/grf.xml", dir);
  if (!(f = fopen(p, "w"))) return err_set(err, "%s: cannot write: %s", p, strerror(errno));
  fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n<OpenSimDocument Version=\"40000\">\n"
             "  <ExternalLoads name=\"drl2move_grf\">\n    <objects>\n");
  for (int s = 0; s < 2; s++)
    fprintf(f, "      <ExternalForce name=\"%s\">\n        <applied_to_body>calcn_%c</applied_to_body>\n"
               "        <force_expressed_in_body>ground</force_expressed_in_body>\n"
               "        <point_expressed_in_body>ground</point_expressed_in_body>\n"
               "        <force_identifier>%c_ground_force_v</force_identifier>\n"
               "        <point_identifier>%c_ground_force_p</point_identifier>\n"
               "        <torque_identifier>%c_ground_torque_</torque_identifier>\n"
               "        <data_source_name>grf.mot</data_source_name>\n      </ExternalForce>\n",
            s ? "left" : "right", s ? 'l' : 'r', s ? 'l' : 'r', s ? 'l' : 'r', s ? 'l' : 'r');
  fprintf(f, "    </objects>\n    <groups />\n    <datafile>grf.mot</datafile>\n  </ExternalLoads>\n</OpenSimDocument>\n");
  return fclose(f) ? err_set(err, "%s: write failed", p) : 0;
}

int os_write(const os_writer *w, const char *dir, d2m_err *err) {
  if (w->n < 2) return err_set(err, "--opensim: %d frame(s) recorded: nothing to write", w->n);
  if (file_mkdirs(dir, err)) return -1;
  mot_table t;
  double rate = (w->n - 1) / (w->t[w->n - 1] - w->t[0]);
  if (ik_to_mot(w->m, w->qpos, w->n, rate, w->t[0], &t, err)) return -1;
  for (int i = 0; i < w->n; i++) t.data[(size_t)i * t.ncols] = w->t[i]; /* exact times */
  char p[4400];
  snprintf(p, sizeof p, "%s/joint_angles.mot", dir);
  int rc = mot_write(p, &t, err);
  mot_free(&t);
  if (!rc) rc = write_muscles(w, dir, "activations.sto", w->act, 1, err);
  if (!rc) rc = write_muscles(w, dir, "excitations.sto", w->exc, 0, err);
  if (!rc) rc = write_grf(w, dir, err);
  return rc;
}
