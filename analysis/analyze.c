/* analysis/analyze.c: `drl2move analyze DIR`: gait events, spatio-temporal metrics, kinematics and GRF
 * per gait cycle against references, training curves, and the report (see analyze.h, report.h). */
#include "analysis/analyze_int.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/ckpt.h"
#include "common/files.h"
#include "common/log.h"
#include "envs/motion/mot.h"

double *an_col(const an_ctx *c, const char *name) {
  int j = stats_table_col(&c->tab, name);
  if (j < 0) return NULL;
  double *x = xmalloc((size_t)c->n * sizeof(double));
  stats_table_column(&c->tab, j, x);
  return x;
}

int an_any_finite(double *const *cols, int ncols) {
  for (int j = 0; j < ncols; j++)
    for (int k = 0; cols[j] && k < GAIT_NPTS; k++)
      if (isfinite(cols[j][k])) return 1;
  return 0;
}

int an_write_curves(const an_ctx *c, const char *name, const char *header, double *const *cols, int ncols) {
  char p[4400];
  snprintf(p, sizeof p, "%s/%s.csv", c->o.out, name);
  FILE *f = fopen(p, "w");
  if (!f) return -1;
  fprintf(f, "pct,%s\n", header);
  for (int k = 0; k < GAIT_NPTS; k++) {
    fprintf(f, "%d", k);
    for (int j = 0; j < ncols; j++) fprintf(f, ",%.6g", cols[j] ? cols[j][k] : NAN);
    fputc('\n', f);
  }
  return fclose(f);
}


static int file_exists(const char *p) {
  struct stat st;
  return !stat(p, &st) && S_ISREG(st.st_mode);
}

/* DIR/frames.csv or DIR/eval/frames.csv; DIR/progress.csv or DIR/../progress.csv. */
static void find_inputs(an_ctx *c) {
  const char *d = c->o.in;
  snprintf(c->frames, sizeof c->frames, "%s/frames.csv", d);
  if (!file_exists(c->frames)) snprintf(c->frames, sizeof c->frames, "%s/eval/frames.csv", d);
  if (!file_exists(c->frames)) c->frames[0] = 0;
  snprintf(c->progress, sizeof c->progress, "%s/progress.csv", d);
  if (!file_exists(c->progress)) snprintf(c->progress, sizeof c->progress, "%s/../progress.csv", d);
  if (!file_exists(c->progress)) c->progress[0] = 0;
}

/* Eval's summary.json and video.mp4 beside frames.csv. The video is linked relative to the report
 * when the report is in the default place (so the folder can be moved), else by absolute path. */
static void an_eval_outputs(an_ctx *c, int default_out) {
  char dir[4200], p[4300], rel[4400];
  snprintf(dir, sizeof dir, "%s", c->frames);
  *strrchr(dir, '/') = 0;
  snprintf(p, sizeof p, "%s/summary.json", dir);
  report_heading(&c->rep, "Rollout");
  report_file(&c->rep, p, "Task metrics of the evaluated episodes (summary.json of drl2move eval):");
  snprintf(p, sizeof p, "%s/video.mp4", dir);
  if (!file_exists(p)) return;
  const char *sub = strlen(dir) > strlen(c->o.in) ? dir + strlen(c->o.in) + 1 : "";
  if (default_out) snprintf(rel, sizeof rel, "../%s%svideo.mp4", sub, *sub ? "/" : "");
  else if (!realpath(p, rel)) snprintf(rel, sizeof rel, "%s", p);
  report_video(&c->rep, rel, "Rollout video (tracking camera; the reference as a translucent green ghost where the task "
                             "has one)");
}

/* The rehabilitation loop's recovery curve: rehab.csv next to progress.csv (a run with rehab.enabled),
 * one row per phase with the paretic side's mean use, strength and spasticity gain. */
static void an_recovery(an_ctx *c) {
  char src[4300], dst[4200];
  snprintf(src, sizeof src, "%s", c->progress);
  char *sl = strrchr(src, '/');
  snprintf(sl ? sl + 1 : src, sizeof src - (size_t)(sl ? sl + 1 - src : 0), "rehab.csv");
  if (!file_exists(src)) return;
  snprintf(dst, sizeof dst, "%s/rehab.csv", c->o.out);
  uint8_t *buf;
  size_t n;
  d2m_err err;
  int rc = file_slurp(src, (size_t)1 << 30, &buf, &n, &err);
  if (!rc) rc = file_write_atomic(dst, buf, n, &err), free(buf);
  if (rc) {
    LOG_W("analyze: recovery curve left out: %s", err.msg);
    return;
  }
  report_plot(&c->rep, "recovery", 1200, 420, "Rehabilitation loop (rehab.csv): the paretic side's mean strength factor "
                                               "and stretch-reflex gain after each phase, and its mean muscle use (mean "
                                               "excitation) during the phase",
              "  set multiplot layout 1,2\n  set grid\n  set xlabel 'environment steps'\n"
              "  set key right center\n  set ylabel 'strength factor, use'\n"
              "  plot 'rehab.csv' using 'env_steps':'strength_mean' with linespoints lw 2 title 'strength (paretic mean)', "
              "'' using 'env_steps':'use_mean' with linespoints title 'use (mean excitation)'\n"
              "  set ylabel 'stretch-reflex gain'\n"
              "  plot 'rehab.csv' using 'env_steps':'spas_gain_mean' with linespoints lw 2 title 'spasticity gain (paretic mean)'");
}

static void an_learning(an_ctx *c) {
  if (!c->progress[0]) return;
  report_heading(&c->rep, "Training");
  char dst[4200];
  snprintf(dst, sizeof dst, "%s/learning.csv", c->o.out);
  uint8_t *buf;
  size_t n;
  d2m_err err;
  int rc = file_slurp(c->progress, (size_t)1 << 30, &buf, &n, &err);
  if (!rc) rc = file_write_atomic(dst, buf, n, &err), free(buf);
  if (rc) {
    LOG_W("analyze: learning curves left out: %s", err.msg);
    return;
  }
  report_plot(&c->rep, "learning", 1200, 700, "Learning curves from progress.csv (mean episode return and length, "
                                               "PPO diagnostics, throughput) against environment steps",
              "  set multiplot layout 2,2\n  set grid\n  set xlabel 'environment steps'\n  set key top left\n"
              "  set ylabel 'episode return'\n"
              "  plot 'learning.csv' using 'env_steps':'ep_return_mean' with lines lw 2 title 'mean', "
              "'' using 'env_steps':'ep_return_min' with lines lc rgb '#aaaaaa' title 'min', "
              "'' using 'env_steps':'ep_return_max' with lines lc rgb '#aaaaaa' dt 2 title 'max'\n"
              "  set ylabel 'episode length (control steps)'\n"
              "  plot 'learning.csv' using 'env_steps':'ep_len_mean' with lines lw 2 title 'mean'\n"
              "  set ylabel 'PPO'\n"
              "  plot 'learning.csv' using 'env_steps':'approx_kl' with lines title 'approx KL', "
              "'' using 'env_steps':'clipfrac' with lines title 'clip fraction', "
              "'' using 'env_steps':'explained_var' with lines title 'explained variance'\n"
              "  set ylabel 'env steps / s'\n  plot 'learning.csv' using 'env_steps':'sps' with lines title 'total'");
  an_recovery(c);
}

/* Load frames.csv and lay the episodes end to end in time (10 s apart: gait_input.max_stride_s
 * keeps cycles from spanning the gap). */
int an_load(an_ctx *c, d2m_err *err) {
  if (stats_table_read(c->frames, &c->tab, err)) return -1;
  c->n = c->tab.nrows;
  double *ep = an_col(c, "episode"), *tm = an_col(c, "time");
  if (!ep || !tm) {
    free(ep), free(tm);
    return err_set(err, "%s: no 'episode' or 'time' column (not written by drl2move eval?)", c->frames);
  }
  c->t = xmalloc((size_t)(c->n + 1) * sizeof(double));
  double base = 0, last = 0;
  for (int i = 0; i < c->n; i++) {
    if (i && ep[i] != ep[i - 1]) base = last + 10;
    c->t[i] = base + tm[i];
    last = c->t[i];
  }
  free(ep), free(tm);
  return 0;
}

/* Foot AP position relative to the root along each episode's direction of progression (first to
 * last root position of the episode), for kinematic events. */
static void foot_ap(const an_ctx *c, double *const *fx, double *const *fy, double **ap) {
  double *ep = an_col(c, "episode"), *rx = an_col(c, "root_x"), *ry = an_col(c, "root_y");
  for (int s = 0; s < 2; s++) ap[s] = xmalloc((size_t)c->n * sizeof(double));
  for (int a = 0, b; ep && rx && ry && fx[0] && fx[1] && fy[0] && fy[1] && a < c->n; a = b) {
    for (b = a; b < c->n && ep[b] == ep[a]; b++) {}
    double ux = rx[b - 1] - rx[a], uy = ry[b - 1] - ry[a], L = hypot(ux, uy);
    ux = L > 0 ? ux / L : 1, uy = L > 0 ? uy / L : 0;
    for (int i = a; i < b; i++)
      for (int s = 0; s < 2; s++) ap[s][i] = (fx[s][i] - rx[i]) * ux + (fy[s][i] - ry[i]) * uy;
  }
  free(ep), free(rx), free(ry);
}

int an_gait_compute(an_ctx *c, char *why, size_t cap) {
  double *fz[2] = {an_col(c, "grf_r_v"), an_col(c, "grf_l_v")};
  double *fx[2] = {an_col(c, "foot_r_x"), an_col(c, "foot_l_x")}, *fy[2] = {an_col(c, "foot_r_y"), an_col(c, "foot_l_y")};
  double *ap[2];
  foot_ap(c, fx, fy, ap);
  gait_input in = {.n = c->n, .t = c->t, .thresh = c->o.thresh_bw, .min_s = c->o.min_s, .max_stride_s = 3.0,
                   .events = c->o.events};
  for (int s = 0; s < 2; s++) in.fz[s] = fz[s], in.foot_x[s] = fx[s], in.foot_y[s] = fy[s], in.ap[s] = ap[s];
  /* Walking means the pelvis up: samples below 70 % of the highest pelvis of the record (eval writes the
   * reset pose, standing or the reference's) do not belong to strides (the env's fall rule, 0.7). */
  double *rz = an_col(c, "root_z"), zmax = -INFINITY;
  unsigned char *valid = xcalloc((size_t)c->n + 1, 1);
  for (int i = 0; rz && i < c->n; i++) zmax = fmax(zmax, rz[i]);
  for (int i = 0; i < c->n; i++) valid[i] = !rz || rz[i] >= 0.7 * zmax;
  in.valid = valid;
  gait_analyse(&in, c->cyc, AN_MAXCYC, &c->nc, &c->gm);
  int ok = gait_plausible(c->cyc, c->nc, &c->gm, why, cap);
  if (!ok) {
    /* no metric of something that is not gait: keep no cycle for the per-cycle sections */
    for (int i = 0; i < c->nc; i++) c->cyc[i].keep = 0;
    c->gm.nkept[0] = c->gm.nkept[1] = 0;
  }
  for (int s = 0; s < 2; s++) free(fz[s]), free(fx[s]), free(fy[s]), free(ap[s]);
  free(rz), free(valid);
  return ok;
}

static void an_gait(an_ctx *c) {
  gait_metrics *g = &c->gm;
  report_heading(&c->rep, "Gait events and spatio-temporal metrics");
  if (c->o.events == GAIT_EVENTS_KINEMATIC)
    report_text(&c->rep, "Events from kinematics (Zeni, Richards & Higginson 2008): heel strike where the foot (calcn) is "
                         "farthest ahead of the pelvis along the direction of progression, toe off where it is farthest "
                         "behind; events alternate and are at least %.0f ms apart.", 1000 * c->o.min_s);
  else
    report_text(&c->rep, "Events: vertical GRF of each foot crossing %.3g body weights (heel strike rising, toe off "
                         "falling; a new contact state must last %.0f ms).", c->o.thresh_bw, 1000 * c->o.min_s);
  report_text(&c->rep, "Cycles run from heel strike to the next heel strike of the same foot; cycles longer than 3 s, cycles "
                       "in which the pelvis drops below 70 %% of its highest position, and those outside mean +- 2 SD "
                       "of duration are dropped. Double support: both feet between their heel "
                       "strike and toe off. Symmetry index SI = 100 (R - L) / (0.5 (R + L)) (Robinson et al. 1987).");
  char p[4400], why[512];
  int ok = an_gait_compute(c, why, sizeof why);
  snprintf(p, sizeof p, "%s/metrics.csv", c->o.out);
  FILE *f = fopen(p, "w");
  if (!ok) {
    report_text(&c->rep, "No gait: %s. No spatio-temporal metric is reported, and the per-cycle sections below are "
                         "empty. Plausible strides last %.1f-%.1f s, travel at least %.1f m, have a positive step length "
                         "and alternate between the feet.", why, GAIT_MIN_STRIDE_S, GAIT_MAX_STRIDE_S, GAIT_MIN_STRIDE_M);
    if (f) fprintf(f, "metric,right,left,unit\nno gait,,,\"%s\"\n", why), fclose(f);
    return;
  }
  report_table(&c->rep, "metric|right|left|unit");
  struct {
    const char *name, *unit;
    double r, l;
    int both; /* one value for both feet (left column "-") */
  } rows[] = {{"cycles found", "", g->ncycles[0], g->ncycles[1], 0},
              {"cycles kept", "", g->nkept[0], g->nkept[1], 0},
              {"stride time", "s", g->stride_time[0], g->stride_time[1], 0},
              {"stride time SD", "s", g->stride_time_sd[0], g->stride_time_sd[1], 0},
              {"stride length", "m", g->stride_len[0], g->stride_len[1], 0},
              {"step length", "m", g->step_len[0], g->step_len[1], 0},
              {"step time", "s", g->step_time[0], g->step_time[1], 0},
              {"stance", "% cycle", g->stance_pct[0], g->stance_pct[1], 0},
              {"swing", "% cycle", g->swing_pct[0], g->swing_pct[1], 0},
              {"speed", "m/s", g->speed, NAN, 1},
              {"cadence", "steps/min", g->cadence, NAN, 1},
              {"double support", "% cycle", g->double_support_pct, NAN, 1},
              {"SI step length", "%", g->si_step_len, NAN, 1},
              {"SI stance time", "%", g->si_stance_time, NAN, 1}};
  if (f) fprintf(f, "metric,right,left,unit\n");
  for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
    char cell[2][96];
    for (int s = 0; s < 2; s++) {
      double v = s ? rows[i].l : rows[i].r;
      const char *reason = !g->nkept[s] && !rows[i].both ? "no kept cycle on this side"
                           : !strncmp(rows[i].name, "SI", 2) ? "needs kept cycles on both sides"
                           : strstr(rows[i].name, "SD") ? "fewer than 2 kept cycles"
                                                        : "no such event in the kept cycles";
      if (s && rows[i].both) snprintf(cell[s], sizeof cell[s], "-");
      else if (isfinite(v)) snprintf(cell[s], sizeof cell[s], "%.4g", v);
      else snprintf(cell[s], sizeof cell[s], "nan (%s)", reason);
    }
    if (f) fprintf(f, "%s,%.6g,%.6g,%s\n", rows[i].name, rows[i].r, rows[i].l, rows[i].unit);
    report_row(&c->rep, "%s|%s|%s|%s", rows[i].name, cell[0], cell[1], rows[i].unit);
  }
  if (f) fclose(f);
  report_table_end(&c->rep);
}

/* Reference curves for the three sagittal joints from a .mot table taken as one cycle starting at
 * the right heel strike; the left side is shifted by half a cycle to align with left heel strikes. */
static int mot_ref(const an_ctx *c, const char *joint, int side, double *out) {
  mot_table t;
  d2m_err err;
  if (mot_read(c->o.ref_mot, &t, &err)) return LOG_W("analyze: %s", err.msg), -1;
  char name[64];
  snprintf(name, sizeof name, "%s_%c", joint, side ? 'l' : 'r');
  int j = mot_col(&t, name);
  if (j < 0 || t.nrows < 2) return mot_free(&t), -1;
  double *x = xmalloc((size_t)t.nrows * sizeof(double)), neg = 0;
  for (int i = 0; i < t.nrows; i++) x[i] = mot_at(&t, i, j), neg += x[i] < 0;
  if (t.in_degrees == 0)
    for (int i = 0; i < t.nrows; i++) x[i] *= 180 / M_PI;
  /* gait2354/2392 count knee flexion negative; MyoLegs positive (as refmotion.h does) */
  if (!strcmp(joint, "knee_angle") && neg > 0.8 * t.nrows)
    for (int i = 0; i < t.nrows; i++) x[i] = -x[i];
  double tmp[GAIT_NPTS];
  stats_resample(x, t.nrows, tmp, GAIT_NPTS);
  for (int k = 0; k < GAIT_NPTS; k++) out[k] = side ? tmp[(k + 50) % 100] : tmp[k];
  free(x);
  mot_free(&t);
  return 0;
}

/* kinematics.csv: pct, then per joint (hip, knee, ankle) r_mean r_sd r_ref l_mean l_sd l_ref. */
static void an_kinematics(an_ctx *c) {
  static const char *joints[3] = {"hip_flexion", "knee_angle", "ankle_angle"};
  report_heading(&c->rep, "Joint angles per gait cycle");
  report_table(&c->rep, "joint|side|cycles|reference|RMSE (deg)|Pearson r");
  double *cols[18];
  char header[2048] = "";
  int ho = 0;
  for (int jn = 0; jn < 3; jn++)
    for (int s = 0; s < 2; s++) {
      double **cc = cols + 6 * jn + 3 * s, sd[GAIT_NPTS];
      for (int k = 0; k < 3; k++) cc[k] = xmalloc(GAIT_NPTS * sizeof(double));
      char name[64];
      char sc = s ? 'l' : 'r';
      ho += snprintf(header + ho, sizeof header - (size_t)ho, "%s%s_%c_mean,%s_%c_sd,%s_%c_ref", ho ? "," : "",
                     joints[jn], sc, joints[jn], sc, joints[jn], sc);
      snprintf(name, sizeof name, "q_%s_%c", joints[jn], sc);
      double *x = an_col(c, name);
      snprintf(name, sizeof name, "ref_%s_%c", joints[jn], sc);
      double *rx = an_col(c, name);
      int m = x ? gait_curve(c->t, x, c->n, c->cyc, c->nc, s, cc[0], cc[1]) : 0;
      /* an explicit --ref wins over the task's own reference (imitate's ref_* columns) */
      const char *refname = c->o.ref_mot ? c->o.ref_mot : "task reference";
      int have_ref = c->o.ref_mot ? !mot_ref(c, joints[jn], s, cc[2])
                                  : rx && gait_curve(c->t, rx, c->n, c->cyc, c->nc, s, cc[2], sd) > 0;
      if (!have_ref)
        for (int k = 0; k < GAIT_NPTS; k++) cc[2][k] = NAN;
      if (m)
        report_row(&c->rep, "%s|%s|%d|%s|%.3g|%.3f", joints[jn], s ? "left" : "right", m, have_ref ? refname : "none",
                   have_ref ? stats_rmse(cc[0], cc[2], GAIT_NPTS) : NAN,
                   have_ref ? stats_pearson(cc[0], cc[2], GAIT_NPTS) : NAN);
      free(x), free(rx);
    }
  report_table_end(&c->rep);
  an_write_curves(c, "kinematics", header, cols, 18);
  int any = an_any_finite(cols, 18);
  for (int k = 0; k < 18; k++) free(cols[k]);
  if (!any) {
    report_text(&c->rep, "Nothing to plot: no gait cycle and no reference (kinematics.csv holds NaN).");
    return;
  }
  char body[8192];
  int o = snprintf(body, sizeof body, "  set multiplot layout 1,3\n  set grid\n  set xlabel 'gait cycle (%%)'\n  set xrange [0:100]\n"
                                      "  set ylabel 'deg'\n  set key top left font ',8'\n");
  for (int jn = 0; jn < 3; jn++) {
    int b = 2 + 6 * jn; /* gnuplot column of this joint's r_mean */
    o += snprintf(body + o, sizeof body - (size_t)o,
                  "  set title '%s' noenhanced\n"
                  "  plot 'kinematics.csv' using 1:($%d-$%d):($%d+$%d) with filledcurves fs transparent solid 0.25 "
                  "noborder lc rgb '#1f77b4' title 'right +-SD', '' using 1:%d with lines lw 2 lc rgb '#1f77b4' title "
                  "'right', '' using 1:($%d-$%d):($%d+$%d) with filledcurves fs transparent solid 0.25 noborder lc rgb "
                  "'#d62728' title 'left +-SD', '' using 1:%d with lines lw 2 lc rgb '#d62728' title 'left', "
                  "'' using 1:%d with lines dt 2 lw 2 lc rgb 'black' title 'reference R', "
                  "'' using 1:%d with lines dt 3 lw 1 lc rgb '#555555' title 'reference L'\n",
                  joints[jn], b, b + 1, b, b + 1, b, b + 3, b + 4, b + 3, b + 4, b + 3, b + 2, b + 5);
  }
  report_plot(&c->rep, "kinematics", 1500, 450,
              "Hip flexion, knee and ankle angles (deg) over the gait cycle (0-100 % from heel strike of each side): "
              "mean +- SD over the kept cycles, and the reference (dashed)", body);
}

/* Reference GRF from a two-belt treadmill file in the Fukuchi et al. 2018 layout (columns Fx1 Fy1 Fz1
 * ... Fx2 Fy2 ...; N; y vertical; one row per sample at --grf-rate Hz). Body weight = mean total
 * vertical force over the trial (steady walking: the vertical impulse balances gravity). The AP axis
 * sign is chosen so that the first 20 % of the cycle (braking) is negative, as in the model's heading
 * frame. Both belts' cycles are pooled into one curve. Returns cycles used (0: none). */
static int grf_ref(an_ctx *c, double *v_mean, double *v_sd, double *ap_mean, double *ap_sd) {
  stats_table t;
  d2m_err err;
  if (stats_table_read(c->o.grf, &t, &err)) return LOG_W("analyze: %s", err.msg), 0;
  int jv[2] = {stats_table_col(&t, "Fy1"), stats_table_col(&t, "Fy2")};
  int ja[2] = {stats_table_col(&t, "Fx1"), stats_table_col(&t, "Fx2")};
  if (jv[0] < 0 || jv[1] < 0 || ja[0] < 0 || ja[1] < 0) {
    LOG_W("analyze: %s: expected columns Fx1 Fy1 Fx2 Fy2 (Fukuchi 2018 treadmill layout)", c->o.grf);
    return stats_table_free(&t), 0;
  }
  int n = t.nrows;
  double *tm = xmalloc((size_t)n * sizeof(double)), *zero = xcalloc((size_t)n, sizeof(double)), bw = 0;
  double *v[2], *ap[2];
  for (int s = 0; s < 2; s++) v[s] = xmalloc((size_t)n * sizeof(double)), ap[s] = xmalloc((size_t)n * sizeof(double));
  for (int i = 0; i < n; i++) {
    tm[i] = i / c->o.grf_rate;
    for (int s = 0; s < 2; s++) v[s][i] = t.data[(size_t)i * t.ncols + jv[s]], ap[s][i] = t.data[(size_t)i * t.ncols + ja[s]];
    bw += (v[0][i] + v[1][i]) / n;
  }
  for (int s = 0; s < 2; s++)
    for (int i = 0; i < n; i++) v[s][i] /= bw, ap[s][i] /= bw;
  gait_input in = {.n = n, .t = tm, .thresh = c->o.thresh_bw, .min_s = c->o.min_s, .max_stride_s = 3.0};
  for (int s = 0; s < 2; s++) in.fz[s] = v[s], in.foot_x[s] = in.foot_y[s] = zero;
  gait_cycle *cyc = xmalloc(AN_MAXCYC * sizeof *cyc);
  int nc;
  gait_metrics g;
  gait_analyse(&in, cyc, AN_MAXCYC, &nc, &g);
  /* pool both belts: curve of belt s over its own cycles, then the mean of the two weighted by cycles */
  double mv[2][GAIT_NPTS], sv[2][GAIT_NPTS], ma[2][GAIT_NPTS], sa[2][GAIT_NPTS];
  int m[2];
  for (int s = 0; s < 2; s++) {
    m[s] = gait_curve(tm, v[s], n, cyc, nc, s, mv[s], sv[s]);
    gait_curve(tm, ap[s], n, cyc, nc, s, ma[s], sa[s]);
  }
  int tot = m[0] + m[1];
  for (int k = 0; tot && k < GAIT_NPTS; k++) {
    double w0 = (double)m[0] / tot, w1 = (double)m[1] / tot;
    v_mean[k] = (m[0] ? w0 * mv[0][k] : 0) + (m[1] ? w1 * mv[1][k] : 0);
    ap_mean[k] = (m[0] ? w0 * ma[0][k] : 0) + (m[1] ? w1 * ma[1][k] : 0);
    v_sd[k] = sqrt((m[0] ? w0 * sv[0][k] * sv[0][k] : 0) + (m[1] ? w1 * sv[1][k] * sv[1][k] : 0));
    ap_sd[k] = sqrt((m[0] ? w0 * sa[0][k] * sa[0][k] : 0) + (m[1] ? w1 * sa[1][k] * sa[1][k] : 0));
  }
  double early = 0;
  for (int k = 0; k <= 20; k++) early += ap_mean[k];
  if (early > 0)
    for (int k = 0; k < GAIT_NPTS; k++) ap_mean[k] = -ap_mean[k];
  report_text(&c->rep, "Reference GRF: %s, %d rows at %.0f Hz, body weight %.1f N (mean total vertical force), %d + %d "
                       "cycles kept on belts 1 and 2; reference stride time %.3f s, stance %.1f %%, double support %.1f %%.",
              c->o.grf, n, c->o.grf_rate, bw, g.nkept[0], g.nkept[1], 0.5 * (g.stride_time[0] + g.stride_time[1]),
              0.5 * (g.stance_pct[0] + g.stance_pct[1]), g.double_support_pct);
  for (int s = 0; s < 2; s++) free(v[s]), free(ap[s]);
  free(tm), free(zero), free(cyc);
  stats_table_free(&t);
  return tot;
}

/* grf.csv: pct, r_v mean sd, l_v mean sd, ref_v mean sd, r_ap mean sd, l_ap mean sd, ref_ap mean sd (BW). */
/* 1 when summary.json beside frames.csv says the rollout was a kinematic playback (eval --playback). */
int an_frames_are_playback(const char *frames) {
  char p[4300];
  snprintf(p, sizeof p, "%s", frames);
  char *sl = strrchr(p, '/');
  if (!sl) return 0;
  snprintf(sl, sizeof p - (size_t)(sl - p), "/summary.json");
  uint8_t *buf;
  size_t n;
  d2m_err e;
  if (file_slurp(p, 1 << 24, &buf, &n, &e)) return 0;
  int yes = strstr((const char *)buf, "\"playback\": 1") != NULL;
  free(buf);
  return yes;
}

static void an_grf(an_ctx *c) {
  report_heading(&c->rep, "Ground reaction forces per gait cycle");
  if (an_frames_are_playback(c->frames))
    report_text(&c->rep, "Not dynamics: this rollout is a kinematic playback (eval --playback). The pose is prescribed "
                         "frame by frame, and these forces are MuJoCo's contact response to feet placed on the floor, not "
                         "the ground reaction of a body carrying its weight; their size is not comparable with a measured "
                         "GRF (only the contact timing is).");
  double *cols[12];
  for (int k = 0; k < 12; k++) {
    cols[k] = xmalloc(GAIT_NPTS * sizeof(double));
    for (int i = 0; i < GAIT_NPTS; i++) cols[k][i] = NAN;
  }
  const char *axes[2] = {"v", "ap"};
  for (int a = 0; a < 2; a++)
    for (int s = 0; s < 2; s++) {
      char name[32];
      snprintf(name, sizeof name, "grf_%c_%s", s ? 'l' : 'r', axes[a]);
      double *x = an_col(c, name);
      if (x) gait_curve(c->t, x, c->n, c->cyc, c->nc, s, cols[6 * a + 2 * s], cols[6 * a + 2 * s + 1]);
      free(x);
    }
  size_t gl = c->o.grf ? strlen(c->o.grf) : 0;
  int is_c3d = gl > 4 && !strcasecmp(c->o.grf + gl - 4, ".c3d");
  int is_mot = gl > 4 && (!strcasecmp(c->o.grf + gl - 4, ".mot") || !strcasecmp(c->o.grf + gl - 4, ".sto"));
  int have_ref = c->o.grf && (is_c3d   ? an_grf_c3d(c, cols[4], cols[5], cols[10], cols[11])
                              : is_mot ? an_grf_mot(c, cols[4], cols[5], cols[10], cols[11])
                                       : grf_ref(c, cols[4], cols[5], cols[10], cols[11])) > 0;
  if (have_ref) {
    report_table(&c->rep, "component|side|RMSE (BW)|Pearson r");
    for (int a = 0; a < 2; a++)
      for (int s = 0; s < 2; s++)
        report_row(&c->rep, "%s|%s|%.3g|%.3f", a ? "anterior-posterior" : "vertical", s ? "left" : "right",
                   stats_rmse(cols[6 * a + 2 * s], cols[6 * a + 4], GAIT_NPTS),
                   stats_pearson(cols[6 * a + 2 * s], cols[6 * a + 4], GAIT_NPTS));
    report_table_end(&c->rep);
  }
  an_write_curves(c, "grf", "r_v_mean,r_v_sd,l_v_mean,l_v_sd,ref_v_mean,ref_v_sd,r_ap_mean,r_ap_sd,l_ap_mean,l_ap_sd,"
                            "ref_ap_mean,ref_ap_sd", cols, 12);
  int any = an_any_finite(cols, 12);
  for (int k = 0; k < 12; k++) free(cols[k]);
  if (!any) {
    report_text(&c->rep, "Nothing to plot: no gait cycle and no reference GRF (grf.csv holds NaN).");
    return;
  }
  char body[4096];
  int o = snprintf(body, sizeof body, "  set multiplot layout 1,2\n  set grid\n  set xlabel 'gait cycle (%%)'\n  set xrange [0:100]\n"
                                      "  set ylabel 'body weights'\n  set key top right font ',8'\n");
  for (int a = 0; a < 2; a++) {
    int b = 2 + 6 * a;
    o += snprintf(body + o, sizeof body - (size_t)o,
                  "  set title '%s GRF'\n  plot 'grf.csv' using 1:($%d-$%d):($%d+$%d) with filledcurves fs transparent "
                  "solid 0.2 noborder lc rgb '#555555' title 'reference +-SD', '' using 1:%d with lines dt 2 lw 2 lc rgb "
                  "'black' title 'reference', '' using 1:($%d-$%d):($%d+$%d) with filledcurves fs transparent solid 0.25 "
                  "noborder lc rgb '#1f77b4' notitle, '' using 1:%d with lines lw 2 lc rgb '#1f77b4' title 'right', "
                  "'' using 1:($%d-$%d):($%d+$%d) with filledcurves fs transparent solid 0.25 noborder lc rgb '#d62728' "
                  "notitle, '' using 1:%d with lines lw 2 lc rgb '#d62728' title 'left'\n",
                  a ? "anterior-posterior" : "vertical", b + 4, b + 5, b + 4, b + 5, b + 4, b, b + 1, b, b + 1, b, b + 2,
                  b + 3, b + 2, b + 3, b + 2);
  }
  report_plot(&c->rep, "grf", 1200, 450,
              "Ground reaction force per foot (body weights) over the gait cycle, mean +- SD, from MuJoCo's foot contacts; "
              "reference pooled over both treadmill belts", body);
}

void analyze_opts_default(an_opts *o) {
  memset(o, 0, sizeof *o);
  o->thresh_bw = 0.05, o->min_s = 0.05, o->grf_rate = 300, o->max_shift_pct = 20;
}

int analyze_run(const an_opts *opts) {
  an_ctx *c = xcalloc(1, sizeof *c);
  c->o = *opts;
  an_opts *o = &c->o;
  char outbuf[4200];
  int default_out = !o->out;
  if (!o->out) snprintf(outbuf, sizeof outbuf, "%s/analysis", o->in), o->out = outbuf;
  find_inputs(c);
  int rc = 0;
  d2m_err err = {{0}};
  if (!c->frames[0] && !c->progress[0]) {
    LOG_E("analyze: %s has neither frames.csv (drl2move eval) nor progress.csv (a run)", o->in);
    return free(c), 1;
  }
  if (file_mkdirs(o->out, &err)) {
    LOG_E("analyze: %s", err.msg);
    return free(c), 1;
  }
  if (report_open(&c->rep, o->out, "drl2move analysis")) {
    LOG_E("analyze: cannot write %s/report.html", o->out);
    return free(c), 1;
  }
  report_text(&c->rep, "Input: %s%s%s", c->frames[0] ? c->frames : "", c->frames[0] && c->progress[0] ? " and " : "",
              c->progress);
  an_learning(c);
  if (c->frames[0]) an_eval_outputs(c, default_out);
  if (c->frames[0]) {
    if (an_load(c, &err)) {
      LOG_E("analyze: %s", err.msg);
      rc = 1;
    } else {
      an_gait(c);
      an_kinematics(c);
      an_grf(c);
      an_excitation(c);
      an_energy(c);
      if (o->emg) an_emg(c);
    }
  }
  report_close(&c->rep);
  LOG_I("analyze: %d cycles kept (R %d, L %d); %d pictures (%d failed) -> %s/report.html", c->gm.nkept[0] + c->gm.nkept[1],
        c->gm.nkept[0], c->gm.nkept[1], c->rep.plots_ok, c->rep.plots_failed, o->out);
  stats_table_free(&c->tab);
  free(c->t);
  free(c);
  return rc;
}
