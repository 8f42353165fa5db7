/* actor/actor.c: see actor.h. */
#include "actor/actor.h"

#include "actor/rollout.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nn/ac.h"
#include "nn/ac_config.h"
#include "common/mpi_util.h"
#include "common/rng.h"
#include "envs/env.h"
#include "envs/env_config.h"
#include "envs/model/model.h"
#include "proto/proto.h"
#include "proto/wire.h"

typedef struct actor {
  const cfg_t *cfg;
  MPI_Comm comm;
  int rank, E, T, obs_dim, act_dim, sync;
  int stream, all_actors;    /* world rank (names its random streams), actors of the whole job */
  mjModel *model;
  motionlib lib;             /* imitate.motion = a .list: the clips every env samples from (else empty) */
  env_t **env;
  ac_net net;
  rollout ro;                /* the rollout loop and the batch it fills (actor/rollout.h) */
  float *params, *incoming;  /* current weights; receive buffer for the next ones */
  uint64_t version;
  float *mean, *inv_std;     /* the learner's normalisation statistics */
  proto_episode *eps;        /* the rollout's ended episodes as the batch message lists them */
  msgpack_sbuffer sbuf[2];
  MPI_Request req[2];
  int cur;
  proto_decoder dec;
  char *rbuf;
  int rcap;
  unsigned char *state;      /* [state_size] the actor's state for checkpoints */
  size_t state_size, env_state_bytes;
  /* rehabilitation loop (rehab.enabled): the batch's muscle use, summed over the envs, and the
   * body the learner publishes (strength, then spasticity gain per muscle) */
  int rehab;
  double *use, *use_env, *body;
  long learner_pid;          /* the learner's pid when it runs on this host (else 0): watched while waiting */
  double learner_look;       /* log_elapsed() of the next look at that pid */
  int orphan;                /* the learner is gone: stop without a word to it */
} actor;

/* The actor's state in a checkpoint: what a resumed actor needs to continue exactly where it was
 * (policy noise stream, every env's simulation and episode state). */
typedef struct actor_state_hdr {
  char magic[8]; /* "D2MACT1" */
  uint32_t envs, env_bytes;
  rng_t rng;
} actor_state_hdr;

enum { POLL_NONE = 0, POLL_WEIGHTS = 1, POLL_STOP = 2 };

static int actor_setup(actor *a, const cfg_t *cfg, MPI_Comm comm, int stream, int all_actors, d2m_err *err) {
  memset(a, 0, sizeof *a);
  a->cfg = cfg;
  a->comm = comm;
  a->stream = stream;
  a->all_actors = all_actors;
  CHECK_MPI(MPI_Comm_rank(comm, &a->rank));
  /* Messaging first: an actor whose setup fails still takes part in the stop handshake. */
  for (int k = 0; k < 2; k++) {
    msgpack_sbuffer_init(&a->sbuf[k]);
    a->req[k] = MPI_REQUEST_NULL;
  }
  proto_decoder_init(&a->dec);
  a->E = (int)cfg->env_num_envs;
  a->T = (int)cfg->actor_rollout_steps;
  a->sync = !strcmp(cfg->learner_mode, "sync");
  env_params ep;
  if (env_params_from_cfg(cfg, &ep, err)) return -1;
  if (!(a->model = env_model_from_cfg(cfg, err))) return -1;
  /* A clip library is loaded once and shared; each env draws its clips with its own stream. */
  int use_lib = ep.task == ENV_TASK_IMITATE && ep.motion == ENV_MOTION_FILE && env_motion_is_list(ep.motion_path);
  if (use_lib && motionlib_load_list(&a->lib, a->model, ep.motion_path, ep.dt, err))
    return err_wrap(err, "imitate.motion = %s", ep.motion_path);
  a->env = xcalloc((size_t)a->E, sizeof *a->env);
  for (int e = 0; e < a->E; e++) {
    a->env[e] = use_lib ? env_create_lib(a->model, &ep, &a->lib, err) : env_create(a->model, &ep, NULL, err);
    if (!a->env[e]) return err_wrap(err, "env %d", e);
    rng_t s;
    rng_seed(&s, (uint64_t)cfg->run_seed, (uint64_t)a->stream, RNG_ENV, (uint64_t)e);
    env_reset(a->env[e], rng_u64(&s));
  }
  a->obs_dim = env_obs_size(a->env[0]);
  a->act_dim = env_act_size(a->env[0]);
  ac_config ac;
  if (ac_config_from_cfg(cfg, a->obs_dim, a->act_dim, &ac, err)) return -1;
  ac_init(&a->net, &ac);
  size_t np = a->net.nparams, O = (size_t)a->obs_dim, E = (size_t)a->E, T = (size_t)a->T;
  a->params = xaligned(np * sizeof(float));
  a->incoming = xaligned(np * sizeof(float));
  a->mean = xcalloc(O, sizeof(float));
  a->inv_std = xcalloc(O, sizeof(float));
  rollout_config rc = {.envs = a->E, .steps = a->T, .obs_dim = a->obs_dim, .act_dim = a->act_dim,
                       .amp_feat = cfg->amp_enabled ? env_amp_size(a->env[0]) : 0, .obs_clip = (float)cfg->ppo_obs_clip,
                       .action = ROLLOUT_SAMPLE,
                       .max_episodes = (int)(T * E < PROTO_MAX_EPISODES ? T * E : PROTO_MAX_EPISODES)};
  rollout_init(&a->ro, &rc, &rollout_env_ops, (void **)a->env, &a->net);
  rng_seed(&a->ro.rng, (uint64_t)cfg->run_seed, (uint64_t)a->stream, RNG_POLICY, 0);
  a->ro.params = a->params, a->ro.mean = a->mean, a->ro.inv_std = a->inv_std;
  a->eps = xcalloc((size_t)rc.max_episodes, sizeof *a->eps);
  a->env_state_bytes = env_state_size(a->env[0]);
  a->state_size = sizeof(actor_state_hdr) + E * a->env_state_bytes + ac_noise_state_size(&a->ro.ws);
  a->state = xmalloc(a->state_size);
  if ((a->rehab = (int)cfg->rehab_enabled)) {
    a->use = xcalloc(MODEL_NMUSCLE, sizeof(double));
    a->use_env = xcalloc(MODEL_NMUSCLE, sizeof(double));
    a->body = xcalloc(2 * MODEL_NMUSCLE, sizeof(double));
  }
  return 0;
}

static void actor_free(actor *a) {
  for (int e = 0; a->env && e < a->E; e++) env_free(a->env[e]);
  free(a->env);
  motionlib_free(&a->lib); /* after the envs that borrow it */
  if (a->model) mj_deleteModel(a->model);
  rollout_free(&a->ro);
  void *bufs[] = {a->params, a->incoming, a->mean, a->inv_std, a->eps, a->rbuf, a->state, a->use, a->use_env, a->body};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
  for (int k = 0; k < 2; k++) msgpack_sbuffer_destroy(&a->sbuf[k]);
  proto_decoder_free(&a->dec);
}

/* The learner is gone: its process on this host no longer exists (looked at every 0.2 s), or it has
 * been waited for since `since` longer than actor.learner_timeout_s (a learner on another host, or
 * one that hangs). Under mpirun --enable-recovery nothing else would end this rank. Logged once. */
static int learner_gone(actor *a, double since) {
  if (a->orphan) return 1;
  double now = log_elapsed();
  int dead = 0;
  if (a->learner_pid > 0 && now >= a->learner_look) {
    a->learner_look = now + 0.2;
    dead = kill((pid_t)a->learner_pid, 0) != 0 && errno == ESRCH;
  }
  if (!dead && now - since < a->cfg->actor_learner_timeout_s) return 0;
  a->orphan = 1;
  if (dead) LOG_E("the learner (pid %ld) is gone: this actor stops", a->learner_pid);
  else LOG_E("no word from the learner for %.0f s (actor.learner_timeout_s): this actor stops", now - since);
  return 1;
}

/* Between two looks at the learner: -1 when it is gone, else a nap growing from 50 us to 2 ms (not
 * MPI's busy wait). */
static int nap_for_learner(actor *a, double since, useconds_t *nap) {
  if (learner_gone(a, since)) return -1;
  usleep(*nap);
  if (*nap < 2000) *nap *= 2;
  return 0;
}

/* Complete a send to or receive from the learner; -1 when the learner is gone (the request is left:
 * this rank is about to stop). */
static int wait_learner(actor *a, MPI_Request *rq) {
  double since = log_elapsed();
  for (useconds_t nap = 50;;) {
    int done = 0;
    CHECK_MPI(MPI_Test(rq, &done, MPI_STATUS_IGNORE));
    if (done) return 0;
    if (nap_for_learner(a, since, &nap)) return -1;
  }
}

/* Wait for the learner's next L2A message (its envelope in st); -1 when the learner is gone. */
static int probe_learner(actor *a, MPI_Status *st) {
  double since = log_elapsed();
  for (useconds_t nap = 50;;) {
    int flag = 0;
    CHECK_MPI(MPI_Iprobe(0, WIRE_TAG_L2A, a->comm, &flag, st));
    if (flag) return 0;
    if (nap_for_learner(a, since, &nap)) return -1;
  }
}

/* Receive the probed L2A message of n bytes into buf; -1 when the learner is gone mid-message. */
static int recv_learner(actor *a, void *buf, int n) {
  MPI_Request rq;
  CHECK_MPI(MPI_Irecv(buf, n, MPI_BYTE, 0, WIRE_TAG_L2A, a->comm, &rq));
  return wait_learner(a, &rq);
}

/* Receive one L2A message of known size into rbuf (grown at most a few times per run); its size, or
 * -1 when the learner is gone. */
static int recv_l2a(actor *a, MPI_Status *st) {
  int n = 0;
  CHECK_MPI(MPI_Get_count(st, MPI_BYTE, &n));
  if (n > a->rcap) {
    a->rbuf = realloc(a->rbuf, (size_t)n);
    D2M_CHECK(a->rbuf != NULL, "out of memory for a learner message");
    a->rcap = n;
  }
  return recv_learner(a, a->rbuf, n) ? -1 : n;
}

/* Clip weights of the learner's mining (imitate.mining): the library draws the next episodes' clips
 * by them (episodes under way keep their clip). They arrive with the policy: in sync mode between
 * rollouts, in async mode between steps, like the weights themselves. */
static void take_clip_weights(actor *a, const proto_weights *h) {
  size_t n = h->clip_weights.n;
  if (!n) return; /* mining off: the .list's weights stay */
  if (n != (size_t)a->lib.n) {
    LOG_E("weights v%llu: %zu clip weights, this actor's library has %d clips: ignored", (unsigned long long)h->policy_version,
          n, a->lib.n);
    return;
  }
  d2m_err err;
  for (size_t i = 0; i < n; i++)
    if (motionlib_set_weight(&a->lib, (int)i, proto_f64_at(h->clip_weights, i), &err)) LOG_E("clip weights: %s", err.msg);
}

/* The rehabilitation loop's body, published with the weights after each of the learner's recovery
 * steps: every env takes it (from its next step on; envs/env.h env_set_body). */
static void take_body(actor *a, const proto_weights *h) {
  size_t n = h->body_strength.n;
  if (!n) return;
  if (!a->rehab || n != MODEL_NMUSCLE) {
    if (a->rehab)
      LOG_E("weights v%llu: a body of %zu muscles ignored: the model has %d", (unsigned long long)h->policy_version, n,
            MODEL_NMUSCLE);
    else
      LOG_E("weights v%llu: a body of %zu muscles ignored: this actor runs without rehab.enabled",
            (unsigned long long)h->policy_version, n);
    return;
  }
  proto_f64_copy(a->body, h->body_strength);
  proto_f64_copy(a->body + MODEL_NMUSCLE, h->body_spas_gain);
  d2m_err err;
  for (int e = 0; e < a->E; e++)
    if (env_set_body(a->env[e], a->body, a->body + MODEL_NMUSCLE, &err)) {
      LOG_E("weights v%llu: body not taken by env %d: %s", (unsigned long long)h->policy_version, e, err.msg);
      return;
    }
}

/* A weights header was decoded: its float payload is the next L2A message. */
static int take_weights(actor *a, const proto_weights *h) {
  size_t np = a->net.nparams;
  MPI_Status st;
  if (probe_learner(a, &st)) return POLL_STOP;
  int n = 0;
  CHECK_MPI(MPI_Get_count(&st, MPI_BYTE, &n));
  if ((size_t)n != np * sizeof(float)) {
    /* Not our layout: consume it and keep the old weights (a mismatch is a configuration bug). */
    if (recv_l2a(a, &st) < 0) return POLL_STOP;
    LOG_E("weights v%llu: payload of %d bytes, this actor's network has %zu parameters: ignored",
          (unsigned long long)h->policy_version, n, np);
    return POLL_NONE;
  }
  if (recv_learner(a, a->incoming, n)) return POLL_STOP;
  d2m_err err;
  if (h->obs_dim != (uint32_t)a->obs_dim || proto_weights_verify(h, a->incoming, np, &err)) {
    LOG_E("weights v%llu rejected: %s", (unsigned long long)h->policy_version,
          h->obs_dim != (uint32_t)a->obs_dim ? "observation size differs" : err.msg);
    return POLL_NONE;
  }
  float *t = a->params;
  a->params = a->incoming;
  a->incoming = t;
  a->ro.params = a->params;
  a->version = h->policy_version;
  rstat s = {.dim = a->obs_dim, .count = (double)h->obs_count, .mean = NULL, .m2 = NULL};
  double *mean = xmalloc((size_t)a->obs_dim * 2 * sizeof(double)); /* once per update, not per step */
  s.mean = mean;
  s.m2 = mean + a->obs_dim;
  proto_f64_copy(s.mean, h->obs_mean);
  proto_f64_copy(s.m2, h->obs_m2);
  rstat_export(&s, 1e-8f, a->mean, a->inv_std);
  free(mean);
  take_clip_weights(a, h);
  take_body(a, h);
  return POLL_WEIGHTS;
}

static void send_state(actor *a) {
  if (!a->state) { /* setup failed: an empty state says so */
    CHECK_MPI(MPI_Send(NULL, 0, MPI_BYTE, 0, WIRE_TAG_STATE, a->comm));
    return;
  }
  actor_state_hdr h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, "D2MACT1", 8);
  h.envs = (uint32_t)a->E;
  h.env_bytes = (uint32_t)a->env_state_bytes;
  h.rng = a->ro.rng;
  memcpy(a->state, &h, sizeof h);
  for (int e = 0; e < a->E; e++) env_state_save(a->env[e], a->state + sizeof h + (size_t)e * a->env_state_bytes);
  ac_noise_save(&a->ro.ws, a->state + sizeof h + (size_t)a->E * a->env_state_bytes); /* Lattice noise, if any */
  MPI_Request rq;
  CHECK_MPI(MPI_Isend(a->state, (int)a->state_size, MPI_BYTE, 0, WIRE_TAG_STATE, a->comm, &rq));
  wait_learner(a, &rq); /* gone: a->orphan, and the caller's next look at the learner stops the actor */
}

/* Load a state written by send_state (resume). All or nothing: a bad state leaves the actor as it was. */
static int load_state(actor *a, const unsigned char *buf, size_t n, d2m_err *err) {
  actor_state_hdr h;
  if (!a->state) return err_set(err, "this actor failed its setup");
  if (n != a->state_size) return err_set(err, "actor state of %zu bytes, expected %zu", n, a->state_size);
  memcpy(&h, buf, sizeof h);
  if (memcmp(h.magic, "D2MACT1", 8) || h.envs != (uint32_t)a->E || h.env_bytes != a->env_state_bytes)
    return err_set(err, "actor state header does not match this actor (%u envs of %u bytes)", h.envs, h.env_bytes);
  size_t noise_off = sizeof h + (size_t)a->E * a->env_state_bytes;
  if (ac_noise_check(&a->ro.ws, buf + noise_off, n - noise_off, err)) return -1;
  /* Back up the current envs so that a bad env state rolls everything back. */
  for (int e = 0; e < a->E; e++) env_state_save(a->env[e], a->state + sizeof h + (size_t)e * a->env_state_bytes);
  for (int e = 0; e < a->E; e++) {
    const unsigned char *p = buf + sizeof h + (size_t)e * a->env_state_bytes;
    if (env_state_load(a->env[e], p, a->env_state_bytes, err)) {
      d2m_err ignored;
      for (int k = 0; k < e; k++)
        env_state_load(a->env[k], a->state + sizeof h + (size_t)k * a->env_state_bytes, a->env_state_bytes, &ignored);
      return err_wrap(err, "env %d", e);
    }
  }
  a->ro.rng = h.rng;
  ac_noise_load(&a->ro.ws, buf + noise_off, n - noise_off);
  rollout_observe(&a->ro);
  return 0;
}

static void take_restore(actor *a) {
  MPI_Status st;
  int n = probe_learner(a, &st) ? -1 : recv_l2a(a, &st);
  if (n < 0) return; /* the learner is gone (a->orphan) */
  d2m_err err;
  if (load_state(a, (const unsigned char *)a->rbuf, (size_t)n, &err))
    LOG_W("state from the checkpoint not loaded, starting fresh episodes: %s", err.msg);
  else
    LOG_D("state restored from the checkpoint");
}

/* Handle every pending learner message; with `block`, wait until at least one arrived. */
static int poll_learner(actor *a, int block) {
  int result = POLL_NONE;
  for (;;) {
    int flag = 0;
    MPI_Status st;
    if (a->orphan) return POLL_STOP;
    if (block && result == POLL_NONE) {
      if (probe_learner(a, &st)) return POLL_STOP;
      flag = 1;
    } else {
      CHECK_MPI(MPI_Iprobe(0, WIRE_TAG_L2A, a->comm, &flag, &st));
    }
    if (!flag) return result;
    int n = recv_l2a(a, &st);
    if (n < 0) return POLL_STOP;
    proto_msg msg;
    d2m_err err;
    if (proto_decode(&a->dec, a->rbuf, (size_t)n, &msg, &err)) {
      LOG_E("malformed message from the learner dropped: %s", err.msg);
      continue;
    }
    if (msg.kind == PROTO_WEIGHTS) {
      int w = take_weights(a, &msg.u.weights);
      if (w == POLL_STOP) return POLL_STOP;
      if (w == POLL_WEIGHTS) result = POLL_WEIGHTS;
    } else if (msg.kind == PROTO_CONTROL && msg.u.control.command == PROTO_CMD_STOP) {
      LOG_D("stop from the learner: %s", msg.u.control.reason);
      return POLL_STOP;
    } else if (msg.kind == PROTO_CONTROL && msg.u.control.command == PROTO_CMD_CHECKPOINT) {
      send_state(a);
    } else if (msg.kind == PROTO_CONTROL && msg.u.control.command == PROTO_CMD_RESTORE) {
      take_restore(a);
    }
  }
}

/* An ended episode as the batch message lists it. */
static void to_proto_episode(const env_episode_info *ep, proto_episode *p) {
  p->ret = (float)ep->ret;
  p->length = (uint32_t)ep->length;
  static const uint32_t reason_map[] = {PROTO_END_TIME_LIMIT, PROTO_END_TIME_LIMIT, PROTO_END_FALL,
                                        PROTO_END_TRACKING, PROTO_END_NUMERICAL};
  p->reason = (ep->reason >= 0 && ep->reason <= ENV_END_NUMERICAL) ? reason_map[ep->reason] : PROTO_END_KNOWN_COUNT;
  if (ep->success && ep->reason == ENV_END_TIME) p->reason = PROTO_END_SUCCESS;
  p->success = (float)ep->success;
  p->mpjpe_mm = (float)ep->mpjpe_mm;
  p->joint_rmse_deg = (float)ep->joint_rmse_deg;
  p->numerical_resets = ep->reason == ENV_END_NUMERICAL;
  p->clip = (uint32_t)ep->clip;
}

/* Bootstrap values and the encoded batch in sbuf[k] (the caller made sure it is not in flight). */
static void pack_batch(actor *a, int k) {
  rollout *r = &a->ro;
  rollout_bootstrap(r);
  for (int i = 0; i < r->neps; i++) to_proto_episode(&r->eps[i], &a->eps[i]);
  uint64_t use_count = 0;
  if (a->rehab) { /* the batch's muscle use: each env's sums since the previous batch, in env order */
    memset(a->use, 0, MODEL_NMUSCLE * sizeof(double));
    for (int e = 0; e < a->E; e++) {
      use_count += (uint64_t)env_take_use(a->env[e], a->use_env);
      for (int i = 0; i < MODEL_NMUSCLE; i++) a->use[i] += a->use_env[i];
    }
  }
  proto_traj_src src = {
      .rank = (uint32_t)a->rank, .policy_version = a->version, .envs = (uint32_t)a->E, .steps = (uint32_t)a->T,
      .obs_dim = (uint32_t)a->obs_dim, .act_dim = (uint32_t)a->act_dim, .amp_dim = (uint32_t)(2 * r->c.amp_feat),
      .obs = r->b_obs, .actions = r->b_act, .logp = r->b_logp, .values = r->b_val, .rewards = r->b_rew,
      .terminated = r->b_term, .truncated = r->b_trunc, .bootstrap_value = r->boot, .truncated_value = r->b_tval,
      .amp = r->b_amp, .obs_count = (uint64_t)r->seen.count, .obs_mean = r->seen.mean, .obs_m2 = r->seen.m2,
      .episodes = a->eps, .n_episodes = (uint32_t)r->neps,
      .use_muscles = a->rehab ? MODEL_NMUSCLE : 0, .use = a->use, .use_count = use_count};
  d2m_err err;
  if (proto_encode_traj(&src, &a->sbuf[k], &err)) D2M_FATAL("encoding a trajectory batch: %s", err.msg);
  rollout_clear(r);
}

/* 0 sent; -1 the learner is gone (nothing sent). */
static int send_batch(actor *a) {
  int k = a->cur;
  if (wait_learner(a, &a->req[k])) return -1; /* the batch sent two rollouts ago */
  pack_batch(a, k);
  CHECK_MPI(MPI_Isend(a->sbuf[k].data, (int)a->sbuf[k].size, MPI_BYTE, 0, WIRE_TAG_A2L, a->comm, &a->req[k]));
  a->cur ^= 1;
  return 0;
}

int actor_bench(const cfg_t *cfg, int rollouts, actor_bench_result *out) {
  actor a;
  d2m_err err;
  memset(out, 0, sizeof *out);
  if (actor_setup(&a, cfg, MPI_COMM_SELF, 0, 0, &err)) { /* stream 0, no job: as rank 0 of its own comm */
    LOG_E("actor bench: %s", err.msg);
    return -1;
  }
  rng_t init;
  rng_seed(&init, (uint64_t)cfg->run_seed, 0, RNG_INIT, 0);
  ac_init_params(&a.net, a.params, &init);
  for (int i = 0; i < a.obs_dim; i++) a.inv_std[i] = 1.f;
  proto_decoder dec;
  proto_decoder_init(&dec);
  for (int r = 0; r < rollouts; r++) {
    double t0 = log_elapsed();
    for (int t = 0; t < a.T; t++) rollout_step(&a.ro, t);
    double t1 = log_elapsed();
    pack_batch(&a, 0);
    double t2 = log_elapsed();
    proto_msg msg;
    if (proto_decode(&dec, a.sbuf[0].data, a.sbuf[0].size, &msg, &err)) D2M_FATAL("actor bench: %s", err.msg);
    double t3 = log_elapsed();
    out->rollout_s += t1 - t0;
    out->encode_s += t2 - t1;
    out->decode_s += t3 - t2;
    out->batch_bytes = (double)a.sbuf[0].size;
  }
  out->steps_per_s = (double)rollouts * a.T * a.E / out->rollout_s;
  proto_decoder_free(&dec);
  actor_free(&a);
  return 0;
}

static void say_bye(actor *a) {
  for (int k = 0; k < 2; k++)
    if (a->orphan || wait_learner(a, &a->req[k])) return;
  proto_control bye = {.command = PROTO_CMD_STOP};
  snprintf(bye.reason, sizeof bye.reason, "bye");
  d2m_err err;
  if (proto_encode_control(&bye, &a->sbuf[0], &err)) D2M_FATAL("encoding bye: %s", err.msg);
  CHECK_MPI(MPI_Send(a->sbuf[0].data, (int)a->sbuf[0].size, MPI_BYTE, 0, WIRE_TAG_A2L, a->comm));
}

/* Imitate's curricula: the distance that ends an episode goes linearly from imitate.term_start to
 * imitate.term_dist over imitate.term_steps env steps, and the balance assistant from imitate.assist
 * to 0 over imitate.assist_steps, counted from the policy version (updates x actors x E x T: exact
 * in sync mode, so a resumed run continues the same schedule). */
static double fade(double steps, long long over) {
  if (over <= 0) return 0;
  return steps >= (double)over ? 1 : steps / (double)over;
}

static void curriculum(actor *a) {
  const cfg_t *c = a->cfg;
  if (strcmp(c->env_task, "imitate")) return;
  double steps = (double)a->version * a->all_actors * a->E * a->T;
  if (c->imitate_term_steps > 0) {
    double d = c->imitate_term_start + fade(steps, c->imitate_term_steps) * (c->imitate_term_dist - c->imitate_term_start);
    for (int e = 0; e < a->E; e++) env_set_term_dist(a->env[e], d);
  }
  /* the balance assistant fades the same way (constant when imitate.assist_steps = 0) */
  if (c->imitate_assist > 0) {
    double s = c->imitate_assist * (1 - fade(steps, c->imitate_assist_steps));
    for (int e = 0; e < a->E; e++) env_set_assist(a->env[e], s);
  }
}

int actor_run(const cfg_t *cfg, MPI_Comm comm, int stream, int all_actors, long learner_pid) {
  actor a;
  d2m_err err = {{0}};
  int ok = actor_setup(&a, cfg, comm, stream, all_actors, &err) == 0;
  a.learner_pid = learner_pid;
  /* Every actor reports its setup outcome and observation size; the learner stops all if one failed. */
  int report[3] = {ok, ok ? a.obs_dim : 0, ok ? a.act_dim : 0};
  CHECK_MPI(MPI_Gather(report, 3, MPI_INT, NULL, 0, MPI_INT, 0, comm));
  if (!ok) LOG_E("actor setup failed: %s", err.msg);
  int state = poll_learner(&a, 1); /* first weights, or stop */
  long batches = 0; /* sent; the learner's closing "intake:" line accounts for every one */
  while (state != POLL_STOP) {
    if (ok) curriculum(&a);
    for (int t = 0; t < a.T && state != POLL_STOP; t++) {
      if (ok) rollout_step(&a.ro, t);
      if (!a.sync && poll_learner(&a, 0) == POLL_STOP) state = POLL_STOP;
    }
    if (state == POLL_STOP) break;
    if (ok && send_batch(&a)) break;
    batches += ok;
    if (a.sync || !ok) state = poll_learner(&a, 1);
  }
  LOG_I("actor done: sent %ld batches, %lld env steps; %ld numerical resets", batches,
        (long long)batches * a.T * a.E, a.ro.numerical_resets);
  say_bye(&a);
  int orphan = a.orphan;
  if (orphan) { /* requests with the dead learner are left pending: let go of their buffers (leaked) */
    a.rbuf = NULL, a.incoming = NULL, a.state = NULL;
    for (int k = 0; k < 2; k++) memset(&a.sbuf[k], 0, sizeof a.sbuf[k]);
  }
  actor_free(&a);
  return orphan ? ACTOR_LEARNER_GONE : ok ? 0 : 1;
}
