/* mocap/motion_info.c: the work of `drl2move motion info FILE` (argv in deploy/motion_cli.c): print
 * what a motion file holds. */
#include "mocap/motion_cmd.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mocap/anc.h"
#include "mocap/asf.h"
#include "mocap/bvh.h"
#include "mocap/c3d.h"
#include "envs/motion/mot.h"
#include "mocap/trc.h"
#include "common/files.h"

static const char *ext_of(const char *path) {
  const char *d = strrchr(path, '.');
  return d ? d + 1 : "";
}

static void print_markers(FILE *f, const mk_markers *m, const unsigned char *kind) {
  fprintf(f, "rate: %g Hz, frames: %d, duration: %.4g s, first frame time: %.4g s, units: %s (read as metres)\n",
          m->rate, m->nframes, m->nframes / m->rate, m->first_time, m->units);
  int nm = 0;
  for (int j = 0; j < m->nmarkers; j++) nm += !kind || kind[j] == C3D_POINT_MARKER;
  fprintf(f, "markers: %d (present in %% of frames)\n", nm);
  for (int j = 0, col = 0; j < m->nmarkers; j++) {
    if (kind && kind[j] != C3D_POINT_MARKER) continue;
    double pct = m->nframes ? 100.0 * mk_count_present(m, j) / m->nframes : 0;
    fprintf(f, "  %-20s %5.1f%%%s", m->names[j], pct, ++col % 3 == 0 ? "\n" : "  ");
  }
  if (nm % 3) fputc('\n', f);
  if (!kind) return;
  for (int k = 1; k < C3D_POINT_NKINDS; k++) {
    int n = 0;
    for (int j = 0; j < m->nmarkers; j++) n += kind[j] == k;
    if (!n) continue;
    fprintf(f, "model outputs (%s, not scaled): %d:", c3d_point_kind_name[k], n);
    for (int j = 0; j < m->nmarkers; j++)
      if (kind[j] == k) fprintf(f, " %s", m->names[j]);
    fputc('\n', f);
  }
}

static void print_events(FILE *f, const mk_markers *m) {
  fprintf(f, "events: %d\n", m->nevents);
  for (int i = 0; i < m->nevents; i++)
    fprintf(f, "  %8.3f s  %-8s %s\n", m->events[i].time, m->events[i].context, m->events[i].label);
}

static int info_c3d(const char *path, FILE *f) {
  c3d_file c;
  d2m_err err;
  if (c3d_read(path, &c, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
  static const char *proc[] = {"Intel", "DEC (VAX floats)", "MIPS (big-endian)"};
  fprintf(f, "format: C3D, %s, %s storage (POINT:SCALE %g), %d groups, %d parameters, first frame %ld\n",
          proc[c.proc_type - C3D_PROC_INTEL], c.is_float ? "float" : "integer", c.point_scale, c.ngroups, c.nparams,
          c.first_frame);
  print_markers(f, &c.markers, c.point_kind);
  fprintf(f, "analog: %d channels at %g Hz (%d samples per frame, %ld samples each, %s)\n", c.nanalog, c.analog_rate,
          c.analog_per_frame, c.analog_nsamples, c.analog_unsigned ? "unsigned" : "signed");
  for (int i = 0; i < c.nanalog; i++)
    fprintf(f, "  %3d %-24s %-6s %s\n", i + 1, c.channels[i].label, c.channels[i].unit, c.channels[i].description);
  fprintf(f, "force plates: %d\n", c.nplates);
  for (int i = 0; i < c.nplates; i++) {
    const c3d_plate *p = &c.plates[i];
    double ctr[3] = {0};
    for (int k = 0; k < 4; k++)
      for (int d = 0; d < 3; d++) ctr[d] += p->corners[k][d] / 4;
    fprintf(f, "  %d: type %d, centre (%.3f, %.3f, %.3f) m, channels", i + 1, p->type, ctr[0], ctr[1], ctr[2]);
    for (int k = 0; k < p->nchannel; k++) fprintf(f, " %d", p->channel[k]);
    if (p->cal_rows) fprintf(f, ", calibration matrix %dx%d", p->cal_rows, p->cal_cols);
    fputc('\n', f);
  }
  print_events(f, &c.markers);
  c3d_free(&c);
  return 0;
}

static int info_trc(const char *path, FILE *f) {
  mk_markers m;
  trc_info ti;
  d2m_err err;
  if (trc_read(path, &m, &ti, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
  fprintf(f, "format: TRC, camera rate %g Hz, original rate %g Hz, original start frame %ld, original frames %ld\n",
          ti.camera_rate, ti.orig_rate, ti.orig_start_frame, ti.orig_nframes);
  print_markers(f, &m, NULL);
  mk_free(&m);
  return 0;
}

static int info_bvh(const char *path, FILE *f) {
  bvh_file b;
  d2m_err err;
  if (bvh_read(path, &b, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
  fprintf(f, "format: BVH, rate %g Hz (frame time %g s), frames %d, duration %.4g s, %d channels per frame\n",
          1.0 / b.frame_time, b.frame_time, b.nframes, b.nframes * b.frame_time, b.nchannels);
  fprintf(f, "joints: %d (including End Sites)\n", b.njoints);
  for (int i = 0; i < b.njoints; i++) {
    const bvh_joint *j = &b.joints[i];
    int depth = 0;
    for (int p = j->parent; p >= 0; p = b.joints[p].parent) depth++;
    fprintf(f, "  %*s%s offset (%g, %g, %g)", 2 * depth, "", j->name, j->offset[0], j->offset[1], j->offset[2]);
    for (int c = 0; c < j->nchan; c++) fprintf(f, "%s%s", c ? " " : "  channels: ", bvh_channel_name[j->chan[c]]);
    fputc('\n', f);
  }
  bvh_free(&b);
  return 0;
}

/* An ASF skeleton (its AMC motions are read by `motion import`, which pairs them). */
static int info_asf(const char *path, FILE *f) {
  asf_file a;
  d2m_err err;
  uint8_t *buf;
  size_t n;
  if (file_slurp(path, (size_t)1 << 30, &buf, &n, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
  int rc = asf_parse((const char *)buf, n, path, &a, &err);
  free(buf);
  if (rc) return fprintf(stderr, "%s\n", err.msg), 1;
  fprintf(f, "format: ASF skeleton (Acclaim), units length %g, %d bones, %d values per AMC frame\n", a.length_unit, a.nbones, a.ncols);
  for (int i = 0; i < a.nbones; i++) {
    const asf_bone *b = &a.bones[i];
    int depth = 0;
    for (int p = b->parent; p >= 0; p = a.bones[p].parent) depth++;
    fprintf(f, "  %*s%s length %g direction (%g, %g, %g) dofs %d\n", 2 * depth, "", b->name, b->length, b->dir[0], b->dir[1],
            b->dir[2], b->ndof);
  }
  asf_free(&a);
  return 0;
}

static int info_mot(const char *path, FILE *f) {
  mot_table t;
  d2m_err err;
  if (mot_read(path, &t, &err)) {
    fprintf(stderr, "drl2move motion info: %s\n", err.msg);
    return 1;
  }
  double t0 = t.nrows ? mot_at(&t, 0, 0) : 0, t1 = t.nrows ? mot_at(&t, t.nrows - 1, 0) : 0;
  double rate = t.nrows > 1 && t1 > t0 ? (t.nrows - 1) / (t1 - t0) : 0;
  fprintf(f, "format: OpenSim table (.mot/.sto), angles in %s\n", t.in_degrees ? "degrees" : "radians");
  fprintf(f, "rows: %d, time %.4g .. %.4g s (%.4g s), mean rate %.4g Hz\n", t.nrows, t0, t1, t1 - t0, rate);
  int plates = 0, coords = 0, knee_neg = 0, knee = 0;
  for (int c = 1; c < t.ncols; c++) {
    const char *n = t.names[c], *g = strstr(n, "ground_force_vx");
    plates += g && !g[15];
    coords += !strncmp(n, "pelvis_", 7) || strstr(n, "_angle") || strstr(n, "hip_");
    if (!strncmp(n, "knee_angle", 10)) {
      knee++;
      for (int i = 0; i < t.nrows; i++) knee_neg += mot_at(&t, i, c) < -5 * (t.in_degrees ? 1 : M_PI / 180);
    }
  }
  if (plates) fprintf(f, "ground reactions: %d force vectors in OpenSim's ExternalLoads layout (*ground_force_v*, _p*, ground_torque_*)\n", plates);
  if (coords)
    fprintf(f, "coordinates: convention %s\n", t.convention[0] ? t.convention
                                               : !knee ? "unknown (no knee column)"
                                               : knee_neg > t.nrows / 2 ? "gait2354 (knee flexion negative; detected from the values)"
                                                                       : "Rajagopal2016 (knee flexion positive; detected from the values)");
  fprintf(f, "columns (%d besides %s):", t.ncols - 1, t.names[0]);
  for (int c = 1; c < t.ncols; c++) fprintf(f, "%s%s", c % 6 == 1 ? "\n  " : " ", t.names[c]);
  fputc('\n', f);
  mot_free(&t);
  return 0;
}

static int info_anc(const char *path, FILE *f) {
  anc_file a;
  d2m_err err;
  if (anc_read(path, &a, &err)) {
    fprintf(stderr, "drl2move motion info: %s\n", err.msg);
    return 1;
  }
  fprintf(f, "format: Motion Analysis analog (.anc), generation %d, %d-bit, %s\n", a.generation, a.bit_depth,
          a.generation == 2 ? "A/D counts converted to volts (count x range / 2^(bits-1))" : "values as stored");
  fprintf(f, "rate: %g Hz, samples: %d, time %.4g .. %.4g s (header duration %g s)\n", a.rate, a.nsamples, a.t[0],
          a.t[a.nsamples - 1], a.duration);
  fprintf(f, "analog: %d channels\n", a.nchan);
  for (int c = 0; c < a.nchan; c++) fprintf(f, "  %4d %-24s %8g Hz  range %g\n", c + 1, a.label[c], a.chan_rate[c], a.range[c]);
  anc_free(&a);
  return 0;
}

int motion_info(const char *path, FILE *f) {
  const char *e = ext_of(path);
  fprintf(f, "file: %s\n", path);
  if (!strcasecmp(e, "c3d")) return info_c3d(path, f);
  if (!strcasecmp(e, "trc")) return info_trc(path, f);
  if (!strcasecmp(e, "bvh")) return info_bvh(path, f);
  if (!strcasecmp(e, "asf")) return info_asf(path, f);
  if (!strcasecmp(e, "mot") || !strcasecmp(e, "sto")) return info_mot(path, f);
  if (!strcasecmp(e, "anc")) return info_anc(path, f);
  fprintf(stderr, "drl2move motion info: %s: unknown extension '.%s' (c3d, trc, bvh, asf, mot, sto, anc)\n", path, e);
  return 1;
}
