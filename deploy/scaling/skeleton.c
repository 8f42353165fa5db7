/* deploy/scaling/skeleton.c: drl2move's communication pattern with the measured costs replayed, for
 * SimGrid's SMPI (smpicc skeleton.c -o skeleton; smpirun -platform cluster.xml ...). No MuJoCo, no
 * BLIS: each computation is smpi_execute_flops(seconds * host speed) of a cost from
 * `drl2move bench scaling`; the messages have their real sizes and go through SimGrid's network model.
 *
 * Layout: ranks come in groups of G consecutive ranks; the first of each group is a learner, the
 * others its actors (G = N: one learner, today's drl2move; G < N: the learner group, learners
 * averaging gradients with one allreduce of all parameters per minibatch, see allreduce_s).
 *   sync : the learner sends weights, each of its actors rolls out E x T steps and sends its batch,
 *          the learner decodes them all and updates; repeat.
 *   async: actors never wait: they poll for weights after every control step; the learner updates
 *          once it holds its actors' worth of batches, dropping batches more than max_lag versions old.
 * Prints one line: key=value pairs (elapsed simulated seconds, env steps/s per actor, drop fraction).
 * Arguments: key=value (see `usage`). */
#include <mpi.h>
#include <smpi/smpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct prm {
  int async, G, E, T, updates, epochs, minibatch, max_lag, polls;
  double env_s, pol_s, enc_s, dec_s, batch_bytes, weights_bytes, upd_s, ar_s, params, host_flops, net_bw, net_lat;
} prm;

enum { TAG_WH = 1, TAG_W, TAG_BH, TAG_B, TAG_STOP, TAG_BYE };

static void usage(void) {
  fprintf(stderr, "usage: skeleton mode=sync|async G=N E= T= updates= epochs= minibatch= max_lag= polls= env_s= pol_s= "
                  "enc_s= dec_s= batch_bytes= weights_bytes= upd_s= ar_s= params= host_flops= net_bw= net_lat=\n");
}

static int parse(int argc, char **argv, prm *p) {
  memset(p, 0, sizeof *p);
  p->updates = 4, p->max_lag = 4, p->polls = 8, p->host_flops = 1e9, p->net_bw = 12.5e9, p->net_lat = 4e-6;
  for (int i = 1; i < argc; i++) {
    char *eq = strchr(argv[i], '=');
    if (!eq) return -1;
    *eq = 0;
    const char *k = argv[i], *v = eq + 1;
    double x = atof(v);
    if (!strcmp(k, "mode")) p->async = !strcmp(v, "async");
#define I(name) else if (!strcmp(k, #name)) p->name = (int)x;
#define D(name) else if (!strcmp(k, #name)) p->name = x;
    I(G) I(E) I(T) I(updates) I(epochs) I(minibatch) I(max_lag) I(polls)
    D(env_s) D(pol_s) D(enc_s) D(dec_s) D(batch_bytes) D(weights_bytes) D(upd_s) D(ar_s) D(params) D(host_flops)
    D(net_bw) D(net_lat)
#undef I
#undef D
    else return -1;
  }
  return p->G >= 2 && p->polls >= 1 && p->E >= 1 && p->T >= 1 && p->updates >= 2 && p->epochs >= 1 && p->minibatch >= 1 ? 0 : -1;
}

static void compute(const prm *p, double seconds) {
  if (seconds > 0) smpi_execute_flops(seconds * p->host_flops);
}

/* Shared buffers: the bytes' content does not matter, only their number (SMPI_SHARED_MALLOC keeps
 * the simulation of 1024 ranks within memory). */
static char *g_batch, *g_weights;

/* ---- actor ---- */
static void actor_sync(const prm *p, int learner) {
  long v = 0;
  for (;;) {
    MPI_Status st;
    MPI_Recv(&v, 1, MPI_LONG, learner, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    if (st.MPI_TAG == TAG_STOP) return;
    MPI_Recv(g_weights, (int)p->weights_bytes, MPI_BYTE, learner, TAG_W, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    compute(p, p->E * p->T * (p->env_s + p->pol_s) + p->enc_s);
    MPI_Send(&v, 1, MPI_LONG, learner, TAG_BH, MPI_COMM_WORLD);
    MPI_Send(g_batch, (int)p->batch_bytes, MPI_BYTE, learner, TAG_B, MPI_COMM_WORLD);
  }
}

/* Take every pending learner message; 1 on stop. */
static int actor_poll(const prm *p, int learner, long *v) {
  for (;;) {
    int flag = 0;
    MPI_Status st;
    MPI_Iprobe(learner, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
    if (!flag || (st.MPI_TAG != TAG_WH && st.MPI_TAG != TAG_STOP)) return 0;
    MPI_Recv(v, 1, MPI_LONG, learner, st.MPI_TAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    if (st.MPI_TAG == TAG_STOP) return 1;
    MPI_Recv(g_weights, (int)p->weights_bytes, MPI_BYTE, learner, TAG_W, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  }
}

static void actor_async(const prm *p, int learner) {
  long v = -1, hdr[2] = {0, 0};
  MPI_Request req[2] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL};
  int stop = 0;
  while (v < 0) stop = actor_poll(p, learner, &v); /* the first weights */
  while (!stop) {
    /* drl2move polls after every control step; `polls` times per rollout keeps 1024 simulated ranks
     * affordable (weights then arrive up to T / polls steps later: a little more lag, never less). */
    for (int c = 0; c < p->polls && !stop; c++) {
      int steps = p->T * (c + 1) / p->polls - p->T * c / p->polls;
      compute(p, steps * p->E * (p->env_s + p->pol_s));
      stop = actor_poll(p, learner, &v);
    }
    if (stop) break;
    compute(p, p->enc_s);
    MPI_Waitall(2, req, MPI_STATUSES_IGNORE); /* the previous batch */
    hdr[0] = v;
    MPI_Isend(hdr, 1, MPI_LONG, learner, TAG_BH, MPI_COMM_WORLD, &req[0]);
    MPI_Isend(g_batch, (int)p->batch_bytes, MPI_BYTE, learner, TAG_B, MPI_COMM_WORLD, &req[1]);
  }
  MPI_Waitall(2, req, MPI_STATUSES_IGNORE);
  MPI_Send(hdr, 1, MPI_LONG, learner, TAG_BYE, MPI_COMM_WORLD);
}

/* ---- learner ---- */
typedef struct lstate {
  int first, k;            /* its actors: ranks first .. first + k - 1 */
  long version, accepted, dropped;
  MPI_Comm group;          /* the learners */
  int nlearners, nmb;      /* minibatch steps per update (the same on every learner) */
  MPI_Request *wreq;
} lstate;

static void publish(const prm *p, lstate *s, int tag) {
  MPI_Waitall(2 * s->k, s->wreq, MPI_STATUSES_IGNORE);
  for (int i = 0; i < s->k; i++) {
    MPI_Isend(&s->version, 1, MPI_LONG, s->first + i, tag, MPI_COMM_WORLD, &s->wreq[2 * i]);
    if (tag == TAG_WH)
      MPI_Isend(g_weights, (int)p->weights_bytes, MPI_BYTE, s->first + i, TAG_W, MPI_COMM_WORLD, &s->wreq[2 * i + 1]);
  }
}

/* Seconds of a ring allreduce of the gradient over L learners (Patarasuk and Yuan 2009: 2 (L - 1)
 * steps of 1/L of the bytes) on the platform's links, plus the measured reduction per parameter.
 * A model rather than SimGrid's own collectives: those copy and reduce the real 1.7 MB buffers,
 * which takes hours for 146 learners on a 2-core machine. The learners still meet in a real
 * one-double MPI_Allreduce, so the slowest of them sets the pace as it would. */
static double allreduce_s(const prm *p, int L) {
  return 2.0 * (L - 1) * (p->net_lat + p->params * 4.0 / L / p->net_bw) + p->ar_s * p->params;
}

/* PPO epochs: per minibatch a gradient step; in a group, one allreduce of the flat gradient. */
static void update(const prm *p, lstate *s) {
  double step_s = p->upd_s / p->epochs * p->minibatch, one = 0;
  for (int m = 0; m < s->nmb; m++) {
    compute(p, step_s);
    if (s->nlearners > 1) {
      MPI_Allreduce(MPI_IN_PLACE, &one, 1, MPI_DOUBLE, MPI_SUM, s->group);
      compute(p, allreduce_s(p, s->nlearners));
    }
  }
  s->version++;
}

/* One batch header + payload from any of its actors; returns its source, or -1 for a bye. */
static int take_batch(const prm *p, lstate *s, long *v) {
  MPI_Status st;
  MPI_Recv(v, 1, MPI_LONG, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
  if (st.MPI_TAG == TAG_BYE) return -1;
  MPI_Recv(g_batch, (int)p->batch_bytes, MPI_BYTE, st.MPI_SOURCE, TAG_B, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
  compute(p, p->dec_s);
  (void)s;
  return st.MPI_SOURCE;
}

static void learner_run(const prm *p, lstate *s, double *t_start, double *t_end) {
  long v;
  publish(p, s, TAG_WH);
  for (int u = 0; u < p->updates; u++) {
    if (u == 1) *t_start = MPI_Wtime(); /* update 0 warms the pipeline up */
    int got = 0;
    while (got < s->k) {
      take_batch(p, s, &v);
      if (!p->async || s->version - v <= p->max_lag) got++, s->accepted += u >= 1;
      else s->dropped += u >= 1;
    }
    update(p, s);
    if (u + 1 < p->updates) publish(p, s, TAG_WH);
  }
  *t_end = MPI_Wtime();
  publish(p, s, TAG_STOP);
  for (int byes = 0; p->async && byes < s->k;) /* async: drain until every actor said bye */
    if (take_batch(p, s, &v) < 0) byes++;
  MPI_Waitall(2 * s->k, s->wreq, MPI_STATUSES_IGNORE);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int rank, size;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  prm p;
  if (parse(argc, argv, &p)) {
    if (rank == 0) usage();
    MPI_Abort(MPI_COMM_WORLD, 2);
  }
  g_batch = SMPI_SHARED_MALLOC((size_t)p.batch_bytes + 1);
  g_weights = SMPI_SHARED_MALLOC((size_t)p.weights_bytes + 1);
  int is_learner = rank % p.G == 0, learner = rank - rank % p.G;
  MPI_Comm group;
  MPI_Comm_split(MPI_COMM_WORLD, is_learner ? 0 : 1, rank, &group);
  double t0 = 0, t1 = 0, out[4] = {0, 0, 0, 0}, sum[4];
  if (is_learner) {
    lstate s = {.first = rank + 1, .k = (rank + p.G <= size ? p.G : size - rank) - 1, .group = group};
    MPI_Comm_size(group, &s.nlearners);
    long actors = size - s.nlearners;
    s.nmb = (int)(p.epochs * (actors * p.E * p.T / s.nlearners / p.minibatch));
    if (s.nmb < p.epochs) s.nmb = p.epochs;
    s.wreq = malloc(2 * (size_t)(s.k > 0 ? s.k : 1) * sizeof *s.wreq);
    for (int i = 0; i < 2 * s.k; i++) s.wreq[i] = MPI_REQUEST_NULL;
    learner_run(&p, &s, &t0, &t1); /* with no actors of its own it still joins the allreduces */
    out[0] = t1 - t0, out[1] = (double)s.accepted, out[2] = (double)s.dropped, out[3] = s.k;
    free(s.wreq);
  } else if (p.async) {
    actor_async(&p, learner);
  } else {
    actor_sync(&p, learner);
  }
  MPI_Reduce(out, sum, 4, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
  if (rank == 0) {
    int L = (size + p.G - 1) / p.G, A = size - L;
    double elapsed = out[0]; /* rank 0's window; the group moves in lockstep through its allreduces */
    double useful = sum[1] * p.E * p.T / elapsed;
    printf("ranks=%d learners=%d actors=%d mode=%s elapsed_s=%.6g sps=%.6g sps_per_actor=%.6g dropped_frac=%.6g\n",
           size, L, A, p.async ? "async" : "sync", elapsed, useful, useful / A,
           sum[1] + sum[2] > 0 ? sum[2] / (sum[1] + sum[2]) : 0.0);
  }
  MPI_Comm_free(&group);
  SMPI_SHARED_FREE(g_batch);
  SMPI_SHARED_FREE(g_weights);
  MPI_Finalize();
  return 0;
}
