/* envs/impair.c: see impair.h. Sources of the models and their defaults: README.md, "Impaired
 * subjects" (and envs/model/subject.c next to each default). */
#include "envs/impair.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SIDE_N (MODEL_NMUSCLE / 2)

static int range_set(const double r[2], double neutral) { return r[0] != neutral || r[1] != neutral; }

static int dr_model(const env_params *p) {
  return range_set(p->dr_strength, 1) || range_set(p->dr_mass, 1) || range_set(p->dr_friction, 1);
}

/* the rehabilitation loop changes peak forces too, so it needs the copy and the base values */
int impair_own_model(const env_params *p) { return dr_model(p) || p->rehab; }

static int dr_on(const env_params *p) {
  return dr_model(p) || range_set(p->dr_reflex_gain, 0) || p->dr_obs_delay[0] || p->dr_obs_delay[1];
}

/* pinv = (W'W)^-1 W' by Gauss-Jordan on the k x k Gram matrix (full rank: model_synergy_load). */
static int synergy_pinv(env_impair *im, const model_subject *s, d2m_err *err) {
  int k = s->syn_k;
  double a[MODEL_SYN_MAX][2 * MODEL_SYN_MAX] = {{0}};
  for (int r = 0; r < k; r++) {
    for (int c = 0; c < k; c++)
      for (int i = 0; i < SIDE_N; i++) a[r][c] += s->syn_w[i][r] * s->syn_w[i][c];
    a[r][k + r] = 1;
  }
  for (int c = 0; c < k; c++) {
    int piv = c;
    for (int r = c + 1; r < k; r++)
      if (fabs(a[r][c]) > fabs(a[piv][c])) piv = r;
    if (!(fabs(a[piv][c]) > 1e-12)) return err_set(err, "env.subject: synergy matrix %s is rank deficient", s->syn_file);
    for (int j = 0; j < 2 * k; j++) {
      double t = a[c][j];
      a[c][j] = a[piv][j], a[piv][j] = t;
    }
    double d = a[c][c];
    for (int j = 0; j < 2 * k; j++) a[c][j] /= d;
    for (int r = 0; r < k; r++)
      if (r != c) {
        double f = a[r][c];
        for (int j = 0; j < 2 * k; j++) a[r][j] -= f * a[c][j];
      }
  }
  for (int r = 0; r < k; r++)
    for (int i = 0; i < SIDE_N; i++) {
      double x = 0;
      for (int c = 0; c < k; c++) x += a[r][k + c] * s->syn_w[i][c];
      im->pinv[r][i] = x;
    }
  return 0;
}

static double *copy_of(const double *x, int n) {
  double *y = xmalloc(sizeof(double) * (size_t)(n > 0 ? n : 1));
  memcpy(y, x, sizeof(double) * (size_t)n);
  return y;
}

static void keep_base(env_t *e, env_impair *im) {
  const mjModel *m = e->m;
  im->base_f0 = copy_of(e->mus_F0, e->nmus);
  im->base_gain = xmalloc(sizeof(double) * (size_t)(2 * m->nu + 1));
  im->base_bias = im->base_gain + m->nu;
  for (int i = 0; i < m->nu; i++) {
    im->base_gain[i] = m->actuator_gainprm[i * mjNGAIN + 2];
    im->base_bias[i] = m->actuator_biasprm[i * mjNBIAS + 2];
  }
  im->base_mass = copy_of(m->body_mass, m->nbody);
  im->base_inertia = copy_of(m->body_inertia, 3 * m->nbody);
  im->base_friction = copy_of(m->geom_friction, 3 * m->ngeom);
  im->base_weight = e->weight;
}

int impair_create(env_t *e, d2m_err *err) {
  const env_params *p = &e->p;
  const model_subject *s = &p->subject;
  int spastic = p->dr_reflex_gain[1] > 0;
  for (int i = 0; i < e->nmus && i < MODEL_NMUSCLE; i++) spastic |= s->spas_gain[i] > 0;
  int syn = s->syn_mix > 0 && s->syn_k > 0;
  int kmax = s->obs_delay > p->dr_obs_delay[1] ? s->obs_delay : p->dr_obs_delay[1];
  if (!spastic && !syn && !kmax && !(s->motor_noise > 0) && !s->fatigue && !dr_on(p) && !p->obs_subject && !p->rehab)
    return 0;
  if ((spastic || syn || s->motor_noise > 0 || s->fatigue) && e->nmus != MODEL_NMUSCLE)
    return err_set(err, "env.subject: impairments need the project's %d-muscle model, this one has %d", MODEL_NMUSCLE,
                   e->nmus);
  env_impair *im = xcalloc(1, sizeof *im);
  e->imp = im;
  im->dr = dr_on(p);
  im->spastic = spastic;
  im->fatigue = s->fatigue;
  im->kmax = kmax;
  if (syn && synergy_pinv(im, s, err)) return -1;
  if (spastic) {
    im->vdelay = (int)lround(s->spas_delay_s / e->m->opt.timestep);
    im->vring = xcalloc((size_t)(im->vdelay + 1) * (size_t)e->nmus, sizeof(double));
  }
  if (kmax) im->oring = xcalloc((size_t)(kmax + 1) * (size_t)e->obs_size, sizeof(float));
  if (impair_own_model(p)) keep_base(e, im);
  im->strength_f = im->mass_f = im->friction_f = 1;
  im->obs_delay = s->obs_delay;
  for (int i = 0; i < e->nmus && i < ENV_MAX_MUSCLE; i++)
    im->body_f[i] = 1, im->gain[i] = i < MODEL_NMUSCLE ? s->spas_gain[i] : 0;
  return 0;
}

void impair_free(env_t *e) {
  env_impair *im = e->imp;
  if (!im) return;
  free(im->vring);
  free(im->oring);
  free(im->base_f0);
  free(im->base_gain);
  free(im->base_mass);
  free(im->base_inertia);
  free(im->base_friction);
  free(im);
  e->imp = NULL;
}

void impair_apply_model(env_t *e) {
  env_impair *im = e->imp;
  if (!im || !im->base_f0) return;
  mjModel *m = e->m; /* the env's own copy (impair_own_model) */
  for (int i = 0; i < m->nu; i++) {
    double f = im->strength_f * (i < e->nmus ? im->body_f[i] : 1);
    m->actuator_gainprm[i * mjNGAIN + 2] = im->base_gain[i] * f;
    m->actuator_biasprm[i * mjNBIAS + 2] = im->base_bias[i] * f;
    if (i < e->nmus) e->mus_F0[i] = im->base_f0[i] * f;
  }
  for (int b = 0; b < m->nbody; b++) {
    m->body_mass[b] = im->base_mass[b] * im->mass_f;
    for (int k = 0; k < 3; k++) m->body_inertia[3 * b + k] = im->base_inertia[3 * b + k] * im->mass_f;
  }
  for (int g = 0; g < m->ngeom; g++) m->geom_friction[3 * g] = im->base_friction[3 * g] * im->friction_f;
  e->weight = im->base_weight * im->mass_f;
}

static double draw(rng_t *r, const double lohi[2]) { return lohi[0] + (lohi[1] - lohi[0]) * rng_uniform(r); }

void impair_episode(env_t *e) {
  env_impair *im = e->imp;
  if (!im) return;
  const env_params *p = &e->p;
  if (im->dr) { /* always all five, in this order, so the stream's use does not depend on the ranges */
    im->strength_f = draw(&e->rng, p->dr_strength);
    im->reflex_add = draw(&e->rng, p->dr_reflex_gain);
    long k = p->dr_obs_delay[0] + (long)rng_below(&e->rng, (uint64_t)(p->dr_obs_delay[1] - p->dr_obs_delay[0] + 1));
    im->obs_delay = p->dr_obs_delay[1] > 0 ? k : p->subject.obs_delay;
    im->mass_f = draw(&e->rng, p->dr_mass);
    im->friction_f = draw(&e->rng, p->dr_friction);
    impair_apply_model(e);
  }
  im->vhead = 0;
  if (im->vring) memset(im->vring, 0, sizeof(double) * (size_t)(im->vdelay + 1) * (size_t)e->nmus);
  im->ohead = 0;
  if (im->fatigue)
    for (int i = 0; i < e->nmus; i++) {
      im->ma[i] = e->p.act_preload ? e->p.excitation_baseline : 0;
      im->mf[i] = 0;
      im->mr[i] = 1 - im->ma[i];
    }
}

/* Paretic side: u <- (1 - mix) u + mix W max(0, pinv u), the least-squares synergy activations
 * made non-negative, so the mixed-in part lies in the cone of the synergies. */
static void synergy_project(env_t *e, double *u) {
  const model_subject *s = &e->p.subject;
  double c[MODEL_SYN_MAX], *x = u + s->syn_side * SIDE_N;
  for (int r = 0; r < s->syn_k; r++) {
    double v = 0;
    for (int i = 0; i < SIDE_N; i++) v += e->imp->pinv[r][i] * x[i];
    c[r] = v > 0 ? v : 0;
  }
  for (int i = 0; i < SIDE_N; i++) {
    double y = 0;
    for (int r = 0; r < s->syn_k; r++) y += s->syn_w[i][r] * c[r];
    y = y < 0 ? 0 : y > 1 ? 1 : y;
    x[i] = (1 - s->syn_mix) * x[i] + s->syn_mix * y;
  }
}

void impair_descending(env_t *e) {
  env_impair *im = e->imp;
  if (!im) return;
  const model_subject *s = &e->p.subject;
  double *u = e->d->ctrl;
  if (s->syn_mix > 0 && s->syn_k > 0) synergy_project(e, u);
  if (s->motor_noise > 0)
    for (int i = 0; i < e->nmus; i++) { /* std proportional to the excitation (Harris & Wolpert 1998) */
      double x = u[i] + s->motor_noise * u[i] * rng_normal(&e->rng);
      u[i] = x < 0 ? 0 : x > 1 ? 1 : x;
    }
  memcpy(im->u_desc, u, sizeof(double) * (size_t)e->nmus);
  if (e->p.rehab) {
    for (int i = 0; i < e->nmus; i++) im->use_sum[i] += u[i];
    im->use_n++;
  }
}

/* One explicit Euler step of the three-compartment model toward target load tl; returns MA. */
static double fatigue_step(env_impair *im, int i, double tl, const model_subject *s, double dt) {
  double ma = im->ma[i], mf = im->mf[i], mr = im->mr[i], c;
  if (ma < tl) c = mr > tl - ma ? s->fat_L * (tl - ma) : s->fat_L * mr;
  else c = s->fat_L * (tl - ma);
  im->ma[i] = ma + dt * (c - s->fat_F * ma);
  im->mf[i] = mf + dt * (s->fat_F * ma - s->fat_R * mf);
  im->mr[i] = mr + dt * (-c + s->fat_R * mf);
  return im->ma[i];
}

void impair_substep(env_t *e) {
  env_impair *im = e->imp;
  if (!im || !(im->spastic || im->fatigue)) return;
  const mjData *d = e->d;
  const model_subject *s = &e->p.subject;
  int n = e->nmus, slots = im->vdelay + 1;
  const double *old = NULL;
  if (im->spastic) {
    double *now = im->vring + (size_t)(im->vhead % slots) * n;
    for (int i = 0; i < n; i++) now[i] = d->actuator_velocity[i] / e->mus_L0[i];
    /* the oldest slot holds v(t - D): written D steps ago, or still zero early in the episode */
    old = im->vring + (size_t)((im->vhead + 1) % slots) * n;
    im->vhead++;
  }
  for (int i = 0; i < n; i++) {
    double x = im->u_desc[i];
    if (old) {
      double over = old[i] - s->spas_threshold[i];
      x += over > 0 ? (im->gain[i] + im->reflex_add) * over : 0;
    }
    x = x < 0 ? 0 : x > 1 ? 1 : x;
    if (im->fatigue) x = fatigue_step(im, i, x, s, e->m->opt.timestep);
    e->d->ctrl[i] = x < 0 ? 0 : x > 1 ? 1 : x;
  }
}

void impair_obs(env_t *e, float *obs) {
  env_impair *im = e->imp;
  if (!im || !im->kmax) return;
  size_t n = (size_t)e->obs_size, slots = (size_t)im->kmax + 1;
  memcpy(im->oring + (size_t)im->ohead % slots * n, obs, sizeof(float) * n);
  long back = im->ohead - im->obs_delay;
  memcpy(obs, im->oring + (size_t)(back > 0 ? back : 0) % slots * n, sizeof(float) * n);
  im->ohead++;
}

static double side_mean(const double *x, int side) {
  double s = 0;
  for (int i = 0; i < SIDE_N; i++) s += x[side * SIDE_N + i];
  return s / SIDE_N;
}

int env_set_body(env_t *e, const double *strength, const double *spas_gain, d2m_err *err) {
  env_impair *im = e->imp;
  const model_subject *s = &e->p.subject;
  if (!e->p.rehab || !im || !im->base_f0) return err_set(err, "env_set_body: rehab.enabled is off");
  if (e->nmus != MODEL_NMUSCLE) return err_set(err, "env_set_body: needs the %d-muscle model", MODEL_NMUSCLE);
  for (int i = 0; i < e->nmus; i++) {
    if (!(strength[i] >= 0) || !(spas_gain[i] >= 0)) return err_set(err, "env_set_body: muscle %d: negative or NaN value", i);
    if (strength[i] != s->strength[i] && !(s->strength[i] > 0))
      return err_set(err, "env_set_body: muscle %d has strength 0 in the subject file: nothing to scale", i);
    if (spas_gain[i] > 0 && !im->spastic) return err_set(err, "env_set_body: muscle %d: a reflex gain needs a spastic subject", i);
  }
  for (int i = 0; i < e->nmus; i++)
    im->body_f[i] = s->strength[i] > 0 ? strength[i] / s->strength[i] : 1, im->gain[i] = spas_gain[i];
  impair_apply_model(e);
  return 0;
}

long env_take_use(env_t *e, double *sum) {
  env_impair *im = e->imp;
  long n = im && e->p.rehab ? im->use_n : 0;
  for (int i = 0; i < e->nmus; i++) sum[i] = n ? im->use_sum[i] : 0;
  if (im) memset(im->use_sum, 0, sizeof im->use_sum), im->use_n = 0;
  return n;
}

void env_subject_vector(const env_t *e, float *out) {
  const model_subject *s = &e->p.subject;
  const env_impair *im = e->imp;
  double st[MODEL_NMUSCLE], sg[MODEL_NMUSCLE]; /* the body as the rehabilitation loop left it */
  for (int i = 0; i < MODEL_NMUSCLE; i++)
    st[i] = s->strength[i] * (im && i < e->nmus ? im->body_f[i] : 1), sg[i] = im && i < e->nmus ? im->gain[i] : s->spas_gain[i];
  double sf = im ? im->strength_f : 1, ra = im ? im->reflex_add : 0, mf = im ? im->mass_f : 1;
  double ff = im ? im->friction_f : 1, k = im ? (double)im->obs_delay : s->obs_delay;
  double v[ENV_SUBJECT_OBS] = {sf * side_mean(st, 0),
                               sf * side_mean(st, 1),
                               ra + side_mean(sg, 0),
                               ra + side_mean(sg, 1),
                               s->spas_delay_s,
                               k * e->p.dt,
                               s->motor_noise,
                               s->syn_k && s->syn_side == 0 ? s->syn_mix : 0,
                               s->syn_k && s->syn_side == 1 ? s->syn_mix : 0,
                               mf * model_mass_scale(s),
                               model_length_scale(s),
                               ff,
                               side_mean(s->lopt, 0),
                               side_mean(s->lopt, 1)};
  for (int i = 0; i < ENV_SUBJECT_OBS; i++) out[i] = (float)v[i];
}
