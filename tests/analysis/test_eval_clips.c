/* tests/analysis/test_eval_clips.c: `drl2move eval --clips` on a fresh imitate policy and a list of three
 * clips of the default gait (written by a playback's --opensim export): one row per clip in clips.csv,
 * every clip started at its first frame, identical clips giving identical results, the train/test means
 * of summary.json, and a malformed list named by file:line. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/eval.h"
#include "common/files.h"
#include "tests/analysis/eval_fixture.h"

static char *slurp_text(const char *path) {
  uint8_t *buf;
  size_t n;
  d2m_err err;
  cr_assert_eq(file_slurp(path, 1 << 26, &buf, &n, &err), 0, "%s", err.msg);
  return (char *)buf;
}

/* Field `col` (0-based) of line `row` (0 = header) of a CSV text, as a number. */
static double csv_num(const char *text, int row, int col) {
  const char *p = text;
  for (int r = 0; r < row; r++) p = strchr(p, '\n') + 1;
  for (int c = 0; c < col; c++) p = strchr(p, ',') + 1;
  return atof(p);
}

static int csv_col(const char *text, const char *name) {
  int col = 0;
  size_t n = strlen(name);
  for (const char *p = text; *p && *p != '\n'; col++) {
    if (!strncmp(p, name, n) && (p[n] == ',' || p[n] == '\n')) return col;
    while (*p && *p != ',' && *p != '\n') p++;
    if (*p == ',') p++;
  }
  return -1;
}

/* The value of column `name` in the first data row of an OpenSim .mot (tab-separated). */
static double mot_first(const char *text, const char *name) {
  const char *h = strstr(text, "endheader\n");
  cr_assert(h);
  h += strlen("endheader\n");
  int col = 0;
  size_t n = strlen(name);
  const char *p = h;
  while (strncmp(p, name, n) || (p[n] != '\t' && p[n] != '\n')) {
    p += strcspn(p, "\t\n");
    cr_assert_eq(*p, '\t', "no column %s", name);
    p++, col++;
  }
  p = strchr(h, '\n') + 1;
  for (int c = 0; c < col; c++) p = strchr(p, '\t') + 1;
  return atof(p);
}

Test(eval, clips_list_each_clip_from_its_start, .timeout = 180) {
  char dir[] = "/tmp/d2m_test_evclips_XXXXXX", p[1024], ck[512], lst[512], out[512];
  cr_assert(mkdtemp(dir));
  d2m_err err = {{0}};
  /* the default gait as a .mot: a 40-frame playback written by --opensim */
  eval_opts o;
  eval_opts_default(&o);
  snprintf(p, sizeof p, "%s/pb", dir);
  o.out_dir = p, o.drive = EVAL_PLAYBACK, o.opensim = 1, o.max_steps = 40;
  eval_result r;
  cr_assert_eq(eval_run(&o, &r, &err), 0, "%s", err.msg);
  snprintf(p, sizeof p, "%s/pb/opensim/ep0/joint_angles.mot", dir);
  char *mot = slurp_text(p);
  const char *names[3] = {"a.mot", "b.mot", "c.mot"};
  for (int i = 0; i < 3; i++) {
    char q[600];
    snprintf(q, sizeof q, "%s/%s", dir, names[i]);
    FILE *f = fopen(q, "w");
    fputs(mot, f);
    fclose(f);
  }
  snprintf(lst, sizeof lst, "%s/clips.list", dir);
  FILE *f = fopen(lst, "w");
  fputs("# three copies; b repeats\na.mot 1 0 split=train\nb.mot 2 1 split=test\nc.mot 1 0 split=train\n", f);
  fclose(f);
  snprintf(ck, sizeof ck, "%s/policy.d2m", dir);
  write_fresh_checkpoint(ck, "imitate");
  eval_opts_default(&o);
  snprintf(out, sizeof out, "%s/ev", dir);
  o.checkpoint = ck, o.out_dir = out, o.drive = EVAL_MEAN, o.max_steps = 15, o.clips = lst;
  cr_assert_eq(eval_clips_run(&o, &err), 0, "%s", err.msg);
  snprintf(p, sizeof p, "%s/clips.csv", out);
  char *csv = slurp_text(p);
  cr_assert(!strncmp(csv, "clip,name,split,episodes,success,mpjpe_mm,joint_rmse_deg,length_s,return\n", 73), "%s", csv);
  cr_assert(strstr(csv, "\n0,a.mot,train,1,") && strstr(csv, "\n1,b.mot,test,1,") && strstr(csv, "\n2,c.mot,train,1,"), "%s", csv);
  /* a and c: the same clip, the same start, a deterministic policy: the same row */
  for (int k = 4; k <= 8; k++) cr_assert_eq(csv_num(csv, 1, k), csv_num(csv, 3, k), "column %d", k);
  cr_assert_gt(csv_num(csv, 1, 5), 0, "MPJPE of a tracked clip");
  /* every clip starts at its first frame: step 0's reference is the .mot's first row */
  for (int i = 0; i < 3; i++) {
    snprintf(p, sizeof p, "%s/clips/%03d/frames.csv", out, i);
    char *fr = slurp_text(p);
    int c = csv_col(fr, "ref_hip_flexion_r");
    cr_assert_geq(c, 0);
    cr_assert_float_eq(csv_num(fr, 1, c), mot_first(mot, "hip_flexion_r"), 1e-3, "clip %d", i);
    free(fr);
  }
  /* summary.json: the train side is the mean of clips a and c (equal), the test side clip b */
  snprintf(p, sizeof p, "%s/summary.json", out);
  char *js = slurp_text(p);
  cr_assert(strstr(js, "\"train\": {\"clips\": 2,") && strstr(js, "\"test\": {\"clips\": 1,") && strstr(js, "\"all\": {\"clips\": 3,"), "%s", js);
  char want[128];
  snprintf(want, sizeof want, "\"train\": {\"clips\": 2, \"success\": %.4g, \"mpjpe_mm\": %.4g,", csv_num(csv, 1, 4), csv_num(csv, 1, 5));
  cr_assert(strstr(js, want), "%s lacks %s", js, want);
  free(js);
  free(csv);
  free(mot);
  /* a malformed list: named by file and line, nothing evaluated */
  f = fopen(lst, "w");
  fputs("a.mot 1 0 split=validation\n", f);
  fclose(f);
  cr_assert_neq(eval_clips_run(&o, &err), 0);
  cr_assert(strstr(err.msg, "clips.list:1: expected"), "%s", err.msg);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  cr_assert_eq(system(cmd), 0);
}
