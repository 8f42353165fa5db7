/* analysis/metabolic.c: see metabolic.h (Umberger et al. 2003). */
#include "analysis/metabolic.h"

#include <math.h>

met_rate met_muscle_rate(const met_muscle *p, const met_state *s) {
  met_rate r = {0, 0, 0, 0};
  double A = s->u > s->a ? s->u : 0.5 * (s->u + s->a); /* Umberger 2003: recruitment follows u when rising */
  if (A < 0) A = 0;
  double ft = 1.0 - p->st;
  double h_am = (128.0 * ft + 25.0) * pow(A, 0.6) * MET_AEROBIC_S; /* W/kg */
  /* beyond the optimal length fewer cross-bridges form: the paper scales the heat with F_iso */
  double fl = s->l_norm > 1.0 ? s->f_iso : 1.0;
  if (s->l_norm > 1.0) h_am *= 0.4 + 0.6 * s->f_iso;
  double vmax_slow = p->vmax / 2.5;
  double a_fast = 153.0 / p->vmax, a_slow = 100.0 / vmax_slow, a_len = 4.0 * a_slow;
  double h_sl;
  if (s->v_norm <= 0) /* shortening: heat grows with speed, mostly in the recruited fast fibres */
    h_sl = -(a_slow * p->st + a_fast * ft) * s->v_norm * A * A * MET_AEROBIC_S * fl;
  else                /* lengthening */
    h_sl = a_len * s->v_norm * A * MET_AEROBIC_S * fl;
  r.am = p->mass_kg * h_am;
  r.sl = p->mass_kg * h_sl;
  double heat = r.am + r.sl, floor_w = MET_MIN_HEAT_W_KG * p->mass_kg;
  if (p->min_heat && heat < floor_w) { /* the paper's floor: raise the shortening term to meet it */
    r.sl += floor_w - heat;
  }
  r.work = -s->f_ce * s->v_ce; /* shortening (v < 0) under tension: positive work */
  r.total = r.am + r.sl + r.work;
  return r;
}

static int is_muscle(const mjModel *m, int i) { return m->actuator_gaintype[i] == mjGAIN_MUSCLE; }

int met_model_init(met_model *mm, const mjModel *m) {
  mm->n = 0;
  mm->body_mass_kg = 0;
  for (int b = 0; b < m->nbody; b++) mm->body_mass_kg += m->body_mass[b];
  for (int i = 0; i < m->nu && mm->n < 256; i++) {
    if (!is_muscle(m, i)) continue;
    const mjtNum *prm = m->actuator_gainprm + (size_t)i * mjNGAIN;
    const mjtNum *lr = m->actuator_lengthrange + 2 * i;
    double L0 = (lr[1] - lr[0]) / fmax(mjMINVAL, prm[1] - prm[0]);
    double F = prm[2] > 0 ? prm[2] : prm[3] / fmax(mjMINVAL, m->actuator_acc0[i]);
    met_muscle *p = &mm->mus[mm->n];
    p->mass_kg = F / MET_SIGMA_PA * MET_DENSITY * L0;
    p->st = MET_ST_DEFAULT;
    p->vmax = prm[6];
    p->min_heat = 1;
    mm->act[mm->n++] = i;
  }
  return mm->n;
}

met_state met_state_of(const mjModel *m, const mjData *d, int i) {
  const mjtNum *prm = m->actuator_gainprm + (size_t)i * mjNGAIN;
  const mjtNum *lr = m->actuator_lengthrange + 2 * i;
  double L0 = (lr[1] - lr[0]) / fmax(mjMINVAL, prm[1] - prm[0]);
  double F = prm[2] > 0 ? prm[2] : prm[3] / fmax(mjMINVAL, m->actuator_acc0[i]);
  double len = d->actuator_length[i], vel = d->actuator_velocity[i];
  int adr = i - (m->nu - m->na); /* MuJoCo 2.2: stateful actuators come last, in order */
  met_state s;
  s.u = d->ctrl[i];
  s.a = adr >= 0 ? d->act[adr] : d->ctrl[i];
  s.l_norm = prm[0] + (len - lr[0]) / fmax(mjMINVAL, L0);
  s.v_norm = vel / fmax(mjMINVAL, L0);
  s.v_ce = vel;
  /* mju_muscleGain is the (negative) active force per unit activation */
  s.f_ce = -mju_muscleGain(len, vel, lr, m->actuator_acc0[i], prm) * s.a;
  s.f_iso = -mju_muscleGain(len, 0, lr, m->actuator_acc0[i], prm) / fmax(mjMINVAL, F);
  return s;
}

double met_body_rate(const met_model *mm, const mjModel *m, const mjData *d, double *per) {
  double sum = MET_BASAL_W_KG * mm->body_mass_kg;
  for (int k = 0; k < mm->n; k++) {
    met_state s = met_state_of(m, d, mm->act[k]);
    met_rate r = met_muscle_rate(&mm->mus[k], &s);
    if (per) per[k] = r.total;
    sum += r.total;
  }
  return sum;
}

double met_cost_of_transport(double energy_j, double mass_kg, double distance_m) {
  if (!(fabs(distance_m) >= 0.01) || !(mass_kg > 0)) return NAN;
  return energy_j / (mass_kg * fabs(distance_m));
}
