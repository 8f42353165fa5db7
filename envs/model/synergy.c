/* envs/model/synergy.c: the synergy file of a subject (loss of selective motor control, see
 * model.h): read with file:line errors, written back in the same format.
 *
 *   # muscle  w1    w2    w3          (any text after '#' is a comment)
 *   soleus    0.9   0.1   0
 *   tibant    0     0.05  0.8
 *   ...                                (every muscle of the side once, names without _r / _l) */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "envs/model/model.h"

#define SIDE_N (MODEL_NMUSCLE / 2)

/* Index within the side (0..39) of the muscle `base` + suffix, or -1. */
static int side_index(const char *base, int side) {
  char name[96];
  if (strlen(base) > sizeof name - 3) return -1;
  snprintf(name, sizeof name, "%.90s%s", base, side ? "_l" : "_r");
  int i = model_muscle_index(name);
  return i < 0 ? -1 : i - side * SIDE_N;
}

/* Reads one data line's weights; returns the count, or -1 with err set. */
static int parse_weights(char *p, double *w, const char *path, int line, const char *name, d2m_err *err) {
  int k = 0;
  for (;;) {
    while (isspace((unsigned char)*p)) p++;
    if (!*p) return k;
    if (k == MODEL_SYN_MAX) return err_set(err, "%s:%d: %s: more than %d synergies", path, line, name, MODEL_SYN_MAX);
    char *end;
    errno = 0;
    double x = strtod(p, &end);
    if (end == p || errno || !(isspace((unsigned char)*end) || !*end))
      return err_set(err, "%s:%d: %s: weight %d is not a number", path, line, name, k + 1);
    if (!(x >= 0 && isfinite(x)))
      return err_set(err, "%s:%d: %s: weight %d = %g, weights must be finite and >= 0", path, line, name, k + 1, x);
    w[k++] = x;
    p = end;
  }
}

/* Full column rank: Gram matrix W'W positive definite (Cholesky with a relative pivot floor). */
static int full_rank(double w[][MODEL_SYN_MAX], int k) {
  double g[MODEL_SYN_MAX][MODEL_SYN_MAX] = {{0}};
  for (int a = 0; a < k; a++)
    for (int b = 0; b < k; b++)
      for (int i = 0; i < SIDE_N; i++) g[a][b] += w[i][a] * w[i][b];
  for (int j = 0; j < k; j++) {
    double diag = g[j][j];
    for (int p = 0; p < j; p++) diag -= g[j][p] * g[j][p];
    if (!(diag > 1e-12 * (g[j][j] > 0 ? g[j][j] : 1)) || !(g[j][j] > 0)) return 0;
    g[j][j] = sqrt(diag);
    for (int i = j + 1; i < k; i++) {
      double x = g[i][j];
      for (int p = 0; p < j; p++) x -= g[i][p] * g[j][p];
      g[i][j] = x / g[j][j];
    }
  }
  return 1;
}

static int read_lines(FILE *f, const char *path, model_subject *s, double w[][MODEL_SYN_MAX], int *k, d2m_err *err) {
  int seen[SIDE_N] = {0}, line = 0;
  char buf[1024];
  *k = 0;
  while (fgets(buf, sizeof buf, f)) {
    line++;
    if (!strchr(buf, '\n') && !feof(f)) return err_set(err, "%s:%d: line longer than %zu bytes", path, line, sizeof buf - 2);
    char *hash = strchr(buf, '#');
    if (hash) *hash = 0;
    char *p = buf;
    while (isspace((unsigned char)*p)) p++;
    if (!*p) continue;
    char *name = p;
    while (*p && !isspace((unsigned char)*p)) p++;
    if (*p) *p++ = 0;
    int i = side_index(name, s->syn_side);
    if (i < 0) return err_set(err, "%s:%d: '%s': no such muscle on the %s side", path, line, name, s->syn_side ? "left" : "right");
    if (seen[i]) return err_set(err, "%s:%d: %s: listed twice (first on line %d)", path, line, name, seen[i]);
    seen[i] = line;
    int n = parse_weights(p, w[i], path, line, name, err);
    if (n < 0) return -1;
    if (n == 0) return err_set(err, "%s:%d: %s: no weights", path, line, name);
    if (*k && n != *k) return err_set(err, "%s:%d: %s: %d weights, earlier lines have %d", path, line, name, n, *k);
    *k = n;
  }
  if (ferror(f)) return err_set(err, "%s: read error: %s", path, strerror(errno));
  for (int i = 0; i < SIDE_N; i++)
    if (!seen[i]) {
      const char *nm = model_muscle_name(i + s->syn_side * SIDE_N);
      return err_set(err, "%s: muscle %.*s missing (every muscle of the side needs a line)", path, (int)strlen(nm) - 2, nm);
    }
  return 0;
}

int model_synergy_load(const char *path, model_subject *s, d2m_err *err) {
  FILE *f = fopen(path, "r");
  if (!f) return err_set(err, "%s: cannot open: %s", path, strerror(errno));
  double w[SIDE_N][MODEL_SYN_MAX] = {{0}};
  int k = 0, rc = read_lines(f, path, s, w, &k, err);
  fclose(f);
  if (rc) return rc;
  if (!full_rank(w, k)) return err_set(err, "%s: the %d synergies are linearly dependent (or one is all zero)", path, k);
  memcpy(s->syn_w, w, sizeof w);
  s->syn_k = k;
  return 0;
}

int model_synergy_write(const char *path, const model_subject *s, d2m_err *err) {
  FILE *f = fopen(path, "w");
  if (!f) return err_set(err, "%s: cannot write: %s", path, strerror(errno));
  fprintf(f, "# synergy weights of the %s side: muscle (without _r/_l), then %d weights >= 0\n",
          s->syn_side ? "left" : "right", s->syn_k);
  for (int i = 0; i < SIDE_N; i++) {
    const char *nm = model_muscle_name(i + s->syn_side * SIDE_N);
    fprintf(f, "%.*s", (int)strlen(nm) - 2, nm);
    for (int j = 0; j < s->syn_k; j++) fprintf(f, " %.17g", s->syn_w[i][j]);
    fputc('\n', f);
  }
  int bad = ferror(f);
  if (fclose(f) || bad) return err_set(err, "%s: write error", path);
  return 0;
}

/* Euclidean NMF by multiplicative updates (Lee & Seung 2001, "Algorithms for non-negative matrix
 * factorization", NIPS 13): X [SIDE_N x n] ~ W [SIDE_N x k] H [k x n], W's columns scaled to a
 * largest weight of 1 after every sweep. Deterministic start (a fixed splitmix64 sequence). */
#define NMF_EPS 1e-12
static void nmf_sweep(const double *X, double *W, double *H, int n, int k, double *num, double *den) {
  for (int j = 0; j < k; j++) /* H <- H (W'X) / (W'W H) */
    for (int t = 0; t < n; t++) {
      double a = 0, b = 0;
      for (int i = 0; i < SIDE_N; i++) {
        double wh = 0;
        for (int p = 0; p < k; p++) wh += W[i * k + p] * H[p * n + t];
        a += W[i * k + j] * X[i * n + t];
        b += W[i * k + j] * wh;
      }
      num[j * n + t] = a, den[j * n + t] = b;
    }
  for (int q = 0; q < k * n; q++) H[q] *= num[q] / (den[q] + NMF_EPS);
  for (int i = 0; i < SIDE_N; i++) /* W <- W (X H') / (W H H') */
    for (int j = 0; j < k; j++) {
      double a = 0, b = 0;
      for (int t = 0; t < n; t++) {
        double wh = 0;
        for (int p = 0; p < k; p++) wh += W[i * k + p] * H[p * n + t];
        a += X[i * n + t] * H[j * n + t];
        b += wh * H[j * n + t];
      }
      W[i * k + j] *= a / (b + NMF_EPS);
    }
  for (int j = 0; j < k; j++) { /* scale: W's column max 1, H's row takes the factor */
    double mx = 0;
    for (int i = 0; i < SIDE_N; i++) mx = W[i * k + j] > mx ? W[i * k + j] : mx;
    if (!(mx > 0)) continue;
    for (int i = 0; i < SIDE_N; i++) W[i * k + j] /= mx;
    for (int t = 0; t < n; t++) H[j * n + t] *= mx;
  }
}

int model_synergy_fit(model_subject *s, const double *act, int n, int stride, int k, int iters, double *vaf,
                      d2m_err *err) {
  if (k < 1 || k > MODEL_SYN_MAX) return err_set(err, "synergies: k = %d outside 1..%d", k, MODEL_SYN_MAX);
  if (n < k) return err_set(err, "synergies: %d frames, fewer than the %d synergies", n, k);
  double *X = malloc(sizeof(double) * (size_t)SIDE_N * n), *H = malloc(sizeof(double) * (size_t)k * n);
  double *num = malloc(sizeof(double) * (size_t)k * n), *den = malloc(sizeof(double) * (size_t)k * n);
  double W[SIDE_N * MODEL_SYN_MAX], xx = 0, mean = 0;
  D2M_CHECK(X && H && num && den, "out of memory fitting synergies");
  for (int i = 0; i < SIDE_N; i++)
    for (int t = 0; t < n; t++) {
      double x = act[(size_t)t * stride + s->syn_side * SIDE_N + i];
      if (!(x >= 0 && isfinite(x))) x = 0; /* excitations are non-negative; a bad sample counts as 0 */
      X[i * n + t] = x, xx += x * x, mean += x;
    }
  mean /= (double)SIDE_N * n;
  uint64_t z = 0x5eed5eedULL;
  for (int q = 0; q < SIDE_N * k; q++) W[q] = 0.1 + 0.9 * (double)(rng_splitmix64(&z) >> 11) / 9007199254740992.0;
  for (int q = 0; q < k * n; q++) H[q] = mean * (0.1 + 0.9 * (double)(rng_splitmix64(&z) >> 11) / 9007199254740992.0);
  for (int it = 0; it < iters; it++) nmf_sweep(X, W, H, n, k, num, den);
  double rr = 0;
  for (int i = 0; i < SIDE_N; i++)
    for (int t = 0; t < n; t++) {
      double wh = 0;
      for (int p = 0; p < k; p++) wh += W[i * k + p] * H[p * n + t];
      rr += (X[i * n + t] - wh) * (X[i * n + t] - wh);
    }
  free(X), free(H), free(num), free(den);
  *vaf = xx > 0 ? 1 - rr / xx : 0;
  double w[SIDE_N][MODEL_SYN_MAX] = {{0}};
  for (int i = 0; i < SIDE_N; i++)
    for (int j = 0; j < k; j++) w[i][j] = W[i * k + j] > 1e-9 ? W[i * k + j] : 0; /* multiplicative updates only approach 0 */
  if (!full_rank(w, k)) return err_set(err, "synergies: the %d fitted synergies are linearly dependent (fewer would do)", k);
  memcpy(s->syn_w, w, sizeof w);
  s->syn_k = k;
  return 0;
}
