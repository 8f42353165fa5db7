/* common/signals.c: see signals.h. Only async-signal-safe work inside the handler. */
#include "common/signals.h"

#include <signal.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t g_stop = 0;
/* The temporary file being written, if any (g_tmp_set says whether g_tmp is complete). */
static char g_tmp[4200];
static volatile sig_atomic_t g_tmp_set = 0;

static void on_signal(int sig) {
  if (g_stop && (sig == SIGTERM || sig == SIGINT)) {
    static const char msg[] = "drl2move: second termination signal, exiting now\n";
    ssize_t w = write(2, msg, sizeof msg - 1);
    (void)w;
    if (g_tmp_set) unlink(g_tmp); /* unlink is async-signal-safe: no orphan half-written file */
    _exit(143);
  }
  g_stop = sig;
}

void signals_install(void) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGUSR1, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
}

int signals_stop_requested(void) { return (int)g_stop; }

void signals_guard_tmp(const char *path) {
  g_tmp_set = 0;
  if (!path) return;
  size_t n = strlen(path);
  if (n >= sizeof g_tmp) return;
  memcpy(g_tmp, path, n + 1);
  g_tmp_set = 1;
}
void signals_clear(void) { g_stop = 0; }
