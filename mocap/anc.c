/* mocap/anc.c: Motion Analysis .anc reader (see anc.h). */
#include "mocap/anc.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/files.h"

enum { ANC_MAX_CHAN = 1024, ANC_MAX_SAMPLES = 50000000 };

void anc_free(anc_file *a) {
  if (!a) return;
  free(a->label), free(a->chan_rate), free(a->range), free(a->t), free(a->v);
  memset(a, 0, sizeof *a);
}

int anc_find(const anc_file *a, const char *label) {
  for (int i = 0; i < a->nchan; i++)
    if (!strcmp(a->label[i], label)) return i;
  return -1;
}

/* Value after "key" (a word ending in ':') on the line, as a number; -1 if absent or not a number. */
static int key_num(const char *line, const char *key, double *v) {
  const char *p = strstr(line, key);
  if (!p) return -1;
  p += strlen(key);
  char *end;
  errno = 0;
  *v = strtod(p, &end);
  return end == p || errno || !isfinite(*v) ? -1 : 0;
}

/* Splits a line on runs of the delimiters into words (in place); returns the count. */
static int words(char *line, const char *delim, char **w, int cap) {
  int n = 0;
  char *save = NULL;
  for (char *s = strtok_r(line, delim, &save); s && n < cap; s = strtok_r(NULL, delim, &save)) w[n++] = s;
  return n;
}

static int parse_header(char **lines, int nl, const char *name, anc_file *a, d2m_err *err) {
  if (nl < 4 || strncmp(lines[0], "File_Type:", 10) || !strstr(lines[0], "Analog R/C ASCII"))
    return err_set(err, "%s:1: expected 'File_Type: Analog R/C ASCII' (not a Motion Analysis .anc file)", name);
  double g, d, c, k, r;
  if (key_num(lines[0], "Generation#:", &g) || (g != 1 && g != 2))
    return err_set(err, "%s:1: Generation#: expected 1 or 2", name);
  if (key_num(lines[2], "Duration(Sec.):", &d) || d < 0) return err_set(err, "%s:3: Duration(Sec.): expected a number", name);
  if (key_num(lines[2], "#Channels:", &c) || c < 1 || c > ANC_MAX_CHAN || c != floor(c))
    return err_set(err, "%s:3: #Channels: expected a count 1..%d", name, ANC_MAX_CHAN);
  if (key_num(lines[3], "BitDepth:", &k) || k < 1 || k > 32) return err_set(err, "%s:4: BitDepth: expected 1..32", name);
  if (key_num(lines[3], "PreciseRate:", &r) || !(r > 0)) return err_set(err, "%s:4: PreciseRate: expected a rate > 0", name);
  if (strstr(lines[1], "Polarity:") && !strstr(lines[1], "Bipolar"))
    return err_set(err, "%s:2: Polarity: only Bipolar boards are supported (volts = count x range / 2^(BitDepth-1))", name);
  a->generation = (int)g, a->duration = d, a->nchan = (int)c, a->bit_depth = (int)k, a->rate = r;
  return 0;
}

/* "Name", "Rate", "Range" lines: the keyword then nchan fields. */
static int channel_line(char *line, int ln, const char *key, const char *name, anc_file *a, d2m_err *err) {
  char *w[ANC_MAX_CHAN + 2];
  /* labels may hold blanks ("R Rectus Femoris"): the Name line splits on tabs only */
  int n = words(line, !strcmp(key, "Name") ? "\t\r" : " \t\r", w, ANC_MAX_CHAN + 2);
  for (int i = 0; i < n; i++) {
    while (*w[i] == ' ') w[i]++;
    for (char *e = w[i] + strlen(w[i]); e > w[i] && e[-1] == ' ';) *--e = 0;
  }
  if (n < 1 || strcmp(w[0], key)) return err_set(err, "%s:%d: expected the '%s' line", name, ln, key);
  if (n - 1 != a->nchan) return err_set(err, "%s:%d: %s has %d fields but #Channels is %d", name, ln, key, n - 1, a->nchan);
  for (int i = 0; i < a->nchan; i++) {
    if (!strcmp(key, "Name")) {
      snprintf(a->label[i], MK_NAME_MAX, "%s", w[i + 1]);
      continue;
    }
    char *end;
    double v = strtod(w[i + 1], &end);
    if (*end || !isfinite(v) || v <= 0)
      return err_set(err, "%s:%d: %s of channel %d ('%s'): '%s' is not a positive number", name, ln, key, i + 1, a->label[i], w[i + 1]);
    (!strcmp(key, "Rate") ? a->chan_rate : a->range)[i] = v;
  }
  return 0;
}

static int parse_lines(char **lines, int nl, const char *name, anc_file *a, d2m_err *err) {
  if (parse_header(lines, nl, name, a, err)) return -1;
  int i = 4;
  while (i < nl && strspn(lines[i], " \t\r") == strlen(lines[i])) i++;
  if (i + 3 > nl) return err_set(err, "%s:%d: missing the Name, Rate and Range lines", name, i + 1);
  a->label = xcalloc((size_t)a->nchan, sizeof *a->label);
  a->chan_rate = xcalloc((size_t)a->nchan, sizeof(double));
  a->range = xcalloc((size_t)a->nchan, sizeof(double));
  if (channel_line(lines[i], i + 1, "Name", name, a, err) || channel_line(lines[i + 1], i + 2, "Rate", name, a, err) ||
      channel_line(lines[i + 2], i + 3, "Range", name, a, err))
    return -1;
  int first = i + 3, rows = 0;
  for (int k = first; k < nl; k++) rows += strspn(lines[k], " \t\r") != strlen(lines[k]);
  if (rows < 1 || (double)rows * a->nchan > ANC_MAX_SAMPLES) return err_set(err, "%s: %d data rows (need 1 or more, bounded)", name, rows);
  a->t = xmalloc(sizeof(double) * (size_t)rows);
  a->v = xmalloc(sizeof(double) * (size_t)rows * a->nchan);
  double gain = a->generation == 2 ? 1.0 / 1000 / ldexp(1.0, a->bit_depth - 1) : 1.0;
  char *w[ANC_MAX_CHAN + 2];
  for (int k = first; k < nl; k++) {
    if (strspn(lines[k], " \t\r") == strlen(lines[k])) continue;
    int n = words(lines[k], " \t\r", w, ANC_MAX_CHAN + 2), s = a->nsamples;
    if (n != a->nchan + 1) return err_set(err, "%s:%d: %d values, expected time and %d channels", name, k + 1, n, a->nchan);
    for (int c = 0; c <= a->nchan; c++) {
      char *end;
      double v = strtod(w[c], &end);
      if (*end || !isfinite(v))
        return err_set(err, "%s:%d: %s: '%s' is not a number", name, k + 1, c ? a->label[c - 1] : "time", w[c]);
      if (!c) a->t[s] = v;
      else a->v[(size_t)s * a->nchan + c - 1] = v * (a->generation == 2 ? gain * a->range[c - 1] : 1.0);
    }
    if (s > 0 && !(a->t[s] > a->t[s - 1])) return err_set(err, "%s:%d: time %g does not increase", name, k + 1, a->t[s]);
    a->nsamples++;
  }
  return 0;
}

int anc_parse(const char *text, size_t n, const char *name, anc_file *a, d2m_err *err) {
  memset(a, 0, sizeof *a);
  char *s = xmalloc(n + 1);
  memcpy(s, text, n);
  s[n] = 0;
  if (memchr(s, 0, n)) return free(s), err_set(err, "%s: contains a NUL byte: not a text .anc file", name);
  int nl = 1, cap = 1;
  for (size_t i = 0; i < n; i++) cap += s[i] == '\n';
  char **lines = xmalloc(sizeof(char *) * (size_t)cap);
  lines[0] = s;
  for (char *p = s; (p = strchr(p, '\n')); p++) *p = 0, lines[nl++] = p + 1;
  int rc = parse_lines(lines, nl, name, a, err);
  free(lines);
  free(s);
  if (rc) anc_free(a);
  return rc;
}

int anc_read(const char *path, anc_file *a, d2m_err *err) {
  uint8_t *buf;
  size_t n;
  memset(a, 0, sizeof *a);
  if (file_slurp(path, (size_t)1 << 30, &buf, &n, err)) return -1;
  int rc = anc_parse((const char *)buf, n, path, a, err);
  free(buf);
  return rc;
}
