/* common/plot.c: see plot.h. */
#include "common/plot.h"

#include <fcntl.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int plot_run(const char *dir, const char *script, const char *err_name) {
  char err_path[4200];
  snprintf(err_path, sizeof err_path, "%s/%s", dir, err_name);
  fflush(stdout), fflush(stderr); /* the child must not write our buffered output a second time */
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) dup2(fd, 2);
    if (chdir(dir) == 0) execlp("gnuplot", "gnuplot", script, (char *)NULL);
    _exit(127); /* not found (or no such dir): the parent reports it */
  }
  int rc = -1, st = 0;
  if (pid > 0 && waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0) rc = 0;
  if (rc == 0) unlink(err_path);
  return rc;
}
