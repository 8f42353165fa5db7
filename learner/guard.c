/* learner/guard.c: see guard.h. */
#include "learner/guard.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void ppo_guard_init(ppo_guard *g, size_t nparams) {
  memset(g, 0, sizeof *g);
  g->n = nparams;
  g->params = xaligned(nparams * sizeof(float));
  g->m = xaligned(nparams * sizeof(float));
  g->v = xaligned(nparams * sizeof(float));
}

void ppo_guard_free(ppo_guard *g) {
  free(g->params);
  free(g->m);
  free(g->v);
  memset(g, 0, sizeof *g);
}

void ppo_guard_save(ppo_guard *g, const ppo_learner *p) {
  memcpy(g->params, p->params, g->n * sizeof(float));
  memcpy(g->m, p->adam.m, g->n * sizeof(float));
  memcpy(g->v, p->adam.v, g->n * sizeof(float));
  g->t = p->adam.t;
}

long guard_first_nonfinite(const float *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i])) return (long)i;
  return -1;
}

int ppo_guard_check(ppo_guard *g, ppo_learner *p) {
  if (guard_first_nonfinite(p->params, g->n) < 0 && guard_first_nonfinite(p->adam.m, g->n) < 0 &&
      guard_first_nonfinite(p->adam.v, g->n) < 0)
    return 0;
  memcpy(p->params, g->params, g->n * sizeof(float));
  memcpy(p->adam.m, g->m, g->n * sizeof(float));
  memcpy(p->adam.v, g->v, g->n * sizeof(float));
  p->adam.t = g->t;
  g->refused++;
  return 1;
}
