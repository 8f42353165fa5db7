/* mocap/motion_import.c: `drl2move motion import FILE.c3d|.trc|.bvh|.mot [--static STATIC] [--markers SET]
 * [--axes +x+y] [--height M] [--mass KG] [--place all|free] [--lock mtp|subtalar,mtp|none] --out DIR`: marker IK onto the model (ik_import.h), then
 * DIR/motion.mot (OpenSim coordinates, read by refmotion_from_mot), DIR/ik_report.csv (per-frame
 * marker errors) and DIR/subject.ini (the scaled subject, for model_subject_load). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "common/config.h"
#include "mocap/bvh.h"
#include "mocap/c3d.h"
#include "mocap/ik_import.h"
#include "mocap/motion_cli.h"
#include "envs/motion/refmotion.h"
#include "mocap/trc.h"

static const char *ext_of(const char *path) {
  const char *d = strrchr(path, '.');
  return d ? d + 1 : "";
}

/* BVH joints as markers at their world positions. Lengths are taken as metres when the thigh
 * (RightUpLeg -> RightLeg, or RightHip -> RightKnee) is 0.25-0.7 units long; otherwise they are rescaled so that the thigh is 0.40 m
 * (the reference model's femur), and the marker-based scaling then fits the subject. */
static int bvh_markers(const char *path, mk_markers *m, d2m_err *err) {
  bvh_file b;
  if (bvh_read(path, &b, err)) return -1;
  mk_alloc(m, b.njoints, b.nframes);
  m->rate = 1.0 / b.frame_time;
  snprintf(m->units, sizeof m->units, "bvh");
  for (int j = 0; j < b.njoints; j++) snprintf(m->names[j], MK_NAME_MAX, "%s", b.joints[j].name);
  double *pos = xmalloc(sizeof(double) * 3 * (size_t)b.njoints), unit = 1;
  int hip = bvh_find(&b, "RightUpLeg"), knee = bvh_find(&b, "RightLeg");
  if (hip < 0 || knee < 0) hip = bvh_find(&b, "RightHip"), knee = bvh_find(&b, "RightKnee");
  if (hip >= 0 && knee >= 0 && b.nframes > 0) {
    bvh_fk(&b, 0, pos, NULL);
    double v[3] = {pos[3 * hip] - pos[3 * knee], pos[3 * hip + 1] - pos[3 * knee + 1], pos[3 * hip + 2] - pos[3 * knee + 2]};
    double L = mju_norm3(v);
    if (L > 0 && (L < 0.25 || L > 0.7)) unit = 0.40 / L;
  }
  for (int f = 0; f < b.nframes; f++) {
    bvh_fk(&b, f, pos, NULL);
    for (int j = 0; j < b.njoints; j++)
      for (int k = 0; k < 3; k++) mk_at(m, f, j)[k] = unit * pos[3 * j + k];
  }
  free(pos);
  bvh_free(&b);
  return 0;
}

static int read_markers(const char *path, mk_markers *m, d2m_err *err) {
  const char *e = ext_of(path);
  if (!strcasecmp(e, "trc")) return trc_read(path, m, NULL, err);
  if (!strcasecmp(e, "bvh")) return bvh_markers(path, m, err);
  if (!strcasecmp(e, "c3d")) {
    c3d_file c;
    if (c3d_read(path, &c, err)) return -1;
    *m = c.markers; /* moved out: c3d_free must not free it */
    memset(&c.markers, 0, sizeof c.markers);
    c3d_free(&c);
    return 0;
  }
  return err_set(err, "%s: unknown extension '.%s' (c3d, trc, bvh, mot, sto)", path, e);
}

/* .mot/.sto: no IK; check that it maps onto the model and copy it. */
static int import_mot(const char *in, const char *out_dir, d2m_err *err) {
  mot_table t;
  if (mot_read(in, &t, err)) return -1;
  mjModel *m = model_load(NULL, err);
  int rc = -1;
  if (m) {
    refmotion ref;
    refmotion_opts o;
    cfg_t c; /* the embedded defaults' control period: the check is whether the coordinates map */
    cfg_defaults(&c);
    refmotion_opts_init(&o, c.env_sim_dt * (double)c.env_substeps);
    if (!refmotion_from_mot(&ref, m, &t, &o, err)) {
      char p[1024];
      snprintf(p, sizeof p, "%s/motion.mot", out_dir);
      rc = mot_write(p, &t, err);
      if (!rc) printf("%s: %d rows, %d coordinates map onto the model (%d frames at %.4g s); wrote %s\n", in, t.nrows,
                      t.ncols - 1, ref.nframes, ref.dt, p);
      refmotion_free(&ref);
    }
    mj_deleteModel(m);
  }
  mot_free(&t);
  return rc;
}

static void print_summary(const char *in, const ik_result *r, double secs) {
  double mean = 0, mx = 0;
  int n = 0;
  for (int i = 0; i < r->nframes; i++)
    if (isfinite(r->rms[i])) mean += r->rms[i], mx = fmax(mx, r->rms[i]), n++;
  printf("%s: %d frames at %g Hz, lab axes %s (forward, up), IK %.2f s, locked: %s\n", in, r->nframes, r->rate, r->axes,
         secs, r->locked);
  printf("subject: height %.3f m (length factor %.4f), mass %.1f kg; segment ratios measured/model:", r->subject.height_m,
         r->scale, r->subject.mass_kg);
  for (int s = 0; s < r->nseg; s++) printf(" %s %.3f", r->seg_name[s], r->seg_ratio[s]);
  printf("\nmarker RMS error per frame: mean %.1f mm, max %.1f mm (%d frames with markers)\n", n ? 1e3 * mean / n : NAN,
         1e3 * mx, n);
  printf("per marker (mean / max mm, %% present):\n");
  for (int j = 0; j < r->nmk; j++) {
    double s = 0, m = 0;
    int k = 0;
    for (int i = 0; i < r->nframes; i++) {
      double e = r->err[(size_t)i * r->nmk + j];
      if (isfinite(e)) s += e, m = fmax(m, e), k++;
    }
    printf("  %-16s %-5s %6.1f / %6.1f  %5.1f%%\n", r->mk_name[j], r->mk_fixed[j] ? "fixed" : "free",
           k ? 1e3 * s / k : NAN, 1e3 * m, 100.0 * k / (r->nframes ? r->nframes : 1));
  }
}

static int write_outputs(const char *dir, const ik_result *r, d2m_err *err) {
  char p[1024];
  mot_table t;
  if (ik_to_mot(r->model, r->qpos, r->nframes, r->rate, r->first_time, &t, err)) return -1;
  snprintf(p, sizeof p, "%s/motion.mot", dir);
  int rc = mot_write(p, &t, err);
  mot_free(&t);
  snprintf(p, sizeof p, "%s/ik_report.csv", dir);
  if (!rc) rc = ik_write_report(p, r, err);
  snprintf(p, sizeof p, "%s/subject.ini", dir);
  FILE *f = rc ? NULL : fopen(p, "w");
  if (!rc && !f) return err_set(err, "%s: cannot write: %s", p, strerror(errno));
  if (f) {
    fprintf(f, "# subject scaled by drl2move motion import (one length factor %.5f)\nheight_m = %.5f\nmass_kg = %.3f\n",
            r->scale, r->subject.height_m, r->subject.mass_kg);
    fclose(f);
  }
  if (!rc) printf("wrote %s/motion.mot, %s/ik_report.csv, %s/subject.ini\n", dir, dir, dir);
  return rc;
}

/* A numeric option, whole string, within [lo, hi] (the same limits model_subject_check applies): atof
 * would turn "1.8m" or "abc" into a silent 1.8 or 0 and the import would scale to nonsense. */
static int opt_number(const char *opt, const char *v, double lo, double hi, const char *unit, double *out) {
  char *end;
  errno = 0;
  double x = strtod(v, &end);
  if (end == v || *end || errno || !isfinite(x))
    return fprintf(stderr, "drl2move motion import: %s '%s' is not a number\n", opt, v), -1;
  if (!(x >= lo && x <= hi))
    return fprintf(stderr, "drl2move motion import: %s %g %s outside %g..%g\n", opt, x, unit, lo, hi), -1;
  *out = x;
  return 0;
}

int motion_import(int argc, char **argv) {
  const char *in = NULL, *stat = NULL, *set_path = NULL, *out = NULL;
  ik_import_opts o;
  ik_import_opts_default(&o);
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    if (a[0] != '-') {
      in = a;
      continue;
    }
    if (!v) return fprintf(stderr, "drl2move motion import: %s needs a value\n", a), 2;
    i++;
    if (!strcmp(a, "--static")) stat = v;
    else if (!strcmp(a, "--markers")) set_path = v;
    else if (!strcmp(a, "--out")) out = v;
    else if (!strcmp(a, "--axes")) o.axes = v;
    else if (!strcmp(a, "--height")) {
      if (opt_number(a, v, 0.5, 2.5, "m", &o.height_m)) return 2;
    } else if (!strcmp(a, "--mass")) {
      if (opt_number(a, v, 10, 250, "kg", &o.mass_kg)) return 2;
    } else if (!strcmp(a, "--place")) {
      if (strcmp(v, "all") && strcmp(v, "free"))
        return fprintf(stderr, "drl2move motion import: --place '%s': expected all or free\n", v), 2;
      o.place_all = !strcmp(v, "all");
    }
    else if (!strcmp(a, "--lock")) o.lock = v;
    else return fprintf(stderr, "drl2move motion import: unknown option %s\n", a), 2;
  }
  if (!in || !out) return fprintf(stderr, "drl2move motion import: need FILE and --out DIR\n"), 2;
  if (mkdir(out, 0755) && errno != EEXIST) return fprintf(stderr, "%s: cannot create: %s\n", out, strerror(errno)), 1;
  d2m_err err;
  const char *e = ext_of(in);
  if (!strcasecmp(e, "mot") || !strcasecmp(e, "sto")) return import_mot(in, out, &err) ? fprintf(stderr, "%s\n", err.msg), 1 : 0;
  markerset set;
  mk_markers trial = {0}, st = {0};
  ik_result r = {0};
  int rc = 1;
  if (set_path ? markerset_load(set_path, &set, &err) : markerset_default(&set, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
  if (read_markers(in, &trial, &err) || (stat && read_markers(stat, &st, &err))) goto done;
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  if (ik_import(&trial, stat ? &st : NULL, &set, &o, &r, &err)) goto done;
  clock_gettime(CLOCK_MONOTONIC, &t1);
  print_summary(in, &r, (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
  if (write_outputs(out, &r, &err)) goto done;
  rc = 0;
done:
  if (rc) fprintf(stderr, "drl2move motion import: %s\n", err.msg);
  ik_result_free(&r);
  mk_free(&trial);
  mk_free(&st);
  markerset_free(&set);
  return rc;
}
