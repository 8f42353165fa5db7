/* tests/motion/test_asf.c: the ASF/AMC reader: joint positions of a small skeleton worked out by
 * hand, malformed files (each error names file:line), the CMU walk in $D2M_SHARED_DATA (skipped
 * where absent) through the reader and through `motion import`, and a replay of the fuzz corpus. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/files.h"
#include "mocap/asf.h"
#include "mocap/motion_cmd.h"
#include "tests/motion/asf_sample.h"
#include "tests/motion/fuzz_replay.h"
#include "tests/test_paths.h"

static void load_sample(asf_file *a) {
  d2m_err err;
  cr_assert_eq(asf_parse(k_asf, strlen(k_asf), "t.asf", a, &err), 0, "%s", err.msg);
  cr_assert_eq(amc_parse(k_amc, strlen(k_amc), "t.amc", a, &err), 0, "%s", err.msg);
}

static void expect_pos(const double *p, double x, double y, double z, const char *what) {
  cr_assert(fabs(p[0] - x) < 1e-9 && fabs(p[1] - y) < 1e-9 && fabs(p[2] - z) < 1e-9, "%s: (%g, %g, %g), expected (%g, %g, %g)",
            what, p[0], p[1], p[2], x, y, z);
}

Test(motion, asf_structure_sorted_parents_first) {
  asf_file a;
  load_sample(&a);
  cr_assert_eq(a.nbones, 4);
  const char *want[4] = {"root", "rfemur", "rtibia", "rfoot"};
  for (int i = 0; i < 4; i++) cr_assert_str_eq(a.bones[i].name, want[i]);
  for (int i = 1; i < 4; i++) cr_assert_eq(a.bones[i].parent, i - 1);
  cr_assert_eq(a.ncols, 6 + 3 + 1);
  cr_assert_eq(a.nframes, 2);
  cr_assert_float_eq(a.rate, 120, 0);
  /* AMC lines in any order within a frame; angles in radians */
  cr_assert_float_eq(a.motion[a.ncols + a.bones[2].col], -M_PI / 2, 1e-12);
  cr_assert_float_eq(a.motion[a.ncols + a.bones[1].col], M_PI / 2, 1e-12);
  asf_free(&a);
}

Test(motion, asf_fk_known_positions) {
  asf_file a;
  load_sample(&a);
  double s[12], e[12];
  asf_fk(&a, 0, s, e, NULL); /* reference pose: bones along their directions from (1, 2, 3) */
  expect_pos(s + 3, 1, 2, 3, "hip f1");
  expect_pos(s + 6, 1, -2, 3, "knee f1");
  expect_pos(s + 9, 1, -5, 3, "ankle f1");
  expect_pos(e + 9, 1, -5, 4, "toe f1");
  /* frame 2 by hand: W_femur = Ry90 Rx90 sends -y to -x; the knee's -90 deg about C x = -z is
   * Rz90 in the world, sending -y to +x, then Ry90 Rx90 to -z; the foot's +z goes to -y. */
  asf_fk(&a, 1, s, e, NULL);
  expect_pos(s + 3, 1, 2, 3, "hip f2");
  expect_pos(s + 6, -3, 2, 3, "knee f2");
  expect_pos(s + 9, -3, 2, 0, "ankle f2");
  expect_pos(e + 9, -3, 1, 0, "toe f2");
  asf_free(&a);
}

Test(motion, asf_radians_and_rate) {
  asf_file a, b;
  d2m_err err;
  load_sample(&a);
  cr_assert_eq(asf_parse(k_asf, strlen(k_asf), "t.asf", &b, &err), 0, "%s", err.msg);
  const char amc[] = ":RADIANS\n:SAMPLES-PER-SECOND 60\n1\nroot 1 2 3 0 1.5707963267948966 0\n"
                     "rfemur 1.5707963267948966 0 0\nrtibia -1.5707963267948966\n";
  cr_assert_eq(amc_parse(amc, strlen(amc), "r.amc", &b, &err), 0, "%s", err.msg);
  cr_assert_float_eq(b.rate, 60, 0);
  double sa[12], sb[12];
  asf_fk(&a, 1, sa, NULL, NULL);
  asf_fk(&b, 0, sb, NULL, NULL);
  for (int k = 0; k < 12; k++) cr_assert_float_eq(sa[k], sb[k], 1e-9);
  asf_free(&a);
  asf_free(&b);
}

/* The sample with `from` replaced by `to` must fail with a message containing `want`. */
static void asf_bad(const char *from, const char *to, const char *want) {
  char buf[4096];
  const char *p = strstr(k_asf, from);
  cr_assert(p, "sample lacks '%s'", from);
  snprintf(buf, sizeof buf, "%.*s%s%s", (int)(p - k_asf), k_asf, to, p + strlen(from));
  asf_file a;
  d2m_err err = {{0}};
  cr_assert_neq(asf_parse(buf, strlen(buf), "t.asf", &a, &err), 0, "accepted: %s -> %s", from, to);
  cr_assert(strstr(err.msg, want), "'%s' lacks '%s'", err.msg, want);
}

static void amc_bad(const char *text, const char *want) {
  asf_file a;
  d2m_err err = {{0}};
  cr_assert_eq(asf_parse(k_asf, strlen(k_asf), "t.asf", &a, &err), 0, "%s", err.msg);
  cr_assert_neq(amc_parse(text, strlen(text), "t.amc", &a, &err), 0, "accepted: %s", text);
  cr_assert(strstr(err.msg, want), "'%s' lacks '%s'", err.msg, want);
  asf_free(&a);
}

Test(motion, asf_malformed_names_file_and_line) {
  asf_bad("direction 0 -1 0\n     length 3", "direction 0 -x 0\n     length 3", "t.asf:26: direction: expected a number, found '-x'");
  asf_bad("direction 0 0 1", "direction 0 0", "t.asf:19: direction: expected 3 values, found 2");
  asf_bad("direction 0 0 1", "direction 0 0 0", "t.asf:22: bone rfoot: direction is zero");
  asf_bad("    dof rx\n", "    dof rx tx\n", "t.asf:29: rtibia: unsupported dof 'tx'");
  asf_bad("    dof rx ry rz", "    dof rx ry rx", "t.asf:38: rfemur: repeated dof 'rx'");
  asf_bad("axis 0 90 0 XYZ", "axis 0 90 0 XYX", "t.asf:28: axis order 'XYX'");
  asf_bad("    rfemur rtibia\n", "    rfemur tibia\n", "t.asf:47: :hierarchy: unknown bone 'tibia'");
  asf_bad("    rtibia rfoot\n", "", "bone rfoot is not in :hierarchy");
  asf_bad("    rfemur rtibia\n", "    rfemur rtibia\n    rfoot rtibia\n", "t.asf:48: :hierarchy: bone 'rtibia' has a second parent");
  asf_bad("name rtibia", "name rfoot", "t.asf:25: bone name 'rfoot' used twice");
  asf_bad("     length 1\n", "", "t.asf:21: bone defined at line 16 has no length");
  asf_bad(":hierarchy", "  begin\n:hierarchy", "section inside a bone block");
  asf_bad("order TX", "order QX", "t.asf:11: root: unsupported dof 'QX'");
  asf_bad("   position 0 0 0", "   position 0 0 0\n   color red", "t.asf:14: :root: unknown field 'color'");
  asf_bad("length 1.0", "length 0", "t.asf:6: units length 0 must be positive");
  char nul[sizeof k_asf];
  memcpy(nul, k_asf, sizeof k_asf);
  nul[strstr(k_asf, ":root") - k_asf] = 0; /* the text goes on after the NUL */
  asf_file a;
  d2m_err err = {{0}};
  cr_assert_neq(asf_parse(nul, sizeof k_asf - 1, "t.asf", &a, &err), 0);
  cr_assert(strstr(err.msg, "t.asf:10: NUL byte"), "%s", err.msg);
  amc_bad("1\nroot 1 2 3 0 0 0\nrfemur 0 0\nrtibia 0\n", "t.amc:3: bone rfemur has 2 values, the ASF gives it 3 dofs");
  amc_bad("1\nroot 1 2 3 0 0 0\nrfemur 0 0 0\n2\n", "t.amc:1: frame 1 has no line for bone rtibia");
  amc_bad("1\nroot 1 2 3 0 0 0\nrfemur 0 0 0\nrtibia 0\n3\n", "t.amc:5: frame number 3, expected 2");
  amc_bad("1\nroot 1 2 3 0 0 0\nrfemur 0 0 0\nrtibia 0\nrtibia 0\n", "t.amc:5: bone rtibia twice in frame 1");
  amc_bad("1\nroot 1 2 3 0 0 0\nrfemur 0 0 0\nrtibia 0\nlfemur 0\n", "t.amc:5: unknown bone 'lfemur'");
  amc_bad(":DEGREES\nroot 1 2 3 0 0 0\n", "t.amc:2: 'root' before the first frame number");
  amc_bad("1\nroot 1 2 3 0 0 nan\nrfemur 0 0 0\nrtibia 0\n", "t.amc:2: root: expected a number, found 'nan'");
  amc_bad(":DEGREES\n", "t.amc: no frames");
}

/* $D2M_SHARED_DATA/mocap/cmu_bvh_asf_amc/NAME, or skip. */
static void cmu_path(char *out, size_t cap, const char *name) { test_shared_path(out, cap, "mocap/cmu_bvh_asf_amc/%s", name); }

static double dist(const double *a, const double *b) {
  return sqrt((a[0] - b[0]) * (a[0] - b[0]) + (a[1] - b[1]) * (a[1] - b[1]) + (a[2] - b[2]) * (a[2] - b[2]));
}

Test(motion, ref_asf_amc_cmu_walk) {
  char asf[1024], amc[1024];
  cmu_path(asf, sizeof asf, "cmu_walk_subject.asf");
  cmu_path(amc, sizeof amc, "cmu_walk_01.amc");
  asf_file a;
  d2m_err err;
  cr_assert_eq(asf_read(asf, amc, &a, &err), 0, "%s", err.msg);
  cr_assert_eq(a.nbones, 31); /* root + 30 bones of the CMU skeleton */
  cr_assert_eq(a.nframes, 343);
  cr_assert_float_eq(a.length_unit, 0.45, 1e-12);
  cr_assert_float_eq(a.motion[0], 10.4194, 1e-12); /* frame 1's root TX */
  int hip = asf_find(&a, "rfemur"), knee = asf_find(&a, "rtibia"), lhip = asf_find(&a, "lfemur"), head = asf_find(&a, "head");
  cr_assert(hip > 0 && knee > 0 && lhip > 0 && head > 0);
  cr_assert_eq(a.bones[knee].parent, hip);
  double *s = malloc(sizeof(double) * 3 * (size_t)a.nbones);
  for (int f = 0; f < a.nframes; f += 17) {
    asf_fk(&a, f, s, NULL, NULL);
    /* rigid bones: the thigh keeps the ASF's length in every frame (7.58734 units, 0.428 m) */
    cr_assert_float_eq(dist(s + 3 * hip, s + 3 * knee), 7.58734, 1e-6, "frame %d", f);
    cr_assert(s[3 * head + 1] > s[3 * hip + 1] + 5, "frame %d: head not above the hip (y up)", f);
    double w = dist(s + 3 * hip, s + 3 * lhip) * 0.0254 / 0.45;
    cr_assert(w > 0.1 && w < 0.3, "frame %d: hip width %g m", f, w);
  }
  free(s);
  asf_free(&a);
}

/* `motion import` of the CMU AMC finds its skeleton in the folder and fits the model's joint
 * centres closely (measured 1.9 mm mean RMS). */
Test(motion, ref_asf_amc_cmu_import) {
  char amc[1024], out[] = "/tmp/d2m_asf_import_XXXXXX", rp[1100];
  cmu_path(amc, sizeof amc, "cmu_walk_01.amc");
  cr_assert(mkdtemp(out));
  motion_import_opts o;
  motion_import_opts_default(&o);
  o.in = amc, o.out = out;
  cr_assert_eq(motion_import_run(&o), 0);
  snprintf(rp, sizeof rp, "%s/import_report.txt", out);
  uint8_t *buf;
  size_t n;
  d2m_err err;
  cr_assert_eq(file_slurp(rp, 1 << 20, &buf, &n, &err), 0, "%s", err.msg);
  const char *p = strstr((const char *)buf, "marker RMS error per frame: mean ");
  cr_assert(p, "no RMS line in %s", rp);
  double mean = atof(p + strlen("marker RMS error per frame: mean "));
  cr_assert(mean > 0 && mean < 10, "mean marker RMS %g mm", mean);
  cr_assert(strstr((const char *)buf, "343 frames at 120 Hz"));
  cr_assert(strstr((const char *)buf, "RightKnee") && strstr((const char *)buf, "LeftToe"));
  free(buf);
  const char *files[] = {"motion.mot", "ik_report.csv", "subject.ini", "import_report.txt"};
  for (int i = 0; i < 4; i++) {
    snprintf(rp, sizeof rp, "%s/%s", out, files[i]);
    cr_assert_eq(access(rp, R_OK), 0, "%s missing", rp);
    unlink(rp);
  }
  rmdir(out);
}

/* One fuzz input as an ASF, and as an AMC of the sample skeleton. */
static int read_asf_amc(const char *fmt, const char *p, const uint8_t *buf, size_t n, d2m_err *err) {
  (void)fmt;
  asf_file a;
  int rc = asf_parse((const char *)buf, n, p, &a, err);
  cr_assert(rc == 0 || err->msg[0], "%s failed without a message", p);
  if (!rc) asf_free(&a);
  load_sample(&a);
  err->msg[0] = 0;
  rc = amc_parse((const char *)buf, n, p, &a, err);
  asf_free(&a);
  return rc;
}

Test(motion, fuzz_corpus_replay_asf) { cr_assert(fuzz_replay("asf", read_asf_amc) > 0); }
