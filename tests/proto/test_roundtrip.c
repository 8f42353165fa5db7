/* tests/proto/test_roundtrip.c: every message kind survives encode -> decode bit for bit; the
 * buffers are reused without reallocating; CRC-32C known answers. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "common/rng.h"
#include "common/crc32c.h"
#include "tests/proto/tp_util.h"

static proto_decoder dec;
static msgpack_sbuffer sb;

static void setup(void) {
  proto_decoder_init(&dec);
  msgpack_sbuffer_init(&sb);
}
static void teardown(void) {
  proto_decoder_free(&dec);
  msgpack_sbuffer_destroy(&sb);
}

TestSuite(proto, .init = setup, .fini = teardown);

static void roundtrip_traj(uint64_t seed, uint32_t E, uint32_t T, uint32_t obs, uint32_t act, uint32_t amp,
                           uint32_t n_ep) {
  tp_traj t;
  tp_traj_make(&t, seed, E, T, obs, act, amp, n_ep);
  d2m_err err = {{0}};
  cr_assert_eq(proto_encode_traj(&t.src, &sb, &err), 0, "encode: %s", err.msg);
  cr_assert_leq(sb.size, proto_traj_size_bound(&t.src));
  proto_msg m;
  cr_assert_eq(proto_decode(&dec, sb.data, sb.size, &m, &err), 0, "decode (E=%u T=%u): %s", E, T, err.msg);
  cr_assert_eq(m.kind, PROTO_TRAJECTORY);
  char why[128] = "";
  cr_assert(tp_traj_matches(&m.u.traj, &t.src, why, sizeof why), "E=%u T=%u: %s", E, T, why);
  /* zero copy: the views point into the received bytes */
  const unsigned char *lo = (const unsigned char *)sb.data, *hi = lo + sb.size;
  cr_assert(m.u.traj.obs.p >= lo && m.u.traj.obs.p + 4 * m.u.traj.obs.n <= hi);
  cr_assert(m.u.traj.terminated >= lo && m.u.traj.terminated < hi);
  tp_traj_free(&t);
}

Test(proto, traj_roundtrip_shapes) {
  roundtrip_traj(1, 1, 1, 1, 1, 0, 0);
  roundtrip_traj(2, 10, 10, 7, 3, 0, 5);
  roundtrip_traj(3, 16, 32, 309, 80, 40, 37);
  roundtrip_traj(4, 3, 5, 300, 1, 17, 15);  /* n_episodes == T*E */
  roundtrip_traj(5, 64, 64, 64, 80, 0, 300); /* bin32 payloads (> 64 KiB) */
}

Test(proto, traj_roundtrip_random) {
  rng_t r;
  rng_seed(&r, 77, 0, RNG_TEST, 0);
  for (int i = 0; i < 50; i++) {
    uint32_t E = 1 + (uint32_t)rng_below(&r, 12), T = 1 + (uint32_t)rng_below(&r, 12);
    uint32_t n_ep = (uint32_t)rng_below(&r, E * T + 1);
    roundtrip_traj(100 + (uint64_t)i, E, T, 1 + (uint32_t)rng_below(&r, 60), 1 + (uint32_t)rng_below(&r, 20),
                   (uint32_t)rng_below(&r, 3) * (uint32_t)rng_below(&r, 20), n_ep);
  }
}

Test(proto, weights_roundtrip_and_verify) {
  for (int i = 0; i < 10; i++) {
    tp_weights w;
    tp_weights_make_clips(&w, 10 + (uint64_t)i, 1 + (uint64_t)i * 1237, 1 + (uint32_t)i * 31, (uint32_t)(i * i * 7));
    d2m_err err = {{0}};
    cr_assert_eq(proto_encode_weights(&w.src, &sb, &err), 0, "%s", err.msg);
    proto_msg m;
    cr_assert_eq(proto_decode(&dec, sb.data, sb.size, &m, &err), 0, "%s", err.msg);
    cr_assert_eq(m.kind, PROTO_WEIGHTS);
    const proto_weights *h = &m.u.weights;
    cr_assert_eq(h->policy_version, w.src.policy_version);
    cr_assert_eq(h->param_count, w.src.param_count);
    cr_assert_eq(h->checksum, w.src.checksum);
    cr_assert_eq(h->obs_dim, w.src.obs_dim);
    cr_assert_eq(h->obs_count, w.src.obs_count);
    cr_assert_eq(memcmp(h->obs_mean.p, w.obs_mean, 8 * h->obs_dim), 0);
    cr_assert_eq(memcmp(h->obs_m2.p, w.obs_m2, 8 * h->obs_dim), 0);
    cr_assert_eq(h->clip_weights.n, w.src.n_clips);
    cr_assert_eq(memcmp(h->clip_weights.p, w.clip_weights, 8 * h->clip_weights.n), 0);
    cr_assert_eq(proto_weights_verify(h, w.params, w.src.param_count, &err), 0, "%s", err.msg);
    tp_weights_free(&w);
  }
}

Test(proto, control_roundtrip) {
  const char *reasons[] = {"", "SIGTERM", "SIGUSR1 (preemption)", "user request: checkpoint at update 1234"};
  for (int cmd = PROTO_CMD_STOP; cmd <= PROTO_CMD_RESTORE; cmd++)
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
      proto_control c = {.command = (proto_command)cmd};
      snprintf(c.reason, sizeof c.reason, "%s", reasons[i]);
      d2m_err err = {{0}};
      cr_assert_eq(proto_encode_control(&c, &sb, &err), 0, "%s", err.msg);
      proto_msg m;
      cr_assert_eq(proto_decode(&dec, sb.data, sb.size, &m, &err), 0, "%s", err.msg);
      cr_assert_eq(m.kind, PROTO_CONTROL);
      cr_assert_eq(m.u.control.command, c.command);
      cr_assert_str_eq(m.u.control.reason, c.reason);
    }
  proto_control c = {.command = PROTO_CMD_STOP};
  memset(c.reason, 'x', PROTO_MAX_REASON); /* the longest reason */
  d2m_err err = {{0}};
  cr_assert_eq(proto_encode_control(&c, &sb, &err), 0, "%s", err.msg);
  proto_msg m;
  cr_assert_eq(proto_decode(&dec, sb.data, sb.size, &m, &err), 0, "%s", err.msg);
  cr_assert_eq(strlen(m.u.control.reason), PROTO_MAX_REASON);
}

/* The steady state allocates nothing: the send buffer keeps its memory, and the decoder's zone
 * keeps its one chunk. */
Test(proto, buffers_are_reused) {
  tp_traj t;
  tp_traj_make(&t, 9, 16, 16, 40, 10, 8, 100);
  d2m_err err = {{0}};
  cr_assert_eq(proto_encode_traj(&t.src, &sb, &err), 0, "%s", err.msg);
  char *data = sb.data;
  size_t alloc = sb.alloc, size = sb.size;
  proto_msg m;
  cr_assert_eq(proto_decode(&dec, sb.data, sb.size, &m, &err), 0, "%s", err.msg);
  void *chunk = dec.zone.chunk_list.head;
  for (int i = 0; i < 20; i++) {
    cr_assert_eq(proto_encode_traj(&t.src, &sb, &err), 0, "%s", err.msg);
    cr_assert_eq(sb.data, data);
    cr_assert_eq(sb.alloc, alloc);
    cr_assert_eq(sb.size, size);
    cr_assert_eq(proto_decode(&dec, sb.data, sb.size, &m, &err), 0, "%s", err.msg);
    cr_assert_eq((void *)dec.zone.chunk_list.head, chunk);
  }
  tp_traj_free(&t);
}

/* Decoding never depends on where the buffer starts (views are read through memcpy). */
Test(proto, decode_at_odd_offsets) {
  tp_traj t;
  tp_traj_make(&t, 12, 4, 6, 9, 5, 3, 4);
  d2m_err err = {{0}};
  cr_assert_eq(proto_encode_traj(&t.src, &sb, &err), 0, "%s", err.msg);
  char *buf = xmalloc(sb.size + 8);
  for (int off = 0; off < 8; off++) {
    memcpy(buf + off, sb.data, sb.size);
    proto_msg m;
    cr_assert_eq(proto_decode(&dec, buf + off, sb.size, &m, &err), 0, "%s", err.msg);
    char why[128] = "";
    cr_assert(tp_traj_matches(&m.u.traj, &t.src, why, sizeof why), "offset %d: %s", off, why);
    float x[4];
    proto_f32_copy(x, (proto_f32){m.u.traj.logp.p, 4});
    cr_assert_eq(memcmp(x, t.logp, sizeof x), 0);
    cr_assert_eq(proto_f32_at(m.u.traj.rewards, 5), t.rewards[5]);
  }
  free(buf);
  tp_traj_free(&t);
}

/* RFC 3720 (iSCSI) appendix B.4 test vectors and the usual check value. */
Test(proto, crc32c_known_answers) {
  unsigned char buf[32];
  cr_assert_eq(crc32c(0, "123456789", 9), 0xE3069283u);
  cr_assert_eq(crc32c_portable(0, "123456789", 9), 0xE3069283u);
  memset(buf, 0, 32);
  cr_assert_eq(crc32c(0, buf, 32), 0x8A9136AAu);
  memset(buf, 0xff, 32);
  cr_assert_eq(crc32c(0, buf, 32), 0x62A8AB43u);
  for (int i = 0; i < 32; i++) buf[i] = (unsigned char)i;
  cr_assert_eq(crc32c(0, buf, 32), 0x46DD794Eu);
  for (int i = 0; i < 32; i++) buf[i] = (unsigned char)(31 - i);
  cr_assert_eq(crc32c(0, buf, 32), 0x113FDB5Cu);
  cr_assert_eq(crc32c(0, buf, 0), 0u);
}

/* The SSE4.2 path equals the table at every length and alignment, and chaining works. */
Test(proto, crc32c_fast_equals_portable) {
  enum { N = 300 };
  unsigned char buf[N + 8];
  rng_t r;
  rng_seed(&r, 5, 0, RNG_TEST, 2);
  for (int i = 0; i < N + 8; i++) buf[i] = (unsigned char)rng_u32(&r);
  for (int off = 0; off < 8; off++)
    for (int n = 0; n <= N; n++)
      cr_assert_eq(crc32c(0, buf + off, (size_t)n), crc32c_portable(0, buf + off, (size_t)n),
                   "off %d n %d", off, n);
  for (int cut = 0; cut <= N; cut += 7)
    cr_assert_eq(crc32c(crc32c(0, buf, (size_t)cut), buf + cut, (size_t)(N - cut)),
                 crc32c(0, buf, N));
}

Test(proto, weights_verify_rejects) {
  tp_weights w;
  tp_weights_make(&w, 3, 1000, 4);
  proto_weights h = {.policy_version = 7, .param_count = 1000, .checksum = w.src.checksum, .obs_dim = 4};
  d2m_err err = {{0}};
  cr_assert_eq(proto_weights_verify(&h, w.params, 1000, &err), 0, "%s", err.msg);
  cr_assert_eq(proto_weights_verify(&h, w.params, 999, &err), -1);
  cr_assert(strstr(err.msg, "999") && strstr(err.msg, "1000"), "%s", err.msg);
  w.params[500] = nextafterf(w.params[500], 1.0f); /* one ulp: the checksum sees it */
  cr_assert_eq(proto_weights_verify(&h, w.params, 1000, &err), -1);
  cr_assert(strstr(err.msg, "checksum"), "%s", err.msg);
  w.params[500] = NAN;
  h.checksum = proto_weights_checksum(w.params, 1000);
  cr_assert_eq(proto_weights_verify(&h, w.params, 1000, &err), -1);
  cr_assert(strstr(err.msg, "parameter 500 is NaN"), "%s", err.msg);
  w.params[500] = INFINITY;
  h.checksum = proto_weights_checksum(w.params, 1000);
  cr_assert_eq(proto_weights_verify(&h, w.params, 1000, &err), -1);
  cr_assert(strstr(err.msg, "parameter 500 is Inf"), "%s", err.msg);
  tp_weights_free(&w);
}
