/* learner/learner.h: a learner rank (rank 0, or each learner of a group). Receives trajectory batches
 * from its actors, runs PPO updates, publishes weights and merged observation statistics, logs
 * progress, writes checkpoints, and stops the run cleanly (step budget, time limit, SIGTERM/SIGUSR1,
 * a silent actor). */
#ifndef D2M_LEARNER_H
#define D2M_LEARNER_H

#include <mpi.h>

#include "common/config.h"

#include "learner/group.h"

/* comm: this learner (rank 0) and its actors. resume: continue from the newest valid checkpoint in
 * run_dir. A learner group (learner/group.h): lcomm joins the learners and g is the job's layout;
 * one learner: MPI_COMM_NULL and NULL. Returns the process exit status. */
int learner_run(const cfg_t *cfg, const char *run_dir, int resume, MPI_Comm comm, MPI_Comm lcomm, const grp_layout *g);

#endif
