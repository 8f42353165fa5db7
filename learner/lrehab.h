/* learner/lrehab.h: the learner's side of the rehabilitation loop (rehab.enabled; README, "Impaired
 * subjects"). Data flows one way: the actors report each batch's muscle use (proto TRAJECTORY "use"),
 * the learner sums the use of the batches its updates consume, and every rehab.phase_updates updates
 * turns the phase's mean use into a recovery step of the paretic side (envs/rehab.h rehab_recover)
 * and publishes the new body with the next weights (proto WEIGHTS "body_*"); the actors set it on
 * every env (envs/env.h env_set_body). The body, the phase's sums and the phase count are in the
 * checkpoint, so a sync run resumed from it goes on bit for bit. rehab.csv has one row per phase. */
#ifndef D2M_LREHAB_H
#define D2M_LREHAB_H

#include <stdint.h>
#include <stdio.h>

#include "common/config.h"
#include "envs/model/model.h"
#include "envs/rehab.h"

typedef struct lrehab {
  int on;                              /* rehab.enabled */
  rehab_params p;
  double strength[MODEL_NMUSCLE];      /* the body: peak-force factor per muscle (as strength.M) */
  double spas_gain[MODEL_NMUSCLE];     /*           stretch-reflex gain per muscle */
  double use_sum[MODEL_NMUSCLE];       /* this phase: summed excitation per muscle ... */
  double use_count;                    /* ... over this many env steps (an exact integer below 2^53) */
  double use[MODEL_NMUSCLE];           /* the last finished phase's mean use, for rehab.csv */
  int64_t phase;                       /* phases finished */
} lrehab;

/* The starting body is the subject file's (env.subject; the reference body without one). */
int lrehab_init(lrehab *r, const cfg_t *c, d2m_err *err);
/* One consumed batch's use: sum[MODEL_NMUSCLE] summed over count env steps. */
void lrehab_add_use(lrehab *r, const double *sum, uint64_t count);
/* After update `update` (1, 2, ...): is a phase finished? */
int lrehab_due(const lrehab *r, long update);
/* Finish the phase: mean use = sums / count (0 for a phase without use), one recovery step of the body,
 * sums cleared, phase counted. Returns how many body parameters changed. */
int lrehab_phase(lrehab *r);
/* Mean over the paretic side's muscles of a per-muscle array (strength, spas_gain, use). */
double lrehab_side_mean(const lrehab *r, const double *x);

/* Checkpoint section: body, sums, count, phase and last use as LREHAB_STATE doubles. */
#define LREHAB_STATE (4 * MODEL_NMUSCLE + 2)
void lrehab_pack(const lrehab *r, double *out);
/* -1 with err when the state is not one (negative or non-finite values). */
int lrehab_unpack(lrehab *r, const double *in, d2m_err *err);

#define LREHAB_CSV_FIELDS (7 + 3 * MODEL_NMUSCLE / 2)
/* rehab.csv: the header, and one row per phase: update, phase, env_steps, side, the paretic side's mean
 * use, strength and spasticity gain, then use, strength and gain of each paretic muscle. */
void lrehab_csv_header(const lrehab *r, FILE *f);
int lrehab_csv_row(const lrehab *r, FILE *f, long update, long long env_steps);

#endif
