/* envs/jointso.h: internal to envs/: env.action_mode = joint_so, joint-space control whose muscle
 * coordination is static optimisation (after Lee, Park, Lee & Lee 2019, "Scalable muscle-actuated
 * human simulation and control", ACM TOG 38(4): a tracking policy commands joint targets, a muscle
 * coordination layer turns the desired joint torques into activations; here that layer is the exact
 * solver of envs/motion/so.h rather than a learned network).
 *
 * Per control step: one action x_j per independent hinge (e->hinge_*: hinges not slaved by an active
 * joint equality), target q*_j = q_c + range tanh(x_j) around the centre pose q_c (stand: stand.pose;
 * walk: keyframe 0; imitate: the reference frame the step ends on, with its velocity v_c; v_c = 0
 * otherwise), with env.jso_limit_margin >= 0 clamped to the hinge's range less the margin; desired
 * torque tau_j = kp (q*_j - q_j) + kd (v_c_j - qd_j) [+ the reference's inverse-
 * dynamics torque, env.jso_feedforward]; activations a = argmin sum a^2 + reserves, muscle moments +
 * reserves = tau, 0 <= a <= 1 (so_frame, warm-started from the muscles' current activations, which a
 * checkpoint carries); excitations ctrl = a. The reserves are not applied: they are the torque the
 * muscles could not deliver. Device actuators stay out of the optimisation (their controllers add
 * their torque as in the other modes). */
#ifndef D2M_JOINTSO_H
#define D2M_JOINTSO_H

#include "envs/env_int.h"

/* At env create, after the indices and the reference: the workspace and, with the feed-forward, the
 * reference's inverse-dynamics torques of every clip (so_run). NULL-safe free. */
int jso_create(env_t *e, d2m_err *err);
void jso_free(env_t *e);

/* Start of a control step (d after mj_step1 or mj_forward): targets from the action [e->nhinge]
 * (NaN -> 0), then jso_solve. */
void jso_control(env_t *e, const float *a);

/* Desired torques of the current state toward this step's targets, static optimisation, ctrl of the
 * muscles and e->excite_msq. d: position and velocity stages of the current state done. */
void jso_solve(env_t *e);

/* The last solve's activations [nu] and reserves [nv] (N m), desired torques [nv] (tests, probes). */
const double *jso_last_act(const env_t *e);
const double *jso_last_reserve(const env_t *e);
const double *jso_last_tau(const env_t *e);
/* The last control step's hinge targets q* [e->nhinge] (rad). */
const double *jso_last_target(const env_t *e);

#endif
