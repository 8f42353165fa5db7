/* mocap/motion_so.c: the work of `drl2move motion so` (argv in deploy/motion_cli.c): static
 * optimisation (envs/motion/so.h) of a reference motion, written as OpenSim users expect:
 *   DIR/activations.sto       muscle activations, then the reserve actuators' controls r/R0 (the
 *                             layout of OpenSim's *_StaticOptimization_activation.sto)
 *   DIR/inverse_dynamics.sto  generalised forces per coordinate (N m or N), <coordinate>_moment|force
 *   DIR/residuals.sto         pelvis residual FX FY FZ (N, world) MX MY MZ (N m, pelvis axes), total
 *                             contact force (N, world), max |reserve| (N m), moment check (N m)
 *   DIR/activations.gp|png, DIR/residuals.gp|png   gnuplot scripts and pictures
 * and a summary on stdout (residuals, reserves, timing). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/files.h"
#include "envs/model/model.h"
#include "envs/motion/so.h"
#include "mocap/motion_cmd.h"

/* Name of dof j: its joint's name (hinge and slide joints have one dof). */
static const char *dof_name(const mjModel *m, int j) { return mj_id2name(m, mjOBJ_JOINT, m->dof_jntid[j]); }

static int write_sto(const char *dir, const char *file, const mjModel *m, const so_result *s, int what, d2m_err *err) {
  char path[1200];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  FILE *f = fopen(path, "w");
  if (!f) return err_set(err, "%s: cannot write: %s", path, strerror(errno));
  int nu = s->nu, nv = s->nv, nc = 1;
  nc += what == 0 ? nu + nv - 6 : what == 1 ? nv - 6 : 11;
  fprintf(f, "%s\nversion=1\nnRows=%d\nnColumns=%d\ninDegrees=no\nendheader\ntime", file, s->nframes, nc);
  if (what == 0) {
    for (int i = 0; i < nu; i++) fprintf(f, "\t%s", mj_id2name(m, mjOBJ_ACTUATOR, i));
    for (int j = 6; j < nv; j++) fprintf(f, "\treserve_%s", dof_name(m, j));
  } else if (what == 1) {
    for (int j = 6; j < nv; j++)
      fprintf(f, "\t%s_%s", dof_name(m, j), m->jnt_type[m->dof_jntid[j]] == mjJNT_SLIDE ? "force" : "moment");
  } else {
    fprintf(f, "\tpelvis_FX\tpelvis_FY\tpelvis_FZ\tpelvis_MX\tpelvis_MY\tpelvis_MZ\tcontact_FX\tcontact_FY\tcontact_FZ"
               "\treserve_max\tmoment_check");
  }
  fputc('\n', f);
  for (int k = 0; k < s->nframes; k++) {
    fprintf(f, "%.6f", k * s->dt);
    const double *rsv = s->reserve + (size_t)k * nv;
    if (what == 0) {
      for (int i = 0; i < nu; i++) fprintf(f, "\t%.6g", s->act[(size_t)k * nu + i]);
      for (int j = 6; j < nv; j++) fprintf(f, "\t%.6g", rsv[j]); /* R0 = 1 N m by default: control = torque */
    } else if (what == 1) {
      for (int j = 6; j < nv; j++) fprintf(f, "\t%.6g", s->tau[(size_t)k * nv + j]);
    } else {
      double rm = 0;
      for (int j = 6; j < nv; j++) rm = fmax(rm, fabs(rsv[j]));
      for (int c = 0; c < 6; c++) fprintf(f, "\t%.6g", s->residual[6 * k + c]);
      for (int c = 0; c < 3; c++) fprintf(f, "\t%.6g", s->contact[3 * k + c]);
      fprintf(f, "\t%.6g\t%.6g", rm, s->moment_err[k]);
    }
    fputc('\n', f);
  }
  if (fclose(f)) return err_set(err, "%s: write failed: %s", path, strerror(errno));
  return 0;
}

/* gnuplot in DIR, without a shell; 0 if it ran and succeeded. */
static int run_gnuplot(const char *dir, const char *script) {
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    FILE *devnull = freopen("/dev/null", "w", stderr);
    (void)devnull;
    if (chdir(dir) == 0) execlp("gnuplot", "gnuplot", script, (char *)NULL);
    _exit(127);
  }
  int st;
  return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 0 : -1;
}

/* Right-leg muscles most EMG studies record, plotted against time (gnuplot reads the .sto). */
static int write_plots(const char *dir, d2m_err *err) {
  static const char *mus[] = {"glmax1_r", "glmed1_r", "iliacus_r", "recfem_r", "vaslat_r", "bflh_r",
                              "semiten_r", "gasmed_r", "soleus_r", "tibant_r"};
  char path[1200];
  snprintf(path, sizeof path, "%s/activations.gp", dir);
  FILE *f = fopen(path, "w");
  if (!f) return err_set(err, "%s: cannot write: %s", path, strerror(errno));
  fprintf(f, "# re-plot: gnuplot activations.gp (reads activations.sto)\n"
             "set terminal pngcairo size 1200,800 noenhanced\nset output 'activations.png'\n"
             "set datafile separator '\\t'\nset key outside right\nset xlabel 'time (s)'\n"
             "set ylabel 'activation'\nset yrange [0:1]\nset title 'Static optimisation: right-leg activations'\n"
             "plot ");
  for (size_t i = 0; i < sizeof mus / sizeof *mus; i++)
    fprintf(f, "%s'activations.sto' skip 6 using 'time':'%s' with lines lw 2 dt %d title '%s'", i ? ", \\\n     " : "",
            mus[i], (int)(i / 8) + 1, mus[i]);
  fprintf(f, "\n");
  fclose(f);
  snprintf(path, sizeof path, "%s/residuals.gp", dir);
  f = fopen(path, "w");
  if (!f) return err_set(err, "%s: cannot write: %s", path, strerror(errno));
  fprintf(f, "# re-plot: gnuplot residuals.gp (reads residuals.sto)\n"
             "set terminal pngcairo size 1200,800 noenhanced\nset output 'residuals.png'\n"
             "set datafile separator '\\t'\nset key outside right\nset xlabel 'time (s)'\nset multiplot layout 2,1\n"
             "set ylabel 'force (N)'\nset title 'Pelvis residual forces and total contact force'\n"
             "plot for [c in 'pelvis_FX pelvis_FY pelvis_FZ contact_FZ'] 'residuals.sto' skip 6 using 'time':c with lines "
             "lw 2 title c\n"
             "set ylabel 'moment (N m)'\nset title 'Pelvis residual moments and the largest reserve'\n"
             "plot for [c in 'pelvis_MX pelvis_MY pelvis_MZ reserve_max'] 'residuals.sto' skip 6 using 'time':c with "
             "lines lw 2 title c\nunset multiplot\n");
  fclose(f);
  return 0;
}

static void summary(const mjModel *m, const so_result *s, const char *src) {
  double mass = 0;
  for (int b = 0; b < m->nbody; b++) mass += m->body_mass[b];
  double bw = mass * 9.81, f2 = 0, fbig = 0, m2 = 0, mmax = 0, rmax = 0, amean = 0, cz = 0, emax = 0;
  int n = s->nframes, rframes = 0;
  for (int k = 0; k < n; k++) {
    const double *r = s->residual + 6 * k;
    double f = sqrt(r[0] * r[0] + r[1] * r[1] + r[2] * r[2]), mm = sqrt(r[3] * r[3] + r[4] * r[4] + r[5] * r[5]);
    f2 += f * f;
    m2 += mm * mm;
    fbig = fmax(fbig, f);
    mmax = fmax(mmax, mm);
    cz += s->contact[3 * k + 2] / n;
    emax = fmax(emax, s->moment_err[k]);
    double rk = 0;
    for (int j = 6; j < s->nv; j++) rk = fmax(rk, fabs(s->reserve[(size_t)k * s->nv + j]));
    rmax = fmax(rmax, rk);
    rframes += rk > 1.0;
    for (int i = 0; i < s->nu; i++) amean += s->act[(size_t)k * s->nu + i] / ((double)n * s->nu);
  }
  printf("static optimisation of %s: %d frames at %.4g s, %.3f s (%.2f ms per frame)%s\n", src, n, s->dt, s->seconds,
         1e3 * s->seconds / n, s->qp_fail ? " -- some QPs did not converge" : "");
  printf("  pelvis residual force: RMS %.1f N (%.1f%% body weight), max %.1f N; moment: RMS %.1f N m, max %.1f N m\n",
         sqrt(f2 / n), 100 * sqrt(f2 / n) / bw, fbig, sqrt(m2 / n), mmax);
  printf("  mean vertical contact force %.1f N (%.0f%% body weight of %.1f kg)\n", cz, 100 * cz / bw, mass);
  printf("  reserves: max %.2f N m, frames with a reserve above 1 N m: %d of %d; mean activation %.3f\n", rmax, rframes,
         n, amean);
  printf("  moment check (MuJoCo's actuator forces + reserves vs inverse dynamics): max error %.2e N m\n", emax);
  if (s->qp_fail) printf("  QP not converged in %d frames\n", s->qp_fail);
}

void motion_so_opts_default(motion_so_opts *o) {
  *o = (motion_so_opts){.dt = 1.0 / 30, .cyclic = -1};
  so_opts_init(&o->so);
}

int motion_so_run(const motion_so_opts *opts) {
  const char *in = opts->in, *out = opts->out, *subject = opts->subject;
  double dt = opts->dt;
  int cyc = opts->cyclic;
  const so_opts o = opts->so;
  d2m_err err;
  model_subject subj;
  model_subject_default(&subj);
  if (subject && model_subject_load(subject, &subj, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
  if (file_mkdirs(out, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
  mjModel *m = model_load(&subj, &err);
  if (!m) return fprintf(stderr, "%s\n", err.msg), 1;
  refmotion r;
  int rc = strcmp(in, "default") ? refmotion_load(&r, m, in, dt, cyc == 1, &err) : refmotion_default_gait(&r, m, dt, &err);
  if (rc) {
    mj_deleteModel(m);
    return fprintf(stderr, "%s\n", err.msg), 1;
  }
  so_result s;
  rc = so_run(&s, m, &r, &o, &err) || write_sto(out, "activations.sto", m, &s, 0, &err) ||
       write_sto(out, "inverse_dynamics.sto", m, &s, 1, &err) || write_sto(out, "residuals.sto", m, &s, 2, &err) ||
       write_plots(out, &err);
  if (rc) fprintf(stderr, "%s\n", err.msg);
  else {
    summary(m, &s, r.source);
    int p = run_gnuplot(out, "activations.gp") | run_gnuplot(out, "residuals.gp");
    printf("wrote %s/activations.sto, inverse_dynamics.sto, residuals.sto%s\n", out,
           p ? " (gnuplot missing or failed: the .gp scripts are there)" : ", activations.png, residuals.png");
    so_result_free(&s);
  }
  refmotion_free(&r);
  mj_deleteModel(m);
  return rc ? 1 : 0;
}
