/* analysis/gait.c: see gait.h. */
#include "analysis/gait.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "analysis/stats.h"

/* Time at which the line through (t0,f0), (t1,f1) crosses th. */
static double crossing(double t0, double f0, double t1, double f1, double th) {
  return f1 != f0 ? t0 + (th - f0) * (t1 - t0) / (f1 - f0) : t1;
}

int gait_events(const double *t, const double *fz, int n, double thresh, double min_s, double *hs, int *nhs,
                double *to, int *nto, int max) {
  *nhs = *nto = 0;
  if (n < 2) return 0;
  int state = fz[0] > thresh;
  for (int i = 1; i < n; i++) {
    int now = fz[i] > thresh;
    if (now == state) continue;
    /* debounce: the new state must hold for min_s; a record ending before that does not count */
    int ok = 1, j = i + 1;
    for (; j < n && t[j] - t[i] < min_s; j++)
      if ((fz[j] > thresh) != now) {
        ok = 0;
        break;
      }
    if (!ok || (j >= n && min_s > 0)) continue;
    double tc = crossing(t[i - 1], fz[i - 1], t[i], fz[i], thresh);
    if (now && *nhs < max) hs[(*nhs)++] = tc;
    if (!now && *nto < max) to[(*nto)++] = tc;
    state = now;
  }
  return 0;
}

int gait_events_zeni(const double *t, const double *ap, int n, double min_s, double *hs, int *nhs, double *to,
                     int *nto, int max) {
  *nhs = *nto = 0;
  int last_kind = -1; /* 1 HS (max), 0 TO (min) */
  double last_t = -INFINITY, last_v = 0;
  for (int i = 1; i + 1 < n; i++) {
    double a = ap[i - 1], b = ap[i], c = ap[i + 1];
    int kind = b >= a && b > c ? 1 : b <= a && b < c ? 0 : -1;
    if (kind < 0) continue;
    double den = a - 2 * b + c, off = den != 0 ? 0.5 * (a - c) / den : 0; /* vertex of the parabola */
    double te = t[i] + off * (off > 0 ? t[i + 1] - t[i] : t[i] - t[i - 1]);
    if (kind == last_kind) { /* same kind again: keep the more extreme one */
      if ((kind && b > last_v) || (!kind && b < last_v)) {
        if (kind) hs[*nhs - 1] = te;
        else to[*nto - 1] = te;
        last_t = te, last_v = b;
      }
      continue;
    }
    if (te - last_t < min_s) continue;
    if (kind && *nhs < max) hs[(*nhs)++] = te;
    else if (!kind && *nto < max) to[(*nto)++] = te;
    else continue;
    last_kind = kind, last_t = te, last_v = b;
  }
  return 0;
}

int gait_cycles(const double *hs, int nhs, const double *to, int nto, int side, gait_cycle *c, int max) {
  int n = 0;
  for (int i = 0; i + 1 < nhs && n < max; i++) {
    gait_cycle *g = &c[n++];
    g->t0 = hs[i], g->t1 = hs[i + 1], g->side = side, g->to = NAN, g->keep = 1;
    for (int k = 0; k < nto; k++)
      if (to[k] > g->t0 && to[k] < g->t1) {
        g->to = to[k];
        break;
      }
  }
  return n;
}

int gait_drop_outliers(gait_cycle *c, int n) {
  int kept = 0;
  for (int side = 0; side < 2; side++) {
    double d[4096];
    int m = 0;
    for (int i = 0; i < n && m < 4096; i++)
      if (c[i].side == side) d[m++] = c[i].t1 - c[i].t0;
    double mean, sd;
    stats_mean_sd(d, m, &mean, &sd);
    for (int i = 0; i < n; i++) {
      if (c[i].side != side) continue;
      double dur = c[i].t1 - c[i].t0;
      if (isnan(c[i].to) || (m >= 3 && fabs(dur - mean) > 2 * sd)) c[i].keep = 0;
      kept += c[i].keep;
    }
  }
  return kept;
}

void gait_normalise(const double *t, const double *x, int n, double t0, double t1, double *out, int npts) {
  for (int k = 0; k < npts; k++) out[k] = stats_interp(t, x, n, t0 + (t1 - t0) * k / (npts - 1));
}

int gait_curve(const double *t, const double *x, int n, const gait_cycle *c, int nc, int side, double *mean,
               double *sd) {
  double s[GAIT_NPTS] = {0}, q[GAIT_NPTS] = {0}, cur[GAIT_NPTS];
  int m = 0;
  for (int i = 0; i < nc; i++) {
    if (!c[i].keep || (side >= 0 && c[i].side != side)) continue;
    gait_normalise(t, x, n, c[i].t0, c[i].t1, cur, GAIT_NPTS);
    for (int k = 0; k < GAIT_NPTS; k++) s[k] += cur[k], q[k] += cur[k] * cur[k];
    m++;
  }
  for (int k = 0; k < GAIT_NPTS; k++) {
    mean[k] = m ? s[k] / m : NAN;
    double v = m > 1 ? (q[k] - s[k] * s[k] / m) / (m - 1) : 0;
    sd[k] = m ? sqrt(v > 0 ? v : 0) : NAN;
  }
  return m;
}

/* Mean of the kept cycles' values v[i] of one side (NaN entries skipped). */
static double side_mean(const gait_cycle *c, const double *v, int nc, int side) {
  double s = 0;
  int m = 0;
  for (int i = 0; i < nc; i++)
    if (c[i].keep && c[i].side == side && isfinite(v[i])) s += v[i], m++;
  return m ? s / m : NAN;
}

static double at(const gait_input *in, const double *x, double tq) { return stats_interp(in->t, x, in->n, tq); }

/* In stance at time tq: the latest event of the side before tq is a heel strike. */
static int in_stance(const double *hs, int nhs, const double *to, int nto, double tq) {
  double lh = -INFINITY, lt = -INFINITY;
  for (int k = 0; k < nhs && hs[k] <= tq; k++) lh = hs[k];
  for (int k = 0; k < nto && to[k] <= tq; k++) lt = to[k];
  if (lh == -INFINITY && lt == -INFINITY) /* before the first event: in stance if that is a toe off */
    return nto > 0 && (nhs == 0 || to[0] < hs[0]);
  return lh > lt;
}

/* Fraction of [t0, t1) in which both feet are in stance, on the samples. */
static double double_support(const gait_input *in, double *const *hs, const int *nhs, double *const *to,
                             const int *nto, double t0, double t1) {
  int both = 0, all = 0;
  for (int i = 0; i < in->n; i++) {
    if (in->t[i] < t0 || in->t[i] >= t1) continue;
    all++;
    both += in_stance(hs[0], nhs[0], to[0], nto[0], in->t[i]) && in_stance(hs[1], nhs[1], to[1], nto[1], in->t[i]);
  }
  return all ? (double)both / all : NAN;
}

static int all_valid(const gait_input *in, const gait_cycle *y) {
  for (int i = 0; in->valid && i < in->n; i++)
    if (in->t[i] >= y->t0 && in->t[i] <= y->t1 && !in->valid[i]) return 0;
  return 1;
}

void gait_analyse(const gait_input *in, gait_cycle *c, int max, int *nc, gait_metrics *g) {
  enum { MAXEV = 4096 };
  double *hs[2], *to[2];
  int nhs[2], nto[2];
  *nc = 0;
  for (int s = 0; s < 2; s++) {
    hs[s] = xmalloc(MAXEV * sizeof(double)), to[s] = xmalloc(MAXEV * sizeof(double));
    if (in->events == GAIT_EVENTS_KINEMATIC) gait_events_zeni(in->t, in->ap[s], in->n, in->min_s, hs[s], &nhs[s], to[s], &nto[s], MAXEV);
    else gait_events(in->t, in->fz[s], in->n, in->thresh, in->min_s, hs[s], &nhs[s], to[s], &nto[s], MAXEV);
    int k = gait_cycles(hs[s], nhs[s], to[s], nto[s], s, c + *nc, max - *nc), kk = 0;
    for (int i = 0; i < k; i++) /* drop non-strides before the outlier statistics see them */
      if ((in->max_stride_s <= 0 || c[*nc + i].t1 - c[*nc + i].t0 <= in->max_stride_s) && all_valid(in, &c[*nc + i]))
        c[*nc + kk++] = c[*nc + i];
    k = kk;
    g->ncycles[s] = k;
    *nc += k;
  }
  gait_drop_outliers(c, *nc);
  double *v = xmalloc(6 * (size_t)(*nc + 1) * sizeof(double));
  double *dur = v, *len = v + *nc, *stance = v + 2 * *nc, *ds = v + 3 * *nc, *step = v + 4 * *nc,
         *stept = v + 5 * *nc;
  for (int i = 0; i < *nc; i++) {
    const gait_cycle *y = &c[i];
    int s = y->side, o = 1 - s;
    dur[i] = y->t1 - y->t0;
    double dx = at(in, in->foot_x[s], y->t1) - at(in, in->foot_x[s], y->t0);
    double dy = at(in, in->foot_y[s], y->t1) - at(in, in->foot_y[s], y->t0);
    len[i] = hypot(dx, dy);
    stance[i] = 100 * (y->to - y->t0) / dur[i];
    ds[i] = 100 * double_support(in, hs, nhs, to, nto, y->t0, y->t1);
    /* step at this HS: separation from the other foot along the stride's direction of progression */
    double ux = len[i] > 0 ? dx / len[i] : 1, uy = len[i] > 0 ? dy / len[i] : 0;
    double sx = at(in, in->foot_x[s], y->t0) - at(in, in->foot_x[o], y->t0);
    double sy = at(in, in->foot_y[s], y->t0) - at(in, in->foot_y[o], y->t0);
    step[i] = sx * ux + sy * uy;
    stept[i] = NAN; /* time since the other foot's last HS before t0 */
    for (int k = 0; k < nhs[o]; k++)
      if (hs[o][k] < y->t0) stept[i] = y->t0 - hs[o][k];
  }
  double dsum = 0, lsum = 0, dss = 0;
  int nds = 0, nk = 0;
  for (int s = 0; s < 2; s++) {
    g->nkept[s] = 0;
    double d[MAXEV];
    int m = 0;
    for (int i = 0; i < *nc; i++)
      if (c[i].keep && c[i].side == s) {
        g->nkept[s]++;
        if (m < MAXEV) d[m++] = dur[i];
        dsum += dur[i], lsum += len[i], nk++;
        if (isfinite(ds[i])) dss += ds[i], nds++;
      }
    stats_mean_sd(d, m, &g->stride_time[s], &g->stride_time_sd[s]);
    if (!m) g->stride_time[s] = NAN;
    g->stride_len[s] = side_mean(c, len, *nc, s);
    g->stance_pct[s] = side_mean(c, stance, *nc, s);
    g->swing_pct[s] = 100 - g->stance_pct[s];
    g->step_len[s] = side_mean(c, step, *nc, s);
    g->step_time[s] = side_mean(c, stept, *nc, s);
  }
  g->double_support_pct = nds ? dss / nds : NAN;
  g->speed = nk && dsum > 0 ? lsum / dsum : NAN;
  g->cadence = nk ? 120.0 / (dsum / nk) : NAN;
  g->si_step_len = stats_symmetry_index(g->step_len[0], g->step_len[1]);
  double st_r = g->stance_pct[0] * g->stride_time[0] / 100, st_l = g->stance_pct[1] * g->stride_time[1] / 100;
  g->si_stance_time = stats_symmetry_index(st_r, st_l);
  free(v);
  for (int s = 0; s < 2; s++) free(hs[s]), free(to[s]);
}

int gait_plausible(const gait_cycle *c, int nc, const gait_metrics *g, char *why, size_t cap) {
  size_t n = 0;
  why[0] = 0;
#define WHY(...) (n += (size_t)snprintf(why + n, n < cap ? cap - n : 0, __VA_ARGS__), n = n < cap ? n : cap)
  int kept = 0, shortc = 0, longc = 0, alone = 0;
  for (int i = 0; i < nc; i++) {
    if (!c[i].keep) continue;
    kept++;
    double d = c[i].t1 - c[i].t0;
    shortc += d < GAIT_MIN_STRIDE_S, longc += d > GAIT_MAX_STRIDE_S;
    int other = 0; /* a heel strike of the other foot inside this cycle */
    for (int k = 0; k < nc && !other; k++)
      other = c[k].side != c[i].side && c[k].t0 > c[i].t0 && c[k].t0 < c[i].t1;
    for (int k = 0; k < nc && !other; k++) /* the other foot's last cycle ends in this one */
      other = c[k].side != c[i].side && c[k].t1 > c[i].t0 && c[k].t1 < c[i].t1;
    alone += !other;
  }
  if (!kept) WHY("no complete stride (heel strike to heel strike of the same foot); ");
  if (shortc) WHY("%d of %d strides shorter than %.1f s; ", shortc, kept, GAIT_MIN_STRIDE_S);
  if (longc) WHY("%d of %d strides longer than %.1f s; ", longc, kept, GAIT_MAX_STRIDE_S);
  if (kept && alone) WHY("the feet do not alternate (%d of %d strides hold no heel strike of the other foot); ", alone, kept);
  for (int s = 0; s < 2; s++) {
    if (!g->nkept[s]) continue;
    if (!(g->stride_len[s] >= GAIT_MIN_STRIDE_M))
      WHY("%s stride length %.3g m (below %.1f m); ", s ? "left" : "right", g->stride_len[s], GAIT_MIN_STRIDE_M);
    if (!(g->step_len[s] > 0)) WHY("%s step length %.3g m (not positive); ", s ? "left" : "right", g->step_len[s]);
  }
#undef WHY
  if (n >= 2 && why[n - 2] == ';') why[n - 2] = 0;
  return why[0] == 0;
}
