/* tests/analysis/test_eval.c: `drl2move eval` on a freshly initialised policy, written as a policy
 * file by policy_write (nn/policy_file.h), whose sections the learner's checkpoints carry too. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/eval.h"
#include "deploy/cli.h"
#include "nn/ac.h"
#include "nn/ac_config.h"
#include "common/ckpt.h"
#include "common/config.h"
#include "analysis/gait.h"
#include "analysis/stats.h"
#include "envs/env.h"
#include "envs/env_config.h"
#include "envs/model/model.h"
#include "nn/policy_file.h"
#include "nn/rstat.h"

/* A fresh net for `task` with a small hidden layer; obs statistics empty (count 0). Written by
 * policy_write, the code that lays out the policy sections of the learner's checkpoints too. */
static void write_fresh_checkpoint(const char *path, const char *task) {
  cfg_t c;
  cfg_defaults(&c);
  d2m_err err;
  cr_assert_eq(cfg_set(&c, "test", "env", "task", task, &err), 0, "%s", err.msg);
  cr_assert_eq(cfg_set(&c, "test", "nn", "hidden", "32,32", &err), 0, "%s", err.msg);
  env_params ep;
  cr_assert_eq(env_params_from_cfg(&c, &ep, &err), 0, "%s", err.msg);
  mjModel *m = env_model_from_cfg(&c, &err);
  cr_assert(m, "%s", err.msg);
  env_t *e = env_create(m, &ep, NULL, &err);
  cr_assert(e, "%s", err.msg);
  int O = env_obs_size(e), A = env_act_size(e);
  ac_config ac;
  cr_assert_eq(ac_config_from_cfg(&c, O, A, &ac, &err), 0, "%s", err.msg);
  ac_net net;
  ac_init(&net, &ac);
  float *params = malloc(net.nparams * sizeof(float));
  rng_t r;
  rng_seed(&r, 3, 0, RNG_INIT, 0);
  ac_init_params(&net, params, &r);
  rstat obs;
  rstat_init(&obs, O);
  cr_assert_eq(policy_write(path, params, net.nparams, &obs, &c, &err), 0, "%s", err.msg);
  rstat_free(&obs);
  free(params);
  env_free(e);
  mj_deleteModel(m);
}

/* policy export round trip: what policy_load reads back is what was written, bit for bit. */
Test(eval, policy_export_round_trip) {
  const char *a = "/tmp/d2m_test_policy_a.d2m", *b = "/tmp/d2m_test_policy_b.d2m";
  write_fresh_checkpoint(a, "stand");
  d2m_err err = {{0}};
  policy_file p, q;
  cr_assert_eq(policy_load(a, &p, &err), 0, "%s", err.msg);
  p.obs.count = 7, p.obs.mean[3] = 0.25, p.obs.m2[p.obs.dim - 1] = 1.5; /* statistics that are not all zero */
  cr_assert_eq(policy_write(a, p.params, p.nparams, &p.obs, &p.cfg, &err), 0, "%s", err.msg);
  cr_assert_eq(policy_export(a, b, &err), 0, "%s", err.msg);
  cr_assert_eq(policy_load(b, &q, &err), 0, "%s", err.msg);
  cr_assert_eq(q.nparams, p.nparams);
  cr_assert_eq(q.obs.dim, p.obs.dim);
  cr_assert_eq(memcmp(q.params, p.params, p.nparams * sizeof(float)), 0);
  cr_assert_eq(q.obs.count, 7);
  cr_assert_eq(memcmp(q.obs.mean, p.obs.mean, (size_t)p.obs.dim * sizeof(double)), 0);
  cr_assert_eq(memcmp(q.obs.m2, p.obs.m2, (size_t)p.obs.dim * sizeof(double)), 0);
  cr_assert_str_eq(q.cfg.env_task, "stand");
  cr_assert_str_eq(q.cfg.nn_hidden, "32,32");
  policy_free(&p), policy_free(&q);
  /* a file that is not a policy: the error names the file and the missing section */
  ckpt_section junk = {"params", "abcd", 4};
  cr_assert_eq(ckpt_write(b, &junk, 1, &err), 0, "%s", err.msg);
  cr_assert_eq(policy_load(b, &q, &err), -1);
  cr_assert(strstr(err.msg, b) && strstr(err.msg, "config"), "%s", err.msg);
  remove(a), remove(b);
}

/* frames.csv: every cell finite, the expected rows and the named columns. */
static void check_frames(const char *dir, long rows, int with_ref) {
  char p[512];
  snprintf(p, sizeof p, "%s/frames.csv", dir);
  stats_table t;
  d2m_err err;
  cr_assert_eq(stats_table_read(p, &t, &err), 0, "%s", err.msg);
  cr_assert_eq(t.nrows, rows, "%d rows, expected %ld", t.nrows, rows);
  const char *need[] = {"time", "root_z", "grf_r_v", "grf_l_ap", "foot_l_x", "q_knee_angle_r", "qd_ankle_angle_l",
                        "exc_soleus_r", "act_tibant_l", "frc_glmax1_r"};
  for (size_t k = 0; k < sizeof need / sizeof *need; k++)
    cr_assert_geq(stats_table_col(&t, need[k]), 0, "column %s missing", need[k]);
  cr_assert_eq(stats_table_col(&t, "ref_knee_angle_r") >= 0, with_ref);
  for (long i = 0; i < (long)t.nrows * t.ncols; i++)
    cr_assert(isfinite(t.data[i]), "cell %ld (column %s) not finite", i % t.ncols, t.names[i % t.ncols]);
  int je = stats_table_col(&t, "exc_soleus_r");
  for (int i = 0; i < t.nrows; i++) {
    double u = t.data[(size_t)i * t.ncols + je];
    cr_assert(u >= 0 && u <= 1, "excitation %g outside 0..1", u);
  }
  stats_table_free(&t);
  snprintf(p, sizeof p, "%s/summary.json", dir);
  FILE *f = fopen(p, "r");
  cr_assert(f, "no summary.json");
  char buf[4096];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  cr_assert(strstr(buf, "\"mean_return\"") && strstr(buf, "\"episodes\""), "summary: %s", buf);
}

Test(eval, fresh_policy_writes_complete_finite_csv, .timeout = 120) {
  const char *dir = "/tmp/d2m_test_eval";
  char ck[256];
  snprintf(ck, sizeof ck, "%s.ckpt", dir);
  write_fresh_checkpoint(ck, "imitate");
  eval_opts o;
  eval_opts_default(&o);
  o.checkpoint = ck, o.out_dir = dir, o.episodes = 2, o.max_steps = 12, o.drive = EVAL_MEAN;
  eval_result r;
  d2m_err err = {{0}};
  cr_assert_eq(eval_run(&o, &r, &err), 0, "%s", err.msg);
  cr_assert_eq(r.frames, (long)(r.mean_length * 2 + 0.5));
  check_frames(dir, r.frames, 1);
  /* deterministic: the same run again gives the same file */
  o.task = "imitate";
  eval_result r2;
  cr_assert_eq(eval_run(&o, &r2, &err), 0, "%s", err.msg);
  cr_assert_eq(r2.frames, r.frames);
  cr_assert(fabs(r2.mean_return - r.mean_return) < 1e-9);
  o.task = "walk"; /* the net's observation size does not fit: a clear error */
  cr_assert_eq(eval_run(&o, &r2, &err), -1);
  cr_assert(strstr(err.msg, "walk") != NULL, "%s", err.msg);
  remove(ck);
}

Test(eval, video_has_one_frame_per_step, .timeout = 180) {
  if (system("command -v ffmpeg >/dev/null 2>&1 && command -v ffprobe >/dev/null 2>&1"))
    cr_skip_test("ffmpeg/ffprobe not installed (apt-get install ffmpeg)");
  const char *dir = "/tmp/d2m_test_eval_video";
  char ck[256], cmd[512];
  snprintf(ck, sizeof ck, "%s.ckpt", dir);
  write_fresh_checkpoint(ck, "stand");
  eval_opts o;
  eval_opts_default(&o);
  o.checkpoint = ck, o.out_dir = dir, o.episodes = 1, o.max_steps = 8, o.video = EVAL_VIDEO_FAST, o.width = 160, o.height = 120;
  eval_result r;
  d2m_err err = {{0}};
  if (eval_run(&o, &r, &err)) {
    if (strstr(err.msg, "no renderer") || strstr(err.msg, "EGL")) cr_skip_test("no headless renderer: %s", err.msg);
    cr_assert_fail("%s", err.msg);
  }
  snprintf(cmd, sizeof cmd,
           "ffprobe -v error -count_frames -select_streams v:0 -show_entries stream=nb_read_frames -of csv=p=0 "
           "%s/video.mp4",
           dir);
  FILE *p = popen(cmd, "r");
  long frames = -1;
  cr_assert_eq(fscanf(p, "%ld", &frames), 1);
  pclose(p);
  cr_assert_eq(frames, r.frames, "video has %ld frames, the rollout %ld steps", frames, r.frames);
  remove(ck);
}

/* Column by name as a malloc'd array. */
static double *col(const stats_table *t, const char *name) {
  int j = stats_table_col(t, name);
  cr_assert_geq(j, 0, "column %s missing", name);
  double *x = malloc((size_t)t->nrows * sizeof(double));
  stats_table_column(t, j, x);
  return x;
}

Test(eval, playback_gait_matches_the_reference_cycle, .timeout = 120) {
  /* The default gait played back: the analysis must find its cycle period and speed. */
  const char *dir = "/tmp/d2m_test_eval_playback";
  char ck[256], p[256];
  snprintf(ck, sizeof ck, "%s.ckpt", dir);
  write_fresh_checkpoint(ck, "imitate");
  eval_opts o;
  eval_opts_default(&o);
  o.checkpoint = ck, o.out_dir = dir, o.drive = EVAL_PLAYBACK, o.max_steps = 180;
  eval_result r;
  d2m_err err = {{0}};
  cr_assert_eq(eval_run(&o, &r, &err), 0, "%s", err.msg);
  snprintf(p, sizeof p, "%s/frames.csv", dir);
  stats_table t;
  cr_assert_eq(stats_table_read(p, &t, &err), 0, "%s", err.msg);
  double *q = col(&t, "q_knee_angle_r"), *rq = col(&t, "ref_knee_angle_r");
  for (int i = 0; i < t.nrows; i++) cr_assert(fabs(q[i] - rq[i]) < 1e-3, "playback follows the reference");
  double *tm = col(&t, "time"), *rx = col(&t, "root_x"), *ry = col(&t, "root_y");
  double *fx[2] = {col(&t, "foot_r_x"), col(&t, "foot_l_x")}, *fy[2] = {col(&t, "foot_r_y"), col(&t, "foot_l_y")};
  int n = t.nrows;
  double ux = rx[n - 1] - rx[0], uy = ry[n - 1] - ry[0], L = hypot(ux, uy), *ap[2];
  for (int s = 0; s < 2; s++) {
    ap[s] = malloc((size_t)n * sizeof(double));
    for (int i = 0; i < n; i++) ap[s][i] = ((fx[s][i] - rx[i]) * ux + (fy[s][i] - ry[i]) * uy) / L;
  }
  gait_input in = {.n = n, .t = tm, .min_s = 0.05, .kinematic = 1, .max_stride_s = 3};
  for (int s = 0; s < 2; s++) in.foot_x[s] = fx[s], in.foot_y[s] = fy[s], in.ap[s] = ap[s], in.fz[s] = q;
  gait_cycle c[64];
  int nc;
  gait_metrics g;
  gait_analyse(&in, c, 64, &nc, &g);
  /* the reference, as the env builds it */
  cfg_t cfg;
  cfg_defaults(&cfg);
  mjModel *m = env_model_from_cfg(&cfg, &err);
  cr_assert(m, "%s", err.msg);
  refmotion ref;
  cr_assert_eq(refmotion_default_gait(&ref, m, cfg.env_sim_dt * cfg.env_substeps, &err), 0, "%s", err.msg);
  double period = ref.nframes * ref.dt;
  for (int k = 0; k < 2; k++) {
    cr_assert_geq(g.nkept[k], 3, "side %d: %d cycles", k, g.nkept[k]);
    cr_assert(fabs(g.stride_time[k] - period) < ref.dt, "stride %g s, reference cycle %g s", g.stride_time[k], period);
    cr_assert(g.stance_pct[k] > 50 && g.stance_pct[k] < 70, "stance %g %%", g.stance_pct[k]);
  }
  cr_assert(fabs(g.speed - ref.speed) < 0.03 * ref.speed, "speed %g, reference %g m/s", g.speed, ref.speed);
  refmotion_free(&ref);
  mj_deleteModel(m);
  for (int k = 0; k < 2; k++) free(fx[k]), free(fy[k]), free(ap[k]);
  free(q), free(rq), free(tm), free(rx), free(ry);
  stats_table_free(&t);
  remove(ck);
}

Test(eval, run_dir_skips_a_corrupt_newest_checkpoint_and_fixed_keys_are_refused, .timeout = 120) {
  const char *dir = "/tmp/d2m_test_eval_rundir";
  char cmd[256], good[512], bad[512], out[512];
  snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s/checkpoints", dir, dir);
  cr_assert_eq(system(cmd), 0);
  ckpt_path(good, sizeof good, dir, 10);
  ckpt_path(bad, sizeof bad, dir, 20);
  write_fresh_checkpoint(good, "stand");
  /* the newest one: the valid file cut in half, as a run killed while writing leaves it */
  FILE *f = fopen(good, "rb");
  cr_assert(f);
  char *buf = malloc(1 << 22);
  size_t n = fread(buf, 1, 1 << 22, f);
  fclose(f);
  f = fopen(bad, "wb");
  cr_assert(f);
  fwrite(buf, 1, n / 2, f);
  fclose(f);
  free(buf);
  snprintf(out, sizeof out, "%s/eval", dir);
  eval_opts o;
  eval_opts_default(&o);
  o.checkpoint = dir, o.out_dir = out, o.episodes = 1, o.max_steps = 4, o.drive = EVAL_MEAN;
  eval_result r;
  d2m_err err = {{0}};
  cr_assert_eq(eval_run(&o, &r, &err), 0, "%s", err.msg);
  cr_assert_eq(r.frames, 4);
  /* keys that change what the outputs mean or the net's shape are refused when they differ */
  const char *fixed[] = {"env.action_mode=muscle_pd", "nn.hidden=64,64", "nn.head=lattice"};
  for (size_t k = 0; k < 3; k++) {
    o.set[0] = fixed[k], o.nset = 1;
    cr_assert_eq(eval_run(&o, &r, &err), -1, "%s accepted", fixed[k]);
    cr_assert(strstr(err.msg, "cannot be changed at eval"), "%s: %s", fixed[k], err.msg);
  }
  o.set[0] = "nn.hidden=32,32"; /* the checkpoint's own value is fine */
  cr_assert_eq(eval_run(&o, &r, &err), 0, "%s", err.msg);
  /* no valid checkpoint left: a clear error */
  remove(good);
  o.nset = 0;
  cr_assert_eq(eval_run(&o, &r, &err), -1);
  cr_assert(strstr(err.msg, "none of the 1 checkpoints is valid"), "%s", err.msg);
}

/* eval_cli in-process with stdout and stderr in one file; returns the exit code and the text. */
static int eval_cli_run(char *text, size_t cap, int argc, char **argv) {
  char path[] = "/tmp/d2m_eval_cli_XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  fflush(stdout), fflush(stderr);
  int o1 = dup(1), o2 = dup(2);
  dup2(fd, 1), dup2(fd, 2);
  int rc = eval_cli(argc, argv);
  fflush(stdout), fflush(stderr);
  dup2(o1, 1), dup2(o2, 2);
  close(o1), close(o2);
  ssize_t n = pread(fd, text, cap - 1, 0);
  text[n > 0 ? n : 0] = 0;
  close(fd);
  unlink(path);
  return rc;
}

Test(eval, cli_numbers_parsed_strictly) {
  struct {
    const char *opt, *val, *want;
  } bad[] = {{"--episodes", "0", "--episodes 0 outside 1..1000000"}, {"--episodes", "3x", "--episodes '3x' is not an integer"},
             {"--max-steps", "ten", "--max-steps 'ten' is not an integer"}, {"--max-steps", "-5", "--max-steps -5 outside"},
             {"--seed", "-1", "--seed '-1' is not"}, {"--seed", "12abc", "--seed '12abc' is not"},
             {"--size", "0x0", "--size width 0 outside 16..8192"}, {"--size", "640x", "--size height '' is not"},
             {"--size", "640", "--size '640': expected WIDTHxHEIGHT"}};
  char text[8192];
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    char *argv[] = {"eval", "/nonexistent/ckpt", (char *)bad[k].opt, (char *)bad[k].val};
    cr_assert_eq(eval_cli_run(text, sizeof text, 4, argv), 2, "%s %s: %s", bad[k].opt, bad[k].val, text);
    cr_assert(strstr(text, bad[k].want), "%s %s: got '%s'", bad[k].opt, bad[k].val, text);
  }
}
