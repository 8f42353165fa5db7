/* tests/learner/test_one_table.c: every module's configuration comes from the config table
 * (common/config.h) and from nowhere else.
 *
 *   defaults    each struct field filled from cfg_defaults equals its key's default as the table
 *               writes it (parsed here with strtod, independently of cfg_set)
 *   one key     setting one key to another value changes its field(s) to that value and no other
 *               field: a field wired to the wrong key, or left at a value of its own, fails
 *   coverage    every key of the sections these structs read is wired below, checked by name, or
 *               listed as read straight from cfg_t by its user: a new key must be placed
 * tests/foundation/one_table.sh checks the sources for default fillers and literal structs. */
#include <criterion/criterion.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/env_config.h"
#include "learner/amp.h"
#include "tests/learner/learner_cfg.h"

typedef struct all_cfg {
  ppo_config ppo;
  amp_config amp;
  env_params env;
  ac_config ac;
} all_cfg;

typedef enum { F32, F64, I32, LONG } ftype;

typedef struct wire {
  const char *section, *name;
  size_t off; /* in all_cfg */
  ftype t;
} wire;

#define W(sec, nm, member, type) {#sec, #nm, offsetof(all_cfg, member), type}
static const wire k_wires[] = {
    W(ppo, lr, ppo.lr, F32), W(ppo, anneal_lr, ppo.anneal_lr, I32), W(ppo, gamma, ppo.gamma, F32),
    W(ppo, lambda, ppo.lambda, F32), W(ppo, clip, ppo.clip, F32), W(ppo, value_clip, ppo.vclip, F32),
    W(ppo, ent_coef, ppo.ent_coef, F32), W(ppo, vf_coef, ppo.vf_coef, F32), W(ppo, epochs, ppo.epochs, I32),
    W(ppo, minibatch, ppo.minibatch, I32), W(ppo, max_grad_norm, ppo.max_grad_norm, F32),
    W(ppo, target_kl, ppo.target_kl, F32), W(ppo, norm_adv, ppo.norm_adv, I32),
    W(ppo, reward_scaling, ppo.reward_scale, I32), W(nn, threads, ppo.threads, I32),
    W(adam, beta1, ppo.adam.beta1, F32), W(adam, beta2, ppo.adam.beta2, F32), W(adam, eps, ppo.adam.eps, F32),
    W(adam, beta1, amp.adam.beta1, F32), W(adam, beta2, amp.adam.beta2, F32), W(adam, eps, amp.adam.eps, F32),
    W(amp, lr, amp.lr, F32), W(amp, epochs, amp.epochs, I32), W(amp, minibatch, amp.minibatch, I32),
    W(amp, grad_penalty, amp.grad_penalty, F32), W(amp, logit_reg, amp.logit_reg, F32),
    W(amp, weight_decay, amp.weight_decay, F32), W(amp, replay_size, amp.replay_size, LONG),
    W(env, substeps, env.substeps, I32), W(env, reset_noise, env.reset_noise, F64),
    W(env, fall_height_frac, env.fall_height_frac, F64), W(env, fall_tilt_deg, env.fall_tilt_deg, F64),
    W(env, push_force, env.push_force, F64), W(env, push_interval, env.push_interval, F64),
    W(env, push_duration, env.push_duration, F64), W(env, pd_kp, env.pd_kp, F64), W(env, pd_range, env.pd_range, F64), W(env, pd_kd, env.pd_kd, F64),
    W(stand, episode_s, env.episode_s[ENV_TASK_STAND], F64), W(stand, w_up, env.stand_w_up, F64),
    W(stand, w_height, env.stand_w_height, F64), W(stand, w_still, env.stand_w_still, F64),
    W(stand, w_energy, env.stand_w_energy, F64), W(walk, episode_s, env.episode_s[ENV_TASK_WALK], F64),
    W(walk, speed_min, env.walk_speed_min, F64), W(walk, speed_max, env.walk_speed_max, F64),
    W(walk, heading_range, env.walk_heading_range, F64), W(walk, w_vel, env.walk_w_vel, F64),
    W(walk, k_vel, env.walk_k_vel, F64), W(walk, w_up, env.walk_w_up, F64), W(walk, w_heading, env.walk_w_heading, F64),
    W(walk, w_energy, env.walk_w_energy, F64), W(imitate, episode_s, env.episode_s[ENV_TASK_IMITATE], F64),
    W(imitate, w_pos, env.im_w_pos, F64),
    W(imitate, k_pos, env.im_k_pos, F64), W(imitate, w_vel, env.im_w_vel, F64), W(imitate, k_vel, env.im_k_vel, F64),
    W(imitate, w_up, env.im_w_up, F64), W(imitate, w_energy, env.im_w_energy, F64),
    W(imitate, w_joint, env.im_w_joint, F64), W(imitate, k_joint, env.im_k_joint, F64),
    W(imitate, w_root, env.im_w_root, F64), W(imitate, k_root, env.im_k_root, F64),
    W(imitate, term_dist, env.im_term_dist, F64), W(imitate, rsi, env.im_rsi, I32),
    W(imitate, future, env.im_future, I32), W(nn, init_log_std, ac.init_log_std, F32),
    W(lattice, alpha, ac.lat_alpha, F32), W(lattice, resample_every, ac.lat_resample, I32),
    W(lattice, init_log_std_lat, ac.init_log_std_lat, F32), W(ppo, vf_lr, ppo.vf_lr, F32),
    W(env, excitation_baseline, env.excitation_baseline, F64), W(env, pd_every_substep, env.pd_every_substep, I32),
    W(stand, w_posture, env.stand_w_posture, F64), W(stand, k_posture, env.stand_k_posture, F64),
    W(stand, w_heel, env.stand_w_heel, F64), W(stand, w_limit, env.stand_w_limit, F64),
    W(env, obs_subject, env.obs_subject, I32), W(nn, experts, ac.experts, I32),
    W(env, jso_kp, env.jso_kp, F64), W(env, jso_kd, env.jso_kd, F64), W(env, jso_range, env.jso_range, F64),
    W(env, jso_every_substep, env.jso_every_substep, I32), W(ppo, mirror, ppo.mirror, F32),
};
enum { NWIRES = sizeof k_wires / sizeof *k_wires };

/* Keys with a dedicated check below (text, enums, a derived field). */
static const char *k_checked[] = {"env.task", "env.action_mode", "env.sim_dt", "imitate.motion", "nn.hidden",
                                  "nn.activation", "nn.head", "amp.hidden", "imitate.act_preload",
                                  "imitate.feedforward", "walk.start", "walk.speed", "imitate.cyclic", "imitate.pos_frame",
                                  "env.act_preload", "env.pd_centre", "stand.pose", "nn.deterministic", "env.jso_feedforward",
                                  "env.jso_gains", "env.jso_limit_margin",
                                  "env.dr_strength_min", "env.dr_strength_max", "env.dr_reflex_gain_min",
                                  "env.dr_reflex_gain_max", "env.dr_obs_delay_min", "env.dr_obs_delay_max",
                                  "env.dr_mass_min", "env.dr_mass_max", "env.dr_friction_min", "env.dr_friction_max"};
/* Keys their users read straight from cfg_t (no module struct carries them). */
static const char *k_direct[] = {
    "env.num_envs",   /* actor and learner sizes */
    "env.subject",    /* the model loader; env_params.subject holds the file's contents */
    "ppo.obs_clip",   /* the actor's normalisation */
    "amp.enabled", "amp.w_task", "amp.w_style", /* the learner's reward mix */
    "env.actlimited", "env.foot_contact", /* the model loader */
    "imitate.term_start", "imitate.term_steps", /* the actor's termination curriculum */
    "imitate.assist", "imitate.assist_steps",   /* the actor's balance-assistant curriculum */
    "imitate.mining", "imitate.mining_floor", "imitate.mining_decay", /* the learner's mining_init */
};
static const char *k_sections[] = {"ppo", "adam", "amp", "env", "stand", "walk", "imitate", "nn", "lattice"};

static void fill(const cfg_t *c, all_cfg *a) {
  d2m_err e;
  memset(a, 0, sizeof *a);
  ppo_config_from_cfg(c, &a->ppo);
  cr_assert_eq(amp_config_from_cfg(c, &a->amp, &e), 0, "%s", e.msg);
  cr_assert_eq(env_params_from_cfg(c, &a->env, &e), 0, "%s", e.msg);
  cr_assert_eq(ac_config_from_cfg(c, 7, 3, &a->ac, &e), 0, "%s", e.msg);
}

static double field(const all_cfg *a, const wire *w) {
  const char *p = (const char *)a + w->off;
  switch (w->t) {
    case F32: return *(const float *)p;
    case F64: return *(const double *)p;
    case I32: return *(const int *)p;
    case LONG: return (double)*(const long *)p;
  }
  return NAN;
}

/* A value as the field stores it (floats round to float). */
static double as_field(const wire *w, double v) { return w->t == F32 ? (double)(float)v : v; }

static const cfg_key *key_of(const wire *w) {
  const cfg_key *k = cfg_find(w->section, w->name);
  cr_assert_not_null(k, "%s.%s is not in the table", w->section, w->name);
  return k;
}

/* The table's default text, read here without cfg_set. */
static double table_default(const cfg_key *k) {
  if (k->type == CFG_BOOL) return !strcmp(k->def, "true");
  return strtod(k->def, NULL);
}

/* Another valid value near the default (the env's cross-key checks stay satisfied). */
static void probe(const cfg_key *k, char *out, size_t n, double *v) {
  double d = table_default(k);
  if (k->type == CFG_BOOL) *v = !d;
  else if (k->type == CFG_INT) *v = d > k->lo ? d - 1 : d + 1;
  else *v = d > k->lo ? d - (d - k->lo) * 0.25 : d + fmin(k->hi - d, 1.0) * 0.25;
  if (k->type == CFG_BOOL) snprintf(out, n, "%s", *v ? "true" : "false");
  else snprintf(out, n, "%.17g", *v);
}

Test(one_table, every_field_starts_at_the_table_default) {
  cfg_t c;
  all_cfg a;
  cfg_defaults(&c);
  fill(&c, &a);
  for (int i = 0; i < NWIRES; i++) {
    const wire *w = &k_wires[i];
    double want = as_field(w, table_default(key_of(w)));
    cr_expect_eq(field(&a, w), want, "%s.%s: the struct holds %.9g, the table says %s", w->section, w->name,
                 field(&a, w), key_of(w)->def);
  }
  cr_expect_float_eq(a.env.dt, strtod(cfg_find("env", "sim_dt")->def, NULL) * strtod(cfg_find("env", "substeps")->def, NULL),
                     1e-15, "env dt = sim_dt x substeps");
}

Test(one_table, each_key_moves_its_field_and_no_other) {
  cfg_t c;
  all_cfg base, a;
  cfg_defaults(&c);
  fill(&c, &base);
  for (int i = 0; i < NWIRES; i++) {
    const wire *w = &k_wires[i];
    if (i > 0 && !strcmp(w->section, k_wires[i - 1].section) && !strcmp(w->name, k_wires[i - 1].name)) continue;
    const cfg_key *k = key_of(w);
    char text[64];
    double v;
    d2m_err e;
    probe(k, text, sizeof text, &v);
    cfg_defaults(&c);
    cr_assert_eq(cfg_set(&c, "test", k->section, k->name, text, &e), 0, "%s", e.msg);
    fill(&c, &a);
    for (int j = 0; j < NWIRES; j++) {
      const wire *o = &k_wires[j];
      int same_key = !strcmp(o->section, k->section) && !strcmp(o->name, k->name);
      double want = same_key ? as_field(o, v) : field(&base, o);
      cr_expect_eq(field(&a, o), want, "%s.%s = %s: field of %s.%s is %.9g, expected %.9g", k->section, k->name, text,
                   o->section, o->name, field(&a, o), want);
    }
  }
}

Test(one_table, text_enum_and_derived_keys) {
  cfg_t c;
  all_cfg a;
  cr_assert_eq(CFG_WITH(&c, NULL, "env.task=walk", "env.action_mode=muscle_pd", "env.sim_dt=0.004", "env.substeps=3",
                        "imitate.motion=clips/x.mot", "nn.hidden=12,34,56", "nn.activation=elu", "nn.head=lattice",
                        "amp.hidden=9,8", "env.act_preload=zero", "env.pd_centre=range", "stand.pose=key",
                        "nn.deterministic=mean_action"), 0);
  fill(&c, &a);
  cr_expect(!a.env.act_preload && a.env.pd_centre == ENV_PD_RANGE && !a.env.stand_pose_upright);
  cr_assert_eq(cfg_set(&c, "test", "env", "pd_centre", "pose", NULL), 0);
  fill(&c, &a);
  cr_expect_eq(a.env.pd_centre, ENV_PD_POSE);
  cr_expect(!a.ac.det_sigmoid_mean); /* muscle_pd: no sigmoid, never the mean-excitation transform */
  cr_expect_eq(a.env.task, ENV_TASK_WALK);
  cr_expect_eq(a.env.action_mode, ENV_ACT_MUSCLE_PD);
  cr_expect_float_eq(a.env.dt, 0.012, 1e-15);
  cr_expect_eq(a.env.motion, ENV_MOTION_FILE);
  cr_expect_str_eq(a.env.motion_path, "clips/x.mot");
  cr_expect(a.ac.nhidden == 3 && a.ac.hidden[0] == 12 && a.ac.hidden[1] == 34 && a.ac.hidden[2] == 56);
  cr_expect_eq(a.ac.act, NN_ACT_ELU);
  cr_expect_eq(a.ac.head, AC_HEAD_LATTICE);
  cr_expect(a.amp.nhidden == 2 && a.amp.hidden[0] == 9 && a.amp.hidden[1] == 8);
  cfg_defaults(&c); /* and the defaults of the same keys */
  fill(&c, &a);
  cr_expect_eq(a.env.task, ENV_TASK_STAND);
  cr_expect_eq(a.env.action_mode, ENV_ACT_EXCITATION);
  cr_expect_eq(a.env.motion, ENV_MOTION_DEFAULT_GAIT);
  cr_expect(a.ac.nhidden == 2 && a.ac.hidden[0] == 256 && a.ac.hidden[1] == 256 && a.ac.act == NN_ACT_TANH);
  cr_expect_eq(a.ac.head, AC_HEAD_GAUSSIAN);
  cr_expect(a.amp.nhidden == 2 && a.amp.hidden[0] == 256 && a.amp.hidden[1] == 256);
  cr_expect(!a.env.im_preload_so && !a.env.im_ff_so && !a.env.walk_start_ref && !a.env.walk_speed_ref);
  /* imitate.cyclic: auto (the default) | true | false onto -1 | 1 | 0. */
  cr_expect_eq(a.env.motion_cyclic, -1);
  const char *cy[2] = {"imitate.cyclic=true", "imitate.cyclic=false"};
  for (int i = 0; i < 2; i++) {
    cr_assert_eq(CFG_WITH(&c, NULL, cy[i]), 0);
    fill(&c, &a);
    cr_expect_eq(a.env.motion_cyclic, 1 - i, "%s: motion_cyclic %d", cy[i], a.env.motion_cyclic);
  }
  /* imitate.pos_frame: world (the default) | pelvis onto im_pos_pelvis. */
  cr_expect_eq(a.env.im_pos_pelvis, 0);
  cr_assert_eq(CFG_WITH(&c, NULL, "imitate.pos_frame=pelvis"), 0);
  fill(&c, &a);
  cr_expect_eq(a.env.im_pos_pelvis, 1);
  /* The static-optimisation and walk-reference switches (enums onto flags), each moving its own flag. */
  const char *sw[4] = {"imitate.act_preload=so", "imitate.feedforward=so", "walk.start=reference", "walk.speed=reference"};
  for (int i = 0; i < 4; i++) {
    cr_assert_eq(CFG_WITH(&c, NULL, sw[i]), 0);
    fill(&c, &a);
    int got[4] = {a.env.im_preload_so, a.env.im_ff_so, a.env.walk_start_ref, a.env.walk_speed_ref};
    for (int j = 0; j < 4; j++) cr_expect_eq(got[j], i == j, "%s: flag %d is %d", sw[i], j, got[j]);
  }
  cr_expect(a.env.act_preload && a.env.pd_centre == ENV_PD_CURRENT && a.env.stand_pose_upright);
  /* env.jso_limit_margin: degrees onto radians, a negative value (the default) onto "no clamp" */
  cr_expect_lt(a.env.jso_margin, 0);
  cr_assert_eq(CFG_WITH(&c, NULL, "env.jso_limit_margin=5"), 0);
  fill(&c, &a);
  cr_expect_float_eq(a.env.jso_margin, 5 * M_PI / 180, 1e-15);
  cr_expect(a.ac.det_sigmoid_mean);
  cr_expect_float_eq(a.ac.head_bias, log(a.env.excitation_baseline / (1 - a.env.excitation_baseline)), 1e-6);
  /* the policy head starts at the resting excitation, or at 0 over a static-optimisation feed-forward */
  cfg_defaults(&c);
  fill(&c, &a);
  cr_expect_float_eq(a.ac.head_bias, (float)log(0.05 / 0.95), 1e-6);
  cr_assert_eq(CFG_WITH(&c, NULL, "env.task=imitate", "imitate.feedforward=so"), 0);
  fill(&c, &a);
  cr_expect_eq(a.ac.head_bias, 0.0f);
  /* env.jso_feedforward: the reference's torque, in joint_so on imitate only */
  const char *ff[4][3] = {{"env.task=imitate", "env.action_mode=joint_so", "env.jso_feedforward=inverse_dynamics"},
                          {"env.task=imitate", "env.action_mode=joint_so", "env.jso_feedforward=none"},
                          {"env.task=stand", "env.action_mode=joint_so", "env.jso_feedforward=inverse_dynamics"},
                          {"env.task=imitate", "env.action_mode=excitation", "env.jso_feedforward=inverse_dynamics"}};
  for (int i = 0; i < 4; i++) {
    cr_assert_eq(CFG_WITH(&c, NULL, ff[i][0], ff[i][1], ff[i][2]), 0);
    fill(&c, &a);
    cr_expect_eq(a.env.jso_ff_id, i == 0, "%s %s %s: jso_ff_id %d", ff[i][0], ff[i][1], ff[i][2], a.env.jso_ff_id);
  }
  /* env.jso_gains: strength (the default) or uniform */
  cfg_defaults(&c);
  fill(&c, &a);
  cr_expect_eq(a.env.jso_gains_strength, 1);
  cr_assert_eq(CFG_WITH(&c, NULL, "env.jso_gains=uniform"), 0);
  fill(&c, &a);
  cr_expect_eq(a.env.jso_gains_strength, 0);
  cr_expect_eq(a.env.action_mode, ENV_ACT_EXCITATION);
  cr_assert_eq(CFG_WITH(&c, NULL, "env.action_mode=joint_so"), 0);
  fill(&c, &a);
  cr_expect_eq(a.env.action_mode, ENV_ACT_JOINT_SO);
}

/* The domain-randomisation ranges (a min and a max key each, checked together: a probe of one
 * alone could cross the other): each pair lands in its own [2] field and moves nothing else. */
Test(one_table, domain_randomisation_ranges) {
  cfg_t c;
  all_cfg base, a;
  cfg_defaults(&c);
  fill(&c, &base);
  cr_expect(base.env.dr_strength[0] == 1 && base.env.dr_strength[1] == 1 && base.env.dr_reflex_gain[0] == 0 &&
            base.env.dr_reflex_gain[1] == 0 && base.env.dr_obs_delay[0] == 0 && base.env.dr_obs_delay[1] == 0 &&
            base.env.dr_mass[0] == 1 && base.env.dr_mass[1] == 1 && base.env.dr_friction[0] == 1 &&
            base.env.dr_friction[1] == 1);
  const char *set[5][2] = {{"env.dr_strength_min=0.5", "env.dr_strength_max=1.5"},
                           {"env.dr_reflex_gain_min=0.5", "env.dr_reflex_gain_max=1.5"},
                           {"env.dr_obs_delay_min=2", "env.dr_obs_delay_max=5"},
                           {"env.dr_mass_min=0.5", "env.dr_mass_max=1.5"},
                           {"env.dr_friction_min=0.5", "env.dr_friction_max=1.5"}};
  for (int i = 0; i < 5; i++) {
    cr_assert_eq(CFG_WITH(&c, NULL, set[i][0], set[i][1]), 0);
    fill(&c, &a);
    double got[5][2] = {{a.env.dr_strength[0], a.env.dr_strength[1]}, {a.env.dr_reflex_gain[0], a.env.dr_reflex_gain[1]},
                        {a.env.dr_obs_delay[0], a.env.dr_obs_delay[1]}, {a.env.dr_mass[0], a.env.dr_mass[1]},
                        {a.env.dr_friction[0], a.env.dr_friction[1]}};
    double was[5][2] = {{1, 1}, {0, 0}, {0, 0}, {1, 1}, {1, 1}};
    for (int j = 0; j < 5; j++) {
      double lo = i == j ? (j == 2 ? 2 : 0.5) : was[j][0], hi = i == j ? (j == 2 ? 5 : 1.5) : was[j][1];
      cr_expect(got[j][0] == lo && got[j][1] == hi, "%s: range %d is [%g, %g]", set[i][0], j, got[j][0], got[j][1]);
    }
  }
  d2m_err e;
  env_params p;
  cr_assert_eq(CFG_WITH(&c, NULL, "env.dr_mass_min=1.2"), 0);
  cr_expect_eq(env_params_from_cfg(&c, &p, &e), -1, "max below min must be refused");
  cr_expect(strstr(e.msg, "env.dr_mass_max"), "%s", e.msg);
}

static int listed(const char *full, const char *const *list, int n) {
  for (int i = 0; i < n; i++)
    if (!strcmp(full, list[i])) return 1;
  return 0;
}

Test(one_table, every_key_of_these_sections_is_placed) {
  for (int i = 0; i < cfg_nkeys; i++) {
    const cfg_key *k = &cfg_keys[i];
    if (!listed(k->section, k_sections, (int)(sizeof k_sections / sizeof *k_sections))) continue;
    char full[128];
    snprintf(full, sizeof full, "%s.%s", k->section, k->name);
    int wired = 0;
    for (int j = 0; j < NWIRES; j++) wired |= !strcmp(k_wires[j].section, k->section) && !strcmp(k_wires[j].name, k->name);
    cr_expect(wired || listed(full, k_checked, (int)(sizeof k_checked / sizeof *k_checked)) ||
                  listed(full, k_direct, (int)(sizeof k_direct / sizeof *k_direct)),
              "%s: not wired to a module struct here, nor listed as read directly: place it in this test", full);
  }
}
