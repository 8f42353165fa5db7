/* analysis/eval.h: `drl2move eval`: roll out a trained policy in one process and record everything a
 * gait analysis needs.
 *
 * Reads a policy (nn/policy_file.h: a policy file, a full checkpoint or a run dir), rebuilds the env
 * and the net from the resolved config it carries, and runs the actor's rollout loop
 * (actor/rollout.h) on one env: observations normalised with the saved running statistics exactly
 * as the actors do, the mean action with --deterministic, else sampled from the policy.
 * The command line (`drl2move eval`) is parsed in deploy/eval_cli.c.
 *
 * Outputs in the out dir:
 *   frames.csv    one row per control step (the state before the action, the excitation the policy
 *                 chose for it), columns:
 *     episode step time reward
 *     root_x root_y root_z root_qw root_qx root_qy root_qz   world (m, unit quaternion)
 *     root_vx root_vy root_vz                                 world linear velocity (m/s)
 *     foot_r_x .. foot_l_z                                    calcn_r/calcn_l origins, world (m)
 *     grf_r_ap grf_r_ml grf_r_v grf_l_ap grf_l_ml grf_l_v     contact force on each foot from
 *                 MuJoCo's contacts (the env's foot_force observation), heading frame, body weights
 *     q_<joint> qd_<joint>                                    every hinge joint (deg, deg/s)
 *     ref_<joint>                                             imitate only: reference angle (deg)
 *     exc_<muscle> act_<muscle> frc_<muscle>                  excitation, activation (0..1), tension (N)
 *     dev_<actuator>_Nm                                       assistive devices: torque (N m) of the
 *                 step's last physics step (envs/device.h)
 *   muscle_energy.csv  per episode and muscle: mean metabolic power (W) and energy (J) (not in a playback)
 *   summary.json  task metrics per episode and their means (return, length, end reason, success,
 *                 MPJPE, joint RMSE and start_frame for imitate, mean speed for walk), body weight, dt,
 *                 for an imitate episode ended by tracking the body that left the band (end_body) and
 *                 its offset from the reference (end_offset_m: forward, left, up in the pelvis' heading
 *                 frame; null otherwise),
 *                 how the episodes started ("starts": random, or sweep with sweep_starts). End reasons
 *                 by name (time, fall, tracking, numerical; max_steps when max_steps cut the episode);
 *                 null where a metric does not apply (tracking but for imitate, speed but for walk,
 *                 posture in a playback or an episode without a counted step). Posture: knee flexion,
 *                 the hinges held within 2 deg of a limit (limit_joints) and the mean torque each of
 *                 those limits carries (limit_torque_nm, analysis/posture.h), heel load, excitation. "metabolic" (per episode and
 *                 mean: energy, power, cost of transport gross and net, energy per stride) and "device" (work
 *                 positive/negative, peak torque, per stride) as analysis/eval_energy.h computes them.
 *   video.mp4     with --video: tracking camera, the reference as a translucent ghost (imitate),
 *                 one frame per control step at 1/dt frames/s, H.264 by Debian's ffmpeg.
 *                 Rendering speed at 640x480 (Mesa llvmpipe on this 2-core VM, while ffmpeg encodes;
 *                 measured with `drl2move eval RUN --playback --video --max-steps 120`): 10-17 frames/s
 *                 with the fast settings (about 12 with the ghost), 0.9-1.6 with --video-hq.
 *   opensim/ep<K>/ with opensim: joint angles, activations, excitations and GRF in OpenSim's formats
 *                 (analysis/opensim_out.h), per control step or (opensim_sim_rate) per physics step.
 *   --playback    (imitate; the policy is not used: checkpoint may be NULL for the defaults, another
 *                 task is played as imitate) the reference played back kinematically instead of the policy: a known gait
 *                 for checking the analysis (its GRF are the contact solver's forces of a prescribed
 *                 state, not dynamics: use kinematic events). */
#ifndef D2M_EVAL_H
#define D2M_EVAL_H

#include <stdint.h>

#include "common/log.h"

#define EVAL_MAX_SET 24

typedef enum {
  EVAL_SAMPLE = 0,   /* actions sampled from the policy's distribution, as in training */
  EVAL_MEAN = 1,     /* the distribution's mean (--deterministic) */
  EVAL_PLAYBACK = 2  /* imitate: the reference played back kinematically instead of the policy */
} eval_drive;

typedef enum { EVAL_VIDEO_NONE = 0, EVAL_VIDEO_FAST = 1, EVAL_VIDEO_HQ = 2 } eval_video;

typedef struct eval_opts {
  const char *checkpoint; /* policy file, checkpoint file, or a run dir (its newest valid checkpoint); NULL: playback only */
  const char *out_dir;
  const char *task;       /* NULL: the checkpoint's task */
  const char *subject;    /* NULL: the checkpoint's subject */
  int episodes;           /* >= 1 */
  long max_steps;         /* per episode; 0: the task's episode length */
  eval_drive drive;
  eval_video video;       /* HQ keeps the model's visual quality (multisampling, shadows, reflection) */
  int width, height;
  int opensim;            /* also write OpenSim files (analysis/opensim_out.h) */
  int opensim_sim_rate;   /* 1: one row per physics step (--rate sim), 0: per control step */
  uint64_t seed;
  int nset;               /* config overrides "section.key=value" applied over the checkpoint's config */
  const char *set[EVAL_MAX_SET];
  const char *clips;      /* --clips FILE.list: eval_clips_run evaluates every clip (analysis/eval_clips.c) */
  int sweep_starts;       /* --starts sweep (imitate): episode i of N starts at phase i/N of its clip
                          * (env_set_start_phase), not at a random frame; 0: the env's own start */
} eval_opts;

typedef struct eval_result {
  int episodes;
  long frames;
  double mean_return, mean_length;
  double mean_success, mean_mpjpe_mm, mean_joint_rmse_deg; /* policy episodes (imitate: tracking); 0 in a playback */
  double render_fps;      /* frames rendered per second of wall time (video only), 0 otherwise */
  /* means over the episodes (analysis/eval_energy.h; NaN where not defined, e.g. a playback) */
  double met_power_w, cot, cot_net, stride_j, pf_act; /* pf_act: plantarflexors' mean activation */ /* metabolic power, cost of transport (J/(kg m)), per stride (J) */
  double dev_work_pos, dev_work_neg, dev_peak; /* device work per episode (J, all devices), peak torque (N m) */
} eval_result;

void eval_opts_default(eval_opts *o);
int eval_run(const eval_opts *o, eval_result *res, d2m_err *err);

/* `drl2move eval --clips FILE.list` (analysis/eval_clips.c): every clip of the list played by the policy
 * from its first frame (imitate.rsi = false; the clip alone as imitate.motion, its list line's cyclic
 * flag), o->episodes episodes each, with eval_run's outputs per clip in OUT/clips/NNN/. Then
 *   clips.csv     one row per clip: clip, name, split, episodes, success (rate), mpjpe_mm,
 *                 joint_rmse_deg, length_s, return (means over its episodes)
 *   summary.json  the list, the same per clip, and the means over all clips and over each side of a
 *                 split (list lines marked split=train|test), also logged as one line each. */
int eval_clips_run(const eval_opts *o, d2m_err *err);

#endif
