/* mocap/motion_library.c: `drl2move motion library` (see motion_cmd.h): every motion file found under
 * the inputs imported by motion_import_run into one folder, with a clip list for imitate.motion and a
 * table of what each clip is. */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "common/files.h"
#include "envs/motion/mot.h"
#include "mocap/motion_cmd.h"

enum { LIB_MAX_FILES = 100000, LIB_MAX_DEPTH = 16 };

typedef struct {
  char **path;
  int n, cap;
} file_list;

static const char *ext_of(const char *p) {
  const char *d = strrchr(p, '.'), *s = strrchr(p, '/');
  return d && (!s || d > s) ? d + 1 : "";
}

/* A file the importer takes, and not a static (calibration) trial, which is no movement to imitate. */
static int is_motion(const char *path) {
  static const char *const ext[] = {"c3d", "trc", "bvh", "amc", "mot"};
  const char *base = strrchr(path, '/'), *e = ext_of(path);
  base = base ? base + 1 : path;
  for (const char *q = base; *q; q++)
    if (!strncasecmp(q, "static", 6)) return 0;
  for (size_t i = 0; i < sizeof ext / sizeof *ext; i++)
    if (!strcasecmp(e, ext[i])) return 1;
  return 0;
}

static void add_file(file_list *l, const char *p) {
  if (l->n == l->cap) {
    l->cap = l->cap ? 2 * l->cap : 64;
    l->path = realloc(l->path, (size_t)l->cap * sizeof *l->path);
    D2M_CHECK(l->path != NULL, "out of memory");
  }
  l->path[l->n++] = strdup(p);
}

/* Motion files under `path` (a file or a folder, recursively, hidden entries skipped). */
static int collect(const char *path, int depth, file_list *l, d2m_err *err) {
  struct stat st;
  if (stat(path, &st)) return err_set(err, "%s: %s", path, strerror(errno));
  if (!S_ISDIR(st.st_mode)) {
    if (is_motion(path) && l->n < LIB_MAX_FILES) add_file(l, path);
    return 0;
  }
  if (depth >= LIB_MAX_DEPTH) return 0;
  DIR *d = opendir(path);
  if (!d) return err_set(err, "%s: cannot list: %s", path, strerror(errno));
  int rc = 0;
  for (struct dirent *e; !rc && (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char p[4096];
    if (strlen(path) + strlen(e->d_name) + 2 > sizeof p) continue; /* no path that long is ours to import */
    snprintf(p, sizeof p, "%.3800s/%.255s", path, e->d_name);
    rc = collect(p, depth + 1, l, err);
  }
  closedir(d);
  return rc;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* What the clip is, from its motion.mot and the import report. */
typedef struct {
  double duration_s, speed, ik_rms_mm;
  int frames, cyclic;
} clip_info;

static int clip_describe(const char *dir, clip_info *ci, d2m_err *err) {
  char p[4300];
  snprintf(p, sizeof p, "%s/motion.mot", dir);
  mot_table t;
  if (mot_read(p, &t, err)) return -1;
  char worst[64];
  double diff;
  ci->frames = t.nrows;
  ci->duration_s = t.nrows > 1 ? mot_at(&t, t.nrows - 1, 0) - mot_at(&t, 0, 0) : 0;
  ci->cyclic = mot_ends_match(&t, MOT_CYCLIC_TOL_DEG, MOT_CYCLIC_TOL_M, worst, sizeof worst, &diff);
  int x = mot_col(&t, "pelvis_tx"), z = mot_col(&t, "pelvis_tz");
  ci->speed = NAN; /* horizontal pelvis displacement over the clip */
  if (x >= 0 && z >= 0 && ci->duration_s > 0) {
    double dx = mot_at(&t, t.nrows - 1, x) - mot_at(&t, 0, x), dz = mot_at(&t, t.nrows - 1, z) - mot_at(&t, 0, z);
    ci->speed = sqrt(dx * dx + dz * dz) / ci->duration_s;
  }
  mot_free(&t);
  ci->ik_rms_mm = NAN; /* .mot inputs have no IK */
  snprintf(p, sizeof p, "%s/import_report.txt", dir);
  uint8_t *buf;
  size_t n;
  d2m_err ignore;
  if (!file_slurp(p, 1 << 24, &buf, &n, &ignore)) {
    const char *k = strstr((const char *)buf, "marker RMS error per frame: mean ");
    if (k) ci->ik_rms_mm = atof(k + strlen("marker RMS error per frame: mean "));
    free(buf);
  }
  return 0;
}

/* Folder name of clip i: its index and the file's name without the extension, [A-Za-z0-9._-] only. */
static void clip_dirname(char *out, size_t cap, int i, const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  int len = (int)(strlen(base) - strlen(ext_of(base)) - 1);
  snprintf(out, cap, "%04d_%.*s", i, len > 80 ? 80 : len, base);
  for (char *c = out; *c; c++)
    if (!(*c == '.' || *c == '_' || *c == '-' || (*c >= '0' && *c <= '9') || ((*c | 32) >= 'a' && (*c | 32) <= 'z'))) *c = '_';
}

void motion_library_opts_default(motion_library_opts *o) {
  memset(o, 0, sizeof *o);
  o->markers = "auto";
  o->test_every = 5;
  ik_import_opts_default(&o->ik);
}

/* Import clip i into OUT/<dir>; its rows in the list and the table. Returns 1 imported, 0 failed. */
static int library_one(const motion_library_opts *o, const char *in, int i, int *kept, FILE *lst, FILE *csv) {
  char name[128], dir[4200];
  clip_dirname(name, sizeof name, i, in);
  snprintf(dir, sizeof dir, "%s/%s", o->out, name);
  motion_import_opts io;
  motion_import_opts_default(&io);
  io.in = in, io.out = dir, io.markers = o->markers, io.ik = o->ik;
  clip_info ci;
  d2m_err err = {{0}};
  printf("motion library: [%d] %s -> %s\n", i + 1, in, dir);
  fflush(stdout);
  if (motion_import_run(&io) || clip_describe(dir, &ci, &err)) {
    fprintf(csv, "%s,%s,failed,,,,,,,\n", name, in);
    fprintf(stderr, "motion library: %s left out (import failed%s%s)\n", in, err.msg[0] ? ": " : "", err.msg);
    return 0;
  }
  int test = o->test_every > 0 && (*kept % o->test_every) == o->test_every - 1;
  (*kept)++;
  char rms[32] = "", spd[32] = "";
  if (isfinite(ci.ik_rms_mm)) snprintf(rms, sizeof rms, "%.3f", ci.ik_rms_mm);
  if (isfinite(ci.speed)) snprintf(spd, sizeof spd, "%.4f", ci.speed);
  fprintf(lst, "%s/motion.mot 1 %d split=%s  # %.2f s, %s m/s, IK RMS %s mm, from %s\n", name, ci.cyclic,
          test ? "test" : "train", ci.duration_s, spd[0] ? spd : "-", rms[0] ? rms : "- (no IK)", in);
  fprintf(csv, "%s,%s,ok,%s,%d,%.4f,%s,%d,%s,%s/motion.mot\n", name, in, test ? "test" : "train", ci.frames,
          ci.duration_s, spd, ci.cyclic, rms, name);
  return 1;
}

int motion_library_run(const motion_library_opts *o) {
  d2m_err err;
  file_list l = {0};
  int rc = 0;
  for (int i = 0; i < o->nin && !rc; i++) rc = collect(o->in[i], 0, &l, &err);
  if (!rc && !l.n) rc = err_set(&err, "no motion files (.c3d .trc .bvh .amc .mot, names without 'static') under the inputs");
  if (!rc && file_mkdirs(o->out, &err)) rc = -1;
  char lp[4200], cp[4200];
  snprintf(lp, sizeof lp, "%s/library.list", o->out);
  snprintf(cp, sizeof cp, "%s/library.csv", o->out);
  FILE *lst = rc ? NULL : fopen(lp, "w"), *csv = rc ? NULL : fopen(cp, "w");
  if (!rc && (!lst || !csv)) rc = err_set(&err, "%s: cannot write", o->out);
  if (rc) {
    fprintf(stderr, "drl2move motion library: %s\n", err.msg);
    if (lst) fclose(lst);
    if (csv) fclose(csv);
    for (int i = 0; i < l.n; i++) free(l.path[i]);
    free(l.path);
    return 1;
  }
  qsort(l.path, (size_t)l.n, sizeof *l.path, cmp_str); /* the same inputs give the same numbering and split */
  fprintf(lst, "# drl2move motion library: imitate.motion = %s (PATH WEIGHT CYCLIC split=; see README, Clip libraries)\n", lp);
  fprintf(csv, "clip,source,status,split,frames,duration_s,speed_m_s,cyclic,ik_rms_mm,motion\n");
  int kept = 0;
  for (int i = 0; i < l.n; i++) library_one(o, l.path[i], i, &kept, lst, csv);
  rc = (fclose(lst) != 0) | (fclose(csv) != 0);
  printf("motion library: %d of %d files imported -> %s, %s\n", kept, l.n, lp, cp);
  for (int i = 0; i < l.n; i++) free(l.path[i]);
  free(l.path);
  return rc || kept == 0 ? 1 : 0;
}
