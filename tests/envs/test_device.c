/* tests/envs/test_device.c: assistive devices: the generated device models (compile, masses and
 * inertias exactly as specified, actuators only when enabled, the plain model unchanged), the
 * profile and impedance laws, work integration, and the env running them. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envs/device.h"
#include "envs/env.h"
#include "envs/env_config.h"
#include "envs/model/model.h"
#include "tests/envs/device_hinge.h"

static int count_muscles(const mjModel *m) {
  int n = 0;
  for (int i = 0; i < m->nu; i++) n += m->actuator_gaintype[i] == mjGAIN_MUSCLE;
  return n;
}

static double total_mass(const mjModel *m) {
  double s = 0;
  for (int b = 0; b < m->nbody; b++) s += m->body_mass[b];
  return s;
}

Test(device, off_is_the_plain_model_byte_for_byte) {
  model_subject a, b;
  model_subject_default(&a), model_subject_default(&b);
  /* limits and masses set, but no side: nothing may change */
  b.device.ankle_limit = 80, b.device.knee_limit = 50;
  b.device.ankle_mass[0] = 1, b.device.knee_mass[1] = 2;
  d2m_err err = {0};
  char *x = model_mjcf(&a, &err), *y = model_mjcf(&b, &err);
  cr_assert(x && y, "%s", err.msg);
  cr_assert_str_eq(x, y);
  cr_assert_null(strstr(x, "exo_"));
  cr_assert_null(strstr(x, "device"));
  free(x), free(y);
}

/* The inertia of the parts by hand: cylinder (r 0.05, L 0.15), m = 0.8 kg:
 *   axial 0.8 x 0.05^2 / 2 = 0.001; across 0.8 x (3 x 0.0025 + 0.0225) / 12 = 0.002;
 * foot box 0.18 x 0.02 x 0.09, m = 0.3 kg: x: 0.3 (0.0004 + 0.0081)/12 = 0.0002125,
 *   y: 0.3 (0.0324 + 0.0081)/12 = 0.0010125, z: 0.3 (0.0324 + 0.0004)/12 = 0.00082. */
Test(device, ankle_both_masses_inertias_and_actuators) {
  model_subject s;
  model_subject_default(&s);
  s.device.ankle = MODEL_DEV_RIGHT | MODEL_DEV_LEFT;
  s.device.ankle_limit = 90;
  s.device.ankle_mass[0] = 0.8, s.device.ankle_mass[1] = 0.3;
  d2m_err err = {0};
  mjModel *m0 = model_load(NULL, &err), *m = model_load(&s, &err);
  cr_assert(m0 && m, "%s", err.msg);
  cr_assert_eq(count_muscles(m), MODEL_NMUSCLE);
  cr_assert_eq(m->nu, MODEL_NMUSCLE + 2);
  cr_assert_float_eq(total_mass(m), total_mass(m0) + 2 * 1.1, 1e-9);
  /* every body of the plain model keeps its mass, inertia and position */
  for (int b = 0; b < m0->nbody; b++) {
    int b1 = mj_name2id(m, mjOBJ_BODY, mj_id2name(m0, mjOBJ_BODY, b));
    cr_assert_geq(b1, 0);
    cr_assert_eq(m->body_mass[b1], m0->body_mass[b]);
    for (int k = 0; k < 3; k++) cr_assert_eq(m->body_inertia[3 * b1 + k], m0->body_inertia[3 * b + k]);
  }
  const char *sides[2] = {"r", "l"};
  for (int k = 0; k < 2; k++) {
    char nm[64], par[32];
    snprintf(nm, sizeof nm, "exo_ankle_%s_shank", sides[k]);
    int b = mj_name2id(m, mjOBJ_BODY, nm);
    cr_assert_geq(b, 0, "%s", nm);
    snprintf(par, sizeof par, "tibia_%s", sides[k]);
    cr_assert_eq(m->body_parentid[b], mj_name2id(m, mjOBJ_BODY, par));
    cr_assert_eq(m->body_jntnum[b], 0, "welded");
    cr_assert_float_eq(m->body_mass[b], 0.8, 1e-12);
    double I[3];
    mju_copy3(I, m->body_inertia + 3 * b);
    double sorted[3] = {fmin(fmin(I[0], I[1]), I[2]), 0, fmax(fmax(I[0], I[1]), I[2])};
    cr_assert_float_eq(sorted[0], 0.001, 1e-12);
    cr_assert_float_eq(sorted[2], 0.002, 1e-12);
    /* 60% of the way from the knee to the ankle */
    int talus = mj_name2id(m, mjOBJ_BODY, sides[k][0] == 'r' ? "talus_r" : "talus_l");
    for (int j = 0; j < 3; j++) cr_assert_float_eq(m->body_pos[3 * b + j], 0.6 * m->body_pos[3 * talus + j], 1e-9);
    snprintf(nm, sizeof nm, "exo_ankle_%s_foot", sides[k]);
    b = mj_name2id(m, mjOBJ_BODY, nm);
    cr_assert_geq(b, 0, "%s", nm);
    cr_assert_float_eq(m->body_mass[b], 0.3, 1e-12);
    double want[3] = {0.0002125, 0.0010125, 0.00082}, got[3];
    mju_copy3(got, m->body_inertia + 3 * b);
    double sw = 0, sg = 0, pw = 1, pg = 1; /* MuJoCo may reorder principal axes: compare sums and products */
    for (int j = 0; j < 3; j++) sw += want[j], sg += got[j], pw *= want[j], pg *= got[j];
    cr_assert_float_eq(sg, sw, 1e-12);
    cr_assert_float_eq(pg, pw, 1e-18);
    snprintf(nm, sizeof nm, "exo_ankle_%s", sides[k]);
    int a = mj_name2id(m, mjOBJ_ACTUATOR, nm);
    cr_assert_geq(a, MODEL_NMUSCLE, "%s after the muscles", nm);
    char jn[32];
    snprintf(jn, sizeof jn, "ankle_angle_%s", sides[k]);
    cr_assert_eq(m->actuator_trnid[2 * a], mj_name2id(m, mjOBJ_JOINT, jn));
    cr_assert_eq(m->actuator_ctrlrange[2 * a + 1], 90);
    cr_assert_eq(m->actuator_forcerange[2 * a], -90);
  }
  cr_assert_lt(mj_name2id(m, mjOBJ_ACTUATOR, "exo_knee_r"), 0);
  mj_deleteModel(m0), mj_deleteModel(m);
}

Test(device, knee_right_only) {
  model_subject s;
  model_subject_default(&s);
  s.device.knee = MODEL_DEV_RIGHT;
  s.device.knee_limit = 40;
  s.device.knee_mass[0] = 0.6, s.device.knee_mass[1] = 0.4;
  d2m_err err = {0};
  mjModel *m = model_load(&s, &err);
  cr_assert(m, "%s", err.msg);
  cr_assert_eq(m->nu, MODEL_NMUSCLE + 1);
  cr_assert_geq(mj_name2id(m, mjOBJ_ACTUATOR, "exo_knee_r"), 0);
  cr_assert_lt(mj_name2id(m, mjOBJ_ACTUATOR, "exo_knee_l"), 0);
  cr_assert_lt(mj_name2id(m, mjOBJ_ACTUATOR, "exo_ankle_r"), 0);
  cr_assert_float_eq(total_mass(m), model_ref_mass_kg() + 1.0, 1e-9);
  int b = mj_name2id(m, mjOBJ_BODY, "exo_knee_r_thigh");
  cr_assert_eq(m->body_parentid[b], mj_name2id(m, mjOBJ_BODY, "femur_r"));
  cr_assert_float_eq(m->body_mass[b], 0.6, 1e-12);
  /* cylinder r 0.07, L 0.15, 0.6 kg: axial 0.00147, across 0.6 (0.0147 + 0.0225)/12 = 0.00186 */
  double I[3];
  mju_copy3(I, m->body_inertia + 3 * b);
  cr_assert_float_eq(I[0] + I[1] + I[2], 0.00147 + 2 * 0.00186, 1e-12);
  mj_deleteModel(m);
}

Test(device, config_errors_name_the_key) {
  cfg_t c;
  d2m_err err = {0};
  cr_assert_eq(CFG_WITH(&c, &err, "device.ankle=right", "device.ankle_imp_k=1,2"), 0, "%s", err.msg);
  dev_params p;
  cr_assert_neq(dev_params_from_cfg(&c, &p, &err), 0);
  cr_assert(strstr(err.msg, "device.ankle_imp_k"), "%s", err.msg);
  cr_assert_eq(CFG_WITH(&c, &err, "device.onset=0.5", "device.peak_time=0.4"), 0, "%s", err.msg);
  cr_assert_neq(dev_params_from_cfg(&c, &p, &err), 0);
  cr_assert(strstr(err.msg, "onset"), "%s", err.msg);
}

/* Peak 0.75 N m/kg x 80 kg = 60 N m at phase 0.48, onset 0.25, offset 0.62. */
Test(device, profile_reproduces_its_curve) {
  cfg_t c;
  d2m_err err = {0};
  cr_assert_eq(CFG_WITH(&c, &err, "device.ankle=both"), 0, "%s", err.msg);
  dev_params p;
  cr_assert_eq(dev_params_from_cfg(&c, &p, &err), 0, "%s", err.msg);
  cr_assert_eq(dev_profile_torque(&p, 0.0, 80), 0);
  cr_assert_eq(dev_profile_torque(&p, 0.25, 80), 0);
  cr_assert_float_eq(dev_profile_torque(&p, 0.48, 80), 60, 1e-12);
  cr_assert_eq(dev_profile_torque(&p, 0.62, 80), 0);
  cr_assert_eq(dev_profile_torque(&p, 0.9, 80), 0);
  cr_assert_float_eq(dev_profile_torque(&p, 0.365, 80), 30, 1e-9);  /* half way up: smoothstep 0.5 */
  cr_assert_float_eq(dev_profile_torque(&p, 0.55, 80), 30, 1e-9);   /* half way down */
  /* a quarter of the way up: 3/16 - 2/64 = 0.15625 of the peak */
  cr_assert_float_eq(dev_profile_torque(&p, 0.25 + 0.25 * 0.23, 80), 60 * 0.15625, 1e-9);
  /* continuous and never above the peak over a synthetic stride */
  double prev = 0;
  for (int i = 1; i <= 1000; i++) {
    double t = dev_profile_torque(&p, i / 1000.0, 80);
    cr_assert(t >= 0 && t <= 60 + 1e-12);
    cr_assert_lt(fabs(t - prev), 1.0, "phase %g", i / 1000.0);
    prev = t;
  }
}

Test(device, impedance_law_and_phases) {
  cr_assert_float_eq(dev_impedance_torque(200, 3, 0.1, 0.3, -2), -200 * 0.2 + 6, 1e-12);
  cr_assert_float_eq(dev_impedance_torque(0, 0, 0, 1, 1), 0, 0);
  cr_assert_eq(dev_fsm_phase(0, 0, 0.3, 0.1), 2);
  cr_assert_eq(dev_fsm_phase(0, 1, 0.3, 0.1), 2);
  cr_assert_eq(dev_fsm_phase(1, 0, 0.0, 0.1), 0);
  cr_assert_eq(dev_fsm_phase(1, 0, 0.2, 0.1), 1);
  cr_assert_eq(dev_fsm_phase(1, 1, 0.0, 0.1), 1, "late stance holds until lift-off");
}

/* A free inertia on a hinge named ankle_angle_r, no gravity, a damping-only impedance (swing: no
 * contact): v_{n+1} = r v_n with r = 1 - dt b / I; the step's work tau_n dt v_{n+1} = -b dt r v_n^2
 * sums to W = -b dt r v0^2 (1 - r^(2N)) / (1 - r^2). */
Test(device, work_integrated_exactly) {
  mjModel *m = device_hinge_model();
  mjData *d = mj_makeData(m);
  cfg_t c;
  d2m_err err = {0};
  cr_assert_eq(CFG_WITH(&c, &err, "device.ankle_control=impedance", "device.ankle_imp_k=0,0,0",
                        "device.ankle_imp_b=0,0,2"), 0, "%s", err.msg);
  dev_params p;
  cr_assert_eq(dev_params_from_cfg(&c, &p, &err), 0, "%s", err.msg);
  dev_sys dv;
  cr_assert_eq(dev_init(&dv, &p, m, &err), 1, "%s", err.msg);
  signed char side[1] = {-1};
  double v0 = 3.0, b = 2.0, I = 0.5, dt = 0.002, r = 1 - dt * b / I;
  d->qvel[0] = v0;
  mj_forward(m, d);
  int N = 500;
  for (int n = 0; n < N; n++) {
    dev_control(&dv, m, d);
    cr_assert_float_eq(d->ctrl[0], -b * d->qvel[0], 1e-12);
    mj_step2(m, d);
    dev_after_step(&dv, m, d, side);
    mj_step1(m, d);
  }
  double W = -b * dt * r * v0 * v0 * (1 - pow(r, 2 * N)) / (1 - r * r);
  cr_assert_float_eq(dv.s.out[0].work_neg, W, 1e-9 * fabs(W), "%.12g vs %.12g", dv.s.out[0].work_neg, W);
  cr_assert_eq(dv.s.out[0].work_pos, 0);
  cr_assert_float_eq(dv.s.out[0].peak, b * v0, 1e-12);
  cr_assert_float_eq(d->qvel[0], v0 * pow(r, N), 1e-9, "the torque acted without lag");
  mj_deleteData(d);
  mj_deleteModel(m);
}

/* The env runs the controller: 80 policy outputs, the device torque within its limit, and the
 * saved state carries the device's clocks (a reload continues bit for bit). */
Test(device, env_runs_the_profile_and_resumes_exactly) {
  cfg_t c;
  d2m_err err = {0};
  cr_assert_eq(CFG_WITH(&c, &err, "env.task=imitate", "device.ankle=both", "device.ankle_limit=50",
                        "device.peak_torque=2", "device.stride_s=1.1"), 0, "%s", err.msg);
  env_params p;
  cr_assert_eq(env_params_from_cfg(&c, &p, &err), 0, "%s", err.msg);
  mjModel *m = env_model_from_cfg(&c, &err);
  cr_assert(m, "%s", err.msg);
  env_t *e = env_create(m, &p, NULL, &err), *e2 = env_create(m, &p, NULL, &err);
  cr_assert(e && e2, "%s", err.msg);
  cr_assert_eq(env_act_size(e), MODEL_NMUSCLE);
  const dev_sys *dv = env_device(e);
  cr_assert_not_null(dv);
  cr_assert_eq(dv->nj, 2);
  env_reset(e, 7);
  float act[MODEL_NMUSCLE], *obs = malloc(sizeof(float) * env_obs_size(e)), *obs2 = malloc(sizeof(float) * env_obs_size(e));
  for (int i = 0; i < MODEL_NMUSCLE; i++) act[i] = -2.0f;
  env_step_out o = {.obs = obs}, o2 = {.obs = obs2};
  double maxtau = 0;
  for (int t = 0; t < 6; t++) {
    env_step(e, act, &o);
    for (int k = 0; k < dv->nj; k++) maxtau = fmax(maxtau, fabs(dv->s.tau[k]));
  }
  cr_assert_leq(maxtau, 50);
  size_t n = env_state_size(e);
  void *buf = malloc(n);
  env_state_save(e, buf);
  cr_assert_eq(env_state_load(e2, buf, n, &err), 0, "%s", err.msg);
  for (int t = 0; t < 6; t++) {
    env_step(e, act, &o), env_step(e2, act, &o2);
    cr_assert_eq(memcmp(obs, obs2, sizeof(float) * env_obs_size(e)), 0, "step %d", t);
    cr_assert_eq(memcmp(&env_device(e)->s, &env_device(e2)->s, sizeof dv->s), 0, "device state, step %d", t);
  }
  free(buf), free(obs), free(obs2);
  env_free(e), env_free(e2);
  mj_deleteModel(m);
}
