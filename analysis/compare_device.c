/* analysis/compare_device.c: energy and device rows of `drl2move compare` (see compare_device.h). */
#include "analysis/compare_device.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/analyze_int.h"
#include "common/files.h"
#include "common/log.h"

#define CD_MAXG 16 /* muscle groups and "other" */

/* Whole-body rows: the summary.json block and key they come from. */
static const struct {
  const char *name, *unit, *block, *key;
} cd_rows[] = {
    {"metabolic power", "W", "metabolic", "mean_power_W"},
    {"cost of transport", "J/(kg m)", "metabolic", "cot_J_per_kg_m"},
    {"net cost of transport", "J/(kg m)", "metabolic", "cot_net_J_per_kg_m"},
    {"metabolic energy per stride", "J", "metabolic", "energy_per_stride_J"},
    {"plantarflexor activation", "0-1", "metabolic", "plantarflexor_activation"},
    {"device positive work", "J/episode", "device", "work_pos_J"},
    {"device negative work", "J/episode", "device", "work_neg_J"},
    {"device peak torque", "N m", "device", "peak_torque_Nm"},
};
enum { CD_NW = sizeof cd_rows / sizeof *cd_rows, CD_NDEV = 3 /* the last three rows */ };

typedef struct cd_folder {
  double w[CD_NW];           /* whole-body values, NaN when absent */
  double g[CD_MAXG + 1][2];  /* muscle power per group and side (W), NaN without muscle_energy.csv */
} cd_folder;

/* The number after "key": inside [blk, end), NaN when absent or null. */
static double json_num(const char *blk, const char *end, const char *key) {
  char pat[80];
  snprintf(pat, sizeof pat, "\"%s\":", key);
  const char *p = strstr(blk, pat);
  if (!p || p >= end) return NAN;
  p += strlen(pat);
  char *e;
  double x = strtod(p, &e);
  return e == p ? NAN : x;
}

/* The episode means of summary.json: the blocks eval writes at the top level (two-space indent), not the
 * per-episode ones inside "episodes". */
static void read_summary(const char *dir, cd_folder *f) {
  char p[4400];
  snprintf(p, sizeof p, "%s/summary.json", dir);
  uint8_t *buf;
  size_t n;
  d2m_err e;
  if (file_slurp(p, 1 << 26, &buf, &n, &e)) return;
  const char *s = (const char *)buf;
  for (int i = 0; i < CD_NW; i++) {
    char pat[64];
    snprintf(pat, sizeof pat, "\n  \"%s\": {", cd_rows[i].block);
    const char *b = strstr(s, pat), *end = b ? strchr(b + strlen(pat), '}') : NULL;
    if (b && end) f->w[i] = json_num(b, end, cd_rows[i].key);
  }
  free(buf);
}

/* Mean over the episodes of muscle_energy.csv of each group's summed power, per side. */
static void read_muscles(const char *dir, cd_folder *f) {
  char p[4400], line[512];
  snprintf(p, sizeof p, "%s/muscle_energy.csv", dir);
  FILE *fp = fopen(p, "r");
  if (!fp) return;
  int ng = an_muscle_group_count(), eps = 0, last = -1;
  double sum[CD_MAXG + 1][2] = {{0}};
  if (!fgets(line, sizeof line, fp)) line[0] = 0; /* header */
  while (fgets(line, sizeof line, fp)) {
    char name[64];
    int ep;
    double pw, en;
    if (sscanf(line, "%d,%63[^,],%lf,%lf", &ep, name, &pw, &en) != 4) continue;
    if (ep != last) eps++, last = ep;
    int g = an_muscle_group(name), side = name[strlen(name) - 1] == 'l';
    sum[g < 0 ? ng : g][side] += pw;
  }
  fclose(fp);
  for (int g = 0; eps && g <= ng; g++) f->g[g][0] = sum[g][0] / eps, f->g[g][1] = sum[g][1] / eps;
}

static void cell(char *c, size_t cap, double v) {
  if (isfinite(v)) snprintf(c, cap, "%.4g", v);
  else snprintf(c, cap, "-");
}

/* One row in compare.csv and the report table: per folder R, L, SI, then per later folder the difference
 * from the first per side. both: a whole-body value (R only). */
static void put_row(FILE *csv, report *rep, int nd, const char *name, const char *unit, double (*v)[2], int both) {
  char row[4096], c[48];
  int r = snprintf(row, sizeof row, "%s|%s", name, unit);
  fprintf(csv, "%s,%s", name, unit);
  for (int k = 0; k < nd; k++) {
    double si = both ? NAN : stats_symmetry_index(v[k][0], v[k][1]);
    fprintf(csv, ",%.6g,%.6g,%.6g", v[k][0], both ? NAN : v[k][1], si);
    cell(c, sizeof c, v[k][0]);
    r += snprintf(row + r, sizeof row - (size_t)r, "|%s", c);
    cell(c, sizeof c, both ? NAN : v[k][1]);
    r += snprintf(row + r, sizeof row - (size_t)r, "|%s", c);
    cell(c, sizeof c, si);
    r += snprintf(row + r, sizeof row - (size_t)r, "|%s", c);
  }
  for (int k = 1; k < nd; k++)
    for (int s = 0; s < 2; s++) {
      double d = s && both ? NAN : v[k][s] - v[0][s];
      fprintf(csv, ",%.6g", d);
      cell(c, sizeof c, d);
      r += snprintf(row + r, sizeof row - (size_t)r, "|%s", c);
    }
  fputc('\n', csv);
  report_row(rep, "%s", row);
}

static void table_header(const cmp_opts *o, const char *const *labels, report *rep) {
  char hdr[4096];
  int h = snprintf(hdr, sizeof hdr, "measure|unit");
  for (int k = 0; k < o->ndirs; k++)
    h += snprintf(hdr + h, sizeof hdr - (size_t)h, "|%s R|%s L|%s SI (%%)", labels[k], labels[k], labels[k]);
  for (int k = 1; k < o->ndirs; k++)
    h += snprintf(hdr + h, sizeof hdr - (size_t)h, "|%s - %s R|%s - %s L", labels[k], labels[0], labels[k], labels[0]);
  report_table(rep, hdr);
}

/* 1 when any folder has a finite value in row i (whole-body) or group g (-1: not a group). */
static int any_value(const cd_folder *F, int nd, int i, int g) {
  for (int k = 0; k < nd; k++)
    if (g < 0 ? isfinite(F[k].w[i]) : isfinite(F[k].g[g][0]) || isfinite(F[k].g[g][1])) return 1;
  return 0;
}

/* Writes the rows that some folder has; returns their number. */
static int write_rows(const cmp_opts *o, const char *const *labels, cd_folder *F, FILE *csv, report *rep) {
  int nd = o->ndirs, ng = an_muscle_group_count(), rows = 0;
  double v[CMP_MAX_DIRS][2];
  table_header(o, labels, rep);
  for (int i = 0; i < CD_NW; i++) {
    if (!any_value(F, nd, i, -1)) continue;
    for (int k = 0; k < nd; k++) v[k][0] = F[k].w[i], v[k][1] = NAN;
    put_row(csv, rep, nd, cd_rows[i].name, cd_rows[i].unit, v, 1), rows++;
  }
  for (int g = 0; g <= ng; g++) {
    int nonzero = 0; /* "other" is empty for the MyoLegs muscles */
    for (int k = 0; k < nd; k++) nonzero |= (isfinite(F[k].g[g][0]) && F[k].g[g][0] != 0) || (isfinite(F[k].g[g][1]) && F[k].g[g][1] != 0);
    if (!any_value(F, nd, 0, g) || (g == ng && !nonzero)) continue;
    char name[96];
    snprintf(name, sizeof name, "muscle power: %s", an_muscle_group_name(g < ng ? g : -1));
    for (int k = 0; k < nd; k++) v[k][0] = F[k].g[g][0], v[k][1] = F[k].g[g][1];
    put_row(csv, rep, nd, name, "W", v, 0), rows++;
  }
  report_table_end(rep);
  return rows;
}

int compare_device(const cmp_opts *o, const char *const *labels, const char *const *frames, report *rep) {
  cd_folder F[CMP_MAX_DIRS];
  int have = 0;
  for (int k = 0; k < o->ndirs; k++) {
    char dir[4300];
    snprintf(dir, sizeof dir, "%s", frames[k]);
    char *sl = strrchr(dir, '/');
    if (sl) *sl = 0;
    else snprintf(dir, sizeof dir, ".");
    for (int i = 0; i < CD_NW; i++) F[k].w[i] = NAN;
    for (int g = 0; g <= CD_MAXG; g++) F[k].g[g][0] = F[k].g[g][1] = NAN;
    read_summary(dir, &F[k]), read_muscles(dir, &F[k]);
    for (int i = 0; i < CD_NW; i++) have |= isfinite(F[k].w[i]);
    have |= isfinite(F[k].g[0][0]);
  }
  if (!have) return 0;
  char p[4400];
  snprintf(p, sizeof p, "%s/compare.csv", o->out);
  FILE *csv = fopen(p, "a");
  if (!csv) return LOG_E("compare: cannot append to %s", p), -1;
  report_heading(rep, "Energy and assistive device");
  report_text(rep, "From each folder's summary.json (eval's means over its episodes: metabolic power with the basal "
                   "rate and cost of transport after Umberger et al. 2003; device work per episode and peak torque, all "
                   "device actuators together) and muscle_energy.csv (muscle metabolic power per functional group and "
                   "side, without the basal rate). Whole-body values are in the R column; '-' (NaN in compare.csv): "
                   "the folder has no such value (no device, a playback, no muscle_energy.csv). Differences: folder "
                   "minus %s.",
              labels[0]);
  int rows = write_rows(o, labels, F, csv, rep);
  if (fclose(csv)) return LOG_E("compare: cannot write %s", p), -1;
  return rows;
}
