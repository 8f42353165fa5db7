/* learner/mining.c: per-clip results and hard-negative mining (see mining.h). */
#include "learner/mining.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "envs/env.h"
#include "envs/motion/motionlib.h"

enum { S_EPS = 0, S_SUCC, S_MPJPE, S_RMSE, S_LEN };

int mining_init(mining *m, const char *motion, const char *mode, double floor, double decay, d2m_err *err) {
  memset(m, 0, sizeof *m);
  m->on = !strcmp(mode, "failure");
  m->floor = floor, m->decay = decay;
  if (!env_motion_is_list(motion)) return 0;
  motionlib_entry *e;
  int n;
  if (motionlib_read_list(motion, &e, &n, err)) return err_wrap(err, "imitate.motion");
  double total = 0;
  for (int i = 0; i < n; i++) total += e[i].weight;
  if (!(total > 0)) {
    free(e);
    return err_set(err, "imitate.motion = %s: all clips have weight 0", motion);
  }
  m->n = n;
  m->names = xcalloc((size_t)n, sizeof *m->names);
  m->base = xcalloc((size_t)n, sizeof(double));
  m->w = xcalloc((size_t)n, sizeof(double));
  m->acc = xcalloc((size_t)n * MINING_STATS, sizeof(double));
  m->upd = xcalloc((size_t)n * MINING_STATS, sizeof(double));
  for (int i = 0; i < n; i++) {
    snprintf(m->names[i], sizeof m->names[i], "%.255s", e[i].name);
    for (char *c = m->names[i]; *c; c++) /* one CSV field: no separators or quotes inside */
      if (*c == ',' || *c == '"') *c = '_';
    m->base[i] = m->w[i] = e[i].weight / total;
  }
  free(e);
  return 0;
}

void mining_free(mining *m) {
  free(m->names);
  free(m->base);
  free(m->w);
  free(m->acc);
  free(m->upd);
  memset(m, 0, sizeof *m);
}

void mining_record(mining *m, uint32_t clip, double success, double mpjpe_mm, double joint_rmse_deg, double length) {
  if (m->n == 0) return;
  if (clip >= (uint32_t)m->n) {
    m->unknown++;
    return;
  }
  double *u = m->upd + (size_t)clip * MINING_STATS;
  u[S_EPS] += 1;
  u[S_SUCC] += success;
  u[S_MPJPE] += mpjpe_mm;
  u[S_RMSE] += joint_rmse_deg;
  u[S_LEN] += length;
}

void mining_weights(int n, const double *b, const double *counts, int stride, double floor, double *w) {
  double z = 0;
  for (int i = 0; i < n; i++) {
    double eps = counts[(size_t)i * stride], succ = counts[(size_t)i * stride + 1];
    w[i] = b[i] * fmin(1, fmax(0, (eps - succ + 1) / (eps + 2)));
    z += w[i];
  }
  /* z > 0 whenever some b_i > 0: the Laplace rule keeps every failure rate above 0 */
  for (int i = 0; i < n; i++) w[i] = floor * b[i] + (1 - floor) * (z > 0 ? w[i] / z : b[i]);
}

void mining_update(mining *m) {
  if (m->unknown && !m->unknown_said) {
    LOG_W("clip mining: %lld episodes name a clip beyond the %d of imitate.motion (an actor with another list?): "
          "not counted", m->unknown, m->n);
    m->unknown_said = 1;
  }
  for (int i = 0; i < m->n; i++) {
    double *a = m->acc + (size_t)i * MINING_STATS, *u = m->upd + (size_t)i * MINING_STATS;
    for (int k = 0; k < MINING_STATS; k++) a[k] = m->decay * a[k] + u[k];
  }
  if (m->on && m->n) mining_weights(m->n, m->base, m->acc, MINING_STATS, m->floor, m->w);
}

void mining_clear_update(mining *m) {
  if (m->n) memset(m->upd, 0, (size_t)m->n * MINING_STATS * sizeof(double));
}

size_t mining_state_len(const mining *m) { return (size_t)m->n * (MINING_STATS + 1); }

void mining_pack(const mining *m, double *out) {
  if (!m->n) return; /* no clip library: nothing to pack (memcpy from NULL is undefined even for 0 bytes) */
  memcpy(out, m->acc, (size_t)m->n * MINING_STATS * sizeof(double));
  memcpy(out + (size_t)m->n * MINING_STATS, m->w, (size_t)m->n * sizeof(double));
}

int mining_unpack(mining *m, const double *in, d2m_err *err) {
  size_t len = mining_state_len(m);
  for (size_t i = 0; i < len; i++)
    if (!(in[i] >= 0) || !isfinite(in[i]))
      return err_set(err, "mining state: value %zu is %g (must be finite and >= 0)", i, in[i]);
  if (!m->n) return 0;
  memcpy(m->acc, in, (size_t)m->n * MINING_STATS * sizeof(double));
  memcpy(m->w, in + (size_t)m->n * MINING_STATS, (size_t)m->n * sizeof(double));
  return 0;
}

void mining_csv_header(FILE *f) { fprintf(f, "update,env_steps,clip,name,weight,episodes,success,mpjpe_mm,joint_rmse_deg,length\n"); }

int mining_csv_rows(const mining *m, FILE *f, long update, long long env_steps) {
  for (int i = 0; i < m->n; i++) {
    const double *u = m->upd + (size_t)i * MINING_STATS;
    fprintf(f, "%ld,%lld,%d,%s,%.6g,%.0f", update, env_steps, i, m->names[i], m->w[i], u[S_EPS]);
    if (u[S_EPS] > 0)
      fprintf(f, ",%.4g,%.4g,%.4g,%.4g\n", u[S_SUCC] / u[S_EPS], u[S_MPJPE] / u[S_EPS], u[S_RMSE] / u[S_EPS], u[S_LEN] / u[S_EPS]);
    else
      fprintf(f, ",,,,\n");
  }
  return ferror(f) ? -1 : 0;
}
