/* deploy/train.c: `drl2move train`: MPI start, config, run directory, the learner-group layout
 * (learner/group.h; one learner: rank 0), then the learners run learner/ and the other ranks the
 * actors. This is the only code that sees both actor/ and learner/. */
#include "deploy/train.h"

#include <blis.h>
#include <mpi.h>
#include <msgpack.h>
#include <mujoco/mujoco.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "actor/actor.h"
#include "nn/blis_util.h"
#include "common/config.h"
#include "common/log.h"
#include "common/mpi_util.h"
#include "d2m_build.h"
#include "deploy/launch.h"
#include "learner/learner.h"
#include "common/signals.h"

void print_version(void) {
  blis_setup(1, 1, NULL);
  char mpi_ver[MPI_MAX_LIBRARY_VERSION_STRING];
  int n = 0;
  MPI_Get_library_version(mpi_ver, &n);
  char *nl = strchr(mpi_ver, ',');
  if (nl) *nl = 0; /* "Open MPI v4.1.4, package: ..." -> "Open MPI v4.1.4" */
  printf("drl2move %s (git %s)\n", D2M_VERSION, D2M_GIT_REV);
  printf("  MuJoCo   %s\n", mj_versionString());
  printf("  MPI      %s\n", mpi_ver);
  printf("  BLIS     %s, kernel configuration '%s'%s\n", bli_info_get_version_str(), bli_arch_string(bli_arch_query_id()),
         getenv("BLIS_ARCH_TYPE") ? " (set by BLIS_ARCH_TYPE)" : " (auto-detected)");
  printf("  msgpack  %s\n", msgpack_version());
}

/* Every rank waits for the others before finalizing, but not forever: under `mpirun --enable-recovery`
 * a killed actor never arrives, and the survivors still end cleanly. (A nonblocking collective's
 * request may not be freed: one left pending is finished by MPI_Finalize.) */
static void end_barrier(void) {
  MPI_Request q;
  CHECK_MPI(MPI_Ibarrier(MPI_COMM_WORLD, &q));
  double t0 = MPI_Wtime();
  int done = 0;
  while (!done && MPI_Wtime() - t0 < 10.0) {
    CHECK_MPI(MPI_Test(&q, &done, MPI_STATUS_IGNORE));
    if (!done) usleep(1000);
  }
}

/* learner.group: the layout, and what a group does not support (checked on every rank alike). */
static int group_setup(const cfg_t *cfg, grp_layout *g, d2m_err *err) {
  if (grp_layout_make(MPI_COMM_WORLD, (long)cfg->learner_group, g, err)) return -1;
  if (g->L > 1 && strcmp(cfg->imitate_mining, "off"))
    return err_set(err, "learner.group = %ld (%d learners) with imitate.mining = %s: clip mining counts one "
                   "learner's episodes and is not merged over a learner group yet; set learner.group = 1 or "
                   "imitate.mining = off", (long)cfg->learner_group, g->L, cfg->imitate_mining);
  if (g->L > 1 && cfg->rehab_enabled)
    return err_set(err, "learner.group = %ld (%d learners) with rehab.enabled = true: the rehabilitation loop sums one "
                   "learner's muscle use and is not merged over a learner group yet; set learner.group = 1 or "
                   "rehab.enabled = false", (long)cfg->learner_group, g->L);
  return 0;
}

/* Fail the same way on every rank: rank 0 prints, all return 1. */
static int fail_all(int rank, const d2m_err *e) {
  if (rank == 0) fprintf(stderr, "drl2move train: %s\n", e->msg);
  MPI_Finalize();
  return 1;
}

/* Rank 0: train.log appended to (a resumed run goes on in the same file) and made the log's file. */
static FILE *open_train_log(const char *run_dir) {
  char path[LAUNCH_PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/train.log", run_dir);
  FILE *f = fopen(path, "a+");
  if (!f) return NULL;
  /* A line cut short by a full disk is ended, so the resumed run's first line stands alone. */
  int last = fseek(f, -1, SEEK_END) == 0 ? fgetc(f) : '\n';
  fseek(f, 0, SEEK_END); /* between a read and a write of an update stream */
  if (last != '\n') fputc('\n', f);
  log_set_file(f);
  return f;
}

int train_cli(int argc, char **argv) {
  launch_opts opts;
  d2m_err err = {{0}};
  /* Arguments first, without MPI: --help works anywhere and every rank parses the same way. */
  if (launch_parse_args(argc, argv, &opts, &err)) {
    fprintf(stderr, "drl2move %s\n", err.msg);
    return 2;
  }
  if (opts.help) { launch_usage(stdout); return 0; }
  if (opts.help_config) { cfg_print_table(stdout); return 0; }
  if (opts.print_config) {
    cfg_t c;
    if (launch_resolve_local(&opts, &c, &err)) { fprintf(stderr, "drl2move train: %s\n", err.msg); return 1; }
    cfg_write_documented(&c, stdout);
    return 0;
  }

  int provided = 0, rank = 0, size = 1;
  /* Open MPI: no fence at the start of MPI_Finalize. With `mpirun --enable-recovery` a killed actor
   * leaves the job alive, but the fence would wait for it forever; end_barrier() below already
   * synchronises the ranks that are alive. (setenv before MPI_Init: Open MPI reads OMPI_MCA_* then;
   * an explicit setting by the user wins.) */
  setenv("OMPI_MCA_async_mpi_finalize", "1", 0);
  CHECK_MPI(MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided));
  mpi_util_init();
  CHECK_MPI(MPI_Comm_rank(MPI_COMM_WORLD, &rank));
  CHECK_MPI(MPI_Comm_size(MPI_COMM_WORLD, &size));
  log_init(rank, LOG_INFO);

  if (launch_check_slurm(size, &err)) return fail_all(rank, &err);
  cfg_t cfg;
  if (size < 2) {
    /* A bad config is the more useful message: it is what a first try without mpirun must fix too. */
    if (launch_resolve_local(&opts, &cfg, &err) == 0)
      err_set(&err, "needs at least 2 MPI ranks (1 learner + actors): mpirun -np 2 drl2move train ...");
    return fail_all(rank, &err);
  }
  if (launch_resolve_config(&opts, MPI_COMM_WORLD, &cfg, &err)) return fail_all(rank, &err);
  log_level lvl = LOG_INFO;
  log_parse_level(cfg.run_log_level, &lvl);
  log_init(rank, lvl);

  grp_layout lay;
  if (group_setup(&cfg, &lay, &err)) return grp_layout_free(&lay), fail_all(rank, &err);
  char run_dir[LAUNCH_PATH_MAX];
  if (launch_make_run_dir(&opts, &cfg, MPI_COMM_WORLD, run_dir, sizeof run_dir, &err))
    return grp_layout_free(&lay), fail_all(rank, &err);
  FILE *logf = rank == 0 ? open_train_log(run_dir) : NULL;
  if (rank == 0) {
    LOG_I("drl2move %s (git %s): run directory %s, task %s, %d ranks", D2M_VERSION, D2M_GIT_REV, run_dir,
          cfg.env_task, size);
  }
  long learner_pid = 0;
  launch_report_in(MPI_COMM_WORLD, run_dir, &lay, &learner_pid);
  if (rank == 0 && lay.L > 1) {
    char desc[4096];
    grp_layout_describe(&lay, desc, sizeof desc);
    LOG_I("learner group: %s (ranks.txt)", desc);
  }
  MPI_Comm gcomm, lcomm;
  grp_layout_comms(&lay, MPI_COMM_WORLD, &gcomm, &lcomm);
  int lead = lay.leader[lay.group[rank]] == rank;

  /* Set-up lines once per job (rank 0, the learner); problems stay on every rank (common/log.h). */
  log_set_setup_lines(rank == 0);
  /* BLIS fixes its kernels at first use: configure before any network exists. Actors use one thread each. */
  blis_setup(lead ? (int)cfg.nn_threads : 1, 1, NULL);
  signals_install();
  int rc = lead ? learner_run(&cfg, run_dir, opts.resume_dir != NULL, gcomm, lcomm, lay.L > 1 ? &lay : NULL)
                : actor_run(&cfg, gcomm, rank, size - lay.L, learner_pid);
  /* gcomm and lcomm stay to MPI_Finalize: freeing is collective, and a killed actor never joins. */
  grp_layout_free(&lay);

  if (lead || rc != ACTOR_LEARNER_GONE) end_barrier();
  if (rank == 0) LOG_I("run finished: %s", run_dir);
  log_set_file(NULL);
  if (logf) fclose(logf);
  MPI_Finalize();
  return rc;
}
