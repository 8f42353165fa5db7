/* learner/group.c: see group.h. The layout, the gradient average, and what the learners agree on once
 * per update (intake summary, stop reason) and at checkpoints (learner 0 gathers the other learners'
 * actor states and reward scaling). */
#include "learner/group.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/crc32c.h"
#include "common/mpi_util.h"
#include "learner/learner_int.h"

/* ---- layout ---- */

static int layout_blocks(grp_layout *g, long want, d2m_err *err) {
  if (want > g->size / 2)
    return err_set(err, "learner.group = %ld needs at least %ld MPI ranks (each learner with at least one actor); "
                   "the job has %d: lower learner.group or start more ranks", want, 2 * want, g->size);
  g->L = (int)want;
  int base = g->size / g->L, extra = g->size % g->L;
  for (int k = 0, r = 0; k < g->L; k++)
    for (int i = 0; i < base + (k < extra); i++) g->group[r++] = k;
  return 0;
}

/* One block per node: the node of each rank is named by its lowest world rank. */
static int layout_nodes(grp_layout *g, MPI_Comm world, d2m_err *err) {
  int rank;
  MPI_Comm node;
  CHECK_MPI(MPI_Comm_rank(world, &rank));
  CHECK_MPI(MPI_Comm_split_type(world, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node));
  int first = rank;
  CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &first, 1, MPI_INT, MPI_MIN, node));
  CHECK_MPI(MPI_Comm_free(&node));
  CHECK_MPI(MPI_Allgather(&first, 1, MPI_INT, g->group, 1, MPI_INT, world));
  /* group[r] holds the node's lowest rank; renumber 0.. in rank order (a node's lowest rank is the
   * first rank of that node met in rank order). */
  int *map = xmalloc((size_t)g->size * sizeof *map);
  g->L = 0;
  for (int r = 0; r < g->size; r++) map[r] = g->group[r] == r ? g->L++ : -1;
  for (int r = 0; r < g->size; r++) g->group[r] = map[g->group[r]];
  free(map);
  (void)err;
  return 0;
}

int grp_layout_make(MPI_Comm world, long want, grp_layout *g, d2m_err *err) {
  memset(g, 0, sizeof *g);
  CHECK_MPI(MPI_Comm_size(world, &g->size));
  g->group = xcalloc((size_t)g->size, sizeof *g->group);
  g->by_node = want == 0;
  int rc = g->by_node ? layout_nodes(g, world, err) : layout_blocks(g, want, err);
  if (rc) return rc;
  g->leader = xcalloc((size_t)g->L, sizeof *g->leader);
  g->nact = xcalloc((size_t)g->L, sizeof *g->nact);
  for (int k = 0; k < g->L; k++) g->leader[k] = -1;
  for (int r = 0; r < g->size; r++) {
    int k = g->group[r];
    if (g->leader[k] < 0) g->leader[k] = r;
    else g->nact[k]++;
  }
  for (int k = 0; k < g->L; k++)
    if (g->nact[k] < 1)
      return err_set(err, "learner.group = 0 (one learner per node): the node of rank %d runs only that rank, so its "
                     "learner would have no actor; start at least 2 ranks per node or set learner.group", g->leader[k]);
  return 0;
}

void grp_layout_free(grp_layout *g) {
  free(g->group);
  free(g->leader);
  free(g->nact);
  memset(g, 0, sizeof *g);
}

int grp_actor_index(const grp_layout *g, int r) {
  int k = g->group[r], i = 0;
  for (int q = g->leader[k] + 1; q < r; q++) i += g->group[q] == k;
  return i;
}

void grp_layout_describe(const grp_layout *g, char *out, size_t n) {
  size_t w = (size_t)snprintf(out, n, "%d learner%s%s:", g->L, g->L == 1 ? "" : "s", g->by_node ? " (one per node)" : "");
  for (int k = 0; k < g->L && w < n; k++) {
    w += (size_t)snprintf(out + w, n - w, "%s learner %d = rank %d with actors", k ? ";" : "", k, g->leader[k]);
    int lo = -1, prev = -2; /* runs of consecutive ranks as a-b */
    for (int r = g->leader[k] + 1; r <= g->size && w < n; r++) {
      int in = r < g->size && g->group[r] == k;
      if (in && lo < 0) lo = r;
      if (in) prev = r;
      if ((!in || r == g->size) && lo >= 0) {
        w += lo == prev ? (size_t)snprintf(out + w, n - w, " %d", lo) : (size_t)snprintf(out + w, n - w, " %d-%d", lo, prev);
        lo = -1;
      }
    }
  }
}

void grp_layout_comms(const grp_layout *g, MPI_Comm world, MPI_Comm *gcomm, MPI_Comm *lcomm) {
  int rank;
  CHECK_MPI(MPI_Comm_rank(world, &rank));
  if (g->L == 1) {
    *gcomm = world;
    *lcomm = MPI_COMM_NULL;
    return;
  }
  int k = g->group[rank], lead = g->leader[k] == rank;
  CHECK_MPI(MPI_Comm_split(world, k, rank, gcomm));
  CHECK_MPI(MPI_Comm_split(world, lead ? 0 : MPI_UNDEFINED, k, lcomm));
}

/* ---- per minibatch ---- */

void grp_average_grads(MPI_Comm comm, int size, float *grads, size_t np, size_t vsplit, double *ss, double *ssv,
                       double *seconds) {
  double t0 = MPI_Wtime();
  CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, grads, (int)(np + GRP_STATS), MPI_FLOAT, MPI_SUM, comm));
  *seconds += MPI_Wtime() - t0;
  float inv = 1.f / (float)size;
  double a = 0, b = 0;
  for (size_t i = 0; i < vsplit; i++) {
    grads[i] *= inv;
    a += (double)grads[i] * grads[i];
  }
  for (size_t i = vsplit; i < np; i++) {
    grads[i] *= inv;
    b += (double)grads[i] * grads[i];
  }
  for (size_t i = np; i < np + GRP_STATS; i++) grads[i] *= inv;
  *ss = a;
  *ssv = b;
}

/* ---- the learner's side ---- */

void group_init(learner *L, MPI_Comm lcomm, const grp_layout *g, int world_rank) {
  L->lcomm = lcomm;
  L->ngroup = g ? g->L : 1;
  L->gidx = g ? g->group[world_rank] : 0;
  L->lead = L->gidx == 0;
  L->total_actors = g ? g->size - g->L : L->nactors;
  L->grp_nact = xcalloc((size_t)L->ngroup, sizeof *L->grp_nact);
  L->actor_world = xcalloc((size_t)L->nactors, sizeof *L->actor_world);
  for (int k = 0; k < L->ngroup; k++) {
    L->grp_nact[k] = g ? g->nact[k] : L->nactors;
    if (k < L->gidx) L->actor_base += L->grp_nact[k];
  }
  for (int r = 1, i = 0; i < L->nactors; r++) /* one learner: world rank = slot + 1 */
    if (!g || (g->group[r] == L->gidx && g->leader[L->gidx] != r)) L->actor_world[i++] = r;
  L->obs_in = &L->obs_stats;
  if (L->ngroup > 1) {
    rstat_init(&L->obs_new, L->obs_dim);
    L->obs_in = &L->obs_new;
    size_t K = GRP_SUMMARY + 2 * (size_t)L->obs_dim;
    L->grp_send = xmalloc(K * sizeof(double));
    L->grp_all = xmalloc(K * (size_t)L->ngroup * sizeof(double));
  }
}

void group_free(learner *L) {
  if (L->ngroup > 1) {
    rstat_free(&L->obs_new);
    free(L->grp_send);
    free(L->grp_all);
  }
  free(L->grp_nact);
  free(L->actor_world);
}

int group_max(learner *L, int v) {
  if (L->ngroup > 1) CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_MAX, L->lcomm));
  return v;
}

/* This learner's part of the update's summary (layout: group.h's list, GRP_SUMMARY scalars). */
static void summary_pack(const learner *L, int stop, double *s) {
  const ep_stats *e = &L->eps;
  double v[GRP_SUMMARY] = {stop, L->batch.n, (double)(L->env_steps - L->steps_mark), L->dropped, L->malformed,
                           L->lag_n, L->lag_sum, L->lag_min, L->lag_max, e->n, e->ret_sum, e->ret_min, e->ret_max,
                           e->len_sum, e->len_min, e->len_max, e->success_sum, e->mpjpe_sum, e->rmse_sum, e->mpjpe_n,
                           e->numerical, L->obs_new.count};
  memcpy(s, v, sizeof v);
  memcpy(s + GRP_SUMMARY, L->obs_new.mean, (size_t)L->obs_dim * sizeof(double));
  memcpy(s + GRP_SUMMARY + L->obs_dim, L->obs_new.m2, (size_t)L->obs_dim * sizeof(double));
}

/* Learner 0's progress row shows the group: episodes, lag, dropped and malformed summed over it. */
static void summary_merge_row(learner *L, const double *s) {
  ep_stats *e = &L->eps;
  if (s == L->grp_all) { /* learner 0's own numbers are already in place */
    L->grp_dropped = L->grp_malformed = 0;
  } else {
    L->lag_n += (long)s[5], L->lag_sum += s[6], L->lag_min = fmin(L->lag_min, s[7]), L->lag_max = fmax(L->lag_max, s[8]);
    e->n += (long)s[9], e->ret_sum += s[10], e->ret_min = fmin(e->ret_min, s[11]), e->ret_max = fmax(e->ret_max, s[12]);
    e->len_sum += s[13], e->len_min = fmin(e->len_min, s[14]), e->len_max = fmax(e->len_max, s[15]);
    e->success_sum += s[16], e->mpjpe_sum += s[17], e->rmse_sum += s[18], e->mpjpe_n += (long)s[19];
    e->numerical += (long)s[20];
  }
  L->grp_dropped += (long)s[3];
  L->grp_malformed += (long)s[4];
}

int group_update_sync(learner *L, int stop) {
  if (L->ngroup == 1) return stop;
  size_t K = GRP_SUMMARY + 2 * (size_t)L->obs_dim;
  summary_pack(L, stop, L->grp_send);
  CHECK_MPI(MPI_Allgather(L->grp_send, (int)K, MPI_DOUBLE, L->grp_all, (int)K, MPI_DOUBLE, L->lcomm));
  int any = 0;
  double nmin = INFINITY, steps = 0;
  for (int k = 0; k < L->ngroup; k++) {
    const double *s = L->grp_all + (size_t)k * K;
    any |= s[0] != 0;
    nmin = fmin(nmin, s[1]);
    steps += s[2];
    /* Observation moments in learner order: every learner merges the same numbers the same way. */
    if (s[21] > 0) rstat_merge_raw(&L->obs_stats, s[21], s + GRP_SUMMARY, s + GRP_SUMMARY + L->obs_dim);
    if (L->lead) summary_merge_row(L, s);
  }
  rstat_reset(&L->obs_new);
  L->env_steps = L->steps_mark + (long long)steps;
  L->steps_mark = L->env_steps;
  L->ppo.grp_n = (int)nmin; /* every learner runs as many minibatches as the smallest batch allows */
  return any;
}

/* Gatherv of n[k] items of `type` from each learner to learner 0, in learner order; returns the
 * gathered buffer on learner 0 (NULL elsewhere). */
static void *gather_parts(learner *L, const void *mine, const int *n, MPI_Datatype type, size_t item) {
  int *displ = xcalloc((size_t)L->ngroup, sizeof *displ);
  size_t all = 0;
  for (int k = 0; k < L->ngroup; k++) displ[k] = (int)all, all += (size_t)n[k];
  void *out = L->lead ? xmalloc(all ? all * item : 1) : NULL;
  CHECK_MPI(MPI_Gatherv(mine, n[L->gidx], type, out, n, displ, type, 0, L->lcomm));
  free(displ);
  return out;
}

/* The invariant the group rests on: every learner holds the same weights, Adam state and observation
 * statistics. Learner 0 compares their CRC-32C at each checkpoint and says so either way. */
static void check_same_state(learner *L) {
  size_t np = L->net.nparams;
  uint32_t c = crc32c(0, L->ppo.params, np * sizeof(float));
  c = crc32c(c, L->ppo.adam.m, np * sizeof(float));
  c = crc32c(c, L->ppo.adam.v, np * sizeof(float));
  c = crc32c(c, L->obs_stats.mean, (size_t)L->obs_dim * sizeof(double));
  c = crc32c(c, L->obs_stats.m2, (size_t)L->obs_dim * sizeof(double));
  if (L->amp_on) { /* the discriminator, its Adam state and its normalisation (learner/amp.h) */
    const amp_disc *a = &L->amp;
    size_t na = a->layout.total;
    c = crc32c(c, a->params, na * sizeof(float));
    c = crc32c(c, a->adam.m, na * sizeof(float));
    c = crc32c(c, a->adam.v, na * sizeof(float));
    c = crc32c(c, a->norm.mean, (size_t)a->din * sizeof(double));
    c = crc32c(c, a->norm.m2, (size_t)a->din * sizeof(double));
  }
  unsigned mine = c, *all = L->lead ? xmalloc((size_t)L->ngroup * sizeof *all) : NULL;
  CHECK_MPI(MPI_Gather(&mine, 1, MPI_UNSIGNED, all, 1, MPI_UNSIGNED, 0, L->lcomm));
  if (!L->lead) return;
  int bad = 0;
  for (int k = L->ngroup - 1; k >= 1; k--)
    if (all[k] != all[0]) bad = k;
  if (bad)
    LOG_E("learner group: learner %d holds other weights, Adam state, observation statistics or discriminator than learner 0 "
          "(CRC-32C %08x vs %08x): the group has diverged", bad, all[bad], all[0]);
  else
    LOG_I("learner group: weights, Adam state and observation statistics%s identical on all %d learners (CRC-32C %08x)",
          L->amp_on ? " (and the AMP discriminator's)" : "", L->ngroup, all[0]);
  free(all);
}

int group_ckpt_gather(learner *L, double **rs, size_t per, int64_t **sizes, unsigned char **states, size_t *total) {
  if (L->ngroup == 1) return 1;
  check_same_state(L);
  int *n = xcalloc((size_t)L->ngroup, sizeof *n);
  for (int k = 0; k < L->ngroup; k++) n[k] = L->grp_nact[k] * (int)per;
  double *grs = gather_parts(L, *rs, n, MPI_DOUBLE, sizeof(double));
  for (int k = 0; k < L->ngroup; k++) n[k] = L->grp_nact[k];
  int64_t *gsz = gather_parts(L, *sizes, n, MPI_INT64_T, sizeof(int64_t));
  int mine = (int)*total;
  CHECK_MPI(MPI_Allgather(&mine, 1, MPI_INT, n, 1, MPI_INT, L->lcomm));
  size_t all = 0;
  for (int k = 0; k < L->ngroup; k++) all += (size_t)n[k];
  unsigned char *gst = gather_parts(L, *states, n, MPI_BYTE, 1);
  free(n);
  if (!L->lead) return 0;
  free(*rs);
  free(*sizes);
  free(*states);
  *rs = grs, *sizes = gsz, *states = gst, *total = all;
  return 1;
}

int group_ckpt_path(learner *L, char *path, size_t n, int ok) {
  if (L->ngroup == 1) return ok;
  int v = ok;
  CHECK_MPI(MPI_Bcast(&v, 1, MPI_INT, 0, L->lcomm));
  if (v > 0) CHECK_MPI(MPI_Bcast(path, (int)n, MPI_CHAR, 0, L->lcomm));
  return v;
}
