/* envs/obs.h: internal to envs/: the observation's layout and contents (envs/obs.c). */
#ifndef D2M_ENV_OBS_H
#define D2M_ENV_OBS_H

#include "envs/env_int.h"

void env_layout(env_t *e);
void env_write_obs(env_t *e, float *obs);
/* Contact forces per foot (foot_force), heel loads and joint-limit forces; valid after mj_step2. */
void env_foot_forces(env_t *e);

#endif
