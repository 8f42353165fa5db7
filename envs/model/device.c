/* envs/model/device.c: the assistive devices of a subject (model.h, model_device): their rigid
 * parts and actuators, written into the MJCF by mjcf.c. */
#include <stdio.h>
#include <string.h>

#include "envs/model/device_int.h"
#include "envs/model/model.h"
#include "envs/model/tables.h"

static int body_index(const char *name) {
  for (int b = 0; b < model_tab_nbody; b++)
    if (!strcmp(model_tab_bodies[b].name, name)) return b;
  return -1;
}

/* Uniform solid cylinder of mass m, radius r, length L along axis `ax` (0 x, 1 y, 2 z). */
static void cylinder(double m, double r, double L, int ax, double I[3]) {
  double across = m * (3 * r * r + L * L) / 12.0;
  for (int k = 0; k < 3; k++) I[k] = k == ax ? 0.5 * m * r * r : across;
}

/* Uniform box of mass m with edge lengths e[3]. */
static void box(double m, const double e[3], double I[3]) {
  I[0] = m * (e[1] * e[1] + e[2] * e[2]) / 12.0;
  I[1] = m * (e[0] * e[0] + e[2] * e[2]) / 12.0;
  I[2] = m * (e[0] * e[0] + e[1] * e[1]) / 12.0;
}

/* A part at fraction `frac` of the way from `parent`'s origin to its child `child` (scaled by s). */
static void along(model_device_part *p, const char *parent, const char *child, double frac, double s) {
  int c = body_index(child);
  p->parent = model_tab_bodies[body_index(parent)].name;
  for (int k = 0; k < 3; k++) p->pos[k] = frac * model_tab_bodies[c].pos[k] * s;
}

static const char *side_suffix[2] = {"r", "l"};

/* 0 right, 1 left: the prosthesis side, or -1 without one. */
static int pros_side(const model_subject *sub) {
  int p = sub->device.prosthesis;
  return p == MODEL_DEV_RIGHT ? 0 : p == MODEL_DEV_LEFT ? 1 : -1;
}

/* Is table body b one of the foot bodies (talus, calcn, toes) of side k? */
static int foot_body(int b, int k) {
  static const char *foot[3] = {"talus_", "calcn_", "toes_"};
  if (b < 0) return 0;
  const char *nm = model_tab_bodies[b].name;
  for (int i = 0; i < 3; i++) {
    size_t n = strlen(foot[i]);
    if (!strncmp(nm, foot[i], n) && !strcmp(nm + n, side_suffix[k])) return 1;
  }
  return 0;
}

static int site_body(const char *name) {
  for (int i = 0; i < model_tab_nsite; i++)
    if (!strcmp(model_tab_sites[i].name, name)) return model_tab_sites[i].body;
  return -1;
}

static int geom_body(const char *name) {
  for (int i = 0; i < model_tab_ngeom; i++)
    if (!strcmp(model_tab_geoms[i].name, name)) return model_tab_geoms[i].body;
  return -1;
}

/* A muscle loses its insertion when any point of its path (site, wrapping surface or side site)
 * lies on the amputated foot: read from the path table, so the list follows the model. */
int model_muscle_removed(const model_subject *sub, int i) {
  int k = pros_side(sub);
  if (k < 0 || i < 0 || i >= model_tab_nmuscle) return 0;
  const model_tab_muscle *M = &model_tab_muscles[i];
  for (int p = M->path_first; p < M->path_first + M->path_n; p++) {
    const model_tab_pathel *P = &model_tab_path[p];
    if ((P->site && foot_body(site_body(P->site), k)) || (P->geom && foot_body(geom_body(P->geom), k)) ||
        (P->sidesite && foot_body(site_body(P->sidesite), k)))
      return 1;
  }
  return 0;
}

double model_device_mass_factor(const model_subject *sub, int b) {
  int k = pros_side(sub);
  if (k < 0 || !foot_body(b, k)) return 1.0;
  double bio = 0; /* the biological foot, subject-scaled */
  for (int c = 0; c < model_tab_nbody; c++)
    if (foot_body(c, k)) bio += model_tab_bodies[c].mass * model_mass_scale(sub);
  return sub->device.pros_mass[1] / bio;
}

int model_device_parts(const model_subject *sub, model_device_part *out) {
  const model_device *d = &sub->device;
  double s = model_length_scale(sub);
  int n = 0;
  char par[32], chi[32];
  for (int k = 0; k < 2; k++) {
    const char *sx = side_suffix[k];
    if (d->ankle & (1 << k)) {
      model_device_part *p = &out[n++];
      snprintf(p->name, sizeof p->name, "exo_ankle_%s_shank", sx);
      snprintf(par, sizeof par, "tibia_%s", sx), snprintf(chi, sizeof chi, "talus_%s", sx);
      along(p, par, chi, DEV_ANKLE_SHANK_FRAC, s);
      p->mass = d->ankle_mass[0];
      cylinder(p->mass, DEV_ANKLE_SHANK_R, DEV_ANKLE_SHANK_L, 1, p->inertia);
      p = &out[n++];
      snprintf(p->name, sizeof p->name, "exo_ankle_%s_foot", sx);
      snprintf(par, sizeof par, "calcn_%s", sx);
      int b = body_index(par);
      p->parent = model_tab_bodies[b].name;
      for (int j = 0; j < 3; j++) p->pos[j] = model_tab_bodies[b].ipos[j] * s;
      p->mass = d->ankle_mass[1];
      box(p->mass, (const double[3]){DEV_FOOT_BOX}, p->inertia);
    }
    if (pros_side(sub) == k) {
      model_device_part *p = &out[n++];
      snprintf(p->name, sizeof p->name, "pros_ankle_%s_motor", sx);
      snprintf(par, sizeof par, "tibia_%s", sx), snprintf(chi, sizeof chi, "talus_%s", sx);
      along(p, par, chi, MODEL_PROS_SHANK_FRAC, s);
      p->mass = d->pros_mass[0];
      cylinder(p->mass, MODEL_PROS_SHANK_R, MODEL_PROS_SHANK_L, 1, p->inertia);
    }
    if (d->knee & (1 << k)) {
      model_device_part *p = &out[n++];
      snprintf(p->name, sizeof p->name, "exo_knee_%s_thigh", sx);
      snprintf(par, sizeof par, "femur_%s", sx), snprintf(chi, sizeof chi, "tibia_%s", sx);
      along(p, par, chi, DEV_KNEE_THIGH_FRAC, s);
      p->mass = d->knee_mass[0];
      cylinder(p->mass, DEV_KNEE_R, DEV_KNEE_L, 1, p->inertia);
      p = &out[n++];
      snprintf(p->name, sizeof p->name, "exo_knee_%s_shank", sx);
      snprintf(par, sizeof par, "tibia_%s", sx), snprintf(chi, sizeof chi, "talus_%s", sx);
      along(p, par, chi, DEV_KNEE_SHANK_FRAC, s);
      p->mass = d->knee_mass[1];
      cylinder(p->mass, DEV_KNEE_R, DEV_KNEE_L, 1, p->inertia);
    }
  }
  return n;
}

int model_device_nact(const model_subject *sub) {
  int n = 0;
  for (int k = 0; k < 2; k++) n += !!(sub->device.ankle & (1 << k)) + !!(sub->device.knee & (1 << k));
  return n + (pros_side(sub) >= 0);
}

void model_device_bodies(FILE *f, const model_subject *sub, const char *parent, int depth) {
  model_device_part parts[10];
  int n = model_device_parts(sub, parts);
  for (int i = 0; i < n; i++) {
    const model_device_part *p = &parts[i];
    if (strcmp(p->parent, parent)) continue;
    int foot = strstr(p->name, "_foot") != NULL;
    fprintf(f, "%*s<body name=\"%s\" pos=\"%.9g %.9g %.9g\">\n", 2 * depth, "", p->name, p->pos[0], p->pos[1], p->pos[2]);
    /* welded (no joint): MuJoCo accepts a part of 0 kg */
    fprintf(f, "%*s<inertial pos=\"0 0 0\" mass=\"%.9g\" diaginertia=\"%.9g %.9g %.9g\"/>\n", 2 * depth + 2, "",
            p->mass, p->inertia[0], p->inertia[1], p->inertia[2]);
    if (foot)
      fprintf(f, "%*s<geom class=\"device\" type=\"box\" size=\"%.4g %.4g %.4g\"/>\n", 2 * depth + 2, "", 0.09, 0.01, 0.045);
    else if (!strncmp(p->name, "pros_", 5))
      fprintf(f, "%*s<geom class=\"device\" type=\"cylinder\" size=\"%.4g %.4g\" quat=\"0.707107 0.707107 0 0\"/>\n",
              2 * depth + 2, "", MODEL_PROS_SHANK_R, 0.5 * MODEL_PROS_SHANK_L);
    else
      fprintf(f, "%*s<geom class=\"device\" type=\"cylinder\" size=\"%.4g %.4g\" quat=\"0.707107 0.707107 0 0\"/>\n",
              2 * depth + 2, "", strstr(p->name, "ankle") ? DEV_ANKLE_SHANK_R : DEV_KNEE_R,
              0.5 * (strstr(p->name, "ankle") ? DEV_ANKLE_SHANK_L : DEV_KNEE_L));
    fprintf(f, "%*s</body>\n", 2 * depth, "");
  }
}

void model_device_actuators(FILE *f, const model_subject *sub) {
  const model_device *d = &sub->device;
  for (int k = 0; k < 2; k++)
    for (int j = 0; j < 2; j++) {
      int on = j == 0 ? d->ankle & (1 << k) : d->knee & (1 << k);
      if (!on) continue;
      const char *joint = j == 0 ? "ankle_angle" : "knee_angle", *dev = j == 0 ? "ankle" : "knee";
      double L = j == 0 ? d->ankle_limit : d->knee_limit;
      /* the filter's time constant is the timestep; the controller writes act = ctrl, so it never lags */
      fprintf(f,
              "    <general name=\"exo_%s_%s\" joint=\"%s_%s\" dyntype=\"filter\" dynprm=\"%.9g\" gaintype=\"fixed\" "
              "gainprm=\"1\" biastype=\"none\" ctrllimited=\"true\" ctrlrange=\"%.9g %.9g\" forcelimited=\"true\" "
              "forcerange=\"%.9g %.9g\"/>\n",
              dev, side_suffix[k], joint, side_suffix[k], sub->timestep, -L, L, -L, L);
    }
  int k = pros_side(sub);
  if (k >= 0) {
    double L = d->pros_limit;
    fprintf(f,
            "    <general name=\"pros_ankle_%s\" joint=\"ankle_angle_%s\" dyntype=\"filter\" dynprm=\"%.9g\" "
            "gaintype=\"fixed\" gainprm=\"1\" biastype=\"none\" ctrllimited=\"true\" ctrlrange=\"%.9g %.9g\" "
            "forcelimited=\"true\" forcerange=\"%.9g %.9g\"/>\n",
            side_suffix[k], side_suffix[k], sub->timestep, -L, L, -L, L);
  }
}

void model_device_equalities(FILE *f, const model_subject *sub) {
  int k = pros_side(sub);
  if (k < 0) return;
  /* one-joint equalities hold the joint at polycoef[0] = 0: a rigid prosthetic foot */
  fprintf(f, "    <joint name=\"pros_lock_subtalar_%s\" joint1=\"subtalar_angle_%s\" polycoef=\"0 0 0 0 0\"/>\n",
          side_suffix[k], side_suffix[k]);
  fprintf(f, "    <joint name=\"pros_lock_mtp_%s\" joint1=\"mtp_angle_%s\" polycoef=\"0 0 0 0 0\"/>\n", side_suffix[k],
          side_suffix[k]);
}

int model_device_check(const model_device *d, d2m_err *err) {
  if ((unsigned)d->ankle > 3 || (unsigned)d->knee > 3) return err_set(err, "device: sides must be 0..3");
  if (d->ankle && !(d->ankle_limit > 0 && d->ankle_limit <= 1000))
    return err_set(err, "device.ankle_limit %g outside (0, 1000] N m", d->ankle_limit);
  if (d->knee && !(d->knee_limit > 0 && d->knee_limit <= 1000))
    return err_set(err, "device.knee_limit %g outside (0, 1000] N m", d->knee_limit);
  if (d->prosthesis != 0 && d->prosthesis != MODEL_DEV_RIGHT && d->prosthesis != MODEL_DEV_LEFT)
    return err_set(err, "device.prosthesis: one side (right or left)");
  if (d->prosthesis && (d->ankle & d->prosthesis))
    return err_set(err, "device.prosthesis and device.ankle on the same side: an ankle exoskeleton needs a biological ankle");
  if (d->prosthesis && !(d->pros_limit > 0 && d->pros_limit <= 1000))
    return err_set(err, "device.pros_limit %g outside (0, 1000] N m", d->pros_limit);
  if (d->prosthesis && !(d->pros_mass[0] >= 0 && d->pros_mass[0] <= 20 && d->pros_mass[1] >= 0.05 && d->pros_mass[1] <= 20))
    return err_set(err, "device.pros_mass_shank must be 0..20 kg, device.pros_mass_foot 0.05..20 kg");
  for (int i = 0; i < 2; i++)
    if (!(d->ankle_mass[i] >= 0 && d->ankle_mass[i] <= 20) || !(d->knee_mass[i] >= 0 && d->knee_mass[i] <= 20))
      return err_set(err, "device: part masses must be 0..20 kg");
  return 0;
}
