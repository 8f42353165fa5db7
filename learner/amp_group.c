/* learner/amp_group.c: the AMP discriminator in a learner group (see amp.h, "learner group"). */
#include <stdlib.h>
#include <string.h>

#include "common/mpi_util.h"
#include "learner/amp.h"

void amp_set_group(amp_disc *a, MPI_Comm comm, int size, int index) {
  a->comm = comm;
  a->gsize = size;
  a->gidx = index;
  if (size > 1 && !a->norm_new.mean) rstat_init(&a->norm_new, a->din);
}

long amp_group_steps(amp_disc *a, long mine) {
  CHECK_MPI(MPI_Allreduce(MPI_IN_PLACE, &mine, 1, MPI_LONG, MPI_MIN, a->comm));
  return mine;
}

void amp_group_merge_norm(amp_disc *a) {
  size_t K = 1 + 2 * (size_t)a->din;
  double *mine = xmalloc(K * sizeof(double)), *all = xmalloc(K * (size_t)a->gsize * sizeof(double));
  mine[0] = a->norm_new.count;
  memcpy(mine + 1, a->norm_new.mean, (size_t)a->din * sizeof(double));
  memcpy(mine + 1 + a->din, a->norm_new.m2, (size_t)a->din * sizeof(double));
  CHECK_MPI(MPI_Allgather(mine, (int)K, MPI_DOUBLE, all, (int)K, MPI_DOUBLE, a->comm));
  /* In learner order: every learner merges the same numbers the same way. */
  for (int k = 0; k < a->gsize; k++) {
    const double *s = all + (size_t)k * K;
    if (s[0] > 0) rstat_merge_raw(&a->norm, s[0], s + 1, s + 1 + a->din);
  }
  rstat_reset(&a->norm_new);
  amp_norm_export(a);
  free(mine);
  free(all);
}

size_t amp_group_gather_replay(amp_disc *a, int64_t **fill, float **rows) {
  int64_t mine[2] = {a->rlen, a->rpos};
  int lead = a->gidx == 0, G = a->gsize;
  *fill = xmalloc(2 * (size_t)G * sizeof(int64_t));
  CHECK_MPI(MPI_Allgather(mine, 2, MPI_INT64_T, *fill, 2, MPI_INT64_T, a->comm));
  /* Learner 0's rows are the amp_replay section already; the others' follow in learner order. */
  int *n = xcalloc((size_t)G, sizeof *n), *displ = xcalloc((size_t)G, sizeof *displ);
  size_t all = 0;
  for (int k = 1; k < G; k++) {
    n[k] = (int)((*fill)[2 * k] * a->din);
    displ[k] = (int)all;
    all += (size_t)n[k];
  }
  *rows = lead ? xmalloc(all ? all * sizeof(float) : 1) : NULL;
  CHECK_MPI(MPI_Gatherv(a->replay, n[a->gidx], MPI_FLOAT, *rows, n, displ, MPI_FLOAT, 0, a->comm));
  free(n);
  free(displ);
  if (!lead) {
    free(*fill);
    *fill = NULL;
  }
  return all * sizeof(float);
}

int amp_group_restore_replay(amp_disc *a, const ckpt_file *f, d2m_err *err) {
  const void *d;
  size_t len = 0, G = (size_t)a->gsize;
  if (ckpt_get(f, "amp_group_fill", G * 2 * sizeof(int64_t), &d, &len, err)) return -1;
  const int64_t *fill = d;
  size_t off = 0;
  for (int k = 1; k < a->gidx; k++) off += (size_t)fill[2 * k] * a->din;
  int64_t rlen = fill[2 * a->gidx], rpos = fill[2 * a->gidx + 1];
  if (rlen < 0 || rlen > a->c.replay_size || rpos < 0 || rpos >= a->c.replay_size)
    return err_set(err, "amp_group_fill: learner %d's replay fill %lld / position %lld out of range", a->gidx,
                   (long long)rlen, (long long)rpos);
  if (ckpt_get(f, "amp_group_replay", 0, &d, &len, err)) return -1;
  size_t need = (off + (size_t)rlen * a->din) * sizeof(float);
  if (len < need)
    return err_set(err, "amp_group_replay: %zu bytes, learner %d's rows need %zu", len, a->gidx, need);
  memcpy(a->replay, (const float *)d + off, (size_t)rlen * a->din * sizeof(float));
  a->rlen = rlen;
  a->rpos = rpos;
  return 0;
}
