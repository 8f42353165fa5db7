/* envs/rehab.c: the use-dependent recovery rule (see rehab.h). */
#include "envs/rehab.h"

#include <string.h>

void rehab_params_from_cfg(const cfg_t *c, rehab_params *p) {
  memset(p, 0, sizeof *p);
  p->enabled = c->rehab_enabled;
  p->phase_updates = (long)c->rehab_phase_updates;
  p->rate = c->rehab_rate, p->ceiling = c->rehab_ceiling;
  p->strength = !strcmp(c->rehab_recover, "strength") || !strcmp(c->rehab_recover, "both");
  p->spasticity = !strcmp(c->rehab_recover, "spasticity") || !strcmp(c->rehab_recover, "both");
  p->side = !strcmp(c->rehab_side, "left");
}

int rehab_recover(const rehab_params *p, const double *use, double *strength, double *spas_gain) {
  const int half = MODEL_NMUSCLE / 2;
  int changed = 0;
  for (int i = p->side * half; i < (p->side + 1) * half; i++) {
    /* a mean excitation outside [0, 1] (or NaN) can only come from a bad report: no recovery from it */
    double u = use[i] >= 0 && use[i] <= 1 ? use[i] : use[i] > 1 ? 1 : 0, k = p->rate * u;
    if (p->strength && strength[i] < p->ceiling && k > 0) strength[i] += k * (p->ceiling - strength[i]), changed++;
    if (p->spasticity && spas_gain[i] > 0 && k > 0) spas_gain[i] -= k * spas_gain[i], changed++;
  }
  return changed;
}
