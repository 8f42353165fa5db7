/* tests/cli_capture.h: run a subcommand's argv parser in-process with stdout and stderr sent to one
 * file; returns its exit code, and what it printed in out (NUL-terminated, at most cap - 1 bytes). */
#ifndef D2M_TESTS_CLI_CAPTURE_H
#define D2M_TESTS_CLI_CAPTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline int cli_capture(int (*cmd)(int, char **), char *out, size_t cap, int argc, char **argv) {
  char path[] = "/tmp/d2m_cli_capture_XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return -1;
  fflush(stdout), fflush(stderr);
  int o1 = dup(1), o2 = dup(2);
  dup2(fd, 1), dup2(fd, 2);
  int rc = cmd(argc, argv);
  fflush(stdout), fflush(stderr);
  dup2(o1, 1), dup2(o2, 2);
  close(o1), close(o2);
  ssize_t n = pread(fd, out, cap - 1, 0);
  out[n > 0 ? n : 0] = 0;
  close(fd);
  unlink(path);
  return rc;
}

#endif
