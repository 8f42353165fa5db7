/* tests/learner/group_amp.c: the AMP discriminator in a learner group under mpirun (plain
 * executable, never Criterion; learner/amp.h, "learner group").
 *   1. The group's averaged discriminator gradient, each rank holding 1/size of the reference and of
 *      the policy rows, equals one learner's gradient on the union (float tolerance), the gradient
 *      penalty and the regularisation included; so do the loss statistics. A rank's own share alone
 *      is far from it (the check has power).
 *   2. amp_train on different policy rows per rank (different counts): every rank takes the same
 *      number of steps (the smallest), and afterwards holds bit-identical discriminator weights, Adam
 *      state and normalisation statistics, whose count is the reference's plus every rank's rows.
 * Exits non-zero with a message on the first failure. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learner/amp.h"
#include "learner/group.h"
#include "nn/blis_util.h"
#include "tests/learner/learner_cfg.h"
#include "tests/learner/mpi_check.h"


enum { F = 3, NREF = 40, M = 16 }; /* features per state (2F per row), reference rows, minibatch */

/* The table's defaults (gradient penalty 5, logit_reg, weight decay, Adam) at a small size. */
static amp_config disc_cfg(void) {
  cfg_t c = test_cfg((const char *const[]){"amp.hidden=16,12", "amp.lr=1e-3", "amp.epochs=2", "amp.minibatch=16",
                                           "amp.replay_size=128", NULL});
  amp_config a;
  d2m_err e;
  if (amp_config_from_cfg(&c, &a, &e)) {
    fprintf(stderr, "%s\n", e.msg);
    abort();
  }
  a.feat = F;
  return a;
}

/* n raw rows [n][2F], the same on every rank for one seed. */
static float *rows(int n, uint64_t seed, float shift) {
  float *x = malloc(sizeof(float) * (size_t)n * 2 * F);
  rng_t r;
  rng_seed(&r, seed, 0, RNG_TEST, 0);
  for (int i = 0; i < n * 2 * F; i++) x[i] = shift + (float)rng_normal(&r);
  return x;
}

static void averaged_gradient_equals_union(void) {
  amp_config c = disc_cfg();
  float *ref = rows(NREF, 1, 0.f);
  amp_disc a;
  amp_init(&a, &c, ref, NREF, 8, 3);
  size_t np = a.layout.total, din = (size_t)a.din;
  rng_t r; /* weights off their initialisation so that tanh saturates somewhere (same on every rank) */
  rng_seed(&r, 7, 0, RNG_TEST, 1);
  for (size_t i = 0; i < np; i++) a.params[i] += 0.3f * (float)rng_normal(&r);
  float *xr = rows(M, 2, 0.f), *xp = rows(M, 4, 0.8f), *nr = malloc(sizeof(float) * M * din),
        *npol = malloc(sizeof(float) * M * din);
  amp_normalize(&a, xr, M, nr);
  amp_normalize(&a, xp, M, npol);
  double lsq, gp, ar, ap;
  amp_loss_grad(&a, nr, M, npol, M, &lsq, &gp, &ar, &ap);
  float *g_union = malloc(sizeof(float) * np);
  memcpy(g_union, a.grads, sizeof(float) * np);
  int share = M / size, off = rank * share; /* M is a multiple of 2 and 4 */
  double st[4];
  amp_loss_grad(&a, nr + (size_t)off * din, share, npol + (size_t)off * din, share, &st[0], &st[1], &st[2], &st[3]);
  float *own = malloc(sizeof(float) * np);
  memcpy(own, a.grads, sizeof(float) * np);
  float *s = a.grads + np;
  for (int i = 0; i < GRP_STATS; i++) s[i] = i < 4 ? (float)st[i] : 0.f;
  double ss, ssv, sec = 0;
  grp_average_grads(MPI_COMM_WORLD, size, a.grads, np, np, &ss, &ssv, &sec);
  double scale = max_abs(g_union, np), d = max_diff(a.grads, g_union, np), d_own = max_diff(own, g_union, np);
  CHECK(d <= 2e-5 * (1 + scale), "averaged discriminator gradient off the union's by %g (scale %g)", d, scale);
  CHECK(d_own > 1e-2 * scale, "one rank's share alone is as close as %g (scale %g): the check has no power", d_own, scale);
  CHECK(fabs(s[0] - lsq) <= 1e-5 * (1 + fabs(lsq)) && fabs(s[1] - gp) <= 1e-5 * (1 + fabs(gp)),
        "averaged loss %g / penalty %g vs the union's %g / %g", s[0], s[1], lsq, gp);
  CHECK(fabs(s[2] - ar) < 1e-6 && fabs(s[3] - ap) < 1e-6, "averaged accuracies %g %g vs %g %g", s[2], s[3], ar, ap);
  if (!rank) printf("disc gradient: group average vs union max diff %.3g (scale %.3g); own share alone %.3g\n", d, scale, d_own);
  free(ref), free(xr), free(xp), free(nr), free(npol), free(g_union), free(own);
  amp_free(&a);
}

/* A rank's state against rank 0's (broadcast), byte for byte. */
static int same_as_rank0(const void *mine, size_t bytes) {
  unsigned char *b = malloc(bytes);
  memcpy(b, mine, bytes);
  MPI_Bcast(b, (int)bytes, MPI_BYTE, 0, MPI_COMM_WORLD);
  int same = memcmp(b, mine, bytes) == 0, all = same;
  MPI_Allreduce(&same, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
  free(b);
  return all;
}

static void updates_stay_identical(void) {
  amp_config c = disc_cfg();
  float *ref = rows(NREF, 1, 0.f);
  amp_disc a;
  int cap = 64;
  amp_init(&a, &c, ref, NREF, cap, 3);
  amp_set_group(&a, MPI_COMM_WORLD, size, rank);
  size_t np = a.layout.total, din = (size_t)a.din;
  double count = a.norm.count;
  long steps[2], want[2];
  for (int u = 0; u < 2; u++) {
    int n = 24 + 9 * rank + 5 * u; /* rows differ between ranks: the smallest sets the steps */
    float *x = rows(n, 100 + (uint64_t)rank * 10 + (uint64_t)u, 0.5f);
    amp_add_policy(&a, x, n);
    free(x);
    int half = a.rlen > 0 ? M / 2 : M, nmin = 24 + 5 * u;
    want[u] = (long)c.epochs * (nmin / half);
    amp_metrics m;
    amp_train(&a, &m);
    steps[u] = m.steps;
    count += (double)size * (double)m.steps * 2 * M;
    CHECK(isfinite(m.loss) && isfinite(m.gp), "update %d: loss %g penalty %g", u, m.loss, m.gp);
  }
  CHECK(steps[0] == want[0] && steps[1] == want[1], "steps %ld %ld, the smallest batch gives %ld %ld", steps[0], steps[1],
        want[0], want[1]);
  CHECK(same_as_rank0(a.params, np * sizeof(float)), "discriminator weights differ from rank 0's");
  CHECK(same_as_rank0(a.adam.m, np * sizeof(float)) && same_as_rank0(a.adam.v, np * sizeof(float)),
        "discriminator Adam state differs from rank 0's");
  CHECK(same_as_rank0(a.norm.mean, din * sizeof(double)) && same_as_rank0(a.norm.m2, din * sizeof(double)) &&
            same_as_rank0(&a.norm.count, sizeof(double)),
        "normalisation statistics differ from rank 0's");
  CHECK(fabs(a.norm.count - count) < 0.5, "normalisation count %g, expected %g (reference + every rank's rows)",
        a.norm.count, count);
  CHECK(same_as_rank0(&a.rng, sizeof a.rng), "the shared stream differs from rank 0's");
  CHECK(a.rlen == (long)(24 + 9 * rank) * 2 + 5, "replay holds %ld of this rank's rows", a.rlen);
  if (!rank) printf("disc updates: %ld + %ld steps on every rank, weights, Adam and statistics bit-identical\n", steps[0], steps[1]);
  free(ref);
  amp_free(&a);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  blis_setup(1, 1, NULL);
  averaged_gradient_equals_union();
  updates_stay_identical();
  int all = failures;
  MPI_Allreduce(MPI_IN_PLACE, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (!rank) printf("%s: %d failures\n", all ? "FAIL" : "ok", all);
  MPI_Finalize();
  return all ? 1 : 0;
}
