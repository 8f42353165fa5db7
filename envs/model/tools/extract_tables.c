/* envs/model/tools/extract_tables.c: reads the reference MyoLegs model (MuJoCo compiles it, so the
 * classes, defaults, euler/fromto/zaxis forms and include files are resolved) and writes the
 * figures the project keeps as C tables: envs/model/tables_myolegs.c. Not part of the build: it
 * needs the reference files, which the project never ships. Run by hand after a reference update:
 *
 *   cc -O1 -o /tmp/extract_tables envs/model/tools/extract_tables.c -lmujoco
 *   /tmp/extract_tables ../shared/data/models/myolegs/myo_sim/leg/myolegs.xml > envs/model/tables_myolegs.c
 *
 * What is changed on the way (and why): meshes are dropped (the project has no meshes); the
 * terrain height field is dropped (the generator writes a plane); ellipsoid contact geoms become
 * spheres of the smallest semi-axis (plane-sphere contact is analytic, ellipsoids go through the
 * general convex collider); bodies whose inertia MyoLegs takes from its meshes get it written out
 * explicitly, so the masses stay those of the reference. */
#include <mujoco/mujoco.h>
#include <stdio.h>
#include <string.h>

static const char *nm(const mjModel *m, int type, int id) {
  const char *s = mj_id2name(m, type, id);
  return s ? s : "";
}

static void list(const char *label, const mjtNum *x, int n, int braces) {
  printf("%s%s", label, braces ? "{" : "");
  for (int i = 0; i < n; i++) printf("%s%.9g", i ? ", " : "", x[i]);
  printf("%s", braces ? "}" : "");
}
static void v(const char *label, const mjtNum *x, int n) { list(label, x, n, 1); }

/* MyoLegs ids -> table rows: body 0 (world) is dropped, geoms without a row get -1. */
static int geom_row[4096];

static void bodies(const mjModel *m) {
  printf("const model_tab_body model_tab_bodies[] = {\n");
  for (int b = 1; b < m->nbody; b++) {
    printf("    {\"%s\", %d, ", nm(m, mjOBJ_BODY, b), m->body_parentid[b] - 1);
    v("", m->body_pos + 3 * b, 3), v(", ", m->body_quat + 4 * b, 4);
    v(", ", m->body_ipos + 3 * b, 3), v(", ", m->body_iquat + 4 * b, 4);
    printf(", %.9g", m->body_mass[b]);
    v(", ", m->body_inertia + 3 * b, 3);
    printf("},\n");
  }
  printf("};\nconst int model_tab_nbody = %d;\n\n", m->nbody - 1);
}

static void joints(const mjModel *m) {
  printf("const model_tab_joint model_tab_joints[] = {\n");
  int n = 0;
  for (int j = 0; j < m->njnt; j++) {
    if (m->jnt_type[j] == mjJNT_FREE) continue;
    int d = m->jnt_dofadr[j];
    printf("    {\"%s\", %d, %d, ", nm(m, mjOBJ_JOINT, j), m->jnt_bodyid[j] - 1, m->jnt_type[j] == mjJNT_SLIDE);
    v("", m->jnt_axis + 3 * j, 3), v(", ", m->jnt_range + 2 * j, 2);
    printf(", %.9g, %.9g},\n", m->dof_armature[d], m->dof_damping[d]);
    n++;
  }
  printf("};\nconst int model_tab_njoint = %d;\n\n", n);
}

static void geoms(const mjModel *m) {
  printf("const model_tab_geom model_tab_geoms[] = {\n");
  int n = 0, unnamed = 0;
  for (int g = 0; g < m->ngeom; g++) {
    geom_row[g] = -1;
    int t = m->geom_type[g];
    if (t == mjGEOM_MESH || t == mjGEOM_HFIELD || m->geom_bodyid[g] == 0) continue;
    int contact = m->geom_contype[g] != 0;
    mjtNum size[3] = {m->geom_size[3 * g], m->geom_size[3 * g + 1], m->geom_size[3 * g + 2]};
    if (t == mjGEOM_ELLIPSOID) { /* smallest semi-axis: the sphere stays inside the ellipsoid */
      mjtNum r = size[0];
      if (size[1] < r) r = size[1];
      if (size[2] < r) r = size[2];
      size[0] = r, size[1] = size[2] = 0, t = mjGEOM_SPHERE;
    }
    char name[64];
    if (mj_id2name(m, mjOBJ_GEOM, g)) snprintf(name, sizeof name, "%s", mj_id2name(m, mjOBJ_GEOM, g));
    else snprintf(name, sizeof name, "%s_col%d", nm(m, mjOBJ_BODY, m->geom_bodyid[g]), unnamed++);
    printf("    {\"%s\", %d, %d, ", name, m->geom_bodyid[g] - 1, t);
    v("", m->geom_pos + 3 * g, 3), v(", ", m->geom_quat + 4 * g, 4), v(", ", size, 3);
    printf(", %d, %.9g},\n", contact, m->geom_friction[3 * g]);
    geom_row[g] = n++;
  }
  printf("};\nconst int model_tab_ngeom = %d;\n\n", n);
}

static void sites(const mjModel *m) {
  printf("const model_tab_site model_tab_sites[] = {\n");
  for (int s = 0; s < m->nsite; s++) {
    printf("    {\"%s\", %d, %d, ", nm(m, mjOBJ_SITE, s), m->site_bodyid[s] - 1, m->site_type[s]);
    v("", m->site_pos + 3 * s, 3), v(", ", m->site_quat + 4 * s, 4), v(", ", m->site_size + 3 * s, 3);
    printf("},\n");
  }
  printf("};\nconst int model_tab_nsite = %d;\n\n", m->nsite);
}

/* Tendon paths (by name) and the muscle rows; actuator a drives tendon actuator_trnid[a]. */
static void muscles(const mjModel *m) {
  printf("const model_tab_pathel model_tab_path[] = {\n");
  int n = 0;
  for (int a = 0; a < m->nu; a++) {
    int t = m->actuator_trnid[2 * a];
    printf("    /* %s */\n", nm(m, mjOBJ_ACTUATOR, a));
    for (int w = m->tendon_adr[t]; w < m->tendon_adr[t] + m->tendon_num[t]; w++, n++) {
      int ty = m->wrap_type[w], id = m->wrap_objid[w];
      if (ty == mjWRAP_SITE) {
        printf("    {\"%s\", NULL, NULL},\n", nm(m, mjOBJ_SITE, id));
      } else if (ty == mjWRAP_SPHERE || ty == mjWRAP_CYLINDER) {
        int side = (int)m->wrap_prm[w];
        if (side >= 0) printf("    {NULL, \"%s\", \"%s\"},\n", nm(m, mjOBJ_GEOM, id), nm(m, mjOBJ_SITE, side));
        else printf("    {NULL, \"%s\", NULL},\n", nm(m, mjOBJ_GEOM, id));
      } else {
        fprintf(stderr, "unsupported wrap type %d in tendon %d\n", ty, t);
      }
    }
  }
  printf("};\nconst int model_tab_npath = %d;\n\n", n);
  printf("const model_tab_muscle model_tab_muscles[] = {\n");
  int first = 0;
  for (int a = 0; a < m->nu; a++) {
    int t = m->actuator_trnid[2 * a];
    const mjtNum *g = m->actuator_gainprm + mjNGAIN * a, *lr = m->actuator_lengthrange + 2 * a;
    for (int k = 0; k < 9; k++)
      if (m->actuator_biasprm[mjNBIAS * a + k] != g[k]) fprintf(stderr, "%d: biasprm differs\n", a);
    mjtNum L0 = (lr[1] - lr[0]) / (g[1] - g[0]), LT = lr[0] - g[0] * L0;
    printf("    {\"%s\", \"%s\", %d, %d, %.9g, ", nm(m, mjOBJ_ACTUATOR, a), nm(m, mjOBJ_TENDON, t), first,
           m->tendon_num[t], m->tendon_lengthspring[t]);
    v("", g, 9);
    printf(", %.9g, %.9g, %.9g, %.9g},\n", m->actuator_dynprm[mjNDYN * a], m->actuator_dynprm[mjNDYN * a + 1], L0, LT);
    first += m->tendon_num[t];
  }
  printf("};\nconst int model_tab_nmuscle = %d;\n\n", m->nu);
}

static void equalities(const mjModel *m) {
  printf("const model_tab_equality model_tab_equalities[] = {\n");
  for (int e = 0; e < m->neq; e++) {
    int j1 = m->eq_obj1id[e], j2 = m->eq_obj2id[e];
    printf("    {\"%s\", \"%s\", \"%s\", ", nm(m, mjOBJ_EQUALITY, e), nm(m, mjOBJ_JOINT, j1),
           j2 >= 0 ? nm(m, mjOBJ_JOINT, j2) : "");
    v("", m->eq_data + mjNEQDATA * e, 5), v(", ", m->eq_solimp + mjNIMP * e, 5);
    printf(", %d},\n", m->jnt_type[j1] == mjJNT_SLIDE);
  }
  printf("};\nconst int model_tab_nequality = %d;\n\n", m->neq);
}

static void pairs_keys(const mjModel *m) {
  printf("const model_tab_pair model_tab_pairs[] = {\n");
  for (int p = 0; p < m->npair; p++)
    printf("    {\"%s\", \"%s\", %d},\n", nm(m, mjOBJ_GEOM, m->pair_geom1[p]), nm(m, mjOBJ_GEOM, m->pair_geom2[p]),
           m->pair_dim[p]);
  printf("};\nconst int model_tab_npair = %d;\n\n", m->npair);
  printf("const model_tab_touch model_tab_touches[] = {\n");
  int n = 0;
  for (int s = 0; s < m->nsensor; s++)
    if (m->sensor_type[s] == mjSENS_TOUCH)
      printf("    {\"%s\", \"%s\"},\n", nm(m, mjOBJ_SENSOR, s), nm(m, mjOBJ_SITE, m->sensor_objid[s])), n++;
  printf("};\nconst int model_tab_ntouch = %d;\n\n", n);
  static const char *names[] = {"standing", "crouch", "stride_r", "stride_l"};
  printf("const int model_tab_nq = %d, model_tab_nkey = %d;\n", m->nq, m->nkey);
  printf("const char *const model_tab_key_names[] = {");
  for (int k = 0; k < m->nkey; k++) printf("%s\"%s\"", k ? ", " : "", k < 4 ? names[k] : "key");
  printf("};\nconst double model_tab_key_qpos[] = {\n");
  for (int k = 0; k < m->nkey; k++) list("    ", m->key_qpos + m->nq * k, m->nq, 0), printf(",\n");
  printf("};\nconst double model_tab_key_qvel[] = {\n");
  for (int k = 0; k < m->nkey; k++) list("    ", m->key_qvel + m->nv * k, m->nv, 0), printf(",\n");
  printf("};\n");
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s path/to/myolegs.xml > tables_myolegs.c\n", argv[0]);
    return 2;
  }
  char err[1000] = "";
  mjModel *m = mj_loadXML(argv[1], NULL, err, sizeof err);
  if (!m) {
    fprintf(stderr, "%s: %s\n", argv[1], err);
    return 1;
  }
  if (m->ngeom > 4096) return 1;
  printf("/* envs/model/tables_myolegs.c: GENERATED by envs/model/tools/extract_tables.c; do not edit.\n"
         " * Source: MyoSuite MyoLegs, MyoHub/myo_sim @ 2cef885481677742e4d19adb934b1b7be438cf6a,\n"
         " * leg/myolegs.xml (Apache-2.0, (c) Vikash Kumar, Vittorio Caggiano, Huawei Wang), derived from\n"
         " * Rajagopal et al. 2016, IEEE TBME 63(10):2068, doi:10.1109/TBME.2016.2586891.\n"
         " * Figures as MuJoCo %s compiles them (body frames relative to the parent, principal inertia).\n"
         " * Meshes and the terrain are dropped; ellipsoid contacts are spheres (see the tool). */\n"
         "#include \"envs/model/tables.h\"\n\n#include <stddef.h>\n\n",
         mj_versionString());
  bodies(m);
  joints(m);
  geoms(m);
  sites(m);
  muscles(m);
  equalities(m);
  pairs_keys(m);
  mj_deleteModel(m);
  return 0;
}
