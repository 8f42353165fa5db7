/* tests/foundation/test_config.c: the config table, the strict INI parser, overrides, round trip. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/ckpt.h"
#include "common/config.h"
#include "deploy/launch.h"
#include "tests/cfg_text.h"
#include "tests/test_paths.h"

static cfg_t c;
static d2m_err e;

static void setup(void) {
  cfg_defaults(&c);
  memset(&e, 0, sizeof e);
}
TestSuite(config, .init = setup);

/* Load text and expect failure with every fragment in `want` (NULL-terminated) in the message. */
static void expect_error(const char *text, const char *const *want) {
  cfg_t before = c;
  cr_assert_eq(cfg_load_string(&c, "t.ini", text, &e), -1, "accepted: %s", text);
  for (const char *const *w = want; *w; w++) cr_assert(strstr(e.msg, *w), "message '%s' lacks '%s'", e.msg, *w);
  cr_assert(!memcmp(&before, &c, sizeof c), "a failed load changed the config");
}

Test(config, defaults_are_valid_and_documented) {
  cr_assert_gt(cfg_nkeys, 20);
  for (int i = 0; i < cfg_nkeys; i++) {
    cr_assert(strlen(cfg_keys[i].doc) > 5, "%s.%s has no doc", cfg_keys[i].section, cfg_keys[i].name);
    for (int j = 0; j < i; j++)
      cr_assert(strcmp(cfg_keys[i].section, cfg_keys[j].section) || strcmp(cfg_keys[i].name, cfg_keys[j].name),
                "key %s.%s twice in the table", cfg_keys[i].section, cfg_keys[i].name);
  }
  cr_assert_float_eq(c.ppo_lr, 3e-4, 1e-15);
  cr_assert_str_eq(c.env_task, "stand");
  cr_assert_float_eq(c.env_sim_dt, 1.0 / 150.0, 1e-15);
}

Test(config, parses_sections_keys_comments_quotes) {
  const char *t =
      "# a comment\n"
      "; another\n"
      "[ppo]\n"
      "lr = 1e-3   # inline comment\n"
      "  epochs=7\n"
      "anneal_lr = false\n"
      "[run]\n"
      "runs_dir = \"my runs # not a comment\"\n"
      "total_steps = 2e6\n"
      "[env]\n"
      "subject = a#b.ini\n";
  cr_assert_eq(cfg_load_string(&c, "t.ini", t, &e), 0, "%s", e.msg);
  cr_assert_float_eq(c.ppo_lr, 1e-3, 1e-15);
  cr_assert_eq(c.ppo_epochs, 7);
  cr_assert_eq(c.ppo_anneal_lr, 0);
  cr_assert_str_eq(c.run_runs_dir, "my runs # not a comment");
  cr_assert_eq(c.run_total_steps, 2000000);
  cr_assert_str_eq(c.env_subject, "a#b.ini");
}

Test(config, network_widths_checked_before_start) {
  /* nn.hidden has its own grammar: launch_resolve_local checks it on rank 0 like any other key. */
  const char *bad[] = {"32,,32", "0", "", "a", "32,32,", "32;32"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    launch_opts o;
    char set[64];
    snprintf(set, sizeof set, "nn.hidden=%s", bad[i]);
    char *argv[] = {"drl2move", "--set", set, NULL};
    cr_assert_eq(launch_parse_args(3, argv, &o, &e), 0, "%s", e.msg);
    cfg_t r;
    cr_assert_eq(launch_resolve_local(&o, &r, &e), -1, "nn.hidden='%s' accepted", bad[i]);
    cr_assert(strstr(e.msg, "nn.hidden"), "%s", e.msg);
  }
}

Test(config, windows_editor_files) {
  /* UTF-8 byte-order mark and CRLF line ends, as a Windows editor writes them. */
  const char *t = "\xEF\xBB\xBF[ppo]\r\nlr = 2e-4\r\n# note\r\n[env]\r\ntask = walk\r\n";
  cr_assert_eq(cfg_load_string(&c, "w.ini", t, &e), 0, "%s", e.msg);
  cr_assert_float_eq(c.ppo_lr, 2e-4, 1e-15);
  cr_assert_str_eq(c.env_task, "walk");
}

Test(config, unknown_section) {
  expect_error("[ppo]\nlr=1\n[nosuch]\nx=1\n", (const char *const[]){"t.ini:3", "[nosuch]", "unknown section", "allowed: run", NULL});
}

Test(config, unknown_key_lists_allowed) {
  expect_error("[ppo]\nlrr = 0.1\n", (const char *const[]){"t.ini:2", "ppo.lrr", "unknown key", "allowed in [ppo]", "lr", NULL});
}

Test(config, wrong_type) {
  expect_error("[ppo]\nepochs = 2.5\n", (const char *const[]){"t.ini:2", "ppo.epochs", "not an integer", "allowed: integer", NULL});
  expect_error("[env]\nnum_envs = 0x10\n", (const char *const[]){"env.num_envs", "not an integer", NULL});
  expect_error("[ppo]\nlr = fast\n", (const char *const[]){"ppo.lr", "not a finite real", NULL});
  expect_error("[ppo]\nlr = nan\n", (const char *const[]){"ppo.lr", "not a finite real", NULL});
  expect_error("[ppo]\nanneal_lr = maybe\n", (const char *const[]){"ppo.anneal_lr", "allowed: true|false", NULL});
  expect_error("[env]\ntask = fly\n", (const char *const[]){"env.task", "'fly'", "allowed: stand|walk|imitate", NULL});
}

Test(config, out_of_bounds) {
  expect_error("[ppo]\ngamma = 1.5\n", (const char *const[]){"t.ini:2", "ppo.gamma", "out of bounds", "[0, 1]", NULL});
  expect_error("[env]\nnum_envs = 0\n", (const char *const[]){"env.num_envs", "out of bounds", NULL});
}

Test(config, duplicate_key) {
  expect_error("[ppo]\nlr = 0.1\n[run]\nseed=2\n[ppo]\nlr = 0.2\n", (const char *const[]){"t.ini:6", "ppo.lr", "duplicate", NULL});
}

Test(config, malformed_lines) {
  expect_error("lr = 1\n", (const char *const[]){"t.ini:1", "before any [section]", NULL});
  expect_error("[ppo\n", (const char *const[]){"t.ini:1", "malformed section", NULL});
  expect_error("[ppo]\njust text\n", (const char *const[]){"t.ini:2", "expected 'key = value'", NULL});
  expect_error("[run]\nruns_dir = \"open\n", (const char *const[]){"unterminated", NULL});
  expect_error("[ppo]\nl r = 1\n", (const char *const[]){"not a valid key", NULL});
}

Test(config, overrides) {
  cr_assert_eq(cfg_apply_override(&c, "ppo.lr=5e-5", &e), 0, "%s", e.msg);
  cr_assert_float_eq(c.ppo_lr, 5e-5, 1e-18);
  cr_assert_eq(cfg_apply_override(&c, "ppo.lr=-1", &e), -1);
  cr_assert(strstr(e.msg, "--set: ppo.lr") && strstr(e.msg, "out of bounds"), "%s", e.msg);
  cr_assert_eq(cfg_apply_override(&c, "ppo.nope=1", &e), -1);
  cr_assert(strstr(e.msg, "--set: ppo.nope: unknown key"), "%s", e.msg);
  cr_assert_eq(cfg_apply_override(&c, "lr=1", &e), -1);
  cr_assert(strstr(e.msg, "section.key=value"), "%s", e.msg);
}

Test(config, file_then_set_precedence) {
  char path[] = "/tmp/d2m_cfg_XXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  dprintf(fd, "[ppo]\nlr = 1e-3\nepochs = 3\n");
  close(fd);
  launch_opts o;
  char *argv[] = {"drl2move", "--config", path, "--set", "ppo.lr=2e-3", "--steps", "5000", NULL};
  cr_assert_eq(launch_parse_args(7, argv, &o, &e), 0, "%s", e.msg);
  cr_assert_eq(cfg_load_file(&c, o.config_path, &e), 0, "%s", e.msg);
  for (int i = 0; i < o.nsets; i++) cr_assert_eq(cfg_apply_override(&c, o.sets[i], &e), 0);
  cr_assert_float_eq(c.ppo_lr, 2e-3, 1e-15);
  cr_assert_eq(c.ppo_epochs, 3);
  cr_assert_eq(o.steps, 5000);
  unlink(path);
}

Test(config, missing_file_named) {
  cr_assert_eq(cfg_load_file(&c, "/nonexistent/x.ini", &e), -1);
  cr_assert(strstr(e.msg, "/nonexistent/x.ini"), "%s", e.msg);
}

Test(config, resolved_round_trip) {
  cr_assert_eq(cfg_apply_override(&c, "ppo.lr=0.000123456789", &e), 0);
  cr_assert_eq(cfg_apply_override(&c, "run.runs_dir= spaced # dir ", &e), 0);
  cr_assert_eq(cfg_apply_override(&c, "env.task=imitate", &e), 0);
  char *text = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&text, &n);
  cfg_write(&c, f);
  fclose(f);
  cfg_t back;
  cfg_defaults(&back);
  cr_assert_eq(cfg_load_string(&back, "resolved", text, &e), 0, "%s\n%s", e.msg, text);
  cr_assert(!memcmp(&back, &c, sizeof c), "resolved config does not read back identically");
  free(text);
}

Test(config, train_arguments) {
  launch_opts o;
  char *bad1[] = {"drl2move", "--steps", "ten", NULL};
  cr_assert_eq(launch_parse_args(3, bad1, &o, &e), -1);
  cr_assert(strstr(e.msg, "--steps"), "%s", e.msg);
  char *bad2[] = {"drl2move", "--config", NULL};
  cr_assert_eq(launch_parse_args(2, bad2, &o, &e), -1);
  char *bad3[] = {"drl2move", "--frobnicate", NULL};
  cr_assert_eq(launch_parse_args(2, bad3, &o, &e), -1);
  cr_assert(strstr(e.msg, "--frobnicate"), "%s", e.msg);
  char *ok[] = {"drl2move", "--time-limit", "1.5", "--resume", "runs/x", NULL};
  cr_assert_eq(launch_parse_args(5, ok, &o, &e), 0, "%s", e.msg);
  cr_assert_float_eq(o.time_limit_min, 1.5, 1e-12);
  cr_assert_str_eq(o.resume_dir, "runs/x");
}

/* configs/default.ini is the documented default config: it must read back to exactly the embedded
 * defaults and hold every key (regenerate: drl2move train --print-config > configs/default.ini). */
Test(config, shipped_default_ini_matches_table) {
  char path[1024];
  test_source_path(path, sizeof path, "configs/default.ini");
  cfg_t z;
  memset(&z, 0x5a, sizeof z); /* every key must be set by the file, not inherited */
  cr_assert_eq(cfg_load_file(&z, path, &e), 0, "%s", e.msg);
  char a[CFG_STR_MAX + 8], b[CFG_STR_MAX + 8];
  for (int i = 0; i < cfg_nkeys; i++) {
    cfg_format_value(&z, &cfg_keys[i], a, sizeof a);
    cfg_format_value(&c, &cfg_keys[i], b, sizeof b);
    cr_assert_str_eq(a, b, "configs/default.ini: %s.%s = %s, the table says %s (regenerate it)", cfg_keys[i].section,
                     cfg_keys[i].name, a, b);
  }
}

/* A saved config (here a run's config.resolved.ini read by --resume) from before a key's default
 * changed lacks the key: it must run with the old default, while new runs get the new one. */
Test(config, a_saved_config_without_a_changed_key_keeps_its_old_default) {
  cr_assert_str_eq(c.env_jso_gains, "strength", "the new default");
  char *text = test_cfg_text(&c), *save = NULL, dir[] = "/tmp/d2m_cfg_saved_XXXXXX", path[64];
  cr_assert(mkdtemp(dir));
  snprintf(path, sizeof path, "%s/" RUN_CONFIG, dir);
  FILE *f = fopen(path, "w");
  cr_assert(f);
  int dropped = 0; /* the config as a binary before the key wrote it */
  for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save))
    if (strncmp(l, "jso_gains = ", 12)) fprintf(f, "%s\n", l);
    else dropped++;
  fclose(f);
  cr_assert_eq(dropped, 1, "cfg_write wrote %d jso_gains lines", dropped);
  launch_opts o;
  memset(&o, 0, sizeof o);
  o.resume_dir = dir;
  cfg_t r;
  cr_assert_eq(launch_resolve_local(&o, &r, &e), 0, "%s", e.msg);
  cr_assert_str_eq(r.env_jso_gains, "uniform", "a resumed run without the key changed its gains");
  o.resume_dir = NULL;
  cr_assert_eq(launch_resolve_local(&o, &r, &e), 0, "%s", e.msg);
  cr_assert_str_eq(r.env_jso_gains, "strength", "a new run");
  cfg_t s;
  cfg_saved_defaults(&s);
  cr_assert_eq(cfg_load_string(&s, "saved", "[env]\njso_gains = strength\n", &e), 0, "%s", e.msg);
  cr_assert_str_eq(s.env_jso_gains, "strength", "a saved config that names the key keeps it");
  unlink(path);
  rmdir(dir);
  free(text);
}
