/* bench/bench_learner.c: `drl2move bench learner`: one full PPO minibatch update (policy and value
 * forward/backward, loss, grad-norm clip, Adam) with the project's BLIS learner vs PyTorch
 * (bench/torch_ppo.py under Debian's /usr/bin/python3) on the same shapes, interleaved in one run:
 * for each (threads, minibatch) the two sides alternate `rounds` times and the best of each counts.
 * Also measures the sgemm peak (a large bli_sgemm) in the same run and prints GFLOP/s against it. */
#define _GNU_SOURCE /* pipe2 */
#include "bench/bench.h"

#include <blis.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "nn/blis_util.h"
#include "nn/gauss.h"
#include "common/log.h"
#include "learner/ppo.h"
#include "nn/ac_config.h"

enum { OBS = 309, HID = 512, ACT = 80 };

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Best GFLOP/s of a few n^3 bli_sgemm calls on `threads` threads. */
static double sgemm_peak(int threads, int n) {
  float *a = xaligned((size_t)n * n * 4), *b = xaligned((size_t)n * n * 4), *c = xaligned((size_t)n * n * 4);
  for (size_t i = 0; i < (size_t)n * n; i++) a[i] = b[i] = (float)((i % 7) - 3) * 0.1f;
  float one = 1, zero = 0;
  blis_set_threads(threads);
  double best = 0;
  for (int r = 0; r < 4; r++) {
    double t0 = now_s();
    bli_sgemm(BLIS_NO_TRANSPOSE, BLIS_NO_TRANSPOSE, n, n, n, &one, a, n, 1, b, n, 1, &zero, c, n, 1);
    double g = 2.0 * n * n * (double)n / (now_s() - t0) * 1e-9;
    if (r > 0 && g > best) best = g; /* the first call warms up caches and threads */
  }
  free(a), free(b), free(c);
  return best;
}

/* GEMM flops of one update: forward 2 B in out per layer; backward dW 2 B in out per layer and dX
 * for every layer but the first. */
static double update_flops(const ac_net *n, int B) {
  double f = 0;
  const nn_mlp *m[2] = {&n->pi, &n->v};
  for (int k = 0; k < 2; k++)
    for (int l = 0; l < m[k]->nlayers; l++) f += 2.0 * B * m[k]->dim[l] * m[k]->dim[l + 1] * (l > 0 ? 3 : 2);
  return f;
}

typedef struct side_data {
  float *obs, *act, *logp, *val, *adv, *ret;
} side_data;

static void make_data(side_data *d, int B, rng_t *r) {
  d->obs = xaligned((size_t)B * OBS * 4), d->act = xaligned((size_t)B * ACT * 4);
  d->logp = xaligned((size_t)B * 4), d->val = xaligned((size_t)B * 4), d->adv = xaligned((size_t)B * 4),
  d->ret = xaligned((size_t)B * 4);
  rng_normal_fill(r, d->obs, B * OBS);
  rng_normal_fill(r, d->act, B * ACT);
  for (int i = 0; i < B; i++) {
    double lp = 0;
    for (int j = 0; j < ACT; j++) lp += -0.5 * d->act[i * ACT + j] * d->act[i * ACT + j] - 0.5 * GAUSS_LOG_2PI;
    d->logp[i] = (float)(lp + 0.1 * rng_normal(r));
    d->val[i] = (float)rng_normal(r), d->adv[i] = (float)rng_normal(r), d->ret[i] = (float)rng_normal(r);
  }
}

static void free_data(side_data *d) {
  free(d->obs), free(d->act), free(d->logp), free(d->val), free(d->adv), free(d->ret);
}

/* samples/s of ppo_minibatch_step over at least `secs` seconds (and 3 steps). */
static double run_ours(ppo_learner *p, const side_data *d, int B, double secs) {
  ppo_mb_stats st;
  for (int k = 0; k < 2; k++) /* warm-up */
    ppo_minibatch_step(p, d->obs, d->act, d->logp, d->val, d->adv, d->ret, B, 3e-4f, &st);
  int n = 0;
  double t0 = now_s(), el;
  do {
    ppo_minibatch_step(p, d->obs, d->act, d->logp, d->val, d->adv, d->ret, B, 3e-4f, &st);
    n++;
    el = now_s() - t0;
  } while (el < secs || n < 3);
  return B * n / el;
}

/* ---- the PyTorch peer: a child process per thread count, driven over pipes ---- */
typedef struct peer {
  pid_t pid;
  FILE *to, *from;
  char info[512];
} peer;

static int peer_start(peer *pr, const char *script, int threads, int avx512) {
  int in[2], out[2];
  memset(pr, 0, sizeof *pr);
  /* close-on-exec: a second peer must not inherit the first one's pipe ends (its stdin would never see EOF) */
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC)) return -1;
  pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    char t[16];
    snprintf(t, sizeof t, "%d", threads);
    /* Best settings for this CPU: torch's BLAS here is whatever libblas.so.3 points to (BLIS or
     * OpenBLAS); both misdetect the virtual CPU without these. */
    if (avx512) setenv("BLIS_ARCH_TYPE", "skx", 1), setenv("OPENBLAS_CORETYPE", "SkylakeX", 1);
    setenv("BLIS_NUM_THREADS", t, 1), setenv("OMP_NUM_THREADS", t, 1), setenv("OPENBLAS_NUM_THREADS", t, 1);
    dup2(in[0], 0), dup2(out[1], 1);
    close(in[0]), close(in[1]), close(out[0]), close(out[1]);
    execl("/usr/bin/python3", "python3", script, t, (char *)NULL);
    fprintf(stderr, "exec /usr/bin/python3 failed: %s\n", strerror(errno));
    _exit(127);
  }
  close(in[0]), close(out[1]);
  pr->pid = pid;
  pr->to = fdopen(in[1], "w");
  pr->from = fdopen(out[0], "r");
  if (!fgets(pr->info, sizeof pr->info, pr->from) || strncmp(pr->info, "info ", 5) != 0) {
    fclose(pr->to), fclose(pr->from);
    waitpid(pid, NULL, 0);
    pr->pid = 0;
    return -1;
  }
  pr->info[strcspn(pr->info, "\n")] = 0;
  return 0;
}

static double peer_run(peer *pr, int B, double secs) {
  char line[256];
  fprintf(pr->to, "%d %.3f\n", B, secs);
  fflush(pr->to);
  int b, n;
  double el, sps;
  if (!fgets(line, sizeof line, pr->from) || sscanf(line, "result %d %d %lf %lf", &b, &n, &el, &sps) != 4) return -1;
  return sps;
}

static void peer_stop(peer *pr) {
  if (!pr->pid) return;
  fclose(pr->to);
  fclose(pr->from);
  waitpid(pr->pid, NULL, 0);
  pr->pid = 0;
}

static const char *find_script(const char *opt) {
  static char buf[4096];
  if (opt) return opt;
  const char *root = getenv("D2M_SOURCE_ROOT");
  if (root) {
    snprintf(buf, sizeof buf, "%s/bench/torch_ppo.py", root);
    if (access(buf, R_OK) == 0) return buf;
  }
  if (access("bench/torch_ppo.py", R_OK) == 0) return "bench/torch_ppo.py";
  char exe[2048]; /* <src>/<build>/deploy/drl2move -> <src>/bench/torch_ppo.py */
  ssize_t k = readlink("/proc/self/exe", exe, sizeof exe - 1);
  char *s = k > 0 ? (exe[k] = 0, strrchr(exe, '/')) : NULL;
  if (s) {
    *s = 0;
    snprintf(buf, sizeof buf, "%s/../../bench/torch_ppo.py", exe);
    if (access(buf, R_OK) == 0) return buf;
  }
  return NULL;
}

/* The machine is shared: print its load so a reader can judge the figures. */
static void print_load(const char *when) {
  char buf[128] = "?";
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (!fgets(buf, sizeof buf, f)) strcpy(buf, "?");
    fclose(f);
  }
  buf[strcspn(buf, "\n")] = 0;
  printf("load average %s: %s (%ld cores online)\n", when, buf, sysconf(_SC_NPROCESSORS_ONLN));
}

static void usage(void) {
  printf("usage: drl2move bench learner [--seconds S] [--rounds R] [--no-torch] [--torch-script PATH]\n"
         "  PPO minibatch update, obs %d, policy %d-%d tanh -> %d, value %d-%d tanh -> 1, minibatch 256 and\n"
         "  4096 on 1 and 2 threads; ours (BLIS) vs PyTorch interleaved, best of R rounds (3) of >= S seconds (1.5).\n",
         OBS, HID, HID, ACT, HID, HID);
}

/* One (threads, minibatch) row: ours and the peer alternate `rounds` times, best of each counts. */
static void bench_row(const ac_net *net, peer *pr, int t, int B, int rounds, double secs, double *peak) {
  cfg_t cfg; /* what a run uses, with this row's minibatch */
  char mb[48];
  d2m_err err;
  snprintf(mb, sizeof mb, "ppo.minibatch=%d", B);
  if (CFG_WITH(&cfg, &err, mb)) D2M_FATAL("bench learner: %s", err.msg);
  ppo_config c;
  ppo_config_from_cfg(&cfg, &c);
  ppo_learner p;
  ppo_init(&p, net, &c, B, 1);
  rng_t r;
  rng_seed(&r, 1, 0, RNG_TEST, (uint64_t)B);
  side_data d;
  make_data(&d, B, &r);
  blis_set_threads(t);
  double ours = 0, torch = pr->pid ? 0 : -1;
  for (int rd = 0; rd < rounds; rd++) {
    /* the peak is re-measured in every round and the best kept: a loaded moment must not inflate %peak */
    double pk = sgemm_peak(t, 2048);
    *peak = pk > *peak ? pk : *peak;
    double o = run_ours(&p, &d, B, secs);
    ours = o > ours ? o : ours;
    if (pr->pid) {
      double s = peer_run(pr, B, secs);
      if (s < 0) printf("torch: no result from the peer\n"), peer_stop(pr), torch = -1;
      torch = s > torch ? s : torch;
    }
  }
  double gf = update_flops(net, B) * ours / B * 1e-9;
  printf("%7d  %9d  %15.0f  %7.1f  %6.0f%%", t, B, ours, gf, 100 * gf / *peak);
  if (torch > 0)
    printf("  %16.0f  %10.2fx\n", torch, ours / torch);
  else
    printf("  %16s  %11s\n", "-", "-");
  fflush(stdout);
  free_data(&d);
  ppo_free(&p);
}

/* Start one peer per thread count; returns how many started (0: ours only). */
static int start_peers(peer *peers, const char *script_opt, int avx512) {
  const char *script = find_script(script_opt);
  if (!script) {
    printf("torch: bench/torch_ppo.py not found (set D2M_SOURCE_ROOT or --torch-script); ours only\n");
    return 0;
  }
  if (access("/usr/bin/python3", X_OK) != 0) {
    printf("torch: /usr/bin/python3 missing; ours only\n");
    return 0;
  }
  for (int t = 1; t <= 2; t++) {
    if (peer_start(&peers[t - 1], script, t, avx512) != 0) {
      printf("torch: PyTorch not available (/usr/bin/python3 %s failed to start; install python3-torch, "
             "deploy/setup-debian.sh --bench); ours only\n", script);
      return t - 1;
    }
    printf("torch: %s (child env set by drl2move)\n", peers[t - 1].info + 5);
  }
  return 2;
}

int bench_learner(int argc, char **argv) {
  double secs = 1.5;
  int rounds = 3, use_torch = 1;
  const char *script_opt = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--seconds") && i + 1 < argc) secs = atof(argv[++i]);
    else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) rounds = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--no-torch")) use_torch = 0;
    else if (!strcmp(argv[i], "--torch-script") && i + 1 < argc) script_opt = argv[++i];
    else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) return usage(), 0;
    else return fprintf(stderr, "drl2move bench learner: unknown option '%s'\n", argv[i]), usage(), 2;
  }
  blis_info bi;
  blis_setup(1, 1, &bi); /* before any other BLIS call: selects skx where BLIS would pick haswell */
  signal(SIGPIPE, SIG_IGN);
  printf("drl2move bench learner: one PPO minibatch update (policy %d-%d-%d tanh -> %d + log-std, value "
         "%d-%d-%d tanh -> 1, clipped losses, grad-norm clip 0.5, Adam)\n", OBS, HID, HID, ACT, OBS, HID, HID);
  printf("ours : BLIS %s, kernels '%s' (BLIS_ARCH_TYPE=%s%s), AVX-512F %s; threads via bli_thread_set_num_threads\n",
         bi.version, bi.arch, bi.env_arch, bi.selected_skx ? ", set by drl2move at start-up" : "",
         bi.avx512f ? "yes" : "no");
  peer peers[2];
  memset(peers, 0, sizeof peers);
  if (use_torch) start_peers(peers, script_opt, bi.avx512f);
  print_load("before");
  double peak[3] = {0, sgemm_peak(1, 2048), sgemm_peak(2, 2048)};
  printf("best of %d interleaved rounds of >= %.1f s per side; of peak = GEMM GFLOP/s / best bli_sgemm 2048^3 "
         "GFLOP/s measured in this run (listed at the end)\n\n", rounds, secs);
  printf("threads  minibatch   ours samples/s  GFLOP/s  of peak   torch samples/s   ours/torch\n");
  cfg_t cfg;
  char hidden[48];
  d2m_err err;
  ac_config ac;
  snprintf(hidden, sizeof hidden, "nn.hidden=%d,%d", HID, HID);
  if (CFG_WITH(&cfg, &err, hidden, "nn.activation=tanh") || ac_config_from_cfg(&cfg, OBS, ACT, &ac, &err))
    D2M_FATAL("bench learner: %s", err.msg);
  ac_net net;
  ac_init(&net, &ac);
  for (int t = 1; t <= 2; t++)
    for (int k = 0; k < 2; k++) bench_row(&net, &peers[t - 1], t, k ? 4096 : 256, rounds, secs, &peak[t]);
  for (int t = 0; t < 2; t++) peer_stop(&peers[t]);
  printf("sgemm peak (best bli_sgemm 2048^3 of this run): %.1f GFLOP/s on 1 thread, %.1f on 2\n", peak[1], peak[2]);
  print_load("after");
  printf("\nGFLOP/s counts the GEMMs only (forward, dW, dX but the first layer's): %.2f GFLOP per 1000 samples.\n"
         "Targets (issue 5): >= 1.3x torch at minibatch 4096, >= 3x at 256, >= 70%% of the sgemm peak at 4096.\n",
         update_flops(&net, 1000) * 1e-9);
  return 0;
}
