/* envs/tasks.h: internal to envs/: the stand, walk and imitate tasks (envs/tasks.c): their
 * observation block, reset, reward and termination. */
#ifndef D2M_ENV_TASKS_H
#define D2M_ENV_TASKS_H

#include "envs/env_int.h"

int env_task_obs_size(const env_t *e);
void env_task_obs(env_t *e, float *out);
void env_task_reset(env_t *e);              /* sets qpos/qvel in e->d and the task's episode state */
double env_task_reward(env_t *e);           /* for the current state; also updates episode metrics */
int env_task_terminal(env_t *e);            /* env_end_reason or ENV_END_NONE */
void env_task_frame(env_t *e, long k);      /* fill ref_* buffers with reference frame k */
/* Imitate's balance assistant (env_set_assist; no-op at strength 0): generalised forces on the free
 * joint toward the current reference frame, written to qfrc_applied's root dofs. d: the state's
 * qpos/qvel; ref_* buffers: the current frame. */
void env_task_assist(env_t *e);

#endif
