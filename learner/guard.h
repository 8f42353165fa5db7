/* learner/guard.h: numerical errors never reach the weights. Before each PPO update the guard keeps
 * a copy of the parameters and the Adam state; an update that leaves any of them non-finite (NaN or
 * inf: an exploding loss, a poisoned batch) is refused: the copy is put back, the refusal counted,
 * and the update's batch is dropped. Actors then keep getting finite weights and a checkpoint never
 * holds non-finite values. Copies are allocated once (no allocation per update). */
#ifndef D2M_GUARD_H
#define D2M_GUARD_H

#include <stddef.h>

#include "learner/ppo.h"

typedef struct ppo_guard {
  size_t n;
  float *params, *m, *v; /* the state before the update being checked */
  long t;                /* Adam steps before it */
  long refused;          /* updates refused so far */
} ppo_guard;

void ppo_guard_init(ppo_guard *g, size_t nparams);
void ppo_guard_free(ppo_guard *g);
/* Keep p's parameters and Adam state (call before ppo_update). */
void ppo_guard_save(ppo_guard *g, const ppo_learner *p);
/* After ppo_update: 0 if everything is finite; otherwise restores the kept state into p, counts the
 * refusal and returns 1. */
int ppo_guard_check(ppo_guard *g, ppo_learner *p);
/* Index of the first non-finite value of x[n], or -1 when all are finite. */
long guard_first_nonfinite(const float *x, size_t n);

#endif
