/* mocap/ik_observe.c: which hinges a trial's markers observe (ik_import.h, step 0). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mocap/ik_import.h"

/* 1 if body b carries an independent hinge of the solver. */
static int has_hinge(const ik_solver *s, int b) {
  for (int c = s->root_dofs; c < s->ndof; c++)
    if (s->m->jnt_bodyid[s->m->dof_jntid[s->dof[c]]] == b) return 1;
  return 0;
}

int ik_observe(const ik_solver *s, const markerset *set, const unsigned char *present, ik_result *r) {
  const mjModel *m = s->m;
  int *on = xcalloc((size_t)m->nbody, sizeof(int)), *below = xcalloc((size_t)m->nbody, sizeof(int)), bad = 0;
  for (int i = 0; i < set->n; i++)
    if (present[i]) on[s->body[i]]++;
  memcpy(below, on, sizeof(int) * (size_t)m->nbody);
  /* MuJoCo orders bodies parents first: one backward pass sums every subtree */
  for (int b = m->nbody - 1; b > 0; b--) below[m->body_parentid[b]] += below[b];
  r->nobs = 0;
  for (int c = s->root_dofs; c < s->ndof && r->nobs < (int)(sizeof r->obs / sizeof *r->obs); c++) {
    int j = m->dof_jntid[s->dof[c]], b = m->jnt_bodyid[j], first = 1, p = m->body_parentid[b];
    if (m->jnt_type[j] != mjJNT_HINGE) continue;
    for (int k = s->root_dofs; k < c; k++) first &= m->jnt_bodyid[m->dof_jntid[s->dof[k]]] != b;
    int need = 1 + !first + (has_hinge(s, p) && on[p] == 0);
    ik_obs *o = &r->obs[r->nobs++];
    snprintf(o->name, sizeof o->name, "%s", mj_id2name(m, mjOBJ_JOINT, j));
    o->nmk = below[b];
    o->need = need;
    o->observed = below[b] >= need;
    o->locked = s->locked[c];
    bad += !o->observed;
  }
  free(on);
  free(below);
  return bad;
}
