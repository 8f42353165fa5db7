/* proto/proto_encode.c: writing the three message kinds into a reusable msgpack_sbuffer. */
#include <math.h>
#include <stdlib.h>

#include "proto/proto_internal.h"

int proto_traj_check_dims(uint32_t envs, uint32_t steps, uint32_t obs, uint32_t act, uint32_t amp,
                          proto_traj_dims *dims, d2m_err *err) {
  struct { const char *name; uint32_t v, lo, hi; } f[] = {
    {"envs", envs, 1, PROTO_MAX_ENVS}, {"steps", steps, 1, PROTO_MAX_STEPS},
    {"obs_dim", obs, 1, PROTO_MAX_OBS}, {"act_dim", act, 1, PROTO_MAX_ACT},
    {"amp_dim", amp, 0, PROTO_MAX_AMP},
  };
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if (f[i].v < f[i].lo || f[i].v > f[i].hi)
      return err_set(err, "trajectory.%s: %u outside [%u, %u]", f[i].name, f[i].v, f[i].lo, f[i].hi);
  /* All factors are <= 4096 = 2^12, so these products stay below 2^40: no overflow. */
  uint64_t te = (uint64_t)steps * envs;
  uint64_t bytes = te * (4ull * obs + 4ull * act + 4ull * amp + 4 * 4 + 2) + 4ull * envs + 16ull * obs;
  if (bytes > PROTO_MAX_BYTES)
    return err_set(err, "trajectory: T=%u, E=%u, obs=%u, act=%u, amp=%u need %llu bytes of arrays, "
                   "more than the limit %u", steps, envs, obs, act, amp, (unsigned long long)bytes,
                   PROTO_MAX_BYTES);
  dims->te = te;
  dims->bytes = bytes;
  dims->max_episodes = te < PROTO_MAX_EPISODES ? te : PROTO_MAX_EPISODES;
  return 0;
}

/* Grow `out` once to hold `need` bytes, so the packer's own doubling never runs mid-message. */
static int reserve(msgpack_sbuffer *out, size_t need, d2m_err *err) {
  msgpack_sbuffer_clear(out);
  if (out->alloc >= need) return 0;
  char *p = realloc(out->data, need);
  if (!p) return err_set(err, "proto: cannot grow the send buffer to %zu bytes", need);
  out->data = p;
  out->alloc = need;
  return 0;
}

static int key(msgpack_packer *pk, const char *k) {
  return msgpack_pack_str_with_body(pk, k, strlen(k));
}

static int header(msgpack_packer *pk, size_t entries, proto_kind kind) {
  int rc = msgpack_pack_map(pk, entries);
  rc |= key(pk, "magic") | msgpack_pack_str_with_body(pk, PROTO_MAGIC, strlen(PROTO_MAGIC));
  rc |= key(pk, "version") | msgpack_pack_uint32(pk, PROTO_VERSION);
  rc |= key(pk, "kind") | msgpack_pack_uint32(pk, (uint32_t)kind);
  return rc;
}

static int bin(msgpack_packer *pk, const char *k, const void *p, size_t bytes) {
  int rc = key(pk, k) | msgpack_pack_bin(pk, bytes);
  if (bytes) rc |= msgpack_pack_bin_body(pk, p, bytes);
  return rc;
}

static int u64(msgpack_packer *pk, const char *k, uint64_t v) {
  return key(pk, k) | msgpack_pack_uint64(pk, v);
}

size_t proto_traj_size_bound(const proto_traj_src *t) {
  uint64_t te = (uint64_t)t->steps * t->envs;
  uint64_t bytes = te * (4ull * t->obs_dim + 4ull * t->act_dim + 4ull * t->amp_dim + 4 * 4 + 2) +
                   4ull * t->envs + 16ull * t->obs_dim;
  /* keys (< 20 bytes each), scalars (<= 9), bin headers (<= 5); episode records <= 41 bytes */
  return (size_t)(bytes + PROTO_TRAJ_ENTRIES * 40 + 64 + (uint64_t)t->n_episodes * 56 + 8ull * t->use_muscles);
}

static int pack_episode(msgpack_packer *pk, const proto_episode *e) {
  int rc = msgpack_pack_array(pk, PROTO_EPISODE_FIELDS);
  rc |= msgpack_pack_float(pk, e->ret) | msgpack_pack_uint32(pk, e->length);
  rc |= msgpack_pack_uint32(pk, e->reason) | msgpack_pack_float(pk, e->success);
  rc |= msgpack_pack_float(pk, e->mpjpe_mm) | msgpack_pack_float(pk, e->joint_rmse_deg);
  rc |= msgpack_pack_uint32(pk, e->numerical_resets) | msgpack_pack_uint32(pk, e->clip);
  return rc;
}

/* Non-negative finite doubles, n of them (n > 0 needs the array). */
static int check_nonneg(const double *x, uint32_t n, const char *what, d2m_err *err) {
  if (n && !x) return err_set(err, "%s: NULL with %u elements", what, n);
  for (uint32_t i = 0; i < n; i++)
    if (!(x[i] >= 0) || !isfinite(x[i])) return err_set(err, "%s: element %u is %g, must be finite and >= 0", what, i, x[i]);
  return 0;
}

static int check_use(const proto_traj_src *t, d2m_err *err) {
  if (t->use_muscles > PROTO_MAX_MUSCLES)
    return err_set(err, "trajectory.use_muscles: %u above %u", t->use_muscles, PROTO_MAX_MUSCLES);
  if (t->use_count > PROTO_MAX_COUNT) return err_set(err, "trajectory.use_count: above 2^53");
  return check_nonneg(t->use, t->use_muscles, "trajectory.use", err);
}

static int check_traj_src(const proto_traj_src *t, proto_traj_dims *dims, d2m_err *err) {
  if (t->rank > PROTO_MAX_RANK) return err_set(err, "trajectory.rank: %u above %u", t->rank, PROTO_MAX_RANK);
  if (proto_traj_check_dims(t->envs, t->steps, t->obs_dim, t->act_dim, t->amp_dim, dims, err)) return -1;
  const void *need[] = {t->obs, t->actions, t->logp, t->values, t->rewards, t->terminated, t->truncated,
                        t->bootstrap_value, t->truncated_value, t->obs_mean, t->obs_m2};
  for (size_t i = 0; i < sizeof need / sizeof need[0]; i++)
    if (!need[i]) return err_set(err, "trajectory: array %zu of the source is NULL", i);
  if (t->amp_dim && !t->amp) return err_set(err, "trajectory.amp: NULL with amp_dim %u", t->amp_dim);
  if (t->obs_count > PROTO_MAX_COUNT) return err_set(err, "trajectory.obs_count: above 2^53");
  if (t->n_episodes > dims->max_episodes)
    return err_set(err, "trajectory.episodes: %u records, at most %llu (T*E, and %u)", t->n_episodes,
                   (unsigned long long)dims->max_episodes, PROTO_MAX_EPISODES);
  if (t->n_episodes && !t->episodes) return err_set(err, "trajectory.episodes: NULL");
  for (uint32_t i = 0; i < t->n_episodes; i++)
    if (t->episodes[i].clip >= PROTO_MAX_CLIPS)
      return err_set(err, "trajectory.episodes[%u].clip: %u, clips are < %u", i, t->episodes[i].clip, PROTO_MAX_CLIPS);
  if (check_use(t, err)) return -1;
  for (uint32_t i = 0; i < t->n_episodes; i++)
    if (t->episodes[i].reason >= PROTO_MAX_END_CODE)
      return err_set(err, "trajectory.episodes[%u].reason: %u, codes are < %u", i, t->episodes[i].reason,
                     PROTO_MAX_END_CODE);
  return 0;
}

int proto_encode_traj(const proto_traj_src *t, msgpack_sbuffer *out, d2m_err *err) {
  proto_traj_dims d;
  if (check_traj_src(t, &d, err)) return -1;
  if (reserve(out, proto_traj_size_bound(t), err)) return -1;
  msgpack_packer pk;
  msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
  size_t te = (size_t)d.te, f = sizeof(float);
  int rc = header(&pk, PROTO_TRAJ_ENTRIES, PROTO_TRAJECTORY);
  rc |= u64(&pk, "rank", t->rank) | u64(&pk, "policy_version", t->policy_version);
  rc |= u64(&pk, "envs", t->envs) | u64(&pk, "steps", t->steps);
  rc |= u64(&pk, "obs_dim", t->obs_dim) | u64(&pk, "act_dim", t->act_dim) | u64(&pk, "amp_dim", t->amp_dim);
  rc |= bin(&pk, "obs", t->obs, te * t->obs_dim * f);
  rc |= bin(&pk, "actions", t->actions, te * t->act_dim * f);
  rc |= bin(&pk, "logp", t->logp, te * f);
  rc |= bin(&pk, "values", t->values, te * f);
  rc |= bin(&pk, "rewards", t->rewards, te * f);
  rc |= bin(&pk, "terminated", t->terminated, te);
  rc |= bin(&pk, "truncated", t->truncated, te);
  rc |= bin(&pk, "bootstrap_value", t->bootstrap_value, (size_t)t->envs * f);
  rc |= bin(&pk, "truncated_value", t->truncated_value, te * f);
  rc |= bin(&pk, "amp", t->amp, te * t->amp_dim * f);
  rc |= u64(&pk, "obs_count", t->obs_count);
  rc |= bin(&pk, "obs_mean", t->obs_mean, (size_t)t->obs_dim * sizeof(double));
  rc |= bin(&pk, "obs_m2", t->obs_m2, (size_t)t->obs_dim * sizeof(double));
  rc |= key(&pk, "episodes") | msgpack_pack_array(&pk, t->n_episodes);
  for (uint32_t i = 0; i < t->n_episodes; i++) rc |= pack_episode(&pk, &t->episodes[i]);
  rc |= u64(&pk, "use_muscles", t->use_muscles) | bin(&pk, "use", t->use, (size_t)t->use_muscles * sizeof(double));
  rc |= u64(&pk, "use_count", t->use_count);
  if (rc) return err_set(err, "trajectory: msgpack packing failed (out of memory)");
  return 0;
}

int proto_encode_weights(const proto_weights_src *w, msgpack_sbuffer *out, d2m_err *err) {
  if (w->param_count < 1 || w->param_count > PROTO_MAX_PARAMS)
    return err_set(err, "weights.param_count: %llu outside [1, %u]", (unsigned long long)w->param_count,
                   PROTO_MAX_PARAMS);
  if (w->obs_dim < 1 || w->obs_dim > PROTO_MAX_OBS)
    return err_set(err, "weights.obs_dim: %u outside [1, %u]", w->obs_dim, PROTO_MAX_OBS);
  if (!w->obs_mean || !w->obs_m2) return err_set(err, "weights: obs_mean or obs_m2 is NULL");
  if (w->obs_count > PROTO_MAX_COUNT) return err_set(err, "weights.obs_count: above 2^53");
  if (w->n_clips > PROTO_MAX_CLIPS) return err_set(err, "weights.n_clips: %u above %u", w->n_clips, PROTO_MAX_CLIPS);
  if (w->n_clips && !w->clip_weights) return err_set(err, "weights.clip_weights: NULL");
  for (uint32_t i = 0; i < w->n_clips; i++)
    if (!(w->clip_weights[i] >= 0) || !isfinite(w->clip_weights[i]))
      return err_set(err, "weights.clip_weights: element %u is %g, must be finite and >= 0", i, w->clip_weights[i]);
  if (w->body_muscles > PROTO_MAX_MUSCLES)
    return err_set(err, "weights.body_muscles: %u above %u", w->body_muscles, PROTO_MAX_MUSCLES);
  if (check_nonneg(w->body_strength, w->body_muscles, "weights.body_strength", err) ||
      check_nonneg(w->body_spas_gain, w->body_muscles, "weights.body_spas_gain", err))
    return -1;
  size_t stats = (size_t)w->obs_dim * sizeof(double), cw = (size_t)w->n_clips * sizeof(double);
  size_t body = (size_t)w->body_muscles * sizeof(double);
  if (reserve(out, 2 * stats + cw + 2 * body + PROTO_WEIGHTS_ENTRIES * 40 + 64, err)) return -1;
  msgpack_packer pk;
  msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
  int rc = header(&pk, PROTO_WEIGHTS_ENTRIES, PROTO_WEIGHTS);
  rc |= u64(&pk, "policy_version", w->policy_version) | u64(&pk, "param_count", w->param_count);
  rc |= u64(&pk, "checksum", w->checksum) | u64(&pk, "obs_dim", w->obs_dim);
  rc |= u64(&pk, "obs_count", w->obs_count);
  rc |= bin(&pk, "obs_mean", w->obs_mean, stats) | bin(&pk, "obs_m2", w->obs_m2, stats);
  rc |= u64(&pk, "n_clips", w->n_clips) | bin(&pk, "clip_weights", w->clip_weights, cw);
  rc |= u64(&pk, "body_muscles", w->body_muscles) | bin(&pk, "body_strength", w->body_strength, body);
  rc |= bin(&pk, "body_spas_gain", w->body_spas_gain, body);
  if (rc) return err_set(err, "weights: msgpack packing failed (out of memory)");
  return 0;
}

int proto_encode_control(const proto_control *c, msgpack_sbuffer *out, d2m_err *err) {
  if (c->command != PROTO_CMD_STOP && c->command != PROTO_CMD_CHECKPOINT && c->command != PROTO_CMD_RESTORE)
    return err_set(err, "control.command: %d is not a command", (int)c->command);
  size_t n = strnlen(c->reason, sizeof c->reason);
  if (n > PROTO_MAX_REASON) return err_set(err, "control.reason: not NUL-terminated within %u bytes", PROTO_MAX_REASON);
  if (reserve(out, n + PROTO_CONTROL_ENTRIES * 40 + 64, err)) return -1;
  msgpack_packer pk;
  msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
  int rc = header(&pk, PROTO_CONTROL_ENTRIES, PROTO_CONTROL);
  rc |= u64(&pk, "command", (uint64_t)c->command);
  rc |= key(&pk, "reason") | msgpack_pack_str_with_body(&pk, c->reason, n);
  if (rc) return err_set(err, "control: msgpack packing failed (out of memory)");
  return 0;
}
