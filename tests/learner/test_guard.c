/* tests/learner/test_guard.c: a PPO update that produces non-finite parameters is refused (issue 19):
 * the parameters and Adam state from before it come back bit for bit, the refusal is counted, and
 * the next good update proceeds as if the bad one had never run. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "common/rng.h"
#include "tests/learner/learner_cfg.h"
#include "learner/guard.h"
#include "learner/ppo.h"

enum { T = 8, E = 8, O = 5, A = 2 };

static void fill_batch(ppo_batch *b, const ppo_config *c, uint64_t seed, int poison) {
  rng_t r;
  rng_seed(&r, seed, 0, RNG_TEST, 0);
  float obs[T * E * O], act[T * E * A], logp[T * E], val[T * E], rew[T * E], boot[E] = {0};
  uint8_t term[T * E] = {0}, trunc[T * E] = {0};
  for (int i = 0; i < T * E * O; i++) obs[i] = (float)rng_normal(&r);
  for (int i = 0; i < T * E * A; i++) act[i] = (float)rng_normal(&r);
  for (int i = 0; i < T * E; i++) logp[i] = -2.5f, val[i] = 0, rew[i] = (float)rng_normal(&r);
  if (poison) obs[7] = NAN; /* one bad observation poisons every gradient of its minibatch */
  ppo_batch_clear(b);
  ppo_batch_add_segment(b, c, NULL, T, E, obs, act, logp, val, rew, term, trunc, NULL, boot);
}

Test(guard, nonfinite_update_refused_previous_state_kept) {
  ac_config ac = test_ac(O, A, (const char *const[]){"nn.hidden=16,16", "nn.activation=tanh", NULL});
  ac_net net;
  ac_init(&net, &ac);
  ppo_config c = test_ppo((const char *const[]){"ppo.minibatch=16", "ppo.epochs=2", NULL});
  ppo_learner p, q; /* q: the same learner that never sees the bad batch */
  ppo_init(&p, &net, &c, T * E, 7);
  ppo_init(&q, &net, &c, T * E, 7);
  ppo_batch b;
  ppo_batch_init(&b, T * E, O, A);
  ppo_guard g;
  ppo_guard_init(&g, net.nparams);
  ppo_metrics m;
  size_t bytes = net.nparams * sizeof(float);

  fill_batch(&b, &c, 1, 0);
  ppo_update(&p, &b, 0.1, &m);
  ppo_update(&q, &b, 0.1, &m);
  fill_batch(&b, &c, 2, 1);
  ppo_guard_save(&g, &p);
  ppo_update(&p, &b, 0.2, &m);
  /* the premise: unguarded, this update leaves NaN in the weights */
  cr_assert_geq(guard_first_nonfinite(p.params, net.nparams), 0, "the poisoned batch did not produce NaN");
  cr_assert_eq(ppo_guard_check(&g, &p), 1, "a non-finite update was accepted");
  cr_assert_eq(g.refused, 1);
  cr_assert_eq(guard_first_nonfinite(p.params, net.nparams), -1);
  cr_assert(!memcmp(p.params, q.params, bytes), "the previous parameters were not restored bit for bit");
  cr_assert(!memcmp(p.adam.m, q.adam.m, bytes) && !memcmp(p.adam.v, q.adam.v, bytes), "Adam moments not restored");
  cr_assert_eq(p.adam.t, q.adam.t);

  /* A good update afterwards is accepted (the shuffle stream has moved on: compare finiteness). */
  fill_batch(&b, &c, 3, 0);
  ppo_guard_save(&g, &p);
  ppo_update(&p, &b, 0.3, &m);
  cr_assert_eq(ppo_guard_check(&g, &p), 0);
  cr_assert_eq(g.refused, 1);
  cr_assert(memcmp(p.params, q.params, bytes), "the good update changed nothing");

  ppo_guard_free(&g);
  ppo_batch_free(&b);
  ppo_free(&p);
  ppo_free(&q);
}
