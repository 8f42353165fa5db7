/* tests/motion/test_library.c: `drl2move motion library` on a folder built by the test: two .mot clips
 * of the default gait, an ASF/AMC pair that cannot be fitted (a three-bone leg: left out, marked failed),
 * a static trial and a text file (skipped). The list it writes loads as a clip library. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/files.h"
#include "envs/model/model.h"
#include "envs/motion/motionlib.h"
#include "envs/motion/refmotion.h"
#include "mocap/ik.h"
#include "mocap/motion_cmd.h"
#include "tests/motion/asf_sample.h"

static void put(const char *dir, const char *name, const char *text) {
  char p[1024];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  cr_assert(f, "%s", p);
  fputs(text, f);
  fclose(f);
}

/* Not inlined: inlined, GCC 12 flags a false -Wdangling-pointer on the rows parsed from its text. */
__attribute__((noinline)) static char *slurp_text(const char *path) {
  uint8_t *buf = NULL;
  size_t n;
  d2m_err err;
  cr_assert_eq(file_slurp(path, 1 << 24, &buf, &n, &err), 0, "%s", err.msg);
  return (char *)buf;
}

/* frames, duration_s and speed_m_s of the row starting with key. */
static int row_numbers(const char *csv, const char *key, double *frames, double *dur, double *speed) {
  const char *q = strstr(csv, key);
  double *v[3] = {frames, dur, speed};
  for (int k = 0; q && k < 4; k++) q = strchr(q, ',') + 1; /* past clip, source, status, split */
  for (int k = 0; q && k < 3; k++) {
    char *end;
    *v[k] = strtod(q, &end);
    q = *end == ',' ? end + 1 : NULL;
  }
  return q ? 3 : 0;
}

Test(motion_import, library_imports_a_folder, .timeout = 120) {
  char in[] = "/tmp/d2m_test_lib_XXXXXX", out[600], p[1024];
  cr_assert(mkdtemp(in));
  d2m_err e;
  mjModel *m = model_load(NULL, &e);
  cr_assert(m, "%s", e.msg);
  refmotion ref;
  cr_assert_eq(refmotion_default_gait(&ref, m, 1.0 / 30, &e), 0, "%s", e.msg);
  mot_table mt;
  cr_assert_eq(ik_to_mot(m, ref.qpos, ref.nframes, 30, 0, &mt, &e), 0, "%s", e.msg);
  const char *mots[] = {"walk.mot", "walk2.mot", "walk_static.mot"};
  for (int i = 0; i < 3; i++) {
    snprintf(p, sizeof p, "%s/%s", in, mots[i]);
    cr_assert_eq(mot_write(p, &mt, &e), 0, "%s", e.msg);
  }
  mot_free(&mt);
  put(in, "leg.asf", k_asf);
  put(in, "leg.amc", k_amc);
  put(in, "notes.txt", "not a motion\n");
  snprintf(out, sizeof out, "%s/lib", in);
  motion_library_opts o;
  motion_library_opts_default(&o);
  o.in[o.nin++] = in;
  o.out = out;
  o.test_every = 2;
  cr_assert_eq(motion_library_run(&o), 0);
  snprintf(p, sizeof p, "%s/library.csv", out);
  char *csv = slurp_text(p);
  cr_assert(strstr(csv, "clip,source,status,split,frames,duration_s,speed_m_s,cyclic,ik_rms_mm,motion\n"), "%s", csv);
  cr_assert(strstr(csv, "0000_leg,") && strstr(csv, "leg.amc,failed,"), "the three-bone leg cannot be fitted: %s", csv);
  cr_assert(strstr(csv, "0001_walk,") && strstr(csv, "walk.mot,ok,train,"), "%s", csv);
  cr_assert(strstr(csv, "0002_walk2,") && strstr(csv, "walk2.mot,ok,test,"), "every 2nd imported clip is test: %s", csv);
  cr_assert(!strstr(csv, "static") && !strstr(csv, "notes"), "static trials and other files are skipped: %s", csv);
  /* the default gait's speed (1.0 m/s, README) from the pelvis displacement */
  double frames = 0, dur = 0, speed = 0;
  cr_assert_eq(row_numbers(csv, "0001_walk,", &frames, &dur, &speed), 3);
  cr_assert_eq(frames, ref.nframes);
  cr_assert_float_eq(speed, 1.0, 0.15, "speed %g m/s", speed);
  cr_assert_float_eq(dur, (ref.nframes - 1) / 30.0, 1e-3, "duration %g s", dur);
  free(csv);
  /* the list is a clip library as is */
  snprintf(p, sizeof p, "%s/library.list", out);
  motionlib lib;
  motionlib_init(&lib);
  cr_assert_eq(motionlib_load_list(&lib, m, p, 1.0 / 30, &e), 0, "%s", e.msg);
  cr_assert_eq(lib.n, 2);
  cr_assert_eq(lib.clips[0].split, MOTIONLIB_SPLIT_TRAIN);
  cr_assert_eq(lib.clips[1].split, MOTIONLIB_SPLIT_TEST);
  motionlib_free(&lib);
  refmotion_free(&ref);
  mj_deleteModel(m);
  char cmd[700];
  snprintf(cmd, sizeof cmd, "rm -rf %s", in);
  cr_assert_eq(system(cmd), 0);
}
