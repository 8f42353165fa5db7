/* mocap/motion_import.c: the work of `drl2move motion import` (argv in deploy/motion_cli.c): marker
 * IK onto the model (ik_import.h), then DIR/motion.mot (OpenSim coordinates, read by refmotion_from_mot),
 * DIR/ik_report.csv (per-frame marker errors), DIR/subject.ini (the scaled subject, for
 * model_subject_load) and DIR/import_report.txt (what was matched, observed, cut and decided; also
 * printed). */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include "common/config.h"
#include "mocap/asf.h"
#include "mocap/bvh.h"
#include "mocap/c3d.h"
#include "mocap/ik_import.h"
#include "mocap/import_report.h"
#include "mocap/motion_cmd.h"
#include "mocap/segmarkers.h"
#include "envs/motion/refmotion.h"
#include "mocap/trc.h"

static const char *ext_of(const char *path) {
  const char *d = strrchr(path, '.');
  return d ? d + 1 : "";
}

/* Leg joints of a skeleton under the two CMU namings (cgspeed BVH; ASF and ASF-converted BVH). */
static const char *const leg_names[3][SJ_N] = {
    {"RightUpLeg", "RightLeg", "RightFoot", "RightToeBase", "LeftUpLeg", "LeftLeg", "LeftFoot", "LeftToeBase"},
    {"RightHip", "RightKnee", "RightAnkle", "RightToe", "LeftHip", "LeftKnee", "LeftAnkle", "LeftToe"},
    {"rfemur", "rtibia", "rfoot", "rtoes", "lfemur", "ltibia", "lfoot", "ltoes"}};

/* Joint indices idx[SJ_N] (find: bvh_find or asf_find through a wrapper) under the first of namings
 * first..last that has them all: returns -1 then; else the SJ_* index of the first joint the first
 * naming lacks, named in `missing`. */
static int leg_joints(int (*find)(const void *, const char *), const void *f, int first, int last, int *idx,
                      char *missing, size_t cap) {
  int miss = -1;
  for (int n = first; n <= last; n++) {
    int ok = 1;
    for (int j = 0; j < SJ_N && ok; j++)
      if ((idx[j] = find(f, leg_names[n][j])) < 0) {
        ok = 0;
        if (n == first) snprintf(missing, cap, "%s", leg_names[n][j]), miss = j;
      }
    if (ok) return -1;
  }
  return miss;
}

/* The refusal when a skeleton lacks leg joint j (SJ_*): what the model then cannot observe. */
static int refuse_missing(const char *path, const char *joint, int j, d2m_err *err) {
  static const char *const lost[4] = {"the pelvis orientation and hip_flexion_%c", "knee_angle_%c",
                                      "knee_angle_%c and ankle_angle_%c", "ankle_angle_%c and subtalar_angle_%c"};
  char what[96];
  char side = j < SJ_HIP_L ? 'r' : 'l';
  snprintf(what, sizeof what, lost[j % 4], side, side);
  return err_set(err, "%s: the skeleton has no joint '%s': %s cannot be observed (the importer needs the hip, knee, "
                 "ankle and toe joints of both legs, with CMU's names)", path, joint, what);
}

static int find_bvh_joint(const void *f, const char *n) { return bvh_find(f, n); }
static int find_asf_bone(const void *f, const char *n) { return asf_find(f, n); }

/* Copies joint centres (pos[.][3] times unit) and segment rotations (rot[.][9]) of one frame, or of
 * the reference pose when f < 0, into sk: thigh = the hip joint's rotation, shank = the knee's, foot
 * = the ankle's, pelvis = the rotation of the right hip's parent. */
static void skel_frame(seg_skeleton *sk, int f, const double *pos, const double *rot, const int *idx, int pelvis,
                       double unit) {
  static const int seg_joint[SEG_N] = {-1, SJ_HIP_R, SJ_KNEE_R, SJ_ANKLE_R, SJ_HIP_L, SJ_KNEE_L, SJ_ANKLE_L};
  double *P = f < 0 ? &sk->ref[0][0] : sk->pos + (size_t)f * SJ_N * 3;
  for (int j = 0; j < SJ_N; j++)
    for (int k = 0; k < 3; k++) P[3 * j + k] = unit * pos[3 * idx[j] + k];
  if (f < 0) return;
  for (int g = 0; g < SEG_N; g++)
    memcpy(sk->rot + ((size_t)f * SEG_N + g) * 9, rot + 9 * (g ? idx[seg_joint[g]] : pelvis), 9 * sizeof(double));
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
  double *pos = xmalloc(sizeof(double) * 3 * (size_t)b.njoints), *rot = xmalloc(sizeof(double) * 9 * (size_t)b.njoints);
  double unit = 1;
  int hip = bvh_find(&b, "RightUpLeg"), knee = bvh_find(&b, "RightLeg");
  if (hip < 0 || knee < 0) hip = bvh_find(&b, "RightHip"), knee = bvh_find(&b, "RightKnee");
  if (hip >= 0 && knee >= 0 && b.nframes > 0) {
    bvh_fk(&b, 0, pos, NULL);
    double v[3] = {pos[3 * hip] - pos[3 * knee], pos[3 * hip + 1] - pos[3 * knee + 1], pos[3 * hip + 2] - pos[3 * knee + 2]};
    double L = mju_norm3(v);
    if (L > 0 && (L < 0.25 || L > 0.7)) unit = 0.40 / L;
  }
  /* segment rotations -> virtual markers (mocap/segmarkers.h) when the skeleton has every leg joint */
  int idx[SJ_N], rc = 0;
  char miss[MK_NAME_MAX] = "";
  int lack = leg_joints(find_bvh_joint, &b, 0, 1, idx, miss, sizeof miss), virt = b.nframes > 0 && lack < 0;
  seg_skeleton sk = {0};
  int pelvis = virt ? b.joints[idx[SJ_HIP_R]].parent : -1;
  if (virt) {
    seg_skeleton_alloc(&sk, b.nframes);
    bvh_file z = b; /* the reference pose: every channel 0 */
    z.nframes = 1;
    z.motion = xcalloc((size_t)b.nchannels + 1, sizeof(double));
    bvh_fk(&z, 0, pos, NULL);
    free(z.motion);
    skel_frame(&sk, -1, pos, NULL, idx, 0, unit);
    if (pelvis < 0) pelvis = idx[SJ_HIP_R];
  } else if (lack >= 0) rc = refuse_missing(path, miss, lack, err);
  for (int f = 0; !rc && f < b.nframes; f++) {
    bvh_fk(&b, f, pos, rot);
    for (int j = 0; j < b.njoints; j++)
      for (int k = 0; k < 3; k++) mk_at(m, f, j)[k] = unit * pos[3 * j + k];
    if (virt) skel_frame(&sk, f, pos, rot, idx, pelvis, unit);
  }
  if (virt) rc = segmk_add(m, &sk, err);
  if (rc) mk_free(m);
  seg_skeleton_free(&sk);
  free(pos);
  free(rot);
  bvh_free(&b);
  return rc;
}

/* The skeleton of an AMC: --skeleton, else STEM.asf, else CMU's naming (SS_TT.amc -> SS.asf),
 * else the only .asf in the AMC's folder. */
static int find_asf(const char *amc, char *out, size_t cap, d2m_err *err) {
  size_t n = strlen(amc);
  struct stat st;
  snprintf(out, cap, "%.*s.asf", (int)(n - 4), amc);
  if (!stat(out, &st)) return 0;
  const char *slash = strrchr(amc, '/'), *base = slash ? slash + 1 : amc, *us = strrchr(base, '_');
  if (us) {
    snprintf(out, cap, "%.*s.asf", (int)(us - amc), amc);
    if (!stat(out, &st)) return 0;
  }
  char dir[1024];
  snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - amc) : 1, slash ? amc : ".");
  DIR *d = opendir(dir);
  int found = 0;
  for (struct dirent *de; d && (de = readdir(d));) {
    size_t l = strlen(de->d_name);
    if (l > 4 && !strcasecmp(de->d_name + l - 4, ".asf")) found++, snprintf(out, cap, "%s/%s", dir, de->d_name);
  }
  if (d) closedir(d);
  if (found == 1) return 0;
  return err_set(err, "%s: no skeleton: none of %.*s.asf, the CMU-style SUBJECT.asf or a single .asf in %s (%d found); "
                 "give --skeleton FILE.asf", amc, (int)(n - 4), amc, dir, found);
}

/* CMU skeletons: the start of these bones is the joint centre the marker set knows (lowerbody
 * RightHip ... LeftToe); other bones keep their names. */
static const char *asf_marker_name(const char *bone) {
  static const char *const map[][2] = {{"rfemur", "RightHip"}, {"rtibia", "RightKnee"}, {"rfoot", "RightAnkle"},
                                       {"rtoes", "RightToe"},  {"lfemur", "LeftHip"},   {"ltibia", "LeftKnee"},
                                       {"lfoot", "LeftAnkle"}, {"ltoes", "LeftToe"}};
  for (size_t i = 0; i < sizeof map / sizeof map[0]; i++)
    if (!strcasecmp(bone, map[i][0])) return map[i][1];
  return bone;
}

/* ASF/AMC: the start of every bone (its joint centre) as a marker, as BVH joints are. Lengths follow
 * CMU's convention (inches times `:units length`) and are then checked like BVH's: a thigh outside
 * 0.25-0.7 m is rescaled to 0.40 m. */
static int asf_markers(const char *amc, const char *skeleton, mk_markers *m, d2m_err *err) {
  char asf_path[1100];
  if (skeleton) snprintf(asf_path, sizeof asf_path, "%s", skeleton);
  else if (find_asf(amc, asf_path, sizeof asf_path, err)) return -1;
  asf_file a;
  if (asf_read(asf_path, amc, &a, err)) return -1;
  mk_alloc(m, a.nbones, a.nframes);
  m->rate = a.rate;
  snprintf(m->units, sizeof m->units, "asf");
  for (int j = 0; j < a.nbones; j++) snprintf(m->names[j], MK_NAME_MAX, "%s", asf_marker_name(a.bones[j].name));
  double *pos = xmalloc(sizeof(double) * 3 * (size_t)a.nbones), *rot = xmalloc(sizeof(double) * 9 * (size_t)a.nbones);
  double unit = 0.0254 / a.length_unit;
  int hip = asf_find(&a, "rfemur"), knee = asf_find(&a, "rtibia");
  if (hip >= 0 && knee >= 0 && a.nframes > 0) {
    asf_fk(&a, 0, pos, NULL, NULL);
    double v[3] = {pos[3 * hip] - pos[3 * knee], pos[3 * hip + 1] - pos[3 * knee + 1], pos[3 * hip + 2] - pos[3 * knee + 2]};
    double L = unit * mju_norm3(v);
    if (L > 0 && (L < 0.25 || L > 0.7)) unit *= 0.40 / L;
  }
  /* bone rotations -> virtual markers (mocap/segmarkers.h), as for BVH */
  int idx[SJ_N], rc = 0;
  char miss[MK_NAME_MAX] = "";
  int lack = leg_joints(find_asf_bone, &a, 2, 2, idx, miss, sizeof miss), virt = a.nframes > 0 && lack < 0;
  seg_skeleton sk = {0};
  int pelvis = virt ? a.bones[idx[SJ_HIP_R]].parent : -1;
  if (virt) {
    seg_skeleton_alloc(&sk, a.nframes);
    asf_file z = a; /* the reference pose: every dof 0 */
    z.nframes = 1;
    z.motion = xcalloc((size_t)a.ncols + 1, sizeof(double));
    asf_fk(&z, 0, pos, NULL, NULL);
    free(z.motion);
    skel_frame(&sk, -1, pos, NULL, idx, 0, unit);
    if (pelvis < 0) pelvis = idx[SJ_HIP_R];
  } else if (lack >= 0) rc = refuse_missing(amc, miss, lack, err);
  for (int f = 0; !rc && f < a.nframes; f++) {
    asf_fk(&a, f, pos, NULL, rot);
    for (int j = 0; j < a.nbones; j++)
      for (int k = 0; k < 3; k++) mk_at(m, f, j)[k] = unit * pos[3 * j + k];
    if (virt) skel_frame(&sk, f, pos, rot, idx, pelvis, unit);
  }
  if (virt) rc = segmk_add(m, &sk, err);
  if (rc) mk_free(m);
  seg_skeleton_free(&sk);
  free(pos);
  free(rot);
  asf_free(&a);
  return rc;
}

static int read_markers(const char *path, const char *skeleton, mk_markers *m, double *height, double *mass, d2m_err *err) {
  const char *e = ext_of(path);
  if (!strcasecmp(e, "trc")) return trc_read(path, m, NULL, err);
  if (!strcasecmp(e, "bvh")) return bvh_markers(path, m, err);
  if (!strcasecmp(e, "amc")) return asf_markers(path, skeleton, m, err);
  if (!strcasecmp(e, "c3d")) {
    c3d_file c;
    if (c3d_read(path, &c, err)) return -1;
    *m = c.markers; /* moved out: c3d_free must not free it */
    if (height) *height = c.subject_height_m;
    if (mass) *mass = c.subject_mass_kg;
    memset(&c.markers, 0, sizeof c.markers);
    c3d_free(&c);
    return 0;
  }
  return err_set(err, "%s: unknown extension '.%s' (c3d, trc, bvh, amc, mot, sto)", path, e);
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

static void print_summary(FILE *out, const char *in, const ik_result *r, double secs) {
  double mean = 0, mx = 0;
  int n = 0;
  for (int i = 0; i < r->nframes; i++)
    if (isfinite(r->rms[i])) mean += r->rms[i], mx = fmax(mx, r->rms[i]), n++;
  fprintf(out, "%s: %d frames at %g Hz, lab axes %s (forward, up), IK %.2f s, locked: %s\n", in, r->nframes, r->rate, r->axes,
         secs, r->locked);
  fprintf(out, "subject: height %.3f m (length factor %.4f), mass %.1f kg; segment ratios measured/model:", r->subject.height_m,
         r->scale, r->subject.mass_kg);
  for (int s = 0; s < r->nseg; s++) fprintf(out, " %s %.3f", r->seg_name[s], r->seg_ratio[s]);
  fprintf(out, "\nmarker RMS error per frame: mean %.1f mm, max %.1f mm (%d frames with markers)\n", n ? 1e3 * mean / n : NAN,
         1e3 * mx, n);
  fprintf(out, "per marker (mean / max mm, %% present):\n");
  for (int j = 0; j < r->nmk; j++) {
    double s = 0, m = 0;
    int k = 0;
    for (int i = 0; i < r->nframes; i++) {
      double e = r->err[(size_t)i * r->nmk + j];
      if (isfinite(e)) s += e, m = fmax(m, e), k++;
    }
    fprintf(out, "  %-16s %-5s %6.1f / %6.1f  %5.1f%%\n", r->mk_name[j], r->mk_fixed[j] ? "fixed" : "free",
           k ? 1e3 * s / k : NAN, 1e3 * m, 100.0 * k / (r->nframes ? r->nframes : 1));
  }
}

static int write_outputs(const char *dir, const ik_result *r, FILE *rep, d2m_err *err) {
  char p[1024], worst[64];
  mot_table t;
  double diff;
  if (ik_to_mot(r->model, r->qpos, r->nframes, r->rate, r->first_time, &t, err)) return -1;
  int cyc = mot_ends_match(&t, MOT_CYCLIC_TOL_DEG, MOT_CYCLIC_TOL_M, worst, sizeof worst, &diff);
  fprintf(rep, "cyclic (imitate.cyclic = auto): %s: the last frame %s the first within %g deg / %g m (worst: %s, %.3g %s)\n",
          cyc ? "yes" : "no", cyc ? "matches" : "does not match", MOT_CYCLIC_TOL_DEG, MOT_CYCLIC_TOL_M, worst, diff,
          strstr(worst, "_t") && strlen(worst) > 3 && worst[strlen(worst) - 3] == '_' ? "m" : "deg");
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
  if (!rc) fprintf(rep, "wrote %s/motion.mot, %s/ik_report.csv, %s/subject.ini, %s/import_report.txt\n", dir, dir, dir, dir);
  return rc;
}

void motion_import_opts_default(motion_import_opts *o) {
  *o = (motion_import_opts){.markers = "auto"};
  ik_import_opts_default(&o->ik);
}

int motion_import_run(const motion_import_opts *opts) {
  const char *in = opts->in, *stat = opts->stat, *set_path = opts->markers, *out = opts->out;
  ik_import_opts o = opts->ik; /* height and mass are filled from the C3D where not given */
  if (mkdir(out, 0755) && errno != EEXIST) return fprintf(stderr, "%s: cannot create: %s\n", out, strerror(errno)), 1;
  d2m_err err;
  const char *e = ext_of(in);
  if (!strcasecmp(e, "mot") || !strcasecmp(e, "sto")) return import_mot(in, out, &err) ? fprintf(stderr, "%s\n", err.msg), 1 : 0;
  markerset set;
  mk_markers trial = {0}, st = {0};
  ik_result r = {0};
  int rc = 1, counts[MS_NSETS], chosen = -1;
  double c3d_h = 0, c3d_m = 0, user_h = o.height_m, user_m = o.mass_kg;
  if (read_markers(in, opts->skeleton, &trial, &c3d_h, &c3d_m, &err) ||
      (stat && read_markers(stat, opts->skeleton, &st, NULL, NULL, &err))) {
    fprintf(stderr, "drl2move motion import: %s\n", err.msg);
    mk_free(&trial);
    return 1;
  }
  if (!strcmp(set_path, "auto") ? (chosen = markerset_choose(&trial, &set, counts, &err)) < 0
                                 : markerset_named(set_path, &set, &err)) {
    fprintf(stderr, "drl2move motion import: %s\n", err.msg);
    mk_free(&trial);
    mk_free(&st);
    return 1;
  }
  if (o.height_m <= 0 && c3d_h > 0) o.height_m = c3d_h;
  if (o.mass_kg <= 0 && c3d_m > 0) o.mass_kg = c3d_m;
  char rp[1024];
  snprintf(rp, sizeof rp, "%s/import_report.txt", out);
  FILE *rep = fopen(rp, "w");
  if (!rep) {
    err_set(&err, "%s: cannot write: %s", rp, strerror(errno));
    goto done;
  }
  import_report_markers(rep, &set, chosen, counts, &trial, stat ? &st : NULL);
  fprintf(rep, "subject: height %s, mass %s\n",
          user_h > 0 ? "from --height" : c3d_h > 0 ? "from the C3D (PROCESSING/SUBJECTS parameters)" : "scaled from the markers",
          user_m > 0 ? "from --mass" : c3d_m > 0 ? "from the C3D (PROCESSING/SUBJECTS parameters)" : "the reference model's (no mass in the file; give --mass)");
  struct timespec t0, t1;
  clock_gettime(CLOCK_MONOTONIC, &t0);
  int irc = ik_import(&trial, stat ? &st : NULL, &set, &o, &r, &err);
  clock_gettime(CLOCK_MONOTONIC, &t1);
  if (irc) goto done;
  import_report_result(rep, &r);
  print_summary(rep, in, &r, (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
  if (write_outputs(out, &r, rep, &err)) goto done;
  rc = 0;
done:
  if (rep) fclose(rep);
  if (rep) import_report_echo(rp);
  if (rc) fprintf(stderr, "drl2move motion import: %s\n", err.msg);
  ik_result_free(&r);
  mk_free(&trial);
  mk_free(&st);
  markerset_free(&set);
  return rc;
}
