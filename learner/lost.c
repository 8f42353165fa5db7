/* learner/lost.c: actors that died. Open MPI 4.1 started with `mpirun --enable-recovery` keeps the job
 * alive when a rank is killed, but reports nothing to the survivors: sends to the dead rank simply
 * stay pending. The learner therefore watches the processes it can see: the actors on its own host
 * (pids from ranks.txt, seen alive at the start) are checked once a second, and one whose pid is
 * gone is dropped at once; the run goes on with the others (sync mode too: a dead rank never comes
 * back). Actors on other hosts are caught by learner.actor_timeout_s as silent actors. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "learner/learner_int.h"

void lost_init(learner *L) {
  char path[4200], me[256] = "", line[512];
  snprintf(path, sizeof path, "%s/ranks.txt", L->run_dir);
  gethostname(me, sizeof me - 1);
  FILE *f = fopen(path, "r");
  if (!f) return;
  while (fgets(line, sizeof line, f)) {
    int r;
    long pid;
    char host[256];
    if (sscanf(line, "%d %255s %ld", &r, host, &pid) != 3 || strcmp(host, me)) continue;
    /* ranks.txt names world ranks; slot i is this learner's actor i. A pid this process cannot see
     * (a pid namespace of its own, same host name) is left to actor_timeout_s, never taken as dead. */
    for (int i = 0; i < L->nactors; i++)
      if (L->actor_world[i] == r && kill((pid_t)pid, 0) == 0) L->slot[i].pid = pid;
  }
  fclose(f);
}

/* Drop a dead actor: nothing more is sent to it, nothing waited for (its pending sends are released). */
static void drop(learner *L, int i) {
  actor_slot *s = &L->slot[i];
  s->alive = 0;
  s->dead = 1;
  for (int k = 0; k < 2; k++)
    if (L->pub_req[2 * i + k] != MPI_REQUEST_NULL) MPI_Request_free(&L->pub_req[2 * i + k]);
}

int lost_gone(learner *L, int i) {
  actor_slot *s = &L->slot[i];
  if (s->dead) return 1;
  if (s->pid <= 0 || kill((pid_t)s->pid, 0) == 0 || errno != ESRCH) return 0;
  drop(L, i);
  int live = 0;
  for (int k = 0; k < L->nactors; k++) live += !L->slot[k].dead;
  LOG_E("actor rank %d (pid %ld) died: going on with the %d others (its batch in progress is lost)", i + 1, s->pid,
        live);
  return 1;
}

int lost_check(learner *L) {
  double now = log_elapsed();
  if (now - L->lost_checked < 1.0) return 0;
  L->lost_checked = now;
  int n = 0;
  for (int i = 0; i < L->nactors; i++)
    if (!L->slot[i].dead) n += lost_gone(L, i);
  return n;
}

int lost_all(const learner *L) {
  for (int i = 0; i < L->nactors; i++)
    if (!L->slot[i].dead) return 0;
  return 1;
}
