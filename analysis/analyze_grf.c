/* analysis/analyze_grf.c: a reference GRF from an OpenSim ExternalLoads .mot (analyze --grf X.mot). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze_int.h"
#include "envs/motion/mot.h"

#define GRF_MAXPLATE 8

/* Force vectors of the layout: every column NAME ending in "ground_force_vy" (OpenSim ground: y up)
 * with its "..._vx" (anterior) column. Returns how many (<= GRF_MAXPLATE). */
static int find_plates(const mot_table *t, int *vy, int *vx) {
  int n = 0;
  for (int c = 1; c < t->ncols && n < GRF_MAXPLATE; c++) {
    const char *nm = t->names[c], *g = strstr(nm, "ground_force_vy");
    if (!g || g[15]) continue;
    char ax[96];
    snprintf(ax, sizeof ax, "%.*sground_force_vx", (int)(g - nm), nm);
    int x = mot_col(t, ax);
    if (x < 0) continue;
    vy[n] = c, vx[n++] = x;
  }
  return n;
}

/* Value of the stance curve st[GAIT_NPTS] (0..100 % of stance) at fraction u in [0, 1]. */
static double at_stance(const double *st, double u) {
  double x = u * (GAIT_NPTS - 1);
  int i = (int)x;
  if (i >= GAIT_NPTS - 1) return st[GAIT_NPTS - 1];
  return st[i] + (x - i) * (st[i + 1] - st[i]);
}

int an_grf_mot(an_ctx *c, double *v_mean, double *v_sd, double *ap_mean, double *ap_sd) {
  mot_table t;
  d2m_err err;
  if (mot_read(c->o.grf, &t, &err)) return LOG_W("analyze: %s", err.msg), 0;
  int vy[GRF_MAXPLATE], vx[GRF_MAXPLATE], np = find_plates(&t, vy, vx), n = t.nrows, ns = 0;
  if (!np) {
    report_text(&c->rep, "Reference GRF %s skipped: no '*ground_force_vy' column with its '_vx' (OpenSim ExternalLoads "
                         "layout).", c->o.grf);
    return mot_free(&t), 0;
  }
  double *tm = xmalloc(sizeof(double) * (size_t)n), *v = xmalloc(sizeof(double) * (size_t)n), bw = c->o.grf_bw;
  double *ap = xmalloc(sizeof(double) * (size_t)n), sum = 0;
  int nsum = 0;
  for (int i = 0; i < n; i++) {
    double tot = 0;
    tm[i] = mot_at(&t, i, 0);
    for (int p = 0; p < np; p++) tot += mot_at(&t, i, vy[p]);
    if (tot > 20) sum += tot, nsum++; /* someone on the plates: on average the body weight */
  }
  if (!(bw > 0)) bw = nsum ? sum / nsum : NAN;
  /* every stance on every plate, normalised 0..100 % of stance */
  double sv[GAIT_NPTS] = {0}, sv2[GAIT_NPTS] = {0}, sa[GAIT_NPTS] = {0}, sa2[GAIT_NPTS] = {0}, cur[GAIT_NPTS];
  double hs[64], to[64], stance_s = 0;
  for (int p = 0; p < np && isfinite(bw); p++) {
    for (int i = 0; i < n; i++) v[i] = mot_at(&t, i, vy[p]) / bw, ap[i] = mot_at(&t, i, vx[p]) / bw;
    int nhs, nto;
    gait_events(tm, v, n, c->o.thresh_bw, c->o.min_s, hs, &nhs, to, &nto, 64);
    for (int h = 0; h < nhs; h++) {
      double end = NAN;
      for (int k = 0; k < nto && isnan(end); k++)
        if (to[k] > hs[h]) end = to[k];
      if (isnan(end) || (h + 1 < nhs && end > hs[h + 1])) continue; /* the stance must end on this plate */
      gait_normalise(tm, v, n, hs[h], end, cur, GAIT_NPTS);
      for (int k = 0; k < GAIT_NPTS; k++) sv[k] += cur[k], sv2[k] += cur[k] * cur[k];
      gait_normalise(tm, ap, n, hs[h], end, cur, GAIT_NPTS);
      for (int k = 0; k < GAIT_NPTS; k++) sa[k] += cur[k], sa2[k] += cur[k] * cur[k];
      stance_s += end - hs[h];
      ns++;
    }
  }
  /* place the mean stance at 0..S % of the cycle, S = the rollout's stance (no swing in a plate record) */
  double S = 0.5 * (c->gm.stance_pct[0] + c->gm.stance_pct[1]);
  int from_rollout = isfinite(S) && S > 20 && S < 95;
  if (!from_rollout) S = 60;
  double early = 0;
  for (int k = 0; k <= 20 && ns; k++) early += sa[k];
  for (int k = 0; k < GAIT_NPTS && ns; k++) {
    double u = k / (double)(GAIT_NPTS - 1) * 100 / S, m1, m2;
    if (u > 1) {
      v_mean[k] = ap_mean[k] = v_sd[k] = ap_sd[k] = 0;
      continue;
    }
    m1 = at_stance(sv, u) / ns, m2 = at_stance(sv2, u) / ns;
    v_mean[k] = m1, v_sd[k] = sqrt(fmax(0, m2 - m1 * m1));
    m1 = at_stance(sa, u) / ns, m2 = at_stance(sa2, u) / ns;
    ap_mean[k] = early > 0 ? -m1 : m1, ap_sd[k] = sqrt(fmax(0, m2 - m1 * m1)); /* braking first, negative */
  }
  report_text(&c->rep, "Reference GRF: %s (OpenSim ExternalLoads layout, %d force vectors, %d rows), body weight %.1f N "
                       "(%s); %d complete stances (mean %.3f s). A plate record holds stances, not strides: the mean "
                       "stance is drawn over 0-%.0f %% of the cycle (%s) and the swing as zero.",
              c->o.grf, np, n, bw, c->o.grf_bw > 0 ? "--grf-body-weight" : "mean total vertical force while loaded",
              ns, ns ? stance_s / ns : NAN, S, from_rollout ? "the rollout's stance" : "60 %: the rollout has no stance");
  free(tm), free(v), free(ap);
  mot_free(&t);
  return ns;
}
