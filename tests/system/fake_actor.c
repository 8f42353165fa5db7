/* tests/system/fake_actor.c: a hostile actor for the learner's robustness test, launched as the last
 * rank next to real ones (mpirun -np 2 drl2move train ... : -np 1 fake_actor N). It reports the real
 * observation size, takes the first weights, then sends N malformed messages (random bytes, a
 * truncated and a bit-flipped valid control message, a message claiming a future protocol version)
 * and afterwards behaves: it drains the learner's messages, answers checkpoints with an empty state
 * and says bye on stop. The learner must drop and count every bad message and finish normally.
 * With N = "die" it instead dies in the middle of sending a large message (mpirun --enable-recovery):
 * the learner has probed it, and must not wait for the rest forever. */
#include <mpi.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "deploy/launch.h"
#include "envs/env.h"
#include "envs/env_config.h"
#include "envs/model/model.h"
#include "proto/proto.h"
#include "proto/wire.h"

static int obs_size(void) {
  d2m_err err;
  mjModel *m = model_load(NULL, &err);
  if (!m) { fprintf(stderr, "fake_actor: %s\n", err.msg); return 0; }
  cfg_t c;
  env_params p;
  cfg_defaults(&c);
  env_t *e = env_params_from_cfg(&c, &p, &err) ? NULL : env_create(m, &p, NULL, &err);
  int n = e ? env_obs_size(e) : 0;
  if (e) env_free(e);
  mj_deleteModel(m);
  return n;
}

static void send_bytes(const void *p, size_t n) { MPI_Send(p, (int)n, MPI_BYTE, 0, WIRE_TAG_A2L, MPI_COMM_WORLD); }

/* Start a 16 MB send and die at once: its first fragment (what the learner's probe sees) is out, the
 * rest would need this process. */
static void die_mid_send(char *buf) {
  MPI_Request q;
  int n = 1 << 24;
  memset(buf, 0xa5, (size_t)n);
  MPI_Isend(buf, n, MPI_BYTE, 0, WIRE_TAG_A2L, MPI_COMM_WORLD, &q);
  printf("fake_actor: dying in the middle of a send\n");
  fflush(stdout);
  raise(SIGKILL);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  int die = argc > 1 && !strcmp(argv[1], "die"), nbad = argc > 1 ? atoi(argv[1]) : 5;
  /* The launcher's collectives, as every rank of `drl2move train` runs them. */
  launch_opts o;
  memset(&o, 0, sizeof o);
  cfg_t cfg;
  char run_dir[LAUNCH_PATH_MAX];
  d2m_err e0;
  if (launch_resolve_config(&o, MPI_COMM_WORLD, &cfg, &e0) ||
      launch_make_run_dir(&o, &cfg, MPI_COMM_WORLD, run_dir, sizeof run_dir, &e0)) {
    MPI_Finalize();
    return 1;
  }
  launch_report_in(MPI_COMM_WORLD, run_dir, NULL, NULL);
  int report[3] = {1, obs_size(), MODEL_NMUSCLE};
  MPI_Gather(report, 3, MPI_INT, NULL, 0, MPI_INT, 0, MPI_COMM_WORLD);
  rng_t r;
  rng_seed(&r, 5, 0, RNG_TEST, 0);
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  proto_control c = {.command = PROTO_CMD_STOP};
  strcpy(c.reason, "bye");
  d2m_err err;
  proto_encode_control(&c, &sb, &err);
  proto_decoder dec;
  proto_decoder_init(&dec);
  char *buf = malloc(1 << 26);
  int sent_bad = 0, first = 1;
  for (;;) {
    MPI_Status st;
    MPI_Probe(0, WIRE_TAG_L2A, MPI_COMM_WORLD, &st);
    int n;
    MPI_Get_count(&st, MPI_BYTE, &n);
    MPI_Recv(buf, n, MPI_BYTE, 0, WIRE_TAG_L2A, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    proto_msg msg;
    if (proto_decode(&dec, buf, (size_t)n, &msg, &err)) continue; /* a weights payload */
    if (msg.kind == PROTO_CONTROL && msg.u.control.command == PROTO_CMD_STOP) break;
    if (msg.kind == PROTO_CONTROL && msg.u.control.command == PROTO_CMD_CHECKPOINT)
      MPI_Send(NULL, 0, MPI_BYTE, 0, WIRE_TAG_STATE, MPI_COMM_WORLD);
    if (msg.kind == PROTO_WEIGHTS && first && die) die_mid_send(buf);
    if (msg.kind == PROTO_WEIGHTS && first) {
      first = 0;
      for (; sent_bad < nbad; sent_bad++) {
        unsigned char junk[300];
        switch (sent_bad % 4) {
          case 0: for (size_t i = 0; i < sizeof junk; i++) junk[i] = (unsigned char)rng_u32(&r); send_bytes(junk, sizeof junk); break;
          case 1: send_bytes(sb.data, sb.size / 2); break;
          case 2: memcpy(junk, sb.data, sb.size); junk[sb.size / 3] ^= 0x40; send_bytes(junk, sb.size); break;
          case 3: { /* a map whose version entry says 99 */
            msgpack_sbuffer v; msgpack_sbuffer_init(&v);
            msgpack_packer pk; msgpack_packer_init(&pk, &v, msgpack_sbuffer_write);
            msgpack_pack_map(&pk, 3);
            msgpack_pack_str(&pk, 5); msgpack_pack_str_body(&pk, "magic", 5);
            msgpack_pack_str(&pk, 3); msgpack_pack_str_body(&pk, "d2m", 3);
            msgpack_pack_str(&pk, 7); msgpack_pack_str_body(&pk, "version", 7);
            msgpack_pack_uint32(&pk, 99);
            msgpack_pack_str(&pk, 4); msgpack_pack_str_body(&pk, "kind", 4);
            msgpack_pack_uint32(&pk, 1);
            send_bytes(v.data, v.size);
            msgpack_sbuffer_destroy(&v);
            break;
          }
        }
      }
    }
  }
  send_bytes(sb.data, sb.size); /* bye */
  printf("fake_actor: sent %d malformed messages\n", sent_bad);
  /* train's last collective (deploy/train.c end_barrier): a nonblocking barrier, which a blocking
   * MPI_Barrier would not match (MPI-3 6.12). */
  MPI_Request q;
  MPI_Ibarrier(MPI_COMM_WORLD, &q);
  MPI_Wait(&q, MPI_STATUS_IGNORE);
  free(buf);
  proto_decoder_free(&dec);
  msgpack_sbuffer_destroy(&sb);
  MPI_Finalize();
  return 0;
}
