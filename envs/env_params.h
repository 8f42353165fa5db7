/* envs/env_params.h: every knob of the environments, one plain struct, filled only by
 * env_params_from_cfg (envs/env_config.h) from the config table's env.*, stand.*, walk.* and
 * imitate.* keys: their defaults, bounds and meanings live there (common/config.h), not here.
 * Units in the comments. */
#ifndef D2M_ENV_PARAMS_H
#define D2M_ENV_PARAMS_H

#include "common/log.h"
#include "envs/device.h"
#include "envs/model/model.h"

typedef enum { ENV_TASK_STAND = 0, ENV_TASK_WALK = 1, ENV_TASK_IMITATE = 2 } env_task;
typedef enum { ENV_ACT_EXCITATION = 0, ENV_ACT_MUSCLE_PD = 1, ENV_ACT_JOINT_SO = 2 } env_action_mode;
typedef enum { ENV_PD_RANGE = 0, ENV_PD_CURRENT = 1, ENV_PD_POSE = 2 } env_pd_centre;
typedef enum { ENV_MOTION_DEFAULT_GAIT = 0, ENV_MOTION_FILE = 1 } env_motion_source;

typedef struct env_params {
  env_task task;              /* stand | walk | imitate */
  double dt;                  /* s, control period = env.sim_dt x env.substeps */
  int substeps;               /* MuJoCo steps per control step; the env sets opt.timestep = dt/substeps */
  env_action_mode action_mode;/* excitation (default) | muscle_pd | joint_so */
  double episode_s[3];        /* s, episode length per task (stand.episode_s, walk.episode_s, imitate.episode_s) */

  /* excitation mode: u = 1/(1+exp(-x)) for policy output x (0 -> 0.5; the policy head starts at
   * logit(excitation_baseline), nn/ac_config.c). */
  /* muscle_pd mode: a target normalised length l* per muscle (pd_centre below) over the muscle's
   * normalised range [lo,hi] (gainprm[0..1]); desired tension f = kp (l - l*) + kd v (F0 units,
   * clamped to [0,1]); the activation giving f is found by inverting gain*act + bias. */
  double pd_kp;               /* F0 per unit normalised length */
  double pd_kd;               /* F0 per (L0/s) */
  env_pd_centre pd_centre;    /* current: l* = l_now + pd_range (hi-lo) tanh(x) (a zero action holds the pose);
                               * pose: l* = l_pose + pd_range (hi-lo) tanh(x), l_pose the length in the task's
                               * pose (stand: stand.pose; walk: keyframe 0; imitate: the reference frame the
                               * step ends on): a zero action is a stretch reflex toward that pose;
                               * range: l* = lo + (hi-lo)(tanh(x)+1)/2 (zero: mid-range) */
  double pd_range;            /* current, pose: the largest target offset, a fraction of hi-lo */
  int pd_every_substep;       /* 1: the PD law is re-evaluated before every MuJoCo step (KINESIS) */
  /* joint_so mode (envs/jointso.h): one action per independent hinge, target q* = q_c + jso_range tanh(x)
   * around the centre pose q_c (stand: stand.pose; walk: keyframe 0; imitate: the reference frame the
   * step ends on, with its velocity v_c); desired torque kp (q* - q) + kd (v_c - qd) [+ the reference's
   * inverse-dynamics torque]; static optimisation (envs/motion/so.h) turns it into activations = excitations */
  double jso_kp;              /* N m/rad */
  double jso_kd;              /* N m s/rad */
  double jso_range;           /* rad */
  double jso_margin;          /* rad: q* clamped to [lo + margin, hi - margin] of the hinge's range; < 0: not */
  int jso_ff_id;              /* 1: imitate adds the reference's inverse-dynamics torque */
  int jso_every_substep;      /* 1: solved again before every MuJoCo step */
  int jso_gains_strength;     /* 1: kp, kd per hinge scaled by its muscle strength over the mean */

  /* reset: activations start at excitation_baseline (act_preload = 1) or at 0 */
  double excitation_baseline; /* resting excitation in (0,1) */
  int act_preload;            /* 1: act = excitation_baseline at reset; 0: act = 0 */

  /* reset */
  double reset_noise;         /* rad, uniform +- noise on hinge angles at reset (stand, walk) */

  /* termination (stand, walk) */
  double fall_height_frac;    /* fall if pelvis height < frac * keyframe-0 pelvis height */
  double fall_tilt_deg;       /* fall if pelvis up-axis tilt from vertical > this (deg) */

  /* pushes (any task): horizontal force on the pelvis */
  double push_force;          /* N, 0 = no pushes */
  double push_interval;       /* s, mean time between pushes (uniform in [0.5, 1.5] x this) */
  double push_duration;       /* s, how long one push lasts */

  /* stand reward: w_up*up + w_height*exp(-(dh/0.05 m)^2) + w_still*exp(-|v_xy|^2/0.1) + w_energy*(1-mean u^2) */
  double stand_w_up, stand_w_height, stand_w_still, stand_w_energy;
  /* + w_posture exp(-k_posture sum_hinges (q - q_pose)^2) + w_heel mean_feet min(1, F_heel / (W/4))
   * + w_limit exp(-sum|joint-limit force| / (ENV_LIMIT_SCALE W m)) (W: body weight) */
  double stand_w_posture, stand_k_posture, stand_w_heel, stand_w_limit;
  int stand_pose_upright;     /* 1: start near and aim for the upright stance (hinges 0, knees 5 deg)
                               * and its pelvis height; 0: keyframe 0 (a crouch) */

  /* walk: target speed drawn per episode, heading offset from the initial facing per episode */
  double walk_speed_min, walk_speed_max;   /* m/s */
  double walk_heading_range;               /* rad, target heading uniform in +- this */
  int walk_start_ref;         /* 1: start at a random frame of the reference motion (motion/motion_path) */
  int walk_speed_ref;         /* 1: commanded speed = the reference clip's mean speed */
  /* walk reward: w_vel*exp(-k_vel |v_xy - v*|^2) + w_up*up + w_heading*(1+cos dpsi)/2 + w_energy*(1-mean u^2) */
  double walk_w_vel, walk_k_vel, walk_w_up, walk_w_heading, walk_w_energy;

  /* imitate reward (KINESIS): w_pos exp(-k_pos mean|dp|^2) + w_vel exp(-k_vel mean|dv|^2) + w_up up
   * + w_energy (1-mean u^2) + w_joint exp(-k_joint sum dq^2) (DeepMimic pose term, optional)
   * + w_root exp(-k_root |dp_pelvis|^2) (optional) */
  double im_w_pos, im_k_pos, im_w_vel, im_k_vel, im_w_up, im_w_energy, im_w_joint, im_k_joint;
  int im_pos_pelvis;          /* 1: the w_pos term compares positions relative to the pelvis (imitate.pos_frame) */
  double im_w_root, im_k_root; /* + w_root exp(-k_root |pelvis - reference pelvis|^2) */
  double im_term_dist;        /* m, early termination when a tracked body is farther from the reference */
  int im_rsi;                 /* 1: reference state initialisation at a random phase; 0: phase 0 */
  int im_future;              /* reference frames ahead in the observation */
  env_motion_source motion;   /* default_gait | file */
  char motion_path[256];      /* .mot/.sto path when motion = file */
  int motion_cyclic;          /* 1: the file holds one gait cycle (repeat it); 0: play once; -1: auto (mot_ends_match) */
  int im_preload_so;          /* 1: activations at episode start from static optimisation of the start frame */
  int im_ff_so;               /* 1 (excitation mode): u = sigmoid(x + logit(a_so)), a_so the mean static-
                               * optimisation activation of the step's two frames, clamped to [0.005, 0.995] */
  dev_params dev;             /* assistive devices ([device] keys; envs/device.h): their controllers run in
                               * env_step when the model has device actuators */

  /* the subject (env.subject, or the reference adult): the env applies its neural impairments
   * (envs/impair.h) and observes its parameters; the model must come from the same subject */
  model_subject subject;
  int obs_subject;            /* 1: the 'subject' observation block (envs/impair.h) */
  /* domain randomisation, drawn per episode from the env's stream: [min, max] each */
  double dr_strength[2], dr_reflex_gain[2], dr_mass[2], dr_friction[2];
  int dr_obs_delay[2];        /* control steps */
  int rehab;                  /* rehab.enabled: the body may change between episodes (env_set_body) */
} env_params;

#define ENV_LIMIT_SCALE 0.05 /* joint-limit force scale of the stand reward, body weights x 1 m */

/* What single keys cannot say (the table bounds each key): known enum values, episodes at least one
 * control period, a control period of at most 0.2 s, speed_max >= speed_min, a motion path. */
int env_params_check(const env_params *p, d2m_err *err);
const char *env_task_name(env_task t);
int env_task_parse(const char *s, env_task *t);           /* 0 ok, -1 unknown */
int env_action_mode_parse(const char *s, env_action_mode *m);

#endif
