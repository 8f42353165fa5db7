/* learner/lckpt.c: the learner's checkpoints: weights, Adam state, observation statistics,
 * reward-scaling state of every actor's envs, the minibatch RNG, counters, the clip library's mining
 * state (learner/mining.h), the rehabilitation loop's body and phase (learner/lrehab.h) and the resolved
 * config.
 * Written every run.checkpoint_every updates and when the run stops; the newest run.keep_checkpoints
 * stay. --resume takes the newest valid one and skips corrupted or truncated files with a warning. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <sys/stat.h>

#include "common/ckpt.h"
#include "common/mpi_util.h"
#include "nn/moe.h"
#include "nn/policy_file.h"
#include "learner/learner_int.h"
#include "proto/wire.h"

typedef struct lckpt_meta {
  int64_t update, env_steps;
  uint64_t version;
  int64_t nparams, obs_dim, act_dim, nactors, envs, adam_t;
  double wall_s;
} lckpt_meta;

static void send_control(learner *L, int rank, proto_command cmd, const char *reason) {
  proto_control c = {.command = cmd};
  snprintf(c.reason, sizeof c.reason, "%s", reason);
  msgpack_sbuffer b;
  msgpack_sbuffer_init(&b);
  d2m_err err;
  if (proto_encode_control(&c, &b, &err)) D2M_FATAL("encoding control: %s", err.msg);
  CHECK_MPI(MPI_Send(b.data, (int)b.size, MPI_BYTE, rank, WIRE_TAG_L2A, L->comm));
  msgpack_sbuffer_destroy(&b);
}

/* Ask every live actor for its state; keep draining their batches meanwhile (an actor may be
 * blocked sending one). Returns how many states arrived. */
static int collect_actor_states(learner *L) {
  int pending = 0;
  for (int i = 0; i < L->nactors; i++) {
    L->slot[i].state_len = -1;
    if (!L->slot[i].alive) continue;
    send_control(L, i + 1, PROTO_CMD_CHECKPOINT, "checkpoint");
    pending++;
  }
  int got = 0;
  double t0 = log_elapsed();
  L->collecting_states = 1;
  while (pending) {
    /* An actor that died (lost.c) or fell silent meanwhile is no longer waited for. */
    lost_check(L);
    pending = 0;
    for (int i = 0; i < L->nactors; i++) pending += L->slot[i].alive && L->slot[i].state_len < 0;
    if (!pending) break;
    for (int i = 0; i < L->nactors; i++) {
      actor_slot *s = &L->slot[i];
      if (!s->alive || s->state_len >= 0) continue;
      int flag = 0, n = 0;
      MPI_Status st;
      CHECK_MPI(MPI_Iprobe(i + 1, WIRE_TAG_STATE, L->comm, &flag, &st));
      if (!flag) continue;
      CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &n));
      if (n > s->state_cap) {
        s->state = realloc(s->state, (size_t)n);
        D2M_CHECK(s->state != NULL, "out of memory for an actor state");
        s->state_cap = n;
      }
      if (intake_recv(L, i + 1, WIRE_TAG_STATE, s->state, n)) { /* died sending it: dropped */
        s->state = NULL, s->state_cap = 0;                       /* the abandoned receive's */
        continue;
      }
      s->state_len = n;
      pending--;
      got += n > 0;
    }
    if (pending && log_elapsed() - t0 > L->cfg->learner_actor_timeout_s) {
      LOG_E("%d actors did not send their state: checkpoint without them", pending);
      break;
    }
    if (pending) intake_poll(L, 0.002);
  }
  L->collecting_states = 0;
  return got;
}

void lckpt_commit_config(learner *L, int ok) {
  char pending[4200], final_[4200];
  snprintf(pending, sizeof pending, "%s/" RUN_CONFIG_PENDING, L->run_dir);
  snprintf(final_, sizeof final_, "%s/" RUN_CONFIG, L->run_dir);
  if (!ok) {
    unlink(pending);
    return;
  }
  if (rename(pending, final_)) LOG_W("%s: could not replace %s: %s", pending, final_, strerror(errno));
}

void lckpt_send_actor_states(learner *L) {
  for (int i = 0; i < L->nactors; i++) {
    actor_slot *s = &L->slot[i];
    if (!s->alive || s->state_len <= 0) continue;
    send_control(L, i + 1, PROTO_CMD_RESTORE, "resume");
    CHECK_MPI(MPI_Send(s->state, s->state_len, MPI_BYTE, i + 1, WIRE_TAG_L2A, L->comm));
  }
}

/* Reward scaling per actor: G[E], count, mean, m2 (per = E + 3 doubles each). */
static double *pack_rscale(const learner *L, size_t per) {
  size_t E = (size_t)L->E, na = (size_t)L->nactors;
  double *rs = xmalloc(na * per * sizeof(double));
  for (size_t i = 0; i < na; i++) {
    const gae_rscale *g = &L->slot[i].rscale;
    memcpy(rs + i * per, g->G, E * sizeof(double));
    rs[i * per + E] = g->count;
    rs[i * per + E + 1] = g->mean;
    rs[i * per + E + 2] = g->m2;
  }
  return rs;
}

/* Actor states: sizes[nactors] (-1: none), then the bytes of each, in rank order. */
static unsigned char *pack_actor_states(learner *L, int with_actors, int64_t **sizes_out, size_t *total_out) {
  size_t na = (size_t)L->nactors, total = 0;
  int64_t *sizes = xcalloc(na, sizeof *sizes);
  if (with_actors) collect_actor_states(L);
  for (size_t i = 0; i < na; i++) {
    sizes[i] = with_actors && L->slot[i].state_len > 0 ? L->slot[i].state_len : -1;
    if (sizes[i] > 0) total += (size_t)sizes[i];
  }
  unsigned char *states = xmalloc(total ? total : 1), *q = states;
  for (size_t i = 0; i < na; i++)
    if (sizes[i] > 0) {
      memcpy(q, L->slot[i].state, (size_t)sizes[i]);
      q += sizes[i];
    }
  *sizes_out = sizes, *total_out = total;
  return states;
}

/* Never a checkpoint with non-finite weights: it would poison every run resumed from it. */
static int weights_finite(const learner *L) {
  size_t np = L->net.nparams;
  long bad = guard_first_nonfinite(L->ppo.params, np);
  if (bad < 0) bad = guard_first_nonfinite(L->ppo.adam.m, np);
  if (bad < 0) bad = guard_first_nonfinite(L->ppo.adam.v, np);
  if (bad >= 0)
    LOG_E("checkpoint not written: non-finite parameters or Adam state at index %ld (the previous ones are intact)", bad);
  return bad < 0;
}

int lckpt_save(learner *L, const char *reason, int with_actors) {
  char dir[4200], path[4200];
  snprintf(dir, sizeof dir, "%s/checkpoints", L->run_dir);
  mkdir(dir, 0755);
  ckpt_path(path, sizeof path, L->run_dir, L->update);
  size_t np = L->net.nparams, E = (size_t)L->E, na = (size_t)L->nactors;
  if (!weights_finite(L)) return -1;
  lckpt_meta meta = {L->update, L->env_steps, L->version, (int64_t)np, L->obs_dim, L->act_dim, L->total_actors, L->E,
                     L->ppo.adam.t, L->wall_before + log_elapsed()};
  policy_pack pol; /* params, obs_stats and config: the policy file's sections (nn/policy_file.h) */
  policy_pack_init(&pol, L->ppo.params, np, &L->obs_stats, L->cfg);
  size_t per = E + 3;
  double *rs = pack_rscale(L, per);
  int64_t *sizes;
  size_t total;
  unsigned char *states = pack_actor_states(L, with_actors, &sizes, &total);
  /* A group with AMP: learner 0 also writes the other learners' replay buffers (each learner has its own). */
  int64_t *amp_fill = NULL;
  float *amp_rows = NULL;
  size_t amp_bytes = L->amp_on && L->ngroup > 1 ? amp_group_gather_replay(&L->amp, &amp_fill, &amp_rows) : 0;
  /* A group: learner 0 writes every learner's actors, in learner order (the layout's actor order). */
  if (!group_ckpt_gather(L, &rs, per, &sizes, &states, &total)) {
    policy_pack_free(&pol);
    free(rs);
    free(sizes);
    free(states);
    return 0;
  }
  na = (size_t)L->total_actors;
  int64_t *layout = xcalloc((size_t)L->ngroup + 1, sizeof *layout); /* learners, then each one's actors */
  layout[0] = L->ngroup;
  for (int k = 0; k < L->ngroup; k++) layout[k + 1] = L->grp_nact[k];
  unsigned char amp_meta[AMP_META_BYTES];
  double *mine = xmalloc((mining_state_len(&L->mine) + 1) * sizeof(double));
  mining_pack(&L->mine, mine);
  double rehab[LREHAB_STATE];
  lrehab_pack(&L->rehab, rehab);
  ckpt_section sec[15 + AMP_NSEC] = { /* 10 named, learner_group, AMP's (and a group's 2), mining, rehab */
      {"meta", &meta, sizeof meta},
      pol.sec[0],
      {"adam_m", L->ppo.adam.m, np * sizeof(float)},
      {"adam_v", L->ppo.adam.v, np * sizeof(float)},
      pol.sec[1],
      {"reward_scaling", rs, na * per * sizeof(double)},
      {"learner_rng", &L->ppo.rng, sizeof L->ppo.rng},
      pol.sec[2],
      {"actor_sizes", sizes, na * sizeof *sizes},
      {"actor_states", states, total},
  };
  d2m_err err;
  int nsec = 0; /* the named entries above */
  while (nsec < 10 && sec[nsec].name[0]) nsec++;
  if (L->ngroup > 1) /* only then: one learner's checkpoints stay as they were */
    sec[nsec++] = (ckpt_section){"learner_group", layout, ((size_t)L->ngroup + 1) * sizeof *layout};
  if (L->amp_on) nsec += amp_ckpt_sections(&L->amp, sec + nsec, amp_meta);
  if (amp_fill) {
    sec[nsec++] = (ckpt_section){"amp_group_fill", amp_fill, 2 * (size_t)L->ngroup * sizeof *amp_fill};
    sec[nsec++] = (ckpt_section){"amp_group_replay", amp_rows, amp_bytes};
  }
  if (L->mine.n) sec[nsec++] = (ckpt_section){"mining", mine, mining_state_len(&L->mine) * sizeof(double)};
  if (L->rehab.on) sec[nsec++] = (ckpt_section){"rehab", rehab, sizeof rehab};
  int rc = ckpt_write(path, sec, nsec, &err);
  free(amp_fill);
  free(amp_rows);
  free(mine);
  policy_pack_free(&pol);
  free(rs);
  free(sizes);
  free(states);
  free(layout);
  if (rc) {
    LOG_E("checkpoint not written (the previous ones are intact): %s", err.msg);
    return -1;
  }
  LOG_I("checkpoint %s (update %ld, %s)", path, L->update, reason);
  ckpt_prune(L->run_dir, (int)L->cfg->run_keep_checkpoints);
  return 0;
}

/* Actor states are optional: a checkpoint written without them resumes with fresh episodes. */
static void restore_actor_states(learner *L, const ckpt_file *f) {
  size_t na = (size_t)L->total_actors, base = (size_t)L->actor_base, len = 0;
  const void *data;
  d2m_err err;
  /* Copied out: sections sit at any byte offset of the file buffer, so reading the int64 sizes in
   * place would be a misaligned load. */
  int64_t *sizes = xmalloc(na * sizeof *sizes);
  if (ckpt_copy(f, "actor_sizes", sizes, na * sizeof *sizes, &err) ||
      ckpt_get(f, "actor_states", 0, &data, &len, &err)) {
    LOG_W("checkpoint without actor states (%s): actors start fresh episodes", err.msg);
    free(sizes);
    return;
  }
  const unsigned char *p = data;
  size_t off = 0;
  for (size_t j = 0; j < base + (size_t)L->nactors; j++) { /* this learner's actors are base.. */
    if (j >= base) L->slot[j - base].state_len = -1;
    if (sizes[j] <= 0) continue;
    if ((uint64_t)sizes[j] > len - off || sizes[j] > 1 << 30) {
      LOG_W("checkpoint: actor state sizes inconsistent: actors start fresh episodes");
      for (int k = 0; k < L->nactors; k++) L->slot[k].state_len = -1;
      free(sizes);
      return;
    }
    if (j < base) {
      off += (size_t)sizes[j];
      continue;
    }
    size_t i = j - base;
    actor_slot *s = &L->slot[i];
    s->state = realloc(s->state, (size_t)sizes[j]);
    D2M_CHECK(s->state != NULL, "out of memory for an actor state");
    s->state_cap = (int)sizes[j];
    memcpy(s->state, p + off, (size_t)sizes[j]);
    s->state_len = (int)sizes[j];
    off += (size_t)sizes[j];
    (void)i;
  }
  free(sizes);
}

/* A budget given on resume (--steps) that differs from the checkpoint's: said once, with what it does
 * to the learning-rate schedule, which follows run.total_steps (learner.c). */
static void log_budget_change(const learner *L, const ckpt_file *f) {
  const void *text;
  size_t len = 0;
  d2m_err err;
  if (ckpt_get(f, "config", 0, &text, &len, &err)) return;
  char *z = xmalloc(len + 1);
  memcpy(z, text, len);
  z[len] = 0;
  cfg_t *was = xmalloc(sizeof *was);
  cfg_saved_defaults(was);
  int64_t before = cfg_load_string(was, "checkpoint config", z, &err) ? -1 : was->run_total_steps;
  free(was);
  free(z);
  int64_t now = L->cfg->run_total_steps;
  if (before < 0 || before == now) return;
  double lr = L->cfg->ppo_lr, spent = (double)L->env_steps;
  double lr_was = before > 0 && L->cfg->ppo_anneal_lr ? lr * (1 - fmin(1, spent / (double)before)) : lr;
  double lr_now = now > 0 && L->cfg->ppo_anneal_lr ? lr * (1 - fmin(1, spent / (double)now)) : lr;
  LOG_I("run.total_steps changed on resume from %lld to %lld (0: none): the step budget %s; at %lld env "
        "steps the learning rate goes from %g to %g", (long long)before, (long long)now,
        L->cfg->ppo_anneal_lr ? "and the learning-rate schedule follow it" : "follows it", L->env_steps, lr_was, lr_now);
}

/* The clip library's counts and weights. A checkpoint without them (written before imitate.motion became
 * this .list) resumes with fresh counts and the list's weights; one of another library size is refused. */
static int restore_mining(learner *L, const ckpt_file *f, d2m_err *err) {
  const void *data;
  size_t len = 0, want = mining_state_len(&L->mine) * sizeof(double);
  d2m_err e2;
  if (ckpt_get(f, "mining", 0, &data, &len, &e2)) {
    LOG_W("checkpoint without clip mining state: the %d clips start from the list's weights", L->mine.n);
    return 0;
  }
  if (len != want)
    return err_set(err, "mining state of %zu bytes, this clip library (%d clips) needs %zu: resume with the same imitate.motion",
                   len, L->mine.n, want);
  double *s = xmalloc(want);
  memcpy(s, data, want); /* sections sit at any offset of the file buffer */
  int rc = mining_unpack(&L->mine, s, err);
  free(s);
  return rc;
}

/* The rehabilitation loop's body and phase. A checkpoint without them (written with rehab.enabled off)
 * resumes with the subject file's body and a fresh phase count. */
static int restore_rehab(learner *L, const ckpt_file *f, d2m_err *err) {
  const void *data;
  size_t len = 0;
  d2m_err e2;
  if (ckpt_get(f, "rehab", 0, &data, &len, &e2)) {
    LOG_W("checkpoint without a rehabilitation state (rehab.enabled was off): the body starts from env.subject");
    return 0;
  }
  if (len != LREHAB_STATE * sizeof(double))
    return err_set(err, "rehab state of %zu bytes, this build reads %zu", len, LREHAB_STATE * sizeof(double));
  double s[LREHAB_STATE];
  memcpy(s, data, sizeof s); /* sections sit at any offset of the file buffer */
  return lrehab_unpack(&L->rehab, s, err);
}

/* The checkpoint's learner group (no section: one learner with all actors) must be this run's. */
static int check_group(const learner *L, const ckpt_file *f, int64_t nactors, d2m_err *err) {
  const void *d;
  size_t len = 0;
  d2m_err e2;
  int64_t one[2] = {1, nactors}, *lay = one;
  if (ckpt_get(f, "learner_group", 0, &d, &len, &e2) == 0) {
    lay = xmalloc(len ? len : 1);
    memcpy(lay, d, len);
  }
  int same = len == 0 ? L->ngroup == 1 : len == ((size_t)L->ngroup + 1) * sizeof(int64_t) && lay[0] == L->ngroup;
  for (int k = 0; same && k < L->ngroup; k++) same = lay[k + 1] == L->grp_nact[k];
  if (!same)
    err_set(err, "written by a learner group of %lld learners (learner.group), this run has %d (with %d actors): resume "
            "with the learner.group and rank count of the run", (long long)lay[0], L->ngroup, L->total_actors);
  if (lay != one) free(lay);
  return same ? 0 : -1;
}

/* The checkpoint's K experts grown to this run's nn.experts (nn/moe.h): params, then Adam's m and v. */
static int grow_weights(learner *L, const ckpt_file *f, const ac_net *old, d2m_err *err) {
  static const char *const name[3] = {"params", "adam_m", "adam_v"};
  float *dst[3] = {L->ppo.params, L->ppo.adam.m, L->ppo.adam.v};
  float *buf = xaligned(old->nparams * sizeof(float));
  int rc = 0;
  for (int i = 0; i < 3 && !rc; i++)
    rc = ckpt_copy(f, name[i], buf, old->nparams * sizeof(float), err) ||
         moe_grow(old, buf, &L->net, dst[i], i > 0, err);
  free(buf);
  return rc ? -1 : 0;
}

/* params, adam_m and adam_v as written, or grown when this run asks for more experts (--resume RUN
 * --set nn.experts=K+1). The checkpoint's own config says how many experts its weights hold. */
static int restore_weights(learner *L, const ckpt_file *f, int64_t nparams, d2m_err *err) {
  size_t np = L->net.nparams;
  cfg_t *cc = xmalloc(sizeof *cc); /* cfg_t is large: not on the stack */
  int rc = policy_read_config(f, cc, err);
  int K = rc ? 0 : (int)cc->nn_experts, K2 = L->net.cfg.experts;
  char hidden[CFG_STR_MAX];
  snprintf(hidden, sizeof hidden, "%s", rc ? "" : cc->nn_hidden);
  free(cc);
  if (rc) return -1;
  if (K > K2)
    return err_set(err, "the checkpoint's network has %d experts (nn.experts), this run %d: experts can be added on "
                   "resume, not removed", K, K2);
  ac_config oc = L->net.cfg;
  oc.experts = K;
  ac_net old;
  ac_init(&old, &oc);
  if (nparams != (int64_t)old.nparams && !strcmp(hidden, L->cfg->nn_hidden))
    return err_set(err, "its weights (%lld parameters) do not fit its own config (nn.hidden=%s, nn.experts=%d: %zu "
                   "parameters): a damaged or edited checkpoint", (long long)nparams, hidden, K, old.nparams);
  if (nparams != (int64_t)old.nparams)
    return err_set(err, "network of %lld parameters (nn.hidden=%s, nn.experts=%d in its config), this run's with "
                   "nn.experts=%d would have %zu (nn.hidden=%s): only nn.experts may change on resume",
                   (long long)nparams, hidden, K, K, old.nparams, L->cfg->nn_hidden);
  if (K == K2) {
    int bad = ckpt_copy(f, "params", L->ppo.params, np * sizeof(float), err) ||
              ckpt_copy(f, "adam_m", L->ppo.adam.m, np * sizeof(float), err) ||
              ckpt_copy(f, "adam_v", L->ppo.adam.v, np * sizeof(float), err);
    return bad ? -1 : 0;
  }
  if (grow_weights(L, f, &old, err)) return -1;
  LOG_I("nn.experts %d -> %d: the new experts copy the expert with the largest gate bias and share its gate weight "
        "(the policy's mean action is unchanged); their Adam moments start at zero", K, K2);
  return 0;
}

static int restore_from(learner *L, const ckpt_file *f, d2m_err *err) {
  lckpt_meta meta;
  if (ckpt_copy(f, "meta", &meta, sizeof meta, err)) return -1;
  size_t E = (size_t)L->E, na = (size_t)L->total_actors, base = (size_t)L->actor_base;
  if (meta.obs_dim != L->obs_dim || meta.act_dim != L->act_dim)
    return err_set(err, "network for obs %lld, act %lld, this run has obs %d, act %d", (long long)meta.obs_dim,
                   (long long)meta.act_dim, L->obs_dim, L->act_dim);
  if (meta.nactors != L->total_actors || meta.envs != L->E)
    return err_set(err, "written by %lld actors x %lld envs, this run has %d x %d: resume with the same rank count and "
                   "env.num_envs (the checkpoint holds every env's state)",
                   (long long)meta.nactors, (long long)meta.envs, L->total_actors, L->E);
  if (check_group(L, f, meta.nactors, err)) return -1;
  size_t per = E + 3;
  double *obs = xmalloc(rstat_packed_len(L->obs_dim) * sizeof(double)), *rs = xmalloc(na * per * sizeof(double));
  int rc = restore_weights(L, f, meta.nparams, err) ||
           ckpt_copy(f, "obs_stats", obs, rstat_packed_len(L->obs_dim) * sizeof(double), err) ||
           ckpt_copy(f, "reward_scaling", rs, na * per * sizeof(double), err) ||
           ckpt_copy(f, "learner_rng", &L->ppo.rng, sizeof L->ppo.rng, err);
  if (!rc && L->amp_on) rc = amp_ckpt_restore(&L->amp, f, err) != 0;
  if (!rc && L->amp_on && L->ngroup > 1 && L->gidx > 0) rc = amp_group_restore_replay(&L->amp, f, err) != 0;
  if (!rc && L->mine.n) rc = restore_mining(L, f, err) != 0;
  if (!rc && L->rehab.on) rc = restore_rehab(L, f, err) != 0;
  if (!rc) {
    rstat_unpack(&L->obs_stats, obs);
    for (size_t i = 0; i < (size_t)L->nactors; i++) { /* this learner's rows: base.. */
      gae_rscale *g = &L->slot[i].rscale;
      const double *row = rs + (base + i) * per;
      memcpy(g->G, row, E * sizeof(double));
      g->count = row[E];
      g->mean = row[E + 1];
      g->m2 = row[E + 2];
    }
    L->update = meta.update;
    L->env_steps = meta.env_steps;
    L->version = meta.version;
    L->ppo.adam.t = meta.adam_t;
    L->wall_before = meta.wall_s;
    restore_actor_states(L, f);
    log_budget_change(L, f);
  }
  free(obs);
  free(rs);
  return rc ? -1 : 0;
}

int lckpt_restore(learner *L) {
  char path[4200] = "";
  ckpt_file f;
  d2m_err err;
  /* Learner 0 picks the checkpoint; the other learners of a group read the same file. */
  int ok = 1;
  if (L->lead && ckpt_open_newest(L->run_dir, path, sizeof path, &f, &err)) {
    LOG_E("--resume %s", err.msg);
    ok = -1;
  }
  if (group_ckpt_path(L, path, sizeof path, ok) < 0) return -1;
  if (!L->lead && ckpt_read(path, &f, &err)) {
    LOG_E("--resume %s: %s", path, err.msg);
    return -1;
  }
  int rc = restore_from(L, &f, &err);
  ckpt_close(&f);
  if (rc) {
    LOG_E("%s: %s", path, err.msg);
    return -1;
  }
  LOG_I("resumed from %s: update %ld, %lld env steps", path, L->update, L->env_steps);
  return 1;
}
