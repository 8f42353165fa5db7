/* mocap/asf.c: ASF/AMC reader and forward kinematics (see asf.h). */
#include "mocap/asf.h"
#include "common/files.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { MAX_BONES = 1024, MAX_TOK = 64, MAX_VALUES = 50000000 };

/* One logical line split into whitespace-separated tokens. */
typedef struct {
  const char *p, *end, *file;
  int line, next_line;
  int ntok;
  const char *tok[MAX_TOK];
  int len[MAX_TOK];
  d2m_err *err;
} cur_t;

/* The next line that is neither blank nor a '#' comment; 0 at the end of the text, -1 when it
 * has more than MAX_TOK fields. */
static int next_line(cur_t *c) {
  while (c->p < c->end) {
    const char *e = memchr(c->p, '\n', (size_t)(c->end - c->p)), *le = e ? e : c->end, *q = c->p;
    c->line = c->next_line++;
    c->p = e ? e + 1 : c->end;
    c->ntok = 0;
    while (q < le) {
      while (q < le && isspace((unsigned char)*q)) q++;
      if (q >= le) break;
      if (c->ntok == 0 && *q == '#') break;
      if (c->ntok == MAX_TOK) return err_set(c->err, "%s:%d: more than %d fields on a line", c->file, c->line, MAX_TOK);
      c->tok[c->ntok] = q;
      while (q < le && !isspace((unsigned char)*q)) q++;
      c->len[c->ntok] = (int)(q - c->tok[c->ntok]);
      c->ntok++;
    }
    if (c->ntok) return 1;
  }
  return 0;
}

static int tok_is(const cur_t *c, int i, const char *w) {
  return i < c->ntok && c->len[i] == (int)strlen(w) && !strncasecmp(c->tok[i], w, (size_t)c->len[i]);
}

static int tok_len40(const cur_t *c, int i) { return c->len[i] < 40 ? c->len[i] : 40; }

static int tok_num(const cur_t *c, int i, const char *what, double *v) {
  char buf[64];
  if (i >= c->ntok) return err_set(c->err, "%s:%d: %s: value missing", c->file, c->line, what);
  if (c->len[i] >= (int)sizeof buf) goto bad;
  memcpy(buf, c->tok[i], (size_t)c->len[i]);
  buf[c->len[i]] = 0;
  char *e;
  errno = 0;
  *v = strtod(buf, &e);
  if (*e || errno == ERANGE || !isfinite(*v)) goto bad;
  return 0;
bad:
  return err_set(c->err, "%s:%d: %s: expected a number, found '%.*s'", c->file, c->line, what, tok_len40(c, i), c->tok[i]);
}

/* n numbers from token `first` on; exactly that many fields on the line. */
static int tok_nums(const cur_t *c, int first, int n, const char *what, double *v) {
  if (c->ntok != first + n)
    return err_set(c->err, "%s:%d: %s: expected %d values, found %d", c->file, c->line, what, n, c->ntok - first);
  for (int k = 0; k < n; k++)
    if (tok_num(c, first + k, what, &v[k])) return -1;
  return 0;
}

static void matmul3(const double *a, const double *b, double *r) {
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) r[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
}

/* R = rot(axis, rad) R: the new rotation acts after the ones already in R. */
static void rot_after(double *R, int axis, double rad) {
  double A[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, T[9], c = cos(rad), s = sin(rad);
  int i = (axis + 1) % 3, k = (axis + 2) % 3;
  A[3 * i + i] = c, A[3 * i + k] = -s, A[3 * k + i] = s, A[3 * k + k] = c;
  matmul3(A, R, T);
  memcpy(R, T, sizeof T);
}

/* Per-bone values of the ASF that are resolved after the whole file is read. */
typedef struct {
  double axis[3];
  int order[3]; /* 0 x, 1 y, 2 z */
  int has_dir, has_len, has_axis;
} bone_raw;

typedef struct {
  asf_file *a;
  bone_raw *raw;
  int angle_rad; /* :units angle rad */
  int in_bone, in_hier;
} asf_state;

/* "XYZ"-like axis order into three axis indices. */
static int parse_order(const cur_t *c, int i, int order[3]) {
  int seen = 0;
  if (i >= c->ntok || c->len[i] != 3) goto bad;
  for (int k = 0; k < 3; k++) {
    int ch = toupper((unsigned char)c->tok[i][k]);
    if (ch < 'X' || ch > 'Z' || (seen & (1 << (ch - 'X')))) goto bad;
    seen |= 1 << (ch - 'X');
    order[k] = ch - 'X';
  }
  return 0;
bad:
  return err_set(c->err, "%s:%d: axis order '%.*s': expected a permutation of XYZ", c->file, c->line,
                 i < c->ntok ? tok_len40(c, i) : 0, i < c->ntok ? c->tok[i] : "");
}

/* dof list of a bone (rx ry rz) or the root's order (TX TY TZ RX RY RZ), tokens from `first`. */
static int parse_dofs(const cur_t *c, int first, int allow_t, asf_bone *b) {
  static const char *const names[6] = {"tx", "ty", "tz", "rx", "ry", "rz"};
  int seen = 0;
  b->ndof = 0;
  for (int i = first; i < c->ntok; i++) {
    int d = -1;
    for (int k = allow_t ? 0 : ASF_RX; k < 6; k++)
      if (tok_is(c, i, names[k])) d = k;
    if (d < 0 || (seen & (1 << d)))
      return err_set(c->err, "%s:%d: %s: %s '%.*s' (%s)", c->file, c->line, b->name, d < 0 ? "unsupported dof" : "repeated dof",
                     tok_len40(c, i), c->tok[i], allow_t ? "TX TY TZ RX RY RZ" : "rx ry rz");
    seen |= 1 << d;
    b->dof[b->ndof++] = d;
  }
  return 0;
}

static int units_line(cur_t *c, asf_state *s) {
  if (tok_is(c, 0, "length")) {
    if (tok_nums(c, 1, 1, "units length", &s->a->length_unit)) return -1;
    if (!(s->a->length_unit > 0)) return err_set(c->err, "%s:%d: units length %g must be positive", c->file, c->line, s->a->length_unit);
  } else if (tok_is(c, 0, "angle")) {
    if (!tok_is(c, 1, "deg") && !tok_is(c, 1, "rad"))
      return err_set(c->err, "%s:%d: units angle: expected deg or rad", c->file, c->line);
    s->angle_rad = tok_is(c, 1, "rad");
  }
  return 0; /* mass and other units do not matter for kinematics */
}

static int root_line(cur_t *c, asf_state *s) {
  asf_bone *r = &s->a->bones[0];
  if (tok_is(c, 0, "order")) return parse_dofs(c, 1, 1, r);
  if (tok_is(c, 0, "axis")) return s->raw[0].has_axis = 1, parse_order(c, 1, s->raw[0].order);
  if (tok_is(c, 0, "position")) return tok_nums(c, 1, 3, "root position", s->a->root_pos);
  if (tok_is(c, 0, "orientation")) return tok_nums(c, 1, 3, "root orientation", s->raw[0].axis);
  return err_set(c->err, "%s:%d: :root: unknown field '%.*s' (order, axis, position, orientation)", c->file, c->line,
                 tok_len40(c, 0), c->tok[0]);
}

static int bone_end(cur_t *c, asf_state *s) {
  asf_bone *b = &s->a->bones[s->a->nbones - 1];
  bone_raw *r = &s->raw[s->a->nbones - 1];
  const char *miss = !b->name[0] ? "name" : !r->has_dir ? "direction" : !r->has_len ? "length" : !r->has_axis ? "axis" : NULL;
  if (miss) return err_set(c->err, "%s:%d: bone defined at line %d has no %s", c->file, c->line, b->line, miss);
  double n = sqrt(b->dir[0] * b->dir[0] + b->dir[1] * b->dir[1] + b->dir[2] * b->dir[2]);
  if (!(n > 1e-9)) return err_set(c->err, "%s:%d: bone %s: direction is zero", c->file, c->line, b->name);
  for (int k = 0; k < 3; k++) b->dir[k] /= n; /* files round the unit vector to 6 digits */
  s->in_bone = 0;
  return 0;
}

static int bone_line(cur_t *c, asf_state *s) {
  asf_file *a = s->a;
  if (!s->in_bone) {
    if (!tok_is(c, 0, "begin"))
      return err_set(c->err, "%s:%d: :bonedata: expected 'begin', found '%.*s'", c->file, c->line, tok_len40(c, 0), c->tok[0]);
    if (a->nbones == MAX_BONES) return err_set(c->err, "%s:%d: more than %d bones", c->file, c->line, MAX_BONES);
    asf_bone *b = &a->bones[a->nbones++];
    memset(b, 0, sizeof *b);
    memset(&s->raw[a->nbones - 1], 0, sizeof *s->raw);
    b->line = c->line;
    b->parent = -1;
    s->in_bone = 1;
    return 0;
  }
  asf_bone *b = &a->bones[a->nbones - 1];
  bone_raw *r = &s->raw[a->nbones - 1];
  if (tok_is(c, 0, "end")) return bone_end(c, s);
  if (tok_is(c, 0, "name")) {
    if (c->ntok != 2) return err_set(c->err, "%s:%d: name: expected one word", c->file, c->line);
    mk_copy_trim(b->name, sizeof b->name, c->tok[1], (size_t)c->len[1]);
    if (asf_find(a, b->name) != a->nbones - 1)
      return err_set(c->err, "%s:%d: bone name '%s' used twice (or 'root')", c->file, c->line, b->name);
  } else if (tok_is(c, 0, "direction")) {
    r->has_dir = 1;
    return tok_nums(c, 1, 3, "direction", b->dir);
  } else if (tok_is(c, 0, "length")) {
    r->has_len = 1;
    if (tok_nums(c, 1, 1, "length", &b->length)) return -1;
    if (b->length < 0) return err_set(c->err, "%s:%d: length %g is negative", c->file, c->line, b->length);
  } else if (tok_is(c, 0, "axis")) {
    if (c->ntok != 5) return err_set(c->err, "%s:%d: axis: expected 3 angles and an order (XYZ)", c->file, c->line);
    r->has_axis = 1;
    for (int k = 0; k < 3; k++)
      if (tok_num(c, 1 + k, "axis", &r->axis[k])) return -1;
    return parse_order(c, 4, r->order);
  } else if (tok_is(c, 0, "dof")) {
    return parse_dofs(c, 1, 0, b);
  }
  return 0; /* id, limits and their continuation lines, bodymass, cofmass: not needed */
}

static int hier_line(cur_t *c, asf_state *s) {
  asf_file *a = s->a;
  if (tok_is(c, 0, "begin") || tok_is(c, 0, "end")) return s->in_hier = tok_is(c, 0, "begin"), 0;
  if (!s->in_hier) return err_set(c->err, "%s:%d: :hierarchy: expected 'begin'", c->file, c->line);
  char name[MK_NAME_MAX];
  int idx[MAX_TOK];
  for (int i = 0; i < c->ntok; i++) {
    mk_copy_trim(name, sizeof name, c->tok[i], (size_t)c->len[i]);
    if ((idx[i] = asf_find(a, name)) < 0) return err_set(c->err, "%s:%d: :hierarchy: unknown bone '%s'", c->file, c->line, name);
  }
  for (int i = 1; i < c->ntok; i++) {
    asf_bone *b = &a->bones[idx[i]];
    if (idx[i] == 0 || b->parent != -1 || idx[i] == idx[0])
      return err_set(c->err, "%s:%d: :hierarchy: bone '%s' %s", c->file, c->line, b->name,
                     idx[i] == 0 ? "is the root" : idx[i] == idx[0] ? "is its own parent" : "has a second parent");
    b->parent = idx[0];
  }
  return 0;
}

/* Rotation from three angles applied in `order` (first acts first). */
static void euler(const double ang[3], const int order[3], double scale, double *R) {
  static const double I[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1};
  memcpy(R, I, sizeof I);
  for (int k = 0; k < 3; k++) rot_after(R, order[k], ang[order[k]] * scale);
}

/* Sort bones parents first, resolve the axis rotations, number the motion columns. */
static int finish(cur_t *c, asf_state *s) {
  asf_file *a = s->a;
  int n = a->nbones, *pos = xmalloc(sizeof(int) * (size_t)n), *order = xmalloc(sizeof(int) * (size_t)n), k = 1, rc = 0;
  for (int i = 1; i < n; i++)
    if (a->bones[i].parent < 0) {
      rc = err_set(c->err, "%s:%d: bone %s is not in :hierarchy", c->file, a->bones[i].line, a->bones[i].name);
      goto out;
    }
  for (int i = 0; i < n; i++) pos[i] = -1;
  pos[0] = 0, order[0] = 0;
  for (int placed = 1; placed && k < n;) { /* a pass places each bone whose parent is placed */
    placed = 0;
    for (int i = 1; i < n; i++)
      if (pos[i] < 0 && pos[a->bones[i].parent] >= 0) pos[i] = k, order[k++] = i, placed = 1;
  }
  if (k < n) {
    rc = err_set(c->err, "%s: :hierarchy has a cycle (bones not reachable from root)", c->file);
    goto out;
  }
  asf_bone *sorted = xmalloc(sizeof *sorted * (size_t)n);
  bone_raw *raw = xmalloc(sizeof *raw * (size_t)n);
  for (int i = 0; i < n; i++) {
    sorted[i] = a->bones[order[i]], raw[i] = s->raw[order[i]];
    if (sorted[i].parent >= 0) sorted[i].parent = pos[sorted[i].parent];
  }
  free(a->bones), free(s->raw);
  a->bones = sorted, s->raw = raw;
  a->ncols = 0;
  for (int i = 0; i < n; i++) {
    euler(raw[i].axis, raw[i].order, s->angle_rad ? 1 : M_PI / 180, a->bones[i].C);
    a->bones[i].col = a->ncols;
    a->ncols += a->bones[i].ndof;
  }
out:
  free(pos), free(order);
  return rc;
}

static int nul_check(const char *text, size_t n, const char *name, const char *what, d2m_err *err) {
  const char *nul = memchr(text, 0, n);
  if (!nul) return 0;
  int line = 1;
  for (const char *p = text; p < nul; p++) line += *p == '\n';
  return err_set(err, "%s:%d: NUL byte at offset %zu: not an %s text file", name, line, (size_t)(nul - text), what);
}

static int asf_body(cur_t *c, asf_state *s) {
  enum { SKIP, UNITS, ROOT, BONES, HIER } sec = SKIP;
  int rc, seen_root = 0;
  while ((rc = next_line(c)) > 0) {
    if (c->tok[0][0] == ':') {
      if (s->in_bone) return err_set(c->err, "%s:%d: section inside a bone block (missing 'end')", c->file, c->line);
      sec = tok_is(c, 0, ":units") ? UNITS : tok_is(c, 0, ":root") ? ROOT : tok_is(c, 0, ":bonedata") ? BONES
          : tok_is(c, 0, ":hierarchy") ? HIER : SKIP;
      seen_root |= sec == ROOT;
      continue;
    }
    rc = sec == UNITS ? units_line(c, s) : sec == ROOT ? root_line(c, s) : sec == BONES ? bone_line(c, s) : sec == HIER ? hier_line(c, s) : 0;
    if (rc) return -1;
  }
  if (rc < 0) return -1;
  if (s->in_bone) return err_set(c->err, "%s:%d: end of file inside a bone block", c->file, c->line);
  if (!seen_root) return err_set(c->err, "%s: no :root section", c->file);
  return finish(c, s);
}

int asf_parse(const char *text, size_t n, const char *name, asf_file *out, d2m_err *err) {
  memset(out, 0, sizeof *out);
  if (nul_check(text, n, name, "ASF", err)) return -1;
  cur_t c = {.p = text, .end = text + n, .file = name, .next_line = 1, .err = err};
  asf_state s = {.a = out};
  out->length_unit = 1;
  out->rate = 120;
  out->bones = xmalloc(MAX_BONES * sizeof *out->bones);
  s.raw = xmalloc(MAX_BONES * sizeof *s.raw);
  memset(&out->bones[0], 0, sizeof out->bones[0]);
  memset(&s.raw[0], 0, sizeof s.raw[0]);
  snprintf(out->bones[0].name, MK_NAME_MAX, "root");
  out->bones[0].parent = -1;
  s.raw[0].order[0] = 0, s.raw[0].order[1] = 1, s.raw[0].order[2] = 2;
  out->nbones = 1;
  int rc = asf_body(&c, &s);
  free(s.raw);
  if (rc) asf_free(out);
  return rc;
}

/* A frame-number line: one token of digits. */
static int is_frame_line(const cur_t *c) {
  if (c->ntok != 1 || c->len[0] > 9) return 0;
  for (int i = 0; i < c->len[0]; i++)
    if (!isdigit((unsigned char)c->tok[0][i])) return 0;
  return 1;
}

/* Every bone with dofs must have had its line in frame f (seen[b] == f). */
static int frame_complete(const cur_t *c, const asf_file *a, const int *seen, int f, int line) {
  for (int b = 0; b < a->nbones; b++)
    if (a->bones[b].ndof && seen[b] != f)
      return err_set(c->err, "%s:%d: frame %d has no line for bone %s", c->file, line, f + 1, a->bones[b].name);
  return 0;
}

static int amc_header(cur_t *c, asf_file *a, int *deg) {
  if (tok_is(c, 0, ":DEGREES") || tok_is(c, 0, ":RADIANS")) *deg = tok_is(c, 0, ":DEGREES");
  else if (tok_is(c, 0, ":SAMPLES-PER-SECOND")) {
    if (tok_nums(c, 1, 1, ":SAMPLES-PER-SECOND", &a->rate)) return -1;
    if (!(a->rate > 0 && a->rate <= 1e6)) return err_set(c->err, "%s:%d: :SAMPLES-PER-SECOND %g outside (0, 1e6]", c->file, c->line, a->rate);
  }
  return 0; /* :FULLY-SPECIFIED and others say nothing the reader needs */
}

/* One "bone v1 .. vk" line of frame f. */
static int amc_bone(cur_t *c, asf_file *a, int *seen, int f, int deg) {
  char name[MK_NAME_MAX];
  mk_copy_trim(name, sizeof name, c->tok[0], (size_t)c->len[0]);
  int b = asf_find(a, name);
  if (b < 0) return err_set(c->err, "%s:%d: unknown bone '%s' (not in the ASF)", c->file, c->line, name);
  const asf_bone *bn = &a->bones[b];
  if (seen[b] == f) return err_set(c->err, "%s:%d: bone %s twice in frame %d", c->file, c->line, name, f + 1);
  if (c->ntok - 1 != bn->ndof)
    return err_set(c->err, "%s:%d: bone %s has %d values, the ASF gives it %d dofs", c->file, c->line, name, c->ntok - 1, bn->ndof);
  seen[b] = f;
  double *v = a->motion + (size_t)f * (size_t)a->ncols + (size_t)bn->col;
  for (int k = 0; k < bn->ndof; k++) {
    if (tok_num(c, 1 + k, name, &v[k])) return -1;
    if (bn->dof[k] >= ASF_RX && deg) v[k] *= M_PI / 180;
  }
  return 0;
}

static int amc_body(cur_t *c, asf_file *a, int *seen) {
  int deg = 1, f = -1, rc, frame_line = 0;
  long first = 0;
  while ((rc = next_line(c)) > 0) {
    if (c->tok[0][0] == ':') {
      if (f >= 0) return err_set(c->err, "%s:%d: header line after the first frame", c->file, c->line);
      if (amc_header(c, a, &deg)) return -1;
    } else if (is_frame_line(c)) {
      long num = 0; /* digits only (is_frame_line), and the text need not end in a NUL */
      for (int i = 0; i < c->len[0]; i++) num = 10 * num + (c->tok[0][i] - '0');
      if (f >= 0 && frame_complete(c, a, seen, f, frame_line)) return -1;
      if (f < 0) first = num;
      else if (num != first + f + 1)
        return err_set(c->err, "%s:%d: frame number %ld, expected %ld", c->file, c->line, num, first + f + 1);
      f++, frame_line = c->line;
    } else if (f < 0) {
      return err_set(c->err, "%s:%d: '%.*s' before the first frame number", c->file, c->line, tok_len40(c, 0), c->tok[0]);
    } else if (amc_bone(c, a, seen, f, deg)) {
      return -1;
    }
  }
  if (rc < 0) return -1;
  if (f < 0) return err_set(c->err, "%s: no frames", c->file);
  a->nframes = f + 1;
  return frame_complete(c, a, seen, f, frame_line);
}

int amc_parse(const char *text, size_t n, const char *name, asf_file *a, d2m_err *err) {
  free(a->motion);
  a->motion = NULL, a->nframes = 0;
  if (nul_check(text, n, name, "AMC", err)) return -1;
  /* Count the frame-number lines first: the motion table cannot outgrow the file. */
  cur_t c = {.p = text, .end = text + n, .file = name, .next_line = 1, .err = err};
  long frames = 0;
  int rc;
  while ((rc = next_line(&c)) > 0) frames += is_frame_line(&c);
  if (rc < 0) return -1;
  if ((double)frames * (a->ncols ? a->ncols : 1) > MAX_VALUES)
    return err_set(err, "%s: %ld frames of %d values: more than %d values", name, frames, a->ncols, MAX_VALUES);
  a->motion = xmalloc(((size_t)frames * (size_t)a->ncols + 1) * sizeof *a->motion);
  int *seen = xmalloc(sizeof(int) * (size_t)a->nbones);
  for (int b = 0; b < a->nbones; b++) seen[b] = -1;
  c = (cur_t){.p = text, .end = text + n, .file = name, .next_line = 1, .err = err};
  rc = amc_body(&c, a, seen);
  free(seen);
  if (rc) free(a->motion), a->motion = NULL, a->nframes = 0;
  return rc;
}

static int slurp_parse(const char *path, asf_file *a, int amc, d2m_err *err) {
  uint8_t *buf;
  size_t n;
  if (file_slurp(path, (size_t)1 << 30, &buf, &n, err)) return -1;
  int rc = amc ? amc_parse((const char *)buf, n, path, a, err) : asf_parse((const char *)buf, n, path, a, err);
  free(buf);
  return rc;
}

int asf_read(const char *asf_path, const char *amc_path, asf_file *out, d2m_err *err) {
  memset(out, 0, sizeof *out);
  if (slurp_parse(asf_path, out, 0, err)) return -1;
  if (slurp_parse(amc_path, out, 1, err)) return asf_free(out), -1;
  return 0;
}

void asf_free(asf_file *a) {
  if (!a) return;
  free(a->bones);
  free(a->motion);
  memset(a, 0, sizeof *a);
}

int asf_find(const asf_file *a, const char *name) {
  for (int i = 0; i < a->nbones; i++)
    if (!strcmp(a->bones[i].name, name)) return i;
  return -1;
}

/* World rotation and start of bone i from its parent's (already computed). */
static void fk_bone(const asf_file *a, int i, const double *v, double *R, double *S, double *E) {
  const asf_bone *b = &a->bones[i];
  double M[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, CM[9], L[9], Ct[9], t[3] = {a->root_pos[0], a->root_pos[1], a->root_pos[2]};
  for (int k = 0; k < b->ndof; k++) {
    if (b->dof[k] >= ASF_RX) rot_after(M, b->dof[k] - ASF_RX, v[b->col + k]);
    else t[b->dof[k]] = v[b->col + k]; /* the root's translation channels are absolute */
  }
  for (int r = 0; r < 3; r++)
    for (int s = 0; s < 3; s++) Ct[3 * r + s] = b->C[3 * s + r];
  matmul3(b->C, M, CM);
  matmul3(CM, Ct, L);
  double *Ri = R + 9 * i, *si = S + 3 * i, *ei = E + 3 * i;
  if (b->parent < 0) {
    memcpy(Ri, L, sizeof L);
    memcpy(si, t, sizeof t);
  } else {
    matmul3(R + 9 * b->parent, L, Ri);
    memcpy(si, E + 3 * b->parent, 3 * sizeof *si);
  }
  for (int k = 0; k < 3; k++)
    ei[k] = si[k] + b->length * (Ri[3 * k] * b->dir[0] + Ri[3 * k + 1] * b->dir[1] + Ri[3 * k + 2] * b->dir[2]);
}

void asf_fk(const asf_file *a, int frame, double *start, double *end, double *rot) {
  D2M_CHECK(frame >= 0 && frame < a->nframes, "asf_fk frame index out of range");
  size_t nb = (size_t)a->nbones;
  double *R = rot ? rot : xmalloc(nb * 9 * sizeof *R), *E = end ? end : xmalloc(nb * 3 * sizeof *E);
  const double *v = a->motion + (size_t)frame * (size_t)a->ncols;
  for (int i = 0; i < a->nbones; i++) fk_bone(a, i, v, R, start, E);
  if (!rot) free(R);
  if (!end) free(E);
}
