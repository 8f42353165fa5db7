/* mocap/c3d.c: C3D reader (see c3d.h). Layout facts from the C3D user guide
 * (https://www.c3d.org/HTML/default.htm): 512-byte blocks; header block 1 (word 1: parameter
 * block | 0x50 key, word 2: points, 3: analog values per frame, 4/5: first/last frame, 7-8:
 * scale, 9: data start block, 10: analog samples per frame, 11-12: rate); parameter section
 * header (byte 3: processor 83+type); then groups (negative id) and parameters (positive id)
 * each with a name, a 16-bit offset to the next entry and, for parameters, type (-1 char,
 * 1 byte, 2 int16, 4 float), dimensions and data. */
#include "mocap/c3d.h"
#include "common/files.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { MAX_PARAMS = 8192, MAX_FRAMES = 50000000, BLOCK = 512 };

const char *const c3d_point_kind_name[C3D_POINT_NKINDS] = {"marker", "angle",  "force",   "moment",
                                                           "power",  "scalar", "reaction"};

typedef struct {
  int gid;               /* group id (1..127) */
  char name[32];
  int type;              /* -1 char, 1 byte, 2 int16, 4 float */
  int ndim, dim[7];
  size_t off;            /* data offset in the file */
  uint64_t nelem;        /* product of dims (1 for a scalar) */
} c3d_param;

typedef struct {
  const uint8_t *b;
  size_t n;
  const char *file;
  int proc;
  c3d_param *p;
  int np;
  char groups[129][32]; /* by group id; "" when not declared */
  d2m_err *err;
} ctx_t;

/* ---- scalar decoding per processor ---- */
static unsigned rd_u16(const ctx_t *c, size_t off) {
  const uint8_t *q = c->b + off;
  return c->proc == C3D_PROC_MIPS ? (unsigned)(q[0] << 8 | q[1]) : (unsigned)(q[1] << 8 | q[0]);
}
static int rd_i16(const ctx_t *c, size_t off) { return (int16_t)rd_u16(c, off); }

double c3d_vax_to_double(const uint8_t b[4]) {
  /* VAX F: two little-endian 16-bit words, high word first; value 0.1m x 2^(e-128). */
  uint32_t w = (uint32_t)b[1] << 24 | (uint32_t)b[0] << 16 | (uint32_t)b[3] << 8 | b[2];
  int e = (int)(w >> 23 & 0xff);
  if (e == 0) return 0.0; /* true zero (sign set would be a VAX reserved operand: read as 0) */
  double m = (double)((w & 0x7fffff) | 0x800000) / 16777216.0;
  double v = ldexp(m, e - 128);
  return (w >> 31) ? -v : v;
}

void c3d_double_to_vax(double v, uint8_t b[4]) {
  int ex;
  double f = frexp(fabs(v), &ex); /* f in [0.5, 1) */
  uint32_t w = 0;
  if (v != 0 && ex + 128 >= 1 && ex + 128 <= 255) {
    uint32_t m = (uint32_t)llround(f * 16777216.0);
    if (m >= 0x1000000) m >>= 1, ex++;
    w = (v < 0 ? 0x80000000u : 0) | (uint32_t)(ex + 128) << 23 | (m & 0x7fffff);
  }
  b[1] = (uint8_t)(w >> 24), b[0] = (uint8_t)(w >> 16), b[3] = (uint8_t)(w >> 8), b[2] = (uint8_t)w;
}

static double rd_f32(const ctx_t *c, size_t off) {
  const uint8_t *q = c->b + off;
  if (c->proc == C3D_PROC_DEC) return c3d_vax_to_double(q);
  uint32_t w = c->proc == C3D_PROC_MIPS ? (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3]
                                        : (uint32_t)q[3] << 24 | (uint32_t)q[2] << 16 | (uint32_t)q[1] << 8 | q[0];
  float f;
  memcpy(&f, &w, 4);
  return f;
}

/* ---- parameter section ---- */
static int need(ctx_t *c, size_t off, uint64_t len, size_t end, const char *what) {
  if (off > end || len > end - off)
    return err_set(c->err, "%s: byte %zu: %s (%llu bytes) runs past byte %zu%s", c->file, off, what,
                   (unsigned long long)len, end, end == c->n ? " (end of file)" : " (end of the parameter section)");
  return 0;
}

static int parse_param(ctx_t *c, size_t pos, size_t end, int gid, const char *name) {
  /* pos: first byte after the 16-bit offset-to-next field */
  if (need(c, pos, 2, end, "parameter type and dimension count")) return -1;
  c3d_param p = {.gid = gid, .type = (int8_t)c->b[pos], .ndim = c->b[pos + 1], .nelem = 1};
  snprintf(p.name, sizeof p.name, "%s", name);
  if (p.type != -1 && p.type != 1 && p.type != 2 && p.type != 4)
    return err_set(c->err, "%s: byte %zu: parameter %s: type %d is not -1, 1, 2 or 4", c->file, pos, name, p.type);
  if (p.ndim > 7)
    return err_set(c->err, "%s: byte %zu: parameter %s: %d dimensions (at most 7)", c->file, pos + 1, name, p.ndim);
  if (need(c, pos + 2, (uint64_t)p.ndim, end, "parameter dimensions")) return -1;
  for (int d = 0; d < p.ndim; d++) p.nelem *= (p.dim[d] = c->b[pos + 2 + d]);
  p.off = pos + 2 + (size_t)p.ndim;
  if (need(c, p.off, p.nelem * (uint64_t)abs(p.type), end, "parameter data")) return -1;
  if (c->np == MAX_PARAMS) return err_set(c->err, "%s: more than %d parameters", c->file, MAX_PARAMS);
  c->p[c->np++] = p;
  return 0;
}

static int parse_params(ctx_t *c, size_t start) {
  if (need(c, start, 4, c->n, "parameter section header")) return -1;
  c->proc = c->b[start + 3]; /* stored as 83 + type: 84 Intel, 85 DEC, 86 MIPS */
  if (c->proc != C3D_PROC_INTEL && c->proc != C3D_PROC_DEC && c->proc != C3D_PROC_MIPS)
    return err_set(c->err, "%s: byte %zu: processor type %d (expected 84 Intel, 85 DEC or 86 MIPS)", c->file,
                   start + 3, c->proc);
  uint64_t nblocks = c->b[start + 2];
  if (nblocks * BLOCK > c->n - start)
    return err_set(c->err, "%s: byte %zu: the parameter section declares %llu blocks (to byte %llu) but the file ends at "
                   "byte %zu", c->file, start + 2, (unsigned long long)nblocks, (unsigned long long)(start + nblocks * BLOCK), c->n);
  size_t end = start + (size_t)(nblocks * BLOCK);
  size_t off = start + 4;
  while (off + 2 <= end) {
    int nlen = (int8_t)c->b[off], gid = (int8_t)c->b[off + 1];
    if (nlen == 0 || gid == 0) break; /* end of the parameter list */
    size_t len = (size_t)abs(nlen);   /* negative length: locked entry */
    if (need(c, off + 2, len + 2, end, "group/parameter name and offset")) return -1;
    char name[32];
    mk_copy_trim(name, sizeof name, (const char *)c->b + off + 2, len);
    size_t pos = off + 2 + len;
    unsigned next = rd_u16(c, pos);
    if (gid < 0) {
      snprintf(c->groups[-gid], sizeof c->groups[0], "%s", name);
    } else if (parse_param(c, pos + 2, end, gid, name)) {
      return -1;
    }
    if (next == 0) break;
    off = pos + next;
  }
  return 0;
}

static const c3d_param *pfind(const ctx_t *c, const char *group, const char *name) {
  for (int i = 0; i < c->np; i++)
    if (!strcasecmp(c->p[i].name, name) && !strcasecmp(c->groups[c->p[i].gid], group)) return &c->p[i];
  return NULL;
}

/* Element i as a number; -1 if i is outside the parameter's data. Integers are read unsigned
 * when `uns` (counts such as POINT:USED go up to 65535). */
static int pnum_u(const ctx_t *c, const c3d_param *p, uint64_t i, int uns, double *v) {
  if (!p || p->type == -1 || i >= p->nelem) return -1;
  size_t at = p->off + (size_t)i * (size_t)abs(p->type);
  if (p->type == 1) *v = uns ? c->b[at] : (int8_t)c->b[at];
  else if (p->type == 2) *v = uns ? (double)rd_u16(c, at) : (double)rd_i16(c, at);
  else *v = rd_f32(c, at);
  return 0;
}
static int pnum(const ctx_t *c, const c3d_param *p, uint64_t i, double *v) { return pnum_u(c, p, i, 0, v); }

/* A parameter value used as a count or index: NaN, negative or huge floats become 0 or max,
 * so that no conversion is undefined. */
static uint64_t to_count(double v, uint64_t max) {
  if (!(v > 0)) return 0;
  return v >= (double)max ? max : (uint64_t)v;
}
static int to_int(double v) { return v != v ? 0 : v > 1e9 ? 1000000000 : v < -1e9 ? -1000000000 : (int)v; }

/* A scalar count parameter (GROUP:NAME), unsigned 16-bit; `def` when absent. */
static double pcount(const ctx_t *c, const char *g, const char *n, double def) {
  double v;
  return pnum_u(c, pfind(c, g, n), 0, 1, &v) == 0 ? v : def;
}

/* Number of strings in a char parameter: dims [len, n1, n2...]. */
static uint64_t pnstr(const c3d_param *p) {
  if (!p || p->type != -1) return 0;
  return p->ndim <= 1 ? 1 : p->nelem / (uint64_t)(p->dim[0] ? p->dim[0] : 1);
}
static void pstr(const ctx_t *c, const c3d_param *p, uint64_t i, char *dst, size_t cap) {
  dst[0] = '\0';
  if (!p || p->type != -1 || i >= pnstr(p) || (p->ndim > 0 && p->dim[0] == 0)) return;
  size_t len = p->ndim == 0 ? 1 : (size_t)p->dim[0];
  mk_copy_trim(dst, cap, (const char *)c->b + p->off + i * len, len);
}

/* String i of GROUP:NAME, continued in NAME2, NAME3... (C3D's way past 255 labels). */
static void pstr_cont(const ctx_t *c, const char *g, const char *name, uint64_t i, char *dst, size_t cap) {
  dst[0] = '\0';
  for (int k = 1; k < 100; k++) {
    char nm[32];
    if (k == 1) snprintf(nm, sizeof nm, "%s", name);
    else snprintf(nm, sizeof nm, "%s%d", name, k);
    const c3d_param *p = pfind(c, g, nm);
    if (!p) return;
    uint64_t ns = pnstr(p);
    if (i < ns) return pstr(c, p, i, dst, cap);
    i -= ns;
  }
}

/* ---- the pieces of the file ---- */
/* Subject height and mass: Plug-in Gait's PROCESSING:Height (mm) and Bodymass (kg), else
 * SUBJECTS:HEIGHT and MASS/WEIGHT. A height is read as m (0.5-2.5), cm (50-250) or mm (500-2500) by its
 * size; anything else, or a mass outside 10-300 kg, is ignored (0: absent). */
static void read_subject(const ctx_t *c, c3d_file *o) {
  static const char *hs[][2] = {{"PROCESSING", "Height"}, {"SUBJECTS", "HEIGHT"}};
  static const char *ms[][2] = {{"PROCESSING", "Bodymass"}, {"SUBJECTS", "MASS"}, {"SUBJECTS", "WEIGHT"}};
  double v;
  for (int i = 0; i < 2 && !o->subject_height_m; i++)
    if (!pnum(c, pfind(c, hs[i][0], hs[i][1]), 0, &v) && isfinite(v)) {
      double h = v >= 0.5 && v <= 2.5 ? v : v >= 50 && v <= 250 ? v / 100 : v >= 500 && v <= 2500 ? v / 1000 : 0;
      if (h > 0) o->subject_height_m = h, snprintf(o->subject_height_src, sizeof o->subject_height_src, "%s:%s", hs[i][0], hs[i][1]);
    }
  for (int i = 0; i < 3 && !o->subject_mass_kg; i++)
    if (!pnum(c, pfind(c, ms[i][0], ms[i][1]), 0, &v) && v >= 10 && v <= 300)
      o->subject_mass_kg = v, snprintf(o->subject_mass_src, sizeof o->subject_mass_src, "%s:%s", ms[i][0], ms[i][1]);
}


static void read_point_kinds(const ctx_t *c, c3d_file *o) {
  static const char *k[] = {NULL, "ANGLES", "FORCES", "MOMENTS", "POWERS", "SCALARS", "REACTIONS"};
  for (int kind = 1; kind < C3D_POINT_NKINDS; kind++) {
    const c3d_param *p = pfind(c, "POINT", k[kind]);
    uint64_t ns = pnstr(p);
    for (uint64_t s = 0; s < ns; s++) {
      char lab[MK_NAME_MAX];
      pstr(c, p, s, lab, sizeof lab);
      int j = lab[0] ? mk_find(&o->markers, lab) : -1;
      if (j >= 0) o->point_kind[j] = (unsigned char)kind;
    }
  }
}

static void read_events(const ctx_t *c, c3d_file *o) {
  const c3d_param *times = pfind(c, "EVENT", "TIMES");
  uint64_t n = times ? times->nelem / 2 : 0;
  uint64_t used = to_count(pcount(c, "EVENT", "USED", (double)n), 65535);
  if (used < n) n = used;
  if (n == 0) return;
  o->markers.events = xcalloc(n, sizeof *o->markers.events);
  for (uint64_t i = 0; i < n; i++) {
    mk_event *e = &o->markers.events[o->markers.nevents++];
    double mnt = 0, sec = 0;
    pnum(c, times, 2 * i, &mnt);
    pnum(c, times, 2 * i + 1, &sec);
    e->time = 60.0 * mnt + sec; /* TIMES holds (minutes, seconds) pairs */
    pstr(c, pfind(c, "EVENT", "LABELS"), i, e->label, sizeof e->label);
    pstr(c, pfind(c, "EVENT", "CONTEXTS"), i, e->context, sizeof e->context);
  }
}

static void read_plates(const ctx_t *c, c3d_file *o, double len_scale) {
  const c3d_param *type = pfind(c, "FORCE_PLATFORM", "TYPE"), *corn = pfind(c, "FORCE_PLATFORM", "CORNERS");
  const c3d_param *orig = pfind(c, "FORCE_PLATFORM", "ORIGIN"), *chan = pfind(c, "FORCE_PLATFORM", "CHANNEL");
  const c3d_param *cal = pfind(c, "FORCE_PLATFORM", "CAL_MATRIX");
  int n = (int)to_count(pcount(c, "FORCE_PLATFORM", "USED", 0), 64); /* bounded: extra plates ignored */
  if (n <= 0) return;
  o->plates = xcalloc((size_t)n, sizeof *o->plates);
  o->nplates = n;
  int nch = chan && chan->ndim >= 1 ? chan->dim[0] : 0;
  int cr = cal && cal->ndim >= 2 ? cal->dim[0] : 0, cc = cal && cal->ndim >= 2 ? cal->dim[1] : 0;
  for (int i = 0; i < n; i++) {
    c3d_plate *pl = &o->plates[i];
    double v = 0;
    if (pnum(c, type, (uint64_t)i, &v) == 0) pl->type = to_int(v);
    for (int k = 0; k < 12; k++)
      if (pnum(c, corn, (uint64_t)i * 12 + (uint64_t)k, &v) == 0) pl->corners[k / 3][k % 3] = v * len_scale;
    for (int k = 0; k < 3; k++)
      if (pnum(c, orig, (uint64_t)i * 3 + (uint64_t)k, &v) == 0) pl->origin[k] = v * len_scale;
    for (int k = 0; k < nch && k < 16; k++)
      if (pnum(c, chan, (uint64_t)i * (uint64_t)nch + (uint64_t)k, &v) == 0) pl->channel[pl->nchannel++] = to_int(v);
    if (cr > 0 && cc > 0 && cr * cc <= 64) {
      pl->cal_rows = cr, pl->cal_cols = cc;
      /* stored column-major per plate (Fortran order of dims [rows, cols, plate]) */
      for (int k = 0; k < cr * cc; k++)
        if (pnum(c, cal, (uint64_t)i * (uint64_t)(cr * cc) + (uint64_t)k, &v) == 0) pl->cal[(k % cr) * cc + k / cr] = v;
    }
  }
}

static void read_channels(const ctx_t *c, c3d_file *o) {
  const c3d_param *sc = pfind(c, "ANALOG", "SCALE"), *of = pfind(c, "ANALOG", "OFFSET");
  char fmt[16];
  pstr(c, pfind(c, "ANALOG", "FORMAT"), 0, fmt, sizeof fmt);
  o->analog_unsigned = !strcasecmp(fmt, "UNSIGNED");
  o->gen_scale = 1.0;
  pnum(c, pfind(c, "ANALOG", "GEN_SCALE"), 0, &o->gen_scale);
  o->channels = xcalloc((size_t)o->nanalog + 1, sizeof *o->channels);
  for (int i = 0; i < o->nanalog; i++) {
    c3d_channel *ch = &o->channels[i];
    ch->scale = 1.0;
    pnum(c, sc, (uint64_t)i, &ch->scale);
    pnum_u(c, of, (uint64_t)i, o->analog_unsigned, &ch->offset);
    pstr_cont(c, "ANALOG", "LABELS", (uint64_t)i, ch->label, sizeof ch->label);
    pstr_cont(c, "ANALOG", "DESCRIPTIONS", (uint64_t)i, ch->description, sizeof ch->description);
    pstr_cont(c, "ANALOG", "UNITS", (uint64_t)i, ch->unit, sizeof ch->unit);
    if (!ch->label[0]) snprintf(ch->label, sizeof ch->label, "A%d", i + 1);
  }
}

/* Decode the data section: per frame npoints x (x, y, z, residual) then apf x nanalog. */
static void read_data(const ctx_t *c, c3d_file *o, size_t off, double len_scale) {
  mk_markers *m = &o->markers;
  size_t w = o->is_float ? 4 : 2;
  double s = fabs(o->point_scale);
  for (int f = 0; f < m->nframes; f++) {
    for (int j = 0; j < m->nmarkers; j++, off += 4 * w) {
      double v[4];
      for (int k = 0; k < 4; k++) v[k] = o->is_float ? rd_f32(c, off + k * w) : rd_i16(c, off + k * w) * s;
      if (v[3] < 0) continue; /* invalid sample: stays NaN */
      double ls = o->point_kind[j] == C3D_POINT_MARKER ? len_scale : 1.0;
      double *x = mk_at(m, f, j);
      for (int k = 0; k < 3; k++) x[k] = v[k] * ls;
    }
    for (int a = 0; a < o->analog_per_frame; a++) {
      double *row = o->analog + ((size_t)f * (size_t)o->analog_per_frame + (size_t)a) * (size_t)o->nanalog;
      for (int i = 0; i < o->nanalog; i++, off += w) {
        double raw = o->is_float ? rd_f32(c, off) : o->analog_unsigned ? (double)rd_u16(c, off) : (double)rd_i16(c, off);
        row[i] = (raw - o->channels[i].offset) * o->gen_scale * o->channels[i].scale;
      }
    }
  }
}

/* Counts, rates and the data start from the header with the parameters taking precedence. */
static int read_layout(ctx_t *c, c3d_file *o, size_t *data_off) {
  mk_markers *m = &o->markers;
  double npts = floor(pcount(c, "POINT", "USED", rd_u16(c, 2)));
  if (!(npts >= 0 && npts <= 65535)) return err_set(c->err, "%s: POINT:USED is %g (0..65535)", c->file, npts);
  o->point_scale = rd_f32(c, 12);
  pnum(c, pfind(c, "POINT", "SCALE"), 0, &o->point_scale);
  o->is_float = o->point_scale < 0;
  m->rate = rd_f32(c, 20);
  pnum(c, pfind(c, "POINT", "RATE"), 0, &m->rate);
  if (!(m->rate > 0 && m->rate < 1e7))
    return err_set(c->err, "%s: POINT:RATE (or header word 11) is %g: not a frame rate", c->file, m->rate);
  o->first_frame = rd_u16(c, 6);
  double nfr = (double)rd_u16(c, 8) - o->first_frame + 1;
  double fr;
  if (pnum_u(c, pfind(c, "POINT", "FRAMES"), 0, 1, &fr) == 0) nfr = fr; /* 16-bit header overflow fix */
  const c3d_param *ts = pfind(c, "TRIAL", "ACTUAL_START_FIELD"), *te = pfind(c, "TRIAL", "ACTUAL_END_FIELD");
  double s0, s1, e0, e1;
  if (!pnum_u(c, ts, 0, 1, &s0) && !pnum_u(c, ts, 1, 1, &s1) && !pnum_u(c, te, 0, 1, &e0) && !pnum_u(c, te, 1, 1, &e1)) {
    o->first_frame = (long)(s0 + 65536 * s1); /* two 16-bit words: the trick past 65535 frames */
    nfr = (e0 + 65536 * e1) - o->first_frame + 1;
  }
  nfr = floor(nfr);
  if (!(nfr >= 0 && nfr <= MAX_FRAMES))
    return err_set(c->err, "%s: frame count %g (first frame %ld) is out of range 0..%d", c->file, nfr, o->first_frame,
                   MAX_FRAMES);
  double nan_used = floor(pcount(c, "ANALOG", "USED", 0));
  if (!(nan_used >= 0 && nan_used <= 65535)) return err_set(c->err, "%s: ANALOG:USED is %g (0..65535)", c->file, nan_used);
  double apf = rd_u16(c, 18);
  double arate;
  if (nan_used > 0 && pnum(c, pfind(c, "ANALOG", "RATE"), 0, &arate) == 0 && arate > 0) apf = round(arate / m->rate);
  if (nan_used == 0 && apf > 0) nan_used = floor(rd_u16(c, 4) / apf);
  if (nan_used > 0 && !(apf >= 1 && apf <= 65535))
    return err_set(c->err, "%s: ANALOG:RATE / POINT:RATE gives %g analog samples per frame", c->file, apf);
  o->nanalog = (int)nan_used;
  o->analog_per_frame = o->nanalog > 0 ? (int)apf : 0;
  o->analog_rate = m->rate * o->analog_per_frame;
  double start = rd_u16(c, 16);
  pnum_u(c, pfind(c, "POINT", "DATA_START"), 0, 1, &start);
  if (!(start >= 2 && start <= (double)(c->n / BLOCK) + 1))
    return err_set(c->err, "%s: POINT:DATA_START is block %g (the file has blocks 2..%zu after the header)", c->file,
                   start, c->n / BLOCK + 1);
  *data_off = (size_t)(start - 1) * BLOCK;
  uint64_t fbytes = ((uint64_t)npts * 4 + (uint64_t)o->nanalog * (uint64_t)o->analog_per_frame) * (o->is_float ? 4 : 2);
  uint64_t total = fbytes * (uint64_t)nfr;
  if (*data_off > c->n || total > c->n - *data_off)
    return err_set(c->err, "%s: data section at byte %zu needs %llu bytes (%g frames x %llu bytes: %g points, %d analog "
                   "channels x %d samples) but the file has %zu bytes", c->file, *data_off, (unsigned long long)total,
                   nfr, (unsigned long long)fbytes, npts, o->nanalog, o->analog_per_frame, c->n);
  mk_alloc(m, (int)npts, (int)nfr);
  m->first_time = (o->first_frame - 1) / m->rate;
  return 0;
}

int c3d_parse(const uint8_t *buf, size_t n, const char *name, c3d_file *o, d2m_err *err) {
  memset(o, 0, sizeof *o);
  ctx_t *c = xcalloc(1, sizeof *c);
  *c = (ctx_t){.b = buf, .n = n, .file = name, .err = err, .proc = C3D_PROC_INTEL};
  int rc = -1;
  if (n < BLOCK) {
    err_set(err, "%s: %zu bytes: shorter than the 512-byte header", name, n);
    goto done;
  }
  if (buf[1] != 0x50) {
    err_set(err, "%s: byte 1: key 0x%02x (a C3D file has 0x50): not a C3D file", name, buf[1]);
    goto done;
  }
  if (buf[0] < 2) {
    err_set(err, "%s: byte 0: parameter section at block %d (must be 2 or later)", name, buf[0]);
    goto done;
  }
  c->p = xmalloc(MAX_PARAMS * sizeof *c->p);
  size_t data_off = 0;
  if (parse_params(c, (size_t)(buf[0] - 1) * BLOCK) || read_layout(c, o, &data_off)) goto done;
  o->proc_type = c->proc;
  o->nparams = c->np;
  for (int g = 1; g < 128; g++) o->ngroups += c->groups[g][0] != '\0';
  mk_markers *m = &o->markers;
  for (int j = 0; j < m->nmarkers; j++) {
    pstr_cont(c, "POINT", "LABELS", (uint64_t)j, m->names[j], sizeof m->names[j]);
    if (!m->names[j][0]) snprintf(m->names[j], sizeof m->names[j], "P%d", j + 1);
  }
  char units[16] = "mm";
  if (pfind(c, "POINT", "UNITS")) pstr(c, pfind(c, "POINT", "UNITS"), 0, units, sizeof units);
  double len_scale = mk_unit_scale(units);
  if (len_scale == 0) {
    err_set(err, "%s: POINT:UNITS '%s' is not a length unit (mm, cm, m)", name, units);
    goto done;
  }
  snprintf(m->units, sizeof m->units, "%s", units);
  o->point_kind = xcalloc((size_t)m->nmarkers + 1, 1);
  read_point_kinds(c, o);
  read_channels(c, o);
  o->analog_nsamples = (long)m->nframes * o->analog_per_frame;
  o->analog = xmalloc(((size_t)o->analog_nsamples * (size_t)o->nanalog + 1) * sizeof *o->analog);
  read_data(c, o, data_off, len_scale);
  read_events(c, o);
  read_plates(c, o, len_scale);
  read_subject(c, o);
  rc = 0;
done:
  free(c->p);
  free(c);
  if (rc) c3d_free(o);
  return rc;
}

int c3d_read(const char *path, c3d_file *out, d2m_err *err) {
  uint8_t *buf;
  size_t n;
  memset(out, 0, sizeof *out);
  if (file_slurp(path, (size_t)1 << 31, &buf, &n, err)) return -1;
  int rc = c3d_parse(buf, n, path, out, err);
  free(buf);
  return rc;
}

void c3d_free(c3d_file *c) {
  if (!c) return;
  mk_free(&c->markers);
  free(c->point_kind);
  free(c->channels);
  free(c->analog);
  free(c->plates);
  memset(c, 0, sizeof *c);
}

int c3d_find_channel(const c3d_file *c, const char *label) {
  for (int i = 0; i < c->nanalog; i++)
    if (!strcmp(c->channels[i].label, label)) return i;
  return -1;
}

const char *c3d_plate_unsupported(const c3d_file *c, int p) {
  const c3d_plate *pl = &c->plates[p];
  static const int need[5] = {0, 6, 6, 8, 6};
  if (pl->type < 1 || pl->type > 4) return "type not supported (types 1-4 are)";
  if (pl->nchannel < need[pl->type]) return "fewer FORCE_PLATFORM:CHANNEL entries than its type needs";
  for (int k = 0; k < need[pl->type]; k++)
    if (pl->channel[k] < 1 || pl->channel[k] > c->nanalog) return "a FORCE_PLATFORM:CHANNEL outside the analog channels";
  if (pl->type == 4 && (pl->cal_rows != 6 || pl->cal_cols != 6)) return "type 4 without a 6x6 FORCE_PLATFORM:CAL_MATRIX";
  return NULL;
}

int c3d_plate_force(const c3d_file *c, int p, long i, double F[3]) {
  if (c3d_plate_unsupported(c, p) || i < 0 || i >= c->analog_nsamples) return -1;
  const c3d_plate *pl = &c->plates[p];
  double ch[8];
  int n = pl->type == 3 ? 8 : 6;
  for (int k = 0; k < n; k++) ch[k] = c->analog[(size_t)i * c->nanalog + pl->channel[k] - 1];
  if (pl->type == 3) { /* Kistler: four piezo sensors */
    F[0] = ch[0] + ch[1], F[1] = ch[2] + ch[3], F[2] = ch[4] + ch[5] + ch[6] + ch[7];
  } else if (pl->type == 4) {
    for (int r = 0; r < 3; r++) {
      F[r] = 0;
      for (int k = 0; k < 6; k++) F[r] += pl->cal[r * 6 + k] * ch[k];
    }
  } else {
    F[0] = ch[0], F[1] = ch[1], F[2] = ch[2];
  }
  return 0;
}
