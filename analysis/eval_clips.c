/* analysis/eval_clips.c: `drl2move eval --clips FILE.list` (see eval.h): every clip of a library from its
 * start, per-clip tracking results and train/test summaries. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/eval.h"
#include "analysis/jsonw.h"
#include "common/files.h"
#include "envs/motion/motionlib.h"

typedef struct clip_row {
  eval_result r;
  int split;
} clip_row;

static const char *split_name(int s) {
  return s == MOTIONLIB_SPLIT_TRAIN ? "train" : s == MOTIONLIB_SPLIT_TEST ? "test" : "";
}

/* One clip alone, as imitate.motion, from frame 0; outputs in OUT/clips/NNN. */
static int eval_one(const eval_opts *o, const motionlib_entry *e, int i, eval_result *r, d2m_err *err) {
  eval_opts c = *o;
  char dir[4200], kv[4][1200];
  if (o->nset + 4 > EVAL_MAX_SET) return err_set(err, "--clips: at most %d --set options", EVAL_MAX_SET - 4);
  snprintf(dir, sizeof dir, "%s/clips/%03d", o->out_dir, i);
  snprintf(kv[0], sizeof kv[0], "env.task=imitate");
  snprintf(kv[1], sizeof kv[1], "imitate.motion=%s", e->path);
  snprintf(kv[2], sizeof kv[2], "imitate.cyclic=%s", e->cyclic ? "true" : "false");
  snprintf(kv[3], sizeof kv[3], "imitate.rsi=false");
  for (int k = 0; k < 4; k++) c.set[c.nset++] = kv[k];
  c.out_dir = dir;
  c.clips = NULL;
  if (eval_run(&c, r, err)) return err_wrap(err, "--clips %s:%d (%s)", o->clips, e->line, e->name);
  return 0;
}

/* Means over the clips of one side (split < 0: all); 0 clips: nothing written. */
static int side_means(const clip_row *rows, int n, int split, double m[5]) {
  int k = 0;
  memset(m, 0, 5 * sizeof *m);
  for (int i = 0; i < n; i++) {
    if (split >= 0 && rows[i].split != split) continue;
    const eval_result *r = &rows[i].r;
    m[0] += r->mean_success, m[1] += r->mean_mpjpe_mm, m[2] += r->mean_joint_rmse_deg, m[3] += r->mean_length;
    m[4] += r->mean_return;
    k++;
  }
  for (int j = 0; j < 5 && k; j++) m[j] /= k;
  return k;
}

static void write_csv(FILE *f, const motionlib_entry *e, const clip_row *rows, int n, double dt) {
  fprintf(f, "clip,name,split,episodes,success,mpjpe_mm,joint_rmse_deg,length_s,return\n");
  for (int i = 0; i < n; i++) {
    const eval_result *r = &rows[i].r;
    fprintf(f, "%d,%s,%s,%d,%.4g,%.4g,%.4g,%.4g,%.6g\n", i, e[i].name, split_name(rows[i].split), r->episodes,
            r->mean_success, r->mean_mpjpe_mm, r->mean_joint_rmse_deg, r->mean_length * dt, r->mean_return);
  }
}

static void json_side(FILE *f, const char *key, const clip_row *rows, int n, int split, double dt, const char *sep) {
  double m[5];
  int k = side_means(rows, n, split, m);
  if (!k) {
    fprintf(f, "  \"%s\": null%s\n", key, sep);
    return;
  }
  fprintf(f, "  \"%s\": {\"clips\": %d, \"success\": %.4g, \"mpjpe_mm\": %.4g, \"joint_rmse_deg\": %.4g, \"length_s\": %.4g, "
             "\"return\": %.6g}%s\n", key, k, m[0], m[1], m[2], m[3] * dt, m[4], sep);
  LOG_I("eval --clips: %-5s %d clips: success %.3f, MPJPE %.1f mm, joint RMSE %.2f deg, episode %.2f s", key, k, m[0],
        m[1], m[2], m[3] * dt);
}

static void write_json(FILE *f, const eval_opts *o, const motionlib_entry *e, const clip_row *rows, int n, double dt) {
  fputs("{\n  \"clips_list\": ", f);
  jsonw_str(f, o->clips);
  fputs(",\n  \"checkpoint\": ", f);
  jsonw_str(f, o->checkpoint);
  fprintf(f, ",\n  \"deterministic\": %d,\n  \"episodes_per_clip\": %d,\n  \"clips\": [\n", o->drive == EVAL_MEAN,
          o->episodes);
  for (int i = 0; i < n; i++) {
    const eval_result *r = &rows[i].r;
    fprintf(f, "    {\"clip\": %d, \"name\": ", i);
    jsonw_str(f, e[i].name);
    fprintf(f, ", \"split\": \"%s\", \"success\": %.4g, \"mpjpe_mm\": %.4g, "
               "\"joint_rmse_deg\": %.4g, \"length_s\": %.4g, \"return\": %.6g, \"dir\": \"clips/%03d\"}%s\n",
            split_name(rows[i].split), r->mean_success, r->mean_mpjpe_mm, r->mean_joint_rmse_deg,
            r->mean_length * dt, r->mean_return, i, i + 1 < n ? "," : "");
  }
  fprintf(f, "  ],\n");
  json_side(f, "all", rows, n, -1, dt, ",");
  json_side(f, "train", rows, n, MOTIONLIB_SPLIT_TRAIN, dt, ",");
  json_side(f, "test", rows, n, MOTIONLIB_SPLIT_TEST, dt, "");
  fprintf(f, "}\n");
}

/* The control period of the clips' runs, from the first clip's summary.json ("dt"). */
static double read_dt(const char *out_dir) {
  char p[4300];
  snprintf(p, sizeof p, "%s/clips/000/summary.json", out_dir);
  uint8_t *buf;
  size_t n;
  d2m_err err;
  double dt = NAN;
  if (file_slurp(p, 1 << 26, &buf, &n, &err)) return dt;
  const char *k = strstr((const char *)buf, "\"dt\": ");
  if (k) dt = atof(k + 6);
  free(buf);
  return dt;
}

int eval_clips_run(const eval_opts *o, d2m_err *err) {
  if (o->drive == EVAL_PLAYBACK) return err_set(err, "--clips evaluates a policy: not with --playback");
  motionlib_entry *e;
  int n, rc = 0;
  if (motionlib_read_list(o->clips, &e, &n, err)) return -1;
  if (file_mkdirs(o->out_dir, err)) return free(e), -1;
  clip_row *rows = xcalloc((size_t)n, sizeof *rows);
  for (int i = 0; i < n && !rc; i++) {
    rows[i].split = e[i].split;
    rc = eval_one(o, &e[i], i, &rows[i].r, err);
    if (!rc)
      LOG_I("eval --clips: %d/%d %s: success %.2f, MPJPE %.1f mm, %.1f steps", i + 1, n, e[i].name, rows[i].r.mean_success,
            rows[i].r.mean_mpjpe_mm, rows[i].r.mean_length);
  }
  double dt = rc ? NAN : read_dt(o->out_dir);
  char p[4300];
  FILE *f = NULL;
  if (!rc) {
    snprintf(p, sizeof p, "%s/clips.csv", o->out_dir);
    if (!(f = fopen(p, "w"))) rc = err_set(err, "%s: cannot write", p);
    else write_csv(f, e, rows, n, dt), rc = fclose(f) ? err_set(err, "%s: write failed", p) : 0;
  }
  if (!rc) {
    snprintf(p, sizeof p, "%s/summary.json", o->out_dir);
    if (!(f = fopen(p, "w"))) rc = err_set(err, "%s: cannot write", p);
    else write_json(f, o, e, rows, n, dt), rc = fclose(f) ? err_set(err, "%s: write failed", p) : 0;
  }
  free(rows);
  free(e);
  return rc ? -1 : 0;
}
