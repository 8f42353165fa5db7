/* tests/envs/test_prosthesis.c: the transtibial prosthesis (generated model: muscles without an
 * insertion, foot mass, locked joints, the powered ankle; its impedance law) and series compliance
 * (the spring law, the motor's speed limit, the rigid limit, exact resume with the motor state). */
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

static double total_mass(const mjModel *m) {
  double s = 0;
  for (int b = 0; b < m->nbody; b++) s += m->body_mass[b];
  return s;
}

static void pros_subject(model_subject *s) {
  model_subject_default(s);
  s->device.prosthesis = MODEL_DEV_RIGHT;
  s->device.pros_limit = 150;
  s->device.pros_mass[0] = 1.3, s->device.pros_mass[1] = 0.7;
}

/* The muscles of the right side that end on talus, calcn or toes (Rajagopal 2016 / MyoLegs paths). */
static const char *k_removed[] = {"edl_r",     "ehl_r",     "fdl_r",   "fhl_r",    "gaslat_r", "gasmed_r",
                                  "perbrev_r", "perlong_r", "soleus_r", "tibant_r", "tibpost_r"};
#define NREMOVED (int)(sizeof k_removed / sizeof *k_removed)

static int expected_removed(const char *name) {
  for (int i = 0; i < NREMOVED; i++)
    if (!strcmp(name, k_removed[i])) return 1;
  return 0;
}

Test(prosthesis, model_muscles_mass_locks_and_actuator) {
  model_subject s;
  pros_subject(&s);
  d2m_err err = {0};
  mjModel *m0 = model_load(NULL, &err), *m = model_load(&s, &err);
  cr_assert(m0 && m, "%s", err.msg);
  /* 80 muscle actuators stay (the policy's outputs), 69 of them with force, plus the ankle */
  cr_assert_eq(m->nu, MODEL_NMUSCLE + 1);
  int with_force = 0;
  for (int i = 0; i < MODEL_NMUSCLE; i++) {
    const char *nm = mj_id2name(m, mjOBJ_ACTUATOR, i);
    cr_assert_eq(m->actuator_gaintype[i], mjGAIN_MUSCLE);
    int gone = expected_removed(nm);
    cr_assert_eq(model_muscle_removed(&s, i), gone, "%s", nm);
    if (gone) {
      cr_assert_eq(m->actuator_gainprm[i * mjNGAIN + 2], 0, "%s: peak force", nm);
      cr_assert_eq(m->actuator_biasprm[i * mjNBIAS + 2], 0, "%s: passive force", nm);
    } else {
      cr_assert_eq(m->actuator_gainprm[i * mjNGAIN + 2], m0->actuator_gainprm[i * mjNGAIN + 2], "%s kept", nm);
    }
    with_force += m->actuator_gainprm[i * mjNGAIN + 2] > 0;
  }
  cr_assert_eq(with_force, MODEL_NMUSCLE - NREMOVED);
  cr_assert_eq(m->nq, m0->nq, "every joint stays in qpos");
  /* mass: the biological right foot (talus + calcn + toes) out, 0.7 kg foot and 1.3 kg motor in */
  const char *foot[3] = {"talus_r", "calcn_r", "toes_r"};
  double bio = 0, pros = 0;
  for (int i = 0; i < 3; i++) {
    int b0 = mj_name2id(m0, mjOBJ_BODY, foot[i]), b = mj_name2id(m, mjOBJ_BODY, foot[i]);
    bio += m0->body_mass[b0], pros += m->body_mass[b];
    double f = m->body_mass[b] / m0->body_mass[b0];
    for (int k = 0; k < 3; k++)
      cr_assert_float_eq(m->body_inertia[3 * b + k], f * m0->body_inertia[3 * b0 + k], 1e-8 * m0->body_inertia[3 * b0 + k],
                         "%s inertia", foot[i]); /* the MJCF holds 9 digits */
  }
  cr_assert_float_eq(bio, 0.0223723249 + 1.14 + 0.278147365, 1e-9, "MyoLegs' foot");
  cr_assert_float_eq(pros, 0.7, 1e-9);
  cr_assert_float_eq(total_mass(m), total_mass(m0) - bio + 0.7 + 1.3, 1e-9);
  int mb = mj_name2id(m, mjOBJ_BODY, "pros_ankle_r_motor");
  cr_assert_geq(mb, 0);
  cr_assert_eq(m->body_parentid[mb], mj_name2id(m, mjOBJ_BODY, "tibia_r"));
  cr_assert_float_eq(m->body_mass[mb], 1.3, 1e-12);
  int talus = mj_name2id(m, mjOBJ_BODY, "talus_r");
  for (int j = 0; j < 3; j++) cr_assert_float_eq(m->body_pos[3 * mb + j], 0.85 * m->body_pos[3 * talus + j], 1e-9);
  /* the left foot is untouched */
  int bl = mj_name2id(m, mjOBJ_BODY, "calcn_l");
  cr_assert_eq(m->body_mass[bl], m0->body_mass[mj_name2id(m0, mjOBJ_BODY, "calcn_l")]);
  /* subtalar and mtp locked by one-joint equalities (the joint stays out of the slaved set) */
  const char *locks[2][2] = {{"pros_lock_subtalar_r", "subtalar_angle_r"}, {"pros_lock_mtp_r", "mtp_angle_r"}};
  for (int i = 0; i < 2; i++) {
    int q = mj_name2id(m, mjOBJ_EQUALITY, locks[i][0]);
    cr_assert_geq(q, 0, "%s", locks[i][0]);
    cr_assert_eq(m->eq_type[q], mjEQ_JOINT);
    cr_assert_eq(m->eq_obj1id[q], mj_name2id(m, mjOBJ_JOINT, locks[i][1]));
    cr_assert_eq(m->eq_obj2id[q], -1);
    for (int k = 0; k < 5; k++) cr_assert_eq(m->eq_data[q * mjNEQDATA + k], 0);
  }
  cr_assert_eq(m->neq, m0->neq + 2);
  int a = mj_name2id(m, mjOBJ_ACTUATOR, "pros_ankle_r");
  cr_assert_eq(a, MODEL_NMUSCLE);
  cr_assert_eq(m->actuator_trnid[2 * a], mj_name2id(m, mjOBJ_JOINT, "ankle_angle_r"));
  cr_assert_eq(m->actuator_forcerange[2 * a + 1], 150);
  mj_deleteModel(m0), mj_deleteModel(m);
}

/* Full excitation and activation everywhere, the body stretched into keyframe 0: the removed
 * muscles give exactly no force (active or passive), their left twins do. */
Test(prosthesis, removed_muscles_produce_no_force) {
  model_subject s;
  pros_subject(&s);
  d2m_err err = {0};
  mjModel *m = model_load(&s, &err);
  cr_assert(m, "%s", err.msg);
  mjData *d = mj_makeData(m);
  mj_resetDataKeyframe(m, d, 0);
  for (int i = 0; i < m->na; i++) d->act[i] = 1;
  for (int i = 0; i < MODEL_NMUSCLE; i++) d->ctrl[i] = 1;
  d->qpos[m->jnt_qposadr[mj_name2id(m, mjOBJ_JOINT, "ankle_angle_r")]] = 0.4; /* stretch the calf */
  d->qpos[m->jnt_qposadr[mj_name2id(m, mjOBJ_JOINT, "ankle_angle_l")]] = 0.4;
  mj_forward(m, d);
  for (int i = 0; i < NREMOVED; i++) {
    int a = mj_name2id(m, mjOBJ_ACTUATOR, k_removed[i]);
    cr_assert_eq(d->actuator_force[a], 0, "%s: %g N", k_removed[i], d->actuator_force[a]);
    char twin[32];
    snprintf(twin, sizeof twin, "%.*sl", (int)strlen(k_removed[i]) - 1, k_removed[i]);
    int b = mj_name2id(m, mjOBJ_ACTUATOR, twin);
    cr_assert_lt(d->actuator_force[b], -1, "%s pulls", twin);
  }
  mj_deleteData(d);
  mj_deleteModel(m);
}

Test(prosthesis, config_and_conflicts) {
  cfg_t c;
  d2m_err err = {0};
  dev_params p;
  cr_assert_eq(CFG_WITH(&c, &err, "device.prosthesis=left"), 0, "%s", err.msg);
  cr_assert_eq(dev_params_from_cfg(&c, &p, &err), 0, "%s", err.msg);
  cr_assert_eq(p.model.prosthesis, MODEL_DEV_LEFT);
  cr_assert_float_eq(p.pros_k[1], 79.498, 1e-12);
  cr_assert_float_eq(p.pros_eq[1], -20 * M_PI / 180, 1e-6);
  cr_assert_eq(CFG_WITH(&c, &err, "device.prosthesis=right", "device.ankle=both"), 0, "%s", err.msg);
  mjModel *m = env_model_from_cfg(&c, &err);
  cr_assert_null(m);
  cr_assert(strstr(err.msg, "device.prosthesis"), "%s", err.msg);
  cr_assert_eq(CFG_WITH(&c, &err, "device.pros_imp_b=1,2"), 0, "%s", err.msg);
  cr_assert_neq(dev_params_from_cfg(&c, &p, &err), 0);
  cr_assert(strstr(err.msg, "device.pros_imp_b"), "%s", err.msg);
}

/* The prosthetic ankle runs the impedance law with its own gains in each phase of the FSM (and not
 * the exoskeleton's), clamped to its limit. */
Test(prosthesis, fsm_torque_law) {
  cfg_t c;
  d2m_err err = {0};
  cr_assert_eq(CFG_WITH(&c, &err, "device.prosthesis=right", "device.pros_imp_k=100,300,20",
                        "device.pros_imp_b=2,1,0.5", "device.pros_imp_eq=0.05,-0.2,0.1", "device.ankle_imp_k=1,1,1",
                        "device.pros_limit=120"), 0, "%s", err.msg);
  dev_params p;
  cr_assert_eq(dev_params_from_cfg(&c, &p, &err), 0, "%s", err.msg);
  mjModel *m = env_model_from_cfg(&c, &err);
  cr_assert(m, "%s", err.msg);
  mjData *d = mj_makeData(m);
  dev_sys dv;
  cr_assert_eq(dev_init(&dv, &p, m, &err), 1, "%s", err.msg);
  cr_assert(dv.j[0].pros && dv.j[0].ankle && dv.j[0].side == 0);
  int qa = dv.j[0].qadr, da = dv.j[0].dadr, a = dv.j[0].act;
  const double K[3] = {100, 300, 20}, B[3] = {2, 1, 0.5}, E[3] = {0.05, -0.2, 0.1};
  const struct { int contact, late; double q, dq; int phase; } cases[] = {
      {1, 0, 0.02, 0.5, 0},  /* early stance: below imp_late_angle (0.1 rad) */
      {1, 0, 0.15, -0.3, 1}, /* dorsiflexed past it: late stance */
      {1, 1, 0.0, 0.2, 1},   /* late holds until lift-off */
      {0, 1, -0.1, 1.0, 2},  /* swing */
      {0, 0, 0.3, 0.0, 2},
  };
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    dv.s.contact[0] = cases[i].contact, dv.s.late[0] = cases[i].late;
    d->qpos[qa] = cases[i].q, d->qvel[da] = cases[i].dq;
    dev_control(&dv, m, d);
    int ph = cases[i].phase;
    double want = -K[ph] * (cases[i].q - E[ph]) - B[ph] * cases[i].dq;
    cr_assert_float_eq(d->ctrl[a], want, 1e-12, "case %zu: %g vs %g", i, d->ctrl[a], want);
    cr_assert_float_eq(d->act[a - (m->nu - m->na)], want, 1e-12, "acts in this step");
  }
  d->qpos[qa] = 0.6, d->qvel[da] = 0, dv.s.contact[0] = 1, dv.s.late[0] = 1; /* -300 x 0.8 = -240: clamped */
  dev_control(&dv, m, d);
  cr_assert_eq(d->ctrl[a], -120);
  mj_deleteData(d);
  mj_deleteModel(m);
}

Test(series, spring_law_and_motor_speed) {
  /* one step from a relaxed spring, enough motor speed: the command exactly */
  double th = 0.1;
  double tau = dev_series_step(&th, 0.1, 40, 2000, 1);
  cr_assert_float_eq(tau, 40, 1e-9);
  cr_assert_float_eq(th, 0.1 + 40.0 / 2000, 1e-15);
  /* the spring law at any motor and joint angle */
  th = 0.3;
  tau = dev_series_step(&th, 0.25, 2000 * 0.05, 2000, 0); /* the motor does not move */
  cr_assert_float_eq(tau, 2000 * 0.05, 1e-9);
  /* the motor's speed limit: 0.01 rad per step at most, so the torque rises 20 N m per step */
  th = 0;
  for (int n = 1; n <= 3; n++) {
    tau = dev_series_step(&th, 0, 100, 2000, 0.01);
    cr_assert_float_eq(tau, 20.0 * n, 1e-9, "step %d", n);
  }
  for (int n = 0; n < 10; n++) tau = dev_series_step(&th, 0, 100, 2000, 0.01);
  cr_assert_float_eq(tau, 100, 1e-9, "reached, then held");
}

/* The damping law of test_device.c's work test through a spring: with a very stiff spring the
 * torque and the motion are the rigid ones; with a soft one the torque is k (motor - joint) at every
 * step, and the motion differs. */
static double run_damper(const char *series_k, double *max_law_err) {
  char kset[64];
  mjModel *m = device_hinge_model();
  mjData *d = mj_makeData(m);
  cfg_t c;
  d2m_err err = {0};
  snprintf(kset, sizeof kset, "device.series_k=%s", series_k);
  cr_assert_eq(CFG_WITH(&c, &err, "device.ankle_control=impedance", "device.ankle_imp_k=0,0,0",
                        "device.ankle_imp_b=0,0,2", kset, "device.motor_speed=20"), 0, "%s", err.msg);
  dev_params p;
  cr_assert_eq(dev_params_from_cfg(&c, &p, &err), 0, "%s", err.msg);
  dev_sys dv;
  cr_assert_eq(dev_init(&dv, &p, m, &err), 1, "%s", err.msg);
  signed char side[1] = {-1};
  d->qvel[0] = 3.0;
  mj_forward(m, d);
  *max_law_err = 0;
  for (int n = 0; n < 500; n++) {
    double q = d->qpos[0];
    dev_control(&dv, m, d);
    if (p.series_k > 0) *max_law_err = fmax(*max_law_err, fabs(d->ctrl[0] - p.series_k * (dv.s.motor[0] - q)));
    mj_step2(m, d);
    dev_after_step(&dv, m, d, side);
    mj_step1(m, d);
  }
  double v = d->qvel[0];
  mj_deleteData(d);
  mj_deleteModel(m);
  return v;
}

Test(series, rigid_limit_and_soft_spring) {
  double e0, e1, e2;
  double rigid = run_damper("0", &e0);
  cr_assert_float_eq(rigid, 3.0 * pow(1 - 0.002 * 2 / 0.5, 500), 1e-9);
  double stiff = run_damper("1e7", &e1);
  cr_assert_float_eq(stiff, rigid, 1e-6 * rigid, "k = 1e7: %.9g vs rigid %.9g", stiff, rigid);
  double soft = run_damper("5", &e2);
  cr_assert_lt(e2, 1e-9, "torque = k (motor - joint)");
  cr_assert_gt(fabs(soft - rigid), 0.05 * rigid, "a 5 N m/rad spring changes the motion: %g vs %g", soft, rigid);
}

/* A sync run with a prosthesis and series compliance resumes bit for bit: the motor angles are part
 * of the env state; the policy still has 80 outputs and the plain model's observation size. */
Test(series, env_prosthesis_resumes_exactly) {
  cfg_t c;
  d2m_err err = {0};
  cr_assert_eq(CFG_WITH(&c, &err, "env.task=imitate", "device.prosthesis=right", "device.ankle=left",
                        "device.series_k=300"), 0, "%s", err.msg);
  env_params p;
  cr_assert_eq(env_params_from_cfg(&c, &p, &err), 0, "%s", err.msg);
  mjModel *m = env_model_from_cfg(&c, &err), *m0 = model_load(NULL, &err);
  cr_assert(m && m0, "%s", err.msg);
  env_t *e = env_create(m, &p, NULL, &err), *e2 = env_create(m, &p, NULL, &err);
  cr_assert(e && e2, "%s", err.msg);
  env_params p0 = p;
  memset(&p0.dev.model, 0, sizeof p0.dev.model);
  env_t *plain = env_create(m0, &p0, NULL, &err);
  cr_assert(plain, "%s", err.msg);
  cr_assert_eq(env_act_size(e), MODEL_NMUSCLE);
  cr_assert_eq(env_obs_size(e), env_obs_size(plain));
  const dev_sys *dv = env_device(e);
  cr_assert_eq(dv->nj, 2);
  env_reset(e, 11);
  int nobs = env_obs_size(e);
  float act[MODEL_NMUSCLE], *obs = malloc(sizeof(float) * nobs), *obs2 = malloc(sizeof(float) * nobs);
  for (int i = 0; i < MODEL_NMUSCLE; i++) act[i] = -2.0f;
  env_step_out o = {.obs = obs}, o2 = {.obs = obs2};
  for (int t = 0; t < 6; t++) env_step(e, act, &o);
  cr_assert_eq(dv->s.motor_set, 1);
  size_t n = env_state_size(e);
  void *buf = malloc(n);
  env_state_save(e, buf);
  cr_assert_eq(env_state_load(e2, buf, n, &err), 0, "%s", err.msg);
  for (int t = 0; t < 6; t++) {
    env_step(e, act, &o), env_step(e2, act, &o2);
    cr_assert_eq(memcmp(obs, obs2, sizeof(float) * nobs), 0, "step %d", t);
    cr_assert_eq(memcmp(&env_device(e)->s, &env_device(e2)->s, sizeof dv->s), 0, "device state, step %d", t);
  }
  free(buf), free(obs), free(obs2);
  env_free(e), env_free(e2), env_free(plain);
  mj_deleteModel(m), mj_deleteModel(m0);
}
