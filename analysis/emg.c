/* analysis/emg.c: see emg.h. */
#include "analysis/emg.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

emg_biquad emg_biquad_design(double fc, double fs, double q, int highpass) {
  /* Bilinear transform of H(s) = 1/(s^2 + s/q + 1) (or s^2/(...)) with s pre-warped so that the
   * digital cutoff is exactly fc: K = tan(pi fc / fs). */
  double K = tan(M_PI * fc / fs), K2 = K * K, norm = 1.0 / (1.0 + K / q + K2);
  emg_biquad b;
  if (highpass) b.b0 = norm, b.b1 = -2 * norm, b.b2 = norm;
  else b.b0 = K2 * norm, b.b1 = 2 * K2 * norm, b.b2 = K2 * norm;
  b.a1 = 2 * (K2 - 1) * norm;
  b.a2 = (1 - K / q + K2) * norm;
  return b;
}

/* Direct form II transposed, one pass, in place. */
static void biquad_run(const emg_biquad *b, double *x, int n) {
  double z1 = 0, z2 = 0;
  for (int i = 0; i < n; i++) {
    double in = x[i], out = b->b0 * in + z1;
    z1 = b->b1 * in - b->a1 * out + z2;
    z2 = b->b2 * in - b->a2 * out;
    x[i] = out;
  }
}

static void reverse(double *x, int n) {
  for (int i = 0, j = n - 1; i < j; i++, j--) {
    double t = x[i];
    x[i] = x[j], x[j] = t;
  }
}

void emg_filtfilt4(double *x, int n, double fc, double fs, int highpass) {
  if (n < 2) return;
  /* Odd reflection about each end point: continues value and slope, so no step at the edges. */
  int pad = n - 1 < 3 * (int)(fs / fc) ? n - 1 : 3 * (int)(fs / fc);
  if (pad > 3000) pad = 3000;
  int m = n + 2 * pad;
  double *y = xmalloc((size_t)m * sizeof(double));
  for (int i = 0; i < pad; i++) {
    y[i] = 2 * x[0] - x[pad - i];
    y[pad + n + i] = 2 * x[n - 1] - x[n - 2 - i];
  }
  memcpy(y + pad, x, (size_t)n * sizeof(double));
  const double q[2] = {1.0 / (2 * sin(M_PI / 8)), 1.0 / (2 * sin(3 * M_PI / 8))};
  for (int pass = 0; pass < 2; pass++) {
    for (int k = 0; k < 2; k++) {
      emg_biquad b = emg_biquad_design(fc, fs, q[k], highpass);
      biquad_run(&b, y, m);
    }
    reverse(y, m);
  }
  memcpy(x, y + pad, (size_t)n * sizeof(double));
  free(y);
}

void emg_envelope(const double *raw, int n, double fs, double *env) {
  if (env != raw) memcpy(env, raw, (size_t)n * sizeof(double));
  emg_filtfilt4(env, n, EMG_HP_HZ, fs, 1);
  if (EMG_BP_HI_HZ < 0.5 * fs) emg_filtfilt4(env, n, EMG_BP_HI_HZ, fs, 0);
  for (int i = 0; i < n; i++) env[i] = fabs(env[i]);
  emg_filtfilt4(env, n, EMG_ENV_HZ, fs, 0);
  for (int i = 0; i < n; i++) /* the low-pass of a rectified signal rings slightly below 0 at sharp onsets */
    if (env[i] < 0) env[i] = 0;
}

void emg_normalise_peak(double *x, int n) {
  double mx = 0;
  for (int i = 0; i < n; i++)
    if (x[i] > mx) mx = x[i];
  if (mx > 0)
    for (int i = 0; i < n; i++) x[i] /= mx;
}
