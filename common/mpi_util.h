/* common/mpi_util.h: MPI call checking. Any MPI error is fatal for the job (MPI_ERRORS_RETURN is
 * set on MPI_COMM_WORLD by mpi_util_init so that we can print where it happened first). */
#ifndef D2M_MPI_UTIL_H
#define D2M_MPI_UTIL_H

#include <mpi.h>

#include "common/log.h"

_Noreturn void mpi_fail(int rc, const char *call, const char *file, int line);

#define CHECK_MPI(call) \
  do { int rc_ = (call); if (rc_ != MPI_SUCCESS) mpi_fail(rc_, #call, __FILE__, __LINE__); } while (0)

/* Make MPI errors on MPI_COMM_WORLD return codes instead of aborting silently. */
void mpi_util_init(void);

#endif
