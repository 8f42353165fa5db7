/* analysis/analyze_emg.c: muscle excitation over the gait cycle (heat map) and the comparison of model
 * excitations with measured EMG envelopes (KINESIS-style: per-muscle Pearson r over the normalised
 * gait cycle, with a time-shift check). Processing of raw EMG: analysis/emg.h. */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"
#include "analysis/analyze_int.h"
#include "analysis/emg.h"
#include "mocap/c3d.h"

#define AN_MAXMUS 128
#define AN_MAXMAP 64

/* Excitation curves of every muscle (each over its own side's cycles); excitation.csv and heatmap.csv. */
void an_excitation(an_ctx *c) {
  report_heading(&c->rep, "Muscle excitation over the gait cycle");
  int nm = 0, idx[AN_MAXMUS];
  for (int j = 0; j < c->tab.ncols && nm < AN_MAXMUS; j++)
    if (!strncmp(c->tab.names[j], "exc_", 4)) idx[nm++] = j;
  if (!nm) {
    report_text(&c->rep, "No excitation columns (exc_*) in frames.csv.");
    return;
  }
  double **cur = xmalloc((size_t)nm * sizeof *cur), sd[GAIT_NPTS];
  double *x = xmalloc((size_t)c->n * sizeof(double));
  char *header = xcalloc((size_t)nm * 40 + 1, 1);
  for (int i = 0; i < nm; i++) {
    const char *name = c->tab.names[idx[i]];
    size_t L = strlen(name);
    int side = L > 2 && name[L - 1] == 'l' && name[L - 2] == '_';
    cur[i] = xmalloc(GAIT_NPTS * sizeof(double));
    stats_table_column(&c->tab, idx[i], x);
    gait_curve(c->t, x, c->n, c->cyc, c->nc, side, cur[i], sd);
    strcat(header, i ? "," : ""), strncat(header, name, 39);
  }
  an_write_curves(c, "excitation", header, cur, nm);
  if (!an_any_finite(cur, nm)) {
    report_text(&c->rep, "Nothing to plot: no gait cycle (excitation.csv holds NaN).");
    for (int i = 0; i < nm; i++) free(cur[i]);
    free(cur), free(x), free(header);
    return;
  }
  /* heat map: one row per muscle of a side (right column: _r muscles, left: _l), pct along x */
  char p[4400];
  snprintf(p, sizeof p, "%s/heatmap.csv", c->o.out);
  FILE *f = fopen(p, "w");
  int half = nm / 2; /* MyoLegs order: the 40 right muscles, then the 40 left ones */
  char *tics = xcalloc((size_t)half * 48 + 16, 1);
  if (f) {
    fprintf(f, "pct,row,right,left\n");
    for (int r = 0; r < half; r++)
      for (int k = 0; k < GAIT_NPTS; k++) fprintf(f, "%d,%d,%.5g,%.5g\n", k, r, cur[r][k], cur[half + r][k]);
    fclose(f);
  }
  for (int r = 0; r < half; r++) {
    char t[64];
    const char *name = c->tab.names[idx[r]] + 4;
    snprintf(t, sizeof t, "%s'%.*s' %d", r ? ", " : "", (int)(strlen(name) > 2 ? strlen(name) - 2 : strlen(name)), name, r);
    strcat(tics, t);
  }
  char *body = xmalloc(strlen(tics) + 2048);
  sprintf(body,
          "  set multiplot layout 1,2\n  set xlabel 'gait cycle (%%)'\n  set ytics (%s) font ',7'\n"
          "  set yrange [-0.5:%d.5]\n  set xrange [-0.5:100.5]\n  set cbrange [0:1]\n  set palette rgbformulae 21,22,23\n"
          "  set cblabel 'excitation'\n  set title 'right leg (right cycles)'\n"
          "  plot 'heatmap.csv' using 1:2:3 with image notitle\n  set title 'left leg (left cycles)'\n"
          "  plot 'heatmap.csv' using 1:2:4 with image notitle",
          tics, half - 1);
  report_plot(&c->rep, "heatmap", 1300, 800,
              "Mean muscle excitation (0..1) over the gait cycle, one row per muscle, each leg over its own cycles", body);
  free(body), free(tics);
  for (int i = 0; i < nm; i++) free(cur[i]);
  free(cur), free(x), free(header);
}

typedef struct emg_map {
  int n;
  char label[AN_MAXMAP][64], muscle[AN_MAXMAP][64];
  int ncycle;
  double cycle[AN_MAXMAP][2];
} emg_map;

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
  return s;
}

static int read_map(const char *path, emg_map *m, d2m_err *err) {
  memset(m, 0, sizeof *m);
  FILE *f = fopen(path, "r");
  if (!f) return err_set(err, "%s: cannot open", path);
  char line[512];
  int ln = 0;
  while (fgets(line, sizeof line, f)) {
    ln++;
    char *h = strchr(line, '#');
    if (h) *h = 0;
    char *eq = strchr(line, '=');
    if (!eq) {
      if (*trim(line)) return fclose(f), err_set(err, "%s:%d: expected 'LABEL = muscle' or 'cycle = T0 T1'", path, ln);
      continue;
    }
    *eq = 0;
    char *k = trim(line), *v = trim(eq + 1);
    if (!strcmp(k, "cycle")) {
      if (m->ncycle == AN_MAXMAP || sscanf(v, "%lf %lf", &m->cycle[m->ncycle][0], &m->cycle[m->ncycle][1]) != 2 ||
          m->cycle[m->ncycle][1] <= m->cycle[m->ncycle][0])
        return fclose(f), err_set(err, "%s:%d: cycle = T0 T1 with T1 > T0 (seconds)", path, ln);
      m->ncycle++;
    } else if (m->n < AN_MAXMAP) {
      snprintf(m->label[m->n], 64, "%s", k);
      snprintf(m->muscle[m->n], 64, "%s", v);
      m->n++;
    }
  }
  fclose(f);
  return m->n ? 0 : err_set(err, "%s: no 'LABEL = muscle' line", path);
}

/* EMG record: time[n] and the envelope of each mapped channel (NULL when the channel is absent). */
typedef struct emg_rec {
  int n;
  double *t, *env[AN_MAXMAP];
  int nfs[2];                /* foot strikes per side from C3D events (0 right, 1 left) */
  double fs_t[2][AN_MAXMAP];
} emg_rec;

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static int load_c3d(const char *path, const emg_map *m, emg_rec *r, d2m_err *err) {
  c3d_file f;
  if (c3d_read(path, &f, err)) return -1;
  r->n = (int)f.analog_nsamples;
  r->t = xmalloc((size_t)r->n * sizeof(double));
  for (int i = 0; i < r->n; i++) r->t[i] = f.markers.first_time + i / f.analog_rate;
  for (int j = 0; j < m->n; j++) {
    int ch = c3d_find_channel(&f, m->label[j]);
    if (ch < 0) {
      LOG_W("analyze: %s has no analog channel '%s'", path, m->label[j]);
      continue;
    }
    r->env[j] = xmalloc((size_t)r->n * sizeof(double));
    for (int i = 0; i < r->n; i++) r->env[j][i] = f.analog[(size_t)i * f.nanalog + ch];
    emg_envelope(r->env[j], r->n, f.analog_rate, r->env[j]);
  }
  for (int e = 0; e < f.markers.nevents; e++) {
    const mk_event *ev = &f.markers.events[e];
    int side = !strcasecmp(ev->context, "Left") ? 1 : !strcasecmp(ev->context, "Right") ? 0 : -1;
    if (side >= 0 && !strcasecmp(ev->label, "Foot Strike") && r->nfs[side] < AN_MAXMAP)
      r->fs_t[side][r->nfs[side]++] = ev->time;
  }
  for (int s = 0; s < 2; s++) qsort(r->fs_t[s], (size_t)r->nfs[s], sizeof(double), cmp_d);
  c3d_free(&f);
  return 0;
}

/* A CSV of envelopes: a 'time' column (s) and one column per channel label; used as they are. */
static int load_csv(const char *path, const emg_map *m, emg_rec *r, d2m_err *err) {
  stats_table t;
  if (stats_table_read(path, &t, err)) return -1;
  int jt = stats_table_col(&t, "time");
  if (jt < 0) return stats_table_free(&t), err_set(err, "%s: no 'time' column", path);
  r->n = t.nrows;
  r->t = xmalloc((size_t)r->n * sizeof(double));
  stats_table_column(&t, jt, r->t);
  for (int j = 0; j < m->n; j++) {
    int ch = stats_table_col(&t, m->label[j]);
    if (ch < 0) {
      LOG_W("analyze: %s has no column '%s'", path, m->label[j]);
      continue;
    }
    r->env[j] = xmalloc((size_t)r->n * sizeof(double));
    stats_table_column(&t, ch, r->env[j]);
  }
  stats_table_free(&t);
  return 0;
}

/* Mean EMG curve of channel j over its cycles: the map's cycles, else the C3D foot strikes of the
 * muscle's side, else the whole record. Peak-normalised. Returns the number of cycles. */
static int emg_curve(const emg_map *m, const emg_rec *r, int j, int side, double *out) {
  double sum[GAIT_NPTS] = {0}, cur[GAIT_NPTS];
  int nc = 0;
  for (int k = 0; k < m->ncycle; k++, nc++) {
    gait_normalise(r->t, r->env[j], r->n, m->cycle[k][0], m->cycle[k][1], cur, GAIT_NPTS);
    for (int i = 0; i < GAIT_NPTS; i++) sum[i] += cur[i];
  }
  for (int k = 0; !m->ncycle && k + 1 < r->nfs[side]; k++, nc++) {
    gait_normalise(r->t, r->env[j], r->n, r->fs_t[side][k], r->fs_t[side][k + 1], cur, GAIT_NPTS);
    for (int i = 0; i < GAIT_NPTS; i++) sum[i] += cur[i];
  }
  if (!nc) {
    gait_normalise(r->t, r->env[j], r->n, r->t[0], r->t[r->n - 1], sum, GAIT_NPTS);
    nc = 1;
  }
  for (int i = 0; i < GAIT_NPTS; i++) out[i] = sum[i] / nc;
  emg_normalise_peak(out, GAIT_NPTS);
  return nc;
}

void an_emg(an_ctx *c) {
  report_heading(&c->rep, "Excitation vs EMG");
  emg_map m;
  emg_rec r;
  memset(&r, 0, sizeof r);
  d2m_err err = {{0}};
  size_t L = strlen(c->o.emg);
  int is_c3d = L > 4 && !strcasecmp(c->o.emg + L - 4, ".c3d");
  if (read_map(c->o.emg_map, &m, &err) || (is_c3d ? load_c3d(c->o.emg, &m, &r, &err) : load_csv(c->o.emg, &m, &r, &err))) {
    LOG_W("analyze: EMG skipped: %s", err.msg);
    report_text(&c->rep, "EMG comparison skipped: %s", err.msg);
    return;
  }
  report_text(&c->rep, "EMG: %s (%s). Model excitation and EMG envelope are each averaged over their gait cycles "
                       "and divided by their peak; r is Pearson's correlation over the cycle; the shift check moves the "
                       "EMG curve cyclically by up to +-%.0f %% of the cycle and reports where r is highest "
                       "(positive: EMG later than the model).",
              c->o.emg, is_c3d ? "raw C3D analog: band-pass 20-450 Hz, full-wave rectified, low-pass 6 Hz, "
                                 "4th-order Butterworth forward and backward"
                               : "CSV envelopes, used as given",
              c->o.max_shift_pct);
  report_table(&c->rep, "EMG channel|model muscle|EMG cycles|model cycles|r|best shift (% cycle)|r at best shift");
  double *cols[2 * AN_MAXMAP] = {0};
  char header[2 * AN_MAXMAP * 72] = "";
  int nplot = 0, which[AN_MAXMAP];
  double *x = xmalloc((size_t)c->n * sizeof(double)), sd[GAIT_NPTS];
  for (int j = 0; j < m.n; j++) {
    char col[80];
    snprintf(col, sizeof col, "exc_%s", m.muscle[j]);
    int jc = stats_table_col(&c->tab, col);
    size_t ml = strlen(m.muscle[j]);
    int side = ml > 2 && !strcmp(m.muscle[j] + ml - 2, "_l");
    if (jc < 0 || !r.env[j]) {
      report_row(&c->rep, "%s|%s|-|-|%s|-|-", m.label[j], m.muscle[j], jc < 0 ? "no such muscle" : "no such channel");
      continue;
    }
    double *me = cols[2 * nplot] = xmalloc(GAIT_NPTS * sizeof(double));
    double *ee = cols[2 * nplot + 1] = xmalloc(GAIT_NPTS * sizeof(double));
    stats_table_column(&c->tab, jc, x);
    int mc = gait_curve(c->t, x, c->n, c->cyc, c->nc, side, me, sd);
    emg_normalise_peak(me, GAIT_NPTS);
    int ec = emg_curve(&m, &r, j, side, ee);
    double rbest;
    int shift = stats_best_shift(me, ee, GAIT_NPTS - 1, (int)(c->o.max_shift_pct + 0.5), 1, &rbest);
    report_row(&c->rep, "%s|%s|%d|%d|%.3f|%+d|%.3f", m.label[j], m.muscle[j], ec, mc, stats_pearson(me, ee, GAIT_NPTS),
               shift, rbest);
    size_t o = strlen(header);
    snprintf(header + o, sizeof header - o, "%smodel_%s,emg_%s", nplot ? "," : "", m.muscle[j], m.muscle[j]);
    which[nplot++] = j;
  }
  report_table_end(&c->rep);
  if (nplot) {
    an_write_curves(c, "emg", header, cols, 2 * nplot);
    int ncol = nplot < 4 ? nplot : 4, nrow = (nplot + 3) / 4;
    char *body = xmalloc(512 + (size_t)nplot * 640), *p = body;
    p += sprintf(p, "  set multiplot layout %d,%d\n  set grid\n  set xlabel 'gait cycle (%%)'\n  set yrange [0:1.1]\n"
                    "  set key top right font ',7'\n", nrow, ncol);
    for (int k = 0; k < nplot; k++) {
      char title[140];
      snprintf(title, sizeof title, "%s (%s)", m.muscle[which[k]], m.label[which[k]]);
      for (char *q = title; *q; q++)
        if (*q == '\'' || *q == '\\') *q = ' '; /* inside a gnuplot single-quoted string */
      p += sprintf(p, "  set title '%s' noenhanced\n  plot 'emg.csv' using 1:%d with lines lw 2 lc rgb '#1f77b4' "
                      "title 'model excitation', '' using 1:%d with lines lw 2 lc rgb 'black' dt 2 title 'EMG envelope'\n",
                   title, 2 + 2 * k, 3 + 2 * k);
    }
    report_plot(&c->rep, "emg", 300 * ncol, 260 * nrow,
                "Model excitation vs EMG envelope per muscle over the gait cycle (each divided by its peak)", body);
    free(body);
  }
  for (int k = 0; k < 2 * nplot; k++) free(cols[k]);
  for (int j = 0; j < m.n; j++) free(r.env[j]);
  free(r.t), free(x);
}

/* Reference GRF from the force plates of a C3D walking trial (type-2 plates: channels Fx Fy Fz Mx My
 * Mz). Stance on a plate: vertical force above 20 N (a common force-plate threshold) lasting 50 ms.
 * Its cycle ends at the next "Foot Strike" event (C3D EVENT group) of the side whose foot strike is
 * nearest the plate's heel strike; the plate force after toe off is set to 0 (the other foot may land
 * on the same plate). Body weight: --grf-body-weight, else from the stance impulse of steady walking,
 * BW = 2 * integral(Fz dt over stance) / stride time (each foot carries half the weight over a stride).
 * AP axis: the horizontal plate axis with the larger force range; signs as in grf_ref. */
int an_grf_c3d(an_ctx *c, double *v_mean, double *v_sd, double *ap_mean, double *ap_sd) {
  c3d_file f;
  d2m_err err;
  if (c3d_read(c->o.grf, &f, &err)) return LOG_W("analyze: %s", err.msg), 0;
  int n = (int)f.analog_nsamples, used = 0;
  double *t = xmalloc((size_t)n * sizeof(double)), *fz = xmalloc((size_t)n * sizeof(double));
  double *fh[2] = {xmalloc((size_t)n * sizeof(double)), xmalloc((size_t)n * sizeof(double))};
  double fs_t[2][64], sum_v[GAIT_NPTS] = {0}, sq_v[GAIT_NPTS] = {0}, sum_a[GAIT_NPTS] = {0}, sq_a[GAIT_NPTS] = {0};
  double bw_sum = 0, cur_v[GAIT_NPTS], cur_a[GAIT_NPTS];
  int nfs[2] = {0, 0};
  for (int i = 0; i < n; i++) t[i] = f.markers.first_time + i / f.analog_rate;
  for (int e = 0; e < f.markers.nevents; e++) {
    const mk_event *ev = &f.markers.events[e];
    int side = !strcasecmp(ev->context, "Left") ? 1 : !strcasecmp(ev->context, "Right") ? 0 : -1;
    if (side >= 0 && !strcasecmp(ev->label, "Foot Strike") && nfs[side] < 64) fs_t[side][nfs[side]++] = ev->time;
  }
  for (int s = 0; s < 2; s++) qsort(fs_t[s], (size_t)nfs[s], sizeof(double), cmp_d);
  for (int p = 0; p < f.nplates; p++) {
    const c3d_plate *pl = &f.plates[p];
    if (pl->type != 2 || pl->nchannel < 3) continue;
    double mz = 0, range[2] = {0, 0};
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < 2; k++) fh[k][i] = f.analog[(size_t)i * f.nanalog + pl->channel[k] - 1];
      fz[i] = f.analog[(size_t)i * f.nanalog + pl->channel[2] - 1];
      mz += fz[i];
    }
    if (mz < 0) /* plates measure the force on the plate: make the reaction (upward) positive */
      for (int i = 0; i < n; i++) fz[i] = -fz[i], fh[0][i] = -fh[0][i], fh[1][i] = -fh[1][i];
    for (int k = 0; k < 2; k++)
      for (int i = 0; i < n; i++) range[k] = fmax(range[k], fabs(fh[k][i]));
    double *ap = fh[range[1] > range[0]];
    double hs[8], to[8];
    int nhs, nto;
    gait_events(t, fz, n, 20.0, 0.05, hs, &nhs, to, &nto, 8);
    for (int k = 0; k < nhs; k++) {
      int side = -1;
      double best = 0.1, end = NAN, toff = NAN;
      for (int s = 0; s < 2; s++)
        for (int j = 0; j < nfs[s]; j++)
          if (fabs(fs_t[s][j] - hs[k]) < best) best = fabs(fs_t[s][j] - hs[k]), side = s;
      for (int j = 0; side >= 0 && j < nfs[side] && isnan(end); j++)
        if (fs_t[side][j] > hs[k] + 0.2) end = fs_t[side][j];
      for (int j = 0; j < nto && isnan(toff); j++)
        if (to[j] > hs[k]) toff = to[j];
      if (isnan(end) || isnan(toff) || toff > end) continue;
      double imp = 0;
      for (int i = 1; i < n; i++)
        if (t[i] > hs[k] && t[i] <= toff) imp += fz[i] * (t[i] - t[i - 1]);
      bw_sum += 2 * imp / (end - hs[k]);
      for (int q = 0; q < GAIT_NPTS; q++) {
        double tq = hs[k] + (end - hs[k]) * q / (GAIT_NPTS - 1);
        cur_v[q] = tq <= toff ? stats_interp(t, fz, n, tq) : 0;
        cur_a[q] = tq <= toff ? stats_interp(t, ap, n, tq) : 0;
      }
      double early = 0;
      for (int q = 0; q <= 20; q++) early += cur_a[q];
      for (int q = 0; q < GAIT_NPTS; q++) {
        double a = early > 0 ? -cur_a[q] : cur_a[q];
        sum_v[q] += cur_v[q], sq_v[q] += cur_v[q] * cur_v[q], sum_a[q] += a, sq_a[q] += a * a;
      }
      used++;
    }
  }
  double bw = c->o.grf_bw > 0 ? c->o.grf_bw : used ? bw_sum / used : NAN;
  for (int q = 0; used && q < GAIT_NPTS; q++) {
    double mv = sum_v[q] / used, ma = sum_a[q] / used;
    double vv = used > 1 ? (sq_v[q] - used * mv * mv) / (used - 1) : 0, va = used > 1 ? (sq_a[q] - used * ma * ma) / (used - 1) : 0;
    v_mean[q] = mv / bw, ap_mean[q] = ma / bw;
    v_sd[q] = sqrt(fmax(vv, 0)) / bw, ap_sd[q] = sqrt(fmax(va, 0)) / bw;
  }
  report_text(&c->rep, "Reference GRF: force plates of %s: %d plate stances with a full cycle from the file's foot-strike "
                       "events; body weight %.1f N (%s).",
              c->o.grf, used, bw, c->o.grf_bw > 0 ? "--grf-body-weight" : "2 x stance impulse / stride time");
  free(t), free(fz), free(fh[0]), free(fh[1]);
  c3d_free(&f);
  return used;
}
