/* envs/device.h: controllers of the assistive devices (envs/model/model.h: model_device), run by
 * the env at the physics rate, and the device outcomes (work, peak torque) per stride.
 *
 * Gait phase (per side): the time since that side's last heel strike over the last stride time
 * (device.stride_s until two heel strikes have been seen); a heel strike is the foot's vertical
 * ground force rising through device.contact_bw body weights. Phase >= 1 (no heel strike for longer
 * than a stride) holds at 1.
 *
 * Profile (ankle; plantarflexion assistance as in human-in-the-loop exoskeleton optimisation,
 * Zhang et al. 2017, Science 356:1280, which parameterises the curve by peak time, peak torque,
 * rise and fall time): with phase p, onset o, peak time t, offset f and peak T = peak_torque x body
 * mass, the plantarflexion torque is
 *     0                                     p <= o or p >= f
 *     T (3 x^2 - 2 x^3), x = (p - o)/(t - o)   o < p <= t  (a cubic rising with zero slope at both ends)
 *     T (3 y^2 - 2 y^3), y = (f - p)/(f - t)   t < p < f   (the same falling)
 * applied to ankle_angle as -T (its positive direction is dorsiflexion). The cubic shape is this
 * project's choice (Zhang et al. use splines through the same four nodes).
 *
 * Finite-state impedance (ankle and knee; the law of powered prostheses, Sup, Bohara & Goldfarb
 * 2008, IJRR 27:263): torque = -k_i (q - q_eq,i) - b_i dq/dt in phase i of three:
 *     0 early stance: foot on the ground, ankle dorsiflexion below device.imp_late_angle;
 *     1 late stance:  foot on the ground, ankle dorsiflexed past it (it stays late until lift-off);
 *     2 swing:        foot off the ground.
 * Every torque is clamped to the device's limit.
 *
 * Prosthesis (device.prosthesis, envs/model/model.h): its ankle actuator pros_ankle_<side> runs the
 * same finite-state impedance law with its own gains (device.pros_imp_*; defaults from the Open-Source
 * Leg's example walking state machine, Azocar et al. 2020, Nat Biomed Eng 4:941, opensourceleg
 * library: k 19.874 / 79.498 / 7.949 N m/rad, b 0 / 0.063 / 0 N m s/rad, equilibrium -2 / -20 / 25
 * deg in early stance / late stance / early swing; its early-to-late switch at 6 deg dorsiflexion
 * is device.imp_late_angle's 0.1 rad). Its phases come from the prosthetic foot's contact.
 *
 * Series compliance (device.series_k = k > 0, every device actuator): a spring between the motor and
 * the joint. The motor angle th (in joint coordinates) is a state, integrated at the physics rate:
 * with the controller's command tau_c (clamped to the limit), each step moves the motor toward the
 * angle that would give tau_c, q + tau_c / k, by at most motor_speed x dt; the joint then gets
 * k (th - q) (clamped to the limit) over the step. A stiff spring needs almost no motor travel and
 * gives tau_c at once (the rigid device: the limit k -> infinity, as long as the joint is slower
 * than the motor); a soft one needs |tau_c| / k of travel, so the torque rises at most at
 * k x motor_speed N m/s: the bandwidth cost of compliance. th starts at q (a relaxed spring) at the
 * first control step after a reset, and is saved with the env state.
 *
 * Work: the actuator's work over one physics step is torque x (q_after - q_before), exact for
 * MuJoCo's semi-implicit Euler step with a torque held over the step; positive and negative parts
 * are summed separately, per stride (heel strike to heel strike of the device's side) and in all. */
#ifndef D2M_DEVICE_H
#define D2M_DEVICE_H

#include <mujoco/mujoco.h>

#include "common/config.h"
#include "common/log.h"
#include "envs/model/model.h"

typedef enum { DEV_CTRL_ZERO = 0, DEV_CTRL_PROFILE = 1, DEV_CTRL_IMPEDANCE = 2 } dev_ctrl;

typedef struct dev_params {
  model_device model;          /* sides, limits, masses (generated into the model) */
  dev_ctrl ankle_ctrl, knee_ctrl;
  double peak_torque;          /* N m per kg of body mass */
  double peak_time, onset, offset; /* fractions of the stride */
  double stride_s;             /* s, assumed stride before two heel strikes */
  double contact_bw;           /* body weights */
  double ankle_k[3], ankle_b[3], ankle_eq[3]; /* per phase: N m/rad, N m s/rad, rad */
  double knee_k[3], knee_b[3], knee_eq[3];
  double imp_late_angle;       /* rad */
  double pros_k[3], pros_b[3], pros_eq[3]; /* prosthetic ankle impedance per phase */
  double series_k;             /* N m/rad, 0: rigid */
  double motor_speed;          /* rad/s, series compliance: motor speed limit */
} dev_params;

/* From the [device] keys, after dev_subject_apply on a copy of c; errors name the key (e.g. a malformed
 * "k1,k2,k3" list, onset >= peak_time). */
int dev_params_from_cfg(const cfg_t *c, dev_params *p, d2m_err *err);
/* The devices of the subject file env.subject (its device.KEY = VALUE lines) into c. Precedence: the
 * subject file's device takes the place of the defaults; a key that the config file or --set gives a
 * value other than its default and other than the subject file's is refused, naming the subject
 * file's line and the config's value (README, "Assistive devices"). Idempotent: train and eval call it
 * when they resolve the config, so config.resolved.ini records the devices used, and
 * dev_params_from_cfg calls it again. 0, or -1 with err (also for a subject file that does not load). */
int dev_subject_apply(cfg_t *c, d2m_err *err);

/* The laws, pure. */
double dev_profile_torque(const dev_params *p, double phase, double body_mass); /* plantarflexion, >= 0 */
double dev_impedance_torque(double k, double b, double q_eq, double q, double dq);
int dev_fsm_phase(int contact, int was_late, double ankle_q, double late_angle); /* 0, 1, 2 */
/* Series compliance, one physics step: moves the motor angle *th toward q + tau_cmd / k by at most
 * max_step (rad) and returns the spring torque k (*th - q). */
double dev_series_step(double *th, double q, double tau_cmd, double k, double max_step);

#define DEV_MAX_JOINT 4
/* Outcomes of one joint's device. */
typedef struct dev_outcome {
  double work_pos, work_neg;   /* J, in all (negative work as a negative number) */
  double peak;                 /* N m, largest |torque| in all */
  double stride_pos, stride_neg, stride_peak; /* the same over the stride in progress */
  double last_pos, last_neg, last_peak;       /* the same over the last complete stride */
  double closed_pos, closed_neg, closed_peak; /* sums over the complete strides (peak: of their peaks) */
  double strides;              /* complete strides */
} dev_outcome;

/* Mutable state (doubles only, saved with the env state) */
typedef struct dev_dyn {
  double contact[2], late[2];  /* right, left: foot on the ground; late stance */
  double t_hs[2], stride[2], nhs[2]; /* last heel strike time (s), stride time (s), heel strikes seen */
  double q_before[DEV_MAX_JOINT], tau[DEV_MAX_JOINT];
  double motor[DEV_MAX_JOINT], motor_set; /* series compliance: motor angles (rad); 1 once set */
  double cmd[DEV_MAX_JOINT];   /* the controller's command before the spring (N m) */
  dev_outcome out[DEV_MAX_JOINT];
} dev_dyn;

typedef struct dev_sys {
  dev_params p;
  int nj;
  struct {
    int act, qadr, dadr, side, ankle; /* actuator, joint addresses, 0 right 1 left, ankle or knee */
    int pros;                  /* the prosthetic ankle (pros_ankle_*) */
    char name[32];
  } j[DEV_MAX_JOINT];
  int ankle_qadr[2];           /* ankle_angle_r/_l qpos address (late stance) */
  double body_mass, weight;    /* kg, N: the person's, without the device parts (bodies exo_*) */
  dev_dyn s;
} dev_sys;

/* Finds the exo_* and pros_* actuators of m. Returns the joint count (0: no device), or -1 with err. */
int dev_init(dev_sys *dv, const dev_params *p, const mjModel *m, d2m_err *err);
void dev_reset(dev_sys *dv);
/* Before mj_step2: the torque for this step into ctrl and the filter state (act) of each device. */
void dev_control(dev_sys *dv, const mjModel *m, mjData *d);
/* After mj_step2: contact events from its constraint forces (side_of_geom[g]: 0 right foot, 1 left,
 * -1 other) and the step's work. */
void dev_after_step(dev_sys *dv, const mjModel *m, const mjData *d, const signed char *side_of_geom);
/* The gait phase of a side now (time d_time). */
double dev_phase(const dev_sys *dv, int side, double time);
/* The vertical ground force on each foot, N, from the last constraint solve. */
void dev_foot_force(const mjModel *m, const mjData *d, const signed char *side_of_geom, double f[2]);

#endif
