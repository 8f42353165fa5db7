/* tests/analysis/test_emg.c: filter responses and the envelope of a signal with a known envelope. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "common/rng.h"
#include "analysis/emg.h"
#include "analysis/stats.h"

/* Amplitude (sqrt 2 RMS) of a filtered unit sinusoid over whole periods in the middle of the record. */
static double gain(double f, double fc, double fs, int hp) {
  int n = (int)(4 * fs);
  double *x = malloc(n * sizeof *x), s = 0;
  for (int i = 0; i < n; i++) x[i] = sin(2 * M_PI * f * i / fs);
  emg_filtfilt4(x, n, fc, fs, hp);
  int a = n / 4, m = n / 2;
  for (int i = a; i < a + m; i++) s += x[i] * x[i];
  free(x);
  return sqrt(2 * s / m);
}

Test(emg, butterworth_filtfilt_gains) {
  /* forward-backward 4th-order Butterworth: |H|^2 = 1/(1 + (f/fc)^8) */
  double fs = 1000;
  for (double f = 2; f <= 40; f *= 2) {
    double want = 1 / (1 + pow(f / 6, 8));
    cr_assert(fabs(gain(f, 6, fs, 0) - want) < 0.02, "low-pass at %g Hz: %g, expected %g", f, gain(f, 6, fs, 0), want);
  }
  double hp = gain(100, 20, fs, 1), hp_lo = gain(5, 20, fs, 1);
  cr_assert(fabs(hp - 1) < 0.01, "high-pass passes 100 Hz: %g", hp);
  cr_assert(hp_lo < 1e-3, "high-pass stops 5 Hz: %g", hp_lo);
}

Test(emg, envelope_of_modulated_noise) {
  /* raw = e(t) n(t), n white Gaussian: the envelope is proportional to e(t) = 1 + 0.8 sin(2 pi t). */
  double fs = 1000;
  int n = 6000;
  double *raw = malloc(n * sizeof *raw), *env = malloc(n * sizeof *env), *e = malloc(n * sizeof *e);
  rng_t r;
  rng_seed(&r, 7, 0, RNG_TEST, 0);
  for (int i = 0; i < n; i++) {
    e[i] = 1 + 0.8 * sin(2 * M_PI * i / fs);
    raw[i] = e[i] * rng_normal(&r) + 0.5 * sin(2 * M_PI * 1.5 * i / fs); /* + slow movement artefact */
  }
  emg_envelope(raw, n, fs, env);
  int a = 500, m = n - 1000; /* away from the edges */
  double rr = stats_pearson(env + a, e + a, m);
  cr_assert(rr > 0.97, "envelope vs e(t): r = %g", rr);
  /* amplitude: band-passed unit white noise keeps (450-20)/500 of its power; E|N(0,s)| = s sqrt(2/pi) */
  double ratio = 0;
  for (int i = a; i < a + m; i++) ratio += env[i] / e[i] / m;
  double want = sqrt(430.0 / 500) * sqrt(2 / M_PI);
  cr_assert(fabs(ratio - want) < 0.05, "envelope / e = %g, expected %g", ratio, want);
  emg_normalise_peak(env, n);
  double mx = 0;
  for (int i = 0; i < n; i++) mx = fmax(mx, env[i]);
  cr_assert(fabs(mx - 1) < 1e-12);
  free(raw), free(env), free(e);
}
