/* learner/amp_ref.c: reference transitions for the AMP discriminator (see amp.h). */
#include <stdlib.h>
#include <string.h>

#include "envs/env_config.h"
#include "learner/amp.h"

long amp_reference_rows(env_t *e, float *out) {
  const refmotion *r = env_ref(e);
  D2M_CHECK(r != NULL, "amp_reference_rows needs an imitate env");
  long rows = r->cyclic ? r->nframes : r->nframes - 1;
  if (!out) return rows;
  int F = env_amp_size(e);
  /* Features of frame k+1 are the second half of row k and the first half of row k+1. */
  env_set_ref_state(e, 0);
  env_amp_features(e, out);
  for (long k = 0; k < rows; k++) {
    float *row = out + (size_t)k * 2 * F;
    env_set_ref_state(e, k + 1);
    env_amp_features(e, row + F);
    if (k + 1 < rows) memcpy(row + 2 * F, row + F, (size_t)F * sizeof(float));
  }
  return rows;
}

int amp_reference_from_cfg(const cfg_t *cfg, float **out, long *n, int *feat, d2m_err *err) {
  /* the reference motion lives in imitate envs; the other env.* fields do not matter */
  env_t *e = env_config_env(cfg, ENV_TASK_IMITATE, err);
  if (!e) return err_wrap(err, "amp reference (imitate.motion = %s)", cfg->imitate_motion);
  /* A clip library (imitate.motion = a .list): every clip's transitions, concatenated (each clip
   * once, whatever its weight; pairs never straddle two clips). */
  *feat = env_amp_size(e);
  *n = 0;
  for (int c = 0; c < env_num_clips(e); c++) {
    env_set_clip(e, c);
    *n += amp_reference_rows(e, NULL);
  }
  *out = xmalloc((size_t)*n * 2 * (size_t)*feat * sizeof(float));
  long at = 0;
  for (int c = 0; c < env_num_clips(e); c++) {
    env_set_clip(e, c);
    at += amp_reference_rows(e, *out + (size_t)at * 2 * (size_t)*feat);
  }
  env_config_free(e);
  return 0;
}
