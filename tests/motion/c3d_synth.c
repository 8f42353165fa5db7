/* tests/motion/c3d_synth.c: a minimal C3D writer (see c3d_synth.h). Written from the C3D
 * user guide's layout, independently of the reader's code paths where possible. */
#include "tests/motion/c3d_synth.h"

#include <math.h>
#include <string.h>

#include "mocap/c3d.h"

const double c3d_synth_event_time[SYN_NEVENTS] = {0.02, 0.035};
static const double k_scale[SYN_NANALOG] = {0.5, 2.0}, k_offset[SYN_NANALOG] = {10, -5}, k_gen = 0.1;

void c3d_synth_point(int m, int f, double x[3]) {
  if (m == 0) x[0] = 100 + f, x[1] = 200 - f, x[2] = 10.0 * f;
  else x[0] = -50, x[1] = 25.5, x[2] = 300 + f;
}
static int analog_raw(int ch, int s) { return ch == 0 ? 100 + 10 * s : -20 - 3 * s; }
double c3d_synth_analog(int ch, int s) { return (analog_raw(ch, s) - k_offset[ch]) * k_gen * k_scale[ch]; }

typedef struct {
  uint8_t *b;
  size_t n;
  int proc;
} wr_t;

static void w8(wr_t *w, int v) { w->b[w->n++] = (uint8_t)v; }
static void w16(wr_t *w, int v) {
  uint16_t u = (uint16_t)v;
  if (w->proc == C3D_PROC_MIPS) w8(w, u >> 8), w8(w, u & 0xff);
  else w8(w, u & 0xff), w8(w, u >> 8);
}
static void wf(wr_t *w, double v) {
  if (w->proc == C3D_PROC_DEC) {
    c3d_double_to_vax(v, w->b + w->n);
    w->n += 4;
    return;
  }
  float f = (float)v;
  uint32_t u;
  memcpy(&u, &f, 4);
  if (w->proc == C3D_PROC_MIPS) w8(w, u >> 24), w8(w, u >> 16 & 0xff), w8(w, u >> 8 & 0xff), w8(w, u & 0xff);
  else w8(w, u & 0xff), w8(w, u >> 8 & 0xff), w8(w, u >> 16 & 0xff), w8(w, u >> 24);
}
static void wstr(wr_t *w, const char *s, size_t len) {
  for (size_t i = 0; i < len; i++) w8(w, i < strlen(s) ? s[i] : ' ');
}

/* One entry: name, id; `body` writes the rest; the offset-to-next field is patched after. */
static size_t entry_begin(wr_t *w, int id, const char *name) {
  w8(w, (int)strlen(name)), w8(w, id), wstr(w, name, strlen(name));
  size_t at = w->n;
  w16(w, 0);
  return at;
}
static void entry_end(wr_t *w, size_t at) {
  wr_t t = {w->b, at, w->proc};
  w8(w, 0); /* empty description */
  w16(&t, (int)(w->n - at));
}
static void group(wr_t *w, int id, const char *name) { entry_end(w, entry_begin(w, -id, name)); }
static size_t param_head(wr_t *w, int gid, const char *name, int type, int ndim, const int *dims) {
  size_t at = entry_begin(w, gid, name);
  w8(w, type), w8(w, ndim);
  for (int d = 0; d < ndim; d++) w8(w, dims[d]);
  return at;
}
static void p_i16(wr_t *w, int gid, const char *name, int n, const int *v) {
  size_t at = param_head(w, gid, name, 2, n > 1 ? 1 : 0, &n);
  for (int i = 0; i < n; i++) w16(w, v[i]);
  entry_end(w, at);
}
static void p_f(wr_t *w, int gid, const char *name, int ndim, const int *dims, int n, const double *v) {
  size_t at = param_head(w, gid, name, 4, ndim, dims);
  for (int i = 0; i < n; i++) wf(w, v[i]);
  entry_end(w, at);
}
static void p_str(wr_t *w, int gid, const char *name, int len, int n, const char *const *s) {
  int dims[2] = {len, n};
  size_t at = param_head(w, gid, name, -1, n > 0 ? 2 : 1, dims);
  for (int i = 0; i < (n > 0 ? n : 1); i++) wstr(w, s[i], (size_t)len);
  entry_end(w, at);
}

static void write_params(wr_t *w, const c3d_synth_opts *o, double scale, int data_start) {
  static const char *labels[] = {"M1", "M2"}, *alabels[] = {"EMG1", "EMG2"}, *aunits[] = {"V", "V"};
  static const char *elabels[] = {"Foot Strike", "Foot Off"}, *ectx[] = {"Left", "Right"}, *mm[] = {"mm"};
  group(w, 1, "POINT");
  int v1 = SYN_NPOINTS, ds = data_start, fr = SYN_NFRAMES;
  p_i16(w, 1, "USED", 1, &v1);
  p_f(w, 1, "SCALE", 0, NULL, 1, &scale);
  double rate = SYN_RATE;
  p_f(w, 1, "RATE", 0, NULL, 1, &rate);
  p_i16(w, 1, "DATA_START", 1, &ds);
  if (o->frames_param) p_i16(w, 1, "FRAMES", 1, &fr);
  p_str(w, 1, "LABELS", 4, SYN_NPOINTS, labels);
  p_str(w, 1, "UNITS", 2, 0, mm);
  group(w, 2, "ANALOG");
  int na = SYN_NANALOG, off[2] = {(int)k_offset[0], (int)k_offset[1]};
  p_i16(w, 2, "USED", 1, &na);
  p_str(w, 2, "LABELS", 4, SYN_NANALOG, alabels);
  p_str(w, 2, "UNITS", 1, SYN_NANALOG, aunits);
  int d1 = SYN_NANALOG;
  p_f(w, 2, "SCALE", 1, &d1, SYN_NANALOG, k_scale);
  p_i16(w, 2, "OFFSET", SYN_NANALOG, off);
  p_f(w, 2, "GEN_SCALE", 0, NULL, 1, &k_gen);
  double arate = SYN_RATE * SYN_APF;
  p_f(w, 2, "RATE", 0, NULL, 1, &arate);
  group(w, 3, "FORCE_PLATFORM");
  int one = 1, type = 2, ch[6] = {1, 2, 1, 2, 1, 2}, cd[3] = {3, 4, 1}, od[2] = {3, 1}, chd[2] = {6, 1};
  double corners[12] = {100, 200, 0, 0, 200, 0, 0, 0, 0, 100, 0, 0}, origin[3] = {1, 2, -30};
  p_i16(w, 3, "USED", 1, &one);
  p_i16(w, 3, "TYPE", 1, &type);
  p_f(w, 3, "CORNERS", 3, cd, 12, corners);
  p_f(w, 3, "ORIGIN", 2, od, 3, origin);
  size_t at = param_head(w, 3, "CHANNEL", 2, 2, chd);
  for (int i = 0; i < 6; i++) w16(w, ch[i]);
  entry_end(w, at);
  group(w, 4, "EVENT");
  int ne = SYN_NEVENTS, td[2] = {2, SYN_NEVENTS};
  double times[4] = {0, c3d_synth_event_time[0], 0, c3d_synth_event_time[1]};
  p_i16(w, 4, "USED", 1, &ne);
  p_f(w, 4, "TIMES", 2, td, 4, times);
  p_str(w, 4, "LABELS", 12, SYN_NEVENTS, elabels);
  p_str(w, 4, "CONTEXTS", 5, SYN_NEVENTS, ectx);
  if (o->subject) {
    double h = SYN_HEIGHT_MM, kg = SYN_MASS_KG;
    group(w, 5, "PROCESSING");
    p_f(w, 5, "Height", 0, NULL, 1, &h);
    p_f(w, 5, "Bodymass", 0, NULL, 1, &kg);
  }
}

size_t c3d_synth(const c3d_synth_opts *o, uint8_t *buf, size_t cap) {
  memset(buf, 0, cap);
  wr_t w = {buf, 0, o->proc};
  double scale = o->is_float ? -0.1 : 0.1;
  int data_start = 4; /* header block 1, parameters in blocks 2-3 */
  /* header */
  w8(&w, 2), w8(&w, 0x50);
  w16(&w, SYN_NPOINTS), w16(&w, SYN_NANALOG * SYN_APF), w16(&w, o->first_frame);
  w16(&w, o->frames_param ? 1 : o->first_frame + SYN_NFRAMES - 1), w16(&w, 0);
  wf(&w, scale);
  w16(&w, data_start), w16(&w, SYN_APF);
  wf(&w, SYN_RATE);
  /* parameter section */
  w.n = 512;
  w8(&w, 1), w8(&w, 0x50), w8(&w, data_start - 2), w8(&w, o->proc);
  write_params(&w, o, scale, data_start);
  if (w.n > (size_t)(data_start - 1) * 512 || cap < 8192) return 0; /* the parameters outgrew their blocks */
  /* data */
  w.n = (size_t)(data_start - 1) * 512;
  for (int f = 0; f < SYN_NFRAMES; f++) {
    for (int m = 0; m < SYN_NPOINTS; m++) {
      double x[3];
      c3d_synth_point(m, f, x);
      int gap = m == SYN_GAP_MARKER && f == SYN_GAP_FRAME;
      for (int k = 0; k < 3; k++) {
        if (o->is_float) wf(&w, gap ? 0 : x[k]);
        else w16(&w, gap ? 0 : (int)lround(x[k] / scale));
      }
      if (o->is_float) wf(&w, gap ? -1.0 : 2.0);
      else w16(&w, gap ? -1 : (3 << 8) | 2); /* camera mask 3, residual 2 */
    }
    for (int s = 0; s < SYN_APF; s++)
      for (int c = 0; c < SYN_NANALOG; c++) {
        int raw = analog_raw(c, f * SYN_APF + s);
        if (o->is_float) wf(&w, raw);
        else w16(&w, raw);
      }
  }
  return w.n;
}
