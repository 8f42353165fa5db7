/* envs/rehab.h: the use-dependent recovery rule of the rehabilitation loop (rehab.* keys; README,
 * "Impaired subjects"), after Reinkensmeyer et al. 2012 (J NeuroEng Rehabil 9:20, computational
 * neurorehabilitation: recovery driven by how much the impaired limb is used).
 *
 * Between two training phases, each muscle i of the paretic side with use u_i (its mean excitation
 * over the phase, clamped to [0, 1]) recovers by
 *   strength_i    += rate * u_i * max(0, ceiling - strength_i)    (rehab.recover = strength or both)
 *   spas_gain_i   -= rate * u_i * spas_gain_i                     (rehab.recover = spasticity or both)
 * Strength approaches the ceiling geometrically and never passes it (rate * u_i <= 1); a strength
 * already at or above the ceiling, or an unused muscle (u_i = 0), does not change; the reflex gain
 * decays toward 0 the same way. The other side is left alone. Pure functions: no allocation. */
#ifndef D2M_ENV_REHAB_H
#define D2M_ENV_REHAB_H

#include "common/config.h"
#include "envs/model/model.h"

typedef struct rehab_params {
  int enabled;
  long phase_updates;   /* PPO updates per phase */
  double rate, ceiling; /* per phase, at full use; strength factor the paretic side recovers toward */
  int strength, spasticity; /* which parameters recover */
  int side;             /* paretic side: 0 right (muscles 0..39), 1 left (40..79) */
} rehab_params;

void rehab_params_from_cfg(const cfg_t *c, rehab_params *p);
/* One recovery step over the MODEL_NMUSCLE muscles: use[i] is muscle i's mean excitation over the
 * phase; strength[] and spas_gain[] (factors as in model_subject) are updated in place. Returns how
 * many parameters changed. */
int rehab_recover(const rehab_params *p, const double *use, double *strength, double *spas_gain);

#endif
