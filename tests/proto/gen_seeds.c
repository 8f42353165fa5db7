/* tests/proto/gen_seeds.c: writes the fuzz seed corpus (tests/fuzz/proto/seeds/): small valid
 * messages of every kind (valid_*) and a few corrupted ones (bad_*). The corpus test checks that
 * valid_* decode and bad_* are refused, so the names are a contract.
 *
 *   build-<you>/tests/proto/proto_gen_seeds tests/fuzz/proto/seeds
 */
#define _GNU_SOURCE /* memmem */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tests/proto/tp_util.h"

static const char *dir;

static void put(const char *name, const void *p, size_t n) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0) D2M_FATAL("cannot write %s", path);
}

static void traj(msgpack_sbuffer *sb, const char *name, uint64_t seed, uint32_t E, uint32_t T, uint32_t obs,
                 uint32_t act, uint32_t amp, uint32_t n_ep, int corrupt) {
  tp_traj t;
  tp_traj_make(&t, seed, E, T, obs, act, amp, n_ep);
  if (corrupt == 1) t.rewards[1] = NAN;
  if (corrupt == 2) t.terminated[0] = 3;
  d2m_err err;
  if (proto_encode_traj(&t.src, sb, &err)) D2M_FATAL("%s", err.msg);
  put(name, sb->data, sb->size);
  tp_traj_free(&t);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s DIR\n", argv[0]);
    return 2;
  }
  dir = argv[1];
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  d2m_err err;
  traj(&sb, "valid_traj_1x1", 1, 1, 1, 1, 1, 0, 0, 0);
  traj(&sb, "valid_traj_3x2_amp", 2, 3, 2, 4, 2, 3, 2, 0);
  traj(&sb, "valid_traj_2x4_episodes", 3, 2, 4, 5, 3, 0, 8, 0);
  traj(&sb, "valid_traj_4x4", 4, 4, 4, 8, 4, 2, 5, 0);
  traj(&sb, "bad_traj_nan_reward", 5, 2, 2, 3, 2, 0, 1, 1);
  traj(&sb, "bad_traj_flag_3", 6, 2, 2, 3, 2, 0, 1, 2);
  traj(&sb, "valid_traj_for_cuts", 7, 2, 3, 3, 2, 1, 2, 0);
  put("bad_traj_truncated", sb.data, sb.size / 2);
  msgpack_sbuffer_write(&sb, "\xc0", 1);
  put("bad_traj_trailing", sb.data, sb.size);

  for (uint32_t obs = 1; obs <= 9; obs += 8) {
    tp_weights w;
    tp_weights_make(&w, obs, 10 * obs, obs);
    if (proto_encode_weights(&w.src, &sb, &err)) D2M_FATAL("%s", err.msg);
    put(obs == 1 ? "valid_weights_1" : "valid_weights_9", sb.data, sb.size);
    tp_weights_free(&w);
  }
  proto_control c = {.command = PROTO_CMD_STOP, .reason = "SIGTERM"};
  if (proto_encode_control(&c, &sb, &err)) D2M_FATAL("%s", err.msg);
  put("valid_control_stop", sb.data, sb.size);
  c.command = PROTO_CMD_CHECKPOINT;
  snprintf(c.reason, sizeof c.reason, "checkpoint requested by SIGUSR1");
  if (proto_encode_control(&c, &sb, &err)) D2M_FATAL("%s", err.msg);
  put("valid_control_checkpoint", sb.data, sb.size);
  c.command = PROTO_CMD_RESTORE;
  snprintf(c.reason, sizeof c.reason, "resume");
  if (proto_encode_control(&c, &sb, &err)) D2M_FATAL("%s", err.msg);
  put("valid_control_restore", sb.data, sb.size);
  c.command = PROTO_CMD_CHECKPOINT;
  snprintf(c.reason, sizeof c.reason, "checkpoint requested by SIGUSR1");
  if (proto_encode_control(&c, &sb, &err)) D2M_FATAL("%s", err.msg);
  /* the same control message claiming the next protocol version and kind 9 (the one byte after "version"
   * and after "kind" is a positive fixint) */
  char *v = memmem(sb.data, sb.size, "version", 7), *k = memmem(sb.data, sb.size, "kind", 4);
  if (!v || !k) D2M_FATAL("keys not found");
  v[7] = PROTO_VERSION + 1;
  put("bad_control_version_next", sb.data, sb.size);
  v[7] = PROTO_VERSION;
  k[4] = 9;
  put("bad_control_kind9", sb.data, sb.size);
  put("bad_array32_huge", "\xdd\xff\xff\xff\xff", 5);
  put("bad_map_int_key", "\x81\x01\x02", 3);
  msgpack_sbuffer_destroy(&sb);
  return 0;
}
