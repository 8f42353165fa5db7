/* envs/env_config.c: see env_config.h. */
#include "envs/env_config.h"

#include <math.h>
#include <string.h>

#include "envs/model/model.h"

/* The tasks' own keys: stand.*, walk.* and imitate.* (the clip itself aside). */
static void task_params(const cfg_t *c, env_params *p) {
  p->stand_w_up = c->stand_w_up;
  p->stand_w_height = c->stand_w_height;
  p->stand_w_still = c->stand_w_still;
  p->stand_w_energy = c->stand_w_energy;
  p->stand_w_posture = c->stand_w_posture;
  p->stand_k_posture = c->stand_k_posture;
  p->stand_w_heel = c->stand_w_heel;
  p->stand_w_limit = c->stand_w_limit;
  p->stand_pose_upright = !strcmp(c->stand_pose, "upright");
  p->walk_speed_min = c->walk_speed_min;
  p->walk_speed_max = c->walk_speed_max;
  p->walk_heading_range = c->walk_heading_range;
  p->walk_start_ref = !strcmp(c->walk_start, "reference");
  p->walk_speed_ref = !strcmp(c->walk_speed, "reference");
  p->walk_w_vel = c->walk_w_vel;
  p->walk_k_vel = c->walk_k_vel;
  p->walk_w_up = c->walk_w_up;
  p->walk_w_heading = c->walk_w_heading;
  p->walk_w_energy = c->walk_w_energy;
  p->im_w_pos = c->imitate_w_pos;
  p->im_k_pos = c->imitate_k_pos;
  p->im_w_vel = c->imitate_w_vel;
  p->im_k_vel = c->imitate_k_vel;
  p->im_w_up = c->imitate_w_up;
  p->im_w_energy = c->imitate_w_energy;
  p->im_w_joint = c->imitate_w_joint;
  p->im_k_joint = c->imitate_k_joint;
  p->im_pos_pelvis = !strcmp(c->imitate_pos_frame, "pelvis");
  p->im_w_root = c->imitate_w_root;
  p->im_k_root = c->imitate_k_root;
  p->im_term_dist = c->imitate_term_dist;
  p->im_rsi = c->imitate_rsi;
  p->im_future = (int)c->imitate_future;
  p->motion_cyclic = !strcmp(c->imitate_cyclic, "auto") ? -1 : !strcmp(c->imitate_cyclic, "true");
  p->im_preload_so = !strcmp(c->imitate_act_preload, "so");
  p->im_ff_so = !strcmp(c->imitate_feedforward, "so");
}

int env_params_from_cfg(const cfg_t *c, env_params *p, d2m_err *err) {
  memset(p, 0, sizeof *p);
  if (env_task_parse(c->env_task, &p->task)) return err_set(err, "env.task: unknown task '%s'", c->env_task);
  if (env_action_mode_parse(c->env_action_mode, &p->action_mode))
    return err_set(err, "env.action_mode: unknown mode '%s'", c->env_action_mode);
  p->substeps = (int)c->env_substeps;
  p->dt = c->env_sim_dt * (double)c->env_substeps; /* env_params.dt is the control period */
  p->episode_s[ENV_TASK_STAND] = c->stand_episode_s;
  p->episode_s[ENV_TASK_WALK] = c->walk_episode_s;
  p->episode_s[ENV_TASK_IMITATE] = c->imitate_episode_s;
  p->pd_kp = c->env_pd_kp;
  p->pd_kd = c->env_pd_kd;
  p->pd_centre = !strcmp(c->env_pd_centre, "current") ? ENV_PD_CURRENT
                 : !strcmp(c->env_pd_centre, "pose")  ? ENV_PD_POSE
                                                      : ENV_PD_RANGE;
  p->pd_range = c->env_pd_range;
  p->pd_every_substep = c->env_pd_every_substep;
  p->jso_kp = c->env_jso_kp;
  p->jso_kd = c->env_jso_kd;
  p->jso_range = c->env_jso_range;
  p->jso_margin = c->env_jso_limit_margin < 0 ? -1 : c->env_jso_limit_margin * M_PI / 180;
  /* the reference's torque: only imitate has one (the key is a no-op elsewhere, like pd_* outside muscle_pd) */
  p->jso_ff_id = !strcmp(c->env_jso_feedforward, "inverse_dynamics") && p->task == ENV_TASK_IMITATE &&
                 p->action_mode == ENV_ACT_JOINT_SO;
  p->jso_every_substep = c->env_jso_every_substep;
  p->jso_gains_strength = !strcmp(c->env_jso_gains, "strength");
  p->excitation_baseline = c->env_excitation_baseline;
  p->act_preload = !strcmp(c->env_act_preload, "baseline");
  p->reset_noise = c->env_reset_noise;
  p->fall_height_frac = c->env_fall_height_frac;
  p->fall_tilt_deg = c->env_fall_tilt_deg;
  p->push_force = c->env_push_force;
  p->push_interval = c->env_push_interval;
  p->push_duration = c->env_push_duration;
  task_params(c, p);
  if (dev_params_from_cfg(c, &p->dev, err)) return -1;
  if (!strcmp(c->imitate_motion, "default")) {
    p->motion = ENV_MOTION_DEFAULT_GAIT;
  } else {
    p->motion = ENV_MOTION_FILE;
    snprintf(p->motion_path, sizeof p->motion_path, "%s", c->imitate_motion);
  }
  model_subject_default(&p->subject);
  if (c->env_subject[0] && model_subject_load(c->env_subject, &p->subject, err)) return err_wrap(err, "env.subject");
  p->obs_subject = c->env_obs_subject;
  p->dr_strength[0] = c->env_dr_strength_min, p->dr_strength[1] = c->env_dr_strength_max;
  p->dr_reflex_gain[0] = c->env_dr_reflex_gain_min, p->dr_reflex_gain[1] = c->env_dr_reflex_gain_max;
  p->dr_obs_delay[0] = (int)c->env_dr_obs_delay_min, p->dr_obs_delay[1] = (int)c->env_dr_obs_delay_max;
  p->dr_mass[0] = c->env_dr_mass_min, p->dr_mass[1] = c->env_dr_mass_max;
  p->dr_friction[0] = c->env_dr_friction_min, p->dr_friction[1] = c->env_dr_friction_max;
  p->rehab = (int)c->rehab_enabled;
  return env_params_check(p, err);
}

mjModel *env_model_from_cfg(const cfg_t *c, d2m_err *err) {
  model_subject subj;
  model_subject_default(&subj);
  if (c->env_subject[0] && model_subject_load(c->env_subject, &subj, err)) return NULL;
  subj.timestep = c->env_sim_dt;
  subj.actlimited = c->env_actlimited;
  subj.foot_broad = !strcmp(c->env_foot_contact, "broad");
  dev_params dev;
  if (dev_params_from_cfg(c, &dev, err)) return NULL;
  subj.device = dev.model;
  mjModel *m = model_load(&subj, err);
  /* The MJCF text rounds the timestep; the envs' own (control period / substeps, as env.c computes it)
   * lets them share this model instead of each holding a copy (about 1 MB per env). */
  if (m) m->opt.timestep = c->env_sim_dt * (double)c->env_substeps / (double)c->env_substeps;
  return m;
}

env_t *env_config_env(const cfg_t *c, int task, d2m_err *err) {
  env_params ep;
  if (env_params_from_cfg(c, &ep, err)) return NULL;
  if (task >= 0) ep.task = task;
  mjModel *m = env_model_from_cfg(c, err);
  if (!m) return NULL;
  env_t *e = env_create(m, &ep, NULL, err);
  if (!e) mj_deleteModel(m);
  return e;
}

void env_config_free(env_t *e) {
  if (!e) return;
  mjModel *m = (mjModel *)env_model(e);
  env_free(e);
  mj_deleteModel(m);
}
