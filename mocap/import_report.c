/* mocap/import_report.c: the import report (see import_report.h). */
#include "mocap/import_report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Names in a wrapped list, at most `max` of them, then "... and N more". */
static void list(FILE *f, const char *title, const char *const *names, int n) {
  fprintf(f, "%s (%d):", title, n);
  int col = (int)strlen(title) + 6;
  for (int i = 0; i < n; i++) {
    int w = (int)strlen(names[i]) + 1;
    if (col + w > 100) fprintf(f, "\n   "), col = 3;
    fprintf(f, " %s", names[i]);
    col += w;
  }
  fputc('\n', f);
}

static void one_trial(FILE *f, const char *what, const markerset *set, const mk_markers *t) {
  int *col = xmalloc(sizeof(int) * (size_t)(set->n + 1));
  unsigned char *used = xcalloc((size_t)t->nmarkers + 1, 1);
  const char **a = xcalloc((size_t)(set->n + t->nmarkers) + 1, sizeof *a);
  char (*pairs)[2 * MK_NAME_MAX + 8] = xcalloc((size_t)set->n + 1, sizeof *pairs);
  int nb = markerset_bind(set, t, col, used), n = 0;
  fprintf(f, "%s: %d of its %d markers matched to %d of the set's %d\n", what, nb, t->nmarkers, nb, set->n);
  for (int i = 0; i < set->n; i++)
    if (col[i] >= 0) {
      if (strcmp(set->m[i].name, t->names[col[i]])) snprintf(pairs[i], sizeof pairs[i], "%s=%s", set->m[i].name, t->names[col[i]]);
      else snprintf(pairs[i], sizeof pairs[i], "%s", set->m[i].name);
      a[n++] = pairs[i];
    }
  list(f, "  matched (set=file where the names differ)", a, n);
  n = 0;
  for (int i = 0; i < set->n; i++)
    if (col[i] < 0) a[n++] = set->m[i].name;
  list(f, "  unmatched markers of the set", a, n);
  n = 0;
  for (int j = 0; j < t->nmarkers; j++)
    if (!used[j]) a[n++] = t->names[j];
  list(f, "  unused markers of the file", a, n);
  free(col);
  free(used);
  free(a);
  free(pairs);
}

void import_report_markers(FILE *f, const markerset *set, int chosen, const int *counts, const mk_markers *trial,
                           const mk_markers *stat) {
  if (chosen >= 0) {
    fprintf(f, "marker set: %s, chosen automatically (markers matched:", markerset_embedded_name(chosen));
    for (int i = 0; i < MS_NSETS; i++) fprintf(f, " %s %d", markerset_embedded_name(i), counts[i]);
    fprintf(f, "; --markers NAME|FILE overrides)\n");
  } else {
    fprintf(f, "marker set: %s (--markers)\n", set->source);
  }
  fprintf(f, "matching: case-insensitive, ignoring . _ - blanks and a 'Subject:' prefix, plus the set's aliases\n");
  one_trial(f, "trial", set, trial);
  if (stat) one_trial(f, "static trial", set, stat);
}

void import_report_result(FILE *f, const ik_result *r) {
  fprintf(f, "lab axes (forward, up): trial %s", r->axes);
  if (r->axes_static[0]) fprintf(f, ", static trial %s", r->axes_static);
  fprintf(f, "\nwalking direction: %s", r->walk_lab);
  if (strcmp(r->walk_lab, "none"))
    fprintf(f, " in the lab, %.2f m/s, %.0f deg from the subject's forward", hypot(r->walk[0], r->walk[2]),
            atan2(r->walk[2], r->walk[0]) * 180 / M_PI);
  else
    fprintf(f, " (the pelvis moves less than 0.1 m/s: a treadmill, walking in place, or not walking)");
  fprintf(f, "\nframes: %d used, %d cut at the start and %d at the end (too few markers); %d gaps filled, %d longer gaps left\n",
          r->nframes, r->cut_first, r->cut_last, r->gaps_filled, r->gaps_left);
  fprintf(f, "joints (present markers on the segment and below / needed):\n");
  for (int i = 0; i < r->nobs; i++) {
    const ik_obs *o = &r->obs[i];
    fprintf(f, "  %-18s %2d/%d  %s\n", o->name, o->nmk, o->need,
            o->locked == 2  ? "observed, but held at a joint limit: locked at its calibration value"
            : o->locked     ? "locked (--lock)"
            : o->observed   ? "observed"
                            : "NOT observed: locked at neutral");
  }
  for (int w = 0; w < r->nwarn; w++) fprintf(f, "warning: %s\n", r->warn[w]);
}

void import_report_echo(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) return;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) fwrite(buf, 1, n, stdout);
  fclose(f);
}
