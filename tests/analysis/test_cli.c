/* tests/analysis/test_cli.c: `drl2move analyze` end to end on a synthetic eval folder with known
 * answers: gait metrics, and an EMG envelope CSV that is the model's excitation 5 % of the cycle
 * later (the time-shift check must find +5 and r = 1). The binary comes from D2M_BIN. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "analysis/stats.h"
#include "tests/analysis/eval_fixture.h"

#define T 1.0  /* stride time (s) */
#define D 0.6  /* duty factor */
#define L 1.2  /* stride length (m) */

/* One test's folder: /tmp/d2m_test_NAME, emptied, with the binary under test from D2M_BIN. */
typedef struct {
  const char *bin;
  char dir[128], cmd[1536];
} cli_fixture;

static cli_fixture cli_setup(const char *name) {
  cli_fixture fx = {getenv("D2M_BIN"), "", ""};
  if (!fx.bin) cr_skip_test("D2M_BIN not set (run through meson test)");
  snprintf(fx.dir, sizeof fx.dir, "/tmp/d2m_test_%s", name);
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf %s && mkdir -p %s", fx.dir, fx.dir);
  cr_assert_eq(system(cmd), 0, "%s", cmd);
  return fx;
}

/* DIR/NAME opened for writing; the test fails when it cannot be. */
static FILE *cli_create(const char *dir, const char *name) {
  char p[256];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  cr_assert(f, "cannot write %s", p);
  return f;
}

/* Runs `BIN ARGS >DIR/LOG 2>&1` (ARGS printf-style); its wait status. The command line stays in
 * fx->cmd for the messages. */
static int cli_exec(cli_fixture *fx, const char *log, const char *args, ...) {
  char a[1024];
  va_list ap;
  va_start(ap, args);
  vsnprintf(a, sizeof a, args, ap);
  va_end(ap);
  snprintf(fx->cmd, sizeof fx->cmd, "%s %s >%s/%s 2>&1", fx->bin, a, fx->dir, log);
  return system(fx->cmd);
}

/* cli_exec where the command must succeed: a non-zero exit fails the test, naming the log. */
#define CLI_RUN(fx, log, ...) \
  cr_assert_eq(cli_exec((fx), (log), __VA_ARGS__), 0, "%s failed (see %s/%s)", (fx)->cmd, (fx)->dir, (log))

/* The whole of PATH (printf-style) as a string, in one buffer shared by the tests (the next call
 * overwrites it); the test fails when the file cannot be opened. */
static const char *cli_read(const char *path, ...) {
  static char text[1 << 21];
  char p[256];
  va_list ap;
  va_start(ap, path);
  vsnprintf(p, sizeof p, path, ap);
  va_end(ap);
  FILE *f = fopen(p, "r");
  cr_assert(f, "cannot read %s", p);
  size_t n = fread(text, 1, sizeof text - 1, f);
  text[n] = 0;
  fclose(f);
  return text;
}

/* 8 s at 100 Hz of walking along +x: feet planted during stance, half-cycle apart. */
static void write_frames(const char *dir) {
  FILE *f = cli_create(dir, "frames.csv");
  fprintf(f, "episode,step,time,root_x,root_y,foot_r_x,foot_r_y,foot_l_x,foot_l_y,grf_r_ap,grf_r_v,grf_l_ap,grf_l_v,"
             "q_knee_angle_r,exc_tibant_r\n");
  for (int i = 0; i < 800; i++) {
    double t = i * 0.01, x[2], fz[2];
    for (int s = 0; s < 2; s++) {
      double ts = t - (s ? T / 2 : 0) + T, k = floor(ts / T), u = ts / T - k, base = (k - 1) * L + (s ? L / 2 : 0);
      x[s] = u < D ? base : base + L * 0.5 * (1 - cos(M_PI * (u - D) / (1 - D)));
      fz[s] = u < D ? sin(M_PI * u / D) + 0.2 : 0; /* > threshold through stance */
    }
    double ur = fmod(t, T) / T;
    fprintf(f, "0,%d,%.4f,%.5f,0,%.5f,-0.1,%.5f,0.1,0,%.4f,0,%.4f,%.4f,%.5f\n", i, t, L / T * t, x[0], x[1], fz[0], fz[1],
            30 * sin(2 * M_PI * ur), 0.5 + 0.4 * sin(2 * M_PI * ur));
  }
  fclose(f);
}

static double metric(const stats_table *t, int row, const char *col) {
  return t->data[(size_t)row * t->ncols + stats_table_col(t, col)];
}

Test(cli, analyze_synthetic_gait_and_shifted_emg, .timeout = 60) {
  cli_fixture fx = cli_setup("analyze_cli");
  const char *dir = fx.dir;
  char p[256];
  write_frames(dir);
  FILE *f = cli_create(dir, "emg.csv");
  fprintf(f, "time,TA_R\n");
  for (int i = 0; i <= 1000; i++) fprintf(f, "%.4f,%.6f\n", i * 1e-3, 0.5 + 0.4 * sin(2 * M_PI * (i * 1e-3 - 0.05)));
  fclose(f);
  f = cli_create(dir, "emg.map");
  fprintf(f, "# envelope CSV channel = model muscle\nTA_R = tibant_r\ncycle = 0 1\n");
  fclose(f);
  CLI_RUN(&fx, "log", "analyze %s --emg %s/emg.csv --emg-map %s/emg.map --out %s/an", dir, dir, dir, dir);
  stats_table t;
  d2m_err err;
  snprintf(p, sizeof p, "%s/an/metrics.csv", dir);
  cr_assert_eq(stats_table_read(p, &t, &err), 0, "%s", err.msg);
  /* rows: see an_gait; metric names hold spaces, so look rows up by position */
  cr_assert(fabs(metric(&t, 2, "right") - T) < 0.01, "stride time %g", metric(&t, 2, "right"));
  cr_assert(fabs(metric(&t, 4, "left") - L) < 0.01, "stride length %g", metric(&t, 4, "left"));
  cr_assert(fabs(metric(&t, 7, "right") - 100 * D) < 1.5, "stance %g", metric(&t, 7, "right"));
  cr_assert(fabs(metric(&t, 9, "right") - L / T) < 0.01, "speed %g", metric(&t, 9, "right"));
  stats_table_free(&t);
  /* the report table carries r and the best shift; emg.csv the curves */
  const char *html = cli_read("%s/an/report.html", dir);
  const char *row = strstr(html, "<td>TA_R</td><td>tibant_r</td>");
  cr_assert(row, "EMG row missing");
  int ec, mc, shift;
  double r0, rs;
  cr_assert_eq(sscanf(row, "<td>TA_R</td><td>tibant_r</td><td>%d</td><td>%d</td><td>%lf</td><td>%d</td><td>%lf", &ec, &mc,
                      &r0, &shift, &rs), 5, "row: %.200s", row);
  /* The heel strikes come from a 100 Hz force signal: located to within a sample (1 % of the cycle),
   * here 0.75 % early, so the EMG lags the model's cycle curve by 4.25 %. */
  cr_assert(shift == 4 || shift == 5, "EMG 5 %% later than the excitation: shift %d", shift);
  cr_assert(rs > 0.995, "r at the best shift %g", rs);
  cr_assert(fabs(r0 - cos(2 * M_PI * 0.0425)) < 0.01, "r at zero shift %g, expected cos(2 pi 0.0425)", r0);
  for (const char *pic = "kinematics\0grf\0heatmap\0emg\0"; *pic; pic += strlen(pic) + 1) {
    snprintf(p, sizeof p, "%s/an/%s.csv", dir, pic);
    cr_assert(fopen(p, "r") != NULL, "%s missing", p);
  }
}

/* Numeric options are parsed whole and range-checked; the error names the option (exit 2). */
Test(cli, analyze_numeric_options_strict) {
  cli_fixture fx = cli_setup("analyze_opts");
  struct {
    const char *opt, *val, *want;
  } bad[] = {{"--threshold", "0.05bw", "--threshold '0.05bw' is not a number"},
             {"--threshold", "0", "--threshold 0 outside (0..2]"},
             {"--debounce", "-1", "--debounce -1 outside [0..2]"},
             {"--grf-rate", "fast", "--grf-rate 'fast' is not a number"},
             {"--grf-body-weight", "700N", "--grf-body-weight '700N' is not a number"}};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    int st = cli_exec(&fx, "log", "analyze /tmp %s %s", bad[k].opt, bad[k].val);
    const char *text = cli_read("%s/log", fx.dir);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "%s %s: status %d: %s", bad[k].opt, bad[k].val, st, text);
    cr_assert(strstr(text, bad[k].want), "%s %s: got '%s'", bad[k].opt, bad[k].val, text);
  }
}

/* Honest analysis (issue 15): a stand rollout that falls (feet tapping every 0.17 s, pelvis dropping)
 * gives "No gait" and no metric; EMG from a Motion Analysis .anc without any cycle gives no r, with
 * the reason next to it, instead of one whole-record "cycle". */
Test(cli, analyze_falling_stand_is_no_gait_and_anc_emg_without_cycles, .timeout = 60) {
  cli_fixture fx = cli_setup("analyze_nogait");
  const char *dir = fx.dir;
  FILE *f = cli_create(dir, "frames.csv");
  fprintf(f, "episode,step,time,root_x,root_y,root_z,foot_r_x,foot_r_y,foot_l_x,foot_l_y,grf_r_ap,grf_r_v,grf_l_ap,grf_l_v,"
             "q_knee_angle_r,exc_tibant_r\n");
  for (int i = 0; i < 150; i++) { /* 1.5 s: small shuffles, then the pelvis sinks */
    double t = i * 0.01, u = fmod(t, 0.17) / 0.17, z = t < 1.0 ? 0.92 : 0.92 - 0.8 * (t - 1.0);
    fprintf(f, "0,%d,%.4f,0,0,%.4f,%.4f,-0.1,%.4f,0.1,0,%.3f,0,%.3f,%.3f,0.1\n", i, t, z, -0.01 * t, 0.01 * t,
            u < 0.5 ? 0.6 : 0.0, u >= 0.3 && u < 0.8 ? 0.6 : 0.0, 10 * u);
  }
  fclose(f);
  f = cli_create(dir, "emg.anc");
  fprintf(f, "File_Type:\tAnalog R/C ASCII\tGeneration#:\t2\nBoard_Type:\tNational Instruments\tPolarity:\tBipolar\n"
             "Trial_Name:\temg\tTrial#:\t1\tDuration(Sec.):\t0.999\t#Channels:\t1\nBitDepth:\t16\tPreciseRate:\t1000.000\n\n\n\n\n"
             "Name\tR TA\nRate\t1000\nRange\t10000\n");
  for (int i = 0; i < 1000; i++) fprintf(f, "%.3f\t%d\n", i * 1e-3, (int)(8000 * sin(2 * M_PI * 80 * i * 1e-3)));
  fclose(f);
  f = cli_create(dir, "emg.map");
  fprintf(f, "R TA = tibant_r\n");
  fclose(f);
  CLI_RUN(&fx, "log", "analyze %s --emg %s/emg.anc --emg-map %s/emg.map --out %s/an", dir, dir, dir, dir);
  const char *html = cli_read("%s/an/report.html", dir);
  cr_assert(strstr(html, "No gait: "), "the report says there is no gait");
  cr_assert(!strstr(html, "<td>cadence</td>"), "no gait metric is reported");
  cr_assert(strstr(html, "<td>R TA</td><td>tibant_r</td><td>0</td>"), "the .anc channel is read, with 0 EMG cycles");
  cr_assert(strstr(html, "nan (no gait cycle in the EMG record"), "the nan has its reason");
  html = cli_read("%s/an/metrics.csv", dir);
  cr_assert(strstr(html, "no gait,"), "metrics.csv: %s", html);
}

/* "No gait" on a real rollout (issue 15): a fresh stand policy run by `drl2move eval` for 3 s of MuJoCo
 * physics with the fall termination off, so the body collapses on the floor; analyze must say "No gait"
 * with its reason and report no gait metric. */
Test(cli, analyze_real_falling_stand_rollout_is_no_gait, .timeout = 180) {
  cli_fixture fx = cli_setup("analyze_realfall");
  const char *dir = fx.dir;
  char p[256], ck[256];
  snprintf(ck, sizeof ck, "%s/fresh.d2m", dir);
  write_fresh_checkpoint(ck, "stand");
  CLI_RUN(&fx, "eval.log", "eval --checkpoint %s --out %s/ev --max-steps 90 --deterministic --seed 1 "
          "--set env.fall_height_frac=0 --set env.fall_tilt_deg=180", ck, dir);
  /* the rollout is real and the body does fall: 90 control steps, the pelvis ends far below its start */
  stats_table t;
  d2m_err err = {{0}};
  snprintf(p, sizeof p, "%s/ev/frames.csv", dir);
  cr_assert_eq(stats_table_read(p, &t, &err), 0, "%s", err.msg);
  cr_assert_eq(t.nrows, 90, "frames.csv rows: %d", t.nrows);
  double z0 = metric(&t, 0, "root_z"), z1 = metric(&t, t.nrows - 1, "root_z");
  cr_log_info("fresh stand policy: pelvis height %.3f m -> %.3f m in %.2f s", z0, z1, metric(&t, t.nrows - 1, "time"));
  cr_assert_lt(z1, 0.7 * z0, "the body does not fall (pelvis %.3f -> %.3f m)", z0, z1);
  stats_table_free(&t);
  CLI_RUN(&fx, "an.log", "analyze %s/ev --out %s/an", dir, dir);
  const char *html = cli_read("%s/an/report.html", dir);
  const char *ng = strstr(html, "No gait: ");
  cr_assert(ng, "the report says there is no gait");
  cr_assert(ng[9] != '.' && ng[9] != ' ', "the reason follows 'No gait: '");
  cr_log_info("report: %.160s", ng);
  static const char *metrics[] = {"<td>cadence</td>", "<td>stride time</td>", "<td>step length</td>", "<td>speed</td>"};
  for (int i = 0; i < 4; i++) cr_assert(!strstr(html, metrics[i]), "a gait metric is reported: %s", metrics[i]);
  html = cli_read("%s/an/metrics.csv", dir);
  cr_assert(strstr(html, "no gait,,,\"") && !strstr(html, "cadence"), "metrics.csv: %s", html);
}

/* An OpenSim ExternalLoads GRF .mot is a reference GRF (issue 15): two plates, one stance each
 * (overground), 700 N; the report names the layout and the stances, and the GRF table is filled. */
Test(cli, analyze_opensim_externalloads_grf_reference, .timeout = 60) {
  cli_fixture fx = cli_setup("analyze_grfmot");
  const char *dir = fx.dir;
  char p[256];
  write_frames(dir);
  FILE *f = cli_create(dir, "grf.mot");
  fprintf(f, "grf.mot\nversion=1\nnRows=301\nnColumns=19\ninDegrees=yes\nendheader\ntime");
  for (int s = 0; s < 2; s++)
    fprintf(f, "\t%sground_force_vx\t%sground_force_vy\t%sground_force_vz\t%sground_force_px\t%sground_force_py\t"
               "%sground_force_pz", s ? "1_" : "", s ? "1_" : "", s ? "1_" : "", s ? "1_" : "", s ? "1_" : "", s ? "1_" : "");
  for (int s = 0; s < 2; s++) fprintf(f, "\t%sground_torque_x\t%sground_torque_y\t%sground_torque_z", s ? "1_" : "", s ? "1_" : "", s ? "1_" : "");
  fputc('\n', f);
  for (int i = 0; i <= 300; i++) { /* 100 Hz; plate 1 loaded 0.2-0.8 s, plate 2 0.7-1.3 s */
    double t = i * 0.01, v[2], x[2];
    for (int s = 0; s < 2; s++) {
      double u = (t - 0.2 - 0.5 * s) / 0.6;
      v[s] = u > 0 && u < 1 ? 700 * (0.2 + sin(M_PI * u)) : 0;
      x[s] = u > 0 && u < 1 ? -100 * sin(2 * M_PI * u) : 0; /* braking then propulsion */
    }
    fprintf(f, "%.3f", t);
    for (int s = 0; s < 2; s++) fprintf(f, "\t%.4f\t%.4f\t0\t0.5\t0\t0.1", x[s], v[s]);
    fprintf(f, "\t0\t0\t0\t0\t0\t0\n");
  }
  fclose(f);
  CLI_RUN(&fx, "log", "analyze %s --grf %s/grf.mot --grf-body-weight 700 --out %s/an", dir, dir, dir);
  const char *html = cli_read("%s/an/report.html", dir);
  cr_assert(strstr(html, "OpenSim ExternalLoads layout, 2 force vectors"), "the layout is recognised");
  cr_assert(strstr(html, "2 complete stances"), "one stance per plate");
  cr_assert(strstr(html, "<td>vertical</td><td>right</td>"), "the GRF comparison table is filled");
  stats_table t;
  d2m_err err;
  snprintf(p, sizeof p, "%s/an/grf.csv", dir);
  cr_assert_eq(stats_table_read(p, &t, &err), 0, "%s", err.msg);
  int rv = stats_table_col(&t, "ref_v_mean");
  cr_assert_geq(rv, 0);
  double peak = 0;
  for (int i = 0; i < t.nrows; i++) peak = fmax(peak, t.data[(size_t)i * t.ncols + rv]);
  cr_assert(fabs(peak - 1.2) < 0.02, "reference vertical peak %g BW, expected 1.2", peak);
  stats_table_free(&t);
}
