/* tests/learner/mpi_check.h: the plain-executable tests run under mpirun (group_grad.c, group_amp.c):
 * CHECK counts a failed condition on this rank and prints it with the rank; main returns the count.
 * max_abs and max_diff measure the gradients they compare. */
#ifndef D2M_TEST_MPI_CHECK_H
#define D2M_TEST_MPI_CHECK_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>

static int rank, size, failures;

#define CHECK(cond, ...)                                                  \
  do {                                                                    \
    if (!(cond)) {                                                        \
      fprintf(stderr, "rank %d: FAIL %s:%d: ", rank, __FILE__, __LINE__); \
      fprintf(stderr, __VA_ARGS__);                                       \
      fputc('\n', stderr);                                                \
      failures++;                                                         \
    }                                                                     \
  } while (0)

static double max_abs(const float *x, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs(x[i]));
  return m;
}

static double max_diff(const float *a, const float *b, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - b[i]));
  return m;
}

#endif
