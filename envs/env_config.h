/* envs/env_config.h: the config table's env.*, stand.*, walk.* and imitate.* keys -> env_params. */
#ifndef D2M_ENV_CONFIG_H
#define D2M_ENV_CONFIG_H

#include "common/config.h"
#include "envs/env.h"
#include "envs/env_params.h"

#include <mujoco/mujoco.h>

/* Fills p from c and validates it (env_params_check); the error names the config key. */
int env_params_from_cfg(const cfg_t *c, env_params *p, d2m_err *err);

/* The model every env of a run steps: env.subject's scaling (or the reference subject) at the
 * physics timestep env.sim_dt. The one loader of actors, eval and the AMP reference; NULL with err. */
mjModel *env_model_from_cfg(const cfg_t *c, d2m_err *err);

/* One env of the run's config on a model of its own, for the parts that only read an env's layout
 * or reference (the learner's mirror maps, AMP's reference clip, the scaling bench's sizes). task >= 0
 * replaces env.task (an env_task value). NULL with err; free with env_config_free. */
env_t *env_config_env(const cfg_t *c, int task, d2m_err *err);
void env_config_free(env_t *e);

#endif
