/* tests/motion/test_text.c: TRC and BVH readers on small strings with known answers, BVH
 * forward kinematics against hand-computed positions, and malformed inputs. */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include <stdlib.h>

#include <stdio.h>
#include <unistd.h>

#include "mocap/bvh.h"
#include "deploy/cli.h"
#include "mocap/trc.h"
#include "tests/cli_capture.h"

static const char k_trc[] =
    "PathFileType\t4\t(X/Y/Z)\ttest.trc\n"
    "DataRate\tCameraRate\tNumFrames\tNumMarkers\tUnits\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames\n"
    "50\t50\t3\t2\tmm\t50\t1\t3\n"
    "Frame#\tTime\tA\t\t\tB\t\t\n"
    "\t\tX1\tY1\tZ1\tX2\tY2\tZ2\n"
    "\n"
    "1\t0.1\t1\t2\t3\t4\t5\t6\n"
    "2\t0.12\t10\t20\t30\t\t\t\r\n"
    "3\t0.14\t-1\t-2\t-3\t4.5\t5.5\t6.5\n";

static int trc_str(const char *s, mk_markers *m, d2m_err *err) { return trc_parse(s, strlen(s), "t.trc", m, NULL, err); }

Test(motion, trc_known_values) {
  mk_markers m;
  trc_info ti;
  d2m_err err;
  cr_assert_eq(trc_parse(k_trc, strlen(k_trc), "t.trc", &m, &ti, &err), 0, "%s", err.msg);
  cr_assert_eq(m.nmarkers, 2);
  cr_assert_eq(m.nframes, 3);
  cr_assert_float_eq(m.rate, 50, 0);
  cr_assert_float_eq(m.first_time, 0.1, 1e-12);
  cr_assert_float_eq(ti.orig_rate, 50, 0);
  cr_assert_str_eq(m.names[1], "B");
  cr_assert_float_eq(mk_at(&m, 0, 1)[2], 0.006, 1e-12);
  cr_assert_float_eq(mk_at(&m, 2, 0)[1], -0.002, 1e-12);
  cr_assert_float_eq(mk_at(&m, 1, 0)[0], 0.010, 1e-12);
  cr_assert(isnan(mk_at(&m, 1, 1)[0]), "empty cells are missing");
  cr_assert_eq(mk_count_present(&m, 1), 2);
  mk_free(&m);
}

Test(motion, trc_units_metres) {
  char s[sizeof k_trc + 8];
  strcpy(s, k_trc);
  memcpy(strstr(s, "\tmm\t"), "\tm \t", 4);
  mk_markers m;
  d2m_err err;
  cr_assert_eq(trc_str(s, &m, &err), 0, "%s", err.msg);
  cr_assert_float_eq(mk_at(&m, 0, 1)[2], 6.0, 1e-12);
  mk_free(&m);
}

/* OpenSim's example TRC files separate header values by two tabs, others by spaces; names may be
 * followed by any number of tabs. The same file must read the same whatever the padding. */
Test(motion, trc_header_runs_of_tabs_and_spaces) {
  static const char padded[] =
      "PathFileType\t4\t(X/Y/Z)\ttest.trc\n"
      "DataRate\t\tCameraRate  NumFrames\t \tNumMarkers\tUnits\t\tOrigDataRate\tOrigDataStartFrame\tOrigNumFrames\n"
      "50\t\t50   3\t\t2\tmm\t\t50\t1\t\t3\n"
      "Frame#\tTime\tA\t\t\t\tB\n"
      "\t\tX1\tY1\tZ1\tX2\tY2\tZ2\n"
      "\n"
      "1\t0.1\t1\t2\t3\t4\t5\t6\n"
      "2\t0.12\t10\t20\t30\t\t\t\r\n"
      "3\t0.14\t-1\t-2\t-3\t4.5\t5.5\t6.5\n";
  mk_markers a, b;
  trc_info ti;
  d2m_err err;
  cr_assert_eq(trc_parse(padded, strlen(padded), "pad.trc", &a, &ti, &err), 0, "%s", err.msg);
  cr_assert_eq(trc_str(k_trc, &b, &err), 0, "%s", err.msg);
  cr_assert_eq(a.nmarkers, 2);
  cr_assert_eq(a.nframes, 3);
  cr_assert_float_eq(a.rate, 50, 0);
  cr_assert_float_eq(ti.camera_rate, 50, 0);
  cr_assert_str_eq(a.names[0], "A");
  cr_assert_str_eq(a.names[1], "B");
  for (int f = 0; f < 3; f++)
    for (int j = 0; j < 2; j++)
      for (int k = 0; k < 3; k++) {
        double x = mk_at(&a, f, j)[k], y = mk_at(&b, f, j)[k];
        cr_assert((isnan(x) && isnan(y)) || x == y, "frame %d marker %d: %g vs %g", f, j, x, y);
      }
  mk_free(&a);
  mk_free(&b);
}

static void trc_bad(const char *from, const char *to, const char *needle) {
  char s[1024];
  const char *p = strstr(k_trc, from);
  cr_assert(p != NULL);
  snprintf(s, sizeof s, "%.*s%s%s", (int)(p - k_trc), k_trc, to, p + strlen(from));
  mk_markers m;
  d2m_err err = {{0}};
  cr_assert_eq(trc_str(s, &m, &err), -1, "expected '%s'", needle);
  cr_assert(strstr(err.msg, needle) != NULL, "error '%s' should contain '%s'", err.msg, needle);
}

Test(motion, trc_bad_inputs) {
  trc_bad("\t5.5\t", "\t5,5\t", "t.trc:9:21: marker B Y: '5,5' is not a number");
  trc_bad("\t20\t", "\tabc\t", "t.trc:8:11: marker A Y: 'abc' is not a number");
  trc_bad("50\t50\t3\t2", "50\t50\t4\t2", "NumFrames is 4 but the file has 3 data rows");
  trc_bad("50\t50\t3\t2", "50\t50\t3\t3", "t.trc:4: 2 marker names but NumMarkers is 3");
  trc_bad("\tmm\t", "\tft\t", "t.trc:3:11: Units 'ft' is not a length unit");
  trc_bad("PathFileType", "PathFile", "t.trc:1:1: expected 'PathFileType'");
  trc_bad("\t0.12\t", "\t\t", "t.trc:8:3: Time: expected a number");
  trc_bad("6.5\n", "6.5\t7\n", "t.trc:9:29: more cells than Frame#, Time and 2 markers x 3");
  trc_bad("DataRate", "DateRate", "t.trc:2: header keys lack DataRate");
  /* every truncation fails with a message or parses a shorter valid file; never crashes */
  for (size_t k = 0; k < strlen(k_trc); k++) {
    mk_markers m;
    d2m_err err = {{0}};
    if (trc_parse(k_trc, k, "cut.trc", &m, NULL, &err) == 0) mk_free(&m);
    else cr_assert(strstr(err.msg, "cut.trc") != NULL, "%s", err.msg);
  }
}

/* A 2-joint chain with an End Site; channel orders differ per joint. */
static const char k_bvh[] =
    "HIERARCHY\n"
    "ROOT A\n{\n  OFFSET 0 0 0\n  CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation\n"
    "  JOINT B\n  {\n    OFFSET 0 1 0\n    CHANNELS 3 Xrotation Yrotation Zrotation\n"
    "    End Site\n    {\n      OFFSET 0 0 2\n    }\n  }\n}\n"
    "MOTION\nFrames: 3\nFrame Time: 0.01\n"
    "0 0 0 0 0 0 0 0 0\n"
    "1 2 3 90 0 0 90 0 0\n"
    "0 0 0 90 90 0 0 0 0\n";

static void assert_pos(const double *p, double x, double y, double z, const char *what) {
  cr_assert(fabs(p[0] - x) < 1e-9 && fabs(p[1] - y) < 1e-9 && fabs(p[2] - z) < 1e-9, "%s: (%g %g %g) expected (%g %g %g)",
            what, p[0], p[1], p[2], x, y, z);
}

Test(motion, bvh_structure_and_fk) {
  bvh_file b;
  d2m_err err;
  cr_assert_eq(bvh_parse(k_bvh, strlen(k_bvh), "t.bvh", &b, &err), 0, "%s", err.msg);
  cr_assert_eq(b.njoints, 3);
  cr_assert_eq(b.nchannels, 9);
  cr_assert_eq(b.nframes, 3);
  cr_assert_float_eq(b.frame_time, 0.01, 0);
  cr_assert_str_eq(b.joints[2].name, "B_End");
  cr_assert_eq(b.joints[2].parent, 1);
  cr_assert_eq(b.joints[0].chan[4], BVH_XROT);
  cr_assert_eq(b.joints[1].chan_start, 6);
  double pos[9], rot[27];
  bvh_fk(&b, 0, pos, rot);
  assert_pos(pos + 3, 0, 1, 0, "B frame 0");
  assert_pos(pos + 6, 0, 1, 2, "end frame 0");
  /* frame 1: root at (1,2,3) turned 90 deg about z; B turned 90 deg about its x:
   * B = (1,2,3) + Rz90 (0,1,0) = (0,2,3); end = B + Rz90 Rx90 (0,0,2) = B + (2,0,0) */
  bvh_fk(&b, 1, pos, rot);
  assert_pos(pos + 0, 1, 2, 3, "A frame 1");
  assert_pos(pos + 3, 0, 2, 3, "B frame 1");
  assert_pos(pos + 6, 2, 2, 3, "end frame 1");
  /* frame 2: root Zrotation 90 then Xrotation 90 in channel order: R = Rz90 Rx90.
   * B = R (0,1,0) = (0,0,1); end = B + R (0,0,2) = (2,0,1). (The reverse order would put B at (-1,0,0).) */
  bvh_fk(&b, 2, pos, NULL);
  assert_pos(pos + 3, 0, 0, 1, "B frame 2");
  assert_pos(pos + 6, 2, 0, 1, "end frame 2");
  bvh_free(&b);
}

static void bvh_bad(const char *from, const char *to, const char *needle) {
  char s[2048];
  const char *p = strstr(k_bvh, from);
  cr_assert(p != NULL, "%s", from);
  snprintf(s, sizeof s, "%.*s%s%s", (int)(p - k_bvh), k_bvh, to, p + strlen(from));
  bvh_file b;
  d2m_err err = {{0}};
  cr_assert_eq(bvh_parse(s, strlen(s), "t.bvh", &b, &err), -1, "expected '%s'", needle);
  cr_assert(strstr(err.msg, needle) != NULL, "error '%s' should contain '%s'", err.msg, needle);
}

Test(motion, bvh_bad_inputs) {
  bvh_bad("Frames: 3", "Frames: 4", "t.bvh:17: Frames is 4 but 3 rows of values follow");
  bvh_bad("90 0 0 90 0 0", "90 0 0 90 0", "t.bvh:20: frame 1 has 8 values, expected 9");
  bvh_bad("0 0 0 90 90 0 0 0 0", "0 0 0 90 90 0 0 0 0 7", "t.bvh:21: frame 2 has more than 9 values");
  bvh_bad("1 2 3 90", "1 2 x 90", "t.bvh:20: frame value: expected a number, found 'x'");
  bvh_bad("Xrotation Yrotation Zrotation", "Xrotation Wrotation Zrotation", "t.bvh:9: joint B: unknown channel 'Wrotation'");
  bvh_bad("OFFSET 0 1 0", "OFFSET 0 1", "t.bvh:9: OFFSET: expected a number, found 'CHANNELS'");
  bvh_bad("CHANNELS 3", "CHANNELS 7", "t.bvh:9: CHANNELS count 7 (0..6)");
  bvh_bad("  }\n}\n", "  }\n", "t.bvh:15: expected ROOT, JOINT, End Site or '}', found 'MOTION'");
  bvh_bad("HIERARCHY", "HIERARCHIE", "t.bvh:1: expected 'HIERARCHY'");
  bvh_bad("Frame Time: 0.01", "Frame Time: 0", "Frame Time 0 must be positive");
  for (size_t k = 0; k < strlen(k_bvh); k++) {
    bvh_file b;
    d2m_err err = {{0}};
    if (bvh_parse(k_bvh, k, "cut.bvh", &b, &err) == 0) bvh_free(&b);
    else cr_assert(strstr(err.msg, "cut.bvh:") != NULL, "%s", err.msg);
  }
}

Test(motion, cli_help_and_bad_import_options) {
  char out[4096];
  char *help_import[] = {"motion", "import", "--help"}, *help_info[] = {"motion", "info", "--help"};
  cr_assert_eq(cli_capture(motion_cli, out, sizeof out, 3, help_import), 0, "%s", out);
  cr_assert(strstr(out, "usage:"), "%s", out);
  cr_assert_eq(cli_capture(motion_cli, out, sizeof out, 3, help_info), 0, "%s", out);
  cr_assert(strstr(out, "usage:"), "%s", out);
  struct {
    const char *opt, *val, *want;
  } bad[] = {{"--height", "abc", "--height 'abc' is not a number"}, {"--height", "1.8m", "--height '1.8m' is not a number"},
             {"--height", "-1", "--height -1 m outside 0.5..2.5"}, {"--mass", "0", "--mass 0 kg outside 10..250"},
             {"--mass", "70kg", "--mass '70kg' is not a number"}, {"--place", "some", "--place 'some': expected all or free"}};
  for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
    char *argv[] = {"motion", "import", "x.trc", (char *)bad[k].opt, (char *)bad[k].val, "--out", "/tmp/d2m_never_made"};
    cr_assert_eq(cli_capture(motion_cli, out, sizeof out, 7, argv), 2, "%s %s: %s", bad[k].opt, bad[k].val, out);
    cr_assert(strstr(out, bad[k].want), "%s %s: got '%s'", bad[k].opt, bad[k].val, out);
  }
}

/* A NUL byte inside the data is corruption, not the end of the text (issue 19). */
Test(motion, nul_byte_inside_data_refused) {
  d2m_err err = {{0}};
  char *t = strdup(k_trc);
  char *at = strstr(t, "-1\t-2");
  at[1] = '\0'; /* "-\0\t-2": the row before it still parses */
  mk_markers m;
  cr_assert_eq(trc_parse(t, strlen(k_trc), "nul.trc", &m, NULL, &err), -1, "a TRC with a NUL byte was accepted");
  cr_assert(strstr(err.msg, "nul.trc:9:") && strstr(err.msg, "NUL byte"), "%s", err.msg);
  free(t);
  char *b = strdup(k_bvh);
  at = strstr(b, "90 90 0");
  at[2] = '\0';
  bvh_file bf;
  cr_assert_eq(bvh_parse(b, strlen(k_bvh), "nul.bvh", &bf, &err), -1, "a BVH with a NUL byte was accepted");
  cr_assert(strstr(err.msg, "nul.bvh:") && strstr(err.msg, "NUL byte"), "%s", err.msg);
  free(b);
}
