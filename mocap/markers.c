/* mocap/markers.c: the common marker trajectory (see markers.h). */
#include "mocap/markers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/log.h"

void mk_alloc(mk_markers *m, int nmarkers, int nframes) {
  D2M_CHECK(nmarkers >= 0 && nframes >= 0, "readers bound the counts before allocating");
  m->nmarkers = nmarkers;
  m->nframes = nframes;
  m->names = xcalloc((size_t)nmarkers + 1, sizeof *m->names);
  size_t n = (size_t)nmarkers * (size_t)nframes * 3;
  m->xyz = xmalloc((n + 1) * sizeof *m->xyz);
  for (size_t i = 0; i < n; i++) m->xyz[i] = NAN;
}

void mk_free(mk_markers *m) {
  if (!m) return;
  free(m->names);
  free(m->xyz);
  free(m->events);
  memset(m, 0, sizeof *m);
}

int mk_find(const mk_markers *m, const char *name) {
  for (int j = 0; j < m->nmarkers; j++)
    if (!strcmp(m->names[j], name)) return j;
  return -1;
}

double mk_unit_scale(const char *unit) {
  static const struct { const char *name; double scale; } k[] = {
      {"mm", 1e-3}, {"millimeters", 1e-3}, {"millimetres", 1e-3}, {"cm", 1e-2}, {"centimeters", 1e-2},
      {"m", 1.0},   {"meters", 1.0},       {"metres", 1.0},       {"dm", 0.1},
  };
  for (size_t i = 0; i < sizeof k / sizeof *k; i++)
    if (!strcasecmp(unit, k[i].name)) return k[i].scale;
  return 0.0;
}

int mk_count_present(const mk_markers *m, int marker) {
  int n = 0;
  for (int i = 0; i < m->nframes; i++)
    if (!isnan(mk_at(m, i, marker)[0])) n++;
  return n;
}

void mk_copy_trim(char *dst, size_t cap, const char *s, size_t n) {
  while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\0' || s[n - 1] == '\t' || s[n - 1] == '\r')) n--;
  while (n > 0 && (*s == ' ' || *s == '\t')) s++, n--;
  if (n > cap - 1) n = cap - 1;
  memcpy(dst, s, n);
  dst[n] = '\0';
}


int mk_fill_gaps(mk_markers *m, int max_frames, int *left) {
  int filled = 0, longer = 0;
  for (int j = 0; j < m->nmarkers; j++) {
    int last = -1; /* last present frame */
    for (int f = 0; f < m->nframes; f++) {
      if (isnan(mk_at(m, f, j)[0])) continue;
      int gap = f - last - 1;
      if (last >= 0 && gap > 0) {
        if (gap <= max_frames) {
          const double *a = mk_at(m, last, j), *b = mk_at(m, f, j);
          for (int g = last + 1; g < f; g++) {
            double w = (double)(g - last) / (f - last), *x = mk_at(m, g, j);
            for (int k = 0; k < 3; k++) x[k] = (1 - w) * a[k] + w * b[k];
          }
          filled++;
        } else {
          longer++;
        }
      }
      last = f;
    }
  }
  if (left) *left = longer;
  return filled;
}

void mk_crop(mk_markers *m, int first, int n) {
  D2M_CHECK(first >= 0 && n >= 0 && first + n <= m->nframes, "mk_crop within the trial");
  size_t row = (size_t)m->nmarkers * 3;
  memmove(m->xyz, m->xyz + (size_t)first * row, (size_t)n * row * sizeof *m->xyz);
  m->first_time += first / m->rate;
  m->nframes = n;
}
