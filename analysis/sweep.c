/* analysis/sweep.c: assistance-parameter sweep (see sweep.h). */
#include "analysis/sweep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/files.h"
#include "common/plot.h"

int sweep_parse_list(const char *opt, const char *text, double lo, double hi, double *out, d2m_err *err) {
  int n = 0;
  const char *p = text;
  while (*p) {
    char *end;
    double x = strtod(p, &end);
    if (end == p || !isfinite(x)) return err_set(err, "%s '%s': expected numbers separated by commas", opt, text);
    if (x < lo || x > hi) return err_set(err, "%s: %g outside [%g, %g]", opt, x, lo, hi);
    if (n == SWEEP_MAX) return err_set(err, "%s: more than %d values", opt, SWEEP_MAX);
    out[n++] = x;
    if (*end == ',') end++;
    else if (*end) return err_set(err, "%s '%s': expected numbers separated by commas", opt, text);
    p = end;
  }
  if (!n) return err_set(err, "%s: no values", opt);
  return n;
}

static int user_sets(const eval_opts *e, const char *prefix) {
  for (int i = 0; i < e->nset; i++)
    if (!strncmp(e->set[i], prefix, strlen(prefix))) return 1;
  return 0;
}

static void csv_num(FILE *f, double x) {
  if (isfinite(x)) fprintf(f, ",%.6g", x);
  else fputs(",nan", f);
}

/* One setting: eval into DIR/label with the extra --set keys; its row in the table. */
static int run_one(const sweep_opts *o, FILE *csv, const char *label, double tq, double tm, const char **extra,
                   int nextra, eval_result *res, d2m_err *err) {
  eval_opts e = o->eval;
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/%s", o->out_dir, label);
  e.out_dir = dir;
  if (e.nset + nextra > EVAL_MAX_SET) return err_set(err, "device sweep: too many --set options");
  for (int i = 0; i < nextra; i++) e.set[e.nset++] = extra[i];
  eval_result r;
  if (eval_run(&e, &r, err)) return err_wrap(err, "device sweep, %s", label);
  if (res) *res = r;
  fprintf(csv, "%s", label);
  csv_num(csv, tq), csv_num(csv, tm), csv_num(csv, r.mean_length), csv_num(csv, r.met_power_w);
  csv_num(csv, r.cot), csv_num(csv, r.cot_net), csv_num(csv, r.stride_j);
  csv_num(csv, r.dev_work_pos), csv_num(csv, r.dev_work_neg), csv_num(csv, r.dev_peak);
  csv_num(csv, r.pf_act);
  fputc('\n', csv);
  fflush(csv);
  LOG_I("device sweep: %s: metabolic %.1f W, cost of transport %.3g J/(kg m), device work %+.1f/%.1f J, peak %.1f N m",
        label, r.met_power_w, r.cot, r.dev_work_pos, r.dev_work_neg, r.dev_peak);
  return 0;
}

static int write_plot(const sweep_opts *o, double base_power, d2m_err *err) {
  char p[4200];
  snprintf(p, sizeof p, "%s/sweep.gp", o->out_dir);
  FILE *f = fopen(p, "w");
  if (!f) return err_set(err, "%s: cannot write", p);
  fprintf(f, "set terminal pngcairo size 800,500\nset output 'sweep.png'\nset datafile separator ','\n"
             "set key outside right\nset grid\nset xlabel 'peak torque (N m/kg)'\nset ylabel 'metabolic power (W)'\n"
             "set title 'Ankle exoskeleton: metabolic power (Umberger 2003) against the assistance'\n");
  fprintf(f, "plot %.9g title 'no device' dt 2 lc rgb 'black'", base_power);
  for (int j = 0; j < o->ntime; j++)
    fprintf(f, ", 'sweep.csv' every ::%d::%d using 2:5 with linespoints title 'peak at %.3g'", 2 + j * o->ntorque,
            1 + (j + 1) * o->ntorque, o->time[j]);
  fputc('\n', f);
  if (fclose(f)) return err_set(err, "%s: write failed", p);
  if (plot_run(o->out_dir, "sweep.gp", "sweep.gp.err")) LOG_W("device sweep: no plot (gnuplot missing or failed)");
  return 0;
}

int sweep_run(const sweep_opts *o, d2m_err *err) {
  if (file_mkdirs(o->out_dir, err)) return -1;
  char p[4200];
  snprintf(p, sizeof p, "%s/sweep.csv", o->out_dir);
  FILE *csv = fopen(p, "w");
  if (!csv) return err_set(err, "%s: cannot write", p);
  fputs("label,peak_torque_Nm_kg,peak_time,mean_length,met_power_W,cot_J_kg_m,cot_net_J_kg_m,stride_J,"
        "dev_work_pos_J,dev_work_neg_J,dev_peak_Nm,plantarflexor_act\n", csv);
  const char *none[] = {"device.ankle=none"};
  eval_result base = {0};
  int rc = run_one(o, csv, "none", NAN, NAN, none, 1, &base, err);
  char sets[2][64], label[64];
  const char *extra[4];
  for (int j = 0; j < o->ntime && !rc; j++) /* a block of rows per peak time: one plot line each */
    for (int i = 0; i < o->ntorque && !rc; i++) {
      int n = 0;
      if (!user_sets(&o->eval, "device.ankle=")) extra[n++] = "device.ankle=both";
      extra[n++] = "device.ankle_control=profile";
      snprintf(sets[0], sizeof sets[0], "device.peak_torque=%.9g", o->torque[i]);
      snprintf(sets[1], sizeof sets[1], "device.peak_time=%.9g", o->time[j]);
      extra[n++] = sets[0], extra[n++] = sets[1];
      snprintf(label, sizeof label, "T%.3g_t%.3g", o->torque[i], o->time[j]);
      rc = run_one(o, csv, label, o->torque[i], o->time[j], extra, n, NULL, err);
    }
  if (fclose(csv) && !rc) rc = err_set(err, "%s: write failed", p);
  if (rc) return -1;
  return write_plot(o, base.met_power_w, err);
}
