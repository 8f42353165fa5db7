/* envs/impair.h: internal to envs/: the subject's neural impairments and the per-episode domain
 * randomisation inside the env (README.md, "Impaired subjects"). env.c calls these hooks; each
 * returns at once when the env has no impairment (e->imp == NULL), so an unimpaired env steps and
 * draws random numbers exactly as before.
 *
 * Per control step: the policy's excitations u (ctrl) -> synergy projection of the paretic side
 * (synergy.mix) -> signal-dependent motor noise u += motor_noise u N(0,1), clamped to [0, 1] ->
 * the descending excitation u_desc. Per physics step: ctrl = clamp(u_desc + reflex, 0, 1) with
 * reflex_i = gain_i max(0, v_i(t - D) - threshold_i), v_i the muscle's lengthening velocity in
 * optimal fibre lengths per second (actuator_velocity / L0) D physics steps ago
 * (D = round(spasticity.delay_s / timestep); zero before the episode's first D steps). The
 * observation the policy gets is the one of obs_delay control steps ago (the episode's first
 * observation until then). With fatigue on, that excitation is the target load TL of a three-
 * compartment model per muscle (active MA, fatigued MF, resting MR; Xia & Frey Law 2008), stepped
 * by explicit Euler at the physics rate, and the muscle gets MA:
 *   C = L (TL - MA) if MA < TL and MR > TL - MA;  C = L MR if MA < TL otherwise;  C = L (TL - MA) if MA >= TL
 *   MA' = C - F MA,  MF' = F MA - R MF,  MR' = -C + R MF
 * At an episode start MA = the activation the env starts with (env.act_preload), MF = 0, MR = 1 - MA. */
#ifndef D2M_ENV_IMPAIR_H
#define D2M_ENV_IMPAIR_H

#include "envs/env_int.h"

typedef struct env_impair {
  /* the episode's draws (neutral without randomisation: 1, 0, subject's delay, 1, 1) */
  double strength_f, reflex_add, mass_f, friction_f;
  long obs_delay;
  int dr;                    /* randomisation on: the five draws happen at every episode start */
  /* spasticity */
  int spastic;               /* some muscle may have a reflex (subject gain or randomised gain > 0) */
  int vdelay;                /* D, physics steps */
  long vhead;                /* physics steps taken this episode */
  double *vring;             /* [(vdelay + 1) * nmus] past normalised velocities */
  double u_desc[ENV_MAX_MUSCLE];
  /* fatigue (Xia & Frey Law 2008): active, fatigued, resting fractions of each muscle's motor units */
  int fatigue;
  double ma[ENV_MAX_MUSCLE], mf[ENV_MAX_MUSCLE], mr[ENV_MAX_MUSCLE];
  /* observation delay */
  int kmax;                  /* ring holds kmax + 1 observations */
  long ohead;                /* observations written this episode */
  float *oring;              /* [(kmax + 1) * obs_size] */
  /* synergies: pinv = (W'W)^-1 W' of the side's weights */
  double pinv[MODEL_SYN_MAX][ENV_MAX_MUSCLE / 2];
  /* rehabilitation loop: peak-force factor relative to the subject's, reflex gains in use, and the
   * descending excitation summed since env_take_use */
  double body_f[ENV_MAX_MUSCLE], gain[ENV_MAX_MUSCLE], use_sum[ENV_MAX_MUSCLE];
  long use_n;
  /* the model's values before randomisation (own model only) */
  double *base_f0, *base_gain, *base_bias, *base_mass, *base_inertia, *base_friction, base_weight;
} env_impair;

/* 1 when the params randomise the model (strength, mass, friction): the env needs its own copy. */
int impair_own_model(const env_params *p);
/* After the observation layout is known; sets e->imp (NULL: nothing to do). */
int impair_create(env_t *e, d2m_err *err);
void impair_free(env_t *e);
/* Episode start, before the physics reset: the randomisation draws, the model's values, the rings. */
void impair_episode(env_t *e);
/* After ctrl holds the policy's excitations (or the PD law's): synergies and motor noise. */
void impair_descending(env_t *e);
/* Before each mj_step2: records the muscle velocities, adds the delayed stretch reflex, steps fatigue. */
void impair_substep(env_t *e);
/* After env_write_obs(e, obs): keeps the fresh observation and puts the delayed one in obs. */
void impair_obs(env_t *e, float *obs);
/* Re-applies the episode's draws to the model (after a state load). */
void impair_apply_model(env_t *e);

#endif
