/* analysis/posture.c: see posture.h. */
#include "analysis/posture.h"

#include <math.h>
#include <string.h>

static int is_slaved(const mjModel *m, int j) {
  for (int i = 0; i < m->neq; i++)
    if (m->eq_type[i] == mjEQ_JOINT && m->eq_active[i] && m->eq_obj1id[i] == j && m->eq_obj2id[i] >= 0) return 1;
  return 0;
}

void posture_init(posture_acc *a, const mjModel *m) {
  memset(a, 0, sizeof *a);
  for (int j = 0; j < m->njnt && a->nh < POSTURE_MAX_HINGE; j++)
    if (m->jnt_type[j] == mjJNT_HINGE && m->jnt_limited[j] && !is_slaved(m, j)) a->hinge[a->nh++] = j;
  a->knee[0] = mj_name2id(m, mjOBJ_JOINT, "knee_angle_r");
  a->knee[1] = mj_name2id(m, mjOBJ_JOINT, "knee_angle_l");
}

void posture_add(posture_acc *a, const mjModel *m, const mjData *d, const double heel_bw[2]) {
  for (int i = 0; i < a->nh; i++) {
    int j = a->hinge[i];
    double q = d->qpos[m->jnt_qposadr[j]], lo = m->jnt_range[2 * j], hi = m->jnt_range[2 * j + 1];
    if (q - lo < POSTURE_LIMIT_TOL || hi - q < POSTURE_LIMIT_TOL) a->at_lim[i]++;
  }
  for (int k = 0; k < d->nefc; k++) /* limit rows: efc_id is the joint; a hinge's force is a torque */
    if (d->efc_type[k] == mjCNSTR_LIMIT_JOINT)
      for (int i = 0; i < a->nh; i++)
        if (a->hinge[i] == d->efc_id[k]) a->lim_sum[i] += fabs(d->efc_force[k]);
  for (int s = 0; s < 2; s++) {
    if (a->knee[s] >= 0) a->knee_sum += 0.5 * d->qpos[m->jnt_qposadr[a->knee[s]]] * 180 / M_PI;
    a->heel_sum[s] += heel_bw[s];
  }
  double u = 0;
  int nm = 0; /* muscles only: an assistive device's ctrl is a torque */
  for (int i = 0; i < m->nu; i++)
    if (m->actuator_gaintype[i] == mjGAIN_MUSCLE) u += d->ctrl[i], nm++;
  a->exc_sum += nm ? u / nm : 0;
  a->n++;
}

void posture_end(posture_acc *a, posture_result *r) {
  double n = a->n > 0 ? (double)a->n : 1;
  r->steps = a->n;
  r->knee_flexion_deg = a->knee_sum / n;
  r->hinges_at_limit = 0;
  for (int i = 0; i < a->nh; i++) {
    if (a->n > 0 && a->at_lim[i] > POSTURE_LIMIT_FRAC * a->n) {
      r->limit_torque[r->hinges_at_limit] = a->lim_sum[i] / n;
      r->limit_joint[r->hinges_at_limit++] = a->hinge[i];
    }
    a->at_lim[i] = 0, a->lim_sum[i] = 0;
  }
  for (int s = 0; s < 2; s++) r->heel_load_bw[s] = a->heel_sum[s] / n, a->heel_sum[s] = 0;
  r->mean_excitation = a->exc_sum / n;
  a->n = 0;
  a->knee_sum = a->exc_sum = 0;
}
