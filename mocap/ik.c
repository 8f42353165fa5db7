/* mocap/ik.c: Levenberg-Marquardt marker IK on MuJoCo point Jacobians (see ik.h). */
#include "mocap/ik.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "envs/motion/refmotion.h"

void ik_opts_default(ik_opts *o) {
  o->max_iter = 60;
  o->tol = 1e-7;
  o->damping = 1e-3;
  o->prior = 1e-8;
}

void ik_free(ik_solver *s) {
  if (!s) return;
  if (s->d) mj_deleteData(s->d);
  free(s->body);
  free(s->off);
  free(s->w);
  free(s->dof);
  free(s->sl_dof);
  free(s->sl_col);
  free(s->sl_eq);
  free(s->lim_jnt);
  free(s->locked);
  free(s->lock_val);
  free(s->jacp);
  memset(s, 0, sizeof *s);
}

/* The equality (joint coupling) that slaves joint j, or -1. */
static int slaving_eq(const mjModel *m, int j) {
  for (int i = 0; i < m->neq; i++)
    if (m->eq_type[i] == mjEQ_JOINT && m->eq_active[i] && m->eq_obj1id[i] == j && m->eq_obj2id[i] >= 0) return i;
  return -1;
}

static void setup_dofs(ik_solver *s) {
  const mjModel *m = s->m;
  s->dof = xcalloc((size_t)m->nv, sizeof *s->dof);
  s->sl_dof = xcalloc((size_t)m->nv, sizeof *s->sl_dof);
  s->sl_col = xcalloc((size_t)m->nv, sizeof *s->sl_col);
  s->sl_eq = xcalloc((size_t)m->nv, sizeof *s->sl_eq);
  s->lim_jnt = xcalloc((size_t)m->njnt, sizeof *s->lim_jnt);
  s->locked = xcalloc((size_t)m->nv, 1);
  s->lock_val = xcalloc((size_t)m->nv, sizeof *s->lock_val);
  /* root first, so root-only solves use a prefix of the unknowns */
  for (int j = 0; j < m->njnt; j++)
    if (m->jnt_type[j] == mjJNT_FREE)
      for (int k = 0; k < 6; k++) s->dof[s->ndof++] = m->jnt_dofadr[j] + k;
  s->root_dofs = s->ndof;
  for (int j = 0; j < m->njnt; j++) {
    int t = m->jnt_type[j];
    if (t != mjJNT_HINGE && t != mjJNT_SLIDE) continue;
    if (slaving_eq(m, j) >= 0) continue;
    if (m->jnt_limited[j]) s->lim_jnt[s->nlim++] = j;
    s->dof[s->ndof++] = m->jnt_dofadr[j];
  }
  for (int j = 0; j < m->njnt; j++) {
    int e = slaving_eq(m, j);
    if (e < 0) continue;
    int master = m->jnt_dofadr[m->eq_obj2id[e]], col = -1;
    for (int c = 0; c < s->ndof; c++)
      if (s->dof[c] == master) col = c;
    D2M_CHECK(col >= 0, "a joint coupling's master must itself be independent (chains of couplings unsupported)");
    s->sl_dof[s->nslave] = m->jnt_dofadr[j];
    s->sl_col[s->nslave] = col;
    s->sl_eq[s->nslave++] = e;
  }
}

int ik_init(ik_solver *s, const mjModel *m, const markerset *set, double scale, d2m_err *err) {
  memset(s, 0, sizeof *s);
  s->m = m;
  s->nmk = set->n;
  s->body = xcalloc((size_t)set->n, sizeof *s->body);
  s->off = xcalloc((size_t)set->n * 3, sizeof *s->off);
  s->w = xcalloc((size_t)set->n, sizeof *s->w);
  for (int i = 0; i < set->n; i++) {
    s->body[i] = mj_name2id(m, mjOBJ_BODY, set->m[i].body);
    if (s->body[i] < 0) {
      err_set(err, "%s: marker '%s' is on body '%s', which the model lacks", set->source, set->m[i].name, set->m[i].body);
      ik_free(s);
      return -1;
    }
    for (int k = 0; k < 3; k++) s->off[3 * i + k] = scale * set->m[i].offset[k];
    s->w[i] = set->m[i].weight;
  }
  s->d = mj_makeData(m);
  setup_dofs(s);
  size_t nv = (size_t)m->nv, nd = (size_t)s->ndof, nr = 3 * (size_t)s->nmk;
  size_t tot = 3 * nv + nr * nd + nr + 2 * nd * nd + 2 * nd + nv + (size_t)m->nq;
  s->jacp = xcalloc(tot, sizeof(double));
  s->J = s->jacp + 3 * nv;
  s->r = s->J + nr * nd;
  s->H = s->r + nr;
  s->A = s->H + nd * nd;
  s->g = s->A + nd * nd;
  s->step = s->g + nd;
  s->v = s->step + nd;
  s->qtry = s->v + nv;
  return 0;
}

int ik_lock(ik_solver *s, const char *names, const double *qpos) {
  const mjModel *m = s->m;
  int n = 0;
  for (int c = 0; c < s->ndof; c++) {
    s->locked[c] = 0;
    if (c < s->root_dofs || !names || !*names || !strcmp(names, "none")) continue;
    int j = m->dof_jntid[s->dof[c]];
    const char *jn = mj_id2name(m, mjOBJ_JOINT, j);
    char buf[256];
    snprintf(buf, sizeof buf, "%s", names);
    char *save = NULL;
    for (char *t = strtok_r(buf, ", ", &save); t && jn; t = strtok_r(NULL, ", ", &save))
      if (strstr(jn, t)) {
        s->locked[c] = 1;
        s->lock_val[c] = qpos[m->jnt_qposadr[j]];
        n++;
        break;
      }
  }
  return n;
}

void ik_project(const ik_solver *s, double *qpos) {
  const mjModel *m = s->m;
  for (int c = s->root_dofs; c < s->ndof; c++)
    if (s->locked[c]) qpos[m->jnt_qposadr[m->dof_jntid[s->dof[c]]]] = s->lock_val[c];
  for (int i = 0; i < s->nlim; i++) {
    int j = s->lim_jnt[i], a = m->jnt_qposadr[j];
    double lo = m->jnt_range[2 * j], hi = m->jnt_range[2 * j + 1];
    if (qpos[a] < lo) qpos[a] = lo;
    if (qpos[a] > hi) qpos[a] = hi;
  }
  ref_apply_joint_eq(m, qpos);
}

static void marker_world(const ik_solver *s, int i, double *p) {
  const mjData *d = s->d;
  int b = s->body[i];
  mju_rotVecMat(p, s->off + 3 * i, d->xmat + 9 * b);
  for (int k = 0; k < 3; k++) p[k] += d->xpos[3 * b + k];
}

void ik_marker_pos(ik_solver *s, const double *qpos, double *out) {
  mju_copy(s->d->qpos, qpos, s->m->nq);
  mj_kinematics(s->m, s->d);
  for (int i = 0; i < s->nmk; i++) marker_world(s, i, out + 3 * i);
}

/* d q_slave / d q_master at the pose in s->d. */
static double slave_deriv(const ik_solver *s, int k) {
  const mjModel *m = s->m;
  int e = s->sl_eq[k], a2 = m->jnt_qposadr[m->eq_obj2id[e]];
  const mjtNum *c = m->eq_data + (size_t)e * mjNEQDATA;
  double x = s->d->qpos[a2] - m->qpos0[a2];
  return c[1] + x * (2 * c[2] + x * (3 * c[3] + x * 4 * c[4]));
}

/* Weighted residuals r = sqrt(w) (target - p) at qpos, and (if jac) J = sqrt(w) dp/d(unknowns).
 * Returns the cost sum w |target - p|^2; *npresent counts the markers used. */
static double evaluate(ik_solver *s, const double *qpos, const double *target, const unsigned char *use, int nd,
                       int jac, int *npresent) {
  const mjModel *m = s->m;
  mjData *d = s->d;
  mju_copy(d->qpos, qpos, m->nq);
  mj_kinematics(m, d);
  if (jac) mj_comPos(m, d);
  double cost = 0;
  int row = 0, np = 0;
  for (int i = 0; i < s->nmk; i++) {
    const double *x = target + 3 * i;
    if ((use && !use[i]) || !isfinite(x[0]) || !isfinite(x[1]) || !isfinite(x[2])) continue;
    double p[3], sw = sqrt(s->w[i]);
    marker_world(s, i, p);
    for (int k = 0; k < 3; k++) {
      s->r[row + k] = sw * (x[k] - p[k]);
      cost += s->r[row + k] * s->r[row + k];
    }
    if (jac) {
      mj_jac(m, d, s->jacp, NULL, p, s->body[i]);
      for (int k = 0; k < 3; k++) {
        const double *jr = s->jacp + (size_t)k * m->nv;
        double *Jr = s->J + (size_t)(row + k) * nd;
        for (int c = 0; c < nd; c++) Jr[c] = jr[s->dof[c]];
        for (int q = 0; q < s->nslave; q++)
          if (s->sl_col[q] < nd) Jr[s->sl_col[q]] += jr[s->sl_dof[q]] * slave_deriv(s, q);
        for (int c = 0; c < nd; c++) Jr[c] *= sw;
      }
    }
    row += 3;
    np++;
  }
  s->nres = row;
  *npresent = np;
  return cost;
}

/* qtry = qpos (+) step on the unknowns, projected. */
static void apply_step(ik_solver *s, const double *qpos, int nd) {
  const mjModel *m = s->m;
  mju_zero(s->v, m->nv);
  for (int c = 0; c < nd; c++) s->v[s->dof[c]] = s->step[c];
  mju_copy(s->qtry, qpos, m->nq);
  mj_integratePos(m, s->qtry, s->v, 1.0);
  ik_project(s, s->qtry);
}

/* Normal equations of the current J, r: H = J^T J, g = J^T r. */
static void normal_eq(ik_solver *s, int nd) {
  mju_zero(s->H, nd * nd);
  mju_zero(s->g, nd);
  for (int rI = 0; rI < s->nres; rI++) {
    const double *Jr = s->J + (size_t)rI * nd;
    double rv = s->r[rI];
    for (int a = 0; a < nd; a++) {
      if (Jr[a] == 0) continue;
      s->g[a] += Jr[a] * rv;
      for (int b = a; b < nd; b++) s->H[a * nd + b] += Jr[a] * Jr[b];
    }
  }
  for (int a = 0; a < nd; a++)
    for (int b = 0; b < a; b++) s->H[a * nd + b] = s->H[b * nd + a];
}

/* 1 if unknown c sits on a joint limit and the step pushes it outward. */
static int blocked(const ik_solver *s, const double *qpos, int c, double step) {
  if (c < s->root_dofs) return 0;
  const mjModel *m = s->m;
  int j = m->dof_jntid[s->dof[c]];
  if (!m->jnt_limited[j]) return 0;
  double q = qpos[m->jnt_qposadr[j]];
  return (step < 0 && q <= m->jnt_range[2 * j] + 1e-12) || (step > 0 && q >= m->jnt_range[2 * j + 1] - 1e-12);
}

/* Damped Gauss-Newton step (H + lambda diag H + prior I) step = g, then again with the unknowns that
 * the step pushes through their limits held fixed (active set), so the projection does not undo it. */
static void solve_step(ik_solver *s, const double *qpos, int nd, double lambda, double prior) {
  unsigned char held[256];
  D2M_CHECK(nd <= 256, "at most 256 unknowns");
  memcpy(held, s->locked, (size_t)nd);
  for (int pass = 0; pass < 2; pass++) {
    for (int i = 0; i < nd * nd; i++) s->A[i] = s->H[i];
    for (int a = 0; a < nd; a++) s->A[a * nd + a] += lambda * s->H[a * nd + a] + prior;
    for (int a = 0; a < nd; a++) {
      if (!held[a]) continue;
      for (int b = 0; b < nd; b++) s->A[a * nd + b] = s->A[b * nd + a] = 0;
      s->A[a * nd + a] = 1;
    }
    double *rhs = s->step + nd; /* scratch: the slot after step is v (nv >= nd) */
    for (int a = 0; a < nd; a++) rhs[a] = held[a] ? 0 : s->g[a];
    mju_cholFactor(s->A, nd, 0);
    mju_cholSolve(s->step, s->A, rhs, nd);
    int any = 0;
    for (int a = 0; a < nd; a++)
      if (!held[a] && blocked(s, qpos, a, s->step[a])) held[a] = 1, any = 1;
    if (!any) break;
  }
}

double ik_solve(ik_solver *s, const double *target, const unsigned char *use, int root_only, double *qpos,
                const ik_opts *o) {
  int nd = root_only ? s->root_dofs : s->ndof, np;
  ik_project(s, qpos);
  double cost = evaluate(s, qpos, target, use, nd, 1, &np);
  if (!np) return NAN;
  double lambda = o->damping, wsum = 0;
  for (int i = 0; i < s->nmk; i++) {
    const double *x = target + 3 * i;
    if ((!use || use[i]) && isfinite(x[0]) && isfinite(x[1]) && isfinite(x[2])) wsum += s->w[i];
  }
  for (int it = 0; it < o->max_iter; it++) {
    normal_eq(s, nd);
    int accepted = 0;
    double maxstep = 0;
    for (int tries = 0; tries < 12 && !accepted; tries++) {
      solve_step(s, qpos, nd, lambda, o->prior);
      apply_step(s, qpos, nd);
      double c2 = evaluate(s, s->qtry, target, use, nd, 0, &np);
      if (c2 < cost) {
        maxstep = 0;
        for (int a = 0; a < nd; a++) maxstep = fmax(maxstep, fabs(s->step[a]));
        mju_copy(qpos, s->qtry, s->m->nq);
        double rel = (cost - c2) / (cost + 1e-300);
        cost = c2;
        accepted = rel > 1e-12 ? 1 : 2;
        lambda = fmax(lambda / 3, 1e-9);
      } else {
        lambda *= 4;
      }
    }
    if (!accepted || accepted == 2 || maxstep < o->tol) break;
    evaluate(s, qpos, target, use, nd, 1, &np);
  }
  return sqrt(cost / wsum);
}
