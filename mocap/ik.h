/* mocap/ik.h: marker-based inverse kinematics onto the model.
 *
 * Per frame, weighted least squares over the model's independent coordinates: the free root
 * (6 dofs) and every hinge not slaved by a joint-equality constraint (14 on MyoLegs); the slaved
 * joints (knee translations, patella) follow their master through the constraint polynomial, in
 * the pose (ref_apply_joint_eq) and in the Jacobian (chain rule). The solver is Levenberg-Marquardt
 * on MuJoCo's point Jacobians (mj_jac at the marker's world position on its body), with Marquardt
 * scaling diag(J^T W J); a step is accepted only when the cost falls. Joint limits are respected by
 * projection (limited joints clamped after each step). Missing markers (NaN) are dropped from the
 * frame's objective. The caller warm-starts from the previous frame.
 *
 * The import pipeline (scaling, marker placement, axes, whole trials) is in ik_import.h. */
#ifndef D2M_IK_H
#define D2M_IK_H

#include <mujoco/mujoco.h>

#include "common/log.h"
#include "mocap/markerset.h"

typedef struct ik_opts {
  int max_iter;   /* LM iterations per solve (default 60) */
  double tol;     /* stop when max |step| < tol (rad or m; default 1e-7) */
  double damping; /* initial Marquardt lambda (default 1e-3) */
  double prior;   /* added to the normal matrix's diagonal (m^2/rad^2; default 1e-8): keeps coordinates
                   * that no present marker observes where the warm start left them */
} ik_opts;

typedef struct ik_solver {
  const mjModel *m;
  mjData *d;
  int nmk;           /* markers of the set */
  int *body;         /* [nmk] body id */
  double *off;       /* [nmk*3] body-frame offsets (m, scaled to the model) */
  double *w;         /* [nmk] weights */
  int ndof;          /* independent dofs (the unknowns) */
  int *dof;          /* [ndof] dof addresses */
  int root_dofs;     /* the first root_dofs of dof[] belong to the free root (6 or 0) */
  int nslave;
  int *sl_dof, *sl_col, *sl_eq; /* [nslave] slaved dof, column of its master in dof[], equality id */
  int nlim;
  int *lim_jnt;      /* [nlim] independent limited hinge/slide joints */
  unsigned char *locked; /* [ndof] 1: the unknown is locked at lock_val (not solved for) */
  double *lock_val;  /* [ndof] qpos value of a locked unknown */
  /* workspace (allocated once) */
  double *jacp, *J, *r, *H, *A, *g, *step, *v, *qtry;
  int nres;          /* rows in use */
} ik_solver;

void ik_opts_default(ik_opts *o);
/* Binds the set's markers to the model's bodies; `scale` multiplies the offsets (the subject's
 * length factor). A marker whose body the model lacks is an error naming it. */
int ik_init(ik_solver *s, const mjModel *m, const markerset *set, double scale, d2m_err *err);
void ik_free(ik_solver *s);
/* World positions of all markers in pose qpos: out[nmk*3]. */
void ik_marker_pos(ik_solver *s, const double *qpos, double *out);
/* Solves one frame. target[nmk*3]: world positions (NaN = missing); use[nmk] (NULL = all): which
 * markers enter the objective; root_only: only the free root moves. qpos: warm start in, solution
 * out (slaved joints set, limits respected). Returns the weighted RMS marker error (m) over the
 * markers used and present, or NAN when none is. */
double ik_solve(ik_solver *s, const double *target, const unsigned char *use, int root_only, double *qpos,
                const ik_opts *o);
/* Set locked joints to their values, slaved joints from their masters, and clamp limited
 * independent joints into their range. */
void ik_project(const ik_solver *s, double *qpos);
/* Locks every independent hinge whose name contains one of the comma-separated substrings (e.g.
 * "subtalar,mtp"; NULL, "" or "none": unlock all) at its value in qpos (e.g. the calibration pose,
 * as OpenSim's gait2354 example locks subtalar and mtp at their static-trial values). Returns the
 * number of locked unknowns. */
int ik_lock(ik_solver *s, const char *names, const double *qpos);

#endif
