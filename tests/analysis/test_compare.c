/* tests/analysis/test_compare.c: `drl2move compare` on synthetic eval folders with known asymmetry (the
 * symmetry indices and differences must come out as constructed), a folder without gait, and the argv
 * checks of deploy/compare_cli.c. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/compare.h"
#include "analysis/stats.h"
#include "deploy/cli.h"
#include "tests/test_paths.h"

#define RATE 200.0

typedef struct walk {
  double T, L;           /* stride time (s), stride length (m) */
  double duty[2];        /* stance fraction of the cycle, right and left */
  double off;            /* the left foot is planted off*L ahead of the right's last position */
  double knee[2];        /* peak knee flexion in swing (deg), right and left */
  double exc[2];         /* soleus excitation in stance, right and left */
  int fall;              /* 1: both feet on the ground and the pelvis low (no gait) */
} walk;

/* A frames.csv as eval writes it (the columns compare reads): right heel strike at kT, left at kT + T/2;
 * feet planted during stance, moved by L with a cosine profile in swing; vertical GRF 1 BW in stance;
 * knee 0 in stance and knee * sin^2 over swing; soleus excitation exc in stance, 0 in swing. */
static void write_frames(const char *dir, const walk *w, int ncyc) {
  mkdir(dir, 0755);
  char p[512];
  snprintf(p, sizeof p, "%s/frames.csv", dir);
  FILE *f = fopen(p, "w");
  cr_assert(f);
  fprintf(f, "episode,step,time,root_x,root_y,root_z,foot_r_x,foot_r_y,foot_l_x,foot_l_y,grf_r_v,grf_l_v,"
             "q_hip_flexion_r,q_hip_flexion_l,q_knee_angle_r,q_knee_angle_l,q_ankle_angle_r,q_ankle_angle_l,"
             "exc_soleus_r,exc_soleus_l\n");
  int n = (int)(ncyc * w->T * RATE);
  for (int i = 0; i < n; i++) {
    double t = i / RATE, x[2], fz[2], knee[2], exc[2];
    for (int s = 0; s < 2; s++) {
      double ts = t - (s ? w->T / 2 : 0) + w->T, k = floor(ts / w->T), u = ts / w->T - k, D = w->duty[s];
      double base = (k - 1) * w->L + (s ? w->off * w->L : 0);
      if (u < D) x[s] = base, fz[s] = 1, knee[s] = 0, exc[s] = w->exc[s];
      else {
        double v = (u - D) / (1 - D);
        x[s] = base + w->L * 0.5 * (1 - cos(M_PI * v)), fz[s] = 0, exc[s] = 0;
        knee[s] = w->knee[s] * sin(M_PI * v) * sin(M_PI * v);
      }
      if (w->fall) x[s] = 0, fz[s] = 1, knee[s] = 0;
    }
    double rx = w->fall ? 0 : w->L * t / w->T, rz = w->fall ? 0.3 : 0.9;
    fprintf(f, "0,%d,%.6f,%.6f,0,%.3f,%.6f,0,%.6f,0,%g,%g,20,20,%.6f,%.6f,5,5,%g,%g\n", i, t, rx, rz, x[0], x[1],
            fz[0], fz[1], knee[0], knee[1], exc[0], exc[1]);
  }
  fclose(f);
}

static char g_tmp[256];

static void mk_tmp(void) {
  snprintf(g_tmp, sizeof g_tmp, "/tmp/d2m_compare_XXXXXX");
  cr_assert(mkdtemp(g_tmp));
}

/* compare.csv cell (metric, column), NaN if absent. */
static double cell(const stats_table *t, const char *metric, const char *col) {
  static const char *names[] = {"stance time", "swing time", "stance", "swing", "step length", "stride length",
                                "step time", "stride time", "peak knee flexion in swing", "speed", "cadence",
                                "double support", "time standing", "weight bearing", "mean excitation",
                                "ankle plantarflexor excitation", "tibialis anterior excitation",
                                "knee extensor excitation", "hip abductor excitation"};
  int j = stats_table_col(t, col);
  cr_assert(j >= 0, "no column %s in compare.csv", col);
  for (int i = 0; i < (int)(sizeof names / sizeof *names); i++)
    if (!strcmp(names[i], metric)) return t->data[(size_t)i * t->ncols + j];
  cr_assert_fail("no metric %s", metric);
  return NAN;
}

#define NEAR(a, b, tol) cr_assert(fabs((a) - (b)) < (tol), #a " = %g, expected %g", (double)(a), (double)(b))

Test(compare, symmetry_indices_and_differences_as_constructed) {
  mk_tmp();
  char a[300], b[300], c[300], out[300];
  snprintf(a, sizeof a, "%s/healthy", g_tmp), snprintf(b, sizeof b, "%s/hemi", g_tmp);
  snprintf(c, sizeof c, "%s/fall", g_tmp), snprintf(out, sizeof out, "%s/out", g_tmp);
  walk h = {.T = 1.1, .L = 1.2, .duty = {0.6, 0.6}, .off = 0.5, .knee = {60, 60}, .exc = {0.3, 0.3}};
  /* right (paretic): shorter stance, longer step, less knee flexion in swing, less soleus */
  walk p = {.T = 1.1, .L = 1.2, .duty = {0.55, 0.65}, .off = 0.4, .knee = {40, 60}, .exc = {0.1, 0.3}};
  walk fl = h;
  fl.fall = 1;
  write_frames(a, &h, 8), write_frames(b, &p, 8), write_frames(c, &fl, 8);
  cmp_opts o;
  compare_opts_default(&o);
  o.ndirs = 3, o.dirs[0] = a, o.dirs[1] = b, o.dirs[2] = c, o.out = out;
  cr_assert_eq(compare_run(&o), 0);
  char p_csv[400];
  snprintf(p_csv, sizeof p_csv, "%s/compare.csv", out);
  stats_table t;
  d2m_err err;
  cr_assert_eq(stats_table_read(p_csv, &t, &err), 0, "%s", err.msg);
  cr_assert_eq(t.nrows, 19);
  /* healthy: symmetric */
  NEAR(cell(&t, "stance time", "healthy_SI"), 0, 0.5);
  NEAR(cell(&t, "step length", "healthy_SI"), 0, 0.5);
  NEAR(cell(&t, "stance time", "healthy_R"), 0.6 * 1.1, 0.01);
  NEAR(cell(&t, "speed", "healthy_R"), 1.2 / 1.1, 0.01);
  NEAR(cell(&t, "cadence", "healthy_R"), 120 / 1.1, 0.5);
  NEAR(cell(&t, "peak knee flexion in swing", "healthy_R"), 60, 0.5);
  /* hemi: stance 0.55 T vs 0.65 T -> SI = 100 (0.55 - 0.65) / 0.6; steps 0.6 L (right) vs 0.4 L (left) -> SI 40 */
  NEAR(cell(&t, "stance time", "hemi_SI"), 100 * (0.55 - 0.65) / 0.6, 0.7);
  NEAR(cell(&t, "swing time", "hemi_SI"), 100 * (0.45 - 0.35) / 0.4, 1.0);
  NEAR(cell(&t, "step length", "hemi_R"), 0.6 * 1.2, 0.01);
  NEAR(cell(&t, "step length", "hemi_L"), 0.4 * 1.2, 0.01);
  NEAR(cell(&t, "step length", "hemi_SI"), 40, 0.5);
  NEAR(cell(&t, "peak knee flexion in swing", "hemi_R"), 40, 0.5);
  NEAR(cell(&t, "peak knee flexion in swing", "hemi_SI"), 100 * (40 - 60) / 50.0, 1.0);
  /* differences: hemi - healthy per side */
  NEAR(cell(&t, "step length", "hemi-healthy_R"), 0.1 * 1.2, 0.01);
  NEAR(cell(&t, "step length", "hemi-healthy_L"), -0.1 * 1.2, 0.01);
  NEAR(cell(&t, "peak knee flexion in swing", "hemi-healthy_R"), -20, 0.5);
  NEAR(cell(&t, "stance time", "hemi-healthy_L"), 0.05 * 1.1, 0.01);
  /* the fall: no gait, NaN metrics, and the others still compared */
  cr_assert(isnan(cell(&t, "stance time", "fall_R")));
  cr_assert(isnan(cell(&t, "speed", "fall-healthy_R")));
  stats_table_free(&t);
  FILE *f = fopen(p_csv, "r");
  char line[1024];
  int said = 0;
  while (fgets(line, sizeof line, f))
    if (!strncmp(line, "# fall:", 7) && strstr(line, "no gait")) said = 1;
  fclose(f);
  cr_assert(said, "compare.csv does not say the fall folder has no gait");
  /* the curves: the soleus excitation in stance is as constructed (right 0.1, left 0.3 at 20 % of the cycle) */
  snprintf(p_csv, sizeof p_csv, "%s/compare_excitation.csv", out);
  cr_assert_eq(stats_table_read(p_csv, &t, &err), 0, "%s", err.msg);
  cr_assert_eq(t.nrows, GAIT_NPTS);
  NEAR(t.data[20 * t.ncols + stats_table_col(&t, "hemi_soleus_r")], 0.1, 1e-6);
  NEAR(t.data[20 * t.ncols + stats_table_col(&t, "hemi_soleus_l")], 0.3, 1e-6);
  cr_assert(isnan(t.data[20 * t.ncols + stats_table_col(&t, "fall_soleus_r")]));
  stats_table_free(&t);
  snprintf(p_csv, sizeof p_csv, "%s/report.html", out);
  cr_assert_eq(access(p_csv, R_OK), 0);
  char cmd[1000];
  snprintf(cmd, sizeof cmd, "grep -q 'no gait' %s && grep -q 'SI = 100 (R - L)' %s", p_csv, p_csv);
  cr_assert_eq(system(cmd), 0, "report.html lacks the no-gait note or the SI formula");
  snprintf(cmd, sizeof cmd, "rm -rf %s", g_tmp);
  system(cmd);
}

Test(compare, labels_and_argv_checked) {
  mk_tmp();
  char a[300], b[300], out[300];
  snprintf(a, sizeof a, "%s/a", g_tmp), snprintf(b, sizeof b, "%s/b", g_tmp), snprintf(out, sizeof out, "%s/o", g_tmp);
  walk h = {.T = 1.0, .L = 1.0, .duty = {0.6, 0.6}, .off = 0.5, .knee = {50, 50}, .exc = {0.2, 0.2}};
  write_frames(a, &h, 5), write_frames(b, &h, 5);
  char why[160];
  cr_assert_eq(compare_label_ok("healthy_1.0", why, sizeof why), 0);
  cr_assert_eq(compare_label_ok("has space", why, sizeof why), -1);
  cr_assert(strstr(why, "' '"), "%s", why);
  cr_assert_eq(compare_label_ok("", why, sizeof why), -1);
  char l1[] = "x,y,z", l2[] = "x,y", l3[] = "x,b'ad";
  char *argv1[] = {"compare", a, b, "--out", out, "--labels", l1, NULL};
  cr_assert_eq(compare_cli(7, argv1), 2, "3 labels for 2 folders must be refused");
  char *argv2[] = {"compare", a, "--out", out, NULL};
  cr_assert_eq(compare_cli(4, argv2), 2, "one folder must be refused");
  char *argv3[] = {"compare", a, b, NULL};
  cr_assert_eq(compare_cli(3, argv3), 2, "no --out must be refused");
  char *argv4[] = {"compare", a, b, "--out", out, "--labels", l3, NULL};
  cr_assert_eq(compare_cli(7, argv4), 2, "a label with a quote must be refused");
  char missing[320];
  snprintf(missing, sizeof missing, "%s/none", g_tmp);
  char *argv5[] = {"compare", a, missing, "--out", out, NULL};
  cr_assert_eq(compare_cli(5, argv5), 1, "a folder without frames.csv is an error");
  char *argv6[] = {"compare", a, b, "--out", out, "--labels", l2, NULL};
  cr_assert_eq(compare_cli(7, argv6), 0);
  char p[400];
  snprintf(p, sizeof p, "%s/compare.csv", out);
  stats_table t;
  d2m_err err;
  cr_assert_eq(stats_table_read(p, &t, &err), 0, "%s", err.msg);
  cr_assert(stats_table_col(&t, "y-x_R") >= 0 && stats_table_col(&t, "x_SI") >= 0);
  stats_table_free(&t);
  char cmd[400];
  snprintf(cmd, sizeof cmd, "rm -rf %s", g_tmp);
  system(cmd);
}

/* End to end through the binary: the default gait played back without and with the hemiparetic subject.
 * A playback prescribes the kinematics, so both folders must give the same gait (the subject changes the
 * muscles, not the reference), the default gait is nearly symmetric, and its speed is about 1 m/s. */
Test(compare, playback_healthy_vs_subject_end_to_end) {
  const char *bin = getenv("D2M_BIN");
  if (!bin) cr_skip_test("D2M_BIN not set (run through meson test)");
  char subject[1024];
  test_source_path(subject, sizeof subject, "configs/subjects/hemiparetic_r.subject");
  mk_tmp();
  char cmd[3072];
  snprintf(cmd, sizeof cmd,
           "cd %s && %s eval --playback --out h > log 2>&1 && %s eval --playback --out s "
           "--set env.subject=%s >> log 2>&1 && "
           "%s compare h s --out c --labels healthy,hemi --events kinematic >> log 2>&1",
           g_tmp, bin, bin, subject, bin);
  cr_assert_eq(system(cmd), 0, "%s failed (see %s/log)", cmd, g_tmp);
  char p[400];
  snprintf(p, sizeof p, "%s/c/compare.csv", g_tmp);
  stats_table t;
  d2m_err err;
  cr_assert_eq(stats_table_read(p, &t, &err), 0, "%s", err.msg);
  NEAR(cell(&t, "speed", "healthy_R"), 1.0, 0.05);
  cr_assert(fabs(cell(&t, "step length", "healthy_SI")) < 5, "default gait step-length SI %g",
            cell(&t, "step length", "healthy_SI"));
  NEAR(cell(&t, "stance time", "hemi-healthy_R"), 0, 1e-9);
  NEAR(cell(&t, "peak knee flexion in swing", "hemi-healthy_L"), 0, 1e-9);
  cr_assert(cell(&t, "peak knee flexion in swing", "healthy_R") > 50, "knee in swing %g",
            cell(&t, "peak knee flexion in swing", "healthy_R"));
  stats_table_free(&t);
  snprintf(p, sizeof p, "%s/c/compare_kinematics.png", g_tmp);
  cr_assert_eq(access(p, R_OK), 0, "no kinematics picture");
  snprintf(cmd, sizeof cmd, "rm -rf %s", g_tmp);
  system(cmd);
}

/* A quiet-standing frames.csv: episodes of the given lengths (frames at RATE, time from 0 as eval writes it),
 * vertical GRF r and l (both 0 in the first frame of each episode: no load, left out of the shares),
 * soleus, gasmed and tibant excitations per side. */
static void write_stand(const char *dir, const int *len, int neps, const double grf[2], const double sol[2],
                        const double ta[2]) {
  mkdir(dir, 0755);
  char p[512];
  snprintf(p, sizeof p, "%s/frames.csv", dir);
  FILE *f = fopen(p, "w");
  cr_assert(f);
  fprintf(f, "episode,step,time,root_x,root_y,root_z,foot_r_x,foot_r_y,foot_l_x,foot_l_y,grf_r_v,grf_l_v,"
             "exc_soleus_r,exc_soleus_l,exc_gasmed_r,exc_gasmed_l,exc_tibant_r,exc_tibant_l\n");
  for (int e = 0; e < neps; e++)
    for (int i = 0; i < len[e]; i++)
      fprintf(f, "%d,%d,%.6f,0,0,0.9,0,-0.1,0,0.1,%g,%g,%g,%g,%g,%g,%g,%g\n", e, i, i / RATE, i ? grf[0] : 0,
              i ? grf[1] : 0, sol[0], sol[1], sol[0], sol[1], ta[0], ta[1]);
  fclose(f);
}

/* Standing measures as constructed: time standing is the mean episode length, the load shares leave out
 * frames without load, the muscle groups average their muscles, and the SIs and differences follow. */
Test(compare, standing_measures_as_constructed) {
  mk_tmp();
  char a[300], b[300], out[300], p_csv[400];
  snprintf(a, sizeof a, "%s/healthy", g_tmp), snprintf(b, sizeof b, "%s/hemi", g_tmp), snprintf(out, sizeof out, "%s/out", g_tmp);
  int la[2] = {400, 400}, lb[2] = {200, 600};
  write_stand(a, la, 2, (double[2]){0.5, 0.5}, (double[2]){0.1, 0.1}, (double[2]){0.05, 0.05});
  write_stand(b, lb, 2, (double[2]){0.3, 0.7}, (double[2]){0.04, 0.12}, (double[2]){0.02, 0.06});
  cmp_opts o;
  compare_opts_default(&o);
  o.ndirs = 2, o.dirs[0] = a, o.dirs[1] = b, o.out = out;
  cr_assert_eq(compare_run(&o), 0);
  snprintf(p_csv, sizeof p_csv, "%s/compare.csv", out);
  stats_table t;
  d2m_err err;
  cr_assert_eq(stats_table_read(p_csv, &t, &err), 0, "%s", err.msg);
  NEAR(cell(&t, "time standing", "healthy_R"), 2.0, 1e-9);
  NEAR(cell(&t, "time standing", "hemi_R"), (1.0 + 3.0) / 2, 1e-9);
  NEAR(cell(&t, "weight bearing", "healthy_SI"), 0, 1e-9);
  NEAR(cell(&t, "weight bearing", "hemi_R"), 30, 1e-9);
  NEAR(cell(&t, "weight bearing", "hemi_L"), 70, 1e-9);
  NEAR(cell(&t, "weight bearing", "hemi_SI"), 100 * (30 - 70) / 50.0, 1e-9);
  NEAR(cell(&t, "weight bearing", "hemi-healthy_R"), -20, 1e-9);
  NEAR(cell(&t, "ankle plantarflexor excitation", "hemi_R"), 0.04, 1e-12);
  NEAR(cell(&t, "tibialis anterior excitation", "hemi_L"), 0.06, 1e-12);
  NEAR(cell(&t, "mean excitation", "hemi_R"), (0.04 + 0.04 + 0.02) / 3, 1e-6); /* %.6g in compare.csv */
  cr_assert(isnan(cell(&t, "knee extensor excitation", "hemi_R")), "no knee extensor columns: NaN");
  cr_assert(isnan(cell(&t, "stance time", "hemi_R")), "standing has no gait");
  stats_table_free(&t);
  /* the course over time: at step 299 only the hemi folder's long episode stands */
  snprintf(p_csv, sizeof p_csv, "%s/compare_stand.csv", out);
  cr_assert_eq(stats_table_read(p_csv, &t, &err), 0, "%s", err.msg);
  cr_assert_eq(t.nrows, 600);
  int jr = stats_table_col(&t, "hemi_load_r"), jt = stats_table_col(&t, "time_s");
  cr_assert(jr >= 0 && jt >= 0);
  NEAR(t.data[299 * t.ncols + jt], 299 / RATE, 1e-9);
  NEAR(t.data[299 * t.ncols + jr], 30, 1e-9);
  cr_assert(isnan(t.data[0 * t.ncols + jr]), "the first step has no load in either episode");
  stats_table_free(&t);
}
