/* envs/mirror.c: see mirror.h. */
#include "envs/mirror.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "envs/env_int.h"
#include "envs/obs.h"

/* What the maps and the state mirror are built from, found once per call at qpos0. */
typedef struct mir_geo {
  int *body_pair, *jnt_pair, *act_pair; /* the other side's id (itself on the midline) */
  double *body_lat;                     /* [nbody][3] lateral unit vector in each body's frame */
  int *body_lat_axis;                   /* [nbody] the body axis along it (0..2), -1 when none */
  float *jnt_sign;                      /* [njnt] q of the pair = sign * q (hinges, slides; 1 else) */
} mir_geo;

/* The other side's name: the last "_r"/"_l" followed by the end or '_' swapped. 0: none (midline). */
static int other_name(const char *nm, char *out, size_t cap) {
  size_t n = strlen(nm);
  if (n + 1 > cap) return 0;
  memcpy(out, nm, n + 1);
  for (size_t i = n; i-- > 0;)
    if (out[i] == '_' && i + 1 < n && (out[i + 1] == 'r' || out[i + 1] == 'l') && (i + 2 == n || out[i + 2] == '_')) {
      out[i + 1] = out[i + 1] == 'r' ? 'l' : 'r';
      return 1;
    }
  return 0;
}

static int pair_of(const mjModel *m, mjtObj type, int id, const char *what, d2m_err *err) {
  const char *nm = mj_id2name(m, type, id);
  char other[256];
  if (!nm || !other_name(nm, other, sizeof other)) return id;
  int p = mj_name2id(m, type, other);
  if (p < 0) return err_set(err, "mirror: %s '%s' has no other side ('%s')", what, nm, other), -1;
  return p;
}

static void geo_free(mir_geo *g) {
  free(g->body_pair), free(g->jnt_pair), free(g->act_pair);
  free(g->body_lat), free(g->body_lat_axis), free(g->jnt_sign);
  memset(g, 0, sizeof *g);
}

static int find_pairs(const mjModel *m, mir_geo *g, d2m_err *err) {
  for (int b = 0; b < m->nbody; b++)
    if ((g->body_pair[b] = pair_of(m, mjOBJ_BODY, b, "body", err)) < 0) return -1;
  for (int j = 0; j < m->njnt; j++) {
    if ((g->jnt_pair[j] = pair_of(m, mjOBJ_JOINT, j, "joint", err)) < 0) return -1;
    if (g->body_pair[m->jnt_bodyid[j]] != m->jnt_bodyid[g->jnt_pair[j]])
      return err_set(err, "mirror: joint '%s' and its pair sit on bodies that are not each other's mirror",
                     mj_id2name(m, mjOBJ_JOINT, j));
  }
  for (int i = 0; i < m->nu; i++)
    if ((g->act_pair[i] = pair_of(m, mjOBJ_ACTUATOR, i, "actuator", err)) < 0) return -1;
  return 0;
}

/* Two numbers equal to a relative tol. */
static int same(double a, double b, double tol) { return fabs(a - b) <= tol * 0.5 * (fabs(a) + fabs(b)) + 1e-12; }

/* Peak forces may differ between the sides by this fraction: MyoLegs' own do by up to 5.2%
 * (bfsh_r 586.4 N, bfsh_l 556.8 N; semimem 2.4%, psoas 1.3%), a hemiparetic side by 30-60%. */
#define MIRROR_F0_TOL 0.10

/* The two sides must be the same body: masses, muscles (a hemiparetic subject's are not). */
static int check_sides(const env_t *e, const mir_geo *g, d2m_err *err) {
  const mjModel *m = e->m;
  if (m->nu != e->nmus)
    return err_set(err, "mirror: actuator '%s' is an assistive device; a model with devices is not mirrored",
                   mj_id2name(m, mjOBJ_ACTUATOR, e->nmus));
  for (int b = 0; b < m->nbody; b++)
    if (!same(m->body_mass[b], m->body_mass[g->body_pair[b]], 1e-6))
      return err_set(err, "mirror: body '%s' weighs %g kg, its pair %g kg: the two sides differ",
                     mj_id2name(m, mjOBJ_BODY, b), m->body_mass[b], m->body_mass[g->body_pair[b]]);
  for (int i = 0; i < e->nmus; i++) {
    int p = g->act_pair[i];
    const double *gi = m->actuator_gainprm + i * mjNGAIN, *gp = m->actuator_gainprm + p * mjNGAIN;
    int differ = !same(gi[0], gp[0], 1e-4) || !same(gi[1], gp[1], 1e-4) || !same(gi[2], gp[2], MIRROR_F0_TOL);
    for (int k = 0; k < 2; k++)
      differ |= !same(m->actuator_lengthrange[2 * i + k], m->actuator_lengthrange[2 * p + k], 1e-4);
    if (differ)
      return err_set(err, "mirror: muscles '%s' and '%s' differ (peak force by more than 10%%, or length range): "
                     "the subject's two sides are not the same, so its policy should not be symmetric (ppo.mirror = 0)",
                     mj_id2name(m, mjOBJ_ACTUATOR, i), mj_id2name(m, mjOBJ_ACTUATOR, p));
  }
  return 0;
}

/* Lateral direction at qpos0 (sum over pairs of left minus right), each body's lateral axis, and
 * the check that the paired bodies are mirror images there (positions to 1 mm). */
static int find_lateral(const mjModel *m, mjData *d, mir_geo *g, int pelvis, d2m_err *err) {
  mju_copy(d->qpos, m->qpos0, m->nq);
  mj_kinematics(m, d);
  double lat[3] = {0, 0, 0};
  for (int b = 0; b < m->nbody; b++)
    if (g->body_pair[b] > b)
      for (int k = 0; k < 3; k++) lat[k] += d->xpos[3 * g->body_pair[b] + k] - d->xpos[3 * b + k];
  if (mju_normalize3(lat) < 1e-9) return err_set(err, "mirror: the model has no left and right bodies");
  const double *c = d->xpos + 3 * pelvis;
  for (int b = 0; b < m->nbody; b++) {
    const double *p = d->xpos + 3 * b, *q = d->xpos + 3 * g->body_pair[b];
    double s = 2 * ((p[0] - c[0]) * lat[0] + (p[1] - c[1]) * lat[1] + (p[2] - c[2]) * lat[2]), off = 0;
    for (int k = 0; k < 3; k++) off += (q[k] - (p[k] - s * lat[k])) * (q[k] - (p[k] - s * lat[k]));
    if (sqrt(off) > 1e-3)
      return err_set(err, "mirror: body '%s' is not the mirror image of '%s' at qpos0 (%.1f mm off)",
                     mj_id2name(m, mjOBJ_BODY, g->body_pair[b]), mj_id2name(m, mjOBJ_BODY, b), 1e3 * sqrt(off));
    double *l = g->body_lat + 3 * b;
    mju_rotVecMatT(l, lat, d->xmat + 9 * b); /* into the body's frame */
    g->body_lat_axis[b] = -1;
    for (int k = 0; k < 3; k++)
      if (fabs(l[k]) > 1 - 1e-6) g->body_lat_axis[b] = k;
  }
  return 0;
}

/* A hinge on the pair's side turns about -N a (N: the reflection of the body's lateral axis); a
 * slide moves along N a. The sign makes q_pair = sign q. */
static int joint_signs(const mjModel *m, mir_geo *g, d2m_err *err) {
  for (int j = 0; j < m->njnt; j++) {
    g->jnt_sign[j] = 1;
    int t = m->jnt_type[j];
    if (t == mjJNT_FREE) continue;
    if (t == mjJNT_BALL) return err_set(err, "mirror: ball joint '%s' is not supported", mj_id2name(m, mjOBJ_JOINT, j));
    const double *a = m->jnt_axis + 3 * j, *ap = m->jnt_axis + 3 * g->jnt_pair[j];
    const double *l = g->body_lat + 3 * m->jnt_bodyid[j];
    double al = mju_dot3(a, l), dot = 0;
    for (int k = 0; k < 3; k++) dot += ap[k] * (a[k] - 2 * al * l[k]);
    if (t == mjJNT_HINGE) dot = -dot;
    if (fabs(dot) < 0.999)
      return err_set(err, "mirror: joint '%s' and its pair have axes that are not mirror images",
                     mj_id2name(m, mjOBJ_JOINT, j));
    g->jnt_sign[j] = dot > 0 ? 1.f : -1.f;
  }
  return 0;
}

static int geo_init(const env_t *e, mir_geo *g, d2m_err *err) {
  const mjModel *m = e->m;
  g->body_pair = xmalloc((size_t)m->nbody * sizeof(int));
  g->jnt_pair = xmalloc((size_t)m->njnt * sizeof(int));
  g->act_pair = xmalloc((size_t)(m->nu ? m->nu : 1) * sizeof(int));
  g->body_lat = xmalloc((size_t)m->nbody * 3 * sizeof(double));
  g->body_lat_axis = xmalloc((size_t)m->nbody * sizeof(int));
  g->jnt_sign = xmalloc((size_t)m->njnt * sizeof(float));
  mjData *d = mj_makeData(m);
  int rc = find_pairs(m, g, err) || check_sides(e, g, err) || find_lateral(m, d, g, e->pelvis, err) ||
           joint_signs(m, g, err);
  mj_deleteData(d);
  if (rc) geo_free(g);
  return rc ? -1 : 0;
}

/* ---- the signed permutations ---- */

typedef struct omap {
  int *src;
  float *sign;
  int at;
} omap;

static void put(omap *o, int src, float s) { o->src[o->at] = src, o->sign[o->at++] = s; }
static void polar(omap *o, int src) { put(o, src, 1), put(o, src + 1, -1), put(o, src + 2, 1); }
static void axial(omap *o, int src) { put(o, src, -1), put(o, src + 1, 1), put(o, src + 2, -1); }

static int index_of(const int *list, int n, int v) {
  for (int i = 0; i < n; i++)
    if (list[i] == v) return i;
  return -1;
}

static int joint_of_qadr(const mjModel *m, int qadr) {
  for (int j = 0; j < m->njnt; j++)
    if (m->jnt_qposadr[j] == qadr) return j;
  return -1;
}

/* Hinge k of the env's list: the index of its pair in the list, and the sign. */
static int hinge_pair(const env_t *e, const mir_geo *g, int k, float *sign) {
  int j = joint_of_qadr(e->m, e->hinge_qadr[k]), p = g->jnt_pair[j];
  *sign = g->jnt_sign[j];
  return index_of(e->hinge_qadr, e->nhinge, e->m->jnt_qposadr[p]);
}

static int obody_pair(const env_t *e, const mir_geo *g, int i) {
  return index_of(e->obody, e->nobody, g->body_pair[e->obody[i]]);
}

static void hinges(const env_t *e, const mir_geo *g, omap *o, int off) {
  for (int k = 0; k < e->nhinge; k++) {
    float s;
    int p = hinge_pair(e, g, k, &s);
    put(o, off + p, s);
  }
}

static void imitate_block(const env_t *e, const mir_geo *g, omap *o, int off) {
  const refmotion *r = e->ref;
  int nt = r->ntrack, tp[REF_MAX_TRACK];
  for (int i = 0; i < nt; i++) tp[i] = index_of(r->track_body, nt, g->body_pair[r->track_body[i]]);
  for (int f = 0; f < e->p.im_future; f++) {
    for (int i = 0; i < nt; i++) polar(o, off + 3 * tp[i]);
    for (int i = 0; i < nt; i++) polar(o, off + 3 * nt + 3 * tp[i]);
    hinges(e, g, o, off + 6 * nt);
    off += 6 * nt + e->nhinge;
  }
  float ph = r->cyclic ? -1.f : 1.f; /* a symmetric cycle's mirror is half a cycle on; progress has none */
  put(o, off, ph), put(o, off + 1, ph);
}

static void body_blocks(const env_t *e, const mir_geo *g, omap *o, const char *name, int off) {
  for (int i = 0; i < e->nobody; i++) {
    int j = obody_pair(e, g, i);
    if (!strcmp(name, "body_pos") || !strcmp(name, "body_linvel")) polar(o, off + 3 * j);
    else if (!strcmp(name, "body_angvel")) axial(o, off + 3 * j);
    else /* body_rot6: columns x, y of R' = M R N; N flips the body's lateral column */
      for (int col = 0; col < 2; col++) {
        float s = g->body_lat_axis[e->obody[j]] == col ? -1.f : 1.f;
        put(o, off + 6 * j + 3 * col, s), put(o, off + 6 * j + 3 * col + 1, -s), put(o, off + 6 * j + 3 * col + 2, s);
      }
  }
}

static int obs_block(const env_t *e, const mir_geo *g, omap *o, const char *name, int off, d2m_err *err) {
  int nu = e->nmus;
  if (!strcmp(name, "root_height")) put(o, off, 1);
  else if (!strcmp(name, "root_up")) polar(o, off);
  else if (!strncmp(name, "body_", 5)) body_blocks(e, g, o, name, off);
  else if (!strcmp(name, "joint_pos") || !strcmp(name, "joint_vel")) hinges(e, g, o, off);
  else if (!strncmp(name, "muscle_", 7))
    for (int i = 0; i < nu; i++) put(o, off + g->act_pair[i], 1);
  else if (!strcmp(name, "foot_force")) polar(o, off + 3), polar(o, off);
  else if (!strcmp(name, "task_walk")) put(o, off, 1), put(o, off + 1, 1), put(o, off + 2, -1);
  else if (!strcmp(name, "task_imitate")) imitate_block(e, g, o, off);
  else if (!strcmp(name, "subject")) {
    static const int k_subject_pair[ENV_SUBJECT_OBS] = {1, 0, 3, 2, 4, 5, 6, 8, 7, 9, 10, 11, 13, 12};
    for (int i = 0; i < ENV_SUBJECT_OBS; i++) put(o, off + k_subject_pair[i], 1);
  } else
    return err_set(err, "mirror: observation block '%s' has no mirror", name);
  return 0;
}

int env_mirror_build(const env_t *e, env_mirror *mr, d2m_err *err) {
  memset(mr, 0, sizeof *mr);
  mir_geo g = {0};
  if (geo_init(e, &g, err)) return -1;
  for (int i = 0; i < e->nobody; i++)
    if (obody_pair(e, &g, i) < 0 || g.body_lat_axis[e->obody[i]] < 0) {
      const char *nm = mj_id2name(e->m, mjOBJ_BODY, e->obody[i]);
      geo_free(&g);
      return err_set(err, "mirror: observed body '%s' has no observed pair or no axis along the lateral direction", nm);
    }
  mr->obs_dim = e->obs_size;
  mr->act_dim = env_act_size(e);
  mr->obs_src = xmalloc((size_t)mr->obs_dim * sizeof(int));
  mr->obs_sign = xmalloc((size_t)mr->obs_dim * sizeof(float));
  mr->act_src = xmalloc((size_t)mr->act_dim * sizeof(int));
  mr->act_sign = xmalloc((size_t)mr->act_dim * sizeof(float));
  omap o = {mr->obs_src, mr->obs_sign, 0};
  int rc = 0;
  for (int b = 0, off = 0; b < e->nblocks && !rc; off += e->block_size[b++]) {
    rc = obs_block(e, &g, &o, e->block_name[b], off, err);
    D2M_CHECK(rc || o.at == off + e->block_size[b], "mirror map and observation layout disagree");
  }
  omap a = {mr->act_src, mr->act_sign, 0};
  if (e->p.action_mode == ENV_ACT_JOINT_SO) hinges(e, &g, &a, 0);
  else
    for (int i = 0; i < mr->act_dim; i++) put(&a, g.act_pair[i], 1);
  geo_free(&g);
  if (rc) env_mirror_free(mr);
  return rc ? -1 : 0;
}

void env_mirror_free(env_mirror *mr) {
  free(mr->obs_src), free(mr->obs_sign), free(mr->act_src), free(mr->act_sign);
  memset(mr, 0, sizeof *mr);
}

void env_mirror_apply(const int *src, const float *sign, int n, const float *x, float *out, int B) {
  for (int b = 0; b < B; b++, x += n, out += n)
    for (int i = 0; i < n; i++) out[i] = sign[i] * x[src[i]];
}

/* ---- the state ---- */

static void lateral_reflection(const double *l, double *N) {
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 3; c++) N[3 * r + c] = (r == c) - 2 * l[r] * l[c];
}

/* Positions: the free joint across y = 0 with orientation R' = M R N (M = diag(1, -1, 1), N the root
 * body's lateral reflection); each other joint onto its pair, times its sign. */
static void mirror_qpos(const mjModel *m, const mir_geo *g, const double *q, double *q2) {
  for (int j = 0; j < m->njnt; j++) {
    int qa = m->jnt_qposadr[j], qp = m->jnt_qposadr[g->jnt_pair[j]];
    if (m->jnt_type[j] != mjJNT_FREE) {
      q2[qp] = m->qpos0[qp] + g->jnt_sign[j] * (q[qa] - m->qpos0[qa]);
      continue;
    }
    double R[9], N[9], RN[9];
    lateral_reflection(g->body_lat + 3 * m->jnt_bodyid[j], N);
    mju_quat2Mat(R, q + qa + 3);
    mju_mulMatMat(RN, R, N, 3, 3, 3);
    for (int c = 0; c < 3; c++) RN[3 + c] = -RN[3 + c];
    mju_mat2Quat(q2 + qa + 3, RN);
    q2[qa] = q[qa], q2[qa + 1] = -q[qa + 1], q2[qa + 2] = q[qa + 2];
  }
}

/* Velocity-like vectors (qvel, qacc_warmstart): the free joint's world linear part across y = 0 and
 * its local angular part -N w; each other dof onto its pair, times its sign. */
static void mirror_dofs(const mjModel *m, const mir_geo *g, const double *v, double *v2) {
  for (int j = 0; j < m->njnt; j++) {
    int da = m->jnt_dofadr[j];
    if (m->jnt_type[j] != mjJNT_FREE) {
      v2[m->jnt_dofadr[g->jnt_pair[j]]] = g->jnt_sign[j] * v[da];
      continue;
    }
    double N[9], w[3];
    lateral_reflection(g->body_lat + 3 * m->jnt_bodyid[j], N);
    v2[da] = v[da], v2[da + 1] = -v[da + 1], v2[da + 2] = v[da + 2];
    mju_mulMatVec(w, N, v + da + 3, 3, 3);
    for (int k = 0; k < 3; k++) v2[da + 3 + k] = -w[k];
  }
}

int env_mirror_state(env_t *e, d2m_err *err) {
  const mjModel *m = e->m;
  mjData *d = e->d;
  mir_geo g = {0};
  if (geo_init(e, &g, err)) return -1;
  double *q = xmalloc((size_t)(m->nq + 2 * m->nv) * sizeof(double)), *v = q + m->nq, *w = v + m->nv;
  mju_copy(q, d->qpos, m->nq);
  mju_copy(v, d->qvel, m->nv);
  mju_copy(w, d->qacc_warmstart, m->nv);
  mirror_qpos(m, &g, q, d->qpos);
  mirror_dofs(m, &g, v, d->qvel);
  mirror_dofs(m, &g, w, d->qacc_warmstart); /* the constraint solver starts where it would have */
  free(q);
  /* The observed tension is the last physics step's (env_step ends on mj_step1, actuation is
   * mj_step2's), so it is carried over, in each muscle's own peak force, not recomputed. */
  double *a = xmalloc((size_t)(3 * m->nu + 1) * sizeof(double)), *c = a + m->nu, *f = c + m->nu;
  mju_copy(a, d->act, m->na);
  mju_copy(c, d->ctrl, m->nu);
  mju_copy(f, d->actuator_force, m->nu);
  for (int i = 0; i < m->nu; i++) {
    if (m->na) d->act[g.act_pair[i]] = a[i]; /* check_sides: every actuator is a muscle, act i = actuator i */
    d->ctrl[g.act_pair[i]] = c[i];
  }
  e->target_heading = -e->target_heading;
  e->push_dir[1] = -e->push_dir[1];
  env_forward_qpos(e, 0);
  for (int i = 0; i < m->nu; i++) d->actuator_force[g.act_pair[i]] = f[i] * e->mus_F0[g.act_pair[i]] / e->mus_F0[i];
  free(a);
  geo_free(&g);
  /* So are the feet's contact forces (the last step's constraint solve): swapped, across y = 0. */
  double ff[6], hf[2] = {e->heel_force[1], e->heel_force[0]};
  for (int k = 0; k < 6; k++) ff[k] = e->foot_force[(k + 3) % 6] * (k % 3 == 1 ? -1 : 1);
  memcpy(e->foot_force, ff, sizeof ff);
  memcpy(e->heel_force, hf, sizeof hf);
  env_write_obs(e, e->last_obs);
  return 0;
}
