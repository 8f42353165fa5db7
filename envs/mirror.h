/* envs/mirror.h: the body's left-right mirror, for symmetry in learning (learner/ppo.h, ppo.mirror).
 *
 * The mirror of a state reflects the world across a vertical plane and swaps the two legs. On the
 * observation and on the action it is a signed permutation, out[i] = sign[i] * x[src[i]], built
 * from the model rather than from a list: left and right are paired by name (the token "_r" and
 * "_l" before the end of the name or a '_': femur_r, knee_angle_r_translation2, soleus_r); the
 * lateral axis is where the paired bodies sit apart at qpos0; each joint's sign follows from its
 * axis (a hinge on the left must turn about the mirror image of the right's axis, negated because a
 * reflection flips rotations; a slide along the mirror image). Polar vectors in the heading frame
 * (positions, linear velocities, forces, the pelvis up-axis) flip y; axial ones (angular
 * velocities) flip x and z; a body's rotation columns flip y and, for the body's own lateral axis,
 * sign. Imitate's phase (sin, cos) is negated: the mirror of a symmetric gait is the same gait half
 * a cycle on. Walk's heading command flips its sine.
 *
 * What is mirrored exactly: env_mirror_state's state gives env_mirror_obs of the state's
 * observation (stand, walk; tests/envs/test_mirror.c), and the mirrored action from it the mirrored
 * next state. Imitate's task block assumes the reference is itself symmetric (its phase); its
 * reference is not mirrored by env_mirror_state.
 *
 * Refused (error naming the part): a model with a device (on one side or not: its controller is
 * not mirrored), a subject whose muscles' peak forces differ between the sides by more than 10%
 * (a hemiparetic subject is not symmetric, and a symmetric policy would be wrong for it), bodies
 * that are not mirror images at qpos0 (1 mm) or differ in mass, a body whose frame has no axis
 * along the lateral direction, ball joints. MyoLegs itself is not exactly symmetric: as shipped,
 * its peak forces differ between the sides by up to 5% and the force-length curves' lmin, lmax
 * and fpmax by more (bfsh fpmax 1.58 right, 0.92 left); the mirror treats the two sides as one leg,
 * and the tests check its physics on a copy whose left muscles take the right's parameters. */
#ifndef D2M_MIRROR_H
#define D2M_MIRROR_H

#include "common/log.h"
#include "envs/env.h"

typedef struct env_mirror {
  int obs_dim, act_dim;
  int *obs_src, *act_src;     /* [obs_dim], [act_dim] */
  float *obs_sign, *act_sign; /* +-1 */
} env_mirror;

/* Builds the maps of e's observation and action; -1 with err set when the model is not mirrorable. */
int env_mirror_build(const env_t *e, env_mirror *mr, d2m_err *err);
void env_mirror_free(env_mirror *mr);
/* out[B][n] = signed permutation of x[B][n] (x != out). */
void env_mirror_apply(const int *src, const float *sign, int n, const float *x, float *out, int B);

/* Mirrors e's state in place across the world's y = 0 plane (qpos, qvel, the solver's warm start,
 * muscle activations and excitations, walk's heading command, the push direction), recomputes the
 * kinematics (mj_forward) and rewrites the observation (without impairment noise or delay). What the
 * observation takes from the last physics step, the muscle tensions and the feet's contact forces,
 * is carried over mirrored rather than recomputed. */
int env_mirror_state(env_t *e, d2m_err *err);

#endif
