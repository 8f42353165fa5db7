/* learner/group.h: the learner group (learner.group = L learner ranks). The job's ranks are split
 * into L groups, each one learner (the group's lowest rank) and its actors; a learner receives
 * batches from its own actors only and publishes weights to them only. The learners keep one policy:
 *   - per minibatch, ONE MPI_Allreduce (sum) of a flat float buffer: the policy and value gradients
 *     (the params arena, nn/ac.h) followed by the minibatch's loss statistics; each learner divides
 *     by L, clips by the norm of the average and takes the same Adam step, so weights and Adam states
 *     stay bit-identical on every learner;
 *   - per update, one MPI_Allgather of each learner's intake summary: stop request, batch size,
 *     env steps, this update's observation moments (merged in learner order with Chan's formula),
 *     episode and policy-lag statistics (for learner 0's progress row);
 *   - the stop decision and the checkpoint (learner 0 writes it, gathering the actors' states and
 *     reward scaling from the other learners).
 * Layout (grp_layout_make), deterministic: L >= 1 given: the ranks 0..N-1 are cut into L contiguous
 * blocks, the first N mod L blocks one rank longer; L = 0: one block per node
 * (MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)), blocks ordered by their lowest rank. Each block's
 * lowest rank is its learner; every block needs at least one actor. docs/ARCHITECTURE.md, "Learner
 * group", says how minibatches, statistics and checkpoints line up. */
#ifndef D2M_GROUP_H
#define D2M_GROUP_H

#include <mpi.h>

#include "common/log.h"

typedef struct grp_layout {
  int size, L;  /* world ranks, learners */
  int by_node;  /* learner.group = 0: one learner per node */
  int *group;   /* [size] learner index of each rank */
  int *leader;  /* [L] world rank of each learner */
  int *nact;    /* [L] actors of each learner */
} grp_layout;

/* Collective over world. want = learner.group. -1 with err naming learner.group when a learner
 * would have no actor (or want > ranks). */
int grp_layout_make(MPI_Comm world, long want, grp_layout *g, d2m_err *err);
void grp_layout_free(grp_layout *g);
/* "2 learners: learner 0 = rank 0 with actors 1-2; learner 1 = rank 3 with actors 4-5" */
void grp_layout_describe(const grp_layout *g, char *out, size_t n);
/* Index of world rank r among the actors of its learner, in rank order (0-based). */
int grp_actor_index(const grp_layout *g, int r);
/* Collective over world: *gcomm = the rank's block (learner = rank 0 of it); *lcomm = the learners
 * (MPI_COMM_NULL on actors). L = 1: *gcomm = world, *lcomm = MPI_COMM_NULL (today's job, unchanged). */
void grp_layout_comms(const grp_layout *g, MPI_Comm world, MPI_Comm *gcomm, MPI_Comm *lcomm);

/* Per minibatch: grads[np + GRP_STATS] holds this learner's gradient and then GRP_STATS loss
 * statistics; after the call both are the group's averages (sum over comm / size). The squared norms of
 * the policy block [0, vsplit) and the value block [vsplit, np) of the average are returned in *ss and
 * *ssv. *seconds accumulates the allreduce's wall time. */
#define GRP_STATS 6
void grp_average_grads(MPI_Comm comm, int size, float *grads, size_t np, size_t vsplit, double *ss, double *ssv,
                       double *seconds);

#endif
