/* envs/motion/so.h: static optimisation, as OpenSim's StaticOptimization tool does it.
 *
 * For each frame of a reference motion:
 *  1. inverse dynamics: qpos and qvel from the reference, qacc by central differences of qvel,
 *     mj_inverse (equality constraints and contacts off) gives qfrc_inverse, the generalised force
 *     that must be supplied. Ground contact, made explicit (so_contact):
 *       FEET (default): no force plates, so the ground reaction is estimated as OpenSim users do
 *         when they have none: point forces at the bottoms of the feet's collision geoms that lie
 *         within ground_on of the floor, each inside a friction pyramid (mu = SO_GROUND_MU),
 *         chosen to supply the free joint's six generalised forces (least squares, then least
 *         norm); their moments on every joint are taken out of the joint moments;
 *       MUJOCO: the model's soft contacts take part in mj_inverse (their forces follow from the
 *         penetration and acceleration of the kinematic clip, usually far from body weight);
 *       NONE: no ground forces.
 *     What the free joint still needs is the pelvis residual (OpenSim's residual actuators FX FY
 *     FZ MX MY MZ): forces in world axes, torques in pelvis axes, as MuJoCo's free joint counts
 *     them. Coupled coordinates (joint equalities, e.g. knee translations following the knee
 *     angle) fold into their master coordinate through dq1/dq2.
 *  2. muscles: with the frame's moment arms R (actuator_moment) and MuJoCo's force-length-velocity
 *     gain g and passive force p at the frame's length and velocity, muscle i adds
 *     R_ij (g_i a_i + p_i) to degree of freedom j. Per frame:
 *        minimise  sum_i a_i^2 + sum_j (r_j / R0)^2
 *        subject to sum_i R_ij (g_i a_i + p_i) + r_j = tau_j for every non-root dof j,  0 <= a_i <= 1
 *     r_j is a reserve actuator of optimal torque R0 (OpenSim's reserve actuators; R0 = 1 N m by
 *     default): it is ~0 where the muscles can meet the moment and takes the rest where they
 *     cannot. Substituting r leaves a strictly convex box-constrained QP in a, solved exactly by a
 *     primal active-set method (so_qp_lowrank: through the driven dofs, see below), warm-started
 *     from the previous frame.
 *
 * Allocation: so_run allocates its result and workspace once; the per-frame work does not allocate
 * (so the env can call so_frame at run time with a workspace made at creation). */
#ifndef D2M_SO_H
#define D2M_SO_H

#include <mujoco/mujoco.h>

#include "common/log.h"
#include "envs/motion/refmotion.h"

typedef enum {
  SO_CONTACT_NONE = 0,   /* no ground forces: the pelvis residual carries every external force */
  SO_CONTACT_MUJOCO = 1, /* the model's soft contacts inside mj_inverse */
  SO_CONTACT_FEET = 2    /* estimated ground reaction forces at the feet (default) */
} so_contact;
#define SO_MAX_POINTS 64
#define SO_GROUND_MU 0.8 /* friction coefficient of the estimated ground forces (shoe on floor) */

typedef struct so_opts {
  double reserve_nm;   /* R0: optimal torque of the reserve actuators (N m); default 1 */
  so_contact contacts; /* how ground contact enters the inverse dynamics; default SO_CONTACT_FEET */
  double ground_on;    /* SO_CONTACT_FEET: collision points lower than this (m) may push; 0.03 */
  int nact;            /* so_frame: only actuators 0..nact-1 may be active, the rest are held at 0 (the
                        * env's muscles when device actuators follow them); 0 (default): all */
  int dense_qp;        /* so_frame: 1 solves the QP with so_qp_box on the explicit H (the reference that
                        * bench so and the tests compare with); 0 (default): so_qp_lowrank */
} so_opts;

void so_opts_init(so_opts *o);

/* Workspace for one model (nu muscles, nv dofs). */
typedef struct so_ws {
  int nu, nv;
  double *A, *H, *g, *gain, *bias, *tau, *L, *x, *y, *grad; /* [nv*nu], [nu*nu], [nu] ... */
  double *lo, *hi;     /* [max(nu, nv)] bounds for so_qp_box */
  double *Bt, *S, *u, *z; /* so_qp_lowrank: [nu*nv], [nv*nv], [nv], [nv] */
  int *drow;           /* [nv] so_frame: the driven dofs */
  int *state;          /* [nu] 0 free, -1 at lower, +1 at upper bound */
  int *idx;            /* [nu] */
} so_ws;

void so_ws_init(so_ws *w, int nu, int nv);
void so_ws_free(so_ws *w);

/* Minimise 0.5 x'Hx - g'x over lo_i <= x_i <= hi_i (+-INFINITY allowed; H [n][n] symmetric positive
 * definite, row-major),
 * starting from the feasible x (clamped first). Primal active set: each iteration solves the
 * free variables' equations (Cholesky), steps to the first bound it crosses and fixes it, or,
 * when the free solution is feasible, releases the bound variable whose multiplier has the wrong
 * sign. Returns the iterations taken (< 0: no convergence within 10 n + 50 iterations, x is the
 * last feasible point). Uses w's L, y, grad, state, idx scratch (n <= w->nu). */
int so_qp_box(so_ws *w, const double *H, const double *g, const double *lo, const double *hi, int n, double *x);

/* so_qp_box's problem for H = I + B'B and g = B't, that is: minimise 0.5 |x|^2 + 0.5 |B x - t|^2
 * over lo <= x <= hi, with B [m][n] given transposed (Bt [n][m], row-major), t [m], m <= w->nv. The
 * same active-set steps; the free block's equations are solved through the m x m matrix
 * S = I + B_F B_F' (the matrix inversion lemma): O(m^2 n) per iteration instead of O(n^3), and static
 * optimisation has m (driven dofs, ~20) far below n (muscles, 80). Uses w's S, u, z, y, state. */
int so_qp_lowrank(so_ws *w, const double *Bt, int m, const double *t, const double *lo, const double *hi, int n,
                  double *x);

/* One frame: d holds qpos, qvel after a position and velocity stage (mj_inverse or mj_forward);
 * tau [nv] the generalised forces to meet. Writes act [nu] (warm start: act's values on entry,
 * clamped to [0,1]) and reserve [nv] (N m; 0 on the free joint's six dofs, which the residual
 * carries). Returns the QP's iterations (< 0: not converged). */
int so_frame(so_ws *w, const mjModel *m, const mjData *d, const double *tau, const so_opts *o, double *act,
             double *reserve);

/* Static optimisation over a whole reference motion (nframes frames at r->dt). */
typedef struct so_result {
  int nframes, nu, nv;
  double dt;
  double *act;         /* [nframes][nu] activations in [0,1] */
  double *reserve;     /* [nframes][nv] reserve torques (N m), 0 on the root dofs */
  double *residual;    /* [nframes][6] pelvis residual: force (N, world), torque (N m, pelvis axes) */
  double *tau;         /* [nframes][nv] inverse-dynamics generalised forces */
  double *contact;     /* [nframes][3] total contact force on the body (N, world) */
  double *moment_err;  /* [nframes] max_j |muscle moment + reserve - tau_j| over non-root dofs (N m) */
  double *foot_fz;     /* [nframes][2] vertical estimated ground force on the right and left foot (the
                        * subtrees of talus_r, talus_l; N; SO_CONTACT_FEET only, else 0) */
  int qp_fail;         /* frames whose QP did not converge */
  double seconds;      /* wall time of the solve */
} so_result;

/* m: the model the reference was built on. Returns 0, or -1 with err naming the problem (no
 * actuators, no free joint). */
int so_run(so_result *res, const mjModel *m, const refmotion *r, const so_opts *o, d2m_err *err);
void so_result_free(so_result *res);

#endif
