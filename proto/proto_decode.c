/* proto/proto_decode.c: the strict decoder. Every key, type, count and length is checked against
 * the header and the limits before a view is handed out; any failure is -1 with the field named. */
#include <float.h>
#include <inttypes.h>
#include <stdlib.h>

#include "proto/proto_internal.h"

/* The zone's first chunk is kept by msgpack_zone_clear: 64 KiB holds the objects of a message
 * with ~2,000 episode records, so the steady state does not allocate. */
#define ZONE_CHUNK (64 * 1024)

void proto_decoder_init(proto_decoder *d) {
  D2M_CHECK(msgpack_zone_init(&d->zone, ZONE_CHUNK), "out of memory for the msgpack zone");
  d->episodes = xcalloc(PROTO_MAX_EPISODES, sizeof *d->episodes);
}

void proto_decoder_free(proto_decoder *d) {
  msgpack_zone_destroy(&d->zone);
  free(d->episodes);
  d->episodes = NULL;
}

static const char *type_name(msgpack_object_type t) {
  switch (t) {
    case MSGPACK_OBJECT_NIL: return "nil";
    case MSGPACK_OBJECT_BOOLEAN: return "boolean";
    case MSGPACK_OBJECT_POSITIVE_INTEGER: return "unsigned integer";
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: return "negative integer";
    case MSGPACK_OBJECT_FLOAT32: return "float32";
    case MSGPACK_OBJECT_FLOAT64: return "float64";
    case MSGPACK_OBJECT_STR: return "str";
    case MSGPACK_OBJECT_ARRAY: return "array";
    case MSGPACK_OBJECT_MAP: return "map";
    case MSGPACK_OBJECT_BIN: return "bin";
    case MSGPACK_OBJECT_EXT: return "ext";
  }
  return "unknown type";
}

/* Cursor over the entries of a message map, which must come in the documented order. */
typedef struct rd {
  const msgpack_object_kv *kv;
  uint32_t n, i;
  const char *what; /* "trajectory", "weights", ... */
  d2m_err *err;
} rd;

/* Shape of an array for error messages, formatted only when there is an error. */
typedef struct shape {
  const char *names[3];
  uint32_t dims[3];
  int nd;
  const char *type; /* "float32", "float64", "uint8" */
} shape;

static const msgpack_object *field(rd *r, const char *key) {
  size_t kl = strlen(key);
  if (r->i >= r->n) {
    err_set(r->err, "%s.%s: missing (the map ends after %u entries)", r->what, key, r->n);
    return NULL;
  }
  const msgpack_object *k = &r->kv[r->i].key;
  if (k->type != MSGPACK_OBJECT_STR || k->via.str.size != kl || memcmp(k->via.str.ptr, key, kl) != 0) {
    char found[48] = "";
    if (k->type == MSGPACK_OBJECT_STR) {
      size_t m = k->via.str.size < 32 ? k->via.str.size : 32;
      for (size_t j = 0; j < m; j++) {
        char c = k->via.str.ptr[j];
        found[j] = (c >= 0x20 && c < 0x7f) ? c : '?';
      }
      found[m] = '\0';
      err_set(r->err, "%s.%s: expected this key at entry %u, found key '%s'", r->what, key, r->i + 1, found);
    } else {
      err_set(r->err, "%s.%s: expected this key at entry %u, found a %s key", r->what, key, r->i + 1,
              type_name(k->type));
    }
    return NULL;
  }
  return &r->kv[r->i++].val;
}

static int get_uint(rd *r, const char *key, uint64_t lo, uint64_t hi, uint64_t *out) {
  const msgpack_object *v = field(r, key);
  if (!v) return -1;
  if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
    return err_set(r->err, "%s.%s: expected unsigned integer, found %s", r->what, key, type_name(v->type));
  if (v->via.u64 < lo || v->via.u64 > hi)
    return err_set(r->err, "%s.%s: %" PRIu64 " outside [%" PRIu64 ", %" PRIu64 "]", r->what, key, v->via.u64, lo, hi);
  *out = v->via.u64;
  return 0;
}

static int get_u32(rd *r, const char *key, uint32_t lo, uint32_t hi, uint32_t *out) {
  uint64_t v;
  if (get_uint(r, key, lo, hi, &v)) return -1;
  *out = (uint32_t)v;
  return 0;
}

static int shape_error(rd *r, const char *key, uint32_t got, uint64_t want, const shape *s) {
  char desc[128];
  int off = 0;
  for (int i = 0; i < s->nd; i++)
    off += snprintf(desc + off, sizeof desc - (size_t)off, "%s=%u, ", s->names[i], s->dims[i]);
  snprintf(desc + off, sizeof desc - (size_t)off, "%s", s->type);
  return err_set(r->err, "%s.%s: length %u bytes, expected %" PRIu64 " (%s)", r->what, key, got, want, desc);
}

/* A BIN of exactly count * elem bytes; *p points at its payload inside the received buffer. */
static int get_bin(rd *r, const char *key, size_t elem, uint64_t count, const shape *s, const unsigned char **p) {
  const msgpack_object *v = field(r, key);
  if (!v) return -1;
  if (v->type != MSGPACK_OBJECT_BIN)
    return err_set(r->err, "%s.%s: expected bin, found %s", r->what, key, type_name(v->type));
  if ((uint64_t)v->via.bin.size != count * elem) return shape_error(r, key, v->via.bin.size, count * elem, s);
  *p = (const unsigned char *)v->via.bin.ptr;
  return 0;
}

/* Index of the first NaN/Inf, or n. One branch-free pass (the exponent-all-ones test vectorises);
 * the second pass that finds the index runs only for a bad array. */
static size_t first_nonfinite_f32(const unsigned char *p, size_t n) {
  uint32_t bad = 0;
  for (size_t i = 0; i < n; i++) {
    uint32_t u;
    memcpy(&u, p + 4 * i, 4);
    bad |= (u & 0x7f800000u) == 0x7f800000u;
  }
  if (!bad) return n;
  for (size_t i = 0; i < n; i++) {
    uint32_t u;
    memcpy(&u, p + 4 * i, 4);
    if ((u & 0x7f800000u) == 0x7f800000u) return i;
  }
  return n;
}

static size_t first_nonfinite_f64(const unsigned char *p, size_t n) {
  for (size_t i = 0; i < n; i++) {
    uint64_t u;
    memcpy(&u, p + 8 * i, 8);
    if ((u & 0x7ff0000000000000ull) == 0x7ff0000000000000ull) return i;
  }
  return n;
}

static int get_f32(rd *r, const char *key, uint64_t count, const shape *s, proto_f32 *out) {
  const unsigned char *p;
  if (get_bin(r, key, 4, count, s, &p)) return -1;
  size_t bad = first_nonfinite_f32(p, (size_t)count);
  if (bad < count) {
    float x;
    memcpy(&x, p + 4 * bad, 4);
    return err_set(r->err, "%s.%s: element %zu is %s", r->what, key, bad, x != x ? "NaN" : "Inf");
  }
  out->p = p;
  out->n = (size_t)count;
  return 0;
}

static int get_f64(rd *r, const char *key, uint64_t count, const shape *s, proto_f64 *out) {
  const unsigned char *p;
  if (get_bin(r, key, 8, count, s, &p)) return -1;
  size_t bad = first_nonfinite_f64(p, (size_t)count);
  if (bad < count) {
    double x;
    memcpy(&x, p + 8 * bad, 8);
    return err_set(r->err, "%s.%s: element %zu is %s", r->what, key, bad, x != x ? "NaN" : "Inf");
  }
  out->p = p;
  out->n = (size_t)count;
  return 0;
}

/* Bytes that must be 0 or 1. */
static int get_flags(rd *r, const char *key, uint64_t count, const shape *s, const uint8_t **out) {
  const unsigned char *p;
  if (get_bin(r, key, 1, count, s, &p)) return -1;
  unsigned char any = 0;
  for (size_t i = 0; i < count; i++) any |= p[i];
  if (any > 1)
    for (size_t i = 0; i < count; i++)
      if (p[i] > 1) return err_set(r->err, "%s.%s: element %zu is %u, expected 0 or 1", r->what, key, i, p[i]);
  *out = p;
  return 0;
}

/* Observation moments: count, mean[dim], M2[dim] (see proto.h). */
static int get_moments(rd *r, uint32_t dim, uint64_t *count, proto_f64 *mean, proto_f64 *m2) {
  shape s = {{"obs"}, {dim}, 1, "float64"};
  if (get_uint(r, "obs_count", 0, PROTO_MAX_COUNT, count)) return -1;
  if (get_f64(r, "obs_mean", dim, &s, mean) || get_f64(r, "obs_m2", dim, &s, m2)) return -1;
  for (size_t i = 0; i < dim; i++) {
    double mu = proto_f64_at(*mean, i), q = proto_f64_at(*m2, i);
    if (q < 0) return err_set(r->err, "%s.obs_m2: element %zu is %g, must be >= 0", r->what, i, q);
    if (*count == 0 && (mu != 0 || q != 0))
      return err_set(r->err, "%s.obs_mean: element %zu is %g with obs_count 0 (must be 0)", r->what, i,
                     mu != 0 ? mu : q);
  }
  return 0;
}

/* One float field of an episode record: float32 or float64 that fits a float. */
static int ep_float(rd *r, uint32_t i, const char *name, const msgpack_object *o, float *out) {
  if (o->type != MSGPACK_OBJECT_FLOAT32 && o->type != MSGPACK_OBJECT_FLOAT64)
    return err_set(r->err, "%s.episodes[%u].%s: expected float, found %s", r->what, i, name, type_name(o->type));
  double x = o->via.f64;
  if (!(x >= -FLT_MAX && x <= FLT_MAX))
    return err_set(r->err, "%s.episodes[%u].%s: %g is not a finite float32", r->what, i, name, x);
  *out = (float)x;
  return 0;
}

static int ep_uint(rd *r, uint32_t i, const char *name, const msgpack_object *o, uint64_t max, uint32_t *out) {
  if (o->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
    return err_set(r->err, "%s.episodes[%u].%s: expected unsigned integer, found %s", r->what, i, name,
                   type_name(o->type));
  if (o->via.u64 > max)
    return err_set(r->err, "%s.episodes[%u].%s: %" PRIu64 " above %" PRIu64, r->what, i, name, o->via.u64, max);
  *out = (uint32_t)o->via.u64;
  return 0;
}

static int get_episodes(rd *r, uint64_t max, proto_episode *store, uint32_t *n_out) {
  const msgpack_object *v = field(r, "episodes");
  if (!v) return -1;
  if (v->type != MSGPACK_OBJECT_ARRAY)
    return err_set(r->err, "%s.episodes: expected array, found %s", r->what, type_name(v->type));
  uint32_t n = v->via.array.size;
  if (n > max)
    return err_set(r->err, "%s.episodes: %u records, at most %" PRIu64 " (T*E, and %u)", r->what, n, max,
                   PROTO_MAX_EPISODES);
  for (uint32_t i = 0; i < n; i++) {
    const msgpack_object *rec = &v->via.array.ptr[i];
    if (rec->type != MSGPACK_OBJECT_ARRAY || rec->via.array.size != PROTO_EPISODE_FIELDS)
      return err_set(r->err, "%s.episodes[%u]: expected an array of %d fields, found %s of %u", r->what, i,
                     PROTO_EPISODE_FIELDS, type_name(rec->type),
                     rec->type == MSGPACK_OBJECT_ARRAY ? rec->via.array.size : 0);
    const msgpack_object *f = rec->via.array.ptr;
    proto_episode *e = &store[i];
    if (ep_float(r, i, "return", &f[0], &e->ret) || ep_uint(r, i, "length", &f[1], UINT32_MAX, &e->length) ||
        ep_uint(r, i, "reason", &f[2], PROTO_MAX_END_CODE - 1, &e->reason) ||
        ep_float(r, i, "success", &f[3], &e->success) || ep_float(r, i, "mpjpe_mm", &f[4], &e->mpjpe_mm) ||
        ep_float(r, i, "joint_rmse_deg", &f[5], &e->joint_rmse_deg) ||
        ep_uint(r, i, "numerical_resets", &f[6], UINT32_MAX, &e->numerical_resets) ||
        ep_uint(r, i, "clip", &f[7], PROTO_MAX_CLIPS - 1, &e->clip))
      return -1;
  }
  *n_out = n;
  return 0;
}

/* n_key uint [0, PROTO_MAX_MUSCLES], then a float64 array of that many elements, each >= 0. */
static int get_nonneg(rd *r, const char *key, uint32_t n, proto_f64 *out) {
  shape s = {{"muscles"}, {n}, 1, "float64"};
  if (get_f64(r, key, n, &s, out)) return -1;
  for (uint32_t i = 0; i < n; i++)
    if (proto_f64_at(*out, i) < 0)
      return err_set(r->err, "%s.%s: element %u is %g, must be >= 0", r->what, key, i, proto_f64_at(*out, i));
  return 0;
}

/* The muscle use of the rehabilitation loop: a sum of excitations in [0, 1] over use_count steps. */
static int get_use(rd *r, proto_traj *t) {
  uint32_t n;
  if (get_u32(r, "use_muscles", 0, PROTO_MAX_MUSCLES, &n) || get_nonneg(r, "use", n, &t->use) ||
      get_uint(r, "use_count", 0, PROTO_MAX_COUNT, &t->use_count))
    return -1;
  for (uint32_t i = 0; i < n; i++)
    if (proto_f64_at(t->use, i) > (double)t->use_count)
      return err_set(r->err, "%s.use: element %u is %g, above use_count %llu (excitations are at most 1)", r->what, i,
                     proto_f64_at(t->use, i), (unsigned long long)t->use_count);
  return 0;
}

static int decode_traj(rd *r, proto_decoder *d, proto_traj *t) {
  uint64_t pv;
  if (get_u32(r, "rank", 0, PROTO_MAX_RANK, &t->rank) || get_uint(r, "policy_version", 0, UINT64_MAX, &pv))
    return -1;
  t->policy_version = pv;
  if (get_u32(r, "envs", 1, PROTO_MAX_ENVS, &t->envs) || get_u32(r, "steps", 1, PROTO_MAX_STEPS, &t->steps) ||
      get_u32(r, "obs_dim", 1, PROTO_MAX_OBS, &t->obs_dim) || get_u32(r, "act_dim", 1, PROTO_MAX_ACT, &t->act_dim) ||
      get_u32(r, "amp_dim", 0, PROTO_MAX_AMP, &t->amp_dim))
    return -1;
  proto_traj_dims dm;
  if (proto_traj_check_dims(t->envs, t->steps, t->obs_dim, t->act_dim, t->amp_dim, &dm, r->err)) return -1;
  uint64_t te = dm.te;
  shape te_s = {{"T", "E"}, {t->steps, t->envs}, 2, "float32"};
  shape obs_s = {{"T", "E", "obs"}, {t->steps, t->envs, t->obs_dim}, 3, "float32"};
  shape act_s = {{"T", "E", "act"}, {t->steps, t->envs, t->act_dim}, 3, "float32"};
  shape amp_s = {{"T", "E", "amp"}, {t->steps, t->envs, t->amp_dim}, 3, "float32"};
  shape e_s = {{"E"}, {t->envs}, 1, "float32"};
  shape flag_s = {{"T", "E"}, {t->steps, t->envs}, 2, "uint8"};
  if (get_f32(r, "obs", te * t->obs_dim, &obs_s, &t->obs) ||
      get_f32(r, "actions", te * t->act_dim, &act_s, &t->actions) || get_f32(r, "logp", te, &te_s, &t->logp) ||
      get_f32(r, "values", te, &te_s, &t->values) || get_f32(r, "rewards", te, &te_s, &t->rewards) ||
      get_flags(r, "terminated", te, &flag_s, &t->terminated) ||
      get_flags(r, "truncated", te, &flag_s, &t->truncated) ||
      get_f32(r, "bootstrap_value", t->envs, &e_s, &t->bootstrap_value) ||
      get_f32(r, "truncated_value", te, &te_s, &t->truncated_value) ||
      get_f32(r, "amp", te * t->amp_dim, &amp_s, &t->amp))
    return -1;
  /* The learner bootstraps from truncated_value only where truncated; anything else there is a
   * sign of a shifted or mislabelled array, so it is refused rather than ignored. */
  for (size_t i = 0; i < te; i++)
    if (!t->truncated[i] && proto_f32_at(t->truncated_value, i) != 0.0f)
      return err_set(r->err, "trajectory.truncated_value: element %zu (t=%zu, e=%zu) is %g where truncated is 0 "
                     "(must be 0)", i, i / t->envs, i % t->envs, proto_f32_at(t->truncated_value, i));
  if (get_moments(r, t->obs_dim, &t->obs_count, &t->obs_mean, &t->obs_m2)) return -1;
  if (get_episodes(r, dm.max_episodes, d->episodes, &t->n_episodes)) return -1;
  t->episodes = d->episodes;
  return get_use(r, t);
}

static int decode_weights(rd *r, proto_weights *w) {
  uint64_t ck;
  if (get_uint(r, "policy_version", 0, UINT64_MAX, &w->policy_version) ||
      get_uint(r, "param_count", 1, PROTO_MAX_PARAMS, &w->param_count) ||
      get_uint(r, "checksum", 0, UINT32_MAX, &ck) || get_u32(r, "obs_dim", 1, PROTO_MAX_OBS, &w->obs_dim))
    return -1;
  w->checksum = (uint32_t)ck;
  uint32_t nc;
  if (get_moments(r, w->obs_dim, &w->obs_count, &w->obs_mean, &w->obs_m2) ||
      get_u32(r, "n_clips", 0, PROTO_MAX_CLIPS, &nc))
    return -1;
  shape s = {{"n_clips"}, {nc}, 1, "float64"};
  if (get_f64(r, "clip_weights", nc, &s, &w->clip_weights)) return -1;
  for (uint32_t i = 0; i < nc; i++)
    if (proto_f64_at(w->clip_weights, i) < 0)
      return err_set(r->err, "%s.clip_weights: element %u is %g, must be >= 0", r->what, i, proto_f64_at(w->clip_weights, i));
  uint32_t nb;
  if (get_u32(r, "body_muscles", 0, PROTO_MAX_MUSCLES, &nb)) return -1;
  return get_nonneg(r, "body_strength", nb, &w->body_strength) || get_nonneg(r, "body_spas_gain", nb, &w->body_spas_gain)
             ? -1 : 0;
}

static int decode_control(rd *r, proto_control *c) {
  uint64_t cmd;
  if (get_uint(r, "command", 0, UINT64_MAX, &cmd)) return -1;
  if (cmd != PROTO_CMD_STOP && cmd != PROTO_CMD_CHECKPOINT && cmd != PROTO_CMD_RESTORE)
    return err_set(r->err, "control.command: %" PRIu64 " is not a command (1 stop, 2 checkpoint, 3 restore)", cmd);
  c->command = (proto_command)cmd;
  const msgpack_object *v = field(r, "reason");
  if (!v) return -1;
  if (v->type != MSGPACK_OBJECT_STR)
    return err_set(r->err, "control.reason: expected str, found %s", type_name(v->type));
  uint32_t n = v->via.str.size;
  if (n > PROTO_MAX_REASON) return err_set(r->err, "control.reason: %u bytes, at most %u", n, PROTO_MAX_REASON);
  /* The reason ends up in log lines: no control characters. */
  for (uint32_t i = 0; i < n; i++) {
    unsigned char ch = (unsigned char)v->via.str.ptr[i];
    if (ch < 0x20 || ch == 0x7f) return err_set(r->err, "control.reason: byte %u is control character 0x%02x", i, ch);
  }
  memcpy(c->reason, v->via.str.ptr, n);
  c->reason[n] = '\0';
  return 0;
}

/* magic, version, kind: the three entries every version keeps. */
static int decode_header(rd *r, uint64_t *kind) {
  const msgpack_object *m = field(r, "magic");
  if (!m) return -1;
  size_t ml = strlen(PROTO_MAGIC);
  if (m->type != MSGPACK_OBJECT_STR || m->via.str.size != ml || memcmp(m->via.str.ptr, PROTO_MAGIC, ml) != 0)
    return err_set(r->err, "message.magic: not \"%s\": not a drl2move message", PROTO_MAGIC);
  const msgpack_object *v = field(r, "version");
  if (!v) return -1;
  if (v->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
    return err_set(r->err, "message.version: expected unsigned integer, found %s", type_name(v->type));
  if (v->via.u64 != PROTO_VERSION)
    return err_set(r->err, "message.version: protocol version %" PRIu64 ", this build speaks %d", v->via.u64,
                   PROTO_VERSION);
  const msgpack_object *k = field(r, "kind");
  if (!k) return -1;
  if (k->type != MSGPACK_OBJECT_POSITIVE_INTEGER)
    return err_set(r->err, "message.kind: expected unsigned integer, found %s", type_name(k->type));
  if (k->via.u64 < PROTO_TRAJECTORY || k->via.u64 > PROTO_CONTROL)
    return err_set(r->err, "message.kind: unknown kind %" PRIu64 " (1 trajectory, 2 weights, 3 control)", k->via.u64);
  *kind = k->via.u64;
  return 0;
}

int proto_decode(proto_decoder *d, const void *buf, size_t len, proto_msg *out, d2m_err *err) {
  if (len == 0 || !buf) return err_set(err, "message: empty");
  if (len > PROTO_MAX_BYTES) return err_set(err, "message: %zu bytes, more than the limit %u", len, PROTO_MAX_BYTES);
  if (proto_scan(buf, len, err)) return -1;
  msgpack_zone_clear(&d->zone);
  msgpack_object root;
  size_t off = 0;
  /* msgpack_unpack (marked obsolete, still exported) is the entry point that takes a caller's
   * zone: msgpack_unpack_next frees and recreates its zone on every call. */
  msgpack_unpack_return ur = msgpack_unpack(buf, len, &off, &d->zone, &root);
  if (ur != MSGPACK_UNPACK_SUCCESS) return err_set(err, "message: msgpack_unpack failed (%d) at offset %zu", (int)ur, off);
  if (root.type != MSGPACK_OBJECT_MAP)
    return err_set(err, "message: top level is %s, expected map", type_name(root.type));
  rd r = {root.via.map.ptr, root.via.map.size, 0, "message", err};
  uint64_t kind = 0;
  if (decode_header(&r, &kind)) return -1;
  memset(out, 0, sizeof *out);
  out->kind = (proto_kind)kind;
  r.what = proto_kind_name(kind);
  int rc = kind == PROTO_TRAJECTORY ? decode_traj(&r, d, &out->u.traj)
         : kind == PROTO_WEIGHTS    ? decode_weights(&r, &out->u.weights)
                                    : decode_control(&r, &out->u.control);
  if (rc) return -1;
  if (r.i != r.n) return err_set(err, "%s: %u unexpected entries after the last field", r.what, r.n - r.i);
  return 0;
}

const char *proto_kind_name(uint64_t kind) {
  switch (kind) {
    case PROTO_TRAJECTORY: return "trajectory";
    case PROTO_WEIGHTS: return "weights";
    case PROTO_CONTROL: return "control";
  }
  return "unknown";
}

const char *proto_end_reason_name(uint32_t code) {
  static const char *names[PROTO_END_KNOWN_COUNT] = {"time_limit", "fall", "tracking", "numerical", "success"};
  return code < PROTO_END_KNOWN_COUNT ? names[code] : "other";
}
