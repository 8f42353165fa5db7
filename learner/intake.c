/* learner/intake.c: receiving, validating and assembling trajectory batches. A message that fails the
 * strict decoder, or comes from the wrong rank, is logged with its source and dropped; it never
 * reaches the weights. Each message is received into its actor's queue, decoded once there, and
 * copied once, from those bytes into the PPO batch, by the update that uses it. */
#include <math.h>
#include <string.h>
#include <unistd.h>

#include "common/mpi_util.h"
#include "learner/learner_int.h"
#include "proto/wire.h"

void intake_reset_update_stats(learner *L) {
  memset(&L->eps, 0, sizeof L->eps);
  L->eps.ret_min = L->eps.len_min = INFINITY;
  L->eps.ret_max = L->eps.len_max = -INFINITY;
  L->lag_n = 0;
  L->lag_sum = 0;
  L->lag_min = INFINITY;
  L->lag_max = -INFINITY;
  mining_clear_update(&L->mine);
}

/* The queue entry the next message of this actor is received into, with room for n bytes. */
static intake_msg *slot_next(learner *L, actor_slot *s, int n) {
  intake_msg *m = &s->q[(s->q_head + s->q_n) % (INTAKE_QUEUE + 1)];
  if (n > m->cap) { /* grows while batches grow (episode records vary), then stays */
    m->buf = realloc(m->buf, (size_t)n);
    D2M_CHECK(m->buf != NULL, "out of memory for an actor's batch");
    m->cap = n;
  }
  if (!m->eps) {
    long te = (long)L->T * L->E;
    m->eps_cap = te < (long)PROTO_MAX_EPISODES ? (uint32_t)te : PROTO_MAX_EPISODES;
    m->eps = xcalloc(m->eps_cap, sizeof *m->eps);
  }
  return m;
}

/* A whole batch that no update will use: simulated, so it counts towards the step budget. */
static void drop_batch(learner *L, int src, const char *why, uint64_t lag) {
  long long TE = (long long)L->E * L->T;
  L->dropped++;
  L->steps_dropped += TE;
  L->env_steps += TE;
  LOG_D("batch from rank %d (policy lag %llu) dropped: %s", src, (unsigned long long)lag, why);
}

/* Header-level checks that decide whether a decoded batch may be used at all. */
static int batch_fits(const learner *L, const proto_traj *t, int src, d2m_err *err) {
  if ((int)t->rank != src) return err_set(err, "claims rank %u", t->rank);
  if ((int)t->obs_dim != L->obs_dim || (int)t->act_dim != L->act_dim)
    return err_set(err, "obs/act sizes %u/%u, expected %d/%d", t->obs_dim, t->act_dim, L->obs_dim, L->act_dim);
  if ((int)t->envs != L->E || (int)t->steps != L->T)
    return err_set(err, "E x T = %u x %u, expected %d x %d", t->envs, t->steps, L->E, L->T);
  if (L->amp_on && (int)t->amp_dim != 2 * L->amp.c.feat)
    return err_set(err, "amp_dim %u, expected %d (amp.enabled differs between ranks?)", t->amp_dim, 2 * L->amp.c.feat);
  if (t->use.n != (L->rehab.on ? MODEL_NMUSCLE : 0u))
    return err_set(err, "muscle use of %zu muscles, expected %d (rehab.enabled differs between ranks?)", t->use.n,
                   L->rehab.on ? MODEL_NMUSCLE : 0);
  if (t->policy_version > L->version) return err_set(err, "policy version %llu is from the future (current %llu)",
                                                      (unsigned long long)t->policy_version, (unsigned long long)L->version);
  return 0;
}

/* Decodes the message just received into m; returns 1 when it is a usable batch (m->t set), 0 when
 * it was dropped (and counted) or was a bye. */
static int classify(learner *L, int src, intake_msg *m) {
  actor_slot *s = &L->slot[src - 1];
  proto_msg msg;
  d2m_err err;
  if (proto_decode(&L->dec, m->buf, (size_t)m->len, &msg, &err)) {
    L->malformed++;
    LOG_W("malformed message from rank %d dropped: %s", src, err.msg);
    return 0;
  }
  if (msg.kind == PROTO_CONTROL && msg.u.control.command == PROTO_CMD_STOP) {
    s->said_bye = 1;
    return 0;
  }
  if (msg.kind != PROTO_TRAJECTORY) {
    L->malformed++;
    LOG_W("unexpected %s message from rank %d dropped", proto_kind_name(msg.kind), src);
    return 0;
  }
  if (batch_fits(L, &msg.u.traj, src, &err)) {
    L->malformed++;
    LOG_W("batch from rank %d dropped: %s", src, err.msg);
    return 0;
  }
  long long TE = (long long)L->E * L->T;
  L->steps_received += TE;
  if (L->sync && msg.u.traj.policy_version != L->version) {
    drop_batch(L, src, "stale", L->version - msg.u.traj.policy_version);
    return 0;
  }
  if (s->q_n == INTAKE_QUEUE) {
    drop_batch(L, src, "queue full", L->version - msg.u.traj.policy_version);
    return 0;
  }
  m->between = !L->gathering;
  m->t = msg.u.traj; /* views into m->buf; the episode records move out of the decoder's storage */
  D2M_CHECK(m->t.n_episodes <= m->eps_cap, "more episodes than T*E passed the decoder");
  memcpy(m->eps, m->t.episodes, m->t.n_episodes * sizeof *m->eps);
  m->t.episodes = m->eps;
  return 1;
}

/* A large message travels after the probe (rendezvous), so an actor killed in the middle of its send
 * would leave a blocking receive waiting forever. Fragments already on their way may still land in
 * the abandoned request's buffer: the callers let go of it (leaked, one per dead actor). */
int intake_recv(learner *L, int src, int tag, void *buf, int n) {
  MPI_Request rq;
  CHECK_MPI(MPI_Irecv(buf, n, MPI_BYTE, src, tag, L->comm, &rq));
  double next_look = log_elapsed() + 0.1;
  for (;;) {
    int done = 0;
    CHECK_MPI(MPI_Test(&rq, &done, MPI_STATUS_IGNORE));
    if (done) return 0;
    if (log_elapsed() >= next_look) {
      if (lost_gone(L, src - 1)) {
        MPI_Request_free(&rq);
        return -1;
      }
      next_look = log_elapsed() + 0.1;
    }
    usleep(50);
  }
}

/* A state an actor sent after its checkpoint request timed out: it must still be received, or the
 * actor would block in its send forever. */
static void drain_late_state(learner *L) {
  int flag = 0, n = 0;
  MPI_Status st;
  CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, WIRE_TAG_STATE, L->comm, &flag, &st));
  if (!flag) return;
  CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &n));
  actor_slot *s = &L->slot[st.MPI_SOURCE - 1];
  if (n > s->state_cap) {
    s->state = realloc(s->state, (size_t)n);
    D2M_CHECK(s->state != NULL, "out of memory for an actor state");
    s->state_cap = n;
  }
  if (intake_recv(L, st.MPI_SOURCE, WIRE_TAG_STATE, s->state, n)) {
    s->state = NULL, s->state_cap = 0; /* the abandoned receive's */
    return;
  }
  s->state_len = -1;
  s->last_heard = log_elapsed();
  LOG_D("late state from rank %d discarded", st.MPI_SOURCE);
}

int intake_poll(learner *L, double wait_s) {
  double until = log_elapsed() + wait_s;
  useconds_t nap = 200;
  for (;;) {
    int flag = 0;
    MPI_Status st;
    if (!L->collecting_states) drain_late_state(L);
    CHECK_MPI(MPI_Iprobe(MPI_ANY_SOURCE, WIRE_TAG_A2L, L->comm, &flag, &st));
    if (flag) {
      int src = st.MPI_SOURCE, n = 0;
      CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &n));
      actor_slot *s = &L->slot[src - 1];
      intake_msg *m = slot_next(L, s, n > 0 ? n : 1);
      if (intake_recv(L, src, WIRE_TAG_A2L, m->buf, n)) {
        m->buf = NULL, m->cap = 0; /* the abandoned receive's */
        return 0;
      }
      m->len = n;
      s->last_heard = log_elapsed();
      if (!s->alive && !s->dead) {
        s->alive = 1; /* weights published meanwhile reach it in order; its stale batches are dropped */
        LOG_W("actor rank %d is back", src);
      }
      if (classify(L, src, m)) s->q_n++;
      return src;
    }
    if (log_elapsed() >= until) return 0;
    /* A nap growing to 5 ms: the learner shares cores with actors on small machines, and polling
     * every 200 us through a rollout of a second or more costs an actor a large share of a core. */
    usleep(nap);
    if (nap < 5000) nap *= 2;
  }
}

int intake_sync_complete(const learner *L) {
  for (int i = 0; i < L->nactors; i++)
    if (L->slot[i].alive && !L->slot[i].q_n) return 0;
  return 1;
}

static void add_episodes(learner *L, const proto_traj *t) {
  ep_stats *e = &L->eps;
  for (uint32_t i = 0; i < t->n_episodes; i++) {
    const proto_episode *p = &t->episodes[i];
    e->n++;
    e->ret_sum += p->ret;
    e->len_sum += p->length;
    e->ret_min = fmin(e->ret_min, p->ret);
    e->ret_max = fmax(e->ret_max, p->ret);
    e->len_min = fmin(e->len_min, (double)p->length);
    e->len_max = fmax(e->len_max, (double)p->length);
    e->success_sum += p->success;
    if (p->mpjpe_mm > 0) {
      e->mpjpe_sum += p->mpjpe_mm;
      e->rmse_sum += p->joint_rmse_deg;
      e->mpjpe_n++;
    }
    e->numerical += p->numerical_resets;
    mining_record(&L->mine, p->clip, p->success, p->mpjpe_mm, p->joint_rmse_deg, p->length);
  }
}

/* AMP: the segment's transitions, copied once into the discriminator's policy rows of this update;
 * their style rewards from the discriminator as the previous update left it, mixed into the task
 * rewards rew[T*E] before GAE. */
static void amp_segment(learner *L, const proto_traj *t, float *rew) {
  long TE = (long)L->T * L->E;
  float *rows = amp_policy_tail(&L->amp, TE);
  proto_f32_copy(rows, t->amp);
  amp_rewards(&L->amp, rows, TE, L->s_style);
  float wt = (float)L->cfg->amp_w_task, ws = (float)L->cfg->amp_w_style;
  for (long i = 0; i < TE; i++) rew[i] = wt * rew[i] + ws * L->s_style[i];
}

/* The one copy of a batch: from the received bytes into the PPO batch's rows, then GAE. */
static void append_segment(learner *L, actor_slot *s, const proto_traj *t) {
  ppo_segment seg = ppo_batch_tail(&L->batch, L->T, L->E);
  proto_f32_copy(seg.obs, t->obs);
  proto_f32_copy(seg.act, t->actions);
  proto_f32_copy(seg.logp, t->logp);
  proto_f32_copy(seg.val, t->values);
  proto_f32_copy(seg.rew, t->rewards);
  proto_f32_copy(L->s_tval, t->truncated_value);
  proto_f32_copy(L->s_boot, t->bootstrap_value);
  if (L->amp_on) amp_segment(L, t, seg.rew);
  /* Observation moments: merged in rank order in sync mode, arrival order in async (a group merges
   * each learner's share of the update in learner order, learner/group.h). */
  if (t->obs_count > 0) {
    proto_f64_copy(L->s_mean, t->obs_mean);
    proto_f64_copy(L->s_m2, t->obs_m2);
    rstat_merge_raw(L->obs_in, (double)t->obs_count, L->s_mean, L->s_m2);
  }
  ppo_batch_commit(&L->batch, &L->pcfg, L->pcfg.reward_scale ? &s->rscale : NULL, L->T, L->E, t->terminated,
                   t->truncated, L->s_tval, L->s_boot);
}

int intake_consume(learner *L, int src) {
  actor_slot *s = &L->slot[src - 1];
  D2M_CHECK(s->q_n > 0, "intake_consume on an actor with no queued batch");
  const intake_msg *m = &s->q[s->q_head];
  const proto_traj *t = &m->t;
  s->q_head = (s->q_head + 1) % (INTAKE_QUEUE + 1);
  s->q_n--; /* t stays valid: the next receive goes behind the queue, not into this entry */
  uint64_t lag = L->version - t->policy_version;
  if (!L->sync && lag > (uint64_t)L->cfg->learner_max_policy_lag) {
    drop_batch(L, src, "stale", lag);
    return -1;
  }
  if (L->batch.n + L->E * L->T > L->batch.cap) {
    drop_batch(L, src, "no room in this update", lag);
    return -1;
  }
  append_segment(L, s, t);
  add_episodes(L, t);
  if (L->rehab.on) { /* the phase's use: batches of this update, in the order they are consumed */
    proto_f64_copy(L->s_use, t->use);
    lrehab_add_use(&L->rehab, L->s_use, t->use_count);
  }
  L->between_used += m->between;
  L->lag_n++;
  L->lag_sum += (double)lag;
  L->lag_min = fmin(L->lag_min, (double)lag);
  L->lag_max = fmax(L->lag_max, (double)lag);
  L->env_steps += (long long)L->T * L->E;
  return 0;
}

void intake_consume_queued(learner *L, int target) {
  for (int any = 1; any && L->batch.n < target;) {
    any = 0;
    for (int r = 1; r <= L->nactors && L->batch.n < target; r++)
      if (L->slot[r - 1].q_n) {
        intake_consume(L, r);
        any = 1;
      }
  }
}

void intake_final_report(learner *L) {
  long long TE = (long long)L->E * L->T, waiting = 0;
  for (int i = 0; i < L->nactors; i++) {
    waiting += L->slot[i].q_n * TE;
    L->slot[i].q_n = 0;
  }
  L->steps_dropped += waiting;
  LOG_I("intake: %lld env steps received in batches, %lld used by updates, %lld dropped (%lld of them still "
        "waiting at the stop); %ld batches arrived between updates and were used by the next; %ld malformed messages",
        L->steps_received, L->steps_used, L->steps_dropped, waiting, L->between_used, L->malformed);
}
