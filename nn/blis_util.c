/* nn/blis_util.c: see blis_util.h. */
#include "nn/blis_util.h"

#include <blis.h>
#include <cpuid.h>
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

int blis_cpu_has_avx512f(void) {
  unsigned a, b, c, d;
  if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
  if (!(c & (1u << 27))) return 0; /* OSXSAVE: xgetbv usable */
  unsigned lo, hi;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  (void)hi;
  /* XCR0 bits 1,2 (SSE, AVX) and 5,6,7 (opmask, ZMM_Hi256, Hi16_ZMM) must be enabled by the OS. */
  if ((lo & 0xe6u) != 0xe6u) return 0;
  if (__get_cpuid_max(0, NULL) < 7) return 0;
  __cpuid_count(7, 0, a, b, c, d);
  return (b >> 16) & 1u; /* AVX512F */
}

void blis_setup(int threads, int select_skx, blis_info *out) {
  blis_info info;
  memset(&info, 0, sizeof info);
  info.avx512f = blis_cpu_has_avx512f();
  const char *env = getenv("BLIS_ARCH_TYPE");
  if (select_skx && info.avx512f && (!env || !*env)) {
    /* Only effective if BLIS has not been used yet in this process; checked below. */
    setenv("BLIS_ARCH_TYPE", "skx", 1);
    info.selected_skx = 1;
  }
  env = getenv("BLIS_ARCH_TYPE");
  info.env_arch = env && *env ? env : "(unset)";
  /* BLIS 0.9.0 checks BLIS_ARCH_TYPE against its table of contexts, which bli_init() fills: querying
   * the arch first aborts ("Accessed uninitialized context in gks"). It also parses the value with
   * atoi, so "skx" works only because atoi("skx") == 0 == BLIS_ARCH_SKX (any word selects skx). */
  bli_init();
  arch_t id = bli_arch_query_id();
  info.arch = bli_arch_string(id);
  if (env && *env && strcmp(env, "skx") != 0 && strspn(env, "0123456789") != strlen(env))
    LOG_W("BLIS_ARCH_TYPE='%s' is not a number; BLIS %s parses it with atoi and runs '%s' kernels", env,
          bli_info_get_version_str(), info.arch);
  info.version = bli_info_get_version_str();
  /* Configurations with AVX-512 sgemm kernels in BLIS 0.9's x86_64 family. */
  int has512 = id == BLIS_ARCH_SKX || id == BLIS_ARCH_KNL;
  info.weak = info.avx512f && !has512;
  if (threads >= 1) bli_thread_set_num_threads(threads);
  info.threads = threads >= 1 ? threads : (int)bli_thread_get_num_threads();
  if (info.weak)
    LOG_W("BLIS %s uses the '%s' kernels but this CPU has AVX-512F: sgemm runs at about half speed. "
          "Fix: export BLIS_ARCH_TYPE=skx before starting (BLIS reads it once, at first use)%s",
          info.version, info.arch,
          info.selected_skx ? "; setting it here came too late, BLIS was already initialised" : "");
  else
    LOG_SETUP("BLIS %s: kernels '%s' (BLIS_ARCH_TYPE=%s%s), AVX-512F %s, %d thread(s)", info.version, info.arch,
          info.env_arch, info.selected_skx ? ", set at start-up" : "", info.avx512f ? "yes" : "no", info.threads);
  if (out) *out = info;
}

void blis_set_threads(int threads) {
  D2M_CHECK(threads >= 1, "BLIS thread count must be >= 1");
  bli_thread_set_num_threads(threads);
}

/* ---- element-wise parallelism in BLIS's OpenMP team ---- */

/* libgomp's entry points (the calls GCC emits for `#pragma omp parallel`); looked up, not linked, so
 * the project needs no OpenMP flags and runs serially where BLIS is not the OpenMP build. */
typedef void (*gomp_parallel_t)(void (*fn)(void *), void *data, unsigned nthreads, unsigned flags);
typedef int (*omp_int_t)(void);
static gomp_parallel_t g_gomp_parallel;
static omp_int_t g_omp_thread_num, g_omp_num_threads;
static int g_par_state; /* 0 unknown, 1 available, -1 not */

typedef struct par_job {
  blis_par_fn fn;
  void *ctx;
} par_job;

static void par_trampoline(void *data) {
  par_job *j = data;
  j->fn(j->ctx, g_omp_thread_num(), g_omp_num_threads()); /* the team libgomp actually formed */
}

int blis_threads(void) {
  dim_t n = bli_thread_get_num_threads();
  return n >= 1 ? (int)n : 1;
}

void blis_parallel(blis_par_fn fn, void *ctx) {
  int nt = blis_threads();
  if (g_par_state == 0) {
    g_gomp_parallel = (gomp_parallel_t)dlsym(RTLD_DEFAULT, "GOMP_parallel");
    g_omp_thread_num = (omp_int_t)dlsym(RTLD_DEFAULT, "omp_get_thread_num");
    g_omp_num_threads = (omp_int_t)dlsym(RTLD_DEFAULT, "omp_get_num_threads");
    g_par_state = g_gomp_parallel && g_omp_thread_num && g_omp_num_threads ? 1 : -1;
  }
  if (nt <= 1 || g_par_state < 0) {
    fn(ctx, 0, 1);
    return;
  }
  par_job j = {fn, ctx};
  g_gomp_parallel(par_trampoline, &j, (unsigned)nt, 0);
}

void blis_split(size_t n, size_t align, int tid, int nt, size_t *lo, size_t *hi) {
  size_t chunk = (n / (size_t)nt + align - 1) / align * align;
  *lo = chunk * (size_t)tid;
  *hi = tid == nt - 1 ? n : *lo + chunk;
  if (*lo > n) *lo = n;
  if (*hi > n) *hi = n;
}
