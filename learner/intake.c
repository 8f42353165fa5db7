/* learner/intake.c: receiving, validating and assembling trajectory batches. A message that fails the
 * strict decoder, or comes from the wrong rank, is logged with its source and dropped; it never
 * reaches the weights. */
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
}

static void slot_reserve(actor_slot *s, int n) {
  if (n <= s->cap) return;
  s->buf = realloc(s->buf, (size_t)n);
  D2M_CHECK(s->buf != NULL, "out of memory for an actor's batch");
  s->cap = n;
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
  if (t->policy_version > L->version) return err_set(err, "policy version %llu is from the future (current %llu)",
                                                      (unsigned long long)t->policy_version, (unsigned long long)L->version);
  return 0;
}

/* Returns 1 when the message in the slot is a usable batch, 0 when it was dropped or was a bye. */
static int classify(learner *L, int src, int len) {
  actor_slot *s = &L->slot[src - 1];
  proto_msg msg;
  d2m_err err;
  if (proto_decode(&L->dec, s->buf, (size_t)len, &msg, &err)) {
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
  uint64_t lag = L->version - msg.u.traj.policy_version;
  if ((L->sync && lag != 0) || (!L->sync && lag > (uint64_t)L->cfg->learner_max_policy_lag)) {
    L->dropped++;
    L->env_steps += (long long)L->E * L->T; /* simulated, though not learned from */
    LOG_D("stale batch from rank %d (policy lag %llu) dropped", src, (unsigned long long)lag);
    return 0;
  }
  return 1;
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
  CHECK_MPI(MPI_Recv(s->state, n, MPI_BYTE, st.MPI_SOURCE, WIRE_TAG_STATE, L->comm, MPI_STATUS_IGNORE));
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
      slot_reserve(s, n > 0 ? n : 1);
      CHECK_MPI(MPI_Recv(s->buf, n, MPI_BYTE, src, WIRE_TAG_A2L, L->comm, MPI_STATUS_IGNORE));
      s->last_heard = log_elapsed();
      s->len = n;
      if (!s->alive) {
        s->alive = 1; /* weights published meanwhile reach it in order; its stale batches are dropped */
        LOG_W("actor rank %d is back", src);
      }
      if (classify(L, src, n)) {
        if (L->sync) s->have = 1;
        else intake_consume(L, src);
      }
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
    if (L->slot[i].alive && !L->slot[i].have) return 0;
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
  }
}

/* AMP: style rewards of the segment's transitions from the discriminator as the previous update left
 * it, mixed into the task rewards before GAE; the transitions become its next policy samples. */
static void amp_segment(learner *L, const proto_traj *t) {
  long TE = (long)L->T * L->E;
  proto_f32_copy(L->s_amp, t->amp);
  amp_rewards(&L->amp, L->s_amp, TE, L->s_style);
  float wt = (float)L->cfg->amp_w_task, ws = (float)L->cfg->amp_w_style;
  for (long i = 0; i < TE; i++) L->s_rew[i] = wt * L->s_rew[i] + ws * L->s_style[i];
  amp_add_policy(&L->amp, L->s_amp, TE);
}

int intake_consume(learner *L, int src) {
  actor_slot *s = &L->slot[src - 1];
  proto_msg msg;
  d2m_err err;
  /* Decoded once more: views into s->buf stay valid until the next decode. */
  if (proto_decode(&L->dec, s->buf, (size_t)s->len, &msg, &err)) D2M_FATAL("batch changed after validation: %s", err.msg);
  const proto_traj *t = &msg.u.traj;
  if (L->batch.n + L->E * L->T > L->batch.cap) {
    L->dropped++;
    return -1;
  }
  proto_f32_copy(L->s_obs, t->obs);
  proto_f32_copy(L->s_act, t->actions);
  proto_f32_copy(L->s_logp, t->logp);
  proto_f32_copy(L->s_val, t->values);
  proto_f32_copy(L->s_rew, t->rewards);
  proto_f32_copy(L->s_tval, t->truncated_value);
  proto_f32_copy(L->s_boot, t->bootstrap_value);
  size_t TE = (size_t)L->T * (size_t)L->E;
  memcpy(L->s_term, t->terminated, TE);
  memcpy(L->s_trunc, t->truncated, TE);
  if (L->amp_on) amp_segment(L, t);
  /* Observation moments: merged in rank order in sync mode, arrival order in async. */
  if (t->obs_count > 0) {
    proto_f64_copy(L->s_mean, t->obs_mean);
    proto_f64_copy(L->s_m2, t->obs_m2);
    rstat_merge_raw(&L->obs_stats, (double)t->obs_count, L->s_mean, L->s_m2);
  }
  ppo_batch_add_segment(&L->batch, &L->pcfg, L->pcfg.reward_scale ? &s->rscale : NULL, L->T, L->E, L->s_obs, L->s_act,
                        L->s_logp, L->s_val, L->s_rew, L->s_term, L->s_trunc, L->s_tval, L->s_boot);
  add_episodes(L, t);
  double lag = (double)(L->version - t->policy_version);
  L->lag_n++;
  L->lag_sum += lag;
  L->lag_min = fmin(L->lag_min, lag);
  L->lag_max = fmax(L->lag_max, lag);
  L->env_steps += (long long)TE;
  s->have = 0;
  return 0;
}
