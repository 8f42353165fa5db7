/* envs/motion/tools/fit_gait.c: fit the embedded default gait (envs/motion/gait_default.c).
 *
 *   fit_gait IK.mot MODEL.xml OUT.c
 *
 * Source data: OpenSim gait2354 example, subject01_walk1_ik.mot (opensim-org/opensim-models,
 * Pipelines/Gait2354_Simbody @ 20a888b9; Delp et al. 2007, IEEE TBME 54(11):1940, OpenSim), 60 Hz,
 * 0.4-1.6 s, treadmill walking. Method:
 *  1. Gait period: walking is left/right symmetric with a half-cycle delay, so the period is twice
 *     the delay h that best maps the right hip/knee/ankle curves onto the left ones
 *     (least squares over the overlap, h on the sample grid, refined by a parabola).
 *  2. Per coordinate, least-squares fit of mean + GAIT_NHARM harmonics of that period to the samples
 *     of the first period of the trial (normal equations, Gaussian elimination with pivoting).
 *  3. Speed: the trial is on a treadmill; the belt speed is the median horizontal speed of the lower
 *     calcaneus (the stance foot) after forward kinematics through MODEL (refmotion, no treadmill).
 * Run by hand (not at build time); the .mot file is never committed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/motion/gait_default.h"
#include "envs/motion/mot.h"
#include "envs/motion/refmotion.h"

#define NB (2 * GAIT_NHARM + 1)

static double sym_err(const mot_table *t, int shift) {
  static const char *pairs[][2] = {{"hip_flexion_r", "hip_flexion_l"}, {"knee_angle_r", "knee_angle_l"},
                                   {"ankle_angle_r", "ankle_angle_l"}};
  double e = 0;
  int n = 0;
  for (int p = 0; p < 3; p++) {
    int cr = mot_col(t, pairs[p][0]), cl = mot_col(t, pairs[p][1]);
    if (cr < 0 || cl < 0) continue;
    for (int i = 0; i + shift < t->nrows; i++) {
      double a = mot_at(t, i + shift, cl) - mot_at(t, i, cr), b = mot_at(t, i + shift, cr) - mot_at(t, i, cl);
      e += a * a + b * b;
      n += 2;
    }
  }
  return n ? e / n : INFINITY;
}

static int solve(double *A, double *b, int n) {
  for (int c = 0; c < n; c++) {
    int p = c;
    for (int r = c + 1; r < n; r++)
      if (fabs(A[r * n + c]) > fabs(A[p * n + c])) p = r;
    if (fabs(A[p * n + c]) < 1e-12) return -1;
    for (int k = 0; k < n; k++) {
      double tmp = A[c * n + k];
      A[c * n + k] = A[p * n + k];
      A[p * n + k] = tmp;
    }
    double tb = b[c];
    b[c] = b[p];
    b[p] = tb;
    for (int r = 0; r < n; r++) {
      if (r == c) continue;
      double f = A[r * n + c] / A[c * n + c];
      for (int k = c; k < n; k++) A[r * n + k] -= f * A[c * n + k];
      b[r] -= f * b[c];
    }
  }
  for (int c = 0; c < n; c++) b[c] /= A[c * n + c];
  return 0;
}

static void basis(double t, double T, double *phi) {
  phi[0] = 1;
  for (int k = 1; k <= GAIT_NHARM; k++) {
    phi[k] = cos(2 * M_PI * k * t / T);
    phi[GAIT_NHARM + k] = sin(2 * M_PI * k * t / T);
  }
}

static double estimate_speed(const char *model_path, const char *mot_path) {
  char msg[1000];
  mjModel *m = mj_loadXML(model_path, NULL, msg, sizeof msg);
  if (!m) {
    fprintf(stderr, "fit_gait: %s: %s\n", model_path, msg);
    exit(1);
  }
  mot_table t;
  d2m_err err;
  if (mot_read(mot_path, &t, &err)) {
    fprintf(stderr, "fit_gait: %s\n", err.msg);
    exit(1);
  }
  refmotion_opts o;
  refmotion_opts_init(&o, 1.0 / 60.0);
  o.track = "calcn_r,calcn_l";
  refmotion r;
  if (refmotion_from_mot(&r, m, &t, &o, &err)) {
    fprintf(stderr, "fit_gait: %s\n", err.msg);
    exit(1);
  }
  double *v = calloc((size_t)r.nframes, sizeof *v);
  int n = 0;
  for (int k = 2; k < r.nframes - 2; k++) {
    const double *x = r.xpos + (size_t)k * 6, *xv = r.xvel + (size_t)k * 6;
    int s = x[2] < x[5] ? 0 : 3;
    if (fabs(x[2] - x[5]) < 0.02) continue; /* double support or unclear: skip */
    v[n++] = hypot(xv[s], xv[s + 1]);
  }
  for (int i = 1; i < n; i++)
    for (int j = i; j > 0 && v[j - 1] > v[j]; j--) {
      double tmp = v[j];
      v[j] = v[j - 1];
      v[j - 1] = tmp;
    }
  double med = n ? v[n / 2] : 0;
  free(v);
  refmotion_free(&r);
  mot_free(&t);
  mj_deleteModel(m);
  return med;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: fit_gait IK.mot MODEL.xml OUT.c\n");
    return 2;
  }
  mot_table t;
  d2m_err err;
  if (mot_read(argv[1], &t, &err)) {
    fprintf(stderr, "fit_gait: %s\n", err.msg);
    return 1;
  }
  double dts = mot_at(&t, 1, 0) - mot_at(&t, 0, 0);
  int best = -1;
  double e[1024] = {0};
  for (int s = (int)(0.35 / dts); s < t.nrows && s < 1024 && s <= (int)(0.7 / dts); s++) {
    e[s] = sym_err(&t, s);
    if (best < 0 || e[s] < e[best]) best = s;
  }
  double frac = 0;
  if (best > 0 && best + 1 < t.nrows && e[best - 1] > 0 && e[best + 1] > 0) {
    double den = e[best - 1] - 2 * e[best] + e[best + 1];
    if (den > 0) frac = 0.5 * (e[best - 1] - e[best + 1]) / den;
  }
  double T = 2 * (best + frac) * dts, t0 = mot_at(&t, 0, 0);
  /* The example trial (1.2 s) is slightly shorter than its cycle: the least-squares fit bridges a
   * gap of up to 0.1 s at the seam; anything longer means the period estimate is wrong. */
  if (t0 + T > mot_at(&t, t.nrows - 1, 0) + 0.1) {
    fprintf(stderr, "fit_gait: period %.3f s is longer than the trial\n", T);
    return 1;
  }
  double speed = estimate_speed(argv[2], argv[1]);
  FILE *f = fopen(argv[3], "w");
  if (!f) {
    perror(argv[3]);
    return 1;
  }
  fprintf(f, "/* envs/motion/gait_default.c: GENERATED by envs/motion/tools/fit_gait; do not edit.\n"
             " * Fourier coefficients of one gait cycle, fitted to the OpenSim gait2354 example trial\n"
             " * subject01_walk1_ik.mot (opensim-org/opensim-models, Pipelines/Gait2354_Simbody @ 20a888b9;\n"
             " * Delp et al. 2007, IEEE TBME 54(11):1940). Period from left/right symmetry (%.4f s), speed from\n"
             " * the stance-foot speed through the MyoLegs model (%.4f m/s). Degrees for angles, metres for\n"
             " * translations, OpenSim sign conventions. */\n"
             "#include \"envs/motion/gait_default.h\"\n\nstatic const gait_coord k_coord[] = {\n", T, speed);
  int ncoord = 0;
  for (int c = 1; c < t.ncols; c++) {
    double A[NB * NB] = {0}, b[NB] = {0}, phi[NB];
    int n = 0;
    for (int i = 0; i < t.nrows; i++) {
      double ti = mot_at(&t, i, 0) - t0;
      if (ti >= T - 1e-9) break;
      basis(ti, T, phi);
      for (int r = 0; r < NB; r++) {
        b[r] += phi[r] * mot_at(&t, i, c);
        for (int k = 0; k < NB; k++) A[r * NB + k] += phi[r] * phi[k];
      }
      n++;
    }
    if (n < NB || solve(A, b, NB)) {
      fprintf(stderr, "fit_gait: cannot fit '%s' (%d samples)\n", t.names[c], n);
      return 1;
    }
    fprintf(f, "    {\"%s\", %.6g,\n     {", t.names[c], b[0]);
    for (int k = 1; k <= GAIT_NHARM; k++) fprintf(f, "%.6g%s", b[k], k < GAIT_NHARM ? ", " : "},\n     {");
    for (int k = 1; k <= GAIT_NHARM; k++) fprintf(f, "%.6g%s", b[GAIT_NHARM + k], k < GAIT_NHARM ? ", " : "}},\n");
    ncoord++;
  }
  fprintf(f, "};\n\nconst gait_fourier gait_default = {\n    %.6f, %.6f, %d, k_coord,\n"
             "    \"OpenSim gait2354 subject01_walk1_ik.mot (opensim-org/opensim-models @ 20a888b9), Delp et al. 2007\"};\n",
          T, speed, ncoord);
  fclose(f);
  fprintf(stderr, "fit_gait: period %.4f s, speed %.4f m/s, %d coordinates -> %s\n", T, speed, ncoord, argv[3]);
  mot_free(&t);
  return 0;
}
