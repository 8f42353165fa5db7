/* analysis/compare.c: `drl2move compare` (see compare.h): each folder's frames go through analyze's
 * loader and gait analysis (analyze_int.h), so a folder compared here gives the same cycles and metrics
 * as `drl2move analyze` of it. */
#include "analysis/compare.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/analyze_int.h"
#include "analysis/compare_device.h"
#include "common/files.h"
#include "common/log.h"

#define CMP_NJ 3
#define CMP_NM 8
static const char *cmp_joints[CMP_NJ] = {"hip_flexion", "knee_angle", "ankle_angle"};
/* Muscles whose excitation is drawn: the main hip, knee and ankle flexors and extensors. */
static const char *cmp_muscles[CMP_NM] = {"glmax1", "iliacus", "recfem", "vaslat", "bflh", "tibant", "gasmed", "soleus"};
static const char *cmp_colours[CMP_MAX_DIRS] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                                "#9467bd", "#8c564b", "#e377c2", "#17becf"};

/* Metrics with a value per side (SI and differences per side) and whole-body ones (right column only). */
enum { M_STANCE_T, M_SWING_T, M_STANCE_P, M_SWING_P, M_STEP_L, M_STRIDE_L, M_STEP_T, M_STRIDE_T, M_KNEE_SWING,
       M_SPEED, M_CADENCE, M_DSUPPORT, M_GAIT_N,
       /* standing (compare_stand.c): any rollout, gait or not */
       M_STAND_T = M_GAIT_N, M_LOAD, M_EXC_ALL, M_EXC_PF, M_EXC_TA, M_EXC_KE, M_EXC_AB, M_N };
static const struct {
  const char *name, *unit;
  int both; /* one value for the body */
} cmp_metrics[M_N] = {{"stance time", "s", 0},          {"swing time", "s", 0},
                      {"stance", "% cycle", 0},         {"swing", "% cycle", 0},
                      {"step length", "m", 0},          {"stride length", "m", 0},
                      {"step time", "s", 0},            {"stride time", "s", 0},
                      {"peak knee flexion in swing", "deg", 0},
                      {"speed", "m/s", 1},              {"cadence", "steps/min", 1},
                      {"double support", "% cycle", 1},
                      {"time standing", "s", 1},        {"weight bearing", "% vertical GRF", 0},
                      {"mean excitation", "0-1", 0},    {"ankle plantarflexor excitation", "0-1", 0},
                      {"tibialis anterior excitation", "0-1", 0}, {"knee extensor excitation", "0-1", 0},
                      {"hip abductor excitation", "0-1", 0}};

typedef struct cmp_folder {
  an_ctx *c;
  char label[32], why[512];
  int gait, playback;
  double m[M_N][2]; /* right, left (whole-body metrics: right only, left NaN) */
} cmp_folder;

void compare_opts_default(cmp_opts *o) {
  memset(o, 0, sizeof *o);
  o->thresh_bw = 0.05, o->min_s = 0.05; /* as analyze_opts_default */
}

int compare_label_ok(const char *label, char *why, size_t cap) {
  size_t n = strlen(label);
  if (n < 1 || n > 31) return snprintf(why, cap, "label '%s' must have 1-31 characters", label), -1;
  for (size_t i = 0; i < n; i++) {
    char ch = label[i];
    int ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || strchr("_.+-", ch);
    /* CSV headers and gnuplot titles take the label verbatim, so no quotes, commas or blanks */
    if (!ok) return snprintf(why, cap, "label '%s': character '%c' not allowed (use A-Z a-z 0-9 _ . + -)", label, ch), -1;
  }
  return 0;
}

/* The folder's base name with characters a label may not hold replaced by '_'. */
static void default_label(const char *dir, char *out, size_t cap) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s", dir);
  size_t n = strlen(tmp);
  while (n > 1 && tmp[n - 1] == '/') tmp[--n] = 0;
  const char *b = strrchr(tmp, '/');
  b = b && b[1] ? b + 1 : tmp;
  snprintf(out, cap, "%s", b);
  for (char *p = out; *p; p++)
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("_.+-", *p))) *p = '_';
  if (!out[0]) snprintf(out, cap, "run");
}

static int is_file(const char *p) {
  struct stat st;
  return !stat(p, &st) && S_ISREG(st.st_mode);
}

/* Peak of the side's mean knee angle over the swing phase (stance % .. 100 % of its cycle). */
static double knee_in_swing(an_ctx *c, int side, double stance_pct) {
  double *x = an_col(c, side ? "q_knee_angle_l" : "q_knee_angle_r"), mean[GAIT_NPTS], sd[GAIT_NPTS], pk = NAN;
  if (x && isfinite(stance_pct) && gait_curve(c->t, x, c->n, c->cyc, c->nc, side, mean, sd) > 0)
    for (int k = (int)ceil(stance_pct); k < GAIT_NPTS; k++)
      if (isfinite(mean[k]) && !(pk >= mean[k])) pk = mean[k];
  free(x);
  return pk;
}

static void folder_metrics(cmp_folder *f) {
  const gait_metrics *g = &f->c->gm;
  for (int s = 0; s < 2; s++) {
    double st = g->stance_pct[s], T = g->stride_time[s];
    f->m[M_STANCE_T][s] = st * T / 100, f->m[M_SWING_T][s] = g->swing_pct[s] * T / 100;
    f->m[M_STANCE_P][s] = st, f->m[M_SWING_P][s] = g->swing_pct[s];
    f->m[M_STEP_L][s] = g->step_len[s], f->m[M_STRIDE_L][s] = g->stride_len[s];
    f->m[M_STEP_T][s] = g->step_time[s], f->m[M_STRIDE_T][s] = T;
    f->m[M_KNEE_SWING][s] = f->gait && g->nkept[s] ? knee_in_swing(f->c, s, st) : NAN;
  }
  f->m[M_SPEED][0] = g->speed, f->m[M_CADENCE][0] = g->cadence, f->m[M_DSUPPORT][0] = g->double_support_pct;
  cmp_stand st;
  cmp_stand_metrics(f->c, &st);
  f->m[M_STAND_T][0] = st.stand_s;
  for (int s = 0; s < 2; s++) {
    f->m[M_LOAD][s] = st.load[s], f->m[M_EXC_ALL][s] = st.exc_all[s];
    for (int k = 0; k < CMP_STAND_NGRP; k++) f->m[M_EXC_PF + k][s] = st.exc_grp[k][s];
  }
  for (int i = 0; i < M_N; i++) {
    if (cmp_metrics[i].both) f->m[i][1] = NAN;
    if (!f->gait && i < M_GAIT_N) f->m[i][0] = f->m[i][1] = NAN;
  }
}

/* Loads one folder and runs the gait analysis; 0, or -1 with err. */
static int folder_load(const cmp_opts *o, int k, cmp_folder *f, d2m_err *err) {
  an_ctx *c = f->c = xcalloc(1, sizeof *c);
  analyze_opts_default(&c->o);
  c->o.in = o->dirs[k], c->o.out = o->out, c->o.thresh_bw = o->thresh_bw, c->o.min_s = o->min_s, c->o.events = o->events;
  snprintf(c->frames, sizeof c->frames, "%s/frames.csv", o->dirs[k]);
  if (!is_file(c->frames)) snprintf(c->frames, sizeof c->frames, "%s/eval/frames.csv", o->dirs[k]);
  if (!is_file(c->frames))
    return err_set(err, "%s: no frames.csv (nor eval/frames.csv): not an eval folder (drl2move eval --out DIR)", o->dirs[k]);
  if (an_load(c, err)) return -1;
  f->playback = an_frames_are_playback(c->frames);
  f->gait = an_gait_compute(c, f->why, sizeof f->why);
  folder_metrics(f);
  return 0;
}

static void fmt_cell(char *cell, size_t cap, double v) {
  if (isfinite(v)) snprintf(cell, cap, "%.4g", v);
  else snprintf(cell, cap, "nan");
}

/* compare.csv and the metrics table: per folder right, left, SI; per later folder the difference from
 * the first, per side. */
static int write_metrics(const cmp_opts *o, cmp_folder *F, report *rep) {
  char p[4400], hdr[4096];
  snprintf(p, sizeof p, "%s/compare.csv", o->out);
  FILE *f = fopen(p, "w");
  if (!f) return LOG_E("compare: cannot write %s", p), -1;
  fprintf(f, "# drl2move compare: SI = 100 (R - L) / (0.5 (R + L)) (Robinson et al. 1987); X-%s = X - %s per side; "
             "speed, cadence and double support are whole-body values (right column)\n", F[0].label, F[0].label);
  for (int k = 0; k < o->ndirs; k++)
    fprintf(f, "# %s: %s: %s%s\n", F[k].label, o->dirs[k], F[k].gait ? "gait" : "no gait: ", F[k].gait ? "" : F[k].why);
  int h = snprintf(hdr, sizeof hdr, "metric|unit");
  fprintf(f, "metric,unit");
  for (int k = 0; k < o->ndirs; k++) {
    fprintf(f, ",%s_R,%s_L,%s_SI", F[k].label, F[k].label, F[k].label);
    h += snprintf(hdr + h, sizeof hdr - (size_t)h, "|%s R|%s L|%s SI (%%)", F[k].label, F[k].label, F[k].label);
  }
  for (int k = 1; k < o->ndirs; k++) {
    fprintf(f, ",%s-%s_R,%s-%s_L", F[k].label, F[0].label, F[k].label, F[0].label);
    h += snprintf(hdr + h, sizeof hdr - (size_t)h, "|%s - %s R|%s - %s L", F[k].label, F[0].label, F[k].label, F[0].label);
  }
  fputc('\n', f);
  report_table(rep, hdr);
  for (int i = 0; i < M_N; i++) {
    char row[4096], cell[3][48];
    int r = snprintf(row, sizeof row, "%s|%s", cmp_metrics[i].name, cmp_metrics[i].unit);
    fprintf(f, "%s,%s", cmp_metrics[i].name, cmp_metrics[i].unit);
    for (int k = 0; k < o->ndirs; k++) {
      double R = F[k].m[i][0], L = F[k].m[i][1];
      double si = cmp_metrics[i].both ? NAN : stats_symmetry_index(R, L);
      fprintf(f, ",%.6g,%.6g,%.6g", R, L, si);
      fmt_cell(cell[0], sizeof cell[0], R), fmt_cell(cell[1], sizeof cell[1], L), fmt_cell(cell[2], sizeof cell[2], si);
      if (cmp_metrics[i].both) snprintf(cell[1], sizeof cell[1], "-"), snprintf(cell[2], sizeof cell[2], "-");
      r += snprintf(row + r, sizeof row - (size_t)r, "|%s|%s|%s", cell[0], cell[1], cell[2]);
    }
    for (int k = 1; k < o->ndirs; k++)
      for (int s = 0; s < 2; s++) {
        double d = F[k].m[i][s] - F[0].m[i][s];
        fprintf(f, ",%.6g", d);
        fmt_cell(cell[0], sizeof cell[0], d);
        r += snprintf(row + r, sizeof row - (size_t)r, "|%s", s && cmp_metrics[i].both ? "-" : cell[0]);
      }
    fputc('\n', f);
    report_row(rep, "%s", row);
  }
  report_table_end(rep);
  return fclose(f) ? -1 : 0;
}

/* NAME.csv (pct, then per folder, item and side the mean over that side's kept cycles of column
 * PREFIX<item>_<r|l>) and its picture: one panel per item, one colour per folder, right solid, left dashed. */
static void curves(const cmp_opts *o, cmp_folder *F, report *rep, const char *name, const char *prefix,
                   const char *const *items, int nitems, const char *ylabel, const char *caption) {
  int ncol = o->ndirs * nitems * 2, o_h = 0;
  double **cols = xcalloc((size_t)ncol, sizeof *cols), sd[GAIT_NPTS];
  char *has = xcalloc((size_t)ncol, 1); /* gnuplot refuses a curve without a single point */
  char *header = xmalloc((size_t)ncol * 80 + 1);
  header[0] = 0;
  for (int k = 0; k < o->ndirs; k++)
    for (int j = 0; j < nitems; j++)
      for (int s = 0; s < 2; s++) {
        double *cc = cols[(k * nitems + j) * 2 + s] = xmalloc(GAIT_NPTS * sizeof(double));
        char cname[96];
        snprintf(cname, sizeof cname, "%s%s_%c", prefix, items[j], s ? 'l' : 'r');
        double *x = an_col(F[k].c, cname);
        if (!x || !gait_curve(F[k].c->t, x, F[k].c->n, F[k].c->cyc, F[k].c->nc, s, cc, sd))
          for (int i = 0; i < GAIT_NPTS; i++) cc[i] = NAN;
        free(x);
        o_h += snprintf(header + o_h, (size_t)ncol * 80 + 1 - (size_t)o_h, "%s%s_%s_%c", o_h ? "," : "", F[k].label,
                        items[j], s ? 'l' : 'r');
      }
  an_write_curves(F[0].c, name, header, cols, ncol);
  int any = an_any_finite(cols, ncol);
  for (int k = 0; k < ncol; k++) has[k] = (char)an_any_finite(cols + k, 1), free(cols[k]);
  free(cols), free(header);
  if (!any) {
    free(has);
    report_text(rep, "%s: nothing to plot (no folder has a gait cycle with these columns; %s.csv holds NaN).", name, name);
    return;
  }
  size_t cap = 4096 + (size_t)nitems * o->ndirs * 400;
  char *body = xmalloc(cap);
  int rows = nitems > 4 ? 2 : 1, cols_n = (nitems + rows - 1) / rows;
  int b = snprintf(body, cap, "  set termoption noenhanced\n  set multiplot layout %d,%d\n  set grid\n"
                              "  set xlabel 'gait cycle (%%)'\n  set xrange [0:100]\n  set ylabel '%s'\n"
                              "  set key top left font ',8'\n", rows, cols_n, ylabel);
  for (int j = 0; j < nitems; j++) {
    int first = 1;
    b += snprintf(body + b, cap - (size_t)b, "  set title '%s'\n", items[j]);
    for (int k = 0; k < o->ndirs; k++)
      for (int s = 0; s < 2; s++) {
        int col = (k * nitems + j) * 2 + s;
        if (!has[col]) continue;
        b += snprintf(body + b, cap - (size_t)b, "%s'%s.csv' using 1:%d with lines lw 2 dt %d lc rgb '%s' title '%s %s'",
                      first ? "  plot " : ", ", name, 2 + col, s ? 2 : 1, cmp_colours[k], F[k].label,
                      s ? "left" : "right");
        first = 0;
      }
    /* a panel without data stays empty */
    b += snprintf(body + b, cap - (size_t)b, "%s\n", first ? "  set multiplot next" : "");
  }
  free(has);
  report_plot(rep, name, 380 * cols_n, 360 * rows, caption, body);
  free(body);
}

static void folders_table(const cmp_opts *o, cmp_folder *F, report *rep) {
  report_table(rep, "label|folder|frames|cycles kept R / L|gait|kind");
  for (int k = 0; k < o->ndirs; k++)
    report_row(rep, "%s|%s|%d|%d / %d|%s%s|%s", F[k].label, F[k].c->frames, F[k].c->n, F[k].c->gm.nkept[0],
               F[k].c->gm.nkept[1], F[k].gait ? "yes" : "no gait: ", F[k].gait ? "" : F[k].why,
               F[k].playback ? "playback (kinematic; contact forces are not dynamics)" : "rollout");
  report_table_end(rep);
  for (int k = 0; k < o->ndirs; k++)
    if (!F[k].gait)
      LOG_W("compare: %s (%s): no gait: %s; its metrics are NaN, the others are compared", F[k].label, o->dirs[k], F[k].why);
}

static void report_body(const cmp_opts *o, cmp_folder *F, report *rep) {
  report_heading(rep, "Folders");
  folders_table(o, F, rep);
  report_text(rep, "Gait events as in drl2move analyze: %s. Cycles run from heel strike to the next heel strike of the "
                   "same foot; a folder whose strides are not plausible (%.1f-%.1f s, at least %.1f m, alternating feet) "
                   "has no gait and NaN metrics.",
              o->events == GAIT_EVENTS_KINEMATIC ? "kinematic (Zeni et al. 2008: foot position relative to the pelvis)"
                                                 : "vertical GRF of each foot crossing the threshold",
              GAIT_MIN_STRIDE_S, GAIT_MAX_STRIDE_S, GAIT_MIN_STRIDE_M);
  report_heading(rep, "Gait metrics");
  report_text(rep, "Per folder: right (R), left (L) and the symmetry index SI = 100 (R - L) / (0.5 (R + L)) (Robinson et al. "
                   "1987; 0 symmetric, > 0 right larger). Then each folder minus %s, per side. Peak knee flexion in "
                   "swing: the largest mean knee angle of the side's cycles from its toe off (stance %%) to 100 %%.",
              F[0].label);
  write_metrics(o, F, rep);
  report_text(rep, "Standing measures (every folder, gait or not): time standing is the mean episode length; weight "
                   "bearing is each leg's share of the summed vertical ground reaction force, averaged over the frames "
                   "with load on the feet (after stroke the non-paretic leg carries more: 60.3 %% in 53 stroke survivors, "
                   "Adegoke et al. 2012, Glob J Health Sci 4(2):87); "
                   "excitations are means over all frames and the side's muscles of the group.");
  const char *lab[CMP_MAX_DIRS], *fr[CMP_MAX_DIRS]; /* energy and device rows: analysis/compare_device.h */
  for (int k = 0; k < o->ndirs; k++) lab[k] = F[k].label, fr[k] = F[k].c->frames;
  compare_device(o, lab, fr, rep);
  report_heading(rep, "Standing over time");
  an_ctx *C[CMP_MAX_DIRS];
  char labels[CMP_MAX_DIRS][32];
  for (int k = 0; k < o->ndirs; k++) C[k] = F[k].c, memcpy(labels[k], F[k].label, 32);
  cmp_stand_course(o->out, o->ndirs, C, (const char(*)[32])labels, cmp_colours, rep);
  report_heading(rep, "Joint angles over the gait cycle");
  curves(o, F, rep, "compare_kinematics", "q_", cmp_joints, CMP_NJ, "deg",
         "Hip flexion, knee and ankle angles (deg) over each side's gait cycle (0-100 % from its heel strike): mean over "
         "the kept cycles, one colour per folder, right solid, left dashed");
  report_heading(rep, "Muscle excitations over the gait cycle");
  curves(o, F, rep, "compare_excitation", "exc_", cmp_muscles, CMP_NM, "excitation",
         "Excitation (0-1) of eight muscles over each side's gait cycle: mean over the kept cycles, one colour per "
         "folder, right solid, left dashed");
}

int compare_run(const cmp_opts *o) {
  if (o->ndirs < 2 || o->ndirs > CMP_MAX_DIRS || !o->out)
    return LOG_E("compare: needs 2-%d folders and --out", CMP_MAX_DIRS), 1;
  cmp_folder *F = xcalloc(CMP_MAX_DIRS, sizeof *F);
  d2m_err err = {{0}};
  int rc = 0;
  char why[160];
  for (int k = 0; k < o->ndirs && !rc; k++) {
    if (o->labels[k]) snprintf(F[k].label, sizeof F[k].label, "%s", o->labels[k]);
    else default_label(o->dirs[k], F[k].label, sizeof F[k].label);
    for (int j = 0; j < k; j++)
      if (!strcmp(F[j].label, F[k].label)) snprintf(F[k].label + strlen(F[k].label) - (strlen(F[k].label) > 28 ? 3 : 0),
                                                    4, "-%d", k + 1);
    if (compare_label_ok(F[k].label, why, sizeof why)) rc = 1, LOG_E("compare: %s", why);
  }
  for (int k = 0; k < o->ndirs && !rc; k++)
    if (folder_load(o, k, &F[k], &err)) rc = 1, LOG_E("compare: %s", err.msg);
  if (!rc && file_mkdirs(o->out, &err)) rc = 1, LOG_E("compare: %s", err.msg);
  report rep;
  if (!rc && report_open(&rep, o->out, "drl2move compare")) rc = 1, LOG_E("compare: cannot write %s/report.html", o->out);
  if (!rc) {
    report_body(o, F, &rep);
    report_close(&rep);
    LOG_I("compare: %d folders; %d pictures (%d failed) -> %s/compare.csv, %s/report.html", o->ndirs, rep.plots_ok,
          rep.plots_failed, o->out, o->out);
  }
  for (int k = 0; k < CMP_MAX_DIRS; k++)
    if (F[k].c) stats_table_free(&F[k].c->tab), free(F[k].c->t), free(F[k].c);
  free(F);
  return rc;
}
