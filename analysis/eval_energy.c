/* analysis/eval_energy.c: metabolic and device outcomes of eval (see eval_energy.h). */
#include "analysis/eval_energy.h"
#include "analysis/eval.h"

#include <math.h>
#include <string.h>

#define EE_HS_BW 0.05 /* heel strike threshold, body weights */

void ee_init(eval_energy *ee, const mjModel *m, const env_t *env) {
  memset(ee, 0, sizeof *ee);
  met_model_init(&ee->mm, m);
  ee->mass = ee->mm.body_mass_kg;
  ee->dev = env_device(env);
  const char *pf[6] = {"soleus_r", "gasmed_r", "gaslat_r", "soleus_l", "gasmed_l", "gaslat_l"};
  for (int i = 0; i < 6; i++) {
    int a = mj_name2id(m, mjOBJ_ACTUATOR, pf[i]);
    if (a >= 0) ee->pf[ee->npf++] = a;
  }
}

static void root_xy(const mjModel *m, const mjData *d, double xy[2]) {
  int fj = 0;
  while (fj < m->njnt && m->jnt_type[fj] != mjJNT_FREE) fj++;
  const double *q = d->qpos + (fj < m->njnt ? m->jnt_qposadr[fj] : 0);
  xy[0] = q[0], xy[1] = q[1];
}

void ee_episode_start(eval_energy *ee, const mjModel *m, const mjData *d) {
  ee->e_total = ee->e_basal = ee->t = 0;
  memset(ee->e_mus, 0, sizeof ee->e_mus);
  root_xy(m, d, ee->xy0);
  ee->xy[0] = ee->xy0[0], ee->xy[1] = ee->xy0[1];
  ee->contact_r = 1; /* a foot already down at the start is not a heel strike */
  ee->hs = 0;
  ee->e_first_hs = ee->e_last_hs = 0;
  memset(ee->snap, 0, sizeof ee->snap);
  ee->pf_sum = 0, ee->steps = 0;
}

void ee_step(eval_energy *ee, const mjModel *m, const mjData *d, double dt, double grf_r_v) {
  double per[256];
  double p = met_body_rate(&ee->mm, m, d, per);
  ee->e_total += p * dt;
  ee->e_basal += MET_BASAL_W_KG * ee->mass * dt;
  for (int i = 0; i < ee->mm.n; i++) ee->e_mus[i] += per[i] * dt;
  ee->t += dt;
  ee->steps++;
  for (int i = 0; i < ee->npf; i++) ee->pf_sum += d->act[ee->pf[i] - (m->nu - m->na)] / ee->npf;
  root_xy(m, d, ee->xy);
  int on = grf_r_v > EE_HS_BW;
  if (on && !ee->contact_r) {
    if (ee->hs == 0) ee->e_first_hs = ee->e_total;
    ee->e_last_hs = ee->e_total;
    ee->hs++;
  }
  ee->contact_r = on;
  if (ee->dev) memcpy(ee->snap, ee->dev->s.out, sizeof ee->snap);
}

static void num(FILE *f, const char *key, double x) {
  if (isfinite(x)) fprintf(f, "\"%s\": %.6g", key, x);
  else fprintf(f, "\"%s\": null", key);
}

void ee_episode_end(eval_energy *ee, FILE *js, FILE *mus_csv, int ep, const mjModel *m) {
  double dist = hypot(ee->xy[0] - ee->xy0[0], ee->xy[1] - ee->xy0[1]);
  double power = ee->t > 0 ? ee->e_total / ee->t : NAN;
  double cot = met_cost_of_transport(ee->e_total, ee->mass, dist);
  double cot_net = met_cost_of_transport(ee->e_total - ee->e_basal, ee->mass, dist);
  double stride = ee->hs >= 2 ? (ee->e_last_hs - ee->e_first_hs) / (double)(ee->hs - 1) : NAN;
  fputs(", \"metabolic\": {", js);
  num(js, "energy_J", ee->e_total), fputs(", ", js);
  num(js, "mean_power_W", power), fputs(", ", js);
  num(js, "basal_W", MET_BASAL_W_KG * ee->mass), fputs(", ", js);
  num(js, "distance_m", dist), fputs(", ", js);
  num(js, "cot_J_per_kg_m", cot), fputs(", ", js);
  num(js, "cot_net_J_per_kg_m", cot_net), fputs(", ", js);
  fprintf(js, "\"strides\": %ld, ", ee->hs >= 2 ? ee->hs - 1 : 0);
  num(js, "energy_per_stride_J", stride), fputs(", ", js);
  double pfa = ee->steps ? ee->pf_sum / ee->steps : NAN;
  num(js, "plantarflexor_activation", pfa);
  fputc('}', js);
  double dpos = 0, dneg = 0, dpeak = 0;
  int nd = ee_device_count(ee);
  if (nd) {
    fputs(", \"device\": [", js);
    for (int k = 0; k < nd; k++) {
      const dev_outcome *o = &ee->snap[k];
      fprintf(js, "%s{\"actuator\": \"%s\", ", k ? ", " : "", ee->dev->j[k].name);
      num(js, "work_pos_J", o->work_pos), fputs(", ", js);
      num(js, "work_neg_J", o->work_neg), fputs(", ", js);
      num(js, "peak_torque_Nm", o->peak), fputs(", ", js);
      fprintf(js, "\"strides\": %.0f, ", o->strides);
      num(js, "stride_work_pos_J", o->strides > 0 ? o->closed_pos / o->strides : NAN), fputs(", ", js);
      num(js, "stride_work_neg_J", o->strides > 0 ? o->closed_neg / o->strides : NAN), fputs(", ", js);
      num(js, "stride_peak_torque_Nm", o->strides > 0 ? o->closed_peak / o->strides : NAN);
      fputc('}', js);
      dpos += o->work_pos, dneg += o->work_neg, dpeak = fmax(dpeak, o->peak);
    }
    fputc(']', js);
  }
  if (mus_csv)
    for (int i = 0; i < ee->mm.n; i++)
      fprintf(mus_csv, "%d,%s,%.6g,%.6g\n", ep, mj_id2name(m, mjOBJ_ACTUATOR, ee->mm.act[i]),
              ee->t > 0 ? ee->e_mus[i] / ee->t : 0, ee->e_mus[i]);
  ee->episodes++;
  if (isfinite(power)) ee->m_power += power;
  if (isfinite(pfa)) ee->m_pf += pfa;
  if (isfinite(cot)) ee->m_cot += cot, ee->m_cot_net += cot_net, ee->n_cot++;
  if (isfinite(stride)) ee->m_stride_j += stride, ee->n_stride++;
  ee->m_dev_pos += dpos, ee->m_dev_neg += dneg, ee->m_dev_peak = fmax(ee->m_dev_peak, dpeak);
}

void ee_summary_json(const eval_energy *ee, FILE *js) {
  int n = ee->episodes ? ee->episodes : 1;
  fputs("  \"metabolic\": {", js);
  num(js, "mean_power_W", ee->m_power / n), fputs(", ", js);
  num(js, "cot_J_per_kg_m", ee->n_cot ? ee->m_cot / ee->n_cot : NAN), fputs(", ", js);
  num(js, "cot_net_J_per_kg_m", ee->n_cot ? ee->m_cot_net / ee->n_cot : NAN), fputs(", ", js);
  num(js, "energy_per_stride_J", ee->n_stride ? ee->m_stride_j / ee->n_stride : NAN), fputs(", ", js);
  num(js, "plantarflexor_activation", ee->m_pf / n);
  fputs(", \"model\": \"Umberger et al. 2003\"},\n", js);
  if (!ee_device_count(ee)) {
    fputs("  \"device\": null,\n", js);
    return;
  }
  fputs("  \"device\": {", js);
  num(js, "work_pos_J", ee->m_dev_pos / n), fputs(", ", js);
  num(js, "work_neg_J", ee->m_dev_neg / n), fputs(", ", js);
  num(js, "peak_torque_Nm", ee->m_dev_peak);
  fputs("},\n", js);
}

void eval_energy_result(const eval_energy *ee, eval_result *res) {
  int n = ee->episodes ? ee->episodes : 1;
  res->met_power_w = ee->m_power / n;
  res->cot = ee->n_cot ? ee->m_cot / ee->n_cot : NAN;
  res->cot_net = ee->n_cot ? ee->m_cot_net / ee->n_cot : NAN;
  res->pf_act = ee->m_pf / n;
  res->stride_j = ee->n_stride ? ee->m_stride_j / ee->n_stride : NAN;
  res->dev_work_pos = ee->m_dev_pos / n, res->dev_work_neg = ee->m_dev_neg / n, res->dev_peak = ee->m_dev_peak;
}

int ee_device_count(const eval_energy *ee) { return ee->dev ? ee->dev->nj : 0; }

void ee_device_header(const eval_energy *ee, FILE *f) {
  for (int k = 0; k < ee_device_count(ee); k++) fprintf(f, ",dev_%s_Nm", ee->dev->j[k].name);
}

double ee_device_torque(const eval_energy *ee, int k) { return ee->dev->s.tau[k]; }
