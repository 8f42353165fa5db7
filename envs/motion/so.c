/* envs/motion/so.c: static optimisation (see so.h). */
#include "envs/motion/so.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void so_opts_init(so_opts *o) {
  o->reserve_nm = 1.0;
  o->contacts = SO_CONTACT_FEET;
  o->ground_on = 0.03;
  o->nact = 0;
  o->dense_qp = 0;
}

void so_ws_init(so_ws *w, int nu, int nv) {
  memset(w, 0, sizeof *w);
  w->nu = nu;
  w->nv = nv;
  size_t a = (size_t)nu > (size_t)nv ? (size_t)nu : (size_t)nv;
  w->A = xcalloc((size_t)nv * nu, sizeof(double));
  w->H = xcalloc((size_t)nu * nu, sizeof(double));
  w->L = xcalloc((size_t)nu * nu, sizeof(double));
  w->g = xcalloc(a, sizeof(double));
  w->gain = xcalloc(a, sizeof(double));
  w->bias = xcalloc(a, sizeof(double));
  w->tau = xcalloc(a, sizeof(double));
  w->x = xcalloc(a, sizeof(double));
  w->y = xcalloc(a, sizeof(double));
  w->grad = xcalloc(a, sizeof(double));
  w->state = xcalloc(a, sizeof(int));
  w->lo = xcalloc(a, sizeof(double));
  w->hi = xcalloc(a, sizeof(double));
  w->idx = xcalloc(a, sizeof(int));
  w->Bt = xcalloc((size_t)nu * nv, sizeof(double));
  w->S = xcalloc((size_t)nv * nv, sizeof(double));
  w->u = xcalloc((size_t)nv, sizeof(double));
  w->z = xcalloc((size_t)nv, sizeof(double));
  w->drow = xcalloc((size_t)nv, sizeof(int));
}

void so_ws_free(so_ws *w) {
  void *p[] = {w->A,  w->H,  w->L,  w->g,  w->gain, w->bias, w->tau, w->x,    w->y,   w->grad,
               w->state, w->idx, w->lo, w->hi, w->Bt, w->S, w->u, w->z, w->drow};
  for (size_t i = 0; i < sizeof p / sizeof *p; i++) free(p[i]);
  memset(w, 0, sizeof *w);
}

/* Free variables' solution y (by variable) of H_FF y = g_F - H_FB x_B; returns the number of free variables. */
static int free_solve(so_ws *w, const double *H, const double *g, int n, const double *x) {
  int nf = 0;
  for (int i = 0; i < n; i++)
    if (w->state[i] == 0) w->idx[nf++] = i;
  for (int a = 0; a < nf; a++) {
    int i = w->idx[a];
    double b = g[i];
    for (int j = 0; j < n; j++)
      if (w->state[j] != 0) b -= H[i * n + j] * x[j];
    w->grad[a] = b;
    for (int c = 0; c < nf; c++) w->L[a * nf + c] = H[i * n + w->idx[c]];
  }
  if (nf > 0) {
    mju_cholFactor(w->L, nf, 1e-14);
    mju_cholSolve(w->grad, w->L, w->grad, nf);
  }
  for (int a = 0; a < nf; a++) w->y[w->idx[a]] = w->grad[a];
  return nf;
}

/* Both solvers' start: x clamped into the box (NaN: the bound nearest 0), each variable at a bound
 * fixed there, the others free. */
static void start_point(so_ws *w, const double *lo, const double *hi, int n, double *x) {
  for (int i = 0; i < n; i++) {
    x[i] = x[i] != x[i] ? fmax(lo[i], fmin(hi[i], 0)) : fmin(hi[i], fmax(lo[i], x[i]));
    w->state[i] = x[i] <= lo[i] ? -1 : x[i] >= hi[i] ? 1 : 0;
  }
}

/* Both solvers' step: move the free variables from x towards their free solution y (by variable)
 * until the first bound, which that variable then holds. Returns 1 if a bound stopped the step. */
static int step_to_bound(so_ws *w, const double *lo, const double *hi, int n, double *x) {
  double alpha = 1;
  int block = -1, side = 0;
  for (int i = 0; i < n; i++) {
    if (w->state[i] != 0) continue;
    double y = w->y[i], dx = y - x[i];
    if (y < lo[i] && dx < 0 && (lo[i] - x[i]) / dx < alpha) alpha = (lo[i] - x[i]) / dx, block = i, side = -1;
    if (y > hi[i] && dx > 0 && (hi[i] - x[i]) / dx < alpha) alpha = (hi[i] - x[i]) / dx, block = i, side = 1;
  }
  for (int i = 0; i < n; i++)
    if (w->state[i] == 0) x[i] += alpha * (w->y[i] - x[i]);
  if (block < 0) return 0;
  x[block] = side < 0 ? lo[block] : hi[block];
  w->state[block] = side;
  return 1;
}

int so_qp_box(so_ws *w, const double *H, const double *g, const double *lo, const double *hi, int n, double *x) {
  D2M_CHECK(n <= w->nu, "so_qp_box: n larger than the workspace");
  double scale = 1;
  for (int i = 0; i < n; i++) scale = fmax(scale, fabs(g[i]));
  const double tol = 1e-12 * scale;
  start_point(w, lo, hi, n, x);
  int maxit = 10 * n + 50;
  for (int it = 0; it < maxit; it++) {
    free_solve(w, H, g, n, x);
    if (step_to_bound(w, lo, hi, n, x)) continue;
    /* Optimal on this face: a bound variable whose gradient points into the box is released. */
    int worst = -1;
    double wv = tol;
    for (int i = 0; i < n; i++) {
      if (w->state[i] == 0) continue;
      double gr = -g[i];
      for (int j = 0; j < n; j++) gr += H[i * n + j] * x[j];
      double v = w->state[i] < 0 ? -gr : gr; /* > 0: moving off the bound lowers the objective */
      if (v > wv) wv = v, worst = i;
    }
    if (worst < 0) return it + 1;
    w->state[worst] = 0;
  }
  return -1;
}

/* The free variables' solution (into y, by variable) with the bound ones held: y_F = B_F' S^-1 v,
 * S = I + B_F B_F', v = t - B_B x_B. (The normal equations (I + B_F'B_F) y_F = B_F' v, through the
 * matrix inversion lemma; written this way there is no cancellation between two large terms.) */
static void lowrank_free_solve(so_ws *w, const double *Bt, int m, const double *t, int n, const double *x) {
  mju_copy(w->u, t, m);
  mju_zero(w->S, m * m);
  for (int k = 0; k < m; k++) w->S[k * m + k] = 1;
  for (int i = 0; i < n; i++) {
    const double *b = Bt + (size_t)i * m;
    if (w->state[i] != 0) {
      if (x[i] != 0) mju_addToScl(w->u, b, -x[i], m); /* most muscles rest at a = 0 */
      continue;
    }
    for (int r = 0; r < m; r++)
      if (b[r] != 0)
        for (int c = 0; c <= r; c++) w->S[r * m + c] += b[r] * b[c];
  }
  for (int r = 0; r < m; r++)
    for (int c = 0; c < r; c++) w->S[c * m + r] = w->S[r * m + c];
  mju_cholFactor(w->S, m, 1e-14);
  mju_cholSolve(w->z, w->S, w->u, m);
  for (int i = 0; i < n; i++)
    if (w->state[i] == 0) w->y[i] = mju_dot(Bt + (size_t)i * m, w->z, m);
}

int so_qp_lowrank(so_ws *w, const double *Bt, int m, const double *t, const double *lo, const double *hi, int n,
                  double *x) {
  D2M_CHECK(n <= w->nu && m <= w->nv, "so_qp_lowrank: problem larger than the workspace");
  double scale = 1;
  for (int i = 0; i < n; i++) scale = fmax(scale, fabs(mju_dot(Bt + (size_t)i * m, t, m)));
  const double tol = 1e-12 * scale;
  start_point(w, lo, hi, n, x);
  int maxit = 10 * n + 50;
  for (int it = 0; it < maxit; it++) {
    lowrank_free_solve(w, Bt, m, t, n, x);
    if (step_to_bound(w, lo, hi, n, x)) continue;
    /* Optimal on this face; a bound variable's gradient is x_i - b_i'(t - B x). */
    mju_copy(w->u, t, m);
    for (int i = 0; i < n; i++)
      if (x[i] != 0) mju_addToScl(w->u, Bt + (size_t)i * m, -x[i], m);
    int worst = -1;
    double wv = tol;
    for (int i = 0; i < n; i++) {
      if (w->state[i] == 0) continue;
      double gr = x[i] - mju_dot(Bt + (size_t)i * m, w->u, m);
      double v = w->state[i] < 0 ? -gr : gr;
      if (v > wv) wv = v, worst = i;
    }
    if (worst < 0) return it + 1;
    w->state[worst] = 0;
  }
  return -1;
}

/* Actuator i's force = gain * act + bias at the data's length and velocity (MuJoCo's formulas for
 * the gain and bias types a muscle model uses). */
static void force_terms(const mjModel *m, const mjData *d, int i, double *gain, double *bias) {
  const mjtNum *gp = m->actuator_gainprm + mjNGAIN * i, *bp = m->actuator_biasprm + mjNBIAS * i;
  const mjtNum *lr = m->actuator_lengthrange + 2 * i;
  double len = d->actuator_length[i], vel = d->actuator_velocity[i];
  switch (m->actuator_gaintype[i]) {
  case mjGAIN_MUSCLE: *gain = mju_muscleGain(len, vel, lr, m->actuator_acc0[i], gp); break;
  case mjGAIN_AFFINE: *gain = gp[0] + gp[1] * len + gp[2] * vel; break;
  default: *gain = gp[0];
  }
  switch (m->actuator_biastype[i]) {
  case mjBIAS_MUSCLE: *bias = mju_muscleBias(len, lr, m->actuator_acc0[i], bp); break;
  case mjBIAS_AFFINE: *bias = bp[0] + bp[1] * len + bp[2] * vel; break;
  default: *bias = 0;
  }
}

/* Dofs the muscles and reserves must drive: not those of free joints, not those a joint equality
 * slaves (their load moves to the master through the coupling's derivative, see so_frame). */
static int driven_dof(const mjModel *m, int j) {
  int jn = m->dof_jntid[j];
  if (m->jnt_type[jn] == mjJNT_FREE || m->jnt_type[jn] == mjJNT_BALL) return 0;
  for (int q = 0; q < m->neq; q++)
    if (m->eq_type[q] == mjEQ_JOINT && m->eq_active[q] && m->eq_obj1id[q] == jn && m->eq_obj2id[q] >= 0) return 0;
  return 1;
}

/* Joint coupling q1 - q1ref = poly(q2 - q2ref) (MuJoCo's joint equality): dq1/dq2. */
static double coupling_slope(const mjModel *m, const mjData *d, int q, int *dof1, int *dof2) {
  int j1 = m->eq_obj1id[q], j2 = m->eq_obj2id[q];
  const mjtNum *c = m->eq_data + mjNEQDATA * q;
  double x = d->qpos[m->jnt_qposadr[j2]] - m->qpos0[m->jnt_qposadr[j2]];
  *dof1 = m->jnt_dofadr[j1];
  *dof2 = m->jnt_dofadr[j2];
  return c[1] + 2 * c[2] * x + 3 * c[3] * x * x + 4 * c[4] * x * x * x;
}

/* so_opts.dense_qp: so_frame's QP with H = I + B'B and g = B't formed explicitly, by so_qp_box. */
static int dense_qp(so_ws *w, int md, double *act) {
  int nu = w->nu;
  for (int i = 0; i < nu; i++) {
    const double *bi = w->Bt + (size_t)i * md;
    w->x[i] = mju_dot(bi, w->g, md);
    for (int k = 0; k < nu; k++) w->H[i * nu + k] = (i == k) + mju_dot(bi, w->Bt + (size_t)k * md, md);
  }
  return so_qp_box(w, w->H, w->x, w->lo, w->hi, nu, act);
}

int so_frame(so_ws *w, const mjModel *m, const mjData *d, const double *tau, const so_opts *o, double *act,
             double *reserve) {
  int nu = m->nu, nv = m->nv;
  D2M_CHECK(nu == w->nu && nv == w->nv, "so_frame: workspace of another model");
  for (int i = 0; i < nu; i++) force_terms(m, d, i, &w->gain[i], &w->bias[i]);
  /* A[j][i] = moment of muscle i on dof j times its gain; tau_m = tau - passive muscle moments. */
  for (int j = 0; j < nv; j++) {
    double t = tau[j];
    for (int i = 0; i < nu; i++) {
      double r = d->actuator_moment[(size_t)i * nv + j];
      w->A[(size_t)j * nu + i] = r * w->gain[i];
      t -= r * w->bias[i];
    }
    w->tau[j] = t;
  }
  /* Coupled coordinates: the slave's generalised force and moment arms act on the master through
   * dq1/dq2 (virtual work), so the slave's row folds into the master's. */
  for (int q = 0; q < m->neq; q++) {
    if (m->eq_type[q] != mjEQ_JOINT || !m->eq_active[q] || m->eq_obj2id[q] < 0) continue;
    int d1, d2;
    double s = coupling_slope(m, d, q, &d1, &d2);
    w->tau[d2] += s * w->tau[d1];
    for (int i = 0; i < nu; i++) w->A[(size_t)d2 * nu + i] += s * w->A[(size_t)d1 * nu + i];
  }
  /* The QP: minimise |a|^2 + |B a - t|^2 with B the driven dofs' rows of A over R0 and t their
   * tau over R0 (the reserves r = R0 (t - B a)), solved through B (so_qp_lowrank). */
  double ir = 1.0 / o->reserve_nm;
  int md = 0;
  for (int j = 0; j < nv; j++)
    if (driven_dof(m, j)) w->drow[md++] = j;
  for (int k = 0; k < md; k++) w->g[k] = w->tau[w->drow[k]] * ir;
  for (int i = 0; i < nu; i++)
    for (int k = 0; k < md; k++) w->Bt[(size_t)i * md + k] = w->A[(size_t)w->drow[k] * nu + i] * ir;
  int nact = o->nact > 0 && o->nact < nu ? o->nact : nu;
  for (int i = 0; i < nu; i++) {
    w->lo[i] = 0;
    w->hi[i] = i < nact ? 1 : 0;
  }
  int it = o->dense_qp ? dense_qp(w, md, act) : so_qp_lowrank(w, w->Bt, md, w->g, w->lo, w->hi, nu, act);
  mju_zero(reserve, nv);
  for (int k = 0; k < md; k++) {
    int j = w->drow[k];
    double r = w->tau[j];
    for (int i = 0; i < nu; i++) r -= w->A[(size_t)j * nu + i] * act[i];
    reserve[j] = r;
  }
  return it;
}

void so_result_free(so_result *res) {
  void *p[] = {res->act, res->reserve, res->residual, res->tau, res->contact, res->moment_err, res->foot_fz};
  for (size_t i = 0; i < sizeof p / sizeof *p; i++) free(p[i]);
  memset(res, 0, sizeof *res);
}

/* Total contact force on the model (N, world): each contact's force of geom1 on geom2, counted for
 * whichever side is not the world body. */
static void contact_total(const mjModel *m, const mjData *d, double *f) {
  f[0] = f[1] = f[2] = 0;
  for (int i = 0; i < d->ncon; i++) {
    const mjContact *c = d->contact + i;
    mjtNum fc[6], fw[3];
    mj_contactForce(m, d, i, fc);
    mju_mulMatTVec(fw, c->frame, fc, 3, 3);
    int b1 = m->geom_bodyid[c->geom1], b2 = m->geom_bodyid[c->geom2];
    for (int k = 0; k < 3; k++) f[k] += (b2 != 0 ? fw[k] : 0) - (b1 != 0 ? fw[k] : 0);
  }
}

/* Bottom points of the collision geoms (spheres: one; capsules: both end caps) on bodies other than
 * the world, into p [SO_MAX_POINTS][3] and their bodies; returns how many are below ground_on. */
static int ground_points(const mjModel *m, const mjData *d, double ground_on, double *p, int *body) {
  int n = 0;
  for (int g = 0; g < m->ngeom && n + 2 <= SO_MAX_POINTS; g++) {
    if ((!m->geom_contype[g] && !m->geom_conaffinity[g]) || m->geom_bodyid[g] == 0) continue;
    const double *c = d->geom_xpos + 3 * g, *R = d->geom_xmat + 9 * g, *sz = m->geom_size + 3 * g;
    double ends[2][3];
    int ne = 0;
    if (m->geom_type[g] == mjGEOM_SPHERE) {
      mju_copy3(ends[ne++], c);
    } else if (m->geom_type[g] == mjGEOM_CAPSULE) {
      for (int s = -1; s <= 1; s += 2, ne++)
        for (int k = 0; k < 3; k++) ends[ne][k] = c[k] + s * sz[1] * R[3 * k + 2];
    }
    for (int e = 0; e < ne; e++) {
      ends[e][2] -= sz[0];
      if (ends[e][2] > ground_on) continue;
      mju_copy3(p + 3 * n, ends[e]);
      body[n++] = m->geom_bodyid[g];
    }
  }
  return n;
}

/* Ground reaction forces at the points near the floor that best supply the free joint's generalised
 * force. Each point's force lies in a friction pyramid, f = sum_b c_b e_b with c_b >= 0 and
 * e_b = (+-mu, 0, 1), (0, +-mu, 1) (mu = SO_GROUND_MU): min ||G c - tau_root||^2 + 1e-6 ||c||^2
 * (G: the root rows of each point's Jacobian transposed, times the e_b). The forces' generalised
 * forces are taken out of tau (all dofs); the total force goes to fsum. */
static int foot_of(const mjModel *m, int b, const int foot_root[2]) {
  for (; b > 0; b = m->body_parentid[b])
    if (b == foot_root[0] || b == foot_root[1]) return b == foot_root[1];
  return -1;
}

static void ground_forces(so_ws *cw, const mjModel *m, const mjData *d, int root, double ground_on, double *tau,
                          double *fsum, double *jac, const int foot_root[2], double *foot_fz) {
  static const double e[4][3] = {{SO_GROUND_MU, 0, 1}, {-SO_GROUND_MU, 0, 1}, {0, SO_GROUND_MU, 1}, {0, -SO_GROUND_MU, 1}};
  double pts[3 * SO_MAX_POINTS];
  int body[SO_MAX_POINTS], np = ground_points(m, d, ground_on, pts, body), nv = m->nv, n = 4 * np;
  fsum[0] = fsum[1] = fsum[2] = 0;
  foot_fz[0] = foot_fz[1] = 0;
  if (np == 0) return;
  double *G = cw->A; /* [6][n] */
  for (int k = 0; k < np; k++) {
    mj_jac(m, d, jac, NULL, pts + 3 * k, body[k]);
    for (int r = 0; r < 6; r++)
      for (int b = 0; b < 4; b++) {
        double v = 0;
        for (int c = 0; c < 3; c++) v += jac[c * nv + root + r] * e[b][c];
        G[r * n + 4 * k + b] = v;
      }
  }
  for (int i = 0; i < n; i++) {
    cw->g[i] = 0;
    for (int r = 0; r < 6; r++) cw->g[i] += G[r * n + i] * tau[root + r];
    for (int j = 0; j < n; j++) {
      double h = i == j ? 1e-6 : 0;
      for (int r = 0; r < 6; r++) h += G[r * n + i] * G[r * n + j];
      cw->H[i * n + j] = h;
    }
    cw->lo[i] = 0;
    cw->hi[i] = INFINITY;
    cw->x[i] = 0;
  }
  so_qp_box(cw, cw->H, cw->g, cw->lo, cw->hi, n, cw->x);
  for (int k = 0; k < np; k++) {
    double f[3] = {0, 0, 0};
    for (int b = 0; b < 4; b++)
      for (int c = 0; c < 3; c++) f[c] += cw->x[4 * k + b] * e[b][c];
    mj_jac(m, d, jac, NULL, pts + 3 * k, body[k]);
    for (int j = 0; j < nv; j++) tau[j] -= jac[j] * f[0] + jac[nv + j] * f[1] + jac[2 * nv + j] * f[2];
    for (int c = 0; c < 3; c++) fsum[c] += f[c];
    int side = foot_of(m, body[k], foot_root);
    if (side >= 0) foot_fz[side] += f[2];
  }
}

/* Reference frame k's qpos, qvel and qacc (central difference of qvel; one-sided at the ends of a
 * non-cyclic clip). */
static void frame_state(const refmotion *r, int k, double *qpos, double *qvel, double *qacc, double *tmp) {
  long base = r->cyclic ? 4L * r->nframes : 0;
  long ka = base + k - 1, kb = base + k + 1;
  if (!r->cyclic) {
    if (ka < 0) ka = 0;
    if (kb > r->nframes - 1) kb = r->nframes - 1;
  }
  refmotion_frame(r, base + k, qpos, qvel, NULL, NULL);
  refmotion_frame(r, ka, NULL, tmp, NULL, NULL);
  refmotion_frame(r, kb, NULL, qacc, NULL, NULL);
  double h = (double)(kb - ka) * r->dt;
  for (int j = 0; j < r->nv; j++) qacc[j] = h > 0 ? (qacc[j] - tmp[j]) / h : 0;
}

/* Independent check of a solution: MuJoCo's own actuator forces for activations a (mj_fwdActuation)
 * plus the reserves against tau, coupled coordinates folded as so_frame folds them; the largest
 * error over the driven dofs (N m). d: after mj_inverse (lengths, velocities, moment arms). */
static double moment_check(const mjModel *m, mjData *d, const double *a, const double *tau, const double *rsv,
                           double *v) {
  for (int i = 0; i < m->nu; i++) {
    if (m->actuator_dyntype[i] != mjDYN_NONE && m->na) d->act[i - (m->nu - m->na)] = a[i];
    d->ctrl[i] = a[i];
  }
  mj_fwdActuation(m, d);
  for (int j = 0; j < m->nv; j++) v[j] = d->qfrc_actuator[j] - tau[j];
  for (int q = 0; q < m->neq; q++) {
    if (m->eq_type[q] != mjEQ_JOINT || !m->eq_active[q] || m->eq_obj2id[q] < 0) continue;
    int d1, d2;
    double s = coupling_slope(m, d, q, &d1, &d2);
    v[d2] += s * v[d1];
  }
  double e = 0;
  for (int j = 0; j < m->nv; j++)
    if (driven_dof(m, j)) e = fmax(e, fabs(v[j] + rsv[j]));
  return e;
}

int so_run(so_result *res, const mjModel *m, const refmotion *r, const so_opts *o, d2m_err *err) {
  memset(res, 0, sizeof *res);
  if (m->nu < 1) return err_set(err, "static optimisation: the model has no actuators");
  if (r->nq != m->nq || r->nv != m->nv)
    return err_set(err, "static optimisation: reference %s has nq %d nv %d, the model %d %d", r->source, r->nq, r->nv,
                   m->nq, m->nv);
  int root = -1;
  for (int j = 0; j < m->njnt && root < 0; j++)
    if (m->jnt_type[j] == mjJNT_FREE) root = m->jnt_dofadr[j];
  if (root < 0) return err_set(err, "static optimisation: the model has no free joint (no pelvis residual)");
  double t0 = log_elapsed();
  /* Coupled coordinates are folded in by so_frame, so equality constraints stay out of the inverse. */
  mjModel *mc = mj_copyModel(NULL, m);
  mc->opt.disableflags |= mjDSBL_EQUALITY | (o->contacts == SO_CONTACT_MUJOCO ? 0 : mjDSBL_CONTACT);
  mjData *d = mj_makeData(mc);
  int n = r->nframes, nu = m->nu, nv = m->nv;
  res->nframes = n;
  res->nu = nu;
  res->nv = nv;
  res->dt = r->dt;
  res->act = xcalloc((size_t)n * nu, sizeof(double));
  res->reserve = xcalloc((size_t)n * nv, sizeof(double));
  res->residual = xcalloc((size_t)n * 6, sizeof(double));
  res->tau = xcalloc((size_t)n * nv, sizeof(double));
  res->contact = xcalloc((size_t)n * 3, sizeof(double));
  res->moment_err = xcalloc((size_t)n, sizeof(double));
  res->foot_fz = xcalloc((size_t)n * 2, sizeof(double));
  int foot_root[2] = {mj_name2id(m, mjOBJ_BODY, "talus_r"), mj_name2id(m, mjOBJ_BODY, "talus_l")};
  so_ws w, cw;
  so_ws_init(&w, nu, nv);
  so_ws_init(&cw, 4 * SO_MAX_POINTS, 6);
  double *tmp = xcalloc((size_t)nv, sizeof(double)), *a = xcalloc((size_t)nu, sizeof(double));
  double *jac = xcalloc((size_t)3 * nv, sizeof(double));
  for (int k = 0; k < n; k++) {
    frame_state(r, k, d->qpos, d->qvel, d->qacc, tmp);
    mj_inverse(mc, d);
    double *tau = res->tau + (size_t)k * nv, *rsv = res->reserve + (size_t)k * nv;
    mju_copy(tau, d->qfrc_inverse, nv);
    if (o->contacts == SO_CONTACT_FEET) ground_forces(&cw, mc, d, root, o->ground_on, tau, res->contact + 3 * k, jac, foot_root,
                                                   res->foot_fz + 2 * k);
    else contact_total(mc, d, res->contact + 3 * k);
    mju_copy(res->residual + 6 * k, tau + root, 6);
    if (so_frame(&w, mc, d, tau, o, a, rsv) < 0) res->qp_fail++;
    mju_copy(res->act + (size_t)k * nu, a, nu);
    res->moment_err[k] = moment_check(mc, d, a, tau, rsv, tmp);
  }
  free(tmp);
  free(a);
  free(jac);
  so_ws_free(&w);
  so_ws_free(&cw);
  mj_deleteData(d);
  mj_deleteModel(mc);
  res->seconds = log_elapsed() - t0;
  (void)err;
  return 0;
}
