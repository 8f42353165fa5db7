/* envs/model/tables.h: the parameter tables the model is generated from (the single source).
 *
 * Figures are read off MyoSuite MyoLegs (MyoHub/myo_sim @ 2cef885, Apache-2.0), itself derived from
 * Rajagopal et al. 2016, IEEE TBME 63(10):2068, doi:10.1109/TBME.2016.2586891, by the extraction
 * tools in envs/model/tools/ (the generated tables_*.c name their source). Units SI; frames are
 * MyoLegs' compiled body frames (OpenSim convention inside the root: y up, x forward). */
#ifndef D2M_MODEL_TABLES_H
#define D2M_MODEL_TABLES_H

typedef struct {
  const char *name;
  int parent; /* index into model_tab_bodies, -1 = world */
  double pos[3], quat[4];            /* body frame in the parent */
  double ipos[3], iquat[4];          /* inertial frame in the body */
  double mass, inertia[3];           /* principal inertia, kg m^2 */
} model_tab_body;

typedef struct {
  const char *name;
  int body;
  int slide; /* 1: slide joint (a translation, scaled with height), 0: hinge */
  double axis[3];
  double range[2];
  double armature, damping;
} model_tab_joint;

/* Geoms: wrapping surfaces (contype 0) and contact primitives (capsule, sphere, box). */
typedef struct {
  const char *name;
  int body;
  int type; /* mjtGeom: 2 sphere, 3 capsule, 5 cylinder, 6 box */
  double pos[3], quat[4], size[3];
  int contact; /* 1: collides with the ground (contype 1), 0: wrapping surface */
  double friction; /* sliding friction (contact geoms) */
} model_tab_geom;

typedef struct {
  const char *name;
  int body;
  int type; /* mjtGeom of the site (touch boxes), 2 sphere otherwise */
  double pos[3], quat[4], size[3];
} model_tab_site;

/* One element of a spatial tendon path: a site, or a wrapping geom with an optional side site. */
typedef struct {
  const char *site;     /* non-NULL: via/attachment site */
  const char *geom;     /* non-NULL: wrapping geom */
  const char *sidesite; /* with geom, may be NULL */
} model_tab_pathel;

typedef struct {
  const char *name; /* actuator name = Rajagopal muscle name, e.g. soleus_r */
  const char *tendon;
  int path_first, path_n; /* rows of model_tab_path */
  double springlength;    /* tendon springlength as MyoLegs writes it (m) */
  /* MuJoCo muscle gain/bias parameters: range0 range1 force scale lmin lmax vmax fpmax fvmax */
  double prm[9];
  double tau_act, tau_deact; /* dynprm, s */
  /* Optimal fibre length and tendon slack length implied by MyoLegs' actuator lengthrange:
   * L0 = (lr1 - lr0) / (range1 - range0), LT = lr0 - range0 * L0. The generator writes
   * lengthrange = LT + range * L0 back, so these are the figures the model runs with. */
  double lopt, lslack;
} model_tab_muscle;

/* Rajagopal 2016 figures for the same muscles (Rajagopal2015.osim, Millard2012EquilibriumMuscle),
 * kept for citation and for the subject-specific layers; same row order as model_tab_muscles. */
typedef struct {
  const char *name;
  double fmax, lopt, lslack, pennation, vmax, tau_act, tau_deact;
} model_tab_osim_muscle;

typedef struct {
  const char *name, *joint1, *joint2;
  double polycoef[5];
  double solimp[5];
  int slide; /* joint1 is a slide joint: the polynomial is a length (scaled with height) */
} model_tab_equality;

typedef struct {
  const char *geom1, *geom2;
  int condim;
} model_tab_pair;

typedef struct {
  const char *name, *site;
} model_tab_touch;

extern const model_tab_body model_tab_bodies[];
extern const int model_tab_nbody;
extern const model_tab_joint model_tab_joints[];
extern const int model_tab_njoint;
extern const model_tab_geom model_tab_geoms[];
extern const int model_tab_ngeom;
extern const model_tab_site model_tab_sites[];
extern const int model_tab_nsite;
extern const model_tab_pathel model_tab_path[];
extern const int model_tab_npath;
extern const model_tab_muscle model_tab_muscles[];
extern const int model_tab_nmuscle;
extern const model_tab_equality model_tab_equalities[];
extern const int model_tab_nequality;
extern const model_tab_pair model_tab_pairs[];
extern const int model_tab_npair;
extern const model_tab_touch model_tab_touches[];
extern const int model_tab_ntouch;
/* Keyframes: qpos rows of length model_tab_nq (free root 7 + all joints in table order), and qvel
 * rows of length model_tab_nq - 1. Row 0 is 'standing'. */
extern const int model_tab_nq, model_tab_nkey;
extern const char *const model_tab_key_names[];
extern const double model_tab_key_qpos[];
extern const double model_tab_key_qvel[];

extern const model_tab_osim_muscle model_tab_osim[];
extern const int model_tab_nosim;

#endif
