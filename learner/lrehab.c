/* learner/lrehab.c: see lrehab.h. */
#include "learner/lrehab.h"

#include <math.h>
#include <string.h>

int lrehab_init(lrehab *r, const cfg_t *c, d2m_err *err) {
  memset(r, 0, sizeof *r);
  rehab_params_from_cfg(c, &r->p);
  r->on = r->p.enabled;
  if (!r->on) return 0;
  model_subject s;
  model_subject_default(&s);
  if (c->env_subject[0] && model_subject_load(c->env_subject, &s, err)) return err_wrap(err, "env.subject");
  memcpy(r->strength, s.strength, sizeof r->strength);
  memcpy(r->spas_gain, s.spas_gain, sizeof r->spas_gain);
  return 0;
}

void lrehab_add_use(lrehab *r, const double *sum, uint64_t count) {
  for (int i = 0; i < MODEL_NMUSCLE; i++) r->use_sum[i] += sum[i];
  r->use_count += (double)count;
}

int lrehab_due(const lrehab *r, long update) { return r->on && update > 0 && update % r->p.phase_updates == 0; }

int lrehab_phase(lrehab *r) {
  for (int i = 0; i < MODEL_NMUSCLE; i++) r->use[i] = r->use_count > 0 ? r->use_sum[i] / r->use_count : 0;
  int changed = rehab_recover(&r->p, r->use, r->strength, r->spas_gain);
  memset(r->use_sum, 0, sizeof r->use_sum);
  r->use_count = 0;
  r->phase++;
  return changed;
}

double lrehab_side_mean(const lrehab *r, const double *x) {
  const int half = MODEL_NMUSCLE / 2;
  double s = 0;
  for (int i = r->p.side * half; i < (r->p.side + 1) * half; i++) s += x[i];
  return s / half;
}

void lrehab_pack(const lrehab *r, double *out) {
  const int n = MODEL_NMUSCLE;
  memcpy(out, r->strength, n * sizeof(double));
  memcpy(out + n, r->spas_gain, n * sizeof(double));
  memcpy(out + 2 * n, r->use_sum, n * sizeof(double));
  memcpy(out + 3 * n, r->use, n * sizeof(double));
  out[4 * n] = r->use_count;
  out[4 * n + 1] = (double)r->phase;
}

int lrehab_unpack(lrehab *r, const double *in, d2m_err *err) {
  for (int i = 0; i < LREHAB_STATE; i++)
    if (!(in[i] >= 0) || !isfinite(in[i])) return err_set(err, "rehab state: element %d is %g, must be finite and >= 0", i, in[i]);
  const int n = MODEL_NMUSCLE;
  memcpy(r->strength, in, n * sizeof(double));
  memcpy(r->spas_gain, in + n, n * sizeof(double));
  memcpy(r->use_sum, in + 2 * n, n * sizeof(double));
  memcpy(r->use, in + 3 * n, n * sizeof(double));
  r->use_count = in[4 * n];
  r->phase = (int64_t)in[4 * n + 1];
  return 0;
}

void lrehab_csv_header(const lrehab *r, FILE *f) {
  const int half = MODEL_NMUSCLE / 2;
  fprintf(f, "update,phase,env_steps,side,use_mean,strength_mean,spas_gain_mean");
  static const char *what[] = {"use", "strength", "spas_gain"};
  for (int k = 0; k < 3; k++)
    for (int i = r->p.side * half; i < (r->p.side + 1) * half; i++) fprintf(f, ",%s.%s", what[k], model_muscle_name(i));
  fputc('\n', f);
}

int lrehab_csv_row(const lrehab *r, FILE *f, long update, long long env_steps) {
  const int half = MODEL_NMUSCLE / 2;
  fprintf(f, "%ld,%lld,%lld,%s,%.10g,%.10g,%.10g", update, (long long)r->phase, env_steps, r->p.side ? "left" : "right",
          lrehab_side_mean(r, r->use), lrehab_side_mean(r, r->strength), lrehab_side_mean(r, r->spas_gain));
  const double *x[] = {r->use, r->strength, r->spas_gain};
  for (int k = 0; k < 3; k++)
    for (int i = r->p.side * half; i < (r->p.side + 1) * half; i++) fprintf(f, ",%.10g", x[k][i]);
  fputc('\n', f);
  return fflush(f) != 0 || ferror(f) ? -1 : 0;
}
