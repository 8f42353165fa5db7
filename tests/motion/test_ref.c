/* tests/motion/test_ref.c: the readers on the reference files in $D2M_SHARED_DATA/mocap
 * (skipped with a message where absent), truncated heads of them, and a replay of the fuzz
 * corpora committed under tests/fuzz (every file must parse or fail with a message). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mocap/bvh.h"
#include "common/files.h"
#include "mocap/c3d.h"
#include "mocap/trc.h"
#include "tests/motion/fuzz_replay.h"
#include "tests/test_paths.h"

/* Path of a reference file, or skip the test. */
static void ref_path(char *out, size_t cap, const char *rel) { test_shared_path(out, cap, "mocap/%s", rel); }

static int count_events(const mk_markers *m, const char *label, const char *ctx) {
  int n = 0;
  for (int i = 0; i < m->nevents; i++) n += !strcmp(m->events[i].label, label) && !strcmp(m->events[i].context, ctx);
  return n;
}

Test(motion, ref_c3d_vicon_pig) {
  char p[1024];
  ref_path(p, sizeof p, "c3d/Vicon_PiG_walk_PiG_Motion3_FF.c3d");
  c3d_file c;
  d2m_err err;
  cr_assert_eq(c3d_read(p, &c, &err), 0, "%s", err.msg);
  cr_assert_eq(c.proc_type, C3D_PROC_INTEL);
  cr_assert_float_eq(c.markers.rate, 100, 1e-9);
  cr_assert_eq(c.markers.nframes, 293);
  cr_assert_eq(c.first_frame, 725);
  cr_assert_float_eq(c.analog_rate, 1000, 1e-9);
  int emg = 0;
  for (int i = 1; i <= 16; i++) {
    char lab[16];
    snprintf(lab, sizeof lab, "EMG%d", i);
    emg += c3d_find_channel(&c, lab) >= 0;
  }
  cr_assert_eq(emg, 16);
  cr_assert_eq(c.nplates, 3);
  for (int i = 0; i < 3; i++) cr_assert_eq(c.plates[i].type, 2);
  cr_assert_eq(c.plates[2].channel[0], 13);
  cr_assert_eq(count_events(&c.markers, "Foot Strike", "Left"), 3);
  cr_assert_eq(count_events(&c.markers, "Foot Off", "Right"), 3);
  /* LASI in metres at frame 0 (file in mm): pelvis height about 0.96 m */
  int j = mk_find(&c.markers, "LASI");
  cr_assert(j >= 0);
  cr_assert_float_eq(mk_at(&c.markers, 0, j)[2], 0.960528, 1e-5);
  /* Plug-in Gait outputs are flagged, not scaled as lengths */
  int k = mk_find(&c.markers, "LKneeAnglesV");
  cr_assert(k >= 0 && c.point_kind[k] == C3D_POINT_ANGLE);
  /* vertical force on plate 1 during stance is hundreds of newtons */
  int fz = c3d_find_channel(&c, "Fz1");
  cr_assert(fz >= 0 && fabs(c.analog[1000 * c.nanalog + fz]) > 300);
  c3d_free(&c);
}

Test(motion, ref_c3d_c3dorg_sample01_float) {
  char p[1024];
  ref_path(p, sizeof p, "c3d/c3dorg_sample01_Eb015pr_walk.c3d");
  c3d_file c;
  d2m_err err;
  cr_assert_eq(c3d_read(p, &c, &err), 0, "%s", err.msg);
  cr_assert(c.is_float);
  cr_assert_float_eq(c.markers.rate, 50, 1e-9);
  cr_assert_eq(c.markers.nframes, 450);
  cr_assert_eq(c.markers.nmarkers, 26);
  cr_assert_eq(c.nplates, 2);
  cr_assert_float_eq(c.analog_rate, 200, 1e-9);
  /* some markers have gaps (residual < 0): kept as NaN */
  int lft1 = mk_find(&c.markers, "LFT1");
  cr_assert(lft1 >= 0 && mk_count_present(&c.markers, lft1) < 450 && mk_count_present(&c.markers, lft1) > 400);
  c3d_free(&c);
}

Test(motion, ref_c3d_elite_emg_only) {
  char p[1024];
  ref_path(p, sizeof p, "c3d/Elite_EMG_only_1123x01EMG.c3d");
  c3d_file c;
  d2m_err err;
  cr_assert_eq(c3d_read(p, &c, &err), 0, "%s", err.msg);
  cr_assert_eq(c.markers.nmarkers, 0);
  cr_assert_eq(c.nanalog, 8);
  cr_assert_float_eq(c.analog_rate, 1000, 1e-9);
  cr_assert_eq(c.analog_nsamples, 4564);
  cr_assert_str_eq(c.channels[2].label, "Right Tibialis Anterior");
  cr_assert_str_eq(c.channels[0].unit, "mV");
  c3d_free(&c);
}

Test(motion, ref_trc_subject01_walk1) {
  char p[1024];
  ref_path(p, sizeof p, "opensim_gait2354_subject01/subject01_walk1.trc");
  mk_markers m;
  d2m_err err;
  cr_assert_eq(trc_read(p, &m, NULL, &err), 0, "%s", err.msg);
  cr_assert_float_eq(m.rate, 60, 0);
  cr_assert_eq(m.nframes, 151);
  cr_assert_eq(m.nmarkers, 41);
  cr_assert_str_eq(m.names[0], "R.ASIS");
  /* first row of the file: 1 0.000000 617.247620 1055.275020 170.781980 (mm) */
  cr_assert_float_eq(mk_at(&m, 0, 0)[0], 0.61724762, 1e-12);
  cr_assert_float_eq(mk_at(&m, 0, 0)[1], 1.05527502, 1e-12);
  mk_free(&m);
}

static void check_bvh(const char *rel, int frames) {
  char p[1024];
  ref_path(p, sizeof p, rel);
  bvh_file b;
  d2m_err err;
  cr_assert_eq(bvh_read(p, &b, &err), 0, "%s", err.msg);
  cr_assert_eq(b.nframes, frames);
  cr_assert_float_eq(1.0 / b.frame_time, 120, 0.01);
  cr_assert_eq(b.nchannels, 96);
  cr_assert_eq(b.njoints, 38);
  int toe = bvh_find(&b, "LeftToe_End"), head = bvh_find(&b, "Head_End");
  cr_assert(toe >= 0 && head >= 0);
  double *pos = malloc((size_t)b.njoints * 3 * sizeof *pos);
  bvh_fk(&b, 0, pos, NULL);
  cr_assert(pos[3 * head + 1] > pos[1] && pos[3 * toe + 1] < pos[1], "Y up: head above hips above toes");
  free(pos);
  bvh_free(&b);
}

/* 131_01 holds 995 frames; 131_02 declares and holds 1247 (../shared's README says 994). */
Test(motion, ref_bvh_cmu_131_01) { check_bvh("cmu_bvh_asf_amc/cmu_131_01_start_walk_stop_scaled_m.bvh", 995); }
Test(motion, ref_bvh_cmu_131_02) { check_bvh("cmu_bvh_asf_amc/cmu_131_02_start_walk_stop.bvh", 1247); }

/* The head of a reference file, cut at `keep` bytes, must fail with `needle` in the message. */
static void truncated(const char *rel, size_t keep, int kind, const char *needle) {
  char p[1024];
  ref_path(p, sizeof p, rel);
  uint8_t *buf;
  size_t n;
  d2m_err err = {{0}};
  cr_assert_eq(file_slurp(p, (size_t)1 << 30, &buf, &n, &err), 0, "%s", err.msg);
  cr_assert(keep < n);
  int rc;
  if (kind == 0) {
    c3d_file c;
    rc = c3d_parse(buf, keep, "head", &c, &err);
  } else if (kind == 1) {
    mk_markers m;
    rc = trc_parse((const char *)buf, keep, "head", &m, NULL, &err);
  } else {
    bvh_file b;
    rc = bvh_parse((const char *)buf, keep, "head", &b, &err);
  }
  free(buf);
  cr_assert_eq(rc, -1);
  cr_assert(strstr(err.msg, needle) != NULL, "error '%s' should contain '%s'", err.msg, needle);
}

Test(motion, ref_truncated_heads) {
  truncated("c3d/Vicon_PiG_walk_PiG_Motion3_FF.c3d", 100000, 0, "head: data section at byte");
  truncated("c3d/Vicon_PiG_walk_PiG_Motion3_FF.c3d", 1000, 0, "head: byte 514: the parameter section declares");
  truncated("opensim_gait2354_subject01/subject01_walk1.trc", 20000, 1, "head: NumFrames is 151 but the file has");
  truncated("cmu_bvh_asf_amc/cmu_131_01_start_walk_stop_scaled_m.bvh", 3000, 2, "head:");
  truncated("cmu_bvh_asf_amc/cmu_131_01_start_walk_stop_scaled_m.bvh", 20000, 2, "head:186: Frames is 995 but");
}

/* One fuzz input through the reader of FMT (c3d, trc or bvh). */
static int read_ref(const char *fmt, const char *p, const uint8_t *buf, size_t n, d2m_err *err) {
  int rc;
  if (!strcmp(fmt, "c3d")) {
    c3d_file c;
    if (!(rc = c3d_parse(buf, n, p, &c, err))) c3d_free(&c);
  } else if (!strcmp(fmt, "trc")) {
    mk_markers m;
    if (!(rc = trc_parse((const char *)buf, n, p, &m, NULL, err))) mk_free(&m);
  } else {
    bvh_file b;
    if (!(rc = bvh_parse((const char *)buf, n, p, &b, err))) bvh_free(&b);
  }
  return rc;
}

static int replay(const char *fmt) { return fuzz_replay(fmt, read_ref); }

Test(motion, fuzz_corpus_replay_c3d) { cr_assert(replay("c3d") > 0); }
Test(motion, fuzz_corpus_replay_trc) { cr_assert(replay("trc") > 0); }
Test(motion, fuzz_corpus_replay_bvh) { cr_assert(replay("bvh") > 0); }
