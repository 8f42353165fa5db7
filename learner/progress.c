/* learner/progress.c: progress.csv and progress.jsonl (the same row as CSV and as one JSON object per
 * line), one row per update, flushed at once so a crash loses nothing; with a clip library, clips.csv
 * (one row per clip and update, learner/mining.h); learning-curve plots. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ckpt.h"
#include "common/plot.h"
#include "learner/learner_int.h"

static void log_experts(const learner *L);

/* Field names, in row order. */
static const char *k_fields[] = {
    "update", "env_steps", "wall_s", "sps", "sps_per_actor", "episodes", "ep_return_mean", "ep_return_min",
    "ep_return_max", "ep_len_mean", "ep_len_min", "ep_len_max", "success", "mpjpe_mm", "joint_rmse_deg",
    "pg_loss", "v_loss", "entropy", "approx_kl", "clipfrac", "explained_var", "grad_norm", "lr", "epochs",
    "update_s", "lag_min", "lag_avg", "lag_max", "dropped", "malformed", "numerical_resets", "obs_count",
    "amp_d_loss", "amp_acc_ref", "amp_acc_pol", "amp_style_reward", "amp_gp",
    "refused_updates"};
enum { NFIELDS = sizeof k_fields / sizeof *k_fields };

enum { CLIPS_FIELDS = 10 }; /* mining_csv_header */

/* A whole row: ends with its newline and has every field (a full disk can cut a row anywhere). */
static int row_complete(const char *line, int json, int nfields) {
  size_t n = strlen(line);
  if (n < 2 || line[n - 1] != '\n') return 0;
  if (json) return line[n - 2] == '}';
  int commas = 0;
  for (const char *p = line; *p; p++) commas += *p == ',';
  return commas == nfields - 1;
}

/* Keep only the rows of updates <= last: a run resumed from an older checkpoint must not carry rows
 * of updates it is about to redo. The first field of every row (CSV and JSON) is the update. A row
 * cut short (the disk filled up mid-row) is dropped, so the next row does not glue onto it. */
static void progress_truncate(const char *path, long last, int json, int nfields) {
  FILE *f = fopen(path, "r");
  if (!f) return;
  char *out = NULL, line[16384];
  size_t n = 0;
  FILE *mem = open_memstream(&out, &n);
  int first = 1;
  while (fgets(line, sizeof line, f)) {
    long u;
    int keep = json ? sscanf(line, "{\"update\":%ld", &u) == 1 && u <= last
                    : (first || (sscanf(line, "%ld,", &u) == 1 && u <= last));
    if (keep && !row_complete(line, json, nfields)) {
      LOG_W("%s: dropping a row cut short (update %ld, %zu bytes; a full disk?)", path, u, strlen(line));
      keep = 0;
    }
    if (keep) fputs(line, mem);
    first = 0;
  }
  fclose(f);
  fclose(mem);
  d2m_err err;
  if (file_write_atomic(path, out, n, &err)) LOG_W("%s", err.msg);
  free(out);
}

int progress_open(learner *L, int append) {
  char csv[4200], jsonl[4200];
  snprintf(csv, sizeof csv, "%s/progress.csv", L->run_dir);
  snprintf(jsonl, sizeof jsonl, "%s/progress.jsonl", L->run_dir);
  int fresh = !append || access(csv, F_OK) != 0;
  if (!fresh) {
    progress_truncate(csv, L->update, 0, NFIELDS);
    progress_truncate(jsonl, L->update, 1, NFIELDS);
  }
  if (L->mine.n > 0) { /* clips.csv goes with progress.csv: fresh, or cut back to the checkpoint's update */
    char clips[4200];
    snprintf(clips, sizeof clips, "%s/clips.csv", L->run_dir);
    int cfresh = fresh || access(clips, F_OK) != 0;
    if (!cfresh) progress_truncate(clips, L->update, 0, CLIPS_FIELDS);
    if (!(L->clips = fopen(clips, cfresh ? "w" : "a"))) {
      LOG_E("%s: cannot write: %s", clips, strerror(errno));
      return -1;
    }
    if (cfresh) mining_csv_header(L->clips);
  }
  if (L->rehab.on) { /* rehab.csv likewise */
    char rpath[4200];
    snprintf(rpath, sizeof rpath, "%s/rehab.csv", L->run_dir);
    int rfresh = fresh || access(rpath, F_OK) != 0;
    if (!rfresh) progress_truncate(rpath, L->update, 0, LREHAB_CSV_FIELDS);
    if (!(L->rehab_csv = fopen(rpath, rfresh ? "w" : "a"))) {
      LOG_E("%s: cannot write: %s", rpath, strerror(errno));
      return -1;
    }
    if (rfresh) lrehab_csv_header(&L->rehab, L->rehab_csv);
  }
  L->csv = fopen(csv, fresh ? "w" : "a");
  L->jsonl = fopen(jsonl, fresh ? "w" : "a");
  if (!L->csv || !L->jsonl) {
    LOG_E("%s: cannot write the progress log", csv);
    return -1;
  }
  if (fresh) {
    for (int i = 0; i < NFIELDS; i++) fprintf(L->csv, "%s%s", k_fields[i], i + 1 < NFIELDS ? "," : "\n");
    if (fflush(L->csv) || ferror(L->csv)) {
      LOG_E("%s: cannot write the progress log: %s", csv, strerror(errno));
      return -1;
    }
  }
  L->time_at_last_row = log_elapsed();
  L->steps_at_last_row = L->env_steps;
  summary_start(L);
  return 0;
}

static double nan_if_none(long n, double v) { return n ? v : NAN; }

int progress_row(learner *L, const ppo_metrics *m) {
  const ep_stats *e = &L->eps;
  double now = log_elapsed(), dt = now - L->time_at_last_row;
  double sps = dt > 0 ? (double)(L->env_steps - L->steps_at_last_row) / dt : 0;
  double v[NFIELDS] = {
      (double)L->update, (double)L->env_steps, L->wall_before + now, sps, sps / L->total_actors, (double)e->n,
      nan_if_none(e->n, e->ret_sum / (double)(e->n ? e->n : 1)), nan_if_none(e->n, e->ret_min), nan_if_none(e->n, e->ret_max),
      nan_if_none(e->n, e->len_sum / (double)(e->n ? e->n : 1)), nan_if_none(e->n, e->len_min), nan_if_none(e->n, e->len_max),
      nan_if_none(e->n, e->success_sum / (double)(e->n ? e->n : 1)),
      nan_if_none(e->mpjpe_n, e->mpjpe_sum / (double)(e->mpjpe_n ? e->mpjpe_n : 1)),
      nan_if_none(e->mpjpe_n, e->rmse_sum / (double)(e->mpjpe_n ? e->mpjpe_n : 1)),
      m->pg_loss, m->v_loss, m->entropy, m->approx_kl, m->clipfrac, m->explained_var, m->grad_norm, m->lr, m->epochs,
      m->seconds, nan_if_none(L->lag_n, L->lag_min), nan_if_none(L->lag_n, L->lag_sum / (double)(L->lag_n ? L->lag_n : 1)),
      nan_if_none(L->lag_n, L->lag_max), (double)(L->ngroup > 1 ? L->grp_dropped : L->dropped),
      (double)(L->ngroup > 1 ? L->grp_malformed : L->malformed), (double)e->numerical,
      L->obs_stats.count, L->amp_on ? L->amp_m.loss : NAN, L->amp_on ? L->amp_m.acc_ref : NAN,
      L->amp_on ? L->amp_m.acc_pol : NAN, L->amp_on ? L->amp_m.reward_mean : NAN, L->amp_on ? L->amp_m.gp : NAN,
      (double)L->guard.refused};
  fputc('{', L->jsonl);
  for (int i = 0; i < NFIELDS; i++) {
    /* CSV leaves a missing value empty; JSON writes null. */
    if (isfinite(v[i])) {
      fprintf(L->csv, "%.10g", v[i]);
      fprintf(L->jsonl, "\"%s\":%.10g", k_fields[i], v[i]);
    } else {
      fprintf(L->jsonl, "\"%s\":null", k_fields[i]);
    }
    fputc(i + 1 < NFIELDS ? ',' : '\n', L->csv);
    fputs(i + 1 < NFIELDS ? "," : "}\n", L->jsonl);
  }
  /* Write errors (a full disk) are fatal for the run: the learner checkpoints and stops on them. */
  int bad = fflush(L->csv) != 0 || ferror(L->csv);
  bad |= fflush(L->jsonl) != 0 || ferror(L->jsonl);
  if (L->clips) bad |= mining_csv_rows(&L->mine, L->clips, L->update, L->env_steps) || fflush(L->clips) != 0;
  if (bad && !L->write_errno) {
    L->write_errno = errno ? errno : EIO;
    LOG_E("%s/progress.csv, progress.jsonl or clips.csv: write failed at update %ld: %s", L->run_dir, L->update,
          strerror(L->write_errno));
  }
  char eta[128];
  summary_track(L, v[6], v[9]);
  summary_eta(L, eta, sizeof eta);
  LOG_I("update %ld  steps %lld  %.0f sps  episodes %ld  return %.2f  length %.1f  kl %.4f  ev %.2f  lag %.1f%s",
        L->update, L->env_steps, sps, e->n, v[6], v[9], m->approx_kl, m->explained_var, v[26], eta);
  if (L->amp_on)
    LOG_I("amp: disc loss %.4f  acc ref %.3f pol %.3f  style reward %.3f  grad penalty %.4f", L->amp_m.loss,
          L->amp_m.acc_ref, L->amp_m.acc_pol, L->amp_m.reward_mean, L->amp_m.gp);
  if (L->ppo.mir) LOG_I("mirror: symmetry loss %.4g (ppo.mirror %g)", m->mirror_loss, L->pcfg.mirror);
  if (L->net.cfg.experts > 1) log_experts(L);
  L->time_at_last_row = now;
  L->steps_at_last_row = L->env_steps;
  return bad ? -1 : 0;
}

/* Mixture of experts (nn/moe.h): how much of the policy each expert is, on the update's last
 * minibatch, so that an expert the gate has dropped shows in the log. */
static void log_experts(const learner *L) {
  int K = L->net.cfg.experts, B = L->ppo.last_mb;
  char line[8 * 16] = "";
  size_t len = 0;
  for (int k = 0; k < K && B > 0; k++) {
    double s = 0;
    for (int b = 0; b < B; b++) s += L->ppo.ws.moe_gate[(size_t)b * K + k];
    len += (size_t)snprintf(line + len, sizeof line - len, " %.3f", s / B);
  }
  LOG_I("experts: mean gate weight of each on the last minibatch:%s", line);
}

int progress_rehab_row(learner *L) {
  const lrehab *r = &L->rehab;
  LOG_I("rehab phase %lld: paretic (%s) side mean use %.4f, strength %.4f, spasticity gain %.4f", (long long)r->phase,
        r->p.side ? "left" : "right", lrehab_side_mean(r, r->use), lrehab_side_mean(r, r->strength),
        lrehab_side_mean(r, r->spas_gain));
  if (!L->rehab_csv || lrehab_csv_row(r, L->rehab_csv, L->update, L->env_steps) == 0) return 0;
  if (!L->write_errno) {
    L->write_errno = errno ? errno : EIO;
    LOG_E("%s/rehab.csv: write failed at update %ld: %s", L->run_dir, L->update, strerror(L->write_errno));
  }
  return -1;
}

void progress_close(learner *L) {
  if (L->rehab_csv) fclose(L->rehab_csv);
  L->rehab_csv = NULL;
  if (L->csv) fclose(L->csv);
  if (L->jsonl) fclose(L->jsonl);
  if (L->clips) fclose(L->clips);
  L->csv = L->jsonl = L->clips = NULL;
}

int progress_plot(const char *run_dir, double control_dt) {
  char path[4200];
  snprintf(path, sizeof path, "%s/learning_curves.gp", run_dir);
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  /* Columns by name (gnuplot 5: columnheader lookups), so the script survives new fields. */
  /* The run's folder name as the title, with quotes and backslashes (gnuplot string syntax) replaced. */
  const char *base = strrchr(run_dir, '/') && strrchr(run_dir, '/')[1] ? strrchr(run_dir, '/') + 1 : run_dir;
  char title[256];
  snprintf(title, sizeof title, "%s", base);
  for (char *c = title; *c; c++)
    if (*c == '\'' || *c == '\\' || *c == '"') *c = '_';
  /* Readable x ticks: steps in thousands (k) or millions (M) by the largest value, the axis ending
   * at the data (xfixmax), episode length in seconds, approx KL on its own right-hand axis (it is
   * 10-100x smaller than the clip fraction and explained variance). */
  fprintf(f,
          "# Learning curves of this run: gnuplot learning_curves.gp (reads progress.csv)\n"
          "set datafile separator ','\n"
          "set datafile missing ''\n"
          "set terminal pngcairo size 1200,800 font ',10'\n"
          "set output 'learning_curves.png'\n"
          "stats 'progress.csv' using 'env_steps' nooutput\n"
          "xs = STATS_max >= 1e6 ? 1e6 : (STATS_max >= 1e3 ? 1e3 : 1)\n"
          "xu = STATS_max >= 1e6 ? 'M' : (STATS_max >= 1e3 ? 'k' : '')\n"
          "dt = %.9g  # control period (s): env.sim_dt x env.substeps\n"
          "set format x '%%g'.xu\n"
          "set autoscale xfixmin\n"
          "set autoscale xfixmax\n"
          "set multiplot layout 2,2 title 'drl2move: %s' noenhanced\n"
          "set grid\n"
          "set xlabel 'environment steps'\n"
          "set key top left\n"
          "set ylabel 'episode return'\n"
          "plot 'progress.csv' using (column('env_steps')/xs):'ep_return_mean' with lines lw 2 title 'mean', "
          "'' using (column('env_steps')/xs):'ep_return_min' with lines lc rgb '#aaaaaa' title 'min', "
          "'' using (column('env_steps')/xs):'ep_return_max' with lines lc rgb '#aaaaaa' dt 2 title 'max'\n"
          "set ylabel 'episode length (s)'\n"
          "plot 'progress.csv' using (column('env_steps')/xs):(column('ep_len_mean')*dt) with lines lw 2 title 'mean'\n"
          "set ylabel 'clip fraction, explained variance'\n"
          "set y2label 'approx KL'\n"
          "set y2tics\n"
          "set ytics nomirror\n"
          "plot 'progress.csv' using (column('env_steps')/xs):'clipfrac' with lines title 'clip fraction', "
          "'' using (column('env_steps')/xs):'explained_var' with lines title 'explained variance', "
          "'' using (column('env_steps')/xs):'approx_kl' axes x1y2 with lines title 'approx KL (right axis)'\n"
          "unset y2label\n"
          "unset y2tics\n"
          "set ytics mirror\n"
          "set ylabel 'env steps / s'\n"
          "plot 'progress.csv' using (column('env_steps')/xs):'sps' with lines title 'total'\n"
          "unset multiplot\n",
          control_dt, title);
  fclose(f);
  if (plot_run(run_dir, "learning_curves.gp", "plot.err") == 0) {
    LOG_I("plots: %s/learning_curves.png", run_dir);
    return 0;
  }
  LOG_W("learning curves not plotted (gnuplot missing or failed, see %s/plot.err); the script is %s", run_dir, path);
  return -1;
}
