/* learner/learner.h: rank 0. Receives trajectory batches from the actors, runs PPO updates, publishes
 * weights and merged observation statistics, logs progress, writes checkpoints, and stops the run
 * cleanly (step budget, time limit, SIGTERM/SIGUSR1, a silent actor). */
#ifndef D2M_LEARNER_H
#define D2M_LEARNER_H

#include <mpi.h>

#include "common/config.h"

/* resume: continue from the newest valid checkpoint in run_dir. Returns the process exit status. */
int learner_run(const cfg_t *cfg, const char *run_dir, int resume, MPI_Comm comm);

#endif
