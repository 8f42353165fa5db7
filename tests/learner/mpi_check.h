/* tests/learner/mpi_check.h: the plain-executable tests run under mpirun (group_grad.c, group_amp.c):
 * CHECK counts a failed condition on this rank and prints it with the rank; main returns the count. */
#ifndef D2M_TEST_MPI_CHECK_H
#define D2M_TEST_MPI_CHECK_H

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

#endif
