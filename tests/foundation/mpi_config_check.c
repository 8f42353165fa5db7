/* tests/foundation/mpi_config_check.c: run under mpirun -np 3. Rank 0 resolves a config from the given
 * arguments (train's own parser and launcher); every rank must end with byte-identical config and the
 * same digest of its resolved text, and the overrides must have taken effect. Exits non-zero otherwise. */
#include <math.h>
#include <mpi.h>
#include <stdio.h>
#include <string.h>

#include "common/mpi_util.h"
#include "deploy/launch.h"

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  mpi_util_init();
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  log_init(rank, LOG_WARN);
  launch_opts o;
  d2m_err err;
  int fails = 0;
  if (launch_parse_args(argc, argv, &o, &err)) { fprintf(stderr, "r%d: %s\n", rank, err.msg); MPI_Abort(MPI_COMM_WORLD, 1); }
  cfg_t cfg;
  /* Only rank 0 reads arguments into a config: blank the other ranks' options to prove the broadcast. */
  if (rank != 0) memset(&o, 0, sizeof o);
  if (launch_resolve_config(&o, MPI_COMM_WORLD, &cfg, &err)) { fprintf(stderr, "r%d: %s\n", rank, err.msg); MPI_Abort(MPI_COMM_WORLD, 1); }
  unsigned long long d = launch_config_digest(&cfg), d0 = d;
  MPI_Bcast(&d0, 1, MPI_UNSIGNED_LONG_LONG, 0, MPI_COMM_WORLD);
  if (d != d0) { fprintf(stderr, "r%d: config digest %llx differs from rank 0's %llx\n", rank, d, d0); fails++; }
  if (fabs(cfg.ppo_lr - 1e-4) > 1e-12) { fprintf(stderr, "r%d: ppo.lr = %g, expected 1e-4\n", rank, cfg.ppo_lr); fails++; }
  if (strcmp(cfg.env_task, "walk")) { fprintf(stderr, "r%d: env.task = %s, expected walk\n", rank, cfg.env_task); fails++; }
  /* A bad override must fail on every rank with rank 0's message. */
  launch_opts bad;
  memset(&bad, 0, sizeof bad);
  bad.time_limit_min = -1;
  bad.sets[0] = "ppo.lr=banana";
  bad.nsets = rank == 0 ? 1 : 0;
  cfg_t c2;
  int rc = launch_resolve_config(&bad, MPI_COMM_WORLD, &c2, &err);
  if (rc == 0 || !strstr(err.msg, "ppo.lr")) { fprintf(stderr, "r%d: bad override not reported (rc %d)\n", rank, rc); fails++; }
  int total = 0;
  MPI_Allreduce(&fails, &total, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0) printf("%d ranks: %s\n", size, total ? "MISMATCH" : "identical resolved config on every rank");
  MPI_Finalize();
  return total ? 1 : 0;
}
