/* learner/amp_ref.c: reference transitions for the AMP discriminator (see amp.h). */
#include <stdlib.h>
#include <string.h>

#include "envs/env_config.h"
#include "envs/model/model.h"
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
  env_params ep;
  if (env_params_from_cfg(cfg, &ep, err)) return -1;
  ep.task = ENV_TASK_IMITATE; /* the reference motion lives in imitate envs; other fields do not matter */
  model_subject subj;
  model_subject_default(&subj);
  if (cfg->env_subject[0] && model_subject_load(cfg->env_subject, &subj, err)) return -1;
  subj.timestep = cfg->env_sim_dt;
  subj.actlimited = cfg->env_actlimited;
  mjModel *m = model_load(&subj, err);
  if (!m) return err_wrap(err, "amp reference");
  env_t *e = env_create(m, &ep, NULL, err);
  if (!e) {
    mj_deleteModel(m);
    return err_wrap(err, "amp reference (imitate.motion = %s)", cfg->imitate_motion);
  }
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
  env_free(e);
  mj_deleteModel(m);
  return 0;
}

int amp_parse_hidden(const char *s, amp_config *c, d2m_err *err) {
  c->nhidden = 0;
  const char *p = s;
  while (*p) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || v < 1 || v > 65536 || c->nhidden == AMP_MAX_HIDDEN)
      return err_set(err, "amp.hidden = '%s': 1 to %d comma-separated widths in 1..65536", s, AMP_MAX_HIDDEN);
    c->hidden[c->nhidden++] = (int)v;
    p = end;
    if (*p == ',') p++;
    else if (*p) return err_set(err, "amp.hidden = '%s': unexpected '%c'", s, *p);
  }
  if (c->nhidden == 0) return err_set(err, "amp.hidden is empty");
  return 0;
}
