/* tests/motion/test_c3d.c: the C3D reader on small files written by c3d_synth (every
 * processor type, integer and float storage, a gap) and on corrupted variants of them. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "mocap/c3d.h"
#include "tests/motion/c3d_synth.h"

static uint8_t g_buf[8192];

static size_t synth(int proc, int is_float, int first) {
  c3d_synth_opts o = {.proc = proc, .is_float = is_float, .first_frame = first};
  size_t n = c3d_synth(&o, g_buf, sizeof g_buf);
  cr_assert(n > 0);
  return n;
}

static void check_known(const c3d_file *c, int proc, int is_float, int first) {
  const mk_markers *m = &c->markers;
  cr_assert_eq(c->proc_type, proc);
  cr_assert_eq(c->is_float, is_float);
  cr_assert_eq(m->nmarkers, SYN_NPOINTS);
  cr_assert_eq(m->nframes, SYN_NFRAMES);
  cr_assert_float_eq(m->rate, SYN_RATE, 1e-9);
  cr_assert_str_eq(m->names[0], "M1");
  cr_assert_str_eq(m->names[1], "M2");
  cr_assert_str_eq(m->units, "mm");
  cr_assert_float_eq(m->first_time, (first - 1) / SYN_RATE, 1e-12);
  for (int f = 0; f < SYN_NFRAMES; f++)
    for (int j = 0; j < SYN_NPOINTS; j++) {
      const double *x = mk_at(m, f, j);
      if (j == SYN_GAP_MARKER && f == SYN_GAP_FRAME) {
        cr_assert(isnan(x[0]) && isnan(x[1]) && isnan(x[2]), "the gap (residual -1) must read as NaN");
        continue;
      }
      double e[3];
      c3d_synth_point(j, f, e);
      for (int k = 0; k < 3; k++) cr_assert_float_eq(x[k], e[k] * 1e-3, 1e-6, "marker %d frame %d axis %d: %g vs %g m", j, f, k, x[k], e[k] * 1e-3);
    }
  cr_assert_eq(c->nanalog, SYN_NANALOG);
  cr_assert_eq(c->analog_per_frame, SYN_APF);
  cr_assert_float_eq(c->analog_rate, SYN_RATE * SYN_APF, 1e-9);
  cr_assert_eq(c->analog_nsamples, SYN_NFRAMES * SYN_APF);
  cr_assert_str_eq(c->channels[1].label, "EMG2");
  cr_assert_str_eq(c->channels[0].unit, "V");
  for (long s = 0; s < c->analog_nsamples; s++)
    for (int ch = 0; ch < SYN_NANALOG; ch++)
      cr_assert_float_eq(c->analog[s * SYN_NANALOG + ch], c3d_synth_analog(ch, (int)s), 1e-5, "channel %d sample %ld", ch, s);
  cr_assert_eq(c->nplates, 1);
  cr_assert_eq(c->plates[0].type, 2);
  cr_assert_float_eq(c->plates[0].corners[0][0], 0.1, 1e-6);
  cr_assert_float_eq(c->plates[0].corners[0][1], 0.2, 1e-6);
  cr_assert_float_eq(c->plates[0].origin[2], -0.03, 1e-6);
  cr_assert_eq(c->plates[0].nchannel, 6);
  cr_assert_eq(c->plates[0].channel[1], 2);
  cr_assert_eq(m->nevents, SYN_NEVENTS);
  cr_assert_str_eq(m->events[0].label, "Foot Strike");
  cr_assert_str_eq(m->events[0].context, "Left");
  cr_assert_str_eq(m->events[1].label, "Foot Off");
  cr_assert_str_eq(m->events[1].context, "Right");
  cr_assert_float_eq(m->events[1].time, c3d_synth_event_time[1], 1e-6);
}

static void roundtrip(int proc, int is_float, int first) {
  size_t n = synth(proc, is_float, first);
  c3d_file c;
  d2m_err err = {{0}};
  cr_assert_eq(c3d_parse(g_buf, n, "synth.c3d", &c, &err), 0, "%s", err.msg);
  check_known(&c, proc, is_float, first);
  c3d_free(&c);
}

Test(motion, c3d_intel_integer) { roundtrip(C3D_PROC_INTEL, 0, 1); }
Test(motion, c3d_intel_float) { roundtrip(C3D_PROC_INTEL, 1, 11); }
Test(motion, c3d_dec_integer) { roundtrip(C3D_PROC_DEC, 0, 1); }
Test(motion, c3d_dec_vax_float) { roundtrip(C3D_PROC_DEC, 1, 5); }
Test(motion, c3d_mips_integer) { roundtrip(C3D_PROC_MIPS, 0, 1); }
Test(motion, c3d_mips_float) { roundtrip(C3D_PROC_MIPS, 1, 3); }

Test(motion, c3d_frames_parameter_overrides_header) {
  c3d_synth_opts o = {.proc = C3D_PROC_INTEL, .is_float = 1, .first_frame = 1, .frames_param = 1};
  size_t n = c3d_synth(&o, g_buf, sizeof g_buf);
  c3d_file c;
  d2m_err err;
  cr_assert_eq(c3d_parse(g_buf, n, "frames.c3d", &c, &err), 0, "%s", err.msg);
  cr_assert_eq(c.markers.nframes, SYN_NFRAMES); /* the header's last frame says 1 */
  c3d_free(&c);
}

/* Plug-in Gait stores the subject's height (mm) and mass (kg) in PROCESSING; the import uses them. */
Test(motion, c3d_subject_height_and_mass) {
  static uint8_t buf[8192];
  for (int with = 0; with < 2; with++) {
    c3d_synth_opts o = {.proc = C3D_PROC_INTEL, .is_float = 1, .first_frame = 1, .subject = with};
    size_t n = c3d_synth(&o, buf, sizeof buf);
    c3d_file c;
    d2m_err err;
    cr_assert_eq(c3d_parse(buf, n, "s.c3d", &c, &err), 0, "%s", err.msg);
    cr_assert_float_eq(c.subject_height_m, with ? SYN_HEIGHT_MM / 1000 : 0, 1e-6);
    cr_assert_float_eq(c.subject_mass_kg, with ? SYN_MASS_KG : 0, 1e-6);
    if (with) cr_assert_str_eq(c.subject_height_src, "PROCESSING:Height");
    c3d_free(&c);
  }
}

Test(motion, c3d_vax_float_known_bytes) {
  /* 1.0 in VAX F is 0x4080 0x0000 (word order high first, each word little-endian): bytes 80 40 00 00 */
  const uint8_t one[4] = {0x80, 0x40, 0x00, 0x00};
  cr_assert_float_eq(c3d_vax_to_double(one), 1.0, 0);
  const uint8_t mhalf[4] = {0x00, 0xC0, 0x00, 0x00}; /* -0.5: sign 1, exponent 128, mantissa 0 */
  cr_assert_float_eq(c3d_vax_to_double(mhalf), -0.5, 0);
  double vals[] = {3.14159, -1234.5, 1e-20, 6.02e23, 0};
  for (int i = 0; i < 5; i++) {
    uint8_t b[4];
    c3d_double_to_vax(vals[i], b);
    cr_assert(fabs(c3d_vax_to_double(b) - vals[i]) <= fabs(vals[i]) * 1e-7, "%g", vals[i]);
  }
}

static void expect_error(const uint8_t *b, size_t n, const char *needle) {
  c3d_file c;
  d2m_err err = {{0}};
  cr_assert_eq(c3d_parse(b, n, "bad.c3d", &c, &err), -1, "expected an error containing '%s'", needle);
  cr_assert(strstr(err.msg, "bad.c3d") != NULL, "error names the file: %s", err.msg);
  cr_assert(strstr(err.msg, needle) != NULL, "error '%s' should contain '%s'", err.msg, needle);
}

Test(motion, c3d_bad_inputs) {
  size_t n = synth(C3D_PROC_INTEL, 0, 1);
  expect_error(g_buf, 100, "shorter than the 512-byte header");
  expect_error(g_buf, n - 1, "data section at byte 1536 needs");
  expect_error(g_buf, 600, "byte 514: the parameter section declares 2 blocks (to byte 1536)");
  uint8_t b[8192];
  memcpy(b, g_buf, n);
  b[1] = 0x51;
  expect_error(b, n, "not a C3D file");
  memcpy(b, g_buf, n);
  b[512 + 3] = 99;
  expect_error(b, n, "processor type 99");
  memcpy(b, g_buf, n);
  b[0] = 40; /* parameter section beyond the end */
  expect_error(b, n, "parameter section header");
  /* POINT:USED = 3000 points cannot fit: "wrong counts" */
  memcpy(b, g_buf, n);
  size_t at = 0;
  for (size_t i = 516; i + 4 < n; i++)
    if (!memcmp(b + i, "USED", 4)) { at = i + 4 + 2 + 2; break; } /* name, offset, type, ndim */
  cr_assert(at > 0);
  b[at] = 3000 & 0xff, b[at + 1] = 3000 >> 8;
  expect_error(b, n, "3000 points");
}

Test(motion, c3d_every_truncation_fails_cleanly) {
  /* Each prefix either parses (never: data is at the end) or fails with a message; ASan builds
   * catch any out-of-bounds read. */
  size_t n = synth(C3D_PROC_MIPS, 1, 1);
  for (size_t k = 0; k < n; k += 7) {
    c3d_file c;
    d2m_err err = {{0}};
    cr_assert_eq(c3d_parse(g_buf, k, "cut.c3d", &c, &err), -1, "prefix %zu", k);
    cr_assert(err.msg[0] != 0);
  }
}

/* Force-plate types 1-4 (C3D manual): known forces from known channels; other types and a type 4
 * without its calibration matrix are refused with the reason. */
Test(motion, c3d_plate_types_1_to_4) {
  double analog[8] = {1, 2, 3, 4, 5, 6, 7, 8};
  c3d_plate pl[5];
  memset(pl, 0, sizeof pl);
  for (int p = 0; p < 5; p++) {
    pl[p].type = p + 1;
    pl[p].nchannel = p == 2 ? 8 : 6;
    for (int k = 0; k < pl[p].nchannel; k++) pl[p].channel[k] = k + 1;
  }
  pl[3].cal_rows = pl[3].cal_cols = 6;
  for (int k = 0; k < 6; k++) pl[3].cal[k * 6 + k] = 2; /* 2 x identity */
  pl[3].cal[0 * 6 + 1] = 1;                              /* Fx also takes channel 2 */
  c3d_file c;
  memset(&c, 0, sizeof c);
  c.nanalog = 8, c.analog_nsamples = 1, c.analog = analog, c.nplates = 5, c.plates = pl;
  double F[3];
  cr_assert_eq(c3d_plate_force(&c, 0, 0, F), 0);
  cr_assert(F[0] == 1 && F[1] == 2 && F[2] == 3, "type 1");
  cr_assert_eq(c3d_plate_force(&c, 1, 0, F), 0);
  cr_assert(F[0] == 1 && F[1] == 2 && F[2] == 3, "type 2");
  cr_assert_eq(c3d_plate_force(&c, 2, 0, F), 0);
  cr_assert(F[0] == 3 && F[1] == 7 && F[2] == 26, "type 3 (Kistler): %g %g %g", F[0], F[1], F[2]);
  cr_assert_eq(c3d_plate_force(&c, 3, 0, F), 0);
  cr_assert(F[0] == 4 && F[1] == 4 && F[2] == 6, "type 4 (CAL_MATRIX): %g %g %g", F[0], F[1], F[2]);
  cr_assert_eq(c3d_plate_force(&c, 4, 0, F), -1);
  cr_assert(strstr(c3d_plate_unsupported(&c, 4), "types 1-4"));
  pl[3].cal_rows = 0;
  cr_assert(strstr(c3d_plate_unsupported(&c, 3), "CAL_MATRIX"));
  pl[1].channel[5] = 9;
  cr_assert(strstr(c3d_plate_unsupported(&c, 1), "outside the analog channels"));
}
