/* mocap/bvh.c: BVH reader and forward kinematics (see bvh.h). */
#include "mocap/bvh.h"
#include "common/files.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_JOINTS = 4096, MAX_DEPTH = 256, MAX_VALUES = 50000000, MAX_FRAMES = 10000000 };

const char *const bvh_channel_name[6] = {"Xposition", "Yposition", "Zposition", "Xrotation", "Yrotation", "Zrotation"};

typedef struct {
  const char *p, *end;
  int line;
  const char *tok; /* current token */
  size_t len;
  int tok_line;
  const char *file;
  d2m_err *err;
} lex_t;

/* Advance to the next whitespace-separated token; 0 at the end of the text. */
static int next_tok(lex_t *x) {
  while (x->p < x->end && isspace((unsigned char)*x->p)) x->line += *x->p++ == '\n';
  if (x->p >= x->end) return x->tok = x->p, x->len = 0, x->tok_line = x->line, 0;
  x->tok = x->p, x->tok_line = x->line;
  while (x->p < x->end && !isspace((unsigned char)*x->p)) x->p++;
  x->len = (size_t)(x->p - x->tok);
  return 1;
}

static int is(const lex_t *x, const char *w) { return x->len == strlen(w) && !memcmp(x->tok, w, x->len); }

static int expect(lex_t *x, const char *w) {
  if (next_tok(x) && is(x, w)) return 0;
  return err_set(x->err, "%s:%d: expected '%s', found '%.*s'", x->file, x->tok_line, w, (int)(x->len < 40 ? x->len : 40),
                 x->len ? x->tok : "end of file");
}

static int tok_num(lex_t *x, const char *what, double *v) {
  char buf[64];
  if (!next_tok(x) || x->len >= sizeof buf) goto bad;
  memcpy(buf, x->tok, x->len);
  buf[x->len] = 0;
  char *e;
  errno = 0;
  *v = strtod(buf, &e);
  if (*e || errno == ERANGE || !isfinite(*v)) goto bad;
  return 0;
bad:
  return err_set(x->err, "%s:%d: %s: expected a number, found '%.*s'", x->file, x->tok_line, what,
                 (int)(x->len < 40 ? x->len : 40), x->len ? x->tok : "end of file");
}

static int parse_offset(lex_t *x, bvh_joint *j) {
  if (expect(x, "OFFSET")) return -1;
  for (int k = 0; k < 3; k++)
    if (tok_num(x, "OFFSET", &j->offset[k])) return -1;
  return 0;
}

static int parse_channels(lex_t *x, bvh_file *b, bvh_joint *j) {
  if (expect(x, "CHANNELS")) return -1;
  double n;
  if (tok_num(x, "CHANNELS count", &n)) return -1;
  if (!(n >= 0 && n <= 6 && n == floor(n)))
    return err_set(x->err, "%s:%d: CHANNELS count %g (0..6)", x->file, x->tok_line, n);
  j->nchan = (int)n;
  j->chan_start = b->nchannels;
  for (int c = 0; c < j->nchan; c++) {
    next_tok(x);
    j->chan[c] = -1;
    for (int k = 0; k < 6; k++)
      if (is(x, bvh_channel_name[k])) j->chan[c] = k;
    if (j->chan[c] < 0)
      return err_set(x->err, "%s:%d: joint %s: unknown channel '%.*s' (X/Y/Z position/rotation)", x->file, x->tok_line,
                     j->name, (int)(x->len < 40 ? x->len : 40), x->tok);
  }
  b->nchannels += j->nchan;
  return 0;
}

static bvh_joint *add_joint(lex_t *x, bvh_file *b, int parent) {
  if (b->njoints == MAX_JOINTS) {
    err_set(x->err, "%s:%d: more than %d joints", x->file, x->tok_line, MAX_JOINTS);
    return NULL;
  }
  bvh_joint *j = &b->joints[b->njoints++];
  memset(j, 0, sizeof *j);
  j->parent = parent;
  return j;
}

/* HIERARCHY ... up to MOTION, iteratively (a stack of open joints) so that no input can
 * exhaust the C stack. */
static int parse_hierarchy(lex_t *x, bvh_file *b) {
  if (expect(x, "HIERARCHY")) return -1;
  int stack[MAX_DEPTH], depth = 0;
  for (;;) {
    if (!next_tok(x)) return err_set(x->err, "%s:%d: end of file before MOTION", x->file, x->tok_line);
    if (depth == 0 && is(x, "MOTION")) break;
    if (is(x, "}")) {
      if (depth == 0) return err_set(x->err, "%s:%d: '}' without an open joint", x->file, x->tok_line);
      depth--;
      continue;
    }
    int root = is(x, "ROOT"), end_site = is(x, "End");
    if (!root && !end_site && !is(x, "JOINT"))
      return err_set(x->err, "%s:%d: expected ROOT, JOINT, End Site or '}', found '%.*s'", x->file, x->tok_line,
                     (int)(x->len < 40 ? x->len : 40), x->tok);
    if (root != (depth == 0))
      return err_set(x->err, "%s:%d: %s", x->file, x->tok_line, root ? "ROOT inside a joint" : "JOINT or End Site outside ROOT");
    if (depth == MAX_DEPTH) return err_set(x->err, "%s:%d: hierarchy deeper than %d", x->file, x->tok_line, MAX_DEPTH);
    int parent = depth ? stack[depth - 1] : -1;
    bvh_joint *j = add_joint(x, b, parent);
    if (!j) return -1;
    if (!next_tok(x)) return err_set(x->err, "%s:%d: joint name missing", x->file, x->tok_line);
    if (end_site) {
      if (!is(x, "Site")) return err_set(x->err, "%s:%d: expected 'End Site'", x->file, x->tok_line);
      j->is_end = 1;
      snprintf(j->name, sizeof j->name, "%.59s_End", b->joints[parent].name);
    } else {
      mk_copy_trim(j->name, sizeof j->name, x->tok, x->len);
    }
    if (expect(x, "{") || parse_offset(x, j)) return -1;
    if (end_site) {
      if (expect(x, "}")) return -1;
      continue;
    }
    if (parse_channels(x, b, j)) return -1;
    stack[depth++] = b->njoints - 1;
  }
  if (b->njoints == 0) return err_set(x->err, "%s:%d: no ROOT before MOTION", x->file, x->tok_line);
  return 0;
}

/* MOTION: Frames / Frame Time / one line of nchannels values per frame. */
static int parse_motion(lex_t *x, bvh_file *b) {
  double nf, ft;
  if (expect(x, "Frames:") || tok_num(x, "Frames", &nf)) return -1;
  int frames_line = x->tok_line;
  if (!(nf >= 0 && nf == floor(nf) && nf <= MAX_FRAMES && nf * (b->nchannels ? b->nchannels : 1) <= MAX_VALUES))
    return err_set(x->err, "%s:%d: Frames %g: not a count or more than %d values", x->file, x->tok_line, nf, MAX_VALUES);
  if (expect(x, "Frame") || expect(x, "Time:") || tok_num(x, "Frame Time", &ft)) return -1;
  if (!(ft > 0)) return err_set(x->err, "%s:%d: Frame Time %g must be positive", x->file, x->tok_line, ft);
  b->frame_time = ft;
  /* Count the rows first so that Frames cannot ask for more memory than the file holds. */
  int rows = 0;
  for (const char *p = x->p; p < x->end;) {
    const char *e = memchr(p, '\n', (size_t)(x->end - p));
    const char *q = p, *le = e ? e : x->end;
    while (q < le && isspace((unsigned char)*q)) q++;
    rows += q < le;
    p = e ? e + 1 : x->end;
  }
  if (rows != (int)nf) return err_set(x->err, "%s:%d: Frames is %g but %d rows of values follow", x->file, frames_line, nf, rows);
  b->nframes = (int)nf;
  b->motion = xmalloc(((size_t)b->nframes * (size_t)b->nchannels + 1) * sizeof *b->motion);
  for (int f = 0; f < b->nframes; f++) {
    /* skip blank lines, then read exactly nchannels numbers from one line */
    while (x->p < x->end && isspace((unsigned char)*x->p)) x->line += *x->p++ == '\n';
    int row_line = x->line;
    for (int c = 0; c < b->nchannels; c++) {
      while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\r')) x->p++;
      if (x->p >= x->end || *x->p == '\n')
        return err_set(x->err, "%s:%d: frame %d has %d values, expected %d", x->file, row_line, f, c, b->nchannels);
      if (tok_num(x, "frame value", &b->motion[(size_t)f * (size_t)b->nchannels + (size_t)c])) return -1;
    }
    while (x->p < x->end && (*x->p == ' ' || *x->p == '\t' || *x->p == '\r')) x->p++;
    if (x->p < x->end && *x->p != '\n')
      return err_set(x->err, "%s:%d: frame %d has more than %d values", x->file, row_line, f, b->nchannels);
  }
  return 0;
}

int bvh_parse(const char *text, size_t n, const char *name, bvh_file *out, d2m_err *err) {
  memset(out, 0, sizeof *out);
  /* Text formats: a NUL byte is corruption, and the C string functions below would stop at it. */
  const char *nul = memchr(text, 0, n);
  if (nul) {
    int line = 1;
    for (const char *p = text; p < nul; p++) line += *p == '\n';
    return err_set(err, "%s:%d: NUL byte at offset %zu: not a %s text file", name, line, (size_t)(nul - text), "BVH");
  }
  lex_t x = {.p = text, .end = text + n, .line = 1, .file = name, .err = err};
  out->joints = xmalloc(MAX_JOINTS * sizeof *out->joints);
  int rc = parse_hierarchy(&x, out) || parse_motion(&x, out) ? -1 : 0;
  if (!rc) { /* give back the unused part of the joint table */
    bvh_joint *j = realloc(out->joints, (size_t)out->njoints * sizeof *j);
    if (j) out->joints = j;
  }
  if (rc) bvh_free(out);
  return rc;
}

int bvh_read(const char *path, bvh_file *out, d2m_err *err) {
  uint8_t *buf;
  size_t n;
  memset(out, 0, sizeof *out);
  if (file_slurp(path, (size_t)1 << 30, &buf, &n, err)) return -1;
  int rc = bvh_parse((const char *)buf, n, path, out, err);
  free(buf);
  return rc;
}

void bvh_free(bvh_file *b) {
  if (!b) return;
  free(b->joints);
  free(b->motion);
  memset(b, 0, sizeof *b);
}

int bvh_find(const bvh_file *b, const char *name) {
  for (int i = 0; i < b->njoints; i++)
    if (!strcmp(b->joints[i].name, name)) return i;
  return -1;
}

static void matmul3(const double *a, const double *b, double *c) {
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++) c[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
}

/* Rotation about axis (0 x, 1 y, 2 z) by deg degrees. */
static void axis_rot(int axis, double deg, double *r) {
  double a = deg * (M_PI / 180.0), c = cos(a), s = sin(a);
  int i = (axis + 1) % 3, k = (axis + 2) % 3;
  memset(r, 0, 9 * sizeof *r);
  r[3 * axis + axis] = 1;
  r[3 * i + i] = c, r[3 * i + k] = -s;
  r[3 * k + i] = s, r[3 * k + k] = c;
}

void bvh_fk(const bvh_file *b, int frame, double *pos, double *rot) {
  D2M_CHECK(frame >= 0 && frame < b->nframes, "bvh_fk frame index out of range");
  double rbuf[9 * 64], *R = rot;
  if (!R) R = b->njoints <= 64 ? rbuf : xmalloc((size_t)b->njoints * 9 * sizeof *R);
  const double *v = b->motion + (size_t)frame * (size_t)b->nchannels;
  for (int i = 0; i < b->njoints; i++) {
    const bvh_joint *j = &b->joints[i];
    double t[3] = {j->offset[0], j->offset[1], j->offset[2]};
    double L[9] = {1, 0, 0, 0, 1, 0, 0, 0, 1}, A[9], T[9];
    for (int c = 0; c < j->nchan; c++) {
      double val = v[j->chan_start + c];
      if (j->chan[c] < BVH_XROT) {
        t[j->chan[c]] += val; /* position channels add to the offset */
      } else {
        axis_rot(j->chan[c] - BVH_XROT, val, A);
        matmul3(L, A, T); /* later channels act first on the child: R = R_c1 R_c2 ... */
        memcpy(L, T, sizeof L);
      }
    }
    double *Ri = R + 9 * i, *pi = pos + 3 * i;
    if (j->parent < 0) {
      memcpy(Ri, L, sizeof L);
      memcpy(pi, t, sizeof t);
    } else {
      const double *Rp = R + 9 * j->parent, *pp = pos + 3 * j->parent;
      matmul3(Rp, L, Ri);
      for (int k = 0; k < 3; k++) pi[k] = pp[k] + Rp[3 * k] * t[0] + Rp[3 * k + 1] * t[1] + Rp[3 * k + 2] * t[2];
    }
  }
  if (!rot && R != rbuf) free(R);
}
