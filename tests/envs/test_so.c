/* tests/envs/test_so.c: static optimisation (envs/motion/so.h).
 *  - the box QP against its optimality (KKT) conditions on random problems; the low-rank solver
 *    (so_frame's) against the dense one on random problems and on every frame of the embedded gait;
 *  - one hinge, three muscles at optimal length and rest (force = -F0 a, moment arm = gear): the
 *    analytic minimiser of sum a^2 + (r/R0)^2 with c.a + r = tau (a = c tau / (|c|^2 + R0^2) over
 *    the agonists, antagonists off), saturation with the reserve taking the rest, and the moment
 *    reproduced by MuJoCo's own actuator forces;
 *  - the embedded gait: activations in [0,1], the moment check at rounding level, pelvis residual
 *    and reserves small with the estimated ground forces, far smaller than without them;
 *  - imitate options: the preload equals the start frame's solution; the feed-forward keeps a
 *    zero-output policy on the reference longer;
 *  - reference velocities (refmotion): the default gait's hinge velocities match the analytic
 *    derivative of its Fourier series (instantaneous, as the simulation reports them). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envs/model/model.h"
#include "envs/env.h"
#include "tests/envs/env_model_helper.h"
#include "envs/motion/gait_default.h"
#include "envs/motion/so.h"

Test(so, box_qp_meets_kkt_conditions) {
  int n = 12;
  so_ws w;
  so_ws_init(&w, n, 1);
  double H[144], B[144], g[12], x[12], lo[12], hi[12];
  srand(3);
  for (int trial = 0; trial < 50; trial++) {
    for (int i = 0; i < n * n; i++) B[i] = (double)rand() / RAND_MAX - 0.5;
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++) {
        double s = i == j ? 0.1 : 0;
        for (int k = 0; k < n; k++) s += B[k * n + i] * B[k * n + j];
        H[i * n + j] = s;
      }
    for (int i = 0; i < n; i++) {
      g[i] = 4 * ((double)rand() / RAND_MAX - 0.5);
      lo[i] = i % 4 == 3 ? -INFINITY : 0;
      hi[i] = i % 3 == 2 ? INFINITY : 1;
      x[i] = (double)rand() / RAND_MAX;
    }
    int it = so_qp_box(&w, H, g, lo, hi, n, x);
    cr_assert(it > 0, "trial %d: no convergence", trial);
    for (int i = 0; i < n; i++) {
      double gr = -g[i];
      for (int j = 0; j < n; j++) gr += H[i * n + j] * x[j];
      cr_assert(x[i] >= lo[i] - 1e-12 && x[i] <= hi[i] + 1e-12);
      if (x[i] > lo[i] + 1e-9 && x[i] < hi[i] - 1e-9) cr_assert(fabs(gr) < 1e-8, "free x%d: gradient %g", i, gr);
      else if (x[i] <= lo[i] + 1e-9) cr_assert(gr > -1e-8, "x%d at lower bound with gradient %g", i, gr);
      else cr_assert(gr < 1e-8, "x%d at upper bound with gradient %g", i, gr);
    }
  }
  so_ws_free(&w);
}

/* so_qp_lowrank solves H = I + B'B, g = B't through B and t alone: the same minimiser as the dense
 * solver given H and g (unique: H is positive definite), on problems shaped like static optimisation
 * (80 muscles, 20 dofs, bounds [0,1], moments that saturate some muscles), on a few free or one-sided
 * bounds, and on an ill-conditioned H (entries ~1e9, the reserve of 1e-3 N m below). */
Test(so, lowrank_qp_equals_dense_qp) {
  enum { N = 80, M = 20 };
  so_ws w;
  so_ws_init(&w, N, M);
  static double Bt[N * M], H[N * N], g[N], t[M], lo[N], hi[N], xd[N], xl[N];
  srand(11);
  for (int trial = 0; trial < 40; trial++) {
    double spread = trial % 8 == 7 ? 3e4 : trial % 2 ? 30 : 3; /* odd trials: many muscles at a bound */
    for (int i = 0; i < N * M; i++) Bt[i] = rand() % 4 ? 0 : spread * ((double)rand() / RAND_MAX - 0.5);
    for (int k = 0; k < M; k++) t[k] = spread * 4 * ((double)rand() / RAND_MAX - 0.5);
    for (int i = 0; i < N; i++) {
      g[i] = 0;
      for (int k = 0; k < M; k++) g[i] += Bt[i * M + k] * t[k];
      for (int j = 0; j < N; j++) {
        double s = i == j;
        for (int k = 0; k < M; k++) s += Bt[i * M + k] * Bt[j * M + k];
        H[i * N + j] = s;
      }
      lo[i] = trial % 5 == 4 && i % 7 == 0 ? -INFINITY : 0;
      hi[i] = trial % 5 == 4 && i % 9 == 0 ? INFINITY : 1;
      xd[i] = xl[i] = (double)rand() / RAND_MAX;
    }
    int itd = so_qp_box(&w, H, g, lo, hi, N, xd);
    int itl = so_qp_lowrank(&w, Bt, M, t, lo, hi, N, xl);
    cr_assert(itd > 0 && itl > 0, "trial %d: no convergence (%d, %d)", trial, itd, itl);
    double tol = spread > 100 ? 1e-6 : 1e-9;
    for (int i = 0; i < N; i++)
      cr_assert(fabs(xd[i] - xl[i]) < tol, "trial %d x%d: dense %.12f lowrank %.12f", trial, i, xd[i], xl[i]);
  }
  so_ws_free(&w);
}

/* Length 0 at q = 0 sits at the optimal fibre length: L0 = 0.3/(1.05-0.75) = 1, normalised length
 * 0.75 + (0 + 0.25)/1 = 1, so FL = FV = 1 and no passive force: force = -F0 a. */
static const char *k_tiny =
    "<mujoco><option gravity='0 0 0'/><worldbody><body name='link'><joint name='hinge' axis='0 1 0'/>"
    "<geom type='capsule' fromto='0 0 0 0.3 0 0' size='0.02' mass='1'/></body></worldbody><actuator>"
    "<muscle name='ext' joint='hinge' gear='0.05' lengthrange='-0.25 0.05' force='1000'/>"
    "<muscle name='flex' joint='hinge' gear='-0.03' lengthrange='-0.25 0.05' force='2000'/>"
    "<muscle name='flex2' joint='hinge' gear='-0.02' lengthrange='-0.25 0.05' force='1500'/>"
    "</actuator></mujoco>";

static mjModel *tiny_model(void) {
  char path[] = "/tmp/test_so_XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  cr_assert(write(fd, k_tiny, strlen(k_tiny)) == (ssize_t)strlen(k_tiny));
  close(fd);
  char msg[300];
  mjModel *m = mj_loadXML(path, NULL, msg, sizeof msg);
  unlink(path);
  cr_assert(m, "%s", msg);
  return m;
}

/* Solve for tau; check the solution's moment through MuJoCo's own actuator forces. */
static void solve_tiny(const mjModel *m, mjData *d, double tau, double R0, double *a, double *r) {
  so_ws w;
  so_ws_init(&w, m->nu, m->nv);
  so_opts o;
  so_opts_init(&o);
  o.reserve_nm = R0;
  a[0] = a[1] = a[2] = 0.5;
  cr_assert(so_frame(&w, m, d, &tau, &o, a, r) > 0);
  so_ws_free(&w);
  for (int i = 0; i < m->nu; i++) d->act[i] = a[i];
  mj_fwdActuation(m, d);
  cr_assert(fabs(d->qfrc_actuator[0] + r[0] - tau) < 1e-9, "moment %g + reserve %g vs %g", d->qfrc_actuator[0], r[0],
            tau);
}

Test(so, one_joint_three_muscles_known_answers) {
  mjModel *m = tiny_model();
  mjData *d = mj_makeData(m);
  mj_forward(m, d);
  /* Moment per unit activation c = -gear F0: ext -50, flex 60, flex2 30 N m. */
  double a[3], r[1], R0 = 1e-3;
  solve_tiny(m, d, 20, R0, a, r);
  double den = 60 * 60 + 30 * 30 + R0 * R0;
  /* R0 = 1e-3 makes H = I + c c'/R0^2 ill-conditioned (~1e9): agreement to 1e-6 is what doubles give. */
  cr_assert(a[0] == 0 && fabs(a[1] - 60 * 20 / den) < 1e-6 && fabs(a[2] - 30 * 20 / den) < 1e-6,
            "flexion: %.12g %.12g %.12g, expected 0 %.12g %.12g", a[0], a[1], a[2], 1200 / den, 600 / den);
  cr_assert(fabs(r[0]) < 1e-5);
  solve_tiny(m, d, -20, R0, a, r);
  cr_assert(fabs(a[0] - 0.4) < 1e-6 && a[1] == 0 && a[2] == 0, "extension: %g %g %g", a[0], a[1], a[2]);
  /* Beyond the flexors' 90 N m: both saturate, the reserve takes the rest. */
  solve_tiny(m, d, 200, 1.0, a, r);
  cr_assert(a[0] == 0 && a[1] == 1 && a[2] == 1 && fabs(r[0] - 110) < 1e-6, "saturated: %g %g %g r %g", a[0], a[1],
            a[2], r[0]);
  /* A reserve of R0 = 1 N m costs like one muscle at full activation: a = c tau / (|c|^2 + 1). */
  solve_tiny(m, d, 20, 1.0, a, r);
  cr_assert(fabs(a[1] - 1200 / 4501.0) < 1e-9 && fabs(r[0] - 20 / 4501.0) < 1e-9);
  mj_deleteData(d);
  mj_deleteModel(m);
}

static void gait_so_qp(so_contact c, int dense, so_result *s, double *bw) {
  d2m_err err;
  mjModel *m = model_load(NULL, &err);
  cr_assert(m, "%s", err.msg);
  refmotion r;
  cr_assert(refmotion_default_gait(&r, m, 1.0 / 30, &err) == 0, "%s", err.msg);
  so_opts o;
  so_opts_init(&o);
  o.contacts = c;
  o.dense_qp = dense;
  cr_assert(so_run(s, m, &r, &o, &err) == 0, "%s", err.msg);
  double mass = 0;
  for (int b = 0; b < m->nbody; b++) mass += m->body_mass[b];
  *bw = 9.81 * mass;
  refmotion_free(&r);
  mj_deleteModel(m);
}

static double rms_residual_force(const so_result *s) {
  double f2 = 0;
  for (int k = 0; k < s->nframes; k++)
    for (int c = 0; c < 3; c++) f2 += s->residual[6 * k + c] * s->residual[6 * k + c] / s->nframes;
  return sqrt(f2);
}

static void gait_so(so_contact c, so_result *s, double *bw) { gait_so_qp(c, 0, s, bw); }

/* The real model's QPs (80 muscles, every frame of the embedded gait): so_frame's low-rank solver
 * and the dense one find the same activations and reserves. */
Test(so, embedded_gait_lowrank_equals_dense, .timeout = 60) {
  so_result lr, dn;
  double bw;
  gait_so_qp(SO_CONTACT_FEET, 0, &lr, &bw);
  gait_so_qp(SO_CONTACT_FEET, 1, &dn, &bw);
  cr_assert_eq(lr.qp_fail, 0);
  cr_assert_eq(dn.qp_fail, 0);
  double da = 0, dr = 0;
  for (long i = 0; i < (long)lr.nframes * lr.nu; i++) da = fmax(da, fabs(lr.act[i] - dn.act[i]));
  for (long i = 0; i < (long)lr.nframes * lr.nv; i++) dr = fmax(dr, fabs(lr.reserve[i] - dn.reserve[i]));
  cr_assert(da < 1e-9 && dr < 1e-7, "largest differences: activation %g, reserve %g N m", da, dr);
  so_result_free(&lr);
  so_result_free(&dn);
}

Test(so, embedded_gait_residuals_small_activations_bounded, .timeout = 60) {
  so_result s, s0;
  double bw;
  gait_so(SO_CONTACT_FEET, &s, &bw);
  gait_so(SO_CONTACT_NONE, &s0, &bw);
  cr_assert_eq(s.qp_fail, 0);
  double rmax = 0, cz = 0;
  for (int k = 0; k < s.nframes; k++) {
    for (int i = 0; i < s.nu; i++) {
      double a = s.act[(size_t)k * s.nu + i];
      cr_assert(a >= 0 && a <= 1, "frame %d muscle %d: activation %g", k, i, a);
    }
    for (int j = 6; j < s.nv; j++) rmax = fmax(rmax, fabs(s.reserve[(size_t)k * s.nv + j]));
    cr_assert(s.moment_err[k] < 1e-6, "frame %d: muscle moments + reserves miss tau by %g N m", k, s.moment_err[k]);
    cz += s.contact[3 * k + 2] / s.nframes;
  }
  double rf = rms_residual_force(&s), rf0 = rms_residual_force(&s0);
  cr_log_info("default gait: residual force RMS %.1f N (no ground: %.1f N), contact Fz %.0f N of %.0f N, max reserve "
              "%.1f N m, %.1f ms per frame", rf, rf0, cz, bw, rmax, 1e3 * s.seconds / s.nframes);
  /* Measured: 5.7% of body weight (42.5 N) with the reference's instantaneous velocities (3.9% when
   * they were +-2-frame differences, which also damp the accelerations inverse dynamics sees). The
   * embedded gait was fitted on another model (gait2354), so some inconsistency stays, as before
   * OpenSim's residual reduction. */
  cr_assert(rf < 0.075 * bw, "residual force RMS %.1f N is above 7.5%% of body weight", rf);
  cr_assert(rf0 > 0.8 * bw, "without ground forces the residual must carry the weight (%.1f N)", rf0);
  cr_assert(fabs(cz - bw) < 0.1 * bw, "mean vertical ground force %.0f N vs body weight %.0f N", cz, bw);
  cr_assert(rmax < 50, "largest reserve %.1f N m", rmax);
  so_result_free(&s);
  so_result_free(&s0);
}

/* imitate.act_preload = so: every episode starts with the static-optimisation activations of its
 * start frame (random start frames, RSI). */
Test(so, imitate_preload_is_the_start_frames_solution, .timeout = 60) {
  d2m_err err;
  mjModel *m = model_load(NULL, &err);
  cr_assert(m, "%s", err.msg);
  env_params p = TEST_PARAMS(ENV_TASK_IMITATE, "imitate.act_preload=so");
  env_t *e = env_create(m, &p, NULL, &err);
  cr_assert(e, "%s", err.msg);
  so_result s;
  so_opts o;
  so_opts_init(&o);
  cr_assert(so_run(&s, env_model(e), env_ref(e), &o, &err) == 0, "%s", err.msg);
  int distinct = 0;
  long first = -1;
  for (int ep = 0; ep < 5; ep++) {
    env_reset(e, 100 + ep);
    long k = env_ref_frame(e) % s.nframes;
    distinct += k != first;
    first = ep == 0 ? k : first;
    const mjData *d = env_data(e);
    double sum = 0;
    for (int i = 0; i < m->nu; i++) {
      cr_assert(fabs(d->act[i] - s.act[(size_t)k * m->nu + i]) < 1e-12, "episode %d frame %ld muscle %d: act %g vs %g",
                ep, k, i, d->act[i], s.act[(size_t)k * m->nu + i]);
      sum += d->act[i];
    }
    cr_assert(sum > 1, "frame %ld: activations sum to %g", k, sum);
  }
  cr_assert(distinct >= 2, "reference state initialisation gave one start frame");
  so_result_free(&s);
  env_free(e);
  mj_deleteModel(m);
}

/* Mean episode length (control steps) of imitate episodes with a constant policy output x. */
static double zero_action_length(const mjModel *m, int preload, int ff, int episodes, float x) {
  d2m_err err;
  env_params p = TEST_PARAMS(ENV_TASK_IMITATE, preload ? "imitate.act_preload=so" : "imitate.act_preload=env",
                             ff ? "imitate.feedforward=so" : "imitate.feedforward=none");
  env_t *e = env_create(m, &p, NULL, &err);
  cr_assert(e, "%s", err.msg);
  int A = env_act_size(e), O = env_obs_size(e);
  float *act = calloc((size_t)A, sizeof(float)), *obs = malloc((size_t)O * sizeof(float));
  for (int i = 0; i < A; i++) act[i] = x;
  env_reset(e, 7);
  double len = 0;
  for (int done = 0; done < episodes;) {
    env_step_out o = {.obs = obs};
    env_step(e, act, &o);
    if (o.done) len += o.ep.length, done++;
  }
  free(act);
  free(obs);
  env_free(e);
  return len / episodes;
}

/* Evidence for the options: with zero policy output (u = 0.5 everywhere without feed-forward),
 * the static-optimisation feed-forward keeps the body on the reference longer. */
Test(so, imitate_feedforward_tracks_longer_with_zero_output, .timeout = 120) {
  d2m_err err;
  mjModel *m = model_load(NULL, &err);
  cr_assert(m, "%s", err.msg);
  double l00 = zero_action_length(m, 0, 0, 20, 0), l10 = zero_action_length(m, 1, 0, 20, 0);
  double l01 = zero_action_length(m, 0, 1, 20, 0), l11 = zero_action_length(m, 1, 1, 20, 0);
  /* A resting excitation of 0.05 everywhere (a policy head biased to logit(0.05)) as the other baseline. */
  double lb = zero_action_length(m, 0, 0, 20, (float)log(0.05 / 0.95));
  cr_log_info("zero-output imitate episode length (steps): none %.2f, preload %.2f, feed-forward %.2f, both %.2f; "
              "constant excitation 0.05: %.2f", l00, l10, l01, l11, lb);
  cr_assert(l11 > l00 && l11 > lb, "feed-forward and preload: %.2f steps, neither: %.2f / %.2f", l11, l00, lb);
  mj_deleteModel(m);
}

/* The reference's velocities are those a simulation would report: against the analytic derivative of
 * the default gait's Fourier series, hinge by hinge (sign and the cycle's time stretch taken from
 * the data by a least-squares scale, which must be +-1 within 2%). */
Test(so, reference_velocities_are_instantaneous) {
  d2m_err err;
  mjModel *m = model_load(NULL, &err);
  cr_assert(m, "%s", err.msg);
  refmotion r;
  cr_assert(refmotion_default_gait(&r, m, 1.0 / 30, &err) == 0, "%s", err.msg);
  const gait_fourier *g = &gait_default;
  double stretch = g->period / (r.nframes * r.dt); /* table seconds per control second */
  int checked = 0;
  for (int c = 0; c < g->ncoord; c++) {
    int j = mj_name2id(m, mjOBJ_JOINT, g->coord[c].name);
    if (j < 0 || m->jnt_type[j] != mjJNT_HINGE) continue;
    double sab = 0, sbb = 0, saa = 0;
    for (int k = 0; k < r.nframes; k++) {
      double t = k * g->period / r.nframes, w = 2 * M_PI / g->period, dv = 0;
      for (int h = 1; h <= GAIT_NHARM; h++)
        dv += h * w * (-g->coord[c].a[h - 1] * sin(h * w * t) + g->coord[c].b[h - 1] * cos(h * w * t));
      dv *= M_PI / 180 * stretch;
      double v = r.qvel[(size_t)k * r.nv + m->jnt_dofadr[j]];
      sab += v * dv;
      sbb += dv * dv;
      saa += v * v;
    }
    if (sbb < 1e-6) continue; /* a coordinate the gait keeps still */
    double s = sab / sbb, res = sqrt(fmax(0, saa - 2 * s * sab + s * s * sbb) / sbb);
    cr_assert(fabs(fabs(s) - 1) < 0.02 && res < 0.03, "%s: velocity scale %.4f, residual %.4f of the RMS", g->coord[c].name,
              s, res);
    checked++;
  }
  cr_assert(checked >= 8, "only %d moving hinges compared", checked);
  refmotion_free(&r);
  mj_deleteModel(m);
}
