/* tests/learner/test_mining.c: the clip curriculum (learner/mining.h) on synthetic episode results:
 * the rule's known answer, weights moving toward the failed clips over updates, the floor, sums of 1,
 * list weights of 0, mining off, the checkpoint state round trip and clips.csv rows. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envs/motion/motionlib.h"
#include "learner/mining.h"

static char g_dir[64], g_list[128];

/* A list of clips that need not exist: mining reads names and weights only. */
static void write_list(const char *body) {
  snprintf(g_dir, sizeof g_dir, "/tmp/d2m_mining_XXXXXX");
  cr_assert(mkdtemp(g_dir));
  snprintf(g_list, sizeof g_list, "%s/clips.list", g_dir);
  FILE *f = fopen(g_list, "w");
  cr_assert(f);
  fputs(body, f);
  fclose(f);
}

static void cleanup(void) {
  unlink(g_list);
  rmdir(g_dir);
}

static double sum(const double *w, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s += w[i];
  return s;
}

Test(mining, rule_known_answer) {
  /* clip 0 always succeeded (100 of 100), clip 1 always failed, clip 2 half, clip 3 never seen */
  double b[4] = {0.25, 0.25, 0.25, 0.25}, counts[8] = {100, 100, 100, 0, 100, 50, 0, 0}, w[4];
  mining_weights(4, b, counts, 2, 0.2, w);
  double f[4] = {1.0 / 102, 101.0 / 102, 51.0 / 102, 0.5}, z = 0.25 * (f[0] + f[1] + f[2] + f[3]);
  for (int i = 0; i < 4; i++) cr_assert_float_eq(w[i], 0.2 * 0.25 + 0.8 * 0.25 * f[i] / z, 1e-15, "clip %d", i);
  cr_assert_float_eq(sum(w, 4), 1, 1e-15);
  cr_assert(w[1] > w[2] && w[2] > w[0], "failed clips gain: %g %g %g", w[0], w[1], w[2]);
  /* floor 1: the list's distribution whatever the results; floor 0: pure failure rate */
  mining_weights(4, b, counts, 2, 1, w);
  for (int i = 0; i < 4; i++) cr_assert_float_eq(w[i], 0.25, 1e-15);
  mining_weights(4, b, counts, 2, 0, w);
  cr_assert_float_eq(w[1] / w[0], 101, 1e-9);
}

/* One update of synthetic episodes: clip 0 succeeds, clip 1 fails, clip 2 half and half. */
static void one_update(mining *m, int per_clip) {
  mining_clear_update(m);
  for (int k = 0; k < per_clip; k++) {
    mining_record(m, 0, 1, 20, 3, 300);
    mining_record(m, 1, 0, 80, 9, 12);
    mining_record(m, 2, k % 2, 50, 6, 100);
  }
  mining_update(m);
}

Test(mining, weights_move_toward_failed_clips_floor_holds) {
  write_list("a.mot 2\nb.mot 1 split=train\nc.mot 1 0 split=test\nd.mot 0\n");
  mining m;
  d2m_err err;
  cr_assert_eq(mining_init(&m, g_list, "failure", 0.2, 0.9, &err), 0, "%s", err.msg);
  cr_assert_eq(m.n, 4);
  cr_assert_str_eq(m.names[2], "c.mot");
  const double b[4] = {0.5, 0.25, 0.25, 0};
  for (int i = 0; i < 4; i++) cr_assert_float_eq(m.w[i], b[i], 1e-15, "before any episode: the list's weights");
  double prev1 = m.w[1], prev0 = m.w[0];
  for (int u = 0; u < 30; u++) {
    one_update(&m, 4);
    mining_clear_update(&m);
    cr_assert_float_eq(sum(m.w, 4), 1, 1e-12, "update %d", u);
    for (int i = 0; i < 4; i++) cr_assert_geq(m.w[i], 0.2 * b[i] - 1e-15, "update %d clip %d below the floor", u, i);
    cr_assert_eq(m.w[3], 0, "a clip of list weight 0 is never drawn");
    cr_assert_geq(m.w[1], prev1 - 1e-15, "update %d: the failing clip lost weight", u);
    cr_assert_leq(m.w[0], prev0 + 1e-15, "update %d: the succeeding clip gained weight", u);
    prev1 = m.w[1], prev0 = m.w[0];
  }
  cr_assert_gt(m.w[1], 2 * b[1], "failing clip: %g", m.w[1]);
  cr_assert_lt(m.w[0], 0.3 * b[0], "succeeding clip near its floor: %g", m.w[0]);
  cr_assert_gt(m.w[1], m.w[2]);
  mining_record(&m, 9, 1, 0, 0, 1); /* a clip index the library does not have */
  cr_assert_eq(m.unknown, 1);
  mining_free(&m);
  cleanup();
}

Test(mining, off_keeps_list_weights_but_records) {
  write_list("a.mot 3\nb.mot 1\n");
  mining m;
  d2m_err err;
  cr_assert_eq(mining_init(&m, g_list, "off", 0.2, 0.9, &err), 0, "%s", err.msg);
  for (int u = 0; u < 5; u++) {
    mining_clear_update(&m);
    mining_record(&m, 1, 0, 80, 9, 12);
    mining_update(&m);
  }
  cr_assert_float_eq(m.w[0], 0.75, 1e-15);
  cr_assert_float_eq(m.w[1], 0.25, 1e-15);
  cr_assert_float_eq(m.acc[MINING_STATS], 1 + 0.9 + 0.81 + 0.729 + 0.6561, 1e-12, "decayed episode count");
  mining_free(&m);
  cleanup();
  /* not a list: inert */
  cr_assert_eq(mining_init(&m, "default", "failure", 0.2, 0.9, &err), 0);
  cr_assert_eq(m.n, 0);
  mining_record(&m, 0, 1, 0, 0, 1);
  mining_update(&m);
  mining_free(&m);
}

Test(mining, bad_list_names_file_and_line) {
  write_list("a.mot 1\nb.mot 1 1 split=validation\n");
  mining m;
  d2m_err err = {{0}};
  cr_assert_neq(mining_init(&m, g_list, "failure", 0.2, 0.9, &err), 0);
  cr_assert(strstr(err.msg, "clips.list:2: expected 'PATH [WEIGHT [CYCLIC 0|1]] [split=train|test]'"), "%s", err.msg);
  cleanup();
  write_list("a.mot 0\n");
  cr_assert_neq(mining_init(&m, g_list, "failure", 0.2, 0.9, &err), 0);
  cr_assert(strstr(err.msg, "all clips have weight 0"), "%s", err.msg);
  cleanup();
}

Test(mining, state_round_trip_and_csv) {
  write_list("a,b.mot 1\nc.mot 1\n");
  mining m, r;
  d2m_err err;
  cr_assert_eq(mining_init(&m, g_list, "failure", 0.1, 0.5, &err), 0, "%s", err.msg);
  cr_assert_eq(mining_init(&r, g_list, "failure", 0.1, 0.5, &err), 0, "%s", err.msg);
  one_update(&m, 3);
  size_t n = mining_state_len(&m);
  cr_assert_eq(n, 2 * (MINING_STATS + 1));
  double *s = malloc(n * sizeof *s);
  mining_pack(&m, s);
  cr_assert_eq(mining_unpack(&r, s, &err), 0, "%s", err.msg);
  cr_assert_eq(memcmp(r.acc, m.acc, 2 * MINING_STATS * sizeof(double)), 0);
  cr_assert_eq(memcmp(r.w, m.w, 2 * sizeof(double)), 0);
  /* the same episodes after the round trip give the same weights, bit for bit */
  one_update(&m, 2);
  one_update(&r, 2);
  cr_assert_eq(memcmp(r.w, m.w, 2 * sizeof(double)), 0);
  s[3] = NAN;
  cr_assert_neq(mining_unpack(&r, s, &err), 0);
  cr_assert(strstr(err.msg, "mining state: value 3"), "%s", err.msg);
  s[3] = -1;
  cr_assert_neq(mining_unpack(&r, s, &err), 0);
  free(s);
  /* clips.csv: this update's episodes, success rate and means; the name made CSV-safe */
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  mining_csv_header(f);
  cr_assert_eq(mining_csv_rows(&m, f, 7, 1234), 0);
  fclose(f);
  cr_assert(strstr(buf, "update,env_steps,clip,name,weight,episodes,success,mpjpe_mm,joint_rmse_deg,length\n"), "%s", buf);
  char row0[128];
  snprintf(row0, sizeof row0, "7,1234,0,a_b.mot,%.6g,2,1,20,3,300\n", m.w[0]);
  cr_assert(strstr(buf, row0), "%s lacks %s", buf, row0);
  cr_assert(strstr(buf, "7,1234,1,c.mot,"), "%s", buf);
  free(buf);
  mining_free(&m);
  mining_free(&r);
  cleanup();
}

/* The .list format's optional split=train|test (last field), read without loading the clips. */
Test(mining, list_split_field) {
  write_list("# clips\na.mot 2 1 split=train\n/x/b.mot split=test\n\nc.mot 0.5\n");
  motionlib_entry *e;
  int n;
  d2m_err err = {{0}};
  cr_assert_eq(motionlib_read_list(g_list, &e, &n, &err), 0, "%s", err.msg);
  cr_assert_eq(n, 3);
  cr_assert(e[0].split == MOTIONLIB_SPLIT_TRAIN && e[0].weight == 2 && e[0].cyclic == 1 && e[0].line == 2);
  cr_assert(e[1].split == MOTIONLIB_SPLIT_TEST && e[1].weight == 1 && !strcmp(e[1].path, "/x/b.mot"));
  cr_assert(e[2].split == MOTIONLIB_SPLIT_NONE && e[2].weight == 0.5 && e[2].line == 5);
  char want[200];
  snprintf(want, sizeof want, "%s/c.mot", g_dir);
  cr_assert_str_eq(e[2].path, want);
  free(e);
  cleanup();
  const char *bad[] = {"a.mot split=train 2\n", "a.mot 1 split=dev\n", "a.mot 1 1 1 split=test\n", "a.mot split=train split=test\n"};
  for (int i = 0; i < 4; i++) {
    write_list(bad[i]);
    cr_assert_neq(motionlib_read_list(g_list, &e, &n, &err), 0, "accepted: %s", bad[i]);
    cr_assert(strstr(err.msg, "clips.list:1: expected"), "%s", err.msg);
    cleanup();
  }
}
