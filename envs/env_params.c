/* envs/env_params.c: the checks of env_params that no single config key can make, task names. */
#include "envs/env_params.h"

#include <string.h>

int env_params_check(const env_params *p, d2m_err *err) {
  if ((unsigned)p->task > ENV_TASK_IMITATE) return err_set(err, "env.task: unknown task %d", (int)p->task);
  if ((unsigned)p->action_mode > ENV_ACT_JOINT_SO) return err_set(err, "env.action_mode: unknown mode %d", (int)p->action_mode);
  if (p->im_ff_so && p->action_mode != ENV_ACT_EXCITATION)
    return err_set(err, "imitate.feedforward = so needs env.action_mode = excitation (the policy corrects an excitation)");
  if (!(p->dt > 0 && p->dt <= 0.2)) /* explicit integration at 30 Hz control and faster */
    return err_set(err, "env.sim_dt x env.substeps = %g s: the control period must be in (0, 0.2] s", p->dt);
  for (int i = 0; i < 3; i++)
    if (!(p->episode_s[i] >= p->dt))
      return err_set(err, "%s.episode_s = %g s is shorter than one control period (%g s)", env_task_name((env_task)i),
                     p->episode_s[i], p->dt);
  if (!(p->walk_speed_max >= p->walk_speed_min))
    return err_set(err, "walk.speed_max = %g is below walk.speed_min = %g", p->walk_speed_max, p->walk_speed_min);
  if (p->task == ENV_TASK_IMITATE && p->motion == ENV_MOTION_FILE && !p->motion_path[0])
    return err_set(err, "imitate.motion: empty");
  const struct {
    const char *name;
    double lo, hi;
  } dr[] = {{"strength", p->dr_strength[0], p->dr_strength[1]},
            {"reflex_gain", p->dr_reflex_gain[0], p->dr_reflex_gain[1]},
            {"obs_delay", p->dr_obs_delay[0], p->dr_obs_delay[1]},
            {"mass", p->dr_mass[0], p->dr_mass[1]},
            {"friction", p->dr_friction[0], p->dr_friction[1]}};
  for (size_t i = 0; i < sizeof dr / sizeof *dr; i++)
    if (!(dr[i].hi >= dr[i].lo))
      return err_set(err, "env.dr_%s_max = %g is below env.dr_%s_min = %g", dr[i].name, dr[i].hi, dr[i].name, dr[i].lo);
  d2m_err e2;
  if (model_subject_check(&p->subject, &e2)) return err_set(err, "env.subject: %s", e2.msg);
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
  else if (!strcmp(s, "joint_so")) *m = ENV_ACT_JOINT_SO;
  else return -1;
  return 0;
}
