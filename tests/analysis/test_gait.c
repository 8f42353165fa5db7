/* tests/analysis/test_gait.c: events and metrics on synthetic gait with known answers. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include <stdlib.h>

#include "analysis/gait.h"

#define DT 0.001

/* Half-sine vertical force pulses of amplitude A, stance s, period T, first HS at t0. */
static double pulse(double t, double t0, double T, double s, double A) {
  double u = fmod(t - t0 + 100 * T, T);
  return u < s ? A * sin(M_PI * u / s) : 0;
}

Test(gait, events_half_sine_known_crossings) {
  int n = 5000;
  double *t = malloc(n * sizeof *t), *f = malloc(n * sizeof *f), hs[16], to[16];
  double T = 1.0, s = 0.6, A = 800, th = 20, t0 = 0.25;
  for (int i = 0; i < n; i++) t[i] = i * DT, f[i] = pulse(t[i], t0, T, s, A);
  f[2000] = 500; /* a one-sample spike in swing (t = 2.0 s): the debounce must ignore it */
  int nhs, nto;
  gait_events(t, f, n, th, 0.02, hs, &nhs, to, &nto, 16);
  double d = s / M_PI * asin(th / A); /* the pulse crosses th this long after its start */
  cr_assert_eq(nhs, 5, "heel strikes %d", nhs);
  cr_assert_eq(nto, 5, "toe offs %d", nto);
  for (int k = 0; k < 5; k++) {
    cr_assert(fabs(hs[k] - (t0 + k * T + d)) < 2e-4, "HS %d at %g, expected %g", k, hs[k], t0 + k * T + d);
    cr_assert(fabs(to[k] - (t0 + k * T + s - d)) < 2e-4, "TO %d at %g", k, to[k]);
  }
  free(t), free(f);
}

typedef struct synth {
  int n;
  double *t, *fz[2], *fx[2], *fy[2], *knee, *ap[2];
} synth;

/* Walking at stride T with duty D; right HS at kT, left HS at kT + T/2. Each foot is planted at
 * k L (right) and k L + off L (left) during stance and moves by L during swing (cosine profile).
 * The path runs along direction ang. The knee angle is 30 sin(2 pi (t - kT)/T) deg. */
static synth make_gait(double T, double D, double L, double off, double ang, int ncyc) {
  synth g;
  g.n = (int)(ncyc * T / DT);
  g.t = malloc(g.n * sizeof(double));
  g.knee = malloc(g.n * sizeof(double));
  for (int s = 0; s < 2; s++)
    g.fz[s] = malloc(g.n * sizeof(double)), g.fx[s] = malloc(g.n * sizeof(double)),
    g.fy[s] = malloc(g.n * sizeof(double)), g.ap[s] = malloc(g.n * sizeof(double));
  for (int i = 0; i < g.n; i++) {
    double t = i * DT;
    g.t[i] = t;
    g.knee[i] = 30 * sin(2 * M_PI * t / T);
    for (int s = 0; s < 2; s++) {
      double ts = t - (s ? T / 2 : 0) + T; /* + T: the left foot's first cycle starts before 0 */
      double k = floor(ts / T), u = ts / T - k;
      double base = (k - 1) * L + (s ? off * L : 0), x;
      if (u < D) x = base, g.fz[s][i] = 1.0;
      else x = base + L * 0.5 * (1 - cos(M_PI * (u - D) / (1 - D))), g.fz[s][i] = 0.0;
      /* foot relative to the pelvis: most anterior at HS, most posterior at TO */
      g.ap[s][i] = u < D ? 0.3 * cos(M_PI * u / D) : -0.3 * cos(M_PI * (u - D) / (1 - D));
      g.fx[s][i] = x * cos(ang), g.fy[s][i] = x * sin(ang);
    }
  }
  return g;
}

static void free_gait(synth *g) {
  free(g->t), free(g->knee);
  for (int s = 0; s < 2; s++) free(g->fz[s]), free(g->fx[s]), free(g->fy[s]), free(g->ap[s]);
}

static int g_kinematic; /* analyse() with Zeni's kinematic events instead of force */

static void analyse(synth *g, gait_cycle *c, int *nc, gait_metrics *m) {
  gait_input in = {.n = g->n, .t = g->t, .thresh = 0.05, .min_s = 0.02, .events = g_kinematic ? GAIT_EVENTS_KINEMATIC : GAIT_EVENTS_FORCE};
  for (int s = 0; s < 2; s++)
    in.fz[s] = g->fz[s], in.foot_x[s] = g->fx[s], in.foot_y[s] = g->fy[s], in.ap[s] = g->ap[s];
  gait_analyse(&in, c, 64, nc, m);
}

#define NEAR(a, b, tol) cr_assert(fabs((a) - (b)) < (tol), #a " = %g, expected %g", (double)(a), (double)(b))

Test(gait, metrics_symmetric_known_answers) {
  double T = 1.1, D = 0.6, L = 1.4;
  synth g = make_gait(T, D, L, 0.5, 0.3, 8);
  gait_cycle c[64];
  int nc;
  gait_metrics m;
  analyse(&g, c, &nc, &m);
  cr_assert_geq(m.nkept[0], 6);
  cr_assert_geq(m.nkept[1], 6);
  for (int s = 0; s < 2; s++) {
    NEAR(m.stride_time[s], T, 1e-3);
    NEAR(m.stride_len[s], L, 1e-3);
    NEAR(m.stance_pct[s], 100 * D, 0.2);
    NEAR(m.swing_pct[s], 100 * (1 - D), 0.2);
    NEAR(m.step_len[s], L / 2, 1e-3);
    NEAR(m.step_time[s], T / 2, 1e-3);
  }
  NEAR(m.speed, L / T, 1e-3);
  NEAR(m.cadence, 120 / T, 0.1);
  NEAR(m.double_support_pct, 100 * 2 * (D - 0.5), 0.3);
  NEAR(m.si_step_len, 0, 0.1);
  NEAR(m.si_stance_time, 0, 0.5);
  /* knee curve over the normalised cycle: 30 sin(2 pi k/100), SD ~ 0 */
  double mean[GAIT_NPTS], sd[GAIT_NPTS];
  int used = gait_curve(g.t, g.knee, g.n, c, nc, 0, mean, sd);
  cr_assert_geq(used, 6);
  for (int k = 0; k < GAIT_NPTS; k++) {
    /* events are located to within one sample (1 ms = 0.17 deg of this curve at its steepest) */
    NEAR(mean[k], 30 * sin(2 * M_PI * k / 100.0), 0.2);
    cr_assert(sd[k] < 0.15, "sd[%d] = %g", k, sd[k]); /* same: event jitter of one sample */
  }
  free_gait(&g);
}

Test(gait, step_length_asymmetry_index) {
  double T = 1.0, L = 1.0;
  synth g = make_gait(T, 0.62, L, 0.4, 0, 8); /* left foot planted 0.4 L ahead of the right */
  gait_cycle c[64];
  int nc;
  gait_metrics m;
  analyse(&g, c, &nc, &m);
  NEAR(m.step_len[0], 0.6 * L, 1e-3);
  NEAR(m.step_len[1], 0.4 * L, 1e-3);
  NEAR(m.si_step_len, 100 * 0.2 / 0.5, 0.1);
  free_gait(&g);
}

Test(gait, outlier_cycle_dropped) {
  gait_cycle c[10];
  for (int i = 0; i < 10; i++) c[i] = (gait_cycle){i * 1.0, i * 1.0 + (i == 4 ? 1.6 : 1.0 + 0.01 * (i % 3)), i + 0.6, 0, 1};
  int kept = gait_drop_outliers(c, 10);
  cr_assert_eq(kept, 9);
  cr_assert_eq(c[4].keep, 0);
  c[2].to = NAN, c[2].keep = 1;
  gait_drop_outliers(c, 10);
  cr_assert_eq(c[2].keep, 0, "a cycle without toe off is not used");
}

Test(gait, zeni_kinematic_events_known_times_and_metrics) {
  double T = 1.1, D = 0.6, L = 1.4, hs[32], to[32];
  synth g = make_gait(T, D, L, 0.5, 0, 6);
  int nhs, nto;
  gait_events_zeni(g.t, g.ap[0], g.n, 0.05, hs, &nhs, to, &nto, 32);
  cr_assert_geq(nhs, 4);
  for (int k = 0; k < nhs; k++) {
    double want = round(hs[k] / T) * T;
    cr_assert(fabs(hs[k] - want) < 2e-4, "HS %d at %g, expected %g", k, hs[k], want);
  }
  for (int k = 0; k < nto; k++) {
    double want = (round(to[k] / T - D) + D) * T;
    cr_assert(fabs(to[k] - want) < 2e-4, "TO %d at %g, expected %g", k, to[k], want);
  }
  gait_cycle c[64];
  int nc;
  gait_metrics m;
  g_kinematic = 1;
  analyse(&g, c, &nc, &m);
  g_kinematic = 0;
  for (int s = 0; s < 2; s++) {
    NEAR(m.stride_time[s], T, 1e-3);
    NEAR(m.stance_pct[s], 100 * D, 0.1);
    NEAR(m.step_len[s], L / 2, 1e-3);
  }
  NEAR(m.double_support_pct, 20, 0.3);
  free_gait(&g);
}

/* Honest analysis (issue 15): walking passes the plausibility gate; a "gait" of 0.17-s strides (a
 * stand rollout that falls), a foot landing behind the other, or one foot stepping alone do not, with the
 * reason named. */
Test(gait, plausible_strides_only) {
  char why[512];
  gait_cycle c[64];
  int nc;
  gait_metrics m;
  synth g = make_gait(1.1, 0.6, 1.4, 0.5, 0.3, 6);
  analyse(&g, c, &nc, &m);
  cr_assert_eq(gait_plausible(c, nc, &m, why, sizeof why), 1, "walking: %s", why);
  free_gait(&g);
  g = make_gait(0.17, 0.6, 0.05, 0.5, 0.3, 12); /* shuffling at 700 steps/min */
  analyse(&g, c, &nc, &m);
  cr_assert_eq(gait_plausible(c, nc, &m, why, sizeof why), 0);
  cr_assert(strstr(why, "shorter than 0.5 s") && strstr(why, "stride length"), "%s", why);
  free_gait(&g);
  g = make_gait(1.1, 0.6, 1.4, 1.3, 0.3, 6); /* the right foot lands behind the left: negative step length */
  analyse(&g, c, &nc, &m);
  cr_assert_eq(gait_plausible(c, nc, &m, why, sizeof why), 0);
  cr_assert(strstr(why, "step length"), "%s", why);
  free_gait(&g);
  g = make_gait(1.1, 0.6, 1.4, 0.5, 0.3, 6);
  for (int i = 0; i < g.n; i++) g.fz[1][i] = 1.0; /* the left foot never lifts: no left heel strike */
  analyse(&g, c, &nc, &m);
  cr_assert_eq(gait_plausible(c, nc, &m, why, sizeof why), 0);
  cr_assert(strstr(why, "do not alternate"), "%s", why);
  free_gait(&g);
  memset(&m, 0, sizeof m);
  cr_assert_eq(gait_plausible(c, 0, &m, why, sizeof why), 0);
  cr_assert(strstr(why, "no complete stride"), "%s", why);
}
