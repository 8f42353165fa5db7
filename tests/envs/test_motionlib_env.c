/* tests/envs/test_motionlib_env.c: imitate over a clip library (env_create_lib, a .list in
 * motion_path): clips drawn per episode by weight, bit-exact save/load across clips, list errors. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/rng.h"
#include "envs/env.h"
#include "tests/envs/env_model_helper.h"

static mjModel *g_m;
static char g_dir[64];
static void setup(void) {
  d2m_err e;
  g_m = test_model(&e);
  cr_assert(g_m, "model_load: %s", e.msg);
  snprintf(g_dir, sizeof g_dir, "/tmp/d2m_mlib_XXXXXX");
  cr_assert(mkdtemp(g_dir), "mkdtemp");
}
static void rm(const char *name) {
  char p[128];
  snprintf(p, sizeof p, "%s/%s", g_dir, name);
  unlink(p);
}
static void teardown(void) {
  const char *files[] = {"a.mot", "b.mot", "clips.list", "bad.list", "badw.list"};
  for (size_t i = 0; i < sizeof files / sizeof *files; i++) rm(files[i]);
  rmdir(g_dir);
  mj_deleteModel(g_m);
}
TestSuite(motionlib_env, .init = setup, .fini = teardown);

static void write_file(const char *name, const char *text) {
  char p[128];
  snprintf(p, sizeof p, "%s/%s", g_dir, name);
  FILE *f = fopen(p, "w");
  cr_assert(f, "cannot write %s", p);
  fputs(text, f);
  fclose(f);
}

/* A small swing of both legs (degrees) lasting `seconds`, sampled every 10 ms. */
static void write_mot(const char *name, double seconds, double amp) {
  int rows = (int)lround(seconds / 0.01) + 1;
  size_t cap = 64 * (size_t)rows + 256, at = 0;
  char *s = malloc(cap);
  at += (size_t)snprintf(s, cap, "clip\nversion=1\nnRows=%d\nnColumns=5\ninDegrees=yes\nendheader\n"
                         "time\thip_flexion_r\tknee_angle_r\thip_flexion_l\tknee_angle_l\n", rows);
  for (int i = 0; i < rows; i++) {
    double t = 0.01 * i, x = amp * sin(2 * M_PI * t);
    at += (size_t)snprintf(s + at, cap - at, "%.3f\t%.4f\t%.4f\t%.4f\t%.4f\n", t, x, 10 + x, -x, 10 - x);
  }
  write_file(name, s);
  free(s);
}

/* Two clips of 1 s and 2 s, weights 1 : 3. */
static void two_clips(motionlib *lib, const env_params *p) {
  write_mot("a.mot", 1.0, 8);
  write_mot("b.mot", 2.0, 12);
  write_file("clips.list", "# two clips\na.mot 1\nb.mot 3 0  # the longer one\n");
  char path[128];
  snprintf(path, sizeof path, "%s/clips.list", g_dir);
  d2m_err e;
  motionlib_init(lib);
  cr_assert_eq(motionlib_load_list(lib, g_m, path, p->dt, &e), 0, "%s", e.msg);
  cr_assert_eq(lib->n, 2);
  cr_assert_neq(lib->clips[0].ref.nframes, lib->clips[1].ref.nframes);
}

static env_params imitate_params(void) { return test_params(ENV_TASK_IMITATE, NULL); }

static env_t *make(const env_params *p, const motionlib *lib) {
  d2m_err e;
  env_t *env = env_create_lib(g_m, p, lib, &e);
  cr_assert(env, "env_create_lib: %s", e.msg);
  return env;
}

/* Automatic resets draw clips by weight: 1 : 3 within 5 sigma over 400 episodes, and every
 * episode starts inside its own clip. */
Test(motionlib_env, clips_drawn_by_weight) {
  env_params p = imitate_params();
  motionlib lib;
  two_clips(&lib, &p);
  env_t *e = make(&p, &lib);
  env_reset(e, 3);
  int A = env_act_size(e), O = env_obs_size(e), n = 400, count[2] = {0, 0}, eps = 0;
  float *act = calloc((size_t)A, sizeof(float)), *obs = malloc(sizeof(float) * O);
  env_step_out out = {.obs = obs};
  long steps = 0;
  for (int i = 0; i < A; i++) act[i] = -3; /* nearly limp: episodes end soon by falling */
  while (eps < n) {
    int c = env_clip(e);
    cr_assert(c == 0 || c == 1);
    cr_assert_eq(env_ref(e), &lib.clips[c].ref);
    if (env_data(e)->time == 0) cr_assert_lt(env_ref_frame(e), lib.clips[c].ref.nframes);
    env_step(e, act, &out);
    steps++;
    if (out.done) {
      count[env_clip(e)]++;
      eps++;
    }
    cr_assert_lt(steps, 200L * n, "episodes do not end");
  }
  double expect = 0.25 * n, sigma = sqrt(n * 0.25 * 0.75);
  cr_log_info("clip starts %d : %d over %ld steps", count[0], count[1], steps);
  cr_assert_lt(fabs(count[0] - expect), 5 * sigma, "clip 0 drawn %d times of %d, expected %g +- %g", count[0], n,
               expect, sigma);
  cr_assert_eq(count[0] + count[1], n);
  free(act);
  free(obs);
  env_free(e);
  motionlib_free(&lib);
}

/* Run n steps, recording observations, rewards, ends and clips. */
static void run(env_t *e, const float *acts, int n, float *obs, float *rew, int *clip) {
  int O = env_obs_size(e), A = env_act_size(e);
  env_step_out out = {0};
  for (int t = 0; t < n; t++) {
    out.obs = obs + (size_t)t * O;
    env_step(e, acts + (size_t)t * A, &out);
    rew[t] = out.reward;
    clip[t] = env_clip(e) + 10 * out.done;
  }
}

Test(motionlib_env, resume_across_clips_is_bit_identical) {
  env_params p = imitate_params();
  motionlib lib;
  two_clips(&lib, &p);
  env_t *a = make(&p, &lib), *b = make(&p, &lib);
  int A = env_act_size(a), O = env_obs_size(a), n = 150;
  float *acts = malloc(sizeof(float) * (size_t)(n + 30) * A);
  rng_t r;
  rng_seed(&r, 5, 0, RNG_TEST, 1);
  rng_normal_fill(&r, acts, (n + 30) * A);
  float *oa = malloc(sizeof(float) * (size_t)n * O), *ob = malloc(sizeof(float) * (size_t)n * O);
  float ra[150], rb[150];
  int ca[150], cb[150];
  env_reset(a, 8);
  run(a, acts, 30, oa, ra, ca); /* scratch */
  size_t sz = env_state_size(a);
  unsigned char *s = malloc(sz);
  env_state_save(a, s);
  int saved = env_clip(a);
  run(a, acts + (size_t)30 * A, n, oa, ra, ca);
  /* b starts in the other clip, so the load has to switch it */
  uint64_t seed = 1;
  do env_reset(b, seed++);
  while (env_clip(b) == saved && seed < 100);
  cr_assert_neq(env_clip(b), saved);
  d2m_err err;
  cr_assert_eq(env_state_load(b, s, sz, &err), 0, "%s", err.msg);
  cr_assert_eq(env_clip(b), saved);
  run(b, acts + (size_t)30 * A, n, ob, rb, cb);
  cr_assert(!memcmp(oa, ob, sizeof(float) * (size_t)n * O), "observations differ after resume");
  cr_assert(!memcmp(ra, rb, sizeof ra), "rewards differ after resume");
  cr_assert(!memcmp(ca, cb, sizeof ca), "clips or episode ends differ after resume");
  int seen[2] = {0, 0};
  for (int t = 0; t < n; t++) seen[ca[t] % 10] = 1;
  cr_assert(seen[0] && seen[1], "the window should cross episodes in both clips");
  /* a library state does not fit a single-clip env */
  env_t *one = env_create(g_m, &p, &lib.clips[0].ref, &err);
  cr_assert(one, "%s", err.msg);
  cr_assert_eq(env_state_load(one, s, sz, &err), -1);
  env_free(one);
  free(s);
  free(acts);
  free(oa);
  free(ob);
  env_free(a);
  env_free(b);
  motionlib_free(&lib);
}

/* env_create with a .list motion_path loads and owns the library (what eval and the AMP
 * reference use). */
Test(motionlib_env, list_path_in_params) {
  env_params p = imitate_params();
  motionlib lib;
  two_clips(&lib, &p);
  motionlib_free(&lib);
  char set[300];
  snprintf(set, sizeof set, "imitate.motion=%s/clips.list", g_dir);
  p = TEST_PARAMS(ENV_TASK_IMITATE, set);
  d2m_err err;
  env_t *e = env_create(g_m, &p, NULL, &err);
  cr_assert(e, "%s", err.msg);
  cr_assert_eq(env_num_clips(e), 2);
  env_set_clip(e, 1);
  cr_assert_eq(env_clip(e), 1);
  cr_assert_eq(env_ref_frame(e), 0);
  env_free(e);
}

static void expect_bad_list(const char *name, const char *text, const char *where) {
  write_file(name, text);
  motionlib lib;
  motionlib_init(&lib);
  char path[128];
  snprintf(path, sizeof path, "%s/%s", g_dir, name);
  d2m_err err = {{0}};
  cr_assert_eq(motionlib_load_list(&lib, g_m, path, 1.0 / 30, &err), -1, "%s accepted", name);
  cr_assert(strstr(err.msg, where), "message '%s' should name '%s'", err.msg, where);
  motionlib_free(&lib);
}

Test(motionlib_env, bad_list_line_names_file_and_line) {
  write_mot("a.mot", 1.0, 8);
  expect_bad_list("bad.list", "a.mot 1\nmissing.mot 2\n", "bad.list:2");
  expect_bad_list("badw.list", "a.mot 1\na.mot 2\na.mot -1\n", "badw.list:3");
  /* blank and comment lines count */
  expect_bad_list("bad.list", "# clips\n\na.mot 1\n\na.mot heavy\n", "bad.list:5");
  expect_bad_list("bad.list", "a.mot 1 0 extra\n", "bad.list:1");
  expect_bad_list("bad.list", "a.mot 1 2\n", "bad.list:1");
  expect_bad_list("bad.list", "a.mot 2abc\n", "bad.list:1"); /* not read as weight 2 */
  expect_bad_list("bad.list", "a.mot 1 1.5\n", "bad.list:1"); /* not read as cyclic 1 */
  /* an empty list and one with no positive weight fail here, naming the list, not later in the env */
  expect_bad_list("bad.list", "# nothing yet\n\n", "bad.list: no clips");
  expect_bad_list("badw.list", "a.mot 0\na.mot 0 1\n", "badw.list: all 2 clips have weight 0");
}
