/* analysis/devplay.c: `drl2move device playback` (see devplay.h). */
#include "analysis/devplay.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/config.h"
#include "common/files.h"
#include "common/plot.h"
#include "envs/device.h"
#include "envs/env_config.h"
#include "envs/motion/refmotion.h"
#include "envs/motion/so.h"

/* One frame on the cycle, in phase order from the right heel strike. */
typedef struct frame {
  double t, phase, q, dq, grf_bw, bio_pf, exo_pf, fsm_pf;
  int fsm_phase;
} frame;

/* The config of the run and of the biological model (every device off, the subject kept). */
static int configs(const devplay_opts *o, cfg_t *c, cfg_t *plain, dev_params *p, d2m_err *err) {
  const char *set[DEVPLAY_MAX_SET + 1];
  for (int i = 0; i < o->nset; i++) set[i] = o->set[i];
  set[o->nset] = NULL;
  if (cfg_with(c, set, err) || dev_params_from_cfg(c, p, err)) return -1;
  *plain = *c;
  const char *keys[3] = {"ankle", "knee", "prosthesis"};
  for (int i = 0; i < 3; i++)
    if (cfg_set(plain, "device playback", "device", keys[i], "none", err)) return -1;
  return 0;
}

/* The right stance: the longest cyclic run of frames whose foot force is above thr (the estimate
 * flickers above it for a frame or two in late swing). Returns its first frame (the heel strike) and
 * its length in *len (0: never loaded). */
static int stance_run(const double *fz, int n, double thr, int *len) {
  int best = 0, best_len = 0;
  for (int k = 0; k < n; k++) {
    if (!(fz[2 * k] > thr) || fz[2 * ((k + n - 1) % n)] > thr) continue; /* not a rise */
    int l = 0;
    while (l < n && fz[2 * ((k + l) % n)] > thr) l++;
    if (l > best_len) best = k, best_len = l;
  }
  *len = best_len;
  return best;
}

static void fill_frames(const devplay_opts *o, const dev_params *p, const mjModel *m, const refmotion *r,
                        const so_result *s, double body_mass, frame *f) {
  int j = mj_name2id(m, mjOBJ_JOINT, "ankle_angle_r"), qa = m->jnt_qposadr[j], da = m->jnt_dofadr[j];
  int n = s->nframes, nstance, late = 0;
  int k0 = stance_run(s->foot_fz, n, o->contact_bw * body_mass * 9.81, &nstance);
  double *qpos = xcalloc((size_t)m->nq, sizeof(double)), *qvel = xcalloc((size_t)m->nv, sizeof(double));
  for (int i = 0; i < n; i++) {
    int k = (k0 + i) % n;
    frame *F = &f[i];
    refmotion_frame(r, k, qpos, qvel, NULL, NULL);
    F->t = k * o->dt, F->phase = (double)i / n, F->q = qpos[qa], F->dq = qvel[da];
    F->grf_bw = s->foot_fz[2 * k] / (body_mass * 9.81);
    F->bio_pf = -s->tau[(size_t)k * s->nv + da];
    F->exo_pf = fmin(dev_profile_torque(p, F->phase, body_mass), p->model.ankle_limit);
    int contact = i < nstance;
    F->fsm_phase = dev_fsm_phase(contact, late, F->q, p->imp_late_angle);
    late = F->fsm_phase == 1;
    int ph = F->fsm_phase;
    double tau = dev_impedance_torque(p->pros_k[ph], p->pros_b[ph], p->pros_eq[ph], F->q, F->dq);
    double L = p->model.pros_limit;
    F->fsm_pf = -(tau > L ? L : tau < -L ? -L : tau);
  }
  free(qpos), free(qvel);
}

/* Series compliance (device.series_k > 0): each command through the env's spring and motor law
 * (dev_series_step) at the physics step h, the joint angle advancing at the frame's velocity; two
 * passes over the cycle so that the second starts from the motor state the first left (the cyclic
 * steady state); a frame holds the mean of its substeps' torques. */
static void through_springs(frame *f, int n, const dev_params *p, double dt, double h) {
  int nsub = (int)(dt / h + 0.5);
  if (nsub < 1) nsub = 1;
  h = dt / nsub;
  double th[2] = {f[0].q, f[0].q}, La = p->model.ankle_limit, Lp = p->model.pros_limit;
  for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < n; i++) {
      double cmd[2] = {-f[i].exo_pf, -f[i].fsm_pf}, lim[2] = {La, Lp}, mean[2] = {0, 0};
      for (int j = 0; j < nsub; j++) {
        double q = f[i].q + f[i].dq * h * j;
        for (int d = 0; d < 2; d++) {
          double t = dev_series_step(&th[d], q, cmd[d], p->series_k, p->motor_speed * h);
          mean[d] += (t > lim[d] ? lim[d] : t < -lim[d] ? -lim[d] : t) / nsub;
        }
      }
      if (pass == 1) f[i].exo_pf = -mean[0], f[i].fsm_pf = -mean[1];
    }
}

static void outcomes(const frame *f, int n, double dt, devplay_result *R) {
  double sb = 0, sf = 0, sbb = 0, sff = 0, sbf = 0, cover = 0, pfpos = 0;
  for (int i = 0; i < n; i++) {
    const frame *F = &f[i];
    double pb = -F->bio_pf * F->dq, pe = -F->exo_pf * F->dq, pf = -F->fsm_pf * F->dq; /* W: moment x dq */
    R->bio_peak_pf = fmax(R->bio_peak_pf, F->bio_pf);
    R->bio_impulse += fmax(F->bio_pf, 0) * dt;
    R->bio_wpos += fmax(pb, 0) * dt, R->bio_wneg += fmin(pb, 0) * dt;
    R->exo_peak = fmax(R->exo_peak, F->exo_pf);
    R->exo_impulse += F->exo_pf * dt;
    R->exo_wpos += fmax(pe, 0) * dt, R->exo_wneg += fmin(pe, 0) * dt;
    cover += fmin(F->exo_pf, fmax(F->bio_pf, 0)) * dt;
    pfpos += fmax(F->bio_pf, 0) * dt;
    R->fsm_peak_pf = fmax(R->fsm_peak_pf, F->fsm_pf);
    R->fsm_impulse += fmax(F->fsm_pf, 0) * dt;
    R->fsm_wpos += fmax(pf, 0) * dt, R->fsm_wneg += fmin(pf, 0) * dt;
    R->stance_frac += (F->fsm_phase != 2) / (double)n;
    double e = F->fsm_pf - F->bio_pf;
    R->fsm_rms += e * e / n;
    sb += F->bio_pf, sf += F->fsm_pf, sbb += F->bio_pf * F->bio_pf, sff += F->fsm_pf * F->fsm_pf;
    sbf += F->bio_pf * F->fsm_pf;
  }
  R->fsm_rms = sqrt(R->fsm_rms);
  R->exo_cover = pfpos > 0 ? cover / pfpos : 0;
  double vb = sbb - sb * sb / n, vf = sff - sf * sf / n;
  R->fsm_corr = vb > 0 && vf > 0 ? (sbf - sb * sf / n) / sqrt(vb * vf) : 0;
}

static int write_csv(const char *dir, const frame *f, int n, d2m_err *err) {
  char p[4200];
  snprintf(p, sizeof p, "%s/device_playback.csv", dir);
  FILE *c = fopen(p, "w");
  if (!c) return err_set(err, "%s: cannot write", p);
  fprintf(c, "t_s,phase,ankle_deg,ankle_vel_rad_s,grf_r_bw,fsm_phase,bio_pf_Nm,exo_pf_Nm,fsm_pf_Nm\n");
  for (int i = 0; i < n; i++)
    fprintf(c, "%.5f,%.5f,%.4f,%.5f,%.4f,%d,%.4f,%.4f,%.4f\n", f[i].t, f[i].phase, f[i].q * 180 / M_PI, f[i].dq,
            f[i].grf_bw, f[i].fsm_phase, f[i].bio_pf, f[i].exo_pf, f[i].fsm_pf);
  if (fclose(c)) return err_set(err, "%s: write failed", p);
  return 0;
}

static void table(FILE *t, const devplay_result *R, const dev_params *p) {
  double M = R->body_mass;
  if (p->series_k > 0)
    fprintf(t, "Devices through a series spring of %g N m/rad, motor speed %g rad/s.\n\n", p->series_k, p->motor_speed);
  fprintf(t, "| right ankle, one gait cycle (%.2f s, stance %.0f%%) | peak plantarflexion (N m; N m/kg) | "
             "plantarflexion impulse (N m s) | positive / negative work (J) |\n|---|---|---|---|\n",
          R->period_s, 100 * R->stance_frac);
  fprintf(t, "| biological moment (inverse dynamics) | %.1f; %.2f | %.1f | %+.1f / %.1f |\n", R->bio_peak_pf,
          R->bio_peak_pf / M, R->bio_impulse, R->bio_wpos, R->bio_wneg);
  fprintf(t, "| exoskeleton profile (%.2f N m/kg at %.0f%%, onset %.0f%%, offset %.0f%%) | %.1f; %.2f | %.1f (%.0f%% of the "
             "biological; covers %.0f%% of it) | %+.1f / %.1f |\n",
          p->peak_torque, 100 * p->peak_time, 100 * p->onset, 100 * p->offset, R->exo_peak, R->exo_peak / M,
          R->exo_impulse, R->bio_impulse > 0 ? 100 * R->exo_impulse / R->bio_impulse : 0, 100 * R->exo_cover,
          R->exo_wpos, R->exo_wneg);
  fprintf(t, "| prosthesis impedance FSM (k %g/%g/%g N m/rad) | %.1f; %.2f | %.1f (%.0f%% of the biological) | "
             "%+.1f / %.1f |\n",
          p->pros_k[0], p->pros_k[1], p->pros_k[2], R->fsm_peak_pf, R->fsm_peak_pf / M, R->fsm_impulse,
          R->bio_impulse > 0 ? 100 * R->fsm_impulse / R->bio_impulse : 0, R->fsm_wpos, R->fsm_wneg);
  fprintf(t, "\nFSM torque against the biological moment over the cycle: RMS difference %.1f N m, correlation %.2f.\n",
          R->fsm_rms, R->fsm_corr);
}

static int write_plot(const char *dir, double M, d2m_err *err) {
  char p[4200];
  snprintf(p, sizeof p, "%s/device_playback.gp", dir);
  FILE *f = fopen(p, "w");
  if (!f) return err_set(err, "%s: cannot write", p);
  fprintf(f, "set terminal pngcairo size 900,500\nset output 'device_playback.png'\nset datafile separator ','\n"
             "set key top right\nset grid\nset xlabel 'right gait cycle (%%, from heel strike)'\n"
             "set ylabel 'plantarflexion moment (N m/kg)'\nset y2label 'ankle angle (deg, dorsiflexion +)'\n"
             "set y2tics\nset ytics nomirror\n"
             "set title 'Embedded gait played back: biological ankle moment (inverse dynamics) and the device laws'\n");
  fprintf(f, "plot 'device_playback.csv' every ::1 using ($2*100):($7/%.6g) with lines lw 2 title 'biological (inverse dynamics)', "
             "'' every ::1 using ($2*100):($8/%.6g) with lines lw 2 title 'exoskeleton profile', "
             "'' every ::1 using ($2*100):($9/%.6g) with lines lw 2 title 'prosthesis impedance FSM', "
             "'' every ::1 using ($2*100):3 axes x1y2 with lines dt 2 lc rgb 'gray' title 'ankle angle'\n",
          M, M, M);
  if (fclose(f)) return err_set(err, "%s: write failed", p);
  if (plot_run(dir, "device_playback.gp", "device_playback.gp.err"))
    LOG_W("device playback: no plot (gnuplot missing or failed)");
  return 0;
}

int devplay_run(const devplay_opts *o, devplay_result *res, d2m_err *err) {
  cfg_t c, plain;
  dev_params p;
  if (!(o->dt >= 1e-4 && o->dt <= 0.05)) return err_set(err, "device playback: --dt %g outside [0.0001, 0.05] s", o->dt);
  if (!(o->contact_bw > 0 && o->contact_bw < 2))
    return err_set(err, "device playback: --contact-bw %g outside (0, 2) body weights", o->contact_bw);
  if (configs(o, &c, &plain, &p, err) || file_mkdirs(o->out_dir, err)) return -1;
  mjModel *m = env_model_from_cfg(&plain, err);
  if (!m) return -1;
  refmotion r;
  so_result s;
  so_opts so;
  so_opts_init(&so);
  int rc = -1;
  if (refmotion_default_gait(&r, m, o->dt, err)) goto out_model;
  if (so_run(&s, m, &r, &so, err)) goto out_ref;
  devplay_result R;
  memset(&R, 0, sizeof R);
  for (int b = 0; b < m->nbody; b++) R.body_mass += m->body_mass[b];
  R.nframes = s.nframes, R.period_s = s.nframes * o->dt;
  frame *f = xcalloc((size_t)s.nframes, sizeof *f);
  fill_frames(o, &p, m, &r, &s, R.body_mass, f);
  if (p.series_k > 0) through_springs(f, s.nframes, &p, o->dt, m->opt.timestep);
  outcomes(f, s.nframes, o->dt, &R);
  char path[4200];
  snprintf(path, sizeof path, "%s/device_playback.md", o->out_dir);
  FILE *t = fopen(path, "w");
  if (!t) err_set(err, "%s: cannot write", path);
  else if (table(t, &R, &p), fclose(t)) err_set(err, "%s: write failed", path);
  else if (!write_csv(o->out_dir, f, s.nframes, err) && !write_plot(o->out_dir, R.body_mass, err)) rc = 0;
  if (!rc) table(stdout, &R, &p);
  if (res) *res = R;
  free(f);
  so_result_free(&s);
out_ref:
  refmotion_free(&r);
out_model:
  mj_deleteModel(m);
  return rc;
}
