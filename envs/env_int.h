/* envs/env_int.h: internal to envs/: the env's state (struct env_t) and what env.c offers the other
 * env files. The actor, the learner and the tools only see envs/env.h. The env's files depend one
 * way: env.c -> obs.c (observation, AMP features) -> tasks.c (task blocks, rewards, ends) ->
 * frames.c (heading frame, body velocities); impair.c (impairments, randomisation); env_state.c
 * saves and loads struct env_t. */
#ifndef D2M_ENV_INT_H
#define D2M_ENV_INT_H

#include "common/rng.h"
#include "envs/env.h"

#define ENV_MAX_OBODY 16
#define ENV_MAX_HINGE 48
#define ENV_MAX_MUSCLE 256
#define ENV_MAX_BLOCKS 20
#define ENV_MAX_FUTURE 8

struct env_t {
  env_params p;
  mjModel *m;
  int m_owned;
  mjData *d;
  const refmotion *ref;      /* the current episode's clip */
  refmotion *ref_owned;
  double **so_act;           /* im_preload_so: [clips][nframes][nu] static-optimisation activations; else NULL */
  const motionlib *lib;      /* clip library (NULL: one clip) */
  motionlib *lib_owned;
  int clip;                  /* index of ref in lib (0 without one) */
  rng_t rng;
  dev_sys *dev;                /* assistive devices of the model (NULL: none) */
  env_substep_hook substep_fn; /* NULL, or called after every physics step (env_set_substep_hook) */
  void *substep_user;

  /* model indices, found by name at create */
  int pelvis, root_qadr, root_dadr;
  int nobody, obody[ENV_MAX_OBODY];
  int nhinge, hinge_qadr[ENV_MAX_HINGE], hinge_dadr[ENV_MAX_HINGE];
  int nmus;
  double mus_L0[ENV_MAX_MUSCLE], mus_F0[ENV_MAX_MUSCLE];
  double pd_target[ENV_MAX_MUSCLE]; /* muscle_pd: target normalised lengths of this control step */
  double pd_pose[ENV_MAX_MUSCLE];   /* pd_centre = pose: normalised lengths in the task's pose */
  mjData *d_pose;                   /* pd_centre = pose: scratch data for those lengths (NULL otherwise) */
  struct env_jso *jso;              /* action_mode = joint_so: its targets and solver (envs/jointso.h); else NULL */
  int foot_body[2];         /* calcn_r, calcn_l (AMP foot positions) */
  struct env_impair *imp;   /* the subject's neural impairments, randomisation (envs/impair.h); NULL: none */
  signed char *geom_side;   /* [ngeom] 0 right foot, 1 left foot, -1 other */
  double fwd_local[3], up_local[3]; /* pelvis-frame forward and up at keyframe 0 */
  double h0, weight;        /* keyframe-0 pelvis height (m); body weight m g (N) */
  double *qpos_key;         /* [nq] keyframe 0 (or qpos0) */

  /* episode */
  long t, max_steps, ref_k0;
  double ep_ret, ep_pos_err, ep_joint_sq, ep_speed;
  long ep_joint_n;
  int numerical_total;
  double target_speed, target_heading;
  double push_next, push_end, push_dir[2];
  double excite_msq;        /* mean squared excitation of the last action */
  double foot_force[6];     /* world-frame contact force on each foot (N) */
  double heel_force[2];     /* vertical contact force on the heel (calcn contacts behind heel_x), N */
  double heel_x[2];         /* m, calcn-frame x behind which a contact is the heel (35% of calcn->toes) */
  double limit_frc;         /* sum |efc_force| of joint-limit constraints (N m, last substep) */
  double *qpos_up;          /* [nq] the upright stance (stand.pose = upright; NULL until built) */
  double h_up;              /* pelvis height of qpos_up (m) */
  double last_track_dist;
  int last_track_body;       /* the tracked body farthest from the reference at the last reward (model id) */
  double last_track_off[3];  /* its position minus the reference's (world, m); with last_track_body, not
                              * saved state: the step that ends an episode computes both */
  double term_dist;         /* imitate: tracking distance that ends the episode (env_set_term_dist) */
  double assist;            /* imitate: balance assistant's strength (env_set_assist; 0 = none) */
  double start_phase;       /* imitate: the next resets' start phase in [0, 1) (env_set_start_phase); < 0: imitate.rsi */

  /* buffers (allocated once) */
  float *last_obs;
  /* [2 nq] qpos as the env's last mj_step1 / mj_forward got it and as that call left it: they
   * renormalise the free joint's quaternion in qpos in place, and renormalising an already
   * normalised quaternion can move it by an ulp, so a checkpoint saves the former (env_state.c) */
  double *qpos_in, *qpos_out;
  double *ref_qpos, *ref_qvel, *ref_xpos, *ref_xvel, *sim_xvel;

  /* observation layout */
  int obs_size, nblocks, block_size[ENV_MAX_BLOCKS];
  const char *block_name[ENV_MAX_BLOCKS];
};

/* env.c: what mj_resetData does to the state, without clearing mjData's scratch memory. */
void env_reset_physics(const mjModel *m, mjData *d);

/* env.c: mj_step1 (step1 = 1) or mj_forward, recording qpos_in / qpos_out. */
void env_forward_qpos(env_t *e, int step1);

/* actions.c: apply an action [env_act_size] at the start of a control step (ctrl of the muscles,
 * e->excite_msq); muscle_pd's law at the current state (every physics step with pd_every_substep);
 * normalised muscle lengths of the body in qpos into e->pd_pose (scratch data e->d_pose). */
void env_apply_action(env_t *e, const float *a);
void env_pd_ctrl(env_t *e);
void env_pose_lengths(env_t *e, const double *qpos);

/* env.c: static optimisation of every clip at create; keeps [clips][nframes][nu] activations in *act
 * and/or [clips][nframes][nv] inverse-dynamics torques in *tau (NULL: not kept). key: the setting
 * that asked, for the error. env_so_clips_free: NULL-safe. */
int env_so_clips(env_t *e, double ***act, double ***tau, const char *key, d2m_err *err);
void env_so_clips_free(const env_t *e, double **per_clip);

#endif
