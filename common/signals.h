/* common/signals.h: SLURM-style preemption. SIGTERM or SIGUSR1 asks the run to checkpoint and stop
 * cleanly (the learner polls signals_stop_requested() once per loop); a second SIGTERM exits at once
 * with status 143. SIGINT (Ctrl-C) behaves like SIGTERM. */
#ifndef D2M_SIGNALS_H
#define D2M_SIGNALS_H

void signals_install(void);
/* 0: none; otherwise the signal number that asked to stop. */
int signals_stop_requested(void);
/* For tests: clear the request. */
void signals_clear(void);

#endif
