/* tests/proto/tp_util.c: see tp_util.h. */
#include "tests/proto/tp_util.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/rng.h"

static float *fill_f32(rng_t *r, size_t n, float scale) {
  float *p = xcalloc(n ? n : 1, sizeof *p);
  for (size_t i = 0; i < n; i++) p[i] = scale * (float)rng_normal(r);
  return p;
}

void tp_traj_make(tp_traj *t, uint64_t seed, uint32_t envs, uint32_t steps, uint32_t obs, uint32_t act,
                  uint32_t amp, uint32_t n_episodes) {
  memset(t, 0, sizeof *t);
  rng_t r;
  rng_seed(&r, seed, 0, RNG_TEST, 0);
  size_t te = (size_t)envs * steps;
  t->obs = fill_f32(&r, te * obs, 3.0f);
  t->actions = fill_f32(&r, te * act, 1.0f);
  t->logp = fill_f32(&r, te, 10.0f);
  t->values = fill_f32(&r, te, 5.0f);
  t->rewards = fill_f32(&r, te, 1.0f);
  t->bootstrap_value = fill_f32(&r, envs, 5.0f);
  t->truncated_value = xcalloc(te ? te : 1, sizeof(float));
  t->amp = amp ? fill_f32(&r, te * amp, 2.0f) : NULL;
  t->terminated = xcalloc(te ? te : 1, 1);
  t->truncated = xcalloc(te ? te : 1, 1);
  for (size_t i = 0; i < te; i++) {
    uint64_t u = rng_below(&r, 10);
    t->terminated[i] = u == 0 || u == 9;
    t->truncated[i] = u == 1 || u == 9;
    if (t->truncated[i]) t->truncated_value[i] = 4.0f * (float)rng_normal(&r);
  }
  t->obs_mean = xcalloc(obs, sizeof(double));
  t->obs_m2 = xcalloc(obs, sizeof(double));
  for (uint32_t i = 0; i < obs; i++) {
    t->obs_mean[i] = rng_normal(&r);
    t->obs_m2[i] = 100.0 * rng_uniform(&r);
  }
  t->episodes = xcalloc(n_episodes ? n_episodes : 1, sizeof(proto_episode));
  for (uint32_t i = 0; i < n_episodes; i++) {
    proto_episode *e = &t->episodes[i];
    e->ret = 50.0f * rng_uniformf(&r);
    e->length = (uint32_t)rng_below(&r, 1000) + 1;
    e->reason = (uint32_t)rng_below(&r, PROTO_END_KNOWN_COUNT);
    e->success = (float)rng_below(&r, 2);
    e->mpjpe_mm = i % 3 ? 80.0f * rng_uniformf(&r) : -1.0f;
    e->joint_rmse_deg = 10.0f * rng_uniformf(&r);
    e->numerical_resets = (uint32_t)rng_below(&r, 3);
    e->clip = (uint32_t)rng_below(&r, PROTO_MAX_CLIPS);
  }
  proto_traj_src *s = &t->src;
  s->rank = (uint32_t)rng_below(&r, 256) + 1;
  s->policy_version = rng_u64(&r) >> (rng_below(&r, 64));
  s->envs = envs; s->steps = steps; s->obs_dim = obs; s->act_dim = act; s->amp_dim = amp;
  s->obs = t->obs; s->actions = t->actions; s->logp = t->logp; s->values = t->values;
  s->rewards = t->rewards; s->terminated = t->terminated; s->truncated = t->truncated;
  s->bootstrap_value = t->bootstrap_value; s->truncated_value = t->truncated_value; s->amp = t->amp;
  s->obs_count = rng_below(&r, 1000000) + 1;
  s->obs_mean = t->obs_mean; s->obs_m2 = t->obs_m2;
  s->episodes = t->episodes; s->n_episodes = n_episodes;
  /* drawn last, so the arrays above stay what they were before the use report existed */
  t->use = xcalloc(act ? act : 1, sizeof(double));
  s->use_count = te;
  for (uint32_t i = 0; i < act; i++) t->use[i] = (double)te * rng_uniform(&r);
  s->use_muscles = act; s->use = t->use;
}

static float *copy_f32(proto_f32 v) {
  float *p = xcalloc(v.n ? v.n : 1, sizeof *p);
  proto_f32_copy(p, v);
  return p;
}

static double *copy_f64(proto_f64 v) {
  double *p = xcalloc(v.n ? v.n : 1, sizeof *p);
  proto_f64_copy(p, v);
  return p;
}

void tp_traj_from_decoded(tp_traj *t, const proto_traj *d) {
  memset(t, 0, sizeof *t);
  size_t te = (size_t)d->envs * d->steps;
  t->obs = copy_f32(d->obs); t->actions = copy_f32(d->actions); t->logp = copy_f32(d->logp);
  t->values = copy_f32(d->values); t->rewards = copy_f32(d->rewards);
  t->bootstrap_value = copy_f32(d->bootstrap_value); t->truncated_value = copy_f32(d->truncated_value);
  t->amp = d->amp_dim ? copy_f32(d->amp) : NULL;
  t->terminated = xmalloc(te); memcpy(t->terminated, d->terminated, te);
  t->truncated = xmalloc(te); memcpy(t->truncated, d->truncated, te);
  t->obs_mean = copy_f64(d->obs_mean); t->obs_m2 = copy_f64(d->obs_m2);
  t->episodes = xcalloc(d->n_episodes ? d->n_episodes : 1, sizeof(proto_episode));
  if (d->n_episodes) memcpy(t->episodes, d->episodes, d->n_episodes * sizeof(proto_episode));
  proto_traj_src *s = &t->src;
  s->rank = d->rank; s->policy_version = d->policy_version;
  s->envs = d->envs; s->steps = d->steps; s->obs_dim = d->obs_dim; s->act_dim = d->act_dim; s->amp_dim = d->amp_dim;
  s->obs = t->obs; s->actions = t->actions; s->logp = t->logp; s->values = t->values;
  s->rewards = t->rewards; s->terminated = t->terminated; s->truncated = t->truncated;
  s->bootstrap_value = t->bootstrap_value; s->truncated_value = t->truncated_value; s->amp = t->amp;
  s->obs_count = d->obs_count; s->obs_mean = t->obs_mean; s->obs_m2 = t->obs_m2;
  s->episodes = t->episodes; s->n_episodes = d->n_episodes;
  t->use = copy_f64(d->use);
  s->use_muscles = (uint32_t)d->use.n; s->use = t->use; s->use_count = d->use_count;
}

void tp_traj_free(tp_traj *t) {
  void *p[] = {t->obs, t->actions, t->logp, t->values, t->rewards, t->bootstrap_value, t->truncated_value,
               t->amp, t->terminated, t->truncated, t->obs_mean, t->obs_m2, t->episodes, t->use};
  for (size_t i = 0; i < sizeof p / sizeof p[0]; i++) free(p[i]);
  memset(t, 0, sizeof *t);
}

void tp_weights_make(tp_weights *w, uint64_t seed, uint64_t n_params, uint32_t obs) {
  tp_weights_make_clips(w, seed, n_params, obs, 0);
}

void tp_weights_make_clips(tp_weights *w, uint64_t seed, uint64_t n_params, uint32_t obs, uint32_t n_clips) {
  memset(w, 0, sizeof *w);
  rng_t r;
  rng_seed(&r, seed, 0, RNG_TEST, 1);
  w->params = fill_f32(&r, n_params, 0.1f);
  w->obs_mean = xcalloc(obs, sizeof(double));
  w->obs_m2 = xcalloc(obs, sizeof(double));
  for (uint32_t i = 0; i < obs; i++) {
    w->obs_mean[i] = rng_normal(&r);
    w->obs_m2[i] = 1e6 * rng_uniform(&r);
  }
  w->src.policy_version = rng_below(&r, 100000);
  w->src.param_count = n_params;
  w->src.checksum = proto_weights_checksum(w->params, n_params);
  w->src.obs_dim = obs;
  w->src.obs_count = rng_below(&r, 1ull << 40) + 1;
  w->src.obs_mean = w->obs_mean;
  w->src.obs_m2 = w->obs_m2;
  w->clip_weights = xcalloc(n_clips ? n_clips : 1, sizeof(double));
  for (uint32_t i = 0; i < n_clips; i++) w->clip_weights[i] = rng_uniform(&r);
  w->src.n_clips = n_clips;
  w->src.clip_weights = w->clip_weights;
  w->body = xcalloc(2 * TP_BODY_MUSCLES, sizeof(double));
  for (uint32_t i = 0; i < 2 * TP_BODY_MUSCLES; i++) w->body[i] = rng_uniform(&r);
  w->src.body_muscles = TP_BODY_MUSCLES;
  w->src.body_strength = w->body;
  w->src.body_spas_gain = w->body + TP_BODY_MUSCLES;
}

void tp_weights_free(tp_weights *w) {
  free(w->params); free(w->obs_mean); free(w->obs_m2); free(w->clip_weights); free(w->body);
  memset(w, 0, sizeof *w);
}

#define DIFF(...) do { if (why) snprintf(why, why_len, __VA_ARGS__); return false; } while (0)

static bool bytes_eq(const void *a, const void *b, size_t n) { return n == 0 || memcmp(a, b, n) == 0; }

static bool traj_equal(const proto_traj *a, const proto_traj *b, char *why, size_t why_len) {
  if (a->rank != b->rank || a->policy_version != b->policy_version || a->envs != b->envs ||
      a->steps != b->steps || a->obs_dim != b->obs_dim || a->act_dim != b->act_dim || a->amp_dim != b->amp_dim ||
      a->obs_count != b->obs_count || a->n_episodes != b->n_episodes)
    DIFF("trajectory scalars differ");
  const proto_f32 *fa[] = {&a->obs, &a->actions, &a->logp, &a->values, &a->rewards, &a->bootstrap_value,
                           &a->truncated_value, &a->amp};
  const proto_f32 *fb[] = {&b->obs, &b->actions, &b->logp, &b->values, &b->rewards, &b->bootstrap_value,
                           &b->truncated_value, &b->amp};
  for (int i = 0; i < 8; i++)
    if (fa[i]->n != fb[i]->n || !bytes_eq(fa[i]->p, fb[i]->p, 4 * fa[i]->n)) DIFF("float array %d differs", i);
  size_t te = (size_t)a->envs * a->steps;
  if (!bytes_eq(a->terminated, b->terminated, te) || !bytes_eq(a->truncated, b->truncated, te)) DIFF("flags differ");
  if (!bytes_eq(a->obs_mean.p, b->obs_mean.p, 8 * a->obs_dim) || !bytes_eq(a->obs_m2.p, b->obs_m2.p, 8 * a->obs_dim))
    DIFF("obs moments differ");
  if (!bytes_eq(a->episodes, b->episodes, a->n_episodes * sizeof(proto_episode))) DIFF("episodes differ");
  if (a->use_count != b->use_count || a->use.n != b->use.n || !bytes_eq(a->use.p, b->use.p, 8 * a->use.n))
    DIFF("muscle use differs");
  return true;
}

bool tp_msg_equal(const proto_msg *a, const proto_msg *b, char *why, size_t why_len) {
  if (a->kind != b->kind) DIFF("kinds differ");
  if (a->kind == PROTO_TRAJECTORY) return traj_equal(&a->u.traj, &b->u.traj, why, why_len);
  if (a->kind == PROTO_WEIGHTS) {
    const proto_weights *x = &a->u.weights, *y = &b->u.weights;
    if (x->policy_version != y->policy_version || x->param_count != y->param_count || x->checksum != y->checksum ||
        x->obs_dim != y->obs_dim || x->obs_count != y->obs_count)
      DIFF("weights scalars differ");
    if (!bytes_eq(x->obs_mean.p, y->obs_mean.p, 8 * x->obs_dim) || !bytes_eq(x->obs_m2.p, y->obs_m2.p, 8 * x->obs_dim))
      DIFF("weights moments differ");
    if (x->clip_weights.n != y->clip_weights.n || !bytes_eq(x->clip_weights.p, y->clip_weights.p, 8 * x->clip_weights.n))
      DIFF("clip weights differ");
    if (x->body_strength.n != y->body_strength.n || !bytes_eq(x->body_strength.p, y->body_strength.p, 8 * x->body_strength.n) ||
        !bytes_eq(x->body_spas_gain.p, y->body_spas_gain.p, 8 * x->body_strength.n))
      DIFF("body differs");
    return true;
  }
  if (a->u.control.command != b->u.control.command || strcmp(a->u.control.reason, b->u.control.reason) != 0)
    DIFF("control differs");
  return true;
}

bool tp_traj_matches(const proto_traj *d, const proto_traj_src *s, char *why, size_t why_len) {
  if (d->rank != s->rank || d->policy_version != s->policy_version || d->envs != s->envs || d->steps != s->steps ||
      d->obs_dim != s->obs_dim || d->act_dim != s->act_dim || d->amp_dim != s->amp_dim ||
      d->obs_count != s->obs_count || d->n_episodes != s->n_episodes)
    DIFF("scalars differ");
  size_t te = (size_t)s->envs * s->steps;
  struct { proto_f32 v; const float *src; size_t n; const char *name; } f[] = {
    {d->obs, s->obs, te * s->obs_dim, "obs"}, {d->actions, s->actions, te * s->act_dim, "actions"},
    {d->logp, s->logp, te, "logp"}, {d->values, s->values, te, "values"}, {d->rewards, s->rewards, te, "rewards"},
    {d->bootstrap_value, s->bootstrap_value, s->envs, "bootstrap_value"},
    {d->truncated_value, s->truncated_value, te, "truncated_value"}, {d->amp, s->amp, te * s->amp_dim, "amp"},
  };
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    if (f[i].v.n != f[i].n || !bytes_eq(f[i].v.p, f[i].src, 4 * f[i].n)) DIFF("%s differs", f[i].name);
  if (!bytes_eq(d->terminated, s->terminated, te) || !bytes_eq(d->truncated, s->truncated, te)) DIFF("flags differ");
  if (!bytes_eq(d->obs_mean.p, s->obs_mean, 8 * s->obs_dim) || !bytes_eq(d->obs_m2.p, s->obs_m2, 8 * s->obs_dim))
    DIFF("obs moments differ");
  for (uint32_t i = 0; i < s->n_episodes; i++)
    if (memcmp(&d->episodes[i], &s->episodes[i], sizeof(proto_episode)) != 0) DIFF("episode %u differs", i);
  if (d->use_count != s->use_count || d->use.n != s->use_muscles || !bytes_eq(d->use.p, s->use, 8 * s->use_muscles))
    DIFF("muscle use differs");
  return true;
}

int tp_rewrite(const char *buf, size_t len, const char *key, tp_value_fn fn, void *ctx, int extra,
               msgpack_sbuffer *out) {
  msgpack_unpacked u;
  msgpack_unpacked_init(&u);
  size_t off = 0;
  int rc = -1;
  if (msgpack_unpack_next(&u, buf, len, &off) != MSGPACK_UNPACK_SUCCESS || u.data.type != MSGPACK_OBJECT_MAP) goto done;
  msgpack_object_map m = u.data.via.map;
  size_t klen = key ? strlen(key) : 0;
  int found = -1;
  for (uint32_t i = 0; key && i < m.size; i++)
    if (m.ptr[i].key.type == MSGPACK_OBJECT_STR && m.ptr[i].key.via.str.size == klen &&
        memcmp(m.ptr[i].key.via.str.ptr, key, klen) == 0)
      found = (int)i;
  if (key && found < 0) goto done;
  msgpack_sbuffer_clear(out);
  msgpack_packer pk;
  msgpack_packer_init(&pk, out, msgpack_sbuffer_write);
  msgpack_pack_map(&pk, m.size - (key && !fn ? 1 : 0) + (extra ? 1 : 0));
  for (uint32_t i = 0; i < m.size; i++) {
    if ((int)i == found && !fn) continue;
    msgpack_pack_object(&pk, m.ptr[i].key);
    if ((int)i == found) fn(&pk, &m.ptr[i].val, ctx);
    else msgpack_pack_object(&pk, m.ptr[i].val);
  }
  if (extra) {
    msgpack_pack_str_with_body(&pk, "extra", 5);
    msgpack_pack_nil(&pk);
  }
  rc = 0;
done:
  msgpack_unpacked_destroy(&u);
  return rc;
}

int tp_decode_recheck(proto_decoder *d, proto_decoder *d2, const void *buf, size_t len, msgpack_sbuffer *sb,
                      d2m_err *err, char *why, size_t why_len) {
  proto_msg m, m2;
  if (proto_decode(d, buf, len, &m, err)) return -1;
  int rc = -1;
  if (m.kind == PROTO_TRAJECTORY) {
    tp_traj t;
    tp_traj_from_decoded(&t, &m.u.traj);
    rc = proto_encode_traj(&t.src, sb, err);
    tp_traj_free(&t);
  } else if (m.kind == PROTO_WEIGHTS) {
    proto_weights_src w = {m.u.weights.policy_version, m.u.weights.param_count, m.u.weights.checksum,
                           m.u.weights.obs_dim, m.u.weights.obs_count, NULL, NULL, (uint32_t)m.u.weights.clip_weights.n, NULL,
                           0, NULL, NULL};
    double *mean = xcalloc(w.obs_dim, sizeof(double)), *m2v = xcalloc(w.obs_dim, sizeof(double));
    double *cw = xcalloc(w.n_clips + 1, sizeof(double));
    size_t nb = m.u.weights.body_strength.n;
    double *body = xcalloc(2 * nb + 1, sizeof(double));
    proto_f64_copy(body, m.u.weights.body_strength);
    proto_f64_copy(body + nb, m.u.weights.body_spas_gain);
    w.body_muscles = (uint32_t)nb, w.body_strength = body, w.body_spas_gain = body + nb;
    proto_f64_copy(mean, m.u.weights.obs_mean);
    proto_f64_copy(m2v, m.u.weights.obs_m2);
    proto_f64_copy(cw, m.u.weights.clip_weights);
    w.obs_mean = mean;
    w.obs_m2 = m2v;
    w.clip_weights = cw;
    rc = proto_encode_weights(&w, sb, err);
    free(mean);
    free(m2v);
    free(cw);
    free(body);
  } else {
    rc = proto_encode_control(&m.u.control, sb, err);
  }
  if (rc) {
    if (why) snprintf(why, why_len, "accepted %s message does not encode again: %s", proto_kind_name(m.kind), err->msg);
    return -2;
  }
  if (proto_decode(d2, sb->data, sb->size, &m2, err)) {
    if (why) snprintf(why, why_len, "re-encoded %s message is rejected: %s", proto_kind_name(m.kind), err->msg);
    return -2;
  }
  if (!tp_msg_equal(&m, &m2, why, why_len)) return -2;
  return 0;
}
