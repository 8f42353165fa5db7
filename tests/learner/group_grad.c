/* tests/learner/group_grad.c: the learner group under mpirun (plain executable, never Criterion).
 *   1. The group's averaged minibatch gradient, each rank holding 1/size of the samples, equals one
 *      learner's gradient on the union (float tolerance), for the Gaussian and the Lattice head;
 *      so do the loss statistics and the step Adam takes. A rank's own half alone is far from it
 *      (the check has power).
 *   2. After whole updates on different data (different batch sizes, KL early stop on), every rank
 *      holds bit-identical weights and Adam state and ran the same epochs and minibatches.
 *   3. The layout: learner.group = 1, 0 (one per node) and one too many.
 * Exits non-zero with a message on the first failure. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "learner/group.h"
#include "learner/ppo.h"
#include "nn/blis_util.h"
#include "nn/gauss.h"
#include "tests/learner/learner_cfg.h"
#include "tests/learner/mpi_check.h"


enum { O = 6, A = 3, B = 24 }; /* B samples per rank */

typedef struct data {
  int n;
  float *obs, *act, *lo, *vo, *adv, *ret;
} data;

/* The same n samples on every rank (seeded alike). */
static data make_data(int n, uint64_t seed) {
  data d = {n, malloc(sizeof(float) * n * O), malloc(sizeof(float) * n * A), malloc(sizeof(float) * n),
            malloc(sizeof(float) * n), malloc(sizeof(float) * n), malloc(sizeof(float) * n)};
  rng_t r;
  rng_seed(&r, seed, 0, RNG_TEST, 0);
  rng_normal_fill(&r, d.obs, n * O);
  rng_normal_fill(&r, d.act, n * A);
  for (int i = 0; i < n; i++)
    d.lo[i] = -4.f + 0.3f * (float)rng_normal(&r), d.vo[i] = (float)rng_normal(&r), d.adv[i] = (float)rng_normal(&r),
    d.ret[i] = (float)rng_normal(&r);
  return d;
}

static void free_data(data *d) {
  free(d->obs), free(d->act), free(d->lo), free(d->vo), free(d->adv), free(d->ret);
}

/* Parameters moved off their initialisation the same way on every rank. */
static void perturb(ppo_learner *p, size_t np) {
  rng_t r;
  rng_seed(&r, 99, 0, RNG_TEST, 1);
  for (size_t i = 0; i < np; i++) p->params[i] += 0.2f * (float)rng_normal(&r);
}

static void averaged_gradient_equals_union(const char *head) {
  char hbuf[64];
  snprintf(hbuf, sizeof hbuf, "nn.head=%s", head);
  ac_config ac = TEST_AC(O, A, "nn.hidden=16,16", hbuf, "nn.init_log_std=-0.4");
  ac_net net;
  ac_init(&net, &ac);
  size_t np = net.nparams;
  char mb_one[32], mb_all[32];
  snprintf(mb_one, sizeof mb_one, "ppo.minibatch=%d", B);
  snprintf(mb_all, sizeof mb_all, "ppo.minibatch=%d", B * size);
  /* Advantages normalised per minibatch would differ between a half and the union: off here. */
  ppo_config c1 = TEST_PPO(mb_one, "ppo.norm_adv=false", "ppo.target_kl=0", "ppo.max_grad_norm=0.5");
  ppo_config cn = TEST_PPO(mb_all, "ppo.norm_adv=false", "ppo.target_kl=0", "ppo.max_grad_norm=0.5");
  data d = make_data(B * size, 7);
  ppo_learner g, u, own;
  ppo_init(&g, &net, &c1, B, 3);
  ppo_init(&own, &net, &c1, B, 3);
  ppo_init(&u, &net, &cn, B * size, 3);
  perturb(&g, np), perturb(&own, np), perturb(&u, np);
  ppo_set_group(&g, MPI_COMM_WORLD, size);
  size_t o = (size_t)rank * B;
  ppo_mb_stats sg, su, so;
  float lr = 1e-3f;
  ppo_minibatch_step(&g, d.obs + o * O, d.act + o * A, d.lo + o, d.vo + o, d.adv + o, d.ret + o, B, lr, &sg);
  ppo_minibatch_step(&own, d.obs + o * O, d.act + o * A, d.lo + o, d.vo + o, d.adv + o, d.ret + o, B, lr, &so);
  ppo_minibatch_step(&u, d.obs, d.act, d.lo, d.vo, d.adv, d.ret, B * size, lr, &su);
  double scale = max_abs(u.grads, np), dg = max_diff(g.grads, u.grads, np), down = max_diff(own.grads, u.grads, np);
  CHECK(dg <= 1e-5 * scale, "%s: group gradient off the union's by %g (largest entry %g)", head, dg, scale);
  CHECK(size == 1 || down > 1e-2 * scale, "%s: a rank's own gradient is as close to the union's (%g): no power", head, down);
  CHECK(fabs(sg.approx_kl - su.approx_kl) <= 1e-5 * fabs(su.approx_kl) + 1e-7, "%s: kl %g vs %g", head, sg.approx_kl,
        su.approx_kl);
  CHECK(fabs(sg.pg_loss - su.pg_loss) <= 1e-5 * fabs(su.pg_loss) + 1e-6, "%s: pg loss %g vs %g", head, sg.pg_loss, su.pg_loss);
  CHECK(fabs(sg.v_loss - su.v_loss) <= 1e-5 * fabs(su.v_loss) + 1e-6, "%s: v loss %g vs %g", head, sg.v_loss, su.v_loss);
  CHECK(fabs(sg.grad_norm - su.grad_norm) <= 1e-5 * su.grad_norm, "%s: grad norm %g vs %g", head, sg.grad_norm, su.grad_norm);
  /* Adam's first step is about lr * sign(g): a gradient entry near 0 may flip, so allow a little. */
  double dp = max_diff(g.params, u.params, np);
  CHECK(dp <= 0.05 * lr, "%s: parameters after the step differ from the union's by %g", head, dp);
  if (!rank) printf("%s: group gradient within %.2g of the union's (largest %.3g; a half alone: %.3g off)\n", head, dg,
                    scale, down);
  ppo_free(&g), ppo_free(&own), ppo_free(&u);
  free_data(&d);
}

/* Different data and batch sizes per rank, KL early stop on: the group stays in lock-step. */
static void updates_stay_identical(void) {
  ac_config ac = TEST_AC(O, A, "nn.hidden=16,16");
  ac_net net;
  ac_init(&net, &ac);
  size_t np = net.nparams;
  ppo_config c = TEST_PPO("ppo.minibatch=16", "ppo.epochs=8", "ppo.target_kl=0.01", "ppo.lr=3e-3");
  int n = 48 + 16 * rank; /* rank 0 the smallest: 3 minibatches per epoch for everyone */
  data d = make_data(n, 100 + rank);
  ppo_batch b;
  ppo_batch_init(&b, n, O, A);
  memcpy(b.obs, d.obs, sizeof(float) * n * O), memcpy(b.act, d.act, sizeof(float) * n * A);
  memcpy(b.logp, d.lo, sizeof(float) * n), memcpy(b.val, d.vo, sizeof(float) * n);
  memcpy(b.adv, d.adv, sizeof(float) * n), memcpy(b.ret, d.ret, sizeof(float) * n);
  b.n = n;
  ppo_learner p;
  ppo_init(&p, &net, &c, n, 5);
  ppo_set_group(&p, MPI_COMM_WORLD, size);
  /* Actions drawn from the initial policy with their log-probabilities, as actors send them: the KL
   * then starts at 0 and grows epoch by epoch. */
  ac_ws ws;
  ac_ws_init(&ws, &net, n, 0);
  const float *mu = nn_mlp_forward(&net.pi, p.params, &ws.pi, b.obs, n);
  rng_t r;
  rng_seed(&r, 200 + (uint64_t)rank, 0, RNG_TEST, 2);
  for (int i = 0; i < n; i++) {
    gauss_sample(mu + (size_t)i * A, p.params + net.log_std_off, A, &r, b.act + (size_t)i * A);
    b.logp[i] = (float)gauss_logp(mu + (size_t)i * A, p.params + net.log_std_off, b.act + (size_t)i * A, A);
  }
  ac_ws_free(&ws);
  int nmin = n;
  MPI_Allreduce(MPI_IN_PLACE, &nmin, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  p.grp_n = nmin; /* as group_update_sync sets it */
  int ep[3] = {0}, stopped_early = 0;
  for (int u = 0; u < 3; u++) {
    ppo_metrics m;
    ppo_update(&p, &b, 0.0, &m);
    ep[u] = m.epochs;
    stopped_early |= m.epochs < c.epochs;
    CHECK(m.minibatches == m.epochs * (nmin / 16), "update %d: %d minibatches in %d epochs", u, m.minibatches, m.epochs);
  }
  int ep0[3];
  memcpy(ep0, ep, sizeof ep);
  MPI_Bcast(ep0, 3, MPI_INT, 0, MPI_COMM_WORLD);
  CHECK(!memcmp(ep, ep0, sizeof ep), "epochs %d %d %d, rank 0 ran %d %d %d", ep[0], ep[1], ep[2], ep0[0], ep0[1], ep0[2]);
  float *ref = malloc(sizeof(float) * np * 3);
  memcpy(ref, p.params, sizeof(float) * np);
  memcpy(ref + np, p.adam.m, sizeof(float) * np);
  memcpy(ref + 2 * np, p.adam.v, sizeof(float) * np);
  float *mine = malloc(sizeof(float) * np * 3);
  memcpy(mine, ref, sizeof(float) * np * 3);
  MPI_Bcast(ref, (int)(np * 3), MPI_FLOAT, 0, MPI_COMM_WORLD);
  CHECK(!memcmp(ref, mine, sizeof(float) * np * 3), "weights or Adam state differ from rank 0's after 3 updates");
  if (!rank)
    printf("updates: epochs %d %d %d on every rank (KL stop %s), weights and Adam state bit-identical\n", ep[0], ep[1],
           ep[2], stopped_early ? "taken" : "not reached");
  free(ref), free(mine);
  ppo_free(&p);
  ppo_batch_free(&b);
  free_data(&d);
}

static void layout(void) {
  grp_layout g;
  d2m_err err;
  CHECK(grp_layout_make(MPI_COMM_WORLD, 1, &g, &err) == 0 && g.L == 1 && g.leader[0] == 0 && g.nact[0] == size - 1,
        "learner.group=1: one learner, rank 0");
  grp_layout_free(&g);
  CHECK(grp_layout_make(MPI_COMM_WORLD, 0, &g, &err) == 0 && g.L == 1 && g.group[size - 1] == 0,
        "learner.group=0 on one node: one learner");
  grp_layout_free(&g);
  int too_many = size / 2 + 1;
  CHECK(grp_layout_make(MPI_COMM_WORLD, too_many, &g, &err) != 0 && strstr(err.msg, "learner.group") != NULL,
        "learner.group=%d on %d ranks accepted or no key named: %s", too_many, size, err.msg);
  grp_layout_free(&g);
  if (size >= 4) { /* 2 learners: contiguous halves, the first one longer */
    CHECK(grp_layout_make(MPI_COMM_WORLD, 2, &g, &err) == 0 && g.L == 2 && g.leader[1] == (size + 1) / 2 &&
              g.nact[0] == (size + 1) / 2 - 1 && grp_actor_index(&g, g.leader[1] + 1) == 0,
          "learner.group=2 layout");
    char desc[256];
    grp_layout_describe(&g, desc, sizeof desc);
    if (!rank) printf("layout: %s\n", desc);
    grp_layout_free(&g);
  }
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  blis_setup(1, 1, NULL);
  averaged_gradient_equals_union("gaussian");
  averaged_gradient_equals_union("lattice");
  updates_stay_identical();
  layout();
  int all = failures;
  MPI_Allreduce(MPI_IN_PLACE, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (!rank) printf("%s: %d failures\n", all ? "FAIL" : "ok", all);
  MPI_Finalize();
  return all ? 1 : 0;
}
