/* common/signals.h: SLURM-style preemption. SIGTERM or SIGUSR1 asks the run to checkpoint and stop
 * cleanly (the learner polls signals_stop_requested() once per loop); a second SIGTERM exits at once
 * with status 143. SIGINT (Ctrl-C) behaves like SIGTERM. */
#ifndef D2M_SIGNALS_H
#define D2M_SIGNALS_H

void signals_install(void);
/* 0: none; otherwise the signal number that asked to stop. */
int signals_stop_requested(void);
/* While path (non-NULL) is being written, a second SIGTERM/SIGINT deletes it before exiting, so an
 * interrupted checkpoint leaves no temporary behind; NULL when the write is over. */
void signals_guard_tmp(const char *path);
/* For tests: clear the request. */
void signals_clear(void);

#endif
