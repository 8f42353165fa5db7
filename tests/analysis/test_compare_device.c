/* tests/analysis/test_compare_device.c: the energy and device rows of `drl2move compare`
 * (analysis/compare_device.h) on synthetic eval folders with known summary.json and muscle_energy.csv:
 * the values and differences must come out as written, a folder without a device has NaN device rows,
 * the per-episode blocks inside "episodes" must not be taken for the means, and folders without any
 * energy output get no such rows. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "analysis/compare.h"
#include "analysis/stats.h"

static char g_dir[256];

/* A standing frames.csv (no gait: compare still runs) and, when met_power > 0, summary.json and
 * muscle_energy.csv with the given values; dev_pos < 0: "device": null. */
static void folder(const char *name, double met_power, double cot, double sol_r, double sol_l, double dev_pos,
                   double dev_peak) {
  char d[400], p[500];
  snprintf(d, sizeof d, "%s/%s", g_dir, name);
  mkdir(d, 0755);
  snprintf(p, sizeof p, "%s/frames.csv", d);
  FILE *f = fopen(p, "w");
  cr_assert(f);
  fputs("episode,step,time,root_x,root_y,root_z,foot_r_x,foot_r_y,foot_l_x,foot_l_y,grf_r_v,grf_l_v\n", f);
  for (int i = 0; i < 400; i++) fprintf(f, "0,%d,%.4f,0,0,0.9,0,-0.1,0,0.1,0.5,0.5\n", i, i * 0.005);
  fclose(f);
  if (!(met_power > 0)) return;
  snprintf(p, sizeof p, "%s/summary.json", d);
  f = fopen(p, "w");
  /* an episode's own block first, with other numbers: compare must read the means at the top level */
  fprintf(f, "{\n  \"task\": \"stand\",\n  \"episodes\": [\n    {\"return\": 1, \"metabolic\": {\"energy_J\": 5, "
             "\"mean_power_W\": 999, \"cot_J_per_kg_m\": 999}, \"device\": [{\"actuator\": \"exo_ankle_r\", "
             "\"work_pos_J\": 999, \"work_neg_J\": 999, \"peak_torque_Nm\": 999}]}\n  ],\n");
  fprintf(f, "  \"metabolic\": {\"mean_power_W\": %g, \"cot_J_per_kg_m\": %g, \"cot_net_J_per_kg_m\": null, "
             "\"energy_per_stride_J\": null, \"plantarflexor_activation\": 0.2, \"model\": \"Umberger et al. 2003\"},\n",
          met_power, cot);
  if (dev_pos < 0) fputs("  \"device\": null,\n", f);
  else fprintf(f, "  \"device\": {\"work_pos_J\": %g, \"work_neg_J\": -3, \"peak_torque_Nm\": %g},\n", dev_pos, dev_peak);
  fputs("  \"posture\": null\n}\n", f);
  fclose(f);
  snprintf(p, sizeof p, "%s/muscle_energy.csv", d);
  f = fopen(p, "w");
  fputs("episode,muscle,mean_power_W,energy_J\n", f);
  /* two episodes: the group's power is the mean over them of the sum of its muscles */
  for (int ep = 0; ep < 2; ep++) {
    double e = ep ? 1.5 : 0.5; /* scales averaging to 1 */
    fprintf(f, "%d,soleus_r,%g,1\n%d,gasmed_r,%g,1\n%d,soleus_l,%g,1\n", ep, e * sol_r / 2, ep, e * sol_r / 2, ep,
            e * sol_l);
    fprintf(f, "%d,vaslat_r,%g,1\n%d,vaslat_l,%g,1\n", ep, 4.0, ep, 4.0);
  }
  fclose(f);
}

/* compare.csv value of row `metric`, column `col`; NaN when the row is absent. */
static double value(const char *metric, const char *col) {
  char p[400], line[4096];
  snprintf(p, sizeof p, "%s/out/compare.csv", g_dir);
  stats_table t;
  d2m_err err;
  cr_assert_eq(stats_table_read(p, &t, &err), 0, "%s", err.msg);
  int j = stats_table_col(&t, col), row = -1, i = 0;
  cr_assert(j >= 0, "no column %s", col);
  FILE *f = fopen(p, "r");
  while (fgets(line, sizeof line, f)) {
    if (line[0] == '#' || !strncmp(line, "metric,", 7)) continue;
    size_t n = strlen(metric);
    if (!strncmp(line, metric, n) && line[n] == ',') row = i;
    i++;
  }
  fclose(f);
  double v = row < 0 ? NAN : t.data[(size_t)row * t.ncols + j];
  stats_table_free(&t);
  return v;
}

#define NEAR(a, b) cr_assert(fabs((a) - (b)) < 1e-9, #a " = %g, expected %g", (double)(a), (double)(b))

static cmp_opts opts(const char *a, const char *b) {
  static char da[400], db[400], out[400];
  snprintf(da, sizeof da, "%s/%s", g_dir, a), snprintf(db, sizeof db, "%s/%s", g_dir, b);
  snprintf(out, sizeof out, "%s/out", g_dir);
  cmp_opts o;
  compare_opts_default(&o);
  o.ndirs = 2, o.dirs[0] = da, o.dirs[1] = db, o.out = out;
  return o;
}

Test(compare_device, with_and_without_device_as_written) {
  snprintf(g_dir, sizeof g_dir, "/tmp/d2m_cmpdev_XXXXXX");
  cr_assert(mkdtemp(g_dir));
  folder("plain", 300, 3.5, 40, 30, -1, 0);
  folder("exo", 270, 3.1, 24, 30, 12, 55);
  cmp_opts o = opts("plain", "exo");
  cr_assert_eq(compare_run(&o), 0);
  NEAR(value("metabolic power", "plain_R"), 300);
  NEAR(value("metabolic power", "exo_R"), 270);
  NEAR(value("metabolic power", "exo-plain_R"), -30);
  cr_assert(isnan(value("metabolic power", "exo-plain_L")), "whole-body value has no left column");
  NEAR(value("cost of transport", "exo-plain_R"), 3.1 - 3.5);
  cr_assert(isnan(value("net cost of transport", "exo_R")), "null must read as NaN");
  NEAR(value("device positive work", "exo_R"), 12);
  NEAR(value("device negative work", "exo_R"), -3);
  NEAR(value("device peak torque", "exo_R"), 55);
  cr_assert(isnan(value("device peak torque", "plain_R")), "no device: NaN");
  cr_assert(isnan(value("device positive work", "exo-plain_R")));
  /* plantarflexors: soleus + gasmed right (mean over the episodes), soleus left */
  NEAR(value("muscle power: ankle plantarflexors", "plain_R"), 40);
  NEAR(value("muscle power: ankle plantarflexors", "plain_L"), 30);
  NEAR(value("muscle power: ankle plantarflexors", "exo-plain_R"), -16);
  NEAR(value("muscle power: ankle plantarflexors", "exo-plain_L"), 0);
  cr_assert(fabs(value("muscle power: ankle plantarflexors", "exo_SI") - stats_symmetry_index(24, 30)) < 1e-4,
            "SI (compare.csv holds 6 digits)");
  NEAR(value("muscle power: knee extensors", "exo_L"), 4);
  NEAR(value("muscle power: hamstrings", "exo_R"), 0); /* none of its muscles in the file: 0 W */
  cr_assert(isnan(value("muscle power: other", "exo_R")), "the empty 'other' group must have no row");
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "grep -q 'Energy and assistive device' %s/out/report.html && grep -q 'device peak torque' "
                            "%s/out/report.html", g_dir, g_dir);
  cr_assert_eq(system(cmd), 0, "report.html lacks the energy and device table");
  snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
  system(cmd);
}

Test(compare_device, no_rows_without_energy_outputs) {
  snprintf(g_dir, sizeof g_dir, "/tmp/d2m_cmpdev_XXXXXX");
  cr_assert(mkdtemp(g_dir));
  folder("a", 0, 0, 0, 0, -1, 0), folder("b", 0, 0, 0, 0, -1, 0);
  cmp_opts o = opts("a", "b");
  cr_assert_eq(compare_run(&o), 0);
  cr_assert(isnan(value("metabolic power", "a_R")));
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "grep -q 'Energy and assistive device' %s/out/report.html", g_dir);
  cr_assert_neq(system(cmd), 0, "an energy section without energy outputs");
  snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
  system(cmd);
}
