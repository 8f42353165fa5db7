/* envs/model/model.h: the project's 80-muscle lower-body model (Rajagopal 2016 as MyoSuite MyoLegs
 * carries it into MuJoCo), generated as MJCF from the parameter tables (envs/model/tables.h) for a
 * subject, and loaded without any file.
 *
 * Names are MyoLegs' own: bodies root torso pelvis femur_r tibia_r talus_r calcn_r toes_r patella_r
 * (and _l), joints hip_flexion_r ... mtp_angle_l plus the free joint `root`, actuators named by
 * muscle (soleus_r, ...) each driving the tendon <muscle>_tendon, keyframe 0 'standing'.
 *
 * Subject scaling (model_write_mjcf / model_load), with s = height / MODEL_REF_HEIGHT_M and
 * k = mass / reference mass:
 *   lengths (body offsets, sites, wrapping surfaces, contact shapes, knee translations, optimal
 *   fibre and tendon slack lengths) * s; masses * k; inertias * k s^2;
 *   peak isometric forces * k^(2/3) * strength[i]: force follows the physiological cross-section,
 *   which under geometric similarity goes as mass^(2/3) (Hof 1996, Gait & Posture 4:222, "Scaling
 *   gait data to body size"); tendon slack length additionally * tendon_slack[i]. */
#ifndef D2M_MODEL_H
#define D2M_MODEL_H

#include <mujoco/mujoco.h>

#include "common/log.h"

#define MODEL_NMUSCLE 80
/* Rajagopal et al. 2016 describe their model as a 170 cm, 75 kg adult; MyoLegs' masses add to
 * 75.7 kg (model_ref_mass_kg() gives the exact table sum). */
#define MODEL_REF_HEIGHT_M 1.70
#define MODEL_SYN_MAX 8 /* synergies per side at most */

/* Assistive devices generated into the model (envs/model/device.c), all off by default; with every
 * device off the MJCF is byte-identical to the model without this option.
 * An exoskeleton on a joint (ankle_angle_*, knee_angle_*) is
 *   - a torque actuator `exo_<ankle or knee>_<side>` on that joint, after the 80 muscles: MuJoCo 2.2.2 keeps
 *     stateful actuators last (no actuator_actadr), so the motor is a first-order filter whose state
 *     the device controller sets together with ctrl (envs/device.h): the torque in N m acts at once,
 *     ctrl and force limited to +-limit;
 *   - its mass as two rigid parts welded to the segments it spans (bodies `exo_<joint>_<side>_<part>`
 *     without joints: the segment masses stay as they are, the body gains the parts):
 *       ankle: `shank` on tibia, 60% of the way from the knee to the ankle, a solid cylinder along
 *              the tibia (radius 0.05 m, length 0.15 m); `foot` on calcn at its centre of mass, a
 *              solid box along the foot (0.18 x 0.02 x 0.09 m);
 *       knee:  `thigh` on femur, 70% of the way from the hip to the knee, and `shank` on tibia, 25%
 *              of the way down, both cylinders of radius 0.07 m and length 0.15 m;
 *     the inertia of a uniform solid of that shape and mass (cylinder: m r^2/2 about its axis,
 *     m (3 r^2 + L^2)/12 across; box: m (b^2 + c^2)/12). Positions scale with the subject's
 *     height, the shapes and masses are the device's own. */
/*
 * A transtibial prosthesis on one side (`prosthesis`) replaces that side's foot and ankle:
 *   - the foot: talus, calcn and toes keep their shapes (joints, contact geoms, the tendon path
 *     points on them) but their masses and inertias are scaled by one factor so that the three add to
 *     pros_mass[1] (the prosthetic foot); subtalar_angle and mtp_angle of that side are locked at 0
 *     by joint equalities `pros_lock_subtalar_<side>`, `pros_lock_mtp_<side>` (one-joint equalities:
 *     the joints stay in qpos and in the observation);
 *   - the powered ankle: a torque actuator `pros_ankle_<side>` on ankle_angle (as an exoskeleton's,
 *     limited to pros_limit) and the motor, transmission and battery as a welded part
 *     `pros_ankle_<side>_motor` on tibia, 85% of the way from the knee to the ankle, a solid
 *     cylinder (radius 0.045 m, length 0.12 m) of pros_mass[0];
 *   - the muscles that end on the foot lose their insertion (model_muscle_removed): every muscle
 *     whose tendon path has a point or wrapping surface on talus, calcn or toes of that side, i.e.
 *     edl ehl fdl fhl gaslat gasmed perbrev perlong soleus tibant tibpost (11 of the side's 40; the
 *     gastrocnemii cross the knee too, but insert on the calcaneus). They keep their actuators and
 *     tendons (so the policy keeps 80 outputs and every observation its size) with a peak force of
 *     0: gain and passive force are 0, they produce no force and no metabolic cost. Muscles that end
 *     on the femur, tibia, fibula or patella stay as they are. The residual shank keeps the tibia
 *     body's mass (socket and pylon taken to replace the removed tissue). */
#define MODEL_DEV_RIGHT 1
#define MODEL_DEV_LEFT 2
#define MODEL_PROS_SHANK_FRAC 0.85 /* of the knee-to-ankle offset, from the knee */
#define MODEL_PROS_SHANK_R 0.045   /* m */
#define MODEL_PROS_SHANK_L 0.12    /* m */
typedef struct model_device {
  int ankle, knee;                     /* sides: 0, MODEL_DEV_RIGHT, MODEL_DEV_LEFT or both (3) */
  double ankle_limit, knee_limit;      /* N m, torque limit of the actuator */
  double ankle_mass[2], knee_mass[2];  /* kg: ankle (shank, foot) part, knee (thigh, shank) part */
  int prosthesis;                      /* 0, MODEL_DEV_RIGHT or MODEL_DEV_LEFT: transtibial prosthesis */
  double pros_limit;                   /* N m, the prosthetic ankle's torque limit */
  double pros_mass[2];                 /* kg: motor part on the shank, prosthetic foot (talus+calcn+toes) */
} model_device;

/* One rigid part of a device: its body name, parent body, mass (kg), position in the parent
 * frame (m, subject-scaled) and principal inertia in the parent's axes (kg m^2). */
typedef struct model_device_part {
  char name[48];
  const char *parent;
  double mass, pos[3], inertia[3];
} model_device_part;
struct model_subject;
/* The device parts of a subject (at most 8); returns their count. */
int model_device_parts(const struct model_subject *s, model_device_part *out);
/* Number of device actuators (exoskeleton joints and prosthetic ankle) of a subject. */
int model_device_nact(const struct model_subject *s);
/* 1 if muscle i has lost its insertion to a prosthesis of the subject (its peak force is 0). */
int model_muscle_removed(const struct model_subject *s, int i);
/* The factor on the mass and inertia of table body b: pros_mass[1] / (biological foot mass) for the
 * prosthesis side's talus, calcn and toes, else 1. */
double model_device_mass_factor(const struct model_subject *s, int b);

#define MODEL_SUBJ_MAXDEV 48 /* device lines in a subject file (each [device] key at most once) */
typedef struct model_subject {
  double height_m, mass_kg;
  double strength[MODEL_NMUSCLE];     /* peak force factor per muscle (1 = reference) */
  double tendon_slack[MODEL_NMUSCLE]; /* tendon slack length factor per muscle (1 = reference) */
  double timestep;                    /* MJCF <option timestep>, s (default 0.001 as MyoLegs) */
  int actlimited;                     /* 1 (default): muscle activations clamped to [0, 1] (actrange);
                                       * 0: MyoLegs' unlimited activations */
  int foot_broad;                     /* 1: four contact spheres added per foot (env.foot_contact = broad) */
  char name[64];                      /* written into the model's name */
  model_device device;                /* assistive devices (all off: the plain model) */

  /* Contracture (muscular: the MJCF generator writes them; see "Impaired subjects" in README.md):
   * optimal fibre length L0 * lopt[i] (lengthrange = LT + gainprm[0..1] * L0 follows), and the
   * passive force at full stretch gainprm[7] = biasprm[7] (fpmax) * passive[i]. */
  double lopt[MODEL_NMUSCLE];         /* contracture.lopt.M, 1 = reference */
  double passive[MODEL_NMUSCLE];      /* contracture.passive.M, 1 = reference */

  /* Neural impairments: the env applies them (envs/impair.h); the model does not change. */
  double spas_gain[MODEL_NMUSCLE];    /* spasticity.gain.M: excitation per L0/s of lengthening above the threshold */
  double spas_threshold[MODEL_NMUSCLE]; /* spasticity.threshold.M: L0/s */
  double spas_delay_s;                /* spasticity.delay_s: reflex loop delay, s */
  double motor_noise;                 /* motor_noise: excitation noise std / excitation */
  int fatigue;                        /* fatigue = on: three-compartment fatigue per muscle (Xia & Frey Law 2008) */
  double fat_F, fat_R, fat_L;         /* fatigue.F, fatigue.R (1/s), fatigue.L (1/s, L_D = L_R) */
  int obs_delay;                      /* obs_delay: observation delay, control steps */
  int syn_side;                       /* synergy.side: 0 right (muscles *_r), 1 left */
  int syn_k;                          /* synergies in syn_w (0: no synergy constraint) */
  double syn_mix;                     /* synergy.mix: 0 free excitations .. 1 only synergies */
  double syn_w[MODEL_NMUSCLE / 2][MODEL_SYN_MAX]; /* the side's muscles (actuator order) x synergies, >= 0 */
  char syn_file[256];                 /* synergy.file as resolved (relative to the subject file's folder) */
  /* device.KEY = VALUE lines of the file (the [device] config keys, checked against common/config.h's
   * table), in file order: envs/device.h's dev_subject_apply puts them into the config, which builds
   * the devices (the model does not read them from here). */
  int ndev;
  struct { char key[32], val[128]; int line; } dev[MODEL_SUBJ_MAXDEV];
} model_subject;

/* The reference adult: 1.70 m, 75.7 kg, all factors 1, timestep 1 ms, limited activations. */
void model_subject_default(model_subject *s);
/* Starts from the default and applies a key = value file ('#' comments, [sections] ignored):
 *   height_m = 1.9            mass_kg = 90            timestep = 0.001333     name = patient7
 *   strength.soleus_r = 0.5   tendon_slack.soleus_r = 1.05
 *   strength.*_r = 0.6        (a leading '*' matches every muscle name ending in the rest)
 *   contracture.lopt.M, contracture.passive.M, spasticity.gain.M, spasticity.threshold.M (per
 *   muscle or pattern), spasticity.delay_s, motor_noise, obs_delay, synergy.file, synergy.side,
 *   synergy.mix, fatigue (on|off), fatigue.F, fatigue.R, fatigue.L: the impairments (README.md, "Impaired subjects", gives units, defaults, sources).
 *   device.KEY = VALUE: a [device] config key the subject wears (device.prosthesis = right,
 *   device.ankle = left, device.ankle_mass_shank = 1.1; README.md, "Assistive devices"), checked as a
 *   --set of it would be, kept in s->dev.
 * Errors name file:line:key. Returns 0 or -1. */
int model_subject_load(const char *path, model_subject *s, d2m_err *err);
/* Checks ranges (height 0.5..2.5 m, mass 10..250 kg, factors 0..10, timestep 1e-5..0.01, and the
 * impairments' ranges listed in README.md). */
int model_subject_check(const model_subject *s, d2m_err *err);
/* A synergy file (envs/model/synergy.c): one line per muscle of one side, its name without the
 * side suffix and k >= 1 non-negative weights ('#' comments); every muscle of the side once, the
 * same k on every line, k <= MODEL_SYN_MAX, a weight matrix of full column rank. Fills s->syn_w
 * and s->syn_k for side s->syn_side. Errors name file:line. */
int model_synergy_load(const char *path, model_subject *s, d2m_err *err);
/* Writes s->syn_w (side s->syn_side, k = s->syn_k) in that format. */
int model_synergy_write(const char *path, const model_subject *s, d2m_err *err);
/* Fits k synergies of side s->syn_side by non-negative matrix factorisation (Lee & Seung 2001,
 * `iters` multiplicative-update sweeps, deterministic) to excitations act[t * stride + muscle],
 * t < n (e.g. static optimisation's activations, envs/motion/so.h); fills s->syn_w (columns scaled
 * to a largest weight of 1) and s->syn_k, and the variance accounted for, 1 - |X - WH|^2 / |X|^2. */
int model_synergy_fit(model_subject *s, const double *act, int n, int stride, int k, int iters, double *vaf,
                      d2m_err *err);

double model_ref_mass_kg(void);
double model_length_scale(const model_subject *s);
double model_mass_scale(const model_subject *s);
double model_force_scale(const model_subject *s);

/* The MJCF text for a subject (NULL = default), malloc'd and NUL-terminated; NULL on error. */
char *model_mjcf(const model_subject *s, d2m_err *err);
int model_write_mjcf(const model_subject *s, const char *path, d2m_err *err);
/* Generates and compiles in memory (no file is read). NULL = default subject. A MuJoCo warning
 * during compilation is an error. Free with mj_deleteModel. */
mjModel *model_load(const model_subject *s, d2m_err *err);
/* Route MuJoCo's errors (logged, then exit status 1) and warnings into the project's log instead of
 * its console prompt; model_load installs it, so every process that has a model has it. */
void model_log_mujoco(void);

/* The 80 muscles in MyoLegs' actuator order (addbrev_r ... vasmed_r, then the _l muscles). */
int model_muscle_index(const char *name); /* -1 if unknown */
const char *model_muscle_name(int i);     /* NULL if out of range */

/* Table figures of muscle i for the subject (scaled): peak force (N; 0 for a muscle a prosthesis
 * removed), optimal fibre length and tendon slack length (m), as the generated model implies them. */
double model_muscle_fmax(const model_subject *s, int i);
double model_muscle_lopt(const model_subject *s, int i);
double model_muscle_lslack(const model_subject *s, int i);

/* Renders the model in keyframe 0 with the tracking camera into a PNG (headless EGL + libpng).
 * Returns 0, or -1 with err set (e.g. built without EGL/libpng, or no display device). */
int model_render_png(const mjModel *m, const char *path, int width, int height, d2m_err *err);
/* The same renderer kept open for many frames (eval --video): camera 'track'; `ghost` (NULL: none)
 * is a second pose of the same model drawn translucent; rgb [height][width][3], top row first. */
typedef struct model_gl model_gl;
model_gl *model_gl_open(const mjModel *m, int width, int height, d2m_err *err);
void model_gl_frame(model_gl *g, mjData *d, mjData *ghost, unsigned char *rgb);
void model_gl_close(model_gl *g);

#endif
