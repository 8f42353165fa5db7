/* envs/model/subject.c: subject description (defaults, key = value file, scaling factors) and the
 * muscle name table. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "envs/model/model.h"
#include "envs/model/tables.h"

double model_ref_mass_kg(void) {
  double m = 0;
  for (int b = 0; b < model_tab_nbody; b++) m += model_tab_bodies[b].mass;
  return m;
}

void model_subject_default(model_subject *s) {
  memset(s, 0, sizeof *s);
  s->height_m = MODEL_REF_HEIGHT_M;
  s->mass_kg = model_ref_mass_kg();
  for (int i = 0; i < MODEL_NMUSCLE; i++) s->strength[i] = s->tendon_slack[i] = 1.0;
  s->timestep = 0.001;
  s->actlimited = 1;
  snprintf(s->name, sizeof s->name, "reference");
}

double model_length_scale(const model_subject *s) { return s->height_m / MODEL_REF_HEIGHT_M; }
double model_mass_scale(const model_subject *s) { return s->mass_kg / model_ref_mass_kg(); }
double model_force_scale(const model_subject *s) { return pow(model_mass_scale(s), 2.0 / 3.0); }

int model_muscle_index(const char *name) {
  for (int i = 0; i < model_tab_nmuscle; i++)
    if (!strcmp(model_tab_muscles[i].name, name)) return i;
  return -1;
}

const char *model_muscle_name(int i) {
  return (i >= 0 && i < model_tab_nmuscle) ? model_tab_muscles[i].name : NULL;
}

double model_muscle_fmax(const model_subject *s, int i) {
  return model_tab_muscles[i].prm[2] * model_force_scale(s) * s->strength[i];
}
double model_muscle_lopt(const model_subject *s, int i) {
  return model_tab_muscles[i].lopt * model_length_scale(s);
}
double model_muscle_lslack(const model_subject *s, int i) {
  return model_tab_muscles[i].lslack * model_length_scale(s) * s->tendon_slack[i];
}

int model_subject_check(const model_subject *s, d2m_err *err) {
  if (!(s->height_m >= 0.5 && s->height_m <= 2.5)) return err_set(err, "height_m %g outside 0.5..2.5", s->height_m);
  if (!(s->mass_kg >= 10 && s->mass_kg <= 250)) return err_set(err, "mass_kg %g outside 10..250", s->mass_kg);
  if (!(s->timestep >= 1e-5 && s->timestep <= 0.01)) return err_set(err, "timestep %g outside 1e-5..0.01", s->timestep);
  for (int i = 0; i < MODEL_NMUSCLE; i++) {
    if (!(s->strength[i] >= 0 && s->strength[i] <= 10))
      return err_set(err, "strength.%s %g outside 0..10", model_muscle_name(i), s->strength[i]);
    if (!(s->tendon_slack[i] > 0 && s->tendon_slack[i] <= 10))
      return err_set(err, "tendon_slack.%s %g outside (0, 10]", model_muscle_name(i), s->tendon_slack[i]);
  }
  return 0;
}

static char *trim(char *p) {
  while (isspace((unsigned char)*p)) p++;
  char *e = p + strlen(p);
  while (e > p && isspace((unsigned char)e[-1])) *--e = 0;
  return p;
}

/* Sets factor[] for `pattern` (a muscle name, or '*' + suffix); returns the number matched. */
static int set_factor(double *factor, const char *pattern, double x) {
  int n = 0;
  if (pattern[0] == '*') {
    size_t ls = strlen(pattern + 1);
    for (int i = 0; i < MODEL_NMUSCLE; i++) {
      const char *nm = model_muscle_name(i);
      size_t ln = strlen(nm);
      if (ln >= ls && !strcmp(nm + ln - ls, pattern + 1)) factor[i] = x, n++;
    }
    return n;
  }
  int i = model_muscle_index(pattern);
  if (i >= 0) factor[i] = x, n = 1;
  return n;
}

static int apply_line(model_subject *s, const char *path, int line, char *key, char *val, d2m_err *err) {
  if (!strcmp(key, "name")) {
    snprintf(s->name, sizeof s->name, "%s", val);
    return 0;
  }
  char *end;
  errno = 0;
  double x = strtod(val, &end);
  if (end == val || *trim(end) || errno) return err_set(err, "%s:%d: %s: '%s' is not a number", path, line, key, val);
  if (!strcmp(key, "height_m")) s->height_m = x;
  else if (!strcmp(key, "mass_kg")) s->mass_kg = x;
  else if (!strcmp(key, "timestep")) s->timestep = x;
  else if (!strncmp(key, "strength.", 9)) {
    if (!set_factor(s->strength, key + 9, x)) return err_set(err, "%s:%d: %s: no such muscle", path, line, key);
  } else if (!strncmp(key, "tendon_slack.", 13)) {
    if (!set_factor(s->tendon_slack, key + 13, x)) return err_set(err, "%s:%d: %s: no such muscle", path, line, key);
  } else {
    return err_set(err, "%s:%d: %s: unknown key (height_m, mass_kg, timestep, name, strength.M, tendon_slack.M)",
                   path, line, key);
  }
  d2m_err e2;
  if (model_subject_check(s, &e2)) return err_set(err, "%s:%d: %s: %s", path, line, key, e2.msg);
  return 0;
}

int model_subject_load(const char *path, model_subject *s, d2m_err *err) {
  model_subject_default(s);
  FILE *f = fopen(path, "r");
  if (!f) return err_set(err, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    return err_set(err, "%s: is a directory, not a subject file", path);
  }
  char buf[512];
  int line = 0, rc = 0, nseen = 0, cap = 0;
  /* keys seen so far, with their lines: a key given twice is an error (as in config files), since the
   * second silently winning hides an edit made in the wrong place */
  struct seen_key {
    char key[128];
    int line;
  } *seen = NULL;
  while (!rc && fgets(buf, sizeof buf, f)) {
    line++;
    size_t len = strlen(buf);
    if (len == sizeof buf - 1 && buf[len - 1] != '\n') {
      int c = fgetc(f);
      if (c != EOF) {
        /* fgets would hand the rest over as further lines: refuse instead of reading phantom lines */
        rc = err_set(err, "%s:%d: line longer than %zu bytes", path, line, sizeof buf - 2);
        break;
      }
    }
    char *hash = strpbrk(buf, "#;");
    if (hash) *hash = 0;
    char *p = trim(buf);
    if (!*p || *p == '[') continue;
    char *eq = strchr(p, '=');
    if (!eq) {
      rc = err_set(err, "%s:%d: expected key = value, got '%s'", path, line, p);
      break;
    }
    *eq = 0;
    char *key = trim(p);
    for (int i = 0; i < nseen && !rc; i++)
      if (!strcmp(seen[i].key, key))
        rc = err_set(err, "%s:%d: %s: duplicate key (set earlier on line %d)", path, line, key, seen[i].line);
    if (rc) break;
    if (nseen == cap) seen = realloc(seen, (size_t)(cap = cap ? 2 * cap : 16) * sizeof *seen);
    D2M_CHECK(seen != NULL, "out of memory reading a subject file");
    snprintf(seen[nseen].key, sizeof seen[nseen].key, "%s", key);
    seen[nseen++].line = line;
    rc = apply_line(s, path, line, key, trim(eq + 1), err);
  }
  if (!rc && ferror(f)) rc = err_set(err, "%s: read error: %s", path, strerror(errno));
  free(seen);
  fclose(f);
  return rc;
}
