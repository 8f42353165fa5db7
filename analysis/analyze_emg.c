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
#include "mocap/anc.h"
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
  int kinematic;             /* 1: foot strikes found from the markers (no events in the file) */
  double fs_t[2][AN_MAXMAP];
} emg_rec;

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

/* Mean position of the named markers present at frame f (any of names[]); 0 if none. */
static int centroid(const mk_markers *mk, int f, const char *const *names, int nn, double out[3]) {
  int n = 0;
  out[0] = out[1] = out[2] = 0;
  for (int i = 0; i < nn; i++) {
    int j = mk_find(mk, names[i]);
    if (j < 0 || isnan(mk_at(mk, f, j)[0])) continue;
    for (int k = 0; k < 3; k++) out[k] += mk_at(mk, f, j)[k];
    n++;
  }
  for (int k = 0; k < 3 && n; k++) out[k] /= n;
  return n;
}

/* No foot-strike events in the C3D: the trial's kinematic events (Zeni et al. 2008, gait.h) from the
 * heel markers relative to the pelvis markers along the direction the pelvis travels. */
static void kinematic_events(const mk_markers *mk, emg_rec *r) {
  static const char *pel[] = {"RASI", "LASI", "RPSI", "LPSI", "R.ASIS", "L.ASIS", "V.Sacral", "SACR"};
  static const char *heel[2][3] = {{"RHEE", "R.Heel", "RCAL"}, {"LHEE", "L.Heel", "LCAL"}};
  int n = mk->nframes, f0 = -1, f1 = -1;
  double a[3], b[3], u[3];
  for (int f = 0; f < n; f++)
    if (centroid(mk, f, pel, 8, a)) f1 = f, f0 = f0 < 0 ? f : f0;
  if (f1 - f0 < 10) return;
  centroid(mk, f0, pel, 8, a), centroid(mk, f1, pel, 8, b);
  for (int k = 0; k < 3; k++) u[k] = b[k] - a[k];
  double L = sqrt(u[0] * u[0] + u[1] * u[1] + u[2] * u[2]);
  if (L < 0.5) return; /* the pelvis does not travel: no direction of progression (treadmill?) */
  double *t = xmalloc(sizeof(double) * (size_t)n), *ap = xmalloc(sizeof(double) * (size_t)n), hs[AN_MAXMAP], to[AN_MAXMAP];
  for (int s = 0; s < 2; s++) {
    int m = 0, nhs = 0, nto = 0;
    for (int f = 0; f < n; f++) {
      double h[3];
      if (!centroid(mk, f, pel, 8, a) || !centroid(mk, f, heel[s], 3, h)) continue;
      t[m] = mk->first_time + f / mk->rate;
      ap[m++] = ((h[0] - a[0]) * u[0] + (h[1] - a[1]) * u[1] + (h[2] - a[2]) * u[2]) / L;
    }
    if (m < 10) continue;
    gait_events_zeni(t, ap, m, 0.2, hs, &nhs, to, &nto, AN_MAXMAP);
    for (int k = 0; k < nhs; k++) r->fs_t[s][r->nfs[s]++] = hs[k];
    r->kinematic = 1;
  }
  free(t), free(ap);
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
  if (!r->nfs[0] && !r->nfs[1]) kinematic_events(&f.markers, r);
  for (int s = 0; s < 2; s++) qsort(r->fs_t[s], (size_t)r->nfs[s], sizeof(double), cmp_d);
  c3d_free(&f);
  return 0;
}

/* Motion Analysis .anc: raw analog like a C3D's (the same envelope); no events. */
static int load_anc(const char *path, const emg_map *m, emg_rec *r, d2m_err *err) {
  anc_file a;
  if (anc_read(path, &a, err)) return -1;
  r->n = a.nsamples;
  r->t = xmalloc((size_t)r->n * sizeof(double));
  memcpy(r->t, a.t, (size_t)r->n * sizeof(double));
  for (int j = 0; j < m->n; j++) {
    int ch = anc_find(&a, m->label[j]);
    if (ch < 0) {
      LOG_W("analyze: %s has no analog channel '%s'", path, m->label[j]);
      continue;
    }
    r->env[j] = xmalloc((size_t)r->n * sizeof(double));
    for (int i = 0; i < r->n; i++) r->env[j][i] = a.v[(size_t)i * a.nchan + ch];
    emg_envelope(r->env[j], r->n, a.rate, r->env[j]);
  }
  anc_free(&a);
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
 * muscle's side (events, or found from the markers). Peak-normalised. Returns the number of cycles
 * (0: none, out is NaN: the whole record is not a cycle). */
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
  for (int i = 0; i < GAIT_NPTS; i++) out[i] = nc ? sum[i] / nc : NAN;
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
  int is_c3d = L > 4 && !strcasecmp(c->o.emg + L - 4, ".c3d"), is_anc = L > 4 && !strcasecmp(c->o.emg + L - 4, ".anc");
  if (read_map(c->o.emg_map, &m, &err) ||
      (is_c3d ? load_c3d(c->o.emg, &m, &r, &err) : is_anc ? load_anc(c->o.emg, &m, &r, &err) : load_csv(c->o.emg, &m, &r, &err))) {
    LOG_W("analyze: EMG skipped: %s", err.msg);
    report_text(&c->rep, "EMG comparison skipped: %s", err.msg);
    return;
  }
  report_text(&c->rep, "EMG: %s (%s). Model excitation and EMG envelope are each averaged over their gait cycles "
                       "and divided by their peak; r is Pearson's correlation over the cycle; the shift check moves the "
                       "EMG curve cyclically by up to +-%.0f %% of the cycle and reports where r is highest "
                       "(positive: EMG later than the model).",
              c->o.emg, is_c3d || is_anc ? "raw analog (C3D or .anc): band-pass 20-450 Hz, full-wave rectified, low-pass 6 Hz, "
                                 "4th-order Butterworth forward and backward"
                               : "CSV envelopes, used as given",
              c->o.max_shift_pct);
  if (r.kinematic)
    report_text(&c->rep, "The EMG file has no foot-strike events: its cycles run between heel strikes found from its "
                         "markers (the heel farthest ahead of the pelvis, Zeni et al. 2008).");
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
    double rbest = NAN;
    int shift = ec && mc ? stats_best_shift(me, ee, GAIT_NPTS - 1, (int)(c->o.max_shift_pct + 0.5), 1, &rbest) : 0;
    if (!ec || !mc)
      report_row(&c->rep, "%s|%s|%d|%d|nan (%s)|-|-", m.label[j], m.muscle[j], ec, mc,
                 !ec ? "no gait cycle in the EMG record: no 'cycle = T0 T1' line in the map, no foot-strike events "
                       "and no heel and pelvis markers in the file to find them"
                     : "no gait cycle in the rollout");
    else
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
/* Foot strikes per side (0 right, 1 left), sorted: the file's "Foot Strike" events, or without any,
 * heel strikes found from its markers (returns 1 then, 0 for the file's events). */
static int foot_strikes(const c3d_file *f, double fs_t[2][64], int nfs[2]) {
  for (int e = 0; e < f->markers.nevents; e++) {
    const mk_event *ev = &f->markers.events[e];
    int side = !strcasecmp(ev->context, "Left") ? 1 : !strcasecmp(ev->context, "Right") ? 0 : -1;
    if (side >= 0 && !strcasecmp(ev->label, "Foot Strike") && nfs[side] < 64) fs_t[side][nfs[side]++] = ev->time;
  }
  for (int s = 0; s < 2; s++) qsort(fs_t[s], (size_t)nfs[s], sizeof(double), cmp_d);
  if (nfs[0] || nfs[1]) return 0;
  emg_rec kr;
  memset(&kr, 0, sizeof kr);
  kinematic_events(&f->markers, &kr);
  for (int s = 0; s < 2; s++) {
    for (int k = 0; k < kr.nfs[s] && k < 64; k++) fs_t[s][k] = kr.fs_t[s][k];
    nfs[s] = kr.nfs[s] < 64 ? kr.nfs[s] : 64;
  }
  return nfs[0] + nfs[1] > 0;
}

int an_grf_c3d(an_ctx *c, double *v_mean, double *v_sd, double *ap_mean, double *ap_sd) {
  c3d_file f;
  d2m_err err;
  if (c3d_read(c->o.grf, &f, &err)) return LOG_W("analyze: %s", err.msg), 0;
  int n = (int)f.analog_nsamples, used = 0;
  double *t = xmalloc((size_t)n * sizeof(double)), *fz = xmalloc((size_t)n * sizeof(double));
  double *fh[2] = {xmalloc((size_t)n * sizeof(double)), xmalloc((size_t)n * sizeof(double))};
  double fs_t[2][64], sum_v[GAIT_NPTS] = {0}, sq_v[GAIT_NPTS] = {0}, sum_a[GAIT_NPTS] = {0}, sq_a[GAIT_NPTS] = {0};
  double bw_sum = 0, cur_v[GAIT_NPTS], cur_a[GAIT_NPTS];
  int nfs[2] = {0, 0}, kin = foot_strikes(&f, fs_t, nfs);
  for (int i = 0; i < n; i++) t[i] = f.markers.first_time + i / f.analog_rate;
  char why[1024] = "";
  for (int p = 0; p < f.nplates; p++) {
    const char *bad = c3d_plate_unsupported(&f, p);
    if (bad) {
      size_t o = strlen(why);
      snprintf(why + o, sizeof why - o, "%splate %d (type %d): %s", o ? "; " : "", p + 1, f.plates[p].type, bad);
      continue;
    }
    double mz = 0, range[2] = {0, 0}, F[3];
    for (int i = 0; i < n; i++) {
      c3d_plate_force(&f, p, i, F);
      fh[0][i] = F[0], fh[1][i] = F[1], fz[i] = F[2];
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
  if (used)
    report_text(&c->rep, "Reference GRF: force plates of %s: %d plate stances with a full cycle from the file's %s; body "
                         "weight %.1f N (%s).%s%s",
                c->o.grf, used, kin ? "heel strikes found from its markers (no events in the file)" : "foot-strike events",
                bw, c->o.grf_bw > 0 ? "--grf-body-weight" : "2 x stance impulse / stride time", why[0] ? " Skipped: " : "", why);
  else
    report_text(&c->rep, "Reference GRF from %s not used: no plate stance with a full gait cycle (%s%s%s).", c->o.grf,
                !f.nplates ? "the file has no force plate"
                : !nfs[0] && !nfs[1] ? "no foot-strike events and no heel and pelvis markers to find them"
                                     : "no plate stance is followed by a foot strike of the same foot",
                why[0] ? "; " : "", why);
  free(t), free(fz), free(fh[0]), free(fh[1]);
  c3d_free(&f);
  return used;
}
