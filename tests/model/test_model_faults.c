/* tests/model/test_model_faults.c: bad input of issue 19 around the model: a subject name with XML
 * markup, subject-file lines longer than the reader's buffer, a directory as the subject file, and
 * MuJoCo's own errors and warnings routed into the project's log. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "envs/model/model.h"

/* The name goes into the model name attribute and an XML comment: markup must be escaped. */
Test(model_faults, subject_name_with_markup) {
  model_subject s;
  model_subject_default(&s);
  snprintf(s.name, sizeof s.name, "a\"b<c>&d--e'f\tg");
  d2m_err e = {{0}};
  mjModel *m = model_load(&s, &e);
  cr_assert(m, "a subject name with markup breaks the model: %s", e.msg);
  /* MuJoCo keeps the model name first in its names buffer. */
  cr_assert_str_eq(m->names, "drl2move lower body (a\"b<c>&d--e'f_g)");
  mj_deleteModel(m);
}

static void write_text(const char *path, const char *text) {
  FILE *f = fopen(path, "w");
  cr_assert(f);
  fputs(text, f);
  fclose(f);
}

/* A line longer than the reader's 512-byte buffer is an error, not several phantom lines. */
Test(model_faults, subject_long_line_refused) {
  char path[] = "/tmp/d2m_subject_XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  close(fd);
  /* "name = xxx...x mass_kg = 300": split at 511 bytes, the tail would read as its own line. */
  char text[1200];
  int n = snprintf(text, sizeof text, "height_m = 1.7\nname = ");
  while (n < 511 + 15) text[n++] = 'x';
  snprintf(text + n, sizeof text - (size_t)n, "mass_kg = 300\n");
  write_text(path, text);
  model_subject s;
  d2m_err e = {{0}};
  cr_assert_eq(model_subject_load(path, &s, &e), -1, "a 540-byte line was accepted");
  cr_assert(strstr(e.msg, ":2:") && strstr(e.msg, "longer than"), "%s", e.msg);
  /* A line of exactly 510 bytes plus its newline is still fine. */
  n = snprintf(text, sizeof text, "name = ");
  while (n < 510) text[n++] = 'y';
  snprintf(text + n, sizeof text - (size_t)n, "\nheight_m = 1.7\n");
  write_text(path, text);
  cr_assert_eq(model_subject_load(path, &s, &e), 0, "%s", e.msg);
  cr_assert_float_eq(s.height_m, 1.7, 1e-12);
  unlink(path);
}

Test(model_faults, subject_file_is_a_directory) {
  model_subject s;
  d2m_err e = {{0}};
  cr_assert_eq(model_subject_load("/tmp", &s, &e), -1, "a directory was accepted as a subject file");
  cr_assert(strstr(e.msg, "/tmp: is a directory"), "%s", e.msg);
}

/* MuJoCo's errors reach the log and end the process with status 1 (no "Press Enter" prompt on
 * stdin); its warnings reach the log and return. */
Test(model_faults, mujoco_errors_and_warnings_in_the_log) {
  char path[] = "/tmp/d2m_mjlog_XXXXXX";
  int fd = mkstemp(path);
  cr_assert(fd >= 0);
  close(fd);
  pid_t pid = fork();
  if (pid == 0) {
    FILE *f = fopen(path, "w");
    log_init(0, LOG_INFO);
    log_set_file(f);
    model_log_mujoco();
    mju_warning("a test warning");
    mju_error("Could not allocate memory");
    _exit(7); /* not reached: an error handler must not return to MuJoCo */
  }
  int st = 0;
  cr_assert_eq(waitpid(pid, &st, 0), pid);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 1, "status %d", st);
  FILE *f = fopen(path, "r");
  char buf[4096] = "";
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  buf[n] = 0;
  fclose(f);
  unlink(path);
  cr_assert(strstr(buf, "warn] MuJoCo warning: a test warning"), "log: %s", buf);
  cr_assert(strstr(buf, "error] MuJoCo error: Could not allocate memory"), "log: %s", buf);
}
