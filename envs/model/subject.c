/* envs/model/subject.c: subject description (defaults, key = value file, scaling factors) and the
 * muscle name table. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/config.h"
#include "envs/model/model.h"
#include "envs/model/tables.h"

/* Defaults of the impairment keys (a subject without them is unimpaired: gains 0, factors 1).
 * The reflex's form (excitation from lengthening velocity above a threshold, times a gain, after a
 * delay) is the velocity-feedback spasticity model of van der Krogt et al. 2016 (J NeuroEng Rehabil
 * 13:64), who derive the threshold per subject from stretch tests and fit the gain.
 * Threshold: 0.1 optimal fibre lengths per second, an illustrative value well below gait's
 * stretch velocities (about 1 L0/s), so that only stretch faster than slow posture changes fires.
 * Delay: 30 ms, the latency of the short-latency (spinal) stretch reflex in the leg muscles (about
 * 30-40 ms in soleus); Geyer & Herr 2010 (IEEE TNSRE 18:263) use 20 ms for the ankle muscles'
 * reflex loops. */
#define SUBJ_SPAS_THRESHOLD 0.1
#define SUBJ_SPAS_DELAY_S 0.030
/* The other impairment keys default to the unimpaired reference: contracture factors 1 (Rajagopal
 * et al. 2016's fibre lengths and MyoLegs' passive force), motor_noise 0 (the noise's form, std
 * proportional to the excitation, is Harris & Wolpert 1998, Nature 394:780; Jones, Hamilton &
 * Wolpert 2002, J Neurophysiol 88:1533, measure force coefficients of variation of a few percent),
 * obs_delay 0 (the policy sees the state of the step it acts in), no synergy constraint.
 * Fatigue (off by default): the three-compartment model of Xia & Frey Law 2008 (J Biomech 41:3046)
 * with L_D = L_R = 10 /s as there, and the fatigue and recovery rates Frey-Law, Looft & Heitsman
 * 2012 (J Biomech 45:1803) fitted to endurance times of the knee: F = 0.01508 /s, R = 0.00149 /s. */
#define SUBJ_FAT_F 0.01508
#define SUBJ_FAT_R 0.00149
#define SUBJ_FAT_L 10.0

double model_ref_mass_kg(void) {
  double m = 0;
  for (int b = 0; b < model_tab_nbody; b++) m += model_tab_bodies[b].mass;
  return m;
}

void model_subject_default(model_subject *s) {
  memset(s, 0, sizeof *s);
  s->height_m = MODEL_REF_HEIGHT_M;
  s->mass_kg = model_ref_mass_kg();
  for (int i = 0; i < MODEL_NMUSCLE; i++) {
    s->strength[i] = s->tendon_slack[i] = s->lopt[i] = s->passive[i] = 1.0;
    s->spas_threshold[i] = SUBJ_SPAS_THRESHOLD;
  }
  s->spas_delay_s = SUBJ_SPAS_DELAY_S;
  s->fat_F = SUBJ_FAT_F, s->fat_R = SUBJ_FAT_R, s->fat_L = SUBJ_FAT_L;
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
  if (model_muscle_removed(s, i)) return 0;
  return model_tab_muscles[i].prm[2] * model_force_scale(s) * s->strength[i];
}
double model_muscle_lopt(const model_subject *s, int i) {
  return model_tab_muscles[i].lopt * model_length_scale(s) * s->lopt[i];
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
    if (!(s->lopt[i] >= 0.3 && s->lopt[i] <= 2))
      return err_set(err, "contracture.lopt.%s %g outside 0.3..2", model_muscle_name(i), s->lopt[i]);
    if (!(s->passive[i] >= 0 && s->passive[i] <= 100))
      return err_set(err, "contracture.passive.%s %g outside 0..100", model_muscle_name(i), s->passive[i]);
    if (!(s->spas_gain[i] >= 0 && s->spas_gain[i] <= 100))
      return err_set(err, "spasticity.gain.%s %g outside 0..100", model_muscle_name(i), s->spas_gain[i]);
    if (!(s->spas_threshold[i] >= 0 && s->spas_threshold[i] <= 100))
      return err_set(err, "spasticity.threshold.%s %g outside 0..100", model_muscle_name(i), s->spas_threshold[i]);
  }
  if (!(s->spas_delay_s >= 0 && s->spas_delay_s <= 0.2))
    return err_set(err, "spasticity.delay_s %g outside 0..0.2", s->spas_delay_s);
  if (!(s->motor_noise >= 0 && s->motor_noise <= 2)) return err_set(err, "motor_noise %g outside 0..2", s->motor_noise);
  if (!(s->fat_F >= 0 && s->fat_F <= 10)) return err_set(err, "fatigue.F %g outside 0..10 /s", s->fat_F);
  if (!(s->fat_R >= 0 && s->fat_R <= 10)) return err_set(err, "fatigue.R %g outside 0..10 /s", s->fat_R);
  if (!(s->fat_L >= 0.1 && s->fat_L <= 100)) return err_set(err, "fatigue.L %g outside 0.1..100 /s", s->fat_L);
  if (!(s->obs_delay >= 0 && s->obs_delay <= 30)) return err_set(err, "obs_delay %d outside 0..30", s->obs_delay);
  if (!(s->syn_mix >= 0 && s->syn_mix <= 1)) return err_set(err, "synergy.mix %g outside 0..1", s->syn_mix);
  if (s->syn_side != 0 && s->syn_side != 1) return err_set(err, "synergy.side %d is neither right nor left", s->syn_side);
  if (s->syn_k < 0 || s->syn_k > MODEL_SYN_MAX) return err_set(err, "synergy: %d synergies, at most %d", s->syn_k, MODEL_SYN_MAX);
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

/* synergy.file: a path relative to the subject file's folder unless absolute. */
static int synergy_key(model_subject *s, const char *path, int line, const char *key, const char *val, d2m_err *err) {
  if (!strcmp(key, "synergy.side")) {
    if (!strcmp(val, "right")) s->syn_side = 0;
    else if (!strcmp(val, "left")) s->syn_side = 1;
    else return err_set(err, "%s:%d: %s: '%s' is neither right nor left", path, line, key, val);
    if (s->syn_k) return err_set(err, "%s:%d: %s: give the side before synergy.file (the file is read for it)", path, line, key);
    return 0;
  }
  const char *slash = strrchr(path, '/');
  int dir = val[0] != '/' && slash ? (int)(slash - path + 1) : 0;
  if ((size_t)dir + strlen(val) >= sizeof s->syn_file) return err_set(err, "%s:%d: %s: path too long", path, line, key);
  snprintf(s->syn_file, sizeof s->syn_file, "%.*s%s", dir, path, val);
  d2m_err e2;
  if (model_synergy_load(s->syn_file, s, &e2)) return err_set(err, "%s:%d: %s: %s", path, line, key, e2.msg);
  return 0;
}

/* The per-muscle factor array a key names (prefix + muscle pattern), or NULL. */
static double *muscle_array(model_subject *s, const char *key, const char **pattern) {
  static const struct {
    const char *prefix;
    size_t off;
  } k[] = {{"strength.", offsetof(model_subject, strength)},
           {"tendon_slack.", offsetof(model_subject, tendon_slack)},
           {"contracture.lopt.", offsetof(model_subject, lopt)},
           {"contracture.passive.", offsetof(model_subject, passive)},
           {"spasticity.gain.", offsetof(model_subject, spas_gain)},
           {"spasticity.threshold.", offsetof(model_subject, spas_threshold)}};
  for (size_t i = 0; i < sizeof k / sizeof *k; i++)
    if (!strncmp(key, k[i].prefix, strlen(k[i].prefix))) {
      *pattern = key + strlen(k[i].prefix);
      return (double *)((char *)s + k[i].off);
    }
  return NULL;
}

/* device.NAME = VALUE: checked as `--set device.NAME=VALUE` would be (on a scratch config), then kept. */
static int device_line(model_subject *s, const char *path, int line, const char *name, const char *val, d2m_err *err) {
  if (!cfg_find("device", name))
    return err_set(err, "%s:%d: device.%s: unknown device key (the [device] keys of configs/default.ini)", path, line, name);
  if (s->ndev == MODEL_SUBJ_MAXDEV) return err_set(err, "%s:%d: device.%s: more than %d device lines", path, line, name, MODEL_SUBJ_MAXDEV);
  if (strlen(name) >= sizeof s->dev[0].key || strlen(val) >= sizeof s->dev[0].val)
    return err_set(err, "%s:%d: device.%s: value longer than %zu characters", path, line, name, sizeof s->dev[0].val - 1);
  cfg_t *c = xmalloc(sizeof *c);
  cfg_defaults(c);
  char where[300];
  snprintf(where, sizeof where, "%s:%d", path, line);
  int rc = cfg_set(c, where, "device", name, val, err);
  free(c);
  if (rc) return -1;
  snprintf(s->dev[s->ndev].key, sizeof s->dev[0].key, "%s", name);
  snprintf(s->dev[s->ndev].val, sizeof s->dev[0].val, "%s", val);
  s->dev[s->ndev++].line = line;
  return 0;
}

static int apply_line(model_subject *s, const char *path, int line, char *key, char *val, d2m_err *err) {
  if (!strncmp(key, "device.", 7)) return device_line(s, path, line, key + 7, val, err);
  if (!strcmp(key, "name")) {
    snprintf(s->name, sizeof s->name, "%s", val);
    return 0;
  }
  if (!strcmp(key, "synergy.file") || !strcmp(key, "synergy.side")) return synergy_key(s, path, line, key, val, err);
  if (!strcmp(key, "fatigue")) {
    if (strcmp(val, "on") && strcmp(val, "off")) return err_set(err, "%s:%d: %s: '%s' is neither on nor off", path, line, key, val);
    s->fatigue = !strcmp(val, "on");
    return 0;
  }
  char *end;
  errno = 0;
  double x = strtod(val, &end);
  if (end == val || *trim(end) || errno) return err_set(err, "%s:%d: %s: '%s' is not a number", path, line, key, val);
  const char *pattern = NULL;
  double *arr = muscle_array(s, key, &pattern);
  if (!strcmp(key, "height_m")) s->height_m = x;
  else if (!strcmp(key, "mass_kg")) s->mass_kg = x;
  else if (!strcmp(key, "timestep")) s->timestep = x;
  else if (!strcmp(key, "spasticity.delay_s")) s->spas_delay_s = x;
  else if (!strcmp(key, "motor_noise")) s->motor_noise = x;
  else if (!strcmp(key, "synergy.mix")) s->syn_mix = x;
  else if (!strcmp(key, "fatigue.F")) s->fat_F = x;
  else if (!strcmp(key, "fatigue.R")) s->fat_R = x;
  else if (!strcmp(key, "fatigue.L")) s->fat_L = x;
  else if (!strcmp(key, "obs_delay")) {
    if (x != floor(x) || fabs(x) > 1e6) return err_set(err, "%s:%d: %s: '%s' is not a whole number of steps", path, line, key, val);
    s->obs_delay = (int)x;
  } else if (arr) {
    if (!set_factor(arr, pattern, x)) return err_set(err, "%s:%d: %s: no such muscle", path, line, key);
  } else {
    return err_set(err,
                   "%s:%d: %s: unknown key (height_m, mass_kg, timestep, name, strength.M, tendon_slack.M, "
                   "contracture.lopt.M, contracture.passive.M, spasticity.gain.M, spasticity.threshold.M, "
                   "spasticity.delay_s, motor_noise, obs_delay, synergy.file, synergy.side, synergy.mix, fatigue, "
                   "fatigue.F, fatigue.R, fatigue.L, device.KEY)",
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
  if (!rc && s->syn_mix > 0 && !s->syn_k) rc = err_set(err, "%s: synergy.mix = %g needs a synergy.file", path, s->syn_mix);
  free(seen);
  fclose(f);
  return rc;
}
