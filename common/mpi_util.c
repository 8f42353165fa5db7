/* common/mpi_util.c: see mpi_util.h. */
#include "common/mpi_util.h"

#include <stdio.h>

void mpi_fail(int rc, const char *call, const char *file, int line) {
  char s[MPI_MAX_ERROR_STRING];
  int n = 0;
  if (MPI_Error_string(rc, s, &n) != MPI_SUCCESS) snprintf(s, sizeof s, "MPI error %d", rc);
  LOG_E("%s:%d: %s failed: %s (hint: a peer rank may have died; check the other ranks' logs)", file, line,
        call, s);
  MPI_Abort(MPI_COMM_WORLD, 3);
  d2m_fatal(file, line, "MPI_Abort returned");
}

void mpi_util_init(void) { MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN); }
