/* nn/blis_util.h: BLIS configuration check at start-up.
 *
 * The Debian libblis (0.9, OpenMP build, x86_64 "fat" configuration) picks its kernels by cpuid.
 * These virtual CPUs hide their model, and BLIS falls back to 'haswell' (AVX2 kernels, about half
 * the sgemm speed) although AVX-512 is available. BLIS reads BLIS_ARCH_TYPE once, at its first use,
 * so the only safe moment to select 'skx' is before any other BLIS call: blis_setup() does that when
 * it runs first, the CPU and OS really support AVX-512F (cpuid + xgetbv), and the user did not set
 * BLIS_ARCH_TYPE. Otherwise it only warns, naming the fix.
 */
#ifndef D2M_BLIS_UTIL_H
#define D2M_BLIS_UTIL_H

#include <stddef.h>

typedef struct blis_info {
  int avx512f;          /* cpuid says AVX-512F and the OS saves zmm state (xgetbv) */
  int selected_skx;     /* blis_setup set BLIS_ARCH_TYPE=skx itself */
  int weak;             /* BLIS runs a weaker configuration than this CPU supports */
  const char *arch;     /* bli_arch_string(bli_arch_query_id()) */
  const char *env_arch; /* BLIS_ARCH_TYPE as seen after setup, or "(unset)" */
  const char *version;  /* bli_info_get_version_str() */
  int threads;          /* threads BLIS was told to use */
} blis_info;

/* Detect AVX-512F with cpuid/xgetbv (no BLIS call). */
int blis_cpu_has_avx512f(void);

/* Call once at start-up, before any other BLIS call (BLIS fixes its kernels at first use).
 * select_skx: set BLIS_ARCH_TYPE=skx when safe (AVX-512F present, variable not set by the user).
 * threads >= 1: bli_thread_set_num_threads(threads). Logs the configuration; warns when weak.
 * Fills *out when non-NULL. */
void blis_setup(int threads, int select_skx, blis_info *out);

/* Change the number of BLIS threads later (e.g. a benchmark sweeping 1 and 2). */
void blis_set_threads(int threads);

/* Run fn(ctx, tid, nthreads) on the threads BLIS currently uses (bli_thread_get_num_threads), in
 * libgomp's team, the one BLIS's OpenMP build already runs: element-wise passes between GEMMs then
 * use both cores without a second thread pool competing with BLIS's (spinning) workers. libgomp is
 * found at run time (dlsym); without it, or with one thread, fn runs once on the caller. */
typedef void (*blis_par_fn)(void *ctx, int tid, int nthreads);
void blis_parallel(blis_par_fn fn, void *ctx);
int blis_threads(void); /* threads BLIS uses now */
/* [*lo, *hi) of n items for thread tid of nt, in multiples of `align` items (last one takes the rest). */
void blis_split(size_t n, size_t align, int tid, int nt, size_t *lo, size_t *hi);

#endif
