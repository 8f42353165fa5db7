/* envs/env.h: the environments the actors step (stand, walk, imitate on the 80-muscle model).
 *
 * MuJoCo spirit: env_create() takes a const model and the params and allocates everything once;
 * env_reset()/env_step() never allocate. The env finds bodies, joints and muscles by name
 * (MyoLegs names: pelvis, femur_r, ..., hip_flexion_r, ..., soleus_r, ...; keyframe 0 = standing).
 *
 * Model: if m->opt.timestep already equals dt/substeps the env uses m as is (the caller keeps it
 * alive until env_free); otherwise the env makes a private copy with that timestep.
 *
 * Stepping: each substep is mj_step2 followed by mj_step1, so after env_step the kinematics,
 * contacts and muscle lengths in mjData belong to the new state (no extra mj_forward per step).
 *
 * Episodes end by ENV_END_TIME (truncated = 1: bootstrap the value from final_obs), ENV_END_FALL
 * and ENV_END_TRACKING (terminated = 1), ENV_END_NUMERICAL (terminated = 1; NaN/Inf in
 * qpos/qvel/qacc or any MuJoCo warning; counted; final_obs is then the last finite observation).
 * The env then resets itself: `obs` holds the new episode's first observation, `final_obs` (if the
 * caller gave a buffer) the ended episode's last one. Automatic resets continue the env's random
 * stream, so the same env_reset seed gives bit-identical sequences of episodes. */
#ifndef D2M_ENV_H
#define D2M_ENV_H

#include <mujoco/mujoco.h>
#include <stdint.h>

#include "common/log.h"
#include "envs/env_params.h"
#include "envs/motion/motionlib.h"
#include "envs/motion/refmotion.h"

typedef struct env_t env_t;

typedef enum {
  ENV_END_NONE = 0,
  ENV_END_TIME = 1,      /* episode length reached (imitate, non-cyclic: end of clip; success) */
  ENV_END_FALL = 2,      /* pelvis too low or tilted (stand, walk) */
  ENV_END_TRACKING = 3,  /* imitate: a tracked body farther than im_term_dist from the reference */
  ENV_END_NUMERICAL = 4  /* NaN/Inf or a MuJoCo warning */
} env_end_reason;

typedef struct env_episode_info {
  double ret;             /* undiscounted return */
  int length;             /* control steps */
  int reason;             /* env_end_reason */
  int numerical_resets;   /* numerical ends of this env since env_create (cumulative) */
  int success;            /* reached the time limit (stand/walk: no fall; imitate: no early termination) */
  double mpjpe_mm;        /* imitate: mean tracked-body position error over the episode (mm); else 0 */
  double joint_rmse_deg;  /* imitate: RMS hinge-angle error vs the reference (deg); else 0 */
  double mean_speed;      /* walk: mean forward pelvis speed (m/s); else 0 */
  int clip;               /* imitate: the clip the episode tracked (env_clip; 0 without a library) */
  int end_body;           /* imitate, reason tracking: the tracked body that left the band (model body id); else -1 */
  double end_offset[3];   /* its position minus the reference's at the end, in the pelvis' heading frame
                           * (forward, left, up; m): -0.15 forward is a body behind the reference, +-0.15
                           * left one to its side; 0 with end_body -1 */
} env_episode_info;

typedef struct env_step_out {
  float *obs;             /* in: caller buffer [env_obs_size]; out: next obs (new episode's first if done) */
  float *final_obs;       /* in: caller buffer [env_obs_size] or NULL; out when done: ended episode's last obs */
  float *final_amp;       /* in: caller buffer [env_amp_size] or NULL; out when done: AMP features of the ended
                           * episode's last state (ENV_END_NUMERICAL: of the non-finite state, NaN read as 0) */
  float reward;
  int terminated, truncated, done; /* done = terminated || truncated */
  env_episode_info ep;    /* valid when done */
} env_step_out;

/* ref: the reference motion for imitate (NULL: the env builds it from p->motion / p->motion_path
 * and owns it; a motion_path ending in ".list" is a clip library, motionlib_load_list, loaded and
 * owned by this env); ignored by stand/walk. Returns NULL with err set on failure. */
env_t *env_create(const mjModel *m, const env_params *p, const refmotion *ref, d2m_err *err);
/* Imitate over a clip library (borrowed: the caller keeps lib alive and its weights fixed or
 * changed only between steps, until env_free). Every episode start draws a clip by weight from
 * the env's own random stream (before the reference-state-initialisation draw), so runs stay
 * reproducible. The clips must share dt, nq and tracked bodies (the observation size depends on
 * them); p->motion / motion_path are ignored. */
env_t *env_create_lib(const mjModel *m, const env_params *p, const motionlib *lib, d2m_err *err);
/* True when the path names a clip library (ends in ".list"). */
int env_motion_is_list(const char *path);
/* Imitate: the number of clips (1 without a library) and the current episode's clip index. */
int env_num_clips(const env_t *e);
int env_clip(const env_t *e);
/* For tools (AMP reference, playback): make clip i current, reference frame 0 (not a reset). */
void env_set_clip(env_t *e, int i);
void env_free(env_t *e);
/* Start a new episode; the env's random stream is rng_seed(seed, 0, RNG_ENV, 0). */
void env_reset(env_t *e, uint64_t seed);
/* Current observation (after env_reset). */
void env_observe(const env_t *e, float *obs);
/* action: [env_act_size] policy outputs (see env_params.h for the mapping of each mode). */
void env_step(env_t *e, const float *action, env_step_out *out);

int env_obs_size(const env_t *e);
/* number of muscles (80), or in joint_so mode the independent hinges (14: those no joint equality slaves) */
int env_act_size(const env_t *e);
int env_muscle_count(const env_t *e); /* muscle actuators, the first of the model's actuators (80) */
/* AMP features of the current state (the learner pairs consecutive states):
 *   root height (1, m); pelvis up-axis in heading frame (3); pelvis linear (3, m/s) and angular
 *   (3, rad/s) velocity in heading frame; hinge angles (nj, rad) and velocities (nj, rad/s);
 *   foot (calcn_r, calcn_l) positions relative to the pelvis in heading frame (6, m).
 * Size 16 + 2 nj (44 on MyoLegs: nj = 14). */
int env_amp_size(const env_t *e);
void env_amp_features(const env_t *e, float *out);

/* The subject's compact parameter vector (the 'subject' observation block with env.obs_subject),
 * this episode's values (domain randomisation included):
 *   0, 1  mean peak-force factor of the right, left muscles (strength.M x randomised strength)
 *   2, 3  mean spasticity gain right, left (excitation per L0/s; + randomised reflex gain)
 *   4     reflex delay (s)            5  observation delay (s)          6  motor noise (std / excitation)
 *   7, 8  synergy mix right, left     9  body mass / reference mass     10 height / reference height
 *   11    sliding friction factor     12, 13  mean optimal-fibre-length factor right, left (contracture) */
#define ENV_SUBJECT_OBS 14
void env_subject_vector(const env_t *e, float *out);

/* The rehabilitation loop (rehab.enabled; envs/rehab.h). env_set_body sets the body the env's own
 * model copy has from now on: strength[i] the peak-force factor of muscle i (as strength.M of the
 * subject file, which the generated model already holds: the model's force is scaled by
 * strength[i] / strength.M) and spas_gain[i] its stretch-reflex gain; per-episode randomisation still
 * multiplies on top. An error when rehab.enabled is off, a subject strength is 0, or a reflex gain is
 * given to a subject without reflexes (no delay line). env_take_use writes into sum[i] each muscle's
 * descending excitation (after synergies and noise, before the reflex) summed over the control steps
 * (and PD re-evaluations) since the last call, returns how many were summed, and restarts both at 0
 * (0 without rehab.enabled); sum / count is the muscle's use in the recovery rule. */
int env_set_body(env_t *e, const double *strength, const double *spas_gain, d2m_err *err);
long env_take_use(env_t *e, double *sum);

/* Name and size of observation block i (0 <= i < env_obs_nblocks), for logs and docs. */
int env_obs_nblocks(const env_t *e);
const char *env_obs_block(const env_t *e, int i, int *size);

const env_params *env_get_params(const env_t *e);
/* For tests and tools: the env's model and data (perturb, inspect). Not for the actor. */
const mjModel *env_model(const env_t *e);
mjData *env_data(env_t *e);
const refmotion *env_ref(const env_t *e);
/* Imitate: the reference frame index of the current state. */
long env_ref_frame(const env_t *e);
/* Called after every physics step of env_step (right after mj_step2: positions at the end of the
 * step, contact forces of its constraint solve), e.g. to record at the simulation rate (eval
 * --opensim --rate sim). NULL removes it. Not used in training. */
typedef void (*env_substep_hook)(void *user, const mjData *d);
void env_set_substep_hook(env_t *e, env_substep_hook fn, void *user);
/* The assistive devices' controllers and outcomes (envs/device.h), NULL when the model has none. */
const struct dev_sys *env_device(const env_t *e);
/* For tests: max distance (m) of tracked bodies to the reference now (imitate), and the reward's
 * maximum (sum of the task's weights). */
double env_track_dist(const env_t *e);
/* Vertical contact force on each heel (right, left) during the last step, in body weights: contacts
 * of calcn in its posterior 35% (the stand reward's heel term). */
void env_heel_load(const env_t *e, double bw[2]);
/* Imitate: the tracking distance that ends an episode from now on (a curriculum's current value;
 * starts at params.im_term_dist). Not part of the env's saved state: the caller sets it again. */
void env_set_term_dist(env_t *e, double d);
/* Imitate (and walk.start = reference): the resets from now on start the reference at phase p of
 * the drawn clip, frame floor(p n) (n: its frames, cyclic, or its last frame), instead of a random
 * frame (imitate.rsi). For evaluation: a deterministic policy's episode depends only on its start
 * frame, so a sweep over p = i / N covers the clip evenly where N random starts sample it with
 * repeats. p < 0 or p >= 1: back to imitate.rsi (the value an env starts with). Not part of the
 * saved state. */
void env_set_start_phase(env_t *e, double phase);
/* Imitate: the balance assistant's strength from now on (envs/tasks.c env_task_assist: sideways force
 * and pelvis-orientation moment toward the reference, stiffness s m g / l and s m g l; 0 = none, the
 * value an env starts with, so eval and every other caller see the unassisted task). Not part of the
 * saved state: the caller (the actor's curriculum, imitate.assist) sets it again. */
void env_set_assist(env_t *e, double s);
double env_max_reward(const env_t *e);
/* For tests: the task reward of the current state (no step; kinematic playback) and whether it is
 * terminal (env_end_reason). Updates the episode's tracking metrics like a step would. */
double env_eval_reward(env_t *e, int *reason);
/* Imitate with imitate.act_preload = so or imitate.feedforward = so: the static-optimisation
 * activations [nu] of the current clip's frame k (cyclic: k modulo the cycle); NULL otherwise. */
const double *env_so_activations(const env_t *e, long k);
/* Put the model in reference frame k (qpos, qvel) and recompute; the episode clock follows k. */
void env_set_ref_state(env_t *e, long k);

/* Bit-exact checkpoint/resume (envs/env_state.c). The state is everything that determines the
 * env's future: its random stream, the episode fields (clock, reference start frame, metrics,
 * task targets, push schedule, last excitation, foot forces, last tracking distance, last
 * observation) and mjData's time, qpos, qvel, act, ctrl, qacc_warmstart, qfrc_applied,
 * xfrc_applied, mocap and userdata. Loading it into an env created with the same model and
 * params (or into the same env) and feeding the same actions gives bit-identical observations,
 * rewards and episode ends. The buffer is native-endian with a magic/version word, the env's
 * shape (task, model sizes, dt, substeps, episode length) and a CRC-32C; no alignment needed. */
size_t env_state_size(const env_t *e);
/* Writes exactly env_state_size(e) bytes. */
void env_state_save(const env_t *e, void *buf);
/* Validates size, magic/version, shape, field ranges, finiteness and the checksum before changing
 * anything: on error (-1, err names the field or check) the env is unchanged. Then restores the
 * state and recomputes the derived quantities as env_step leaves them (mj_step1). */
int env_state_load(env_t *e, const void *buf, size_t n, d2m_err *err);

#endif
