/* deploy/launch.h: the plumbing of `drl2move train` shared by every rank: arguments, the config
 * (resolved and validated on rank 0, broadcast as bytes), the run directory, ranks reporting in. */
#ifndef D2M_LAUNCH_H
#define D2M_LAUNCH_H

#include <mpi.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

#define LAUNCH_MAX_SETS 128
#define LAUNCH_PATH_MAX 1024

typedef struct launch_opts {
  const char *config_path;             /* --config FILE */
  const char *sets[LAUNCH_MAX_SETS];   /* --set section.key=value, in order */
  int nsets;
  const char *run_dir;                 /* --run-dir DIR */
  const char *resume_dir;              /* --resume DIR */
  int64_t steps;                       /* --steps N (0: not given) */
  double time_limit_min;               /* --time-limit MINUTES (<0: not given) */
  int force_new;                       /* --force-new: a fresh run into a non-empty --run-dir */
  int help, help_config, print_config;
} launch_opts;

void launch_usage(FILE *f);
/* Parse `train` arguments (argv[0] is the program). Deterministic, so every rank agrees. */
int launch_parse_args(int argc, char **argv, launch_opts *o, d2m_err *err);

/* Resolve in this process only: defaults < resumed run's config.resolved.ini < --config < --set < --steps/--time-limit.
 * A fresh run given --time-limit and no step budget (no --steps, run.total_steps untouched by --config
 * and --set) gets run.total_steps = 0: no step budget, the time limit ends it. */
int launch_resolve_local(const launch_opts *o, cfg_t *cfg, d2m_err *err);
/* Rank 0 resolves: defaults < resumed run's config.resolved.ini < --config < --set < --steps/--time-limit.
 * The outcome (ok or the error text) and the cfg_t bytes are broadcast: every rank returns the same. */
int launch_resolve_config(const launch_opts *o, MPI_Comm comm, cfg_t *cfg, d2m_err *err);

/* Refuse sizes (nn.hidden, env.num_envs x actor.rollout_steps, ranks) whose lower-bound memory
 * estimate for the learner or one actor exceeds host_bytes; the error gives the estimate. */
int launch_check_memory(const cfg_t *cfg, int world_size, double host_bytes, d2m_err *err);
/* Physical memory of this host in bytes. */
double launch_host_memory(void);

/* Rank 0 creates the run directory (--run-dir, --resume, or run.runs_dir/YYYYmmdd-HHMMSS-TASK[-n]) and
 * writes config.resolved.ini atomically; the path is broadcast. A fresh run (--run-dir) into a
 * directory that is not empty is refused, naming --resume and --force-new; with --force-new the old
 * run's files move into DIR/replaced-YYYYmmdd-HHMMSS/ first, so the two runs never mix. */
int launch_make_run_dir(const launch_opts *o, const cfg_t *cfg, MPI_Comm comm, char *run_dir, size_t n, d2m_err *err);

/* Under SLURM the world must be SLURM_NTASKS ranks: a mismatch is an error naming both numbers. */
int launch_check_slurm(int world_size, d2m_err *err);

/* Every rank reports host and pid; rank 0 logs them and writes ranks.txt into the run directory, one
 * line per rank: "RANK HOST PID learner|actor K" with K the learner group (learner/group.h) the rank
 * belongs to. g NULL: rank 0 is the one learner. learner_pid (may be NULL): the pid of this rank's
 * learner when it runs on this host and this process can see it, else 0 (and 0 on a learner). */
struct grp_layout;
void launch_report_in(MPI_Comm comm, const char *run_dir, const struct grp_layout *g, long *learner_pid);

/* FNV-1a 64 of the resolved config's text: equal on every rank iff the configs are equal. */
uint64_t launch_config_digest(const cfg_t *cfg);

#endif
