/* tests/foundation/test_rng.c: the seeding scheme and the generator's distributions. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "common/rng.h"

Test(rng, splitmix_known_answer) {
  /* SplitMix64 from state 0: first outputs as published with the reference implementation. */
  uint64_t x = 0;
  cr_assert_eq(rng_splitmix64(&x), 0xE220A8397B1DCDAFull);
  cr_assert_eq(rng_splitmix64(&x), 0x6E789E6AA1B965F4ull);
}

Test(rng, same_name_same_stream) {
  rng_t a, b;
  rng_seed(&a, 42, 3, RNG_ENV, 7);
  rng_seed(&b, 42, 3, RNG_ENV, 7);
  for (int i = 0; i < 1000; i++) cr_assert_eq(rng_u64(&a), rng_u64(&b));
}

Test(rng, different_names_differ) {
  /* Changing any one of master, rank, purpose, index gives a different stream. */
  uint64_t first[5];
  rng_t r;
  uint64_t args[5][4] = {{42, 3, 2, 7}, {43, 3, 2, 7}, {42, 4, 2, 7}, {42, 3, 3, 7}, {42, 3, 2, 8}};
  for (int k = 0; k < 5; k++) {
    rng_seed(&r, args[k][0], args[k][1], args[k][2], args[k][3]);
    first[k] = rng_u64(&r);
  }
  for (int i = 0; i < 5; i++)
    for (int j = 0; j < i; j++) cr_assert_neq(first[i], first[j], "streams %d and %d collide", i, j);
  /* rank/index swapped must not collide either (the hash is ordered). */
  rng_t p, q;
  rng_seed(&p, 1, 2, RNG_ENV, 5);
  rng_seed(&q, 1, 5, RNG_ENV, 2);
  cr_assert_neq(rng_u64(&p), rng_u64(&q));
}

Test(rng, uniform_and_normal_moments) {
  rng_t r;
  rng_seed(&r, 7, 0, RNG_TEST, 0);
  const int n = 200000;
  double su = 0, su2 = 0, sn = 0, sn2 = 0, sn4 = 0;
  for (int i = 0; i < n; i++) {
    double u = rng_uniform(&r);
    cr_assert(u >= 0 && u < 1);
    su += u;
    su2 += u * u;
    double z = rng_normal(&r);
    sn += z;
    sn2 += z * z;
    sn4 += z * z * z * z;
  }
  /* Tolerances are ~5 standard errors. */
  cr_assert_float_eq(su / n, 0.5, 5 * sqrt(1.0 / 12 / n));
  cr_assert_float_eq(su2 / n - (su / n) * (su / n), 1.0 / 12, 0.002);
  cr_assert_float_eq(sn / n, 0.0, 5 / sqrt(n));
  cr_assert_float_eq(sn2 / n, 1.0, 5 * sqrt(2.0 / n));
  cr_assert_float_eq(sn4 / n, 3.0, 5 * sqrt(96.0 / n));
}

Test(rng, below_is_unbiased_and_bounded) {
  rng_t r;
  rng_seed(&r, 9, 0, RNG_TEST, 1);
  int counts[3] = {0};
  for (int i = 0; i < 30000; i++) {
    uint64_t k = rng_below(&r, 3);
    cr_assert_lt(k, 3);
    counts[k]++;
  }
  for (int k = 0; k < 3; k++) cr_assert(abs(counts[k] - 10000) < 500, "bucket %d: %d", k, counts[k]);
}

Test(rng, shuffle_is_a_permutation) {
  rng_t r;
  rng_seed(&r, 1, 0, RNG_TEST, 2);
  int a[100], seen[100] = {0};
  for (int i = 0; i < 100; i++) a[i] = i;
  rng_shuffle_int(&r, a, 100);
  int moved = 0;
  for (int i = 0; i < 100; i++) {
    seen[a[i]]++;
    moved += a[i] != i;
  }
  for (int i = 0; i < 100; i++) cr_assert_eq(seen[i], 1);
  cr_assert_gt(moved, 50);
}
