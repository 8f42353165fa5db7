/* common/config.c: the key table, a strict INI parser and validation. See config.h. */
#include "common/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const cfg_key cfg_keys[] = {
#define X(sec, nm, type, def, lo, hi, choices, doc) \
  {#sec, #nm, CFG_##type, def, (double)(lo), (double)(hi), choices, doc, offsetof(cfg_t, sec##_##nm)},
    CONFIG_TABLE(X)
#undef X
};
const int cfg_nkeys = (int)(sizeof cfg_keys / sizeof *cfg_keys);

static const char *type_name(cfg_type t) {
  switch (t) {
    case CFG_INT: return "integer";
    case CFG_REAL: return "real";
    case CFG_BOOL: return "bool";
    case CFG_STR: return "string";
    case CFG_ENUM: return "enum";
  }
  return "?";
}

const cfg_key *cfg_find(const char *section, const char *name) {
  for (int i = 0; i < cfg_nkeys; i++)
    if (!strcmp(cfg_keys[i].section, section) && !strcmp(cfg_keys[i].name, name)) return &cfg_keys[i];
  return NULL;
}

static int section_exists(const char *section) {
  for (int i = 0; i < cfg_nkeys; i++)
    if (!strcmp(cfg_keys[i].section, section)) return 1;
  return 0;
}

/* "run, env, ppo" (each section once, in table order). */
static void list_sections(char *out, size_t n) {
  out[0] = 0;
  for (int i = 0; i < cfg_nkeys; i++) {
    int seen = 0;
    for (int j = 0; j < i; j++) seen |= !strcmp(cfg_keys[j].section, cfg_keys[i].section);
    if (seen) continue;
    size_t l = strlen(out);
    snprintf(out + l, n - l, "%s%s", l ? ", " : "", cfg_keys[i].section);
  }
}

static void list_keys(const char *section, char *out, size_t n) {
  out[0] = 0;
  for (int i = 0; i < cfg_nkeys; i++) {
    if (strcmp(cfg_keys[i].section, section)) continue;
    size_t l = strlen(out);
    snprintf(out + l, n - l, "%s%s", l ? ", " : "", cfg_keys[i].name);
  }
}

/* What a key accepts, for error messages and the help table. */
static void allowed_text(const cfg_key *k, char *out, size_t n) {
  switch (k->type) {
    case CFG_INT: snprintf(out, n, "integer in [%.15g, %.15g]", k->lo, k->hi); break;
    case CFG_REAL: snprintf(out, n, "real in [%.15g, %.15g]", k->lo, k->hi); break;
    case CFG_BOOL: snprintf(out, n, "true|false"); break;
    case CFG_STR: snprintf(out, n, "text up to %d bytes", CFG_STR_MAX - 1); break;
    case CFG_ENUM: snprintf(out, n, "%s", k->choices); break;
  }
}

static int enum_has(const char *choices, const char *v) {
  size_t lv = strlen(v);
  for (const char *p = choices; *p;) {
    const char *bar = strchr(p, '|');
    size_t l = bar ? (size_t)(bar - p) : strlen(p);
    if (l == lv && !strncmp(p, v, l)) return 1;
    if (!bar) break;
    p = bar + 1;
  }
  return 0;
}

/* Exactly true or false: one spelling, the one the resolved config writes and the error names. */
static int parse_bool(const char *v, int *out) {
  if (!strcmp(v, "true")) { *out = 1; return 0; }
  if (!strcmp(v, "false")) { *out = 0; return 0; }
  return -1;
}

/* Integers may be written as 200000 or 2e5 (exactly integral). */
static int parse_int(const char *v, int64_t *out) {
  char *end;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  if (*v && !*end && errno == 0) { *out = x; return 0; }
  if (strpbrk(v, "xXpP")) return -1; /* strtod would read hexadecimal (0x10) */
  errno = 0;
  double d = strtod(v, &end);
  if (!*v || *end || errno || !isfinite(d) || d != floor(d) || fabs(d) > 9.2e18) return -1;
  *out = (int64_t)d;
  return 0;
}

static int parse_real(const char *v, double *out) {
  char *end;
  if (strpbrk(v, "xX")) return -1; /* strtod would read hexadecimal floats (0x1p-2) */
  errno = 0;
  double d = strtod(v, &end);
  if (!*v || *end || errno == ERANGE || !isfinite(d)) return -1;
  *out = d;
  return 0;
}

int cfg_set(cfg_t *c, const char *where, const char *section, const char *name, const char *value, d2m_err *err) {
  const cfg_key *k = cfg_find(section, name);
  char allowed[1024];
  if (!k) {
    if (!section_exists(section)) {
      list_sections(allowed, sizeof allowed);
      return err_set(err, "%s: %s.%s: unknown section [%s] (allowed: %s)", where, section, name, section, allowed);
    }
    list_keys(section, allowed, sizeof allowed);
    return err_set(err, "%s: %s.%s: unknown key (allowed in [%s]: %s)", where, section, name, section, allowed);
  }
  allowed_text(k, allowed, sizeof allowed);
  char *field = (char *)c + k->offset;
  switch (k->type) {
    case CFG_INT: {
      int64_t x;
      if (parse_int(value, &x))
        return err_set(err, "%s: %s.%s: '%s' is not an integer (allowed: %s)", where, section, name, value, allowed);
      if ((double)x < k->lo || (double)x > k->hi)
        return err_set(err, "%s: %s.%s: %s is out of bounds (allowed: %s)", where, section, name, value, allowed);
      memcpy(field, &x, sizeof x);
      return 0;
    }
    case CFG_REAL: {
      double x;
      if (parse_real(value, &x))
        return err_set(err, "%s: %s.%s: '%s' is not a finite real number (allowed: %s)", where, section, name, value,
                       allowed);
      if (x < k->lo || x > k->hi)
        return err_set(err, "%s: %s.%s: %s is out of bounds (allowed: %s)", where, section, name, value, allowed);
      memcpy(field, &x, sizeof x);
      return 0;
    }
    case CFG_BOOL: {
      int x;
      if (parse_bool(value, &x))
        return err_set(err, "%s: %s.%s: '%s' is not a bool (allowed: %s)", where, section, name, value, allowed);
      memcpy(field, &x, sizeof x);
      return 0;
    }
    case CFG_ENUM:
      if (!enum_has(k->choices, value))
        return err_set(err, "%s: %s.%s: '%s' is not a valid choice (allowed: %s)", where, section, name, value,
                       allowed);
      /* stored as text, like a string */
      __attribute__((fallthrough));
    case CFG_STR:
      if (strlen(value) >= CFG_STR_MAX)
        return err_set(err, "%s: %s.%s: value is %zu bytes long (allowed: %s)", where, section, name, strlen(value),
                       allowed);
      snprintf(field, CFG_STR_MAX, "%s", value);
      return 0;
  }
  return err_set(err, "%s: %s.%s: unhandled type", where, section, name);
}

void cfg_defaults(cfg_t *c) {
  memset(c, 0, sizeof *c);
  d2m_err e;
  for (int i = 0; i < cfg_nkeys; i++)
    if (cfg_set(c, "default", cfg_keys[i].section, cfg_keys[i].name, cfg_keys[i].def, &e))
      D2M_FATAL("bad default in CONFIG_TABLE: %s", e.msg);
}

/* Keys whose default changed after configs holding them were first saved, with the default they had
 * before (what a saved config without the key meant). Add a row whenever a default changes. */
static const struct {
  const char *section, *name, *old;
} saved_default[] = {
    {"env", "jso_gains", "uniform"}, /* strength since 2026-11-30 (bench/learn_log.md: sjsog, ijsog) */
};

void cfg_saved_defaults(cfg_t *c) {
  cfg_defaults(c);
  d2m_err e;
  for (size_t i = 0; i < sizeof saved_default / sizeof saved_default[0]; i++)
    if (cfg_set(c, "saved default", saved_default[i].section, saved_default[i].name, saved_default[i].old, &e))
      D2M_FATAL("bad saved default: %s", e.msg);
}

/* ---- INI parsing ---- */

static char *trim(char *s) {
  while (isspace((unsigned char)*s)) s++;
  char *e = s + strlen(s);
  while (e > s && isspace((unsigned char)e[-1])) *--e = 0;
  return s;
}

/* Strip a comment that starts a line or follows whitespace (so "a#b" stays a value). */
static void strip_comment(char *s) {
  for (char *p = s; *p; p++)
    if ((*p == '#' || *p == ';') && (p == s || isspace((unsigned char)p[-1]))) { *p = 0; return; }
}

static int is_ident(const char *s) {
  if (!*s) return 0;
  for (; *s; s++)
    if (!isalnum((unsigned char)*s) && *s != '_') return 0;
  return 1;
}

/* Value: bare text, or "quoted text" (no escapes) when it must hold '#' after a space. */
static int parse_value(char *raw, char **out) {
  char *v = trim(raw);
  if (*v == '"') {
    char *q = strchr(v + 1, '"');
    if (!q || *trim(q + 1)) return -1;
    *q = 0;
    *out = v + 1;
    return 0;
  }
  strip_comment(v);
  *out = trim(v);
  return 0;
}

static int parse_line(cfg_t *c, const char *name, int lineno, char *line, char *section, unsigned char *seen,
                      const unsigned char *skip, d2m_err *err) {
  char where[600];
  snprintf(where, sizeof where, "%s:%d", name, lineno);
  char *s = trim(line);
  if (*s == '#' || *s == ';' || !*s) return 0;
  if (*s == '[') {
    strip_comment(s);
    s = trim(s);
    size_t l = strlen(s);
    if (l < 3 || s[l - 1] != ']') return err_set(err, "%s: malformed section header '%s' (expected [name])", where, s);
    s[l - 1] = 0;
    char *sec = trim(s + 1);
    if (!is_ident(sec) || !section_exists(sec)) {
      char allowed[512];
      list_sections(allowed, sizeof allowed);
      return err_set(err, "%s: [%s]: unknown section (allowed: %s)", where, sec, allowed);
    }
    snprintf(section, 64, "%s", sec);
    return 0;
  }
  char *eq = strchr(s, '=');
  if (!eq) return err_set(err, "%s: expected 'key = value', got '%s'", where, s);
  *eq = 0;
  char *key = trim(s), *value;
  if (!is_ident(key)) return err_set(err, "%s: '%s' is not a valid key name", where, key);
  if (!section[0]) return err_set(err, "%s: %s: key before any [section]", where, key);
  if (parse_value(eq + 1, &value)) return err_set(err, "%s: %s.%s: unterminated quoted value", where, section, key);
  const cfg_key *k = cfg_find(section, key);
  /* A key that a later source sets anyway is only checked to exist: its value here is not used. */
  if (!(k && skip && skip[k - cfg_keys]) && cfg_set(c, where, section, key, value, err)) return -1;
  int idx = (int)(k - cfg_keys);
  if (seen[idx]) return err_set(err, "%s: %s.%s: duplicate key (set earlier in this file)", where, section, key);
  seen[idx] = 1;
  return 0;
}

static int load_string(cfg_t *c, const char *name, const char *text, const unsigned char *skip, d2m_err *err) {
  cfg_t tmp = *c; /* all or nothing: a bad file leaves c untouched */
  unsigned char seen[sizeof cfg_keys / sizeof *cfg_keys] = {0};
  char section[64] = "";
  char line[4096];
  int lineno = 0;
  if (!strncmp(text, "\xEF\xBB\xBF", 3)) text += 3; /* a UTF-8 byte-order mark from some editors */
  for (const char *p = text; *p;) {
    const char *nl = strchr(p, '\n');
    size_t l = nl ? (size_t)(nl - p) : strlen(p);
    lineno++;
    if (l >= sizeof line) return err_set(err, "%s:%d: line longer than %zu bytes", name, lineno, sizeof line - 1);
    memcpy(line, p, l);
    line[l] = 0;
    if (memchr(line, 0, l)) return err_set(err, "%s:%d: NUL byte in line", name, lineno);
    if (parse_line(&tmp, name, lineno, line, section, seen, skip, err)) return -1;
    p += l + (nl ? 1 : 0);
  }
  *c = tmp;
  return 0;
}

int cfg_load_string(cfg_t *c, const char *name, const char *text, d2m_err *err) {
  return load_string(c, name, text, NULL, err);
}

int cfg_load_file_masked(cfg_t *c, const char *path, const unsigned char *skip, d2m_err *err) {
  struct stat st;
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) return err_set(err, "%s: is a directory, not a config file", path);
  FILE *f = fopen(path, "rb");
  if (!f) return err_set(err, "%s: cannot open config: %s", path, strerror(errno));
  char *buf = NULL;
  size_t n = 0, cap = 0;
  for (;;) {
    if (n + 4096 + 1 > cap) {
      cap = cap ? 2 * cap : 16384;
      if (cap > (64u << 20)) { free(buf); fclose(f); return err_set(err, "%s: config larger than 64 MiB", path); }
      buf = realloc(buf, cap);
      if (!buf) { fclose(f); return err_set(err, "%s: out of memory", path); }
    }
    size_t r = fread(buf + n, 1, 4096, f);
    n += r;
    if (r < 4096) break;
  }
  int bad = ferror(f), e = errno;
  fclose(f);
  if (bad) { free(buf); return err_set(err, "%s: read error: %s", path, strerror(e)); }
  if (memchr(buf, 0, n)) { free(buf); return err_set(err, "%s: binary data (NUL byte) in config", path); }
  buf[n] = 0;
  int rc = load_string(c, path, buf, skip, err);
  free(buf);
  return rc;
}

int cfg_load_file(cfg_t *c, const char *path, d2m_err *err) { return cfg_load_file_masked(c, path, NULL, err); }

int cfg_override_mask(const char *assignment, unsigned char *skip) {
  const char *eq = strchr(assignment, '='), *dot = strchr(assignment, '.');
  if (!eq || !dot || dot > eq) return -1;
  char section[64], name[128];
  size_t ls = (size_t)(dot - assignment), ln = (size_t)(eq - dot - 1);
  if (ls >= sizeof section || ln >= sizeof name) return -1;
  memcpy(section, assignment, ls);
  section[ls] = 0;
  memcpy(name, dot + 1, ln);
  name[ln] = 0;
  const cfg_key *k = cfg_find(trim(section), trim(name));
  if (!k) return -1;
  skip[k - cfg_keys] = 1;
  return 0;
}

int cfg_key_line(const char *path, const char *section, const char *name) {
  FILE *f = fopen(path, "rb");
  if (!f) return 0;
  char line[4096], cur[64] = "";
  int lineno = 0, found = 0;
  while (!found && fgets(line, sizeof line, f)) {
    lineno++;
    char *s = trim(line);
    if (*s == '[') {
      strip_comment(s);
      s = trim(s);
      size_t l = strlen(s);
      if (l >= 3 && s[l - 1] == ']') { s[l - 1] = 0; snprintf(cur, sizeof cur, "%s", trim(s + 1)); }
      continue;
    }
    char *eq = strchr(s, '=');
    if (!eq || *s == '#' || *s == ';') continue;
    *eq = 0;
    if (!strcmp(cur, section) && !strcmp(trim(s), name)) found = lineno;
  }
  fclose(f);
  return found;
}

/* The shortest of %.15g..%.17g that strtod reads back exactly: 0.7, not 0.69999999999999996. */
void cfg_format_real(double x, char *out, size_t n) {
  for (int prec = 15; prec <= 17; prec++) {
    snprintf(out, n, "%.*g", prec, x);
    if (strtod(out, NULL) == x) return;
  }
}

int cfg_apply_override(cfg_t *c, const char *assignment, d2m_err *err) {
  const char *eq = strchr(assignment, '='), *dot = strchr(assignment, '.');
  if (!eq || !dot || dot > eq)
    return err_set(err, "--set: '%s': expected section.key=value (e.g. ppo.lr=1e-4)", assignment);
  char section[64], name[128];
  size_t ls = (size_t)(dot - assignment), ln = (size_t)(eq - dot - 1);
  if (ls >= sizeof section || ln >= sizeof name) return err_set(err, "--set: '%s': key too long", assignment);
  memcpy(section, assignment, ls);
  section[ls] = 0;
  memcpy(name, dot + 1, ln);
  name[ln] = 0;
  return cfg_set(c, "--set", trim(section), trim(name), eq + 1, err);
}

int cfg_with(cfg_t *c, const char *const *overrides, d2m_err *err) {
  cfg_defaults(c);
  for (; overrides && *overrides; overrides++)
    if (cfg_apply_override(c, *overrides, err)) return -1;
  return 0;
}

void cfg_format_value(const cfg_t *c, const cfg_key *k, char *out, size_t n) {
  const char *field = (const char *)c + k->offset;
  switch (k->type) {
    case CFG_INT: { int64_t x; memcpy(&x, field, sizeof x); snprintf(out, n, "%lld", (long long)x); break; }
    case CFG_REAL: { double x; memcpy(&x, field, sizeof x); cfg_format_real(x, out, n); break; }
    case CFG_BOOL: { int x; memcpy(&x, field, sizeof x); snprintf(out, n, "%s", x ? "true" : "false"); break; }
    case CFG_ENUM: snprintf(out, n, "%s", field); break;
    case CFG_STR: {
      /* Quote when the text would otherwise be read back differently. */
      int quote = !*field || isspace((unsigned char)field[0]) || isspace((unsigned char)field[strlen(field) - 1]) ||
                  strchr(field, '#') || strchr(field, ';') || field[0] == '"';
      snprintf(out, n, quote ? "\"%s\"" : "%s", field);
      break;
    }
  }
}

static void write_ini(const cfg_t *c, FILE *f, int documented) {
  const char *cur = "";
  char v[CFG_STR_MAX + 8], allowed[512];
  for (int i = 0; i < cfg_nkeys; i++) {
    const cfg_key *k = &cfg_keys[i];
    if (strcmp(cur, k->section)) {
      fprintf(f, "\n[%s]\n", k->section);
      cur = k->section;
    }
    cfg_format_value(c, k, v, sizeof v);
    if (documented) {
      allowed_text(k, allowed, sizeof allowed);
      fprintf(f, "# %s (%s)\n", k->doc, allowed);
    }
    fprintf(f, "%s = %s\n", k->name, v);
  }
}

void cfg_write(const cfg_t *c, FILE *f) {
  fprintf(f, "# drl2move resolved configuration: every key, with the value this run used.\n");
  write_ini(c, f, 0);
}

void cfg_write_documented(const cfg_t *c, FILE *f) {
  fprintf(f,
          "# drl2move configuration: every key with its meaning and allowed values.\n"
          "# Written by `drl2move train --print-config`: the embedded defaults with any --config, --set,\n"
          "# --steps and --time-limit given applied (configs/default.ini: none given).\n"
          "# Use: drl2move train --config FILE [--set section.key=value ...]\n");
  write_ini(c, f, 1);
}

void cfg_print_table(FILE *f) {
  char allowed[512];
  fprintf(f, "%-26s %-8s %-22s %-30s %s\n", "key", "type", "default", "allowed", "meaning");
  for (int i = 0; i < cfg_nkeys; i++) {
    const cfg_key *k = &cfg_keys[i];
    char key[128];
    snprintf(key, sizeof key, "%s.%s", k->section, k->name);
    allowed_text(k, allowed, sizeof allowed);
    fprintf(f, "%-26s %-8s %-22s %-30s %s\n", key, type_name(k->type), *k->def ? k->def : "\"\"", allowed, k->doc);
  }
}
