/* tests/proto/proto_speed.c: cost of the messages, side by side with memcpy of the same bytes
 * (an informational tool, not a test; the system benchmark owns the targets).
 *
 *   build-<you>/tests/proto/proto_speed [E T obs act reps]     (default 8 64 309 80 200)
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "common/crc32c.h"
#include "tests/proto/tp_util.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

int main(int argc, char **argv) {
  uint32_t a[5] = {8, 64, 309, 80, 200};
  for (int i = 1; i < argc && i <= 5; i++) a[i - 1] = (uint32_t)strtoul(argv[i], NULL, 10);
  uint32_t E = a[0], T = a[1], obs = a[2], act = a[3];
  int reps = (int)a[4];
  tp_traj t;
  tp_traj_make(&t, 1, E, T, obs, act, 0, E);
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  proto_decoder d;
  proto_decoder_init(&d);
  d2m_err err;
  proto_msg m;
  if (proto_encode_traj(&t.src, &sb, &err) || proto_decode(&d, sb.data, sb.size, &m, &err)) D2M_FATAL("%s", err.msg);
  char *copy = xmalloc(sb.size);
  float *dst = xmalloc(sb.size);
  memcpy(copy, sb.data, sb.size);
  double t0 = now();
  for (int i = 0; i < reps; i++) {
    memcpy(copy, sb.data, sb.size);
    __asm__ volatile("" : : "r"(copy) : "memory");
  }
  double t1 = now();
  for (int i = 0; i < reps; i++)
    if (proto_encode_traj(&t.src, &sb, &err)) D2M_FATAL("%s", err.msg);
  double t2 = now();
  for (int i = 0; i < reps; i++)
    if (proto_decode(&d, sb.data, sb.size, &m, &err)) D2M_FATAL("%s", err.msg);
  double t3 = now();
  for (int i = 0; i < reps; i++) {
    proto_f32_copy(dst, m.u.traj.obs);
    proto_f32_copy(dst + m.u.traj.obs.n, m.u.traj.actions);
  }
  double t4 = now();
  double mc = (t1 - t0) / reps;
  printf("trajectory E=%u T=%u obs=%u act=%u: %zu bytes\n", E, T, obs, act, sb.size);
  printf("  memcpy of the message %8.1f us (1.00)\n", 1e6 * mc);
  printf("  encode                %8.1f us (%.2f x memcpy)\n", 1e6 * (t2 - t1) / reps, (t2 - t1) / reps / mc);
  printf("  decode (validate)     %8.1f us (%.2f x memcpy)\n", 1e6 * (t3 - t2) / reps, (t3 - t2) / reps / mc);
  printf("  copy obs+actions out  %8.1f us (%.2f x memcpy)\n", 1e6 * (t4 - t3) / reps, (t4 - t3) / reps / mc);
  size_t np = (size_t)1 << 20;
  float *w = xmalloc(np * sizeof(float));
  for (size_t i = 0; i < np; i++) w[i] = (float)i * 1e-6f;
  volatile uint32_t sink = 0;
  double c0 = now();
  for (int i = 0; i < 20; i++) sink += crc32c(0, w, np * sizeof(float));
  double c1 = now();
  for (int i = 0; i < 5; i++) sink += crc32c_portable(0, w, np * sizeof(float));
  double c2 = now();
  printf("crc32c over 4 MiB: %.2f GB/s (dispatch), %.2f GB/s (table)\n", 20 * 4.0 * np / (c1 - c0) / 1e9,
         5 * 4.0 * np / (c2 - c1) / 1e9);
  free(w); free(dst); free(copy);
  proto_decoder_free(&d);
  msgpack_sbuffer_destroy(&sb);
  tp_traj_free(&t);
  return (int)(sink & 0u);
}
