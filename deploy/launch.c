/* deploy/launch.c: see launch.h. */
#include "deploy/launch.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "envs/device.h"
#include "nn/ac_config.h"
#include "common/ckpt.h"
#include "common/mpi_util.h"
#include "learner/group.h"

void launch_usage(FILE *f) {
  fprintf(f,
          "usage: drl2move train [--config FILE] [--set section.key=value ...] [--run-dir DIR]\n"
          "                      [--resume DIR] [--force-new] [--steps N] [--time-limit MINUTES]\n"
          "                      [--help] [--help-config] [--print-config]\n\n"
          "Trains a controller: rank 0 is the learner, ranks 1..N-1 are actors (mpirun -np N drl2move).\n"
          "  --config FILE        INI file over the embedded defaults (see configs/default.ini)\n"
          "  --set s.k=v          override one key after the file (repeatable)\n"
          "  --run-dir DIR        write the run here (default: run.runs_dir/DATE-TIME-TASK)\n"
          "  --resume DIR         continue the run in DIR from its newest valid checkpoint\n"
          "  --force-new          with --run-dir: start afresh in a directory that holds a run (its files move\n"
          "                       to DIR/replaced-DATE-TIME/); without it such a directory is refused\n"
          "  --steps N            total environment steps (run.total_steps); on --resume it extends the budget\n"
          "                       and the learning-rate schedule (logged)\n"
          "  --time-limit MIN     checkpoint and stop cleanly after MIN minutes (run.time_limit_min); a fresh run\n"
          "                       with --time-limit and no --steps has no step budget\n"
          "  --help-config        print every configuration key with type, default, bounds and meaning\n"
          "  --print-config       print the resolved configuration (with the options above) as a documented INI file\n");
}

static int need_value(int i, int argc, char **argv, d2m_err *err) {
  if (i + 1 >= argc || !argv[i + 1][0]) return err_set(err, "train: %s needs a value", argv[i]);
  return 0;
}

int launch_parse_args(int argc, char **argv, launch_opts *o, d2m_err *err) {
  memset(o, 0, sizeof *o);
  o->time_limit_min = -1;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) { o->help = 1; continue; }
    if (!strcmp(a, "--help-config")) { o->help_config = 1; continue; }
    if (!strcmp(a, "--print-config")) { o->print_config = 1; continue; }
    if (!strcmp(a, "--force-new")) { o->force_new = 1; continue; }
    int has_value = !strcmp(a, "--config") || !strcmp(a, "--set") || !strcmp(a, "--run-dir") ||
                    !strcmp(a, "--resume") || !strcmp(a, "--steps") || !strcmp(a, "--time-limit");
    if (!has_value) return err_set(err, "train: unknown argument '%s' (see drl2move train --help)", a);
    if (need_value(i, argc, argv, err)) return -1;
    const char *v = argv[++i];
    if (!strcmp(a, "--config")) o->config_path = v;
    else if (!strcmp(a, "--run-dir")) o->run_dir = v;
    else if (!strcmp(a, "--resume")) o->resume_dir = v;
    else if (!strcmp(a, "--set")) {
      if (o->nsets == LAUNCH_MAX_SETS) return err_set(err, "train: more than %d --set options", LAUNCH_MAX_SETS);
      o->sets[o->nsets++] = v;
    } else if (!strcmp(a, "--steps")) {
      char *end;
      errno = 0;
      double d = strtod(v, &end);
      if (*end || errno || !(d >= 1) || d > 9.2e18 || d != (double)(int64_t)d)
        return err_set(err, "train: --steps: '%s' is not a positive integer", v);
      o->steps = (int64_t)d;
    } else {
      char *end;
      errno = 0;
      double d = strtod(v, &end);
      if (*end || errno || !(d > 0) || d > 1e7)
        return err_set(err, "train: --time-limit: '%s' is not a positive number of minutes", v);
      o->time_limit_min = d;
    }
  }
  if (o->run_dir && o->resume_dir) return err_set(err, "train: --run-dir and --resume exclude each other");
  if (o->force_new && !o->run_dir) return err_set(err, "train: --force-new needs --run-dir DIR (the directory to start afresh in)");
  return 0;
}

/* An error "section.key: ..." found after loading gets the place the value came from, as the
 * parser's own errors have it: the last of --set, --config FILE:LINE, the resumed config, or the default. */
static int key_origin_wrap(const launch_opts *o, d2m_err *err) {
  char key[128], section[64];
  size_t n = strcspn(err->msg, ": ");
  const char *dot = memchr(err->msg, '.', n);
  if (!dot || n >= sizeof key || (size_t)(dot - err->msg) >= sizeof section) return -1;
  memcpy(key, err->msg, n);
  key[n] = 0;
  memcpy(section, key, (size_t)(dot - err->msg));
  section[dot - err->msg] = 0;
  const char *name = key + (dot - err->msg) + 1;
  if (!cfg_find(section, name)) return -1;
  for (int i = o->nsets - 1; i >= 0; i--) {
    unsigned char *one = xcalloc((size_t)cfg_nkeys, 1);
    int hit = cfg_override_mask(o->sets[i], one) == 0 && one[cfg_find(section, name) - cfg_keys];
    free(one);
    if (hit) return err_wrap(err, "--set");
  }
  const char *files[2] = {o->config_path, NULL};
  char resumed[LAUNCH_PATH_MAX + 32];
  if (o->resume_dir) {
    snprintf(resumed, sizeof resumed, "%s/" RUN_CONFIG, o->resume_dir);
    files[1] = resumed;
  }
  for (int i = 0; i < 2; i++) {
    int line = files[i] ? cfg_key_line(files[i], section, name) : 0;
    if (line) return err_wrap(err, "%s:%d", files[i], line);
  }
  return err_wrap(err, "default");
}

int launch_resolve_local(const launch_opts *o, cfg_t *cfg, d2m_err *err) {
  if (o->resume_dir) cfg_saved_defaults(cfg);
  else cfg_defaults(cfg);
  /* Keys that --set gives are not read from the files: a bad value there can be overridden. */
  unsigned char *skip = xcalloc((size_t)cfg_nkeys, 1);
  for (int i = 0; i < o->nsets; i++) cfg_override_mask(o->sets[i], skip);
  int rc = 0;
  if (o->resume_dir) {
    char path[LAUNCH_PATH_MAX];
    snprintf(path, sizeof path, "%s/" RUN_CONFIG, o->resume_dir);
    if (cfg_load_file_masked(cfg, path, skip, err)) rc = err_wrap(err, "--resume");
  }
  int64_t budget_before = cfg->run_total_steps;
  if (!rc && o->config_path) rc = cfg_load_file_masked(cfg, o->config_path, skip, err);
  free(skip);
  if (rc) return -1;
  int budget_set = cfg->run_total_steps != budget_before;
  for (int i = 0; i < o->nsets; i++) {
    if (cfg_apply_override(cfg, o->sets[i], err)) return -1;
    budget_set |= !strncmp(o->sets[i], "run.total_steps", 15);
  }
  if (o->steps > 0) cfg->run_total_steps = o->steps;
  if (o->time_limit_min > 0) cfg->run_time_limit_min = o->time_limit_min;
  /* A cluster job sized by its time limit must not stop at the default step budget. */
  if (o->time_limit_min > 0 && o->steps == 0 && !o->resume_dir && !budget_set) cfg->run_total_steps = 0;
  /* The subject file's devices go into the config, so config.resolved.ini records them (envs/device.h). */
  if (dev_subject_apply(cfg, err)) return -1;
  /* Keys whose text has its own grammar are checked here too, before any rank starts work. */
  ac_config ac;
  if (ac_config_from_cfg(cfg, 1, 1, &ac, err)) return key_origin_wrap(o, err);
  return 0;
}

/* Bytes of float32 the learner and one actor need at least: parameters with their copies (learner:
 * network, PPO params, gradients, Adam m and v, the published copy and the kept previous update's
 * params, m and v; actor: network and received weights), the samples of one update, and the hidden
 * activations of a minibatch. Observation width is taken as its lower bound, the muscle count. */
static void memory_need(const cfg_t *cfg, const ac_config *ac, int world, double *learner_b, double *actor_b) {
  double O = 80, A = 80, P = 0, H = 0; /* MODEL_NMUSCLE (envs/model/model.h): 80 muscles */
  for (int net = 0; net < 2; net++) {
    double in = O;
    for (int i = 0; i < ac->nhidden; i++) {
      P += in * ac->hidden[i] + ac->hidden[i];
      H += ac->hidden[i];
      in = ac->hidden[i];
    }
    double out = net == 0 ? A : 1;
    P += in * out + out;
  }
  double ET = (double)cfg->env_num_envs * (double)cfg->actor_rollout_steps, row = O + A + 8;
  *learner_b = 4.0 * (9.0 * P + (double)world * ET * row + 4.0 * (double)cfg->ppo_minibatch * H);
  *actor_b = 4.0 * (2.0 * P + ET * row + 4.0 * (double)cfg->env_num_envs * H);
}

int launch_check_memory(const cfg_t *cfg, int world_size, double host_bytes, d2m_err *err) {
  ac_config ac;
  if (ac_config_from_cfg(cfg, 1, 1, &ac, err)) return -1;
  double lb, ab;
  memory_need(cfg, &ac, world_size, &lb, &ab);
  const double gib = 1024.0 * 1024.0 * 1024.0;
  if (lb > host_bytes || ab > host_bytes)
    return err_set(err,
                   "nn.hidden=%s, env.num_envs=%lld, actor.rollout_steps=%lld, %d ranks: the learner needs at least "
                   "%.1f GiB and each actor %.1f GiB, more than this host's %.1f GiB of memory: reduce them",
                   cfg->nn_hidden, (long long)cfg->env_num_envs, (long long)cfg->actor_rollout_steps, world_size,
                   lb / gib, ab / gib, host_bytes / gib);
  return 0;
}

double launch_host_memory(void) {
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  return pages > 0 && page > 0 ? (double)pages * (double)page : 1e18;
}

/* Broadcast rank 0's status and, on failure, its message, so every rank fails the same way. */
static int bcast_status(int rc, MPI_Comm comm, d2m_err *err) {
  CHECK_MPI(MPI_Bcast(&rc, 1, MPI_INT, 0, comm));
  if (rc) CHECK_MPI(MPI_Bcast(err->msg, (int)sizeof err->msg, MPI_CHAR, 0, comm));
  return rc;
}

int launch_resolve_config(const launch_opts *o, MPI_Comm comm, cfg_t *cfg, d2m_err *err) {
  int rank;
  CHECK_MPI(MPI_Comm_rank(comm, &rank));
  int size;
  CHECK_MPI(MPI_Comm_size(comm, &size));
  /* Sizes that cannot fit are refused here, with the estimate, rather than by a failed allocation. */
  int rc = rank == 0 ? (launch_resolve_local(o, cfg, err) || launch_check_memory(cfg, size, launch_host_memory(), err))
                     : 0;
  if (bcast_status(rc, comm, err)) return -1;
  /* cfg_t is plain data (no pointers) and every rank runs the same binary. */
  CHECK_MPI(MPI_Bcast(cfg, (int)sizeof *cfg, MPI_BYTE, 0, comm));
  return 0;
}


static char *config_text(const cfg_t *cfg, size_t *n) {
  char *text = NULL;
  FILE *mem = open_memstream(&text, n);
  D2M_CHECK(mem != NULL, "open_memstream failed: out of memory?");
  cfg_write(cfg, mem);
  fclose(mem);
  return text;
}

/* Entries of dir other than "." and "..", and earlier replaced-* folders (those never block a run);
 * 0 when dir does not exist. */
/* Entries of dir that belong to a run. An empty checkpoints/ folder (or a link to one: a user may put
 * checkpoints on another file system before the first start) holds nothing and does not count. */
static int count_entries(const char *dir) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strncmp(e->d_name, "replaced-", 9)) continue;
    if (!strcmp(e->d_name, "checkpoints")) {
      char sub[LAUNCH_PATH_MAX + 16];
      snprintf(sub, sizeof sub, "%s/checkpoints", dir);
      if (count_entries(sub) == 0) continue;
    }
    n++;
  }
  closedir(d);
  return n;
}

/* --force-new: move the old run's entries into DIR/replaced-STAMP/ (kept, never deleted). */
static int move_old_run(const char *dir, d2m_err *err) {
  char stamp[32], dest[LAUNCH_PATH_MAX + 64], from[LAUNCH_PATH_MAX + 512], to[2 * LAUNCH_PATH_MAX];
  time_t t = time(NULL);
  struct tm tm;
  localtime_r(&t, &tm);
  strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
  snprintf(dest, sizeof dest, "%s/replaced-%s", dir, stamp);
  if (mkdir(dest, 0755) && errno != EEXIST) return err_set(err, "%s: cannot create: %s", dest, strerror(errno));
  DIR *d = opendir(dir);
  if (!d) return err_set(err, "%s: cannot read: %s", dir, strerror(errno));
  struct dirent *e;
  int rc = 0;
  while (!rc && (e = readdir(d))) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..") || !strncmp(e->d_name, "replaced-", 9)) continue;
    snprintf(from, sizeof from, "%s/%s", dir, e->d_name);
    snprintf(to, sizeof to, "%s/%s", dest, e->d_name);
    if (rename(from, to)) rc = err_set(err, "--force-new: cannot move %s to %s: %s", from, to, strerror(errno));
  }
  closedir(d);
  if (!rc) LOG_I("--force-new: the previous run in %s moved to %s", dir, dest);
  return rc;
}

/* A fresh run into DIR: refused when DIR holds anything (a run, or files the user cares about). */
static int claim_run_dir(const launch_opts *o, d2m_err *err) {
  int n = count_entries(o->run_dir);
  if (n == 0) return 0;
  if (!o->force_new)
    return err_set(err,
                   "--run-dir %s is not empty (%d entries): continue that run with --resume %s, or start "
                   "afresh with --force-new (its files move to %s/replaced-DATE-TIME/)",
                   o->run_dir, n, o->run_dir, o->run_dir);
  return move_old_run(o->run_dir, err);
}

static int make_local(const launch_opts *o, const cfg_t *cfg, char *run_dir, size_t n, d2m_err *err) {
  if (o->resume_dir) {
    snprintf(run_dir, n, "%s", o->resume_dir);
  } else if (o->run_dir) {
    if (claim_run_dir(o, err)) return -1;
    snprintf(run_dir, n, "%s", o->run_dir);
  } else {
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    if (file_mkdirs(cfg->run_runs_dir, err)) return -1;
    /* A fresh directory: add -2, -3, ... when two runs start in the same second. */
    for (int k = 1;; k++) {
      if (k == 1) snprintf(run_dir, n, "%s/%s-%s", cfg->run_runs_dir, stamp, cfg->env_task);
      else snprintf(run_dir, n, "%s/%s-%s-%d", cfg->run_runs_dir, stamp, cfg->env_task, k);
      if (mkdir(run_dir, 0755) == 0) break;
      if (errno != EEXIST || k > 1000) return err_set(err, "%s: cannot create run directory: %s", run_dir, strerror(errno));
    }
  }
  if (file_mkdirs(run_dir, err)) return -1;
  char path[LAUNCH_PATH_MAX + 32];
  snprintf(path, sizeof path, "%s/%s", run_dir, o->resume_dir ? RUN_CONFIG_PENDING : RUN_CONFIG);
  size_t len;
  char *text = config_text(cfg, &len);
  int rc = file_write_atomic(path, text, len, err);
  free(text);
  return rc;
}

int launch_make_run_dir(const launch_opts *o, const cfg_t *cfg, MPI_Comm comm, char *run_dir, size_t n, d2m_err *err) {
  int rank;
  CHECK_MPI(MPI_Comm_rank(comm, &rank));
  int rc = rank == 0 ? make_local(o, cfg, run_dir, n, err) : 0;
  if (bcast_status(rc, comm, err)) return -1;
  CHECK_MPI(MPI_Bcast(run_dir, (int)n, MPI_CHAR, 0, comm));
  return 0;
}

int launch_check_slurm(int world_size, d2m_err *err) {
  const char *nt = getenv("SLURM_NTASKS");
  if (!nt || !*nt) return 0;
  char *end;
  long v = strtol(nt, &end, 10);
  if (*end || v <= 0) return err_set(err, "SLURM_NTASKS='%s' is not a positive integer", nt);
  if (v != world_size)
    return err_set(err,
                   "MPI world size is %d but SLURM_NTASKS is %ld: launch with `srun --mpi=pmix drl2move` or "
                   "`mpirun drl2move` without -np inside the allocation",
                   world_size, v);
  return 0;
}

typedef struct {
  char host[64];
  long pid;
} rank_info;

/* The pid of rank r's learner when it runs on this host and this process can see it (kill(pid, 0):
 * a pid namespace of its own would hide it), else 0. */
static long local_learner_pid(const rank_info *all, int r, const rank_info *me, const grp_layout *g) {
  int lead = g ? g->leader[g->group[r]] : 0;
  if (lead == r || strcmp(all[lead].host, me->host)) return 0;
  return kill((pid_t)all[lead].pid, 0) == 0 ? all[lead].pid : 0;
}

void launch_report_in(MPI_Comm comm, const char *run_dir, const grp_layout *g, long *learner_pid) {
  int rank, size;
  CHECK_MPI(MPI_Comm_rank(comm, &rank));
  CHECK_MPI(MPI_Comm_size(comm, &size));
  rank_info me = {{0}, (long)getpid()};
  gethostname(me.host, sizeof me.host - 1);
  rank_info *all = xcalloc((size_t)size, sizeof *all);
  CHECK_MPI(MPI_Gather(&me, (int)sizeof me, MPI_BYTE, all, (int)sizeof me, MPI_BYTE, 0, comm));
  /* every rank learns where its learner runs (actors watch it: actor.learner_timeout_s) */
  CHECK_MPI(MPI_Bcast(all, (int)(sizeof me * (size_t)size), MPI_BYTE, 0, comm));
  if (learner_pid) *learner_pid = local_learner_pid(all, rank, &me, g);
  if (rank != 0) {
    free(all);
    return;
  }
  char path[LAUNCH_PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/ranks.txt", run_dir);
  FILE *f = fopen(path, "w");
  for (int r = 0; r < size; r++) {
    int k = g ? g->group[r] : 0, lead = g ? g->leader[k] == r : r == 0;
    if (f) fprintf(f, "%d %s %ld %s %d\n", r, all[r].host, all[r].pid, lead ? "learner" : "actor", k);
  }
  if (f) fclose(f);
  int nl = g ? g->L : 1;
  LOG_I("%d ranks reported in: %d learner%s (rank 0 on %s), %d actors; see %s", size, nl, nl == 1 ? "" : "s",
        all[0].host, size - nl, path);
  free(all);
}

uint64_t launch_config_digest(const cfg_t *cfg) {
  size_t n;
  char *text = config_text(cfg, &n);
  uint64_t h = 0xcbf29ce484222325ull;
  for (size_t i = 0; i < n; i++) h = (h ^ (unsigned char)text[i]) * 0x100000001b3ull;
  free(text);
  return h;
}
