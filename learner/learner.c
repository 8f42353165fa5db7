/* learner/learner.c: see learner.h. The loop: gather batches -> PPO update -> publish weights ->
 * progress row -> checkpoint when due -> stop when the budget, the time limit or a signal says so. */
#include "learner/learner.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/ac_config.h"
#include "common/ckpt.h"
#include "common/mpi_util.h"
#include "common/signals.h"
#include "envs/env_config.h"
#include "envs/mirror.h"
#include "learner/learner_int.h"
#include "proto/wire.h"

/* Actors report (ok, obs_dim, act_dim); all must agree. */
static int gather_actor_reports(learner *L, d2m_err *err) {
  int size = L->nactors + 1;
  int *rep = xcalloc((size_t)size * 3, sizeof *rep);
  int mine[3] = {1, 0, 0};
  CHECK_MPI(MPI_Gather(mine, 3, MPI_INT, rep, 3, MPI_INT, 0, L->comm));
  int rc = 0;
  for (int r = 1; r < size && rc == 0; r++) {
    int *x = rep + 3 * r;
    if (!x[0]) rc = err_set(err, "actor rank %d failed to set up its environments (see its log lines above)", r);
    else if (r == 1) { L->obs_dim = x[1]; L->act_dim = x[2]; }
    else if (x[1] != L->obs_dim || x[2] != L->act_dim)
      rc = err_set(err, "actor rank %d reports obs/act sizes %d/%d, rank 1 %d/%d", r, x[1], x[2], L->obs_dim, L->act_dim);
  }
  free(rep);
  return rc;
}

static void learner_alloc(learner *L) {
  size_t TE = (size_t)L->T * (size_t)L->E, O = (size_t)L->obs_dim;
  int target = L->nactors * L->E * L->T;
  ppo_batch_init(&L->batch, target + L->E * L->T, L->obs_dim, L->act_dim);
  ppo_init(&L->ppo, &L->net, &L->pcfg, target + L->E * L->T, (uint64_t)L->cfg->run_seed);
  ppo_guard_init(&L->guard, L->net.nparams);
  rstat_init(&L->obs_stats, L->obs_dim);
  L->slot = xcalloc((size_t)L->nactors, sizeof *L->slot);
  for (int i = 0; i < L->nactors; i++) {
    L->slot[i].alive = 1;
    gae_rscale_init(&L->slot[i].rscale, L->E, L->pcfg.gamma);
  }
  proto_decoder_init(&L->dec);
  L->pub = xaligned(L->net.nparams * sizeof(float));
  msgpack_sbuffer_init(&L->pub_hdr);
  L->pub_req = xmalloc((size_t)L->nactors * 2 * sizeof *L->pub_req);
  for (int i = 0; i < 2 * L->nactors; i++) L->pub_req[i] = MPI_REQUEST_NULL;
  L->s_tval = xaligned(TE * 4);
  L->s_boot = xaligned((size_t)L->E * 4);
  L->s_mean = xcalloc(O, sizeof(double));
  L->s_m2 = xcalloc(O, sizeof(double));
  L->s_use = xcalloc(MODEL_NMUSCLE, sizeof(double));
}

/* AMP: reference transitions of imitate.motion on a private env, the discriminator and its buffers. */
static int amp_setup(learner *L, d2m_err *err) {
  const cfg_t *c = L->cfg;
  float *ref = NULL;
  long nref = 0;
  amp_config ac;
  if (amp_config_from_cfg(c, &ac, err)) return -1;
  if (amp_reference_from_cfg(c, &ref, &nref, &ac.feat, err)) return -1;
  long TE = (long)L->T * L->E;
  /* A group's checkpoint gathers learners 1..L-1's replay rows in one MPI_Gatherv (int counts); the
   * kept columns are at most 2F. */
  if (L->ngroup > 1 && (double)ac.replay_size * 2 * ac.feat * (L->ngroup - 1) > (double)INT_MAX) {
    free(ref);
    return err_set(err, "amp.replay_size = %ld: the replay buffers of %d learners (%d columns) exceed what one "
                   "checkpoint gather can carry (%d floats); lower amp.replay_size or learner.group", ac.replay_size,
                   L->ngroup - 1, 2 * ac.feat, INT_MAX);
  }
  amp_init(&L->amp, &ac, ref, nref, L->batch.cap, (uint64_t)c->run_seed);
  free(ref);
  if (L->ngroup > 1) amp_set_group(&L->amp, L->lcomm, L->ngroup, L->gidx); /* amp.h, "learner group" */
  L->s_style = xaligned((size_t)TE * sizeof(float));
  L->amp_on = 1;
  LOG_I("amp: %ld reference transitions of %s, %d features per state, %d of the %d transition columns animated "
        "by the reference, discriminator %s, %zu parameters, w_task %g w_style %g",
        nref, c->imitate_motion, ac.feat, L->amp.din, 2 * ac.feat, c->amp_hidden, L->amp.layout.total, c->amp_w_task,
        c->amp_w_style);
  return 0;
}

static void learner_free(learner *L) {
  mining_free(&L->mine);
  if (L->amp_on) {
    amp_free(&L->amp);
    free(L->s_style);
    L->amp_on = 0;
  }
  if (!L->slot) return;
  group_free(L);
  ppo_batch_free(&L->batch);
  ppo_free(&L->ppo);
  ppo_guard_free(&L->guard);
  rstat_free(&L->obs_stats);
  for (int i = 0; i < L->nactors; i++) {
    for (int k = 0; k <= INTAKE_QUEUE; k++) {
      free(L->slot[i].q[k].buf);
      free(L->slot[i].q[k].eps);
    }
    free(L->slot[i].state);
    gae_rscale_free(&L->slot[i].rscale);
  }
  free(L->slot);
  proto_decoder_free(&L->dec);
  msgpack_sbuffer_destroy(&L->pub_hdr);
  void *b[] = {L->pub, L->pub_req, L->s_tval, L->s_boot, L->s_mean, L->s_m2, L->s_use};
  for (size_t i = 0; i < sizeof b / sizeof *b; i++) free(b[i]);
}

static void check_silent_actors(learner *L);

/* Wait until the previous weights (or stop) reached every live actor, receiving batches meanwhile so
 * that no actor blocks on a send (they wait in their queues for the next update); an actor that
 * stays silent is dealt with by check_silent_actors.
 * A silent actor's sends stay pending: it takes them in order if it comes back. */
static void wait_sends(learner *L) {
  for (;;) {
    int pending = 0;
    for (int i = 0; i < L->nactors; i++) {
      if (!L->slot[i].alive) continue;
      int done = 0;
      CHECK_MPI(MPI_Testall(2, &L->pub_req[2 * i], &done, MPI_STATUSES_IGNORE));
      pending += !done;
    }
    if (!pending) return;
    intake_poll(L, 0.001);
    check_silent_actors(L);
  }
}

/* Send the current weights and merged observation moments to every live actor. */
static void publish(learner *L) {
  wait_sends(L); /* pub and pub_hdr are free again */
  size_t np = L->net.nparams;
  memcpy(L->pub, L->ppo.params, np * sizeof(float));
  if (L->ppo.mir) { /* the normalisation the actors will use for the batches of these weights */
    float *mean = xmalloc(2 * (size_t)L->obs_dim * sizeof(float)), *istd = mean + L->obs_dim;
    rstat_export(&L->obs_stats, 1e-8f, mean, istd);
    ppo_mirror_norm(&L->ppo, mean, istd, (float)L->cfg->ppo_obs_clip);
    free(mean);
  }
  proto_weights_src w = {.policy_version = L->version, .param_count = np, .checksum = proto_weights_checksum(L->pub, np),
                         .obs_dim = (uint32_t)L->obs_dim, .obs_count = (uint64_t)L->obs_stats.count,
                         .obs_mean = L->obs_stats.mean, .obs_m2 = L->obs_stats.m2,
                         /* mining off: no clip weights, the actors keep their list's */
                         .n_clips = L->mine.on ? (uint32_t)L->mine.n : 0, .clip_weights = L->mine.w,
                         /* rehab.enabled: the body as the last phase left it (the subject's before the first) */
                         .body_muscles = L->rehab.on ? MODEL_NMUSCLE : 0, .body_strength = L->rehab.strength,
                         .body_spas_gain = L->rehab.spas_gain};
  d2m_err err;
  if (proto_encode_weights(&w, &L->pub_hdr, &err)) D2M_FATAL("encoding weights: %s", err.msg);
  for (int i = 0; i < L->nactors; i++) {
    if (!L->slot[i].alive) continue;
    CHECK_MPI(MPI_Isend(L->pub_hdr.data, (int)L->pub_hdr.size, MPI_BYTE, i + 1, WIRE_TAG_L2A, L->comm, &L->pub_req[2 * i]));
    CHECK_MPI(MPI_Isend(L->pub, (int)np, MPI_FLOAT, i + 1, WIRE_TAG_L2A, L->comm, &L->pub_req[2 * i + 1]));
  }
}

/* Tell every actor to stop and wait for each live one's bye (their last batches are drained). An
 * actor that went silent gets the stop too and a short grace; if it never answers, the job cannot
 * end with MPI_Finalize, so it is aborted (the checkpoint is already written). */
static void stop_actors(learner *L, const char *reason) {
  wait_sends(L);
  proto_control c = {.command = PROTO_CMD_STOP};
  snprintf(c.reason, sizeof c.reason, "%s", reason);
  d2m_err err;
  if (proto_encode_control(&c, &L->pub_hdr, &err)) D2M_FATAL("encoding stop: %s", err.msg);
  MPI_Request *stop_req = xmalloc((size_t)L->nactors * sizeof *stop_req);
  for (int i = 0; i < L->nactors; i++) {
    stop_req[i] = MPI_REQUEST_NULL;
    if (L->slot[i].dead) continue; /* a send to a dead rank would never complete */
    CHECK_MPI(MPI_Isend(L->pub_hdr.data, (int)L->pub_hdr.size, MPI_BYTE, i + 1, WIRE_TAG_L2A, L->comm, &stop_req[i]));
  }
  double t0 = log_elapsed(), grace = 10.0;
  L->sync = 0; /* whatever still arrives is drained, not learned from */
  for (;;) {
    int live = 0, silent = 0;
    lost_check(L);
    for (int i = 0; i < L->nactors; i++) {
      if (L->slot[i].said_bye || L->slot[i].dead) continue;
      if (L->slot[i].alive) live++;
      else silent++;
    }
    if (!live && !silent) break;
    double waited = log_elapsed() - t0;
    if ((live && waited > L->cfg->learner_actor_timeout_s) || (!live && waited > grace)) {
      LOG_E("%d actors did not acknowledge the stop (%d were silent): aborting the job; the checkpoint is written",
            live + silent, silent);
      MPI_Abort(L->comm, 1);
    }
    intake_poll(L, 0.05);
  }
  CHECK_MPI(MPI_Waitall(L->nactors, stop_req, MPI_STATUSES_IGNORE));
  wait_sends(L);
  free(stop_req);
}

/* An actor silent for longer than the timeout: async goes on without it; sync cannot, so the learner
 * writes a checkpoint and ends the job (Open MPI 4.1 cannot finalize with a hung rank). */
static void check_silent_actors(learner *L) {
  lost_check(L);
  double now = log_elapsed();
  for (int i = 0; i < L->nactors; i++) {
    actor_slot *s = &L->slot[i];
    if (!s->alive || s->q_n || now - s->last_heard < L->cfg->learner_actor_timeout_s) continue;
    LOG_E("actor rank %d silent for %.0f s (learner.actor_timeout_s): %s", i + 1, now - s->last_heard,
          L->sync ? "sync mode cannot go on without it" : "going on with the others");
    s->alive = 0;
    if (L->sync && L->ngroup > 1) { /* the checkpoint is collective over the learners, who are busy elsewhere */
      LOG_E("stopping without a checkpoint (learner group): continue this run from its last checkpoint with --resume %s",
            L->run_dir);
      MPI_Abort(L->comm, 2);
    }
    if (L->sync) {
      lckpt_save(L, "silent actor", 0);
      LOG_E("stopping: continue this run from its checkpoint with --resume %s", L->run_dir);
      MPI_Abort(L->comm, 2);
    }
  }
}

/* Why the run should stop now, or NULL. */
static const char *stop_reason(const learner *L, double start) {
  /* A full disk: checkpoint (its own file may still fit, or the previous ones stay) and stop. */
  if (L->write_errno) return "progress write error";
  if (lost_all(L)) return "every actor died";
  if (log_file_error()) return "train.log write error";
  int sig = signals_stop_requested();
  if (sig == 15) return "SIGTERM";
  if (sig == 10) return "SIGUSR1";
  if (sig) return "signal";
  if (L->cfg->run_total_steps > 0 && L->env_steps >= L->cfg->run_total_steps) return "step budget reached";
  double limit = L->cfg->run_time_limit_min * 60.0;
  /* Leave room for one more update and the checkpoint before the limit. */
  if (limit > 0 && log_elapsed() - start > limit * 0.97 - 10.0) return "time limit";
  return NULL;
}

/* The learners of a group stop together, for the gravest reason any of them has (one learner: its own). */
static const char *agree_stop(learner *L, const char *why) {
  static const char *k_why[] = {NULL, "step budget reached", "time limit", "signal", "SIGUSR1", "SIGTERM",
                                "every actor died", "train.log write error", "progress write error"};
  int n = (int)(sizeof k_why / sizeof *k_why), mine = 0;
  if (L->ngroup == 1) return why;
  for (int i = 1; i < n; i++)
    if (why && !strcmp(why, k_why[i])) mine = i;
  if (why && !mine) mine = 3;
  return k_why[group_max(L, mine)];
}

/* Fraction of the step budget spent before an update, for the LR schedule; 0 without a budget (the
 * learning rate is then held constant: a time limit is no schedule a sync run could reproduce). */
static double lr_progress(const cfg_t *c, long long steps_before) {
  if (c->run_total_steps <= 0) return 0;
  return fmin(1.0, (double)steps_before / (double)c->run_total_steps);
}

/* Wait for the batches of one update; returns 0 when ready, 1 on a stop request. Only here do
 * batches enter the PPO batch (async: those queued first, oldest first); sync consumes in run_loop.
 * In sync mode a stop request waits for the update's batches (one rollout, the actors never poll
 * during it): the checkpoint is then written after the update, where every actor's state lines up
 * with the learner's, so a run preempted by a signal and resumed equals the uninterrupted run bit
 * for bit. */
static int gather(learner *L) {
  int target = L->nactors * L->E * L->T, rc = 0;
  L->gathering = 1;
  for (;;) {
    if (!L->sync) intake_consume_queued(L, target);
    if (L->sync ? intake_sync_complete(L) : L->batch.n >= target) break;
    if ((!L->sync && signals_stop_requested()) || lost_all(L)) {
      rc = 1;
      break;
    }
    intake_poll(L, 0.5);
    check_silent_actors(L);
  }
  L->gathering = 0;
  return rc;
}

static int run_loop(learner *L) {
  double start = 0; /* the time limit counts from process start (log_init), set-up included */
  ppo_metrics m;
  const char *why = agree_stop(L, stop_reason(L, start));
  int rc = 0;
  if (why) { /* e.g. resuming a run whose budget is already spent */
    LOG_I("nothing to do at update %ld, %lld env steps: %s", L->update, L->env_steps, why);
    L->stop_why = why;
    stop_actors(L, why);
    intake_final_report(L);
    return 0;
  }
  publish(L);
  for (;;) {
    ppo_batch_clear(&L->batch);
    /* The schedule's progress counts the steps before this update's batches: the last update of a
     * budget still learns (lr / number of updates, as CleanRL's frac = 1 - (update - 1) / updates). */
    long long steps_before = L->env_steps;
    int g = gather(L);
    if (L->ngroup > 1) { /* the group's batches are in: stop together, or share steps and moments */
      if (!g && L->sync) for (int r = 1; r <= L->nactors; r++) if (L->slot[r - 1].q_n) intake_consume(L, r);
      g = group_update_sync(L, g);
    }
    if (g == 1) {
      L->steps_dropped += L->batch.n; /* async: gathered for an update that will not run */
      why = agree_stop(L, stop_reason(L, start));
      if (!why) why = "signal"; /* another learner's stop request */
      rc = lckpt_save(L, why, 1) || lost_all(L) ? 1 : 0;
      break;
    }
    if (L->sync && L->ngroup == 1)
      for (int r = 1; r <= L->nactors; r++)
        if (L->slot[r - 1].q_n) intake_consume(L, r);
    L->steps_used += L->batch.n;
    double progress = lr_progress(L->cfg, steps_before);
    ppo_guard_save(&L->guard, &L->ppo);
    ppo_update(&L->ppo, &L->batch, progress, &m);
    if (ppo_guard_check(&L->guard, &L->ppo)) {
      L->steps_used -= L->batch.n; /* the refused update's batch is dropped, not used */
      L->steps_dropped += L->batch.n;
      LOG_E("update %ld refused: it left non-finite parameters (NaN/inf); the previous weights are kept and its "
            "batch dropped (%ld refused so far)", L->update + 1, L->guard.refused);
    }
    if (L->amp_on) amp_train(&L->amp, &L->amp_m);
    L->update++;
    L->version++;
    mining_update(&L->mine); /* the clip weights the next publish sends (and the checkpoint keeps) */
    if (L->lead) progress_row(L, &m);
    if (lrehab_due(&L->rehab, L->update)) { /* the body the next publish sends (and the checkpoint keeps) */
      lrehab_phase(&L->rehab);
      progress_rehab_row(L);
    }
    intake_reset_update_stats(L);
    /* Checkpoint before publishing: in sync mode every actor is then waiting for these weights, so
     * its saved state lines up with the learner's and a resumed run equals an uninterrupted one. */
    why = agree_stop(L, stop_reason(L, start));
    if ((why || L->update % L->cfg->run_checkpoint_every == 0) && lckpt_save(L, why ? why : "periodic", 1) && why)
      rc = 1;
    if (L->write_errno || log_file_error()) rc = 1; /* the run's records are incomplete: not a clean end */
    if (why) break;
    publish(L);
  }
  LOG_I("stopping after update %ld, %lld env steps: %s", L->update, L->env_steps, why);
  L->stop_why = why;
  stop_actors(L, why);
  intake_final_report(L);
  return rc;
}

/* Set-up failed before any weights: every actor waits for its first learner message, a stop. */
static void stop_at_setup(learner *L) {
  d2m_err err;
  for (int r = 1; r <= L->nactors; r++) {
    proto_control c = {.command = PROTO_CMD_STOP};
    snprintf(c.reason, sizeof c.reason, "setup failed");
    msgpack_sbuffer b;
    msgpack_sbuffer_init(&b);
    if (proto_encode_control(&c, &b, &err) == 0)
      CHECK_MPI(MPI_Send(b.data, (int)b.size, MPI_BYTE, r, WIRE_TAG_L2A, L->comm));
    msgpack_sbuffer_destroy(&b);
    char bye[256];
    CHECK_MPI(MPI_Recv(bye, sizeof bye, MPI_BYTE, r, WIRE_TAG_A2L, L->comm, MPI_STATUS_IGNORE));
  }
}

static void log_setup(const learner *L) {
  const cfg_t *cfg = L->cfg;
  LOG_I("learner: %d actors x %d envs x %d steps = %d samples per update, obs %d, act %d, %zu parameters, %s mode",
        L->nactors, L->E, L->T, L->nactors * L->E * L->T, L->obs_dim, L->act_dim, L->net.nparams, cfg->learner_mode);
  if (L->ngroup > 1)
    LOG_I("learner group: %d learners, %d actors in all; gradients averaged with one allreduce of %zu floats per "
          "minibatch", L->ngroup, L->total_actors, L->net.nparams + GRP_STATS);
  if (cfg->run_total_steps > 0)
    LOG_I("budget: %lld env steps%s; time limit %s", (long long)cfg->run_total_steps,
          cfg->ppo_anneal_lr ? " (the learning rate anneals over them)" : "",
          cfg->run_time_limit_min > 0 ? "set" : "none");
  else
    LOG_I("budget: no step budget, %s; the learning rate is held at %g", cfg->run_time_limit_min > 0
          ? "the time limit ends the run" : "no time limit either: only a signal ends the run", cfg->ppo_lr);
}

/* Restore (resume) and open the progress files; the learners of a group agree on the outcome.
 * Returns restored (0/1), or -1 when the run cannot start (its actors are stopped). */
static int learner_open(learner *L, int resume) {
  if (L->lead) ckpt_clean_temporaries(L->run_dir); /* a write killed by a second signal leaves its temporary */
  int restored = resume ? lckpt_restore(L) : 0;
  if (L->ngroup > 1) restored = -group_max(L, -restored); /* the least: any failure fails all */
  if (resume && L->lead) lckpt_commit_config(L, restored > 0);
  if (restored > 0) log_set_offset(L->wall_before); /* the log's clock goes on from the earlier sessions */
  if (restored < 0) {
    stop_actors(L, "resume failed");
    return -1;
  }
  L->steps_mark = L->env_steps;
  int bad = L->lead && progress_open(L, restored) != 0;
  if (group_max(L, bad)) {
    stop_actors(L, "cannot write progress");
    return -1;
  }
  return restored;
}

/* ppo.mirror: the mirror maps of the run's env (a private one, as the AMP reference's). */
static int mirror_setup(learner *L, d2m_err *err) {
  env_t *e = env_config_env(L->cfg, -1, err);
  env_mirror mr = {0};
  int rc = !e || env_mirror_build(e, &mr, err) ? -1 : 0;
  if (!rc && (mr.obs_dim != L->obs_dim || mr.act_dim != L->act_dim))
    rc = err_set(err, "the mirror's sizes %d/%d are not the actors' %d/%d", mr.obs_dim, mr.act_dim, L->obs_dim,
                 L->act_dim);
  if (!rc) ppo_set_mirror(&L->ppo, mr.obs_src, mr.obs_sign, mr.act_src, mr.act_sign);
  env_mirror_free(&mr);
  env_config_free(e);
  return rc;
}

/* The optional parts a config turns on: clip mining (imitate with a library), the rehabilitation loop,
 * the mirror-symmetry loss, AMP. A failure is logged and stops the actors. */
static int modules_setup(learner *L) {
  const cfg_t *cfg = L->cfg;
  d2m_err err;
  if (!strcmp(cfg->env_task, "imitate") &&
      mining_init(&L->mine, cfg->imitate_motion, cfg->imitate_mining, cfg->imitate_mining_floor, cfg->imitate_mining_decay, &err)) {
    LOG_E("%s", err.msg);
    stop_actors(L, "clip library");
    return -1;
  }
  if (L->mine.n)
    LOG_I("clip library: %d clips from %s; mining %s%s", L->mine.n, cfg->imitate_motion, cfg->imitate_mining,
          L->mine.on ? " (weights follow each clip's failure rate, learner/mining.h); clips.csv has them per update"
                    : "; clips.csv has each clip's results per update");
  if (lrehab_init(&L->rehab, cfg, &err)) {
    LOG_E("rehab: %s", err.msg);
    stop_actors(L, "rehab setup failed");
    return -1;
  }
  if (L->rehab.on)
    LOG_I("rehab: a recovery step of the %s side every %lld updates (rate %g, ceiling %g, recovers %s); starting "
          "strength %.4f, spasticity gain %.4f (side means); rehab.csv has one row per phase", cfg->rehab_side,
          (long long)cfg->rehab_phase_updates, cfg->rehab_rate, cfg->rehab_ceiling, cfg->rehab_recover,
          lrehab_side_mean(&L->rehab, L->rehab.strength), lrehab_side_mean(&L->rehab, L->rehab.spas_gain));
  if (cfg->ppo_mirror > 0 && mirror_setup(L, &err)) {
    LOG_E("ppo.mirror: %s", err.msg);
    stop_actors(L, "mirror setup failed");
    return -1;
  }
  if (cfg->amp_enabled && amp_setup(L, &err)) {
    LOG_E("amp: %s", err.msg);
    stop_actors(L, "amp setup failed");
    return -1;
  }
  return 0;
}

int learner_run(const cfg_t *cfg, const char *run_dir, int resume, MPI_Comm comm, MPI_Comm lcomm, const grp_layout *g) {
  learner L;
  memset(&L, 0, sizeof L);
  L.cfg = cfg;
  L.comm = comm;
  L.run_dir = run_dir;
  L.ngroup = 1;
  L.lcomm = MPI_COMM_NULL;
  L.lead = 1;
  int size, wrank;
  CHECK_MPI(MPI_Comm_size(comm, &size));
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &wrank));
  L.nactors = size - 1;
  L.E = (int)cfg->env_num_envs;
  L.T = (int)cfg->actor_rollout_steps;
  L.sync = !strcmp(cfg->learner_mode, "sync");
  ppo_config_from_cfg(cfg, &L.pcfg);
  d2m_err err;
  ac_config ac;
  int rc = gather_actor_reports(&L, &err);
  if (!rc) rc = ac_config_from_cfg(cfg, L.obs_dim, L.act_dim, &ac, &err);
  if (rc) LOG_E("%s", err.msg);
  if (g && g->L > 1) { /* a learner whose actors failed fails the group */
    L.ngroup = g->L, L.lcomm = lcomm;
    rc = group_max(&L, rc != 0);
  }
  if (rc) {
    stop_at_setup(&L);
    return 1;
  }
  ac_init(&L.net, &ac);
  learner_alloc(&L);
  group_init(&L, lcomm, g && g->L > 1 ? g : NULL, wrank);
  if (L.ngroup > 1) ppo_set_group(&L.ppo, lcomm, L.ngroup);
  lost_init(&L);
  log_setup(&L);
  if (modules_setup(&L)) {
    learner_free(&L);
    return 1;
  }
  int restored = learner_open(&L, resume);
  if (restored >= 0) {
    for (int i = 0; i < L.nactors; i++) L.slot[i].last_heard = log_elapsed();
    intake_reset_update_stats(&L);
    if (restored) lckpt_send_actor_states(&L);
    rc = run_loop(&L);
    if (L.ngroup > 1)
      LOG_I("learner group: %ld gradient allreduces of %zu floats, %.3f ms each on average", L.ppo.red_n,
            L.net.nparams + GRP_STATS, L.ppo.red_n ? 1e3 * L.ppo.red_s / (double)L.ppo.red_n : 0.0);
    if (L.ngroup > 1 && L.amp_on)
      LOG_I("learner group: %ld AMP discriminator allreduces of %zu floats, %.3f ms each on average", L.amp.red_n,
            L.amp.layout.total + GRP_STATS, L.amp.red_n ? 1e3 * L.amp.red_s / (double)L.amp.red_n : 0.0);
    if (L.lead) {
      progress_close(&L);
      int plotted = cfg->run_plots && progress_plot(run_dir, cfg->env_sim_dt * (double)cfg->env_substeps) == 0;
      summary_log(&L, L.stop_why, plotted);
    }
  } else {
    rc = 1;
  }
  learner_free(&L);
  return rc;
}
