/* tests/envs/test_jointso.c: env.action_mode = joint_so (envs/jointso.h) on the project's model. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "envs/env.h"
#include "envs/jointso.h"
#include "tests/envs/env_model_helper.h"

TEST_MODEL_SUITE(jointso);

/* The law solved once per control step (the tests read what one solve gave); a test may add
 * env.jso_every_substep=true after it. */
#define JSO(task, ...) TEST_PARAMS((task), "env.action_mode=joint_so", "env.jso_every_substep=false", __VA_ARGS__)

/* Independent hinges counted from the model itself: hinge joints that no active joint equality
 * makes the dependent side (obj1) of a coupling. */
static int independent_hinges(const mjModel *m) {
  int n = 0;
  for (int j = 0; j < m->njnt; j++) {
    if (m->jnt_type[j] != mjJNT_HINGE) continue;
    int slave = 0;
    for (int q = 0; q < m->neq; q++)
      slave |= m->eq_type[q] == mjEQ_JOINT && m->eq_active[q] && m->eq_obj1id[q] == j && m->eq_obj2id[q] >= 0;
    n += !slave;
  }
  return n;
}

Test(jointso, act_size_is_independent_hinges_and_obs_unchanged) {
  int nh = independent_hinges(g_m);
  cr_assert_eq(nh, 14, "MyoLegs' leg has 14 independent hinges, counted %d", nh);
  for (int task = 0; task < 3; task++) {
    env_params pe = test_params((env_task)task, NULL), pj = JSO((env_task)task, "env.jso_kp=300");
    env_t *ex = test_env(g_m, &pe), *js = test_env(g_m, &pj);
    cr_assert_eq(env_act_size(ex), 80);
    cr_assert_eq(env_act_size(js), nh, "task %d: %d actions", task, env_act_size(js));
    cr_assert_eq(env_muscle_count(js), 80);
    cr_assert_eq(env_obs_size(js), env_obs_size(ex));
    cr_assert_eq(env_obs_nblocks(js), env_obs_nblocks(ex));
    for (int b = 0; b < env_obs_nblocks(js); b++) {
      int s1, s2;
      cr_assert_str_eq(env_obs_block(js, b, &s1), env_obs_block(ex, b, &s2));
      cr_assert_eq(s1, s2);
    }
    env_free(ex);
    env_free(js);
  }
}

/* MuJoCo's own actuator forces for the solved activations (mj_fwdActuation on a copy of the state),
 * with each coupled coordinate's generalised force moved onto its master by dq1/dq2 as the virtual
 * work of the coupling gives it, plus the reserves, must equal the desired torque (folded the same
 * way) on every independent hinge. */
static void fold(const mjModel *m, const mjData *d, double *v) {
  for (int q = 0; q < m->neq; q++) {
    if (m->eq_type[q] != mjEQ_JOINT || !m->eq_active[q] || m->eq_obj2id[q] < 0) continue;
    int j1 = m->eq_obj1id[q], j2 = m->eq_obj2id[q];
    const mjtNum *c = m->eq_data + mjNEQDATA * q;
    double x = d->qpos[m->jnt_qposadr[j2]] - m->qpos0[m->jnt_qposadr[j2]];
    double s = c[1] + 2 * c[2] * x + 3 * c[3] * x * x + 4 * c[4] * x * x * x;
    v[m->jnt_dofadr[j2]] += s * v[m->jnt_dofadr[j1]];
  }
}

static void check_moments(env_t *e, const char *what) {
  const mjModel *m = env_model(e);
  mjData *d = env_data(e);
  jso_solve(e); /* on the current state: mj_step1 / mj_forward left lengths, velocities, moment arms */
  const double *a = jso_last_act(e), *rsv = jso_last_reserve(e), *tau = jso_last_tau(e);
  mjData *c = mj_makeData(m);
  mj_copyData(c, m, d);
  for (int i = 0; i < env_muscle_count(e); i++) c->act[i] = c->ctrl[i] = a[i];
  mj_fwdActuation(m, c);
  double *f = calloc((size_t)m->nv, sizeof(double)), *t = calloc((size_t)m->nv, sizeof(double));
  mju_copy(f, c->qfrc_actuator, m->nv);
  mju_copy(t, tau, m->nv);
  fold(m, c, f);
  fold(m, c, t);
  double tmax = 0;
  int checked = 0;
  for (int j = 0; j < m->njnt; j++) {
    if (m->jnt_type[j] != mjJNT_HINGE) continue;
    int k = m->jnt_dofadr[j], slave = 0;
    for (int q = 0; q < m->neq; q++) slave |= m->eq_type[q] == mjEQ_JOINT && m->eq_active[q] && m->eq_obj1id[q] == j;
    if (slave) continue;
    tmax = fmax(tmax, fabs(t[k]));
    cr_assert(fabs(f[k] + rsv[k] - t[k]) <= 1e-6 * fmax(1, fabs(t[k])), "%s: %s: muscles %g + reserve %g != tau %g", what,
              mj_id2name(m, mjOBJ_JOINT, j), f[k], rsv[k], t[k]);
    checked++;
  }
  cr_assert_eq(checked, 14);
  cr_assert(tmax > 1, "%s: a non-trivial torque (largest %g N m)", what, tmax);
  free(f);
  free(t);
  mj_deleteData(c);
}

Test(jointso, muscle_moments_plus_reserves_meet_the_desired_torque) {
  const env_params ps[] = {JSO(ENV_TASK_IMITATE, "env.jso_kp=300", "env.jso_feedforward=none"),
                           JSO(ENV_TASK_IMITATE, "env.jso_kp=1000", "env.jso_feedforward=inverse_dynamics"),
                           JSO(ENV_TASK_STAND, "env.jso_kp=100")};
  for (size_t k = 0; k < sizeof ps / sizeof *ps; k++) {
    env_t *e = test_env(g_m, &ps[k]);
    env_reset(e, 5);
    float obs[1024], act[14];
    env_step_out out = {.obs = obs};
    rng_t r;
    rng_seed(&r, 3, 0, RNG_TEST, (uint64_t)k);
    char what[64];
    for (int t = 0; t < 3; t++) {
      snprintf(what, sizeof what, "config %zu step %d", k, t);
      check_moments(e, what);
      rng_normal_fill(&r, act, 14);
      env_step(e, act, &out);
    }
    env_free(e);
  }
}

Test(jointso, excitations_and_activations_within_unit_range) {
  env_params p = JSO(ENV_TASK_IMITATE, "env.jso_kp=1000", "env.jso_every_substep=true");
  env_t *e = test_env(g_m, &p);
  env_set_term_dist(e, 100);
  env_reset(e, 2);
  const mjData *d = env_data(e);
  float obs[1024], act[14];
  env_step_out out = {.obs = obs};
  rng_t r;
  rng_seed(&r, 4, 0, RNG_TEST, 0);
  double hi = 0;
  for (int t = 0; t < 20; t++) {
    rng_normal_fill(&r, act, 14);
    for (int i = 0; i < 14; i++) act[i] *= 5; /* targets at the range's ends */
    env_step(e, act, &out);
    const double *a = jso_last_act(e);
    for (int i = 0; i < 80; i++) {
      cr_assert(a[i] >= 0 && a[i] <= 1, "step %d: activation %d = %g", t, i, a[i]);
      cr_assert(d->ctrl[i] >= 0 && d->ctrl[i] <= 1, "step %d: excitation %d = %g", t, i, d->ctrl[i]);
      cr_assert(d->act[i] >= 0 && d->act[i] <= 1, "step %d: state activation %d = %g", t, i, d->act[i]);
      hi = fmax(hi, a[i]);
    }
  }
  cr_assert(hi > 0.5, "large targets recruit some muscle strongly (largest activation %g)", hi);
  env_free(e);
}

Test(jointso, nan_action_is_the_zero_action) {
  env_params p = JSO(ENV_TASK_IMITATE, "env.jso_kp=300");
  env_t *a = test_env(g_m, &p), *b = test_env(g_m, &p);
  env_reset(a, 9);
  env_reset(b, 9);
  float oa[1024], ob[1024], zero[14] = {0}, nan[14];
  for (int i = 0; i < 14; i++) nan[i] = NAN;
  env_step_out outa = {.obs = oa}, outb = {.obs = ob};
  for (int t = 0; t < 3; t++) {
    env_step(a, zero, &outa);
    env_step(b, nan, &outb);
    cr_assert(!memcmp(env_data(a)->qpos, env_data(b)->qpos, sizeof(double) * (size_t)g_m->nq), "step %d", t);
    cr_assert(!memcmp(oa, ob, sizeof(float) * (size_t)env_obs_size(a)));
  }
  env_free(a);
  env_free(b);
}

static void expect_error(const char *const *over, env_task task, const char *key) {
  cfg_t c;
  env_params p;
  d2m_err e;
  int rc = cfg_with(&c, over, &e);
  if (!rc) rc = cfg_set(&c, "test", "env", "task", env_task_name(task), &e);
  if (!rc) rc = env_params_from_cfg(&c, &p, &e);
  if (!rc) rc = env_params_check(&p, &e);
  cr_assert(rc, "accepted a bad %s", key);
  cr_assert(strstr(e.msg, key), "the message names %s: '%s'", key, e.msg);
}

Test(jointso, config_errors_name_the_key) {
  expect_error((const char *const[]){"env.action_mode=joint", NULL}, ENV_TASK_STAND, "env.action_mode");
  expect_error((const char *const[]){"env.jso_kp=-1", NULL}, ENV_TASK_STAND, "jso_kp");
  expect_error((const char *const[]){"env.jso_range=9", NULL}, ENV_TASK_STAND, "jso_range");
  expect_error((const char *const[]){"env.jso_feedforward=yes", NULL}, ENV_TASK_IMITATE, "jso_feedforward");
}

/* Mean over start phases of the tracking distance (the farthest tracked body from the reference,
 * m) averaged over the first N control steps with a constant action x on every output. */
static double mean_track(const env_params *p, float x, int N) {
  env_t *e = test_env(g_m, p);
  env_set_term_dist(e, 100); /* no early end: every episode runs N steps */
  float obs[1024], act[80];
  env_step_out out = {.obs = obs};
  for (int i = 0; i < 80; i++) act[i] = x;
  double sum = 0;
  for (int ep = 0; ep < 10; ep++) {
    env_reset(e, 100 + (uint64_t)ep);
    for (int t = 0; t < N; t++) {
      env_step(e, act, &out);
      cr_assert(!out.done);
      sum += env_track_dist(e);
    }
  }
  env_free(e);
  return sum / (10.0 * N);
}

/* A PD law on the reference versus no feedback: decided before running, N = 5 control steps
 * (0.17 s, past the 3.4-4.5 steps zero-action excitation episodes last), 10 RSI phases, against
 * both of excitation mode's zero outputs: env action 0 (u = 0.5) and the untrained policy's mean,
 * logit(env.excitation_baseline) (u = 0.05). */
Test(jointso, pd_on_the_reference_tracks_closer_than_open_loop_excitations) {
  env_params pj = JSO(ENV_TASK_IMITATE, "env.jso_kp=300", "env.jso_kd=30", "env.jso_feedforward=none"),
             pe = test_params(ENV_TASK_IMITATE, NULL);
  double base = pe.excitation_baseline;
  double dj = mean_track(&pj, 0, 5), dz = mean_track(&pe, 0, 5), db = mean_track(&pe, (float)log(base / (1 - base)), 5);
  cr_log_info("mean tracking distance over 5 steps: joint_so %.4f m, excitation 0.5 %.4f m, %.2f %.4f m", dj, dz, base,
              db);
  cr_assert(dj < dz && dj < db, "joint_so %.4f m, excitation u=0.5 %.4f m, u=%.2f %.4f m", dj, dz, base, db);
}

/* The stiffness term is what pulls toward the reference (added after the test above passed with the
 * stiffness's sign flipped by hand: damping toward the reference's velocity alone beats open-loop
 * excitations): the same 5 steps and phases with kp = 300 against kp = 0 (kd = 30 in both). */
Test(jointso, stiffness_pulls_toward_the_reference) {
  env_params p1 = JSO(ENV_TASK_IMITATE, "env.jso_kp=300", "env.jso_kd=30", "env.jso_feedforward=none"),
             p0 = JSO(ENV_TASK_IMITATE, "env.jso_kp=0", "env.jso_kd=30", "env.jso_feedforward=none");
  double d1 = mean_track(&p1, 0, 5), d0 = mean_track(&p0, 0, 5);
  cr_log_info("mean tracking distance over 5 steps: kp 300 %.4f m, kp 0 %.4f m", d1, d0);
  cr_assert(d1 < d0, "kp 300: %.4f m, kp 0: %.4f m", d1, d0);
}

/* The subject's descending impairments act on SO's excitations as on the policy's in the other modes:
 * motor noise of std 0.1 u around the solved activations (zero where SO leaves a muscle silent). */
Test(jointso, motor_noise_acts_on_the_solved_excitations) {
  env_params p = JSO(ENV_TASK_STAND, "env.push_force=0");
  p.subject.motor_noise = 0.1;
  env_t *e = test_env(g_m, &p);
  float obs[1024], act[14] = {0};
  env_step_out out = {.obs = obs};
  const mjData *d = env_data(e);
  env_reset(e, 6);
  double s = 0;
  int n = 0;
  for (int t = 0; t < 40; t++) {
    env_step(e, act, &out);
    if (out.done) continue;
    const double *a = jso_last_act(e);
    for (int i = 0; i < 80; i++) {
      if (a[i] == 0) cr_assert_eq(d->ctrl[i], 0, "a silent muscle got noise %g", d->ctrl[i]);
      else if (a[i] > 0.02 && a[i] < 0.8) s += (d->ctrl[i] / a[i] - 1) * (d->ctrl[i] / a[i] - 1), n++;
    }
  }
  cr_assert(n > 200, "%d samples", n);
  double sd = sqrt(s / n);
  cr_assert(fabs(sd / 0.1 - 1) < 0.2, "relative noise std %g over %d samples, expected 0.1", sd, n);
  env_free(e);
}

/* With an ankle exoskeleton the optimisation uses the muscles only (the device's actuators follow
 * them and keep their own controller): the policy still has the 14 hinge outputs, SO leaves the
 * device's activations at 0, the device's torque comes from its profile and stays within its limit. */
Test(jointso, devices_stay_out_of_the_optimisation) {
  cfg_t c;
  d2m_err err = {0};
  cr_assert_eq(CFG_WITH(&c, &err, "env.task=imitate", "env.action_mode=joint_so", "device.ankle=both",
                        "device.ankle_limit=50", "device.peak_torque=2"), 0, "%s", err.msg);
  env_params p;
  cr_assert_eq(env_params_from_cfg(&c, &p, &err), 0, "%s", err.msg);
  mjModel *m = env_model_from_cfg(&c, &err);
  cr_assert(m, "%s", err.msg);
  env_t *e = env_create(m, &p, NULL, &err);
  cr_assert(e, "%s", err.msg);
  cr_assert_eq(m->nu, 82);
  cr_assert_eq(env_act_size(e), 14);
  env_reset(e, 7);
  float act[14] = {0}, obs[1024];
  env_step_out o = {.obs = obs};
  const mjData *d = env_data(e);
  double maxtau = 0;
  for (int t = 0; t < 6; t++) {
    env_step(e, act, &o);
    const double *a = jso_last_act(e);
    cr_assert_eq(a[80], 0);
    cr_assert_eq(a[81], 0);
    maxtau = fmax(maxtau, fmax(fabs(d->actuator_force[80]), fabs(d->actuator_force[81])));
  }
  cr_assert(maxtau > 0 && maxtau <= 50 + 1e-9, "device torque %g N m", maxtau);
  env_free(e);
  mj_deleteModel(m);
}

/* env.jso_gains = strength: the same state and action give each hinge its uniform-gain torque times
 * its strength over the hinges' mean: the factors average 1, the toes' (muscles of about 11 N m in
 * all) are a few percent, the hip flexors' (about 700 N m) above 1. */
Test(jointso, strength_gains_scale_each_hinge_by_its_muscles) {
  env_params pu = JSO(ENV_TASK_STAND, "env.jso_gains=uniform"), ps = JSO(ENV_TASK_STAND, "env.jso_gains=strength");
  env_t *u = test_env(g_m, &pu), *s = test_env(g_m, &ps);
  env_reset(u, 4);
  env_reset(s, 4);
  float ou[1024], os[1024], act[14];
  for (int i = 0; i < 14; i++) act[i] = 0.5f;
  env_step_out outu = {.obs = ou}, outs = {.obs = os};
  env_step(u, act, &outu);
  env_step(s, act, &outs);
  const double *tu = jso_last_tau(u), *ts = jso_last_tau(s);
  double mean = 0, mtp = 0, hip = 0;
  for (int h = 0; h < u->nhinge; h++) {
    int da = u->hinge_dadr[h];
    cr_assert(fabs(tu[da]) > 1e-6, "hinge %d gets a torque", h);
    double f = ts[da] / tu[da];
    cr_assert_gt(f, 0, "hinge %d: the factor keeps the torque's sign", h);
    mean += f / u->nhinge;
    const char *name = mj_id2name(g_m, mjOBJ_JOINT, g_m->dof_jntid[da]);
    if (!strcmp(name, "mtp_angle_r")) mtp = f;
    if (!strcmp(name, "hip_flexion_r")) hip = f;
  }
  cr_assert_float_eq(mean, 1, 1e-9, "factors average %g", mean);
  cr_assert(mtp > 0 && mtp < 0.1, "mtp factor %g", mtp);
  cr_assert_gt(hip, 1, "hip flexion factor %g", hip);
  env_free(u);
  env_free(s);
}

/* env.jso_limit_margin: actions that ask for the knees far past their 0 deg stop (and the other
 * hinges past either end) give targets inside every limited hinge's range by the margin; without
 * the key, the same actions' knee targets lie past the stop. */
Test(jointso, limit_margin_keeps_targets_inside_the_range) {
  env_params pc = JSO(ENV_TASK_STAND, "env.jso_limit_margin=5"), pf = JSO(ENV_TASK_STAND, NULL);
  env_t *c = test_env(g_m, &pc), *f = test_env(g_m, &pf);
  float oc[1024], of[1024], act[14];
  env_step_out outc = {.obs = oc}, outf = {.obs = of};
  for (int sign = -1; sign <= 1; sign += 2) {
    env_reset(c, 3);
    env_reset(f, 3);
    for (int i = 0; i < 14; i++) act[i] = 50.0f * (float)sign;
    env_step(c, act, &outc);
    env_step(f, act, &outf);
    const double *qc = jso_last_target(c), *qf = jso_last_target(f);
    int knees = 0;
    for (int h = 0; h < c->nhinge; h++) {
      int jn = g_m->dof_jntid[c->hinge_dadr[h]];
      if (!g_m->jnt_limited[jn]) continue;
      double lo = g_m->jnt_range[2 * jn], hi = g_m->jnt_range[2 * jn + 1], mg = 5 * M_PI / 180;
      double want_lo = hi - lo < 2 * mg ? 0.5 * (lo + hi) : lo + mg, want_hi = hi - lo < 2 * mg ? want_lo : hi - mg;
      cr_assert(qc[h] >= want_lo - 1e-12 && qc[h] <= want_hi + 1e-12, "hinge %d: target %g outside [%g, %g]", h,
                qc[h], want_lo, want_hi);
      const char *name = mj_id2name(g_m, mjOBJ_JOINT, jn);
      if (sign < 0 && !strncmp(name, "knee_angle_", 11)) {
        cr_assert_lt(qf[h], lo, "unclamped, the knee target %g lies past the stop %g", qf[h], lo);
        cr_assert_float_eq(qc[h], lo + mg, 1e-12, "clamped knee target %g", qc[h]);
        knees++;
      }
    }
    if (sign < 0) cr_assert_eq(knees, 2);
  }
  env_free(c);
  env_free(f);
}
