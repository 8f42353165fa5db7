/* learner/summary.c: what a person watching a long run wants to read: each progress line ends with
 * the share of the step budget done and an estimate of the time left, and the run ends with a
 * summary (steps, time, best and last return and episode length, where the checkpoint and the
 * plots are, the command to run next). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "common/ckpt.h"
#include "learner/learner_int.h"

/* "3h05m", "4m20s", "12s" */
static void duration(double s, char *out, size_t n) {
  if (!isfinite(s) || s < 0) snprintf(out, n, "?");
  else if (s >= 3600) snprintf(out, n, "%dh%02dm", (int)(s / 3600), (int)fmod(s / 60, 60));
  else if (s >= 60) snprintf(out, n, "%dm%02ds", (int)(s / 60), (int)fmod(s, 60));
  else snprintf(out, n, "%.0fs", s);
}

void summary_start(learner *L) {
  L->steps_at_start = L->env_steps;
  L->time_at_start = log_elapsed();
  L->best_ret = L->best_len = -INFINITY;
  L->last_ret = L->last_len = NAN;
}

void summary_eta(const learner *L, char *out, size_t n) {
  double total = (double)L->cfg->run_total_steps, now = log_elapsed();
  double session = (double)(L->env_steps - L->steps_at_start), dt = now - L->time_at_start;
  double rate = session > 0 && dt > 0 ? session / dt : 0;
  double eta = rate > 0 ? fmax(0, total - (double)L->env_steps) / rate : NAN;
  const char *by = "";
  double limit = L->cfg->run_time_limit_min * 60.0;
  if (limit > 0 && (!isfinite(eta) || now + eta > limit)) { /* the time limit comes first */
    eta = fmax(0, limit - now);
    by = " (time limit)";
  }
  char d[32];
  duration(eta, d, sizeof d);
  snprintf(out, n, "  %.1f%% of %.0f steps, ETA %s%s", 100.0 * fmin(1.0, (double)L->env_steps / total), total, d, by);
}

void summary_track(learner *L, double ret, double len) {
  if (isfinite(ret)) {
    L->last_ret = ret;
    if (ret > L->best_ret) L->best_ret = ret, L->best_ret_update = L->update;
  }
  if (isfinite(len)) {
    L->last_len = len;
    if (len > L->best_len) L->best_len = len, L->best_len_update = L->update;
  }
}

void summary_log(const learner *L, const char *why, int plotted) {
  const cfg_t *c = L->cfg;
  double control_dt = c->env_sim_dt * (double)c->env_substeps, now = log_elapsed();
  char total[32], session[32];
  duration(L->wall_before + now, total, sizeof total);
  duration(now, session, sizeof session);
  LOG_I("summary: stopped after update %ld (%s): %lld env steps in %s of wall time (this session: %lld steps in %s)",
        L->update, why ? why : "?", L->env_steps, total, L->env_steps - L->steps_at_start, session);
  if (isfinite(L->best_ret))
    LOG_I("summary: mean episode return best %.2f (update %ld), last %.2f; mean episode length best %.1f steps = %.2f s "
          "(update %ld), last %.1f steps = %.2f s", L->best_ret, L->best_ret_update, L->last_ret, L->best_len,
          L->best_len * control_dt, L->best_len_update, L->last_len, L->last_len * control_dt);
  else
    LOG_I("summary: no episode ended in this session (episodes are longer than the updates ran)");
  long u[1];
  char ck[4200] = "none";
  if (ckpt_list(L->run_dir, u, 1) == 1) ckpt_path(ck, sizeof ck, L->run_dir, u[0]);
  LOG_I("summary: checkpoint %s; learning curves %s/%s", ck, L->run_dir,
        plotted ? "learning_curves.png" : "learning_curves.gp (not plotted)");
  LOG_I("summary: next: drl2move eval --checkpoint %s   (more training: mpirun -np %d drl2move train --resume %s "
        "--steps N)", L->run_dir, L->total_actors + L->ngroup, L->run_dir);
}
