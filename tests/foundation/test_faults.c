/* tests/foundation/test_faults.c: bad input and faults of issue 19 in the foundation: booleans and
 * reals with one spelling, the shortest round-tripping reals, a directory as a config file, --set
 * over a bad value of a resumed config, nn.hidden errors with file:line, sizes that cannot fit,
 * interrupted checkpoint writes (orphan temporaries, a second SIGTERM mid-write). */
#include <criterion/criterion.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/ckpt.h"
#include "common/config.h"
#include "common/files.h"
#include "common/rng.h"
#include "common/signals.h"
#include "deploy/launch.h"
#include "tests/cfg_text.h"

static cfg_t c;
static d2m_err e;
static char dir[64];

static void setup(void) {
  cfg_defaults(&c);
  memset(&e, 0, sizeof e);
  snprintf(dir, sizeof dir, "/tmp/d2m_faults_XXXXXX");
  cr_assert(mkdtemp(dir));
}
static void teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  cr_assert_eq(system(cmd), 0);
}
TestSuite(faults, .init = setup, .fini = teardown);

static void write_file(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  cr_assert(f, "%s", path);
  fputs(text, f);
  fclose(f);
}

Test(faults, booleans_are_true_or_false_only) {
  const char *bad[] = {"yes", "no", "on", "off", "1", "0", "True", "FALSE"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cr_assert_eq(cfg_set(&c, "t.ini:2", "ppo", "anneal_lr", bad[i], &e), -1, "'%s' accepted as a bool", bad[i]);
    cr_assert(strstr(e.msg, "allowed: true|false"), "%s", e.msg);
  }
  cr_assert_eq(cfg_set(&c, "x", "ppo", "anneal_lr", "false", &e), 0, "%s", e.msg);
  cr_assert_eq(c.ppo_anneal_lr, 0);
  cr_assert_eq(cfg_set(&c, "x", "ppo", "anneal_lr", "true", &e), 0, "%s", e.msg);
  cr_assert_eq(c.ppo_anneal_lr, 1);
}

Test(faults, reals_refuse_hexadecimal) {
  const char *bad[] = {"0x1p-2", "0X10", "-0x.8p1", "0x0"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    cr_assert_eq(cfg_set(&c, "t.ini:3", "ppo", "lr", bad[i], &e), -1, "'%s' accepted as a real", bad[i]);
    cr_assert(strstr(e.msg, "ppo.lr") && strstr(e.msg, "not a finite real"), "%s", e.msg);
  }
  cr_assert_eq(cfg_set(&c, "x", "ppo", "lr", "2.5e-4", &e), 0, "%s", e.msg);
}

/* config.resolved.ini prints the shortest decimal that reads back exactly. */
Test(faults, reals_written_shortest_round_trip) {
  char out[64];
  const struct { double x; const char *want; } known[] = {
      {0.7, "0.7"}, {0.1, "0.1"}, {3e-4, "0.0003"}, {1.0 / 150.0, "0.006666666666666667"}, {0.99, "0.99"}, {-0.5, "-0.5"}};
  for (size_t i = 0; i < sizeof known / sizeof *known; i++) {
    cfg_format_real(known[i].x, out, sizeof out);
    cr_assert_str_eq(out, known[i].want);
  }
  rng_t r;
  rng_seed(&r, 19, 0, 0, 0);
  for (int i = 0; i < 20000; i++) { /* any double reads back bit for bit */
    uint64_t bits = rng_u64(&r);
    double x;
    memcpy(&x, &bits, sizeof x);
    if (!isfinite(x)) continue;
    cfg_format_real(x, out, sizeof out);
    double y = strtod(out, NULL);
    cr_assert(!memcmp(&x, &y, sizeof x), "%s does not read back to %.17g", out, x);
  }
  cr_assert_eq(cfg_set(&c, "x", "env", "fall_height_frac", "0.7", &e), 0);
  char *text = test_cfg_text(&c);
  cr_assert(strstr(text, "\nfall_height_frac = 0.7\n"), "resolved config lacks the short form");
  free(text);
}

Test(faults, directory_as_config_or_file) {
  cr_assert_eq(cfg_load_file(&c, dir, &e), -1, "a directory was accepted as a config file");
  cr_assert(strstr(e.msg, dir) && strstr(e.msg, "is a directory"), "%s", e.msg);
  uint8_t *buf = NULL;
  size_t n = 0;
  cr_assert_eq(file_slurp(dir, 1 << 20, &buf, &n, &e), -1, "a directory was read as a file");
  cr_assert(strstr(e.msg, dir) && strstr(e.msg, "is a directory"), "%s", e.msg);
}

/* A bad value in a resumed run's config.resolved.ini can be overridden with --set. */
Test(faults, set_overrides_bad_value_of_resumed_config) {
  char path[128];
  snprintf(path, sizeof path, "%s/" RUN_CONFIG, dir);
  write_file(path, "[ppo]\ngamma = 1.5\nlr = 1e-4\n");
  launch_opts o = {0};
  o.time_limit_min = -1;
  o.resume_dir = dir;
  cr_assert_eq(launch_resolve_local(&o, &c, &e), -1, "a bad resumed config was accepted");
  cr_assert(strstr(e.msg, "ppo.gamma") && strstr(e.msg, "out of bounds"), "%s", e.msg);
  o.sets[o.nsets++] = "ppo.gamma=0.9";
  cr_assert_eq(launch_resolve_local(&o, &c, &e), 0, "--set could not override the bad value: %s", e.msg);
  cr_assert_float_eq(c.ppo_gamma, 0.9, 1e-15);
  cr_assert_float_eq(c.ppo_lr, 1e-4, 1e-15); /* the rest of the file still applies */
  /* An unknown key is still an error, even when --set names it. */
  write_file(path, "[ppo]\ngama = 1.5\n");
  o.sets[0] = "ppo.gama=0.9";
  cr_assert_eq(launch_resolve_local(&o, &c, &e), -1);
  cr_assert(strstr(e.msg, "unknown key"), "%s", e.msg);
}

/* nn.hidden has its own grammar, checked after loading: its errors name file and line too. */
Test(faults, nn_hidden_error_names_file_and_line) {
  char path[128];
  snprintf(path, sizeof path, "%s/bad.ini", dir);
  write_file(path, "[run]\nseed = 3\n\n[nn]\nhidden = 64,x\n");
  launch_opts o = {0};
  o.time_limit_min = -1;
  o.config_path = path;
  cr_assert_eq(launch_resolve_local(&o, &c, &e), -1);
  char want[160];
  snprintf(want, sizeof want, "%s:5: nn.hidden", path);
  cr_assert(strstr(e.msg, want), "'%s' lacks '%s'", e.msg, want);
  o.sets[o.nsets++] = "nn.hidden=32,,32";
  cr_assert_eq(launch_resolve_local(&o, &c, &e), -1);
  cr_assert(!strncmp(e.msg, "--set: nn.hidden", 16), "%s", e.msg);
}

/* Sizes that cannot fit are refused up front with the estimate (not by a failed allocation). */
Test(faults, sizes_that_cannot_fit_are_refused) {
  double host = 16.0 * 1024 * 1024 * 1024;
  cr_assert_eq(launch_check_memory(&c, 2, host, &e), 0, "the defaults do not fit in 16 GiB: %s", e.msg);
  cr_assert_eq(cfg_set(&c, "x", "nn", "hidden", "65536,65536", &e), 0);
  cr_assert_eq(launch_check_memory(&c, 2, host, &e), -1, "a 65536x65536 network was accepted");
  cr_assert(strstr(e.msg, "nn.hidden=65536,65536") && strstr(e.msg, "GiB"), "%s", e.msg);
  cfg_defaults(&c);
  cr_assert_eq(cfg_set(&c, "x", "env", "num_envs", "4096", &e), 0);
  cr_assert_eq(cfg_set(&c, "x", "actor", "rollout_steps", "4096", &e), 0);
  cr_assert_eq(launch_check_memory(&c, 64, host, &e), -1, "4096 envs x 4096 steps x 63 actors accepted");
  cr_assert(strstr(e.msg, "env.num_envs=4096") && strstr(e.msg, "actor.rollout_steps=4096"), "%s", e.msg);
}

/* Temporaries of killed checkpoint writes are removed at start; real checkpoints stay. */
Test(faults, orphan_checkpoint_temporaries_cleaned) {
  char p[400], q[256];
  snprintf(p, sizeof p, "%s/checkpoints", dir);
  mkdir(p, 0755);
  ckpt_path(q, sizeof q, dir, 4);
  float w[4] = {1, 2, 3, 4};
  ckpt_section s[1] = {{"params", w, sizeof w}};
  cr_assert_eq(ckpt_write(q, s, 1, &e), 0, "%s", e.msg);
  snprintf(p, sizeof p, "%s.tmp.4242", q);
  write_file(p, "half a checkpoint");
  cr_assert_eq(ckpt_clean_temporaries(dir), 1);
  cr_assert(access(p, F_OK) != 0, "the orphan temporary is still there");
  cr_assert(access(q, F_OK) == 0, "a real checkpoint was removed");
  long u[4];
  cr_assert_eq(ckpt_list(dir, u, 4), 1);
}

/* A second SIGTERM while a checkpoint temporary is open exits at once and deletes it. */
Test(faults, second_sigterm_mid_write_leaves_no_temporary) {
  char tmp[128];
  snprintf(tmp, sizeof tmp, "%s/ckpt-00000001.d2m.tmp.1", dir);
  pid_t pid = fork();
  if (pid == 0) {
    signals_install();
    raise(SIGTERM); /* the first asks for a checkpoint and a clean stop */
    if (signals_stop_requested() != SIGTERM) _exit(3);
    write_file(tmp, "partial");
    signals_guard_tmp(tmp);
    raise(SIGTERM); /* the second, during the write */
    _exit(4);       /* not reached */
  }
  int st = 0;
  cr_assert_eq(waitpid(pid, &st, 0), pid);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 143, "status %d", st);
  cr_assert(access(tmp, F_OK) != 0, "the interrupted write left its temporary");
}
