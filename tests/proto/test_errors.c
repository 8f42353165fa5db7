/* tests/proto/test_errors.c: every validation failure gives -1 and names the field. Messages are
 * broken either at the source (values the encoder passes through: NaN, flags, moments) or by
 * rewriting one entry of a valid message (types, lengths, counts, versions, kinds). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "tests/proto/tp_util.h"

static proto_decoder dec;
static msgpack_sbuffer base, mut;
static tp_traj tr;

static void e_setup(void) {
  proto_decoder_init(&dec);
  msgpack_sbuffer_init(&base);
  msgpack_sbuffer_init(&mut);
  tp_traj_make(&tr, 42, 10, 10, 5, 3, 2, 4); /* T=10, E=10, obs=5, act=3, amp=2, 4 episodes */
}
static void e_teardown(void) {
  tp_traj_free(&tr);
  proto_decoder_free(&dec);
  msgpack_sbuffer_destroy(&base);
  msgpack_sbuffer_destroy(&mut);
}

static void expect_fail(const char *buf, size_t len, const char *needle) {
  proto_msg m;
  d2m_err err = {{0}};
  int rc = proto_decode(&dec, buf, len, &m, &err);
  cr_assert_eq(rc, -1, "accepted; expected an error with '%s'", needle);
  cr_assert(strstr(err.msg, needle) != NULL, "error \"%s\" lacks \"%s\"", err.msg, needle);
}

static void encode_traj(void) {
  d2m_err err = {{0}};
  cr_assert_eq(proto_encode_traj(&tr.src, &base, &err), 0, "%s", err.msg);
}

/* Rewrite entry `key` of `base` with fn/ctx and expect `needle`. */
static void expect_rewrite_fails(const char *key, tp_value_fn fn, void *ctx, const char *needle) {
  cr_assert_eq(tp_rewrite(base.data, base.size, key, fn, ctx, 0, &mut), 0, "no key %s", key);
  expect_fail(mut.data, mut.size, needle);
}

static void put_obj(msgpack_packer *pk, const msgpack_object *orig, void *ctx) {
  (void)orig;
  msgpack_pack_object(pk, *(const msgpack_object *)ctx);
}

/* A bin with the original bytes, `delta` bytes longer or shorter. */
static void put_resized(msgpack_packer *pk, const msgpack_object *orig, void *ctx) {
  long delta = *(const long *)ctx;
  size_t n = (size_t)((long)orig->via.bin.size + delta);
  char *p = xcalloc(n + 1, 1);
  memcpy(p, orig->via.bin.ptr, n < orig->via.bin.size ? n : orig->via.bin.size);
  msgpack_pack_bin_with_body(pk, p, n);
  free(p);
}

static const char *traj_keys[] = {"magic", "version", "kind", "rank", "policy_version", "envs", "steps",
                                  "obs_dim", "act_dim", "amp_dim", "obs", "actions", "logp", "values",
                                  "rewards", "terminated", "truncated", "bootstrap_value", "truncated_value",
                                  "amp", "obs_count", "obs_mean", "obs_m2", "episodes",
                                  "use_muscles", "use", "use_count"};
static const char *weights_keys[] = {"magic", "version", "kind", "policy_version", "param_count", "checksum",
                                     "obs_dim", "obs_count", "obs_mean", "obs_m2", "n_clips", "clip_weights",
                                     "body_muscles", "body_strength", "body_spas_gain"};
static const char *control_keys[] = {"magic", "version", "kind", "command", "reason"};

static void field_name(char *out, size_t n, const char *kind, size_t i, const char *key) {
  snprintf(out, n, "%s.%s", i < 3 ? "message" : kind, key);
}

/* Every entry of every kind, replaced by each value of another type, is refused by name. */
static void wrong_types(const char *kind, const char **keys, size_t nkeys) {
  msgpack_object bad[] = {
    {.type = MSGPACK_OBJECT_NIL},
    {.type = MSGPACK_OBJECT_BOOLEAN, .via.boolean = true},
    {.type = MSGPACK_OBJECT_NEGATIVE_INTEGER, .via.i64 = -1},
    {.type = MSGPACK_OBJECT_FLOAT64, .via.f64 = 1.5},
    {.type = MSGPACK_OBJECT_STR, .via.str = {1, "x"}},
    {.type = MSGPACK_OBJECT_BIN, .via.bin = {3, "abc"}},
    {.type = MSGPACK_OBJECT_ARRAY, .via.array = {0, NULL}},
    {.type = MSGPACK_OBJECT_MAP, .via.map = {0, NULL}},
  };
  msgpack_unpacked u;
  msgpack_unpacked_init(&u);
  size_t off = 0;
  cr_assert_eq(msgpack_unpack_next(&u, base.data, base.size, &off), MSGPACK_UNPACK_SUCCESS);
  cr_assert_eq(u.data.via.map.size, nkeys);
  for (size_t i = 0; i < nkeys; i++) {
    char name[64];
    field_name(name, sizeof name, kind, i, keys[i]);
    for (size_t b = 0; b < sizeof bad / sizeof bad[0]; b++) {
      if (bad[b].type == u.data.via.map.ptr[i].val.type) continue;
      expect_rewrite_fails(keys[i], put_obj, &bad[b], name);
    }
    /* and a missing entry is named too */
    cr_assert_eq(tp_rewrite(base.data, base.size, keys[i], NULL, NULL, 0, &mut), 0);
    expect_fail(mut.data, mut.size, name);
  }
  msgpack_unpacked_destroy(&u);
  cr_assert_eq(tp_rewrite(base.data, base.size, NULL, NULL, NULL, 1, &mut), 0);
  expect_fail(mut.data, mut.size, "unexpected entries");
}

Test(proto, wrong_types_trajectory, .init = e_setup, .fini = e_teardown) {
  encode_traj();
  wrong_types("trajectory", traj_keys, 27);
}

Test(proto, wrong_types_weights, .init = e_setup, .fini = e_teardown) {
  tp_weights w;
  tp_weights_make_clips(&w, 1, 100, 5, 3);
  d2m_err err = {{0}};
  cr_assert_eq(proto_encode_weights(&w.src, &base, &err), 0, "%s", err.msg);
  wrong_types("weights", weights_keys, 15);
  tp_weights_free(&w);
}


Test(proto, wrong_types_control, .init = e_setup, .fini = e_teardown) {
  proto_control c = {.command = PROTO_CMD_CHECKPOINT, .reason = "SIGUSR1"};
  d2m_err err = {{0}};
  cr_assert_eq(proto_encode_control(&c, &base, &err), 0, "%s", err.msg);
  wrong_types("control", control_keys, 5);
}

Test(proto, wrong_lengths, .init = e_setup, .fini = e_teardown) {
  encode_traj();
  for (size_t i = 10; i < 23; i++) {
    if (strcmp(traj_keys[i], "obs_count") == 0) continue;
    char name[64];
    snprintf(name, sizeof name, "trajectory.%s: length", traj_keys[i]);
    long deltas[] = {-1, 1, 4, -4};
    for (int k = 0; k < 4; k++) expect_rewrite_fails(traj_keys[i], put_resized, &deltas[k], name);
  }
  long minus4 = -4;
  cr_assert_eq(tp_rewrite(base.data, base.size, "rewards", put_resized, &minus4, 0, &mut), 0);
  proto_msg m;
  d2m_err err = {{0}};
  cr_assert_eq(proto_decode(&dec, mut.data, mut.size, &m, &err), -1);
  cr_assert_str_eq(err.msg, "trajectory.rewards: length 396 bytes, expected 400 (T=10, E=10, float32)");
  /* header and arrays disagree: obs_dim 6 with obs arrays of 5 */
  msgpack_object six = {.type = MSGPACK_OBJECT_POSITIVE_INTEGER, .via.u64 = 6};
  expect_rewrite_fails("obs_dim", put_obj, &six, "trajectory.obs: length 2000 bytes, expected 2400 (T=10, E=10, obs=6, float32)");
}

static void expect_src_fails(const char *needle) {
  encode_traj();
  expect_fail(base.data, base.size, needle);
}

Test(proto, non_finite_floats, .init = e_setup, .fini = e_teardown) {
  struct { float *p; const char *name; } f[] = {
    {tr.obs, "obs"}, {tr.actions, "actions"}, {tr.logp, "logp"}, {tr.values, "values"}, {tr.rewards, "rewards"},
    {tr.bootstrap_value, "bootstrap_value"}, {tr.truncated_value, "truncated_value"}, {tr.amp, "amp"},
  };
  float bad[] = {NAN, INFINITY, -INFINITY};
  const char *what[] = {"NaN", "Inf", "Inf"};
  for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
    for (int b = 0; b < 3; b++) {
      float keep = f[i].p[3];
      f[i].p[3] = bad[b];
      char needle[96];
      snprintf(needle, sizeof needle, "trajectory.%s: element 3 is %s", f[i].name, what[b]);
      expect_src_fails(needle);
      f[i].p[3] = keep;
    }
  tr.obs_mean[2] = NAN;
  expect_src_fails("trajectory.obs_mean: element 2 is NaN");
  tr.obs_mean[2] = 0;
  tr.obs_m2[4] = INFINITY;
  expect_src_fails("trajectory.obs_m2: element 4 is Inf");
  tr.obs_m2[4] = 1;
  tr.episodes[1].ret = INFINITY;
  expect_src_fails("trajectory.episodes[1].return");
  tr.episodes[1].ret = 1;
  tr.episodes[2].mpjpe_mm = NAN;
  expect_src_fails("trajectory.episodes[2].mpjpe_mm");
}

Test(proto, semantic_checks, .init = e_setup, .fini = e_teardown) {
  tr.terminated[7] = 2;
  expect_src_fails("trajectory.terminated: element 7 is 2, expected 0 or 1");
  tr.terminated[7] = 0;
  tr.truncated[8] = 255;
  expect_src_fails("trajectory.truncated: element 8 is 255");
  tr.truncated[8] = 0;
  tr.truncated_value[8] = 0.5f;
  expect_src_fails("trajectory.truncated_value: element 8 (t=0, e=8) is 0.5 where truncated is 0");
  tr.truncated_value[8] = 0;
  tr.obs_m2[1] = -1;
  expect_src_fails("trajectory.obs_m2: element 1 is -1, must be >= 0");
  tr.obs_m2[1] = 1;
  tr.src.obs_count = 0;
  expect_src_fails("with obs_count 0");
  tr.src.obs_count = 5;
  encode_traj();
  msgpack_object big = {.type = MSGPACK_OBJECT_POSITIVE_INTEGER, .via.u64 = (1ull << 53) + 1};
  expect_rewrite_fails("obs_count", put_obj, &big, "trajectory.obs_count");
}

static void put_v(msgpack_packer *pk, const msgpack_object *orig, void *ctx) {
  (void)orig;
  msgpack_pack_uint64(pk, *(const uint64_t *)ctx);
}

Test(proto, version_kind_magic, .init = e_setup, .fini = e_teardown) {
  encode_traj();
  uint64_t v = 7;
  expect_rewrite_fails("version", put_v, &v, "protocol version 7, this build speaks 3");
  v = 0;
  expect_rewrite_fails("version", put_v, &v, "protocol version 0, this build speaks 3");
  v = 9;
  expect_rewrite_fails("kind", put_v, &v, "message.kind: unknown kind 9");
  v = 0;
  expect_rewrite_fails("kind", put_v, &v, "unknown kind 0");
  msgpack_object m = {.type = MSGPACK_OBJECT_STR, .via.str = {3, "d2n"}};
  expect_rewrite_fails("magic", put_obj, &m, "message.magic");
  /* a weights body under the trajectory kind fails on the first differing key */
  v = PROTO_WEIGHTS;
  expect_rewrite_fails("kind", put_v, &v, "weights.policy_version: expected this key at entry 4, found key 'rank'");
}

Test(proto, truncated_and_trailing, .init = e_setup, .fini = e_teardown) {
  encode_traj();
  for (size_t n = 0; n < base.size; n += (n < 300 ? 1 : 97)) {
    proto_msg m;
    d2m_err err = {{0}};
    cr_assert_eq(proto_decode(&dec, base.data, n, &m, &err), -1, "prefix %zu accepted", n);
    cr_assert(strstr(err.msg, n ? "truncated" : "empty"), "prefix %zu: %s", n, err.msg);
  }
  proto_control c = {.command = PROTO_CMD_STOP, .reason = "x"};
  d2m_err err = {{0}};
  cr_assert_eq(proto_encode_control(&c, &mut, &err), 0);
  for (size_t n = 1; n < mut.size; n++) expect_fail(mut.data, n, "truncated");
  /* trailing garbage: one byte, or a whole second message */
  size_t n = mut.size;
  msgpack_sbuffer_write(&mut, "\x00", 1);
  expect_fail(mut.data, mut.size, "1 trailing bytes");
  msgpack_sbuffer_write(&mut, mut.data, n);
  expect_fail(mut.data, mut.size, "trailing bytes");
}

Test(proto, huge_declared_counts, .init = e_setup, .fini = e_teardown) {
  encode_traj();
  struct { const char *key; uint64_t v; const char *needle; } h[] = {
    {"envs", 5000, "trajectory.envs: 5000 outside [1, 4096]"}, {"envs", 0, "trajectory.envs: 0 outside"},
    {"steps", 4097, "trajectory.steps: 4097 outside"}, {"obs_dim", 1u << 31, "trajectory.obs_dim"},
    {"act_dim", 1025, "trajectory.act_dim"}, {"amp_dim", 4097, "trajectory.amp_dim"},
    {"rank", 1ull << 40, "trajectory.rank"},
  };
  for (size_t i = 0; i < sizeof h / sizeof h[0]; i++) expect_rewrite_fails(h[i].key, put_v, &h[i].v, h[i].needle);
  /* each within its limit, together far beyond 1 GiB */
  uint64_t big = 4096;
  cr_assert_eq(tp_rewrite(base.data, base.size, "envs", put_v, &big, 0, &mut), 0);
  msgpack_sbuffer tmp;
  msgpack_sbuffer_init(&tmp);
  cr_assert_eq(tp_rewrite(mut.data, mut.size, "steps", put_v, &big, 0, &tmp), 0);
  cr_assert_eq(tp_rewrite(tmp.data, tmp.size, "obs_dim", put_v, &big, 0, &mut), 0);
  expect_fail(mut.data, mut.size, "more than the limit");
  msgpack_sbuffer_destroy(&tmp);
  /* raw msgpack headers that declare billions of entries in a few bytes */
  expect_fail("\xdd\xff\xff\xff\xff", 5, "declares 4294967295 entries");
  expect_fail("\xdf\xff\xff\xff\xff\xc0", 6, "declares 4294967295 entries");
  expect_fail("\x81\xa1x\xdd\x7f\xff\xff\xff\xc0\xc0", 10, "declares 2147483647 entries");
  expect_fail("\xc6\x7f\xff\xff\xff\x00", 6, "truncated");
  expect_fail("\xdb\xff\xff\xff\xff", 5, "truncated");
  expect_fail("\xc1", 1, "not a msgpack type");
  char deep[40];
  memset(deep, 0x91, sizeof deep);
  deep[39] = (char)0xc0;
  expect_fail(deep, sizeof deep, "nested deeper");
  size_t nn = 1100000;
  char *many = xmalloc(nn + 5);
  memcpy(many, "\xdd\x00\x10\xc8\xe0", 5); /* array32 of 1,100,000 */
  memset(many + 5, 0xc0, nn);
  expect_fail(many, nn + 5, "more than 1048576 msgpack objects");
  free(many);
  expect_fail("\x93\x01\x02\x03", 4, "top level is array, expected map");
  expect_fail("\x81\x01\x02", 3, "message.magic: expected this key at entry 1, found a unsigned integer key");
  expect_fail("", 0, "empty");
}

/* More episode records than T*E, and broken records. */
static void put_episodes(msgpack_packer *pk, const msgpack_object *orig, void *ctx) {
  const int *how = ctx; /* {count, record, field, mode}: mode 0 nil field, 1 short record, 2 value 1e300,
                          * 3 value PROTO_MAX_CLIPS */
  msgpack_pack_array(pk, (size_t)how[0]);
  for (int i = 0; i < how[0]; i++) {
    const msgpack_object *rec = &orig->via.array.ptr[i % orig->via.array.size];
    if (i != how[1]) { msgpack_pack_object(pk, *rec); continue; }
    msgpack_pack_array(pk, how[3] == 1 ? 7 : 8);
    for (int f = 0; f < (how[3] == 1 ? 7 : 8); f++) {
      if (f != how[2]) msgpack_pack_object(pk, rec->via.array.ptr[f]);
      else if (how[3] == 0) msgpack_pack_nil(pk);
      else if (how[3] == 3) msgpack_pack_uint32(pk, PROTO_MAX_CLIPS);
      else msgpack_pack_double(pk, 1e300);
    }
  }
}

Test(proto, episode_records, .init = e_setup, .fini = e_teardown) {
  tp_traj_free(&tr);
  tp_traj_make(&tr, 7, 2, 2, 3, 1, 0, 3);
  encode_traj();
  int too_many[] = {5, -1, 0, 0};
  expect_rewrite_fails("episodes", put_episodes, too_many, "trajectory.episodes: 5 records, at most 4");
  const char *names[] = {"return", "length", "reason", "success", "mpjpe_mm", "joint_rmse_deg", "numerical_resets", "clip"};
  for (int f = 0; f < 8; f++) {
    int how[] = {3, 2, f, 0};
    char needle[80];
    snprintf(needle, sizeof needle, "trajectory.episodes[2].%s", names[f]);
    expect_rewrite_fails("episodes", put_episodes, how, needle);
  }
  int short_rec[] = {3, 1, 0, 1};
  expect_rewrite_fails("episodes", put_episodes, short_rec, "trajectory.episodes[1]: expected an array of 8");
  int huge_float[] = {3, 0, 4, 2};
  expect_rewrite_fails("episodes", put_episodes, huge_float, "trajectory.episodes[0].mpjpe_mm: 1e+300");
  tr.episodes[0].reason = 63;
  encode_traj();
  proto_msg m;
  d2m_err err = {{0}};
  cr_assert_eq(proto_decode(&dec, base.data, base.size, &m, &err), 0, "%s", err.msg);
  cr_assert_str_eq(proto_end_reason_name(63), "other");
  tr.episodes[0].reason = 64;
  cr_assert_eq(proto_encode_traj(&tr.src, &base, &err), -1);
  cr_assert(strstr(err.msg, "trajectory.episodes[0].reason"), "%s", err.msg);
  tr.episodes[0].reason = 0;
  tr.episodes[1].clip = PROTO_MAX_CLIPS - 1; /* the largest clip index passes, the next is refused */
  encode_traj();
  cr_assert_eq(proto_decode(&dec, base.data, base.size, &m, &err), 0, "%s", err.msg);
  cr_assert_eq(m.u.traj.episodes[1].clip, PROTO_MAX_CLIPS - 1);
  int clip_field[] = {3, 1, 7, 3};
  expect_rewrite_fails("episodes", put_episodes, clip_field, "trajectory.episodes[1].clip: 65536 above 65535");
  tr.episodes[1].clip = PROTO_MAX_CLIPS;
  cr_assert_eq(proto_encode_traj(&tr.src, &base, &err), -1);
  cr_assert(strstr(err.msg, "trajectory.episodes[1].clip"), "%s", err.msg);
}

Test(proto, control_checks, .init = e_setup, .fini = e_teardown) {
  proto_control c = {.command = PROTO_CMD_STOP, .reason = "ok"};
  d2m_err err = {{0}};
  cr_assert_eq(proto_encode_control(&c, &base, &err), 0);
  uint64_t v = 9;
  expect_rewrite_fails("command", put_v, &v, "control.command: 9 is not a command");
  char longr[PROTO_MAX_REASON + 1];
  memset(longr, 'a', sizeof longr);
  msgpack_object s = {.type = MSGPACK_OBJECT_STR, .via.str = {PROTO_MAX_REASON + 1, longr}};
  expect_rewrite_fails("reason", put_obj, &s, "control.reason: 257 bytes, at most 256");
  msgpack_object nl = {.type = MSGPACK_OBJECT_STR, .via.str = {4, "ab\ncd"}};
  expect_rewrite_fails("reason", put_obj, &nl, "control.reason: byte 2 is control character 0x0a");
  c.command = (proto_command)5;
  cr_assert_eq(proto_encode_control(&c, &base, &err), -1);
  cr_assert(strstr(err.msg, "control.command"), "%s", err.msg);
}

Test(proto, encoder_refuses, .init = e_setup, .fini = e_teardown) {
  d2m_err err = {{0}};
  proto_traj_src s = tr.src;
  s.envs = 0;
  cr_assert_eq(proto_encode_traj(&s, &base, &err), -1);
  cr_assert(strstr(err.msg, "trajectory.envs: 0 outside"), "%s", err.msg);
  s = tr.src;
  s.n_episodes = 101;
  cr_assert_eq(proto_encode_traj(&s, &base, &err), -1);
  cr_assert(strstr(err.msg, "trajectory.episodes: 101 records"), "%s", err.msg);
  s = tr.src;
  s.amp = NULL;
  cr_assert_eq(proto_encode_traj(&s, &base, &err), -1);
  cr_assert(strstr(err.msg, "trajectory.amp"), "%s", err.msg);
  proto_weights_src w = {.param_count = 0, .obs_dim = 3};
  cr_assert_eq(proto_encode_weights(&w, &base, &err), -1);
  cr_assert(strstr(err.msg, "weights.param_count"), "%s", err.msg);
}

/* Clip weights: the count bounds the array, each weight finite and >= 0, on both sides. */
Test(proto, weights_clip_checks, .init = e_setup, .fini = e_teardown) {
  tp_weights w;
  tp_weights_make_clips(&w, 2, 50, 4, 3);
  d2m_err err = {{0}};
  cr_assert_eq(proto_encode_weights(&w.src, &base, &err), 0, "%s", err.msg);
  uint64_t n = 4;
  expect_rewrite_fails("n_clips", put_v, &n, "weights.clip_weights: length 24 bytes, expected 32");
  n = PROTO_MAX_CLIPS + 1;
  expect_rewrite_fails("n_clips", put_v, &n, "weights.n_clips");
  double neg[3] = {0.5, -0.25, 0.5};
  msgpack_object b = {.type = MSGPACK_OBJECT_BIN, .via.bin = {24, (const char *)neg}};
  expect_rewrite_fails("clip_weights", put_obj, &b, "weights.clip_weights: element 1 is -0.25, must be >= 0");
  double nan3[3] = {0.5, 0.5, NAN};
  b.via.bin.ptr = (const char *)nan3;
  expect_rewrite_fails("clip_weights", put_obj, &b, "weights.clip_weights: element 2 is NaN");
  w.clip_weights[0] = -1;
  cr_assert_eq(proto_encode_weights(&w.src, &base, &err), -1);
  cr_assert(strstr(err.msg, "weights.clip_weights: element 0"), "%s", err.msg);
  w.clip_weights[0] = INFINITY;
  cr_assert_eq(proto_encode_weights(&w.src, &base, &err), -1);
  w.clip_weights[0] = 1;
  w.src.clip_weights = NULL;
  cr_assert_eq(proto_encode_weights(&w.src, &base, &err), -1);
  cr_assert(strstr(err.msg, "weights.clip_weights: NULL"), "%s", err.msg);
  tp_weights_free(&w);
}

/* Muscle use (rehabilitation loop): the count bounds the array, each sum >= 0 and at most use_count
 * (an excitation is at most 1), on both sides; the encoder names a NULL array. */
Test(proto, traj_use_checks, .init = e_setup, .fini = e_teardown) {
  encode_traj();
  uint64_t n = tr.src.use_muscles + 1;
  char want[96];
  snprintf(want, sizeof want, "trajectory.use: length %u bytes, expected %llu", 8 * tr.src.use_muscles,
           (unsigned long long)(8 * n));
  expect_rewrite_fails("use_muscles", put_v, &n, want);
  n = PROTO_MAX_MUSCLES + 1;
  expect_rewrite_fails("use_muscles", put_v, &n, "trajectory.use_muscles");
  n = 0; /* use_count 0: the sums cannot be above 0 */
  expect_rewrite_fails("use_count", put_v, &n, "above use_count 0");
  double neg[3] = {0.5, -0.5, 0.5};
  msgpack_object b = {.type = MSGPACK_OBJECT_BIN, .via.bin = {24, (const char *)neg}};
  expect_rewrite_fails("use", put_obj, &b, "trajectory.use: element 1 is -0.5, must be >= 0");
  neg[1] = NAN;
  expect_rewrite_fails("use", put_obj, &b, "trajectory.use: element 1 is NaN");
  d2m_err err = {{0}};
  tr.use[1] = -0.5;
  cr_assert_eq(proto_encode_traj(&tr.src, &base, &err), -1);
  cr_assert(strstr(err.msg, "trajectory.use: element 1 is -0.5"), "%s", err.msg);
  tr.use[1] = 0.5;
  proto_traj_src s = tr.src;
  s.use = NULL;
  cr_assert_eq(proto_encode_traj(&s, &base, &err), -1);
  cr_assert(strstr(err.msg, "trajectory.use: NULL"), "%s", err.msg);
  s = tr.src;
  s.use_muscles = 0, s.use_count = 0, s.use = NULL; /* no report: rehab.enabled off */
  cr_assert_eq(proto_encode_traj(&s, &base, &err), 0, "%s", err.msg);
  proto_msg m;
  cr_assert_eq(proto_decode(&dec, base.data, base.size, &m, &err), 0, "%s", err.msg);
  cr_assert_eq(m.u.traj.use.n, 0);
}

/* The body (rehabilitation loop): both arrays of body_muscles doubles, each finite and >= 0. */
Test(proto, weights_body_checks, .init = e_setup, .fini = e_teardown) {
  tp_weights w;
  tp_weights_make_clips(&w, 3, 50, 4, 2);
  d2m_err err = {{0}};
  cr_assert_eq(proto_encode_weights(&w.src, &base, &err), 0, "%s", err.msg);
  proto_msg m;
  cr_assert_eq(proto_decode(&dec, base.data, base.size, &m, &err), 0, "%s", err.msg);
  cr_assert_eq(m.u.weights.body_strength.n, TP_BODY_MUSCLES);
  cr_assert_eq(proto_f64_at(m.u.weights.body_spas_gain, 2), w.body[TP_BODY_MUSCLES + 2]);
  uint64_t n = TP_BODY_MUSCLES - 1;
  expect_rewrite_fails("body_muscles", put_v, &n, "weights.body_strength: length 32 bytes, expected 24");
  double neg[4] = {0.5, 0.5, -2, 0.5};
  msgpack_object b = {.type = MSGPACK_OBJECT_BIN, .via.bin = {32, (const char *)neg}};
  expect_rewrite_fails("body_spas_gain", put_obj, &b, "weights.body_spas_gain: element 2 is -2, must be >= 0");
  w.body[1] = INFINITY;
  cr_assert_eq(proto_encode_weights(&w.src, &base, &err), -1);
  cr_assert(strstr(err.msg, "weights.body_strength: element 1"), "%s", err.msg);
  tp_weights_free(&w);
}
