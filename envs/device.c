/* envs/device.c: device controllers and outcomes (see device.h). */
#include "envs/device.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int parse3(const char *key, const char *text, double out[3], double lo, double hi, d2m_err *err) {
  char *end;
  const char *p = text;
  for (int i = 0; i < 3; i++) {
    out[i] = strtod(p, &end);
    if (end == p || !isfinite(out[i])) return err_set(err, "device.%s: '%s' is not three numbers a,b,c", key, text);
    if (out[i] < lo || out[i] > hi) return err_set(err, "device.%s: %g outside [%g, %g]", key, out[i], lo, hi);
    while (*end == ' ') end++;
    if (i < 2 && *end++ != ',') return err_set(err, "device.%s: '%s' is not three numbers a,b,c", key, text);
    p = end;
  }
  while (*p == ' ') p++;
  if (*p) return err_set(err, "device.%s: '%s' is not three numbers a,b,c", key, text);
  return 0;
}

static int sides(const char *s) {
  return !strcmp(s, "right") ? MODEL_DEV_RIGHT : !strcmp(s, "left") ? MODEL_DEV_LEFT : !strcmp(s, "both") ? 3 : 0;
}

static int one_side(const char *s) {
  return !strcmp(s, "right") ? MODEL_DEV_RIGHT : !strcmp(s, "left") ? MODEL_DEV_LEFT : 0;
}

static dev_ctrl ctrl_kind(const char *s) {
  return !strcmp(s, "profile") ? DEV_CTRL_PROFILE : !strcmp(s, "impedance") ? DEV_CTRL_IMPEDANCE : DEV_CTRL_ZERO;
}

int dev_subject_apply(cfg_t *c, d2m_err *err) {
  if (!c->env_subject[0]) return 0;
  model_subject *s = xmalloc(sizeof *s);
  cfg_t *def = xmalloc(sizeof *def), *sub = xmalloc(sizeof *sub);
  int rc = model_subject_load(c->env_subject, s, err) ? err_wrap(err, "env.subject") : 0;
  cfg_defaults(def), cfg_defaults(sub);
  for (int i = 0; i < s->ndev && !rc; i++) {
    const cfg_key *k = cfg_find("device", s->dev[i].key);
    char where[300], want[CFG_STR_MAX + 8], cur[CFG_STR_MAX + 8], dflt[CFG_STR_MAX + 8];
    snprintf(where, sizeof where, "%s:%d", c->env_subject, s->dev[i].line);
    if (cfg_set(sub, where, "device", s->dev[i].key, s->dev[i].val, err)) rc = -1; /* checked when loaded */
    if (rc) break;
    /* compared as the config writes them, so 0.8 and 0.80 are the same value */
    cfg_format_value(sub, k, want, sizeof want), cfg_format_value(c, k, cur, sizeof cur);
    cfg_format_value(def, k, dflt, sizeof dflt);
    if (!strcmp(cur, want)) continue;
    if (strcmp(cur, dflt))
      rc = err_set(err, "%s: device.%s = %s conflicts with device.%s = %s of the config or --set (the subject file's "
                        "device fills the keys left at their defaults; remove one of the two)",
                   where, k->name, want, k->name, cur);
    else rc = cfg_set(c, where, "device", k->name, s->dev[i].val, err);
  }
  free(s), free(def), free(sub);
  return rc ? -1 : 0;
}

static int params_from(const cfg_t *c, dev_params *p, d2m_err *err);

int dev_params_from_cfg(const cfg_t *c, dev_params *p, d2m_err *err) {
  if (!c->env_subject[0]) return params_from(c, p, err);
  cfg_t *w = xmalloc(sizeof *w);
  *w = *c;
  int rc = dev_subject_apply(w, err) ? -1 : params_from(w, p, err);
  free(w);
  return rc;
}

static int params_from(const cfg_t *c, dev_params *p, d2m_err *err) {
  memset(p, 0, sizeof *p);
  p->model.ankle = sides(c->device_ankle);
  p->model.knee = sides(c->device_knee);
  p->model.ankle_limit = c->device_ankle_limit;
  p->model.knee_limit = c->device_knee_limit;
  p->model.ankle_mass[0] = c->device_ankle_mass_shank;
  p->model.ankle_mass[1] = c->device_ankle_mass_foot;
  p->model.knee_mass[0] = c->device_knee_mass_thigh;
  p->model.knee_mass[1] = c->device_knee_mass_shank;
  p->ankle_ctrl = ctrl_kind(c->device_ankle_control);
  p->knee_ctrl = ctrl_kind(c->device_knee_control);
  p->peak_torque = c->device_peak_torque;
  p->peak_time = c->device_peak_time;
  p->onset = c->device_onset;
  p->offset = c->device_offset;
  p->stride_s = c->device_stride_s;
  p->contact_bw = c->device_contact_bw;
  p->imp_late_angle = c->device_imp_late_angle;
  p->model.prosthesis = one_side(c->device_prosthesis);
  p->model.pros_limit = c->device_pros_limit;
  p->model.pros_mass[0] = c->device_pros_mass_shank;
  p->model.pros_mass[1] = c->device_pros_mass_foot;
  p->series_k = c->device_series_k;
  p->motor_speed = c->device_motor_speed;
  if (!(p->onset < p->peak_time && p->peak_time < p->offset))
    return err_set(err, "device: onset %g, peak_time %g, offset %g must increase", p->onset, p->peak_time, p->offset);
  if (parse3("ankle_imp_k", c->device_ankle_imp_k, p->ankle_k, 0, 1e5, err) ||
      parse3("ankle_imp_b", c->device_ankle_imp_b, p->ankle_b, 0, 1e4, err) ||
      parse3("ankle_imp_eq", c->device_ankle_imp_eq, p->ankle_eq, -3.2, 3.2, err) ||
      parse3("knee_imp_k", c->device_knee_imp_k, p->knee_k, 0, 1e5, err) ||
      parse3("knee_imp_b", c->device_knee_imp_b, p->knee_b, 0, 1e4, err) ||
      parse3("knee_imp_eq", c->device_knee_imp_eq, p->knee_eq, -3.2, 3.2, err) ||
      parse3("pros_imp_k", c->device_pros_imp_k, p->pros_k, 0, 1e5, err) ||
      parse3("pros_imp_b", c->device_pros_imp_b, p->pros_b, 0, 1e4, err) ||
      parse3("pros_imp_eq", c->device_pros_imp_eq, p->pros_eq, -3.2, 3.2, err))
    return -1;
  return 0;
}

static double smoothstep(double x) { return x * x * (3.0 - 2.0 * x); }

double dev_profile_torque(const dev_params *p, double ph, double body_mass) {
  double T = p->peak_torque * body_mass;
  if (!(ph > p->onset) || ph >= p->offset) return 0;
  if (ph <= p->peak_time) return T * smoothstep((ph - p->onset) / (p->peak_time - p->onset));
  return T * smoothstep((p->offset - ph) / (p->offset - p->peak_time));
}

double dev_impedance_torque(double k, double b, double q_eq, double q, double dq) { return -k * (q - q_eq) - b * dq; }

int dev_fsm_phase(int contact, int was_late, double ankle_q, double late_angle) {
  if (!contact) return 2;
  return was_late || ankle_q > late_angle ? 1 : 0;
}

double dev_series_step(double *th, double q, double tau_cmd, double k, double max_step) {
  double move = q + tau_cmd / k - *th;
  *th += move > max_step ? max_step : move < -max_step ? -max_step : move;
  return k * (*th - q);
}

int dev_init(dev_sys *dv, const dev_params *p, const mjModel *m, d2m_err *err) {
  memset(dv, 0, sizeof *dv);
  dv->p = *p;
  for (int b = 0; b < m->nbody; b++) { /* the person's mass: the device's own parts do not count */
    const char *nm = mj_id2name(m, mjOBJ_BODY, b);
    if (!nm || strncmp(nm, "exo_", 4)) dv->body_mass += m->body_mass[b];
  }
  dv->weight = dv->body_mass * 9.81;
  const char *ank[2] = {"ankle_angle_r", "ankle_angle_l"};
  for (int s = 0; s < 2; s++) {
    int jid = mj_name2id(m, mjOBJ_JOINT, ank[s]);
    dv->ankle_qadr[s] = jid >= 0 ? m->jnt_qposadr[jid] : -1;
  }
  for (int i = 0; i < m->nu; i++) {
    const char *nm = mj_id2name(m, mjOBJ_ACTUATOR, i);
    int pros = nm && !strncmp(nm, "pros_", 5);
    if (!nm || (strncmp(nm, "exo_", 4) && !pros)) continue;
    if (dv->nj == DEV_MAX_JOINT) return err_set(err, "device: more than %d device actuators", DEV_MAX_JOINT);
    if (m->actuator_trntype[i] != mjTRN_JOINT) return err_set(err, "device: actuator %s does not drive a joint", nm);
    int jid = m->actuator_trnid[2 * i];
    int k = dv->nj++;
    dv->j[k].act = i;
    dv->j[k].qadr = m->jnt_qposadr[jid];
    dv->j[k].dadr = m->jnt_dofadr[jid];
    size_t n = strlen(nm);
    dv->j[k].side = nm[n - 1] == 'l';
    dv->j[k].ankle = !strncmp(nm, "exo_ankle", 9) || pros;
    dv->j[k].pros = pros;
    snprintf(dv->j[k].name, sizeof dv->j[k].name, "%s", nm);
    if (dv->j[k].ankle && dv->ankle_qadr[dv->j[k].side] < 0) return err_set(err, "device: no ankle joint for %s", nm);
  }
  dev_reset(dv);
  return dv->nj;
}

void dev_reset(dev_sys *dv) {
  memset(&dv->s, 0, sizeof dv->s);
  for (int s = 0; s < 2; s++) dv->s.stride[s] = dv->p.stride_s;
}

double dev_phase(const dev_sys *dv, int side, double time) {
  if (dv->s.nhs[side] < 1) return 1.0; /* no heel strike yet: no phase, no assistance */
  double ph = (time - dv->s.t_hs[side]) / dv->s.stride[side];
  return ph < 0 ? 0 : ph > 1 ? 1 : ph;
}

static double joint_torque(const dev_sys *dv, int k, const mjData *d) {
  const dev_params *p = &dv->p;
  int s = dv->j[k].side, ankle = dv->j[k].ankle;
  int pros = dv->j[k].pros;
  dev_ctrl kind = pros ? DEV_CTRL_IMPEDANCE : ankle ? p->ankle_ctrl : p->knee_ctrl;
  double q = d->qpos[dv->j[k].qadr], dq = d->qvel[dv->j[k].dadr];
  if (kind == DEV_CTRL_PROFILE) return -dev_profile_torque(p, dev_phase(dv, s, d->time), dv->body_mass);
  if (kind == DEV_CTRL_IMPEDANCE) {
    int ph = dev_fsm_phase(dv->s.contact[s] > 0, dv->s.late[s] > 0, d->qpos[dv->ankle_qadr[s]], p->imp_late_angle);
    const double *K = pros ? p->pros_k : ankle ? p->ankle_k : p->knee_k;
    const double *B = pros ? p->pros_b : ankle ? p->ankle_b : p->knee_b;
    const double *E = pros ? p->pros_eq : ankle ? p->ankle_eq : p->knee_eq;
    return dev_impedance_torque(K[ph], B[ph], E[ph], q, dq);
  }
  return 0;
}

void dev_control(dev_sys *dv, const mjModel *m, mjData *d) {
  for (int k = 0; k < dv->nj; k++) {
    int a = dv->j[k].act;
    double lim = m->actuator_ctrlrange[2 * a + 1];
    double tau = joint_torque(dv, k, d);
    tau = tau > lim ? lim : tau < -lim ? -lim : tau;
    dv->s.cmd[k] = tau;
    if (dv->p.series_k > 0) { /* through the spring: the motor moves, the deflection gives the torque */
      double q = d->qpos[dv->j[k].qadr];
      if (!(dv->s.motor_set > 0)) dv->s.motor[k] = q;
      tau = dev_series_step(&dv->s.motor[k], q, tau, dv->p.series_k, dv->p.motor_speed * m->opt.timestep);
      tau = tau > lim ? lim : tau < -lim ? -lim : tau;
    }
    dv->s.tau[k] = tau;
    dv->s.q_before[k] = d->qpos[dv->j[k].qadr];
    d->ctrl[a] = tau;
    /* the filter's state is the force: set it so the torque acts in this very step */
    d->act[a - (m->nu - m->na)] = tau;
  }
  dv->s.motor_set = 1;
}

void dev_foot_force(const mjModel *m, const mjData *d, const signed char *side_of_geom, double f[2]) {
  f[0] = f[1] = 0;
  for (int i = 0; i < d->ncon; i++) {
    const mjContact *c = &d->contact[i];
    int s = side_of_geom[c->geom1] >= 0 ? side_of_geom[c->geom1] : side_of_geom[c->geom2];
    if (s < 0 || (side_of_geom[c->geom1] >= 0 && side_of_geom[c->geom2] >= 0)) continue; /* foot on foot */
    mjtNum cf[6];
    mj_contactForce(m, d, i, cf);
    double fz = 0; /* the contact frame's rows are its normal and tangents in world coordinates */
    for (int k = 0; k < 3; k++) fz += cf[k] * c->frame[3 * k + 2];
    f[s] += fabs(fz);
  }
}

static void close_stride(dev_outcome *o) {
  o->last_pos = o->stride_pos, o->last_neg = o->stride_neg, o->last_peak = o->stride_peak;
  o->closed_pos += o->stride_pos, o->closed_neg += o->stride_neg, o->closed_peak += o->stride_peak;
  o->stride_pos = o->stride_neg = o->stride_peak = 0;
  o->strides += 1;
}

void dev_after_step(dev_sys *dv, const mjModel *m, const mjData *d, const signed char *side_of_geom) {
  double f[2];
  dev_foot_force(m, d, side_of_geom, f);
  for (int s = 0; s < 2; s++) {
    int on = f[s] > dv->p.contact_bw * dv->weight;
    if (on && !(dv->s.contact[s] > 0)) { /* heel strike: a new stride of this side */
      if (dv->s.nhs[s] >= 1) dv->s.stride[s] = d->time - dv->s.t_hs[s];
      dv->s.t_hs[s] = d->time;
      dv->s.nhs[s] += 1;
      for (int k = 0; k < dv->nj; k++)
        if (dv->j[k].side == s && dv->s.nhs[s] >= 2) close_stride(&dv->s.out[k]);
        else if (dv->j[k].side == s) dv->s.out[k].stride_pos = dv->s.out[k].stride_neg = dv->s.out[k].stride_peak = 0;
    }
    if (!on) dv->s.late[s] = 0;
    else if (dv->ankle_qadr[s] >= 0 && d->qpos[dv->ankle_qadr[s]] > dv->p.imp_late_angle) dv->s.late[s] = 1;
    dv->s.contact[s] = on;
  }
  for (int k = 0; k < dv->nj; k++) {
    dev_outcome *o = &dv->s.out[k];
    double w = dv->s.tau[k] * (d->qpos[dv->j[k].qadr] - dv->s.q_before[k]);
    double pk = fabs(dv->s.tau[k]);
    if (w >= 0) o->work_pos += w, o->stride_pos += w;
    else o->work_neg += w, o->stride_neg += w;
    if (pk > o->peak) o->peak = pk;
    if (pk > o->stride_peak) o->stride_peak = pk;
  }
}
