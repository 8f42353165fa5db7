/* envs/env_params.c: defaults and checks for env_params. */
#include "envs/env_params.h"

#include <string.h>

void env_params_default(env_params *p) {
  memset(p, 0, sizeof *p);
  p->task = ENV_TASK_STAND;
  p->dt = 5.0 / 150.0; /* KINESIS: 30 Hz control, 150 Hz physics */
  p->substeps = 5;
  p->action_mode = ENV_ACT_EXCITATION;
  p->episode_s[ENV_TASK_STAND] = 10;
  p->episode_s[ENV_TASK_WALK] = 20;
  p->episode_s[ENV_TASK_IMITATE] = 10;
  p->pd_kp = 5;
  p->pd_kd = 0.5;
  p->pd_centre = ENV_PD_CURRENT;
  p->pd_every_substep = 1;
  p->excitation_baseline = 0.05;
  p->act_preload = 1;
  p->reset_noise = 0.02;
  p->fall_height_frac = 0.7;
  p->fall_tilt_deg = 60;
  p->push_force = 0;
  p->push_interval = 2;
  p->push_duration = 0.2;
  p->stand_w_up = 0.4;
  p->stand_w_height = 0.3;
  p->stand_w_still = 0.2;
  p->stand_w_energy = 0.1;
  p->stand_w_posture = 0.2;
  p->stand_k_posture = 1;
  p->stand_w_heel = 0.2;
  p->stand_w_limit = 0.1;
  p->stand_pose_upright = 1;
  p->walk_speed_min = 0.8;
  p->walk_speed_max = 1.4;
  p->walk_heading_range = 0;
  p->walk_w_vel = 0.6;
  p->walk_k_vel = 4;
  p->walk_w_up = 0.2;
  p->walk_w_heading = 0.1;
  p->walk_w_energy = 0.1;
  p->im_w_pos = 0.6; /* KINESIS weights and scales */
  p->im_k_pos = 200;
  p->im_w_vel = 0.2;
  p->im_k_vel = 5;
  p->im_w_up = 0.1;
  p->im_w_energy = 0.1;
  p->im_w_joint = 0;
  p->im_k_joint = 2; /* DeepMimic pose term scale */
  p->im_term_dist = 0.15;
  p->im_rsi = 1;
  p->im_future = 2;
  p->motion = ENV_MOTION_DEFAULT_GAIT;
  p->motion_cyclic = 1;
}

#define CHECK_RANGE(f, lo, hi) \
  if (!(p->f >= (lo) && p->f <= (hi))) return err_set(err, "env." #f " = %g is outside [%g, %g]", (double)p->f, (double)(lo), (double)(hi))

int env_params_check(const env_params *p, d2m_err *err) {
  if ((unsigned)p->task > ENV_TASK_IMITATE) return err_set(err, "env.task: unknown task %d", (int)p->task);
  if ((unsigned)p->action_mode > ENV_ACT_MUSCLE_PD) return err_set(err, "env.action_mode: unknown mode %d", (int)p->action_mode);
  CHECK_RANGE(dt, 1e-4, 0.2);
  CHECK_RANGE(substeps, 1, 100);
  for (int i = 0; i < 3; i++)
    if (!(p->episode_s[i] >= p->dt && p->episode_s[i] <= 3600))
      return err_set(err, "env.episode_s[%s] = %g is outside [dt, 3600]", env_task_name((env_task)i), p->episode_s[i]);
  CHECK_RANGE(pd_kp, 0, 1e4);
  CHECK_RANGE(pd_kd, 0, 1e4);
  CHECK_RANGE(excitation_baseline, 0.001, 0.999);
  CHECK_RANGE(reset_noise, 0, 0.5);
  CHECK_RANGE(fall_height_frac, 0, 1);
  CHECK_RANGE(fall_tilt_deg, 0, 180);
  CHECK_RANGE(push_force, 0, 1e5);
  CHECK_RANGE(push_interval, 1e-3, 1e4);
  CHECK_RANGE(push_duration, 0, 10);
  CHECK_RANGE(walk_speed_min, 0, 10);
  CHECK_RANGE(walk_speed_max, p->walk_speed_min, 10);
  CHECK_RANGE(walk_heading_range, 0, 3.15);
  CHECK_RANGE(im_term_dist, 0.001, 100);
  CHECK_RANGE(im_future, 1, 8);
  if (p->task == ENV_TASK_IMITATE && p->motion == ENV_MOTION_FILE && !p->motion_path[0])
    return err_set(err, "env.motion_path: empty while env.motion = file");
  return 0;
}

const char *env_task_name(env_task t) {
  static const char *n[] = {"stand", "walk", "imitate"};
  return (unsigned)t <= ENV_TASK_IMITATE ? n[t] : "?";
}

int env_task_parse(const char *s, env_task *t) {
  for (int i = 0; i <= ENV_TASK_IMITATE; i++)
    if (!strcmp(s, env_task_name((env_task)i))) {
      *t = (env_task)i;
      return 0;
    }
  return -1;
}

int env_action_mode_parse(const char *s, env_action_mode *m) {
  if (!strcmp(s, "excitation")) *m = ENV_ACT_EXCITATION;
  else if (!strcmp(s, "muscle_pd")) *m = ENV_ACT_MUSCLE_PD;
  else return -1;
  return 0;
}
