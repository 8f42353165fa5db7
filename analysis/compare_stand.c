/* analysis/compare_stand.c: what a clinician measures in quiet standing, per eval folder of
 * `drl2move compare` (compare.h): time standing, weight bearing on each leg and muscle excitation per
 * side, and their course over time (compare_stand.csv and its picture). Works on any rollout; a gait
 * needs none of it and a stand rollout has no gait cycles, so these are kept apart from the gait
 * metrics.
 *
 * Weight bearing: each leg's share of the summed vertical ground reaction force, in %, averaged over the
 * frames where the feet carry load: the two-scale measure of standing asymmetry after stroke (e.g.
 * Adegoke, Olaniyi & Akosile 2012, Glob J Health Sci 4(2):87: 53 stroke survivors bore 60.3% (SD 7.1%)
 * of their body weight on the non-paretic leg). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze_int.h"
#include "common/log.h"

/* Muscle groups of a side, by name without _r/_l: the ankle plantarflexors, the dorsiflexor, the knee
 * extensors and the hip abductors (the groups weakness and spasticity after stroke are described by). */
static const char *const grp_pf[] = {"soleus", "gasmed", "gaslat", NULL};
static const char *const grp_ta[] = {"tibant", NULL};
static const char *const grp_ke[] = {"vasint", "vaslat", "vasmed", "recfem", NULL};
static const char *const grp_ab[] = {"glmed1", "glmed2", "glmed3", NULL};
static const char *const *const grp[CMP_STAND_NGRP] = {grp_pf, grp_ta, grp_ke, grp_ab};

/* Mean over frames of the mean excitation of the muscles whose names (exc_NAME_r|l) are in `names`
 * (NULL: every exc_*_r|l column); NaN without such columns. sum[n] receives the per-frame mean when
 * non-NULL. */
static double side_exc(const an_ctx *c, int side, const char *const *names, double *per_frame) {
  const char suf[3] = {'_', side ? 'l' : 'r', 0};
  int cols = 0;
  double *acc = xcalloc((size_t)c->n, sizeof *acc);
  for (int j = 0; j < c->tab.ncols; j++) {
    const char *h = c->tab.names[j];
    size_t L = strlen(h);
    if (strncmp(h, "exc_", 4) || L < 7 || strcmp(h + L - 2, suf)) continue;
    int take = !names;
    for (int k = 0; names && names[k] && !take; k++)
      take = L - 6 == strlen(names[k]) && !strncmp(h + 4, names[k], L - 6);
    if (!take) continue;
    double *x = an_col(c, h);
    for (int i = 0; i < c->n; i++) acc[i] += x[i];
    free(x);
    cols++;
  }
  double m = 0;
  for (int i = 0; i < c->n; i++) {
    acc[i] = cols ? acc[i] / cols : NAN;
    m += acc[i];
    if (per_frame) per_frame[i] = acc[i];
  }
  free(acc);
  return cols && c->n ? m / c->n : NAN;
}

/* The control period from the first episode of two frames or more: its time span over its frames - 1
 * (eval writes times rounded to 10 us, so one frame's difference would be off by up to 3e-4). */
static double frame_dt(const an_ctx *c, const double *ep, const double *tm) {
  for (int i = 0, j; i < c->n; i = j) {
    for (j = i + 1; j < c->n && ep[j] == ep[i]; j++) {}
    if (j - i > 1 && tm[j - 1] > tm[i]) return (tm[j - 1] - tm[i]) / (j - 1 - i);
  }
  return NAN;
}

void cmp_stand_metrics(const an_ctx *c, cmp_stand *s) {
  memset(s, 0, sizeof *s);
  double *ep = an_col(c, "episode"), *tm = an_col(c, "time"), *fr = an_col(c, "grf_r_v"), *fl = an_col(c, "grf_l_v");
  s->stand_s = s->load[0] = s->load[1] = NAN;
  double dt = ep && tm ? frame_dt(c, ep, tm) : NAN;
  if (ep && tm && c->n > 0 && isfinite(dt)) { /* time standing: each episode's frames x the control period */
    int neps = 0;
    for (int i = 0; i < c->n; i++) neps += i + 1 == c->n || ep[i + 1] != ep[i];
    s->stand_s = c->n * dt / neps, s->episodes = neps;
  }
  if (fr && fl) {
    double a[2] = {0, 0};
    long k = 0;
    for (int i = 0; i < c->n; i++) {
      double tot = fr[i] + fl[i];
      if (!(tot > 0)) continue; /* no foot on the ground: no share to speak of */
      a[0] += 100 * fr[i] / tot, a[1] += 100 * fl[i] / tot, k++;
    }
    if (k) s->load[0] = a[0] / k, s->load[1] = a[1] / k;
  }
  for (int side = 0; side < 2; side++) {
    s->exc_all[side] = side_exc(c, side, NULL, NULL);
    for (int g = 0; g < CMP_STAND_NGRP; g++) s->exc_grp[g][side] = side_exc(c, side, grp[g], NULL);
  }
  free(ep), free(tm), free(fr), free(fl);
}

/* Per folder: for each control step, the mean over the episodes still standing then of the right and
 * left load share and mean excitation. cols[4] get nsteps values each; returns nsteps. */
static int stand_course(const an_ctx *c, double **cols, double *dt) {
  double *ep = an_col(c, "episode"), *st = an_col(c, "step"), *tm = an_col(c, "time");
  double *fr = an_col(c, "grf_r_v"), *fl = an_col(c, "grf_l_v");
  double *er = xcalloc((size_t)c->n + 1, sizeof *er), *el = xcalloc((size_t)c->n + 1, sizeof *el);
  int ns = 0;
  *dt = NAN;
  if (ep && st && tm && fr && fl) {
    side_exc(c, 0, NULL, er), side_exc(c, 1, NULL, el);
    for (int i = 0; i < c->n; i++) ns = st[i] + 1 > ns ? (int)st[i] + 1 : ns;
    *dt = frame_dt(c, ep, tm);
    double *n = xcalloc((size_t)ns + 1, sizeof *n), *nl = xcalloc((size_t)ns + 1, sizeof *nl);
    for (int k = 0; k < 4; k++) cols[k] = xcalloc((size_t)ns + 1, sizeof(double));
    for (int i = 0; i < c->n; i++) {
      int k = (int)st[i];
      double tot = fr[i] + fl[i];
      if (k < 0 || k >= ns) continue;
      n[k]++, cols[2][k] += er[i], cols[3][k] += el[i];
      if (tot > 0) nl[k]++, cols[0][k] += 100 * fr[i] / tot, cols[1][k] += 100 * fl[i] / tot;
    }
    for (int k = 0; k < ns; k++) {
      cols[0][k] = nl[k] ? cols[0][k] / nl[k] : NAN, cols[1][k] = nl[k] ? cols[1][k] / nl[k] : NAN;
      cols[2][k] = n[k] ? cols[2][k] / n[k] : NAN, cols[3][k] = n[k] ? cols[3][k] / n[k] : NAN;
    }
    free(n), free(nl);
  }
  free(ep), free(st), free(tm), free(fr), free(fl), free(er), free(el);
  return ns;
}

void cmp_stand_course(const char *out, int nd, an_ctx *const *C, const char (*labels)[32], const char *const *colours,
                      report *rep) {
  double *cols[CMP_MAX_STAND_DIRS][4] = {{0}}, dt = NAN;
  int ns[CMP_MAX_STAND_DIRS], nmax = 0;
  for (int k = 0; k < nd; k++) {
    double d;
    ns[k] = stand_course(C[k], cols[k], &d);
    nmax = ns[k] > nmax ? ns[k] : nmax;
    if (!isfinite(dt)) dt = d;
  }
  char path[4400];
  snprintf(path, sizeof path, "%s/compare_stand.csv", out);
  FILE *f = nmax && isfinite(dt) ? fopen(path, "w") : NULL;
  if (!f) {
    report_text(rep, "Standing over time: nothing to draw (no folder has steps with ground reaction forces).");
    for (int k = 0; k < nd; k++)
      for (int j = 0; j < 4; j++) free(cols[k][j]);
    return;
  }
  fprintf(f, "time_s");
  static const char *what[4] = {"load_r", "load_l", "exc_r", "exc_l"};
  for (int k = 0; k < nd; k++)
    for (int j = 0; j < 4; j++) fprintf(f, ",%s_%s", labels[k], what[j]);
  fputc('\n', f);
  for (int s = 0; s < nmax; s++) {
    fprintf(f, "%.6g", s * dt); /* eval's time: 0 at an episode's first frame */
    for (int k = 0; k < nd; k++)
      for (int j = 0; j < 4; j++) {
        double v = s < ns[k] ? cols[k][j][s] : NAN;
        if (isfinite(v)) fprintf(f, ",%.6g", v);
        else fputs(",nan", f); /* the report's gnuplot preamble reads 'nan' as missing */
      }
    fputc('\n', f);
  }
  fclose(f);
  /* frames without excitation columns (a hand-made or trimmed frames.csv): the load panel alone, since
   * gnuplot refuses a panel with no valid point */
  int have_exc = 0;
  for (int k = 0; k < nd && !have_exc; k++)
    for (int s = 0; s < ns[k] && !have_exc; s++) have_exc = isfinite(cols[k][2][s]) || isfinite(cols[k][3][s]);
  char body[8192];
  int b = snprintf(body, sizeof body, "  set termoption noenhanced\n  set multiplot layout 1,%d\n"
                                      "  set grid\n  set xlabel 'time (s)'\n  set key below font ',8'\n", have_exc ? 2 : 1);
  for (int panel = 0; panel < 1 + have_exc; panel++) {
    b += snprintf(body + b, sizeof body - (size_t)b, "  set title '%s'\n  set ylabel '%s'\n",
                  panel ? "mean excitation per side (40 muscles)" : "weight bearing",
                  panel ? "excitation" : "% of the vertical ground reaction force");
    int first = 1;
    for (int k = 0; k < nd; k++)
      for (int s = 0; s < 2; s++) {
        if (!ns[k]) continue;
        b += snprintf(body + b, sizeof body - (size_t)b, "%s'compare_stand.csv' using 1:%d with lines lw 2 dt %d lc rgb '%s' title '%s %s'",
                      first ? "  plot " : ", ", 2 + 4 * k + 2 * panel + s, s ? 2 : 1, colours[k], labels[k], s ? "left" : "right");
        first = 0;
      }
    b += snprintf(body + b, sizeof body - (size_t)b, "\n");
  }
  report_plot(rep, "compare_stand", 1000, 420 + 20 * ((nd + 1) / 2),
              "Standing: each leg's share of the vertical ground reaction force and each side's mean excitation over "
              "time, means over the episodes still standing at that time; one colour per folder, right solid, left dashed",
              body);
  for (int k = 0; k < nd; k++)
    for (int j = 0; j < 4; j++) free(cols[k][j]);
}
