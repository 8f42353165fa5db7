/* analysis/analyze_energy.c: the report's energy section: metabolic power per muscle group from
 * eval's muscle_energy.csv (analysis/eval_energy.h), and, for one setting of `drl2move device sweep`,
 * the sweep's table with and without the device. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analysis/analyze_int.h"

/* Functional groups of the 40 muscles of a leg (MyoLegs names without the side). */
static const struct {
  const char *name, *muscles;
} k_groups[] = {
    {"ankle plantarflexors", " soleus gasmed gaslat tibpost fdl fhl perbrev perlong "},
    {"ankle dorsiflexors", " tibant edl ehl "},
    {"knee extensors", " vasint vaslat vasmed recfem "},
    {"hamstrings", " bflh bfsh semimem semiten "},
    {"hip extensors and abductors", " glmax1 glmax2 glmax3 glmed1 glmed2 glmed3 glmin1 glmin2 glmin3 piri "},
    {"hip flexors", " iliacus psoas sart tfl "},
    {"hip adductors", " addbrev addlong addmagDist addmagIsch addmagMid addmagProx grac "},
};
enum { NGROUP = sizeof k_groups / sizeof *k_groups };

int an_muscle_group_count(void) { return NGROUP; }

const char *an_muscle_group_name(int g) { return g >= 0 && g < NGROUP ? k_groups[g].name : "other"; }

int an_muscle_group(const char *muscle) {
  char key[64];
  size_t n = strlen(muscle);
  if (n < 3 || n > 60) return -1;
  snprintf(key, sizeof key, " %.*s ", (int)(n - 2), muscle); /* drop "_r" / "_l" */
  for (int g = 0; g < NGROUP; g++)
    if (strstr(k_groups[g].muscles, key)) return g;
  return -1;
}

void an_energy(an_ctx *c) {
  char dir[4200], p[4300];
  snprintf(dir, sizeof dir, "%s", c->frames);
  *strrchr(dir, '/') = 0;
  snprintf(p, sizeof p, "%s/muscle_energy.csv", dir);
  FILE *f = fopen(p, "r");
  if (!f) return;
  double w[NGROUP + 1][2] = {{0}}, total = 0;
  int eps = 0, last_ep = -1;
  char line[512];
  if (!fgets(line, sizeof line, f)) line[0] = 0; /* header */
  while (fgets(line, sizeof line, f)) {
    char name[64];
    int ep;
    double pw, e;
    if (sscanf(line, "%d,%63[^,],%lf,%lf", &ep, name, &pw, &e) != 4) continue;
    if (ep != last_ep) eps++, last_ep = ep;
    int g = an_muscle_group(name), side = name[strlen(name) - 1] == 'l';
    w[g < 0 ? NGROUP : g][side] += pw;
    total += pw;
  }
  fclose(f);
  if (!eps || !(total > 0)) return;
  report_heading(&c->rep, "Metabolic power per muscle group");
  report_text(&c->rep, "Muscle metabolic power after Umberger et al. 2003 (heat and work of each muscle, sampled every "
                       "control step; analysis/metabolic.h), mean over %d episode%s, without the basal rate; per muscle "
                       "in muscle_energy.csv. Totals and cost of transport are in summary.json above.",
              eps, eps > 1 ? "s" : "");
  report_table(&c->rep, "group|right (W)|left (W)|share of the muscles' power");
  for (int g = 0; g <= NGROUP; g++) {
    double a = w[g][0] / eps, b = w[g][1] / eps;
    if (g == NGROUP && a == 0 && b == 0) continue;
    report_row(&c->rep, "%s|%.1f|%.1f|%.1f%%", g < NGROUP ? k_groups[g].name : "other", a, b,
               100 * (w[g][0] + w[g][1]) / total);
  }
  report_table_end(&c->rep);
  snprintf(p, sizeof p, "%s/../sweep.csv", dir);
  if (access(p, R_OK) == 0) {
    report_heading(&c->rep, "With and without the assistive device");
    report_file(&c->rep, p, "This rollout is one setting of `drl2move device sweep` (its sweep.csv: the row 'none' has "
                            "no device; the others the ankle exoskeleton's profile at each peak torque, N m/kg, and "
                            "peak time; metabolic power in W, cost of transport in J/(kg m), device work per episode "
                            "in J, peak torque in N m; plot: sweep.png beside sweep.csv):");
  }
}
