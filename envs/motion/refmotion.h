/* envs/motion/refmotion.h: a reference motion on a given model, at the control rate.
 *
 * Built from an OpenSim coordinate table (mot.h) or the embedded default gait (gait_default.h):
 *  1. columns are mapped to model joints by name (gait2354/gait2392/Rajagopal names). pelvis_tilt,
 *     pelvis_list, pelvis_rotation (OpenSim body-fixed Z-X-Y) and pelvis_tx/ty/tz drive the free
 *     root; OpenSim's ground (x forward, y up, z right) is mapped to the world through the pelvis
 *     orientation of the model's keyframe 0 (the "standing, OpenSim zero pelvis" pose), so the
 *     clip starts facing the way keyframe 0 faces. Angles in degrees when the header says so.
 *     A coordinate whose values lie outside the model joint's range while their negatives lie inside
 *     is negated (gait2354 counts knee flexion negative, Rajagopal/MyoLegs positive); a table whose
 *     header names its convention (mot.h: gait2354 or Rajagopal2016) is taken at its word instead.
 *     pelvis_tx/ty/tz are the pelvis origin in OpenSim ground, absolute (ty: height above the floor); a
 *     gait2354 table's origin (mot_pelvis_is_gait2354) is moved to the model's (mot.h). Coordinates the
 *     model lacks on purpose (lumbar_*, arm_*, elbow_*, pro_sup_*, wrist_*) are ignored; any other
 *     unknown name is an error naming file:line:column. Joints the table lacks keep keyframe 0.
 *     Joints slaved by joint equality constraints (knee translations, patella) follow their masters.
 *  2. linear resampling to the control period dt; velocities by central differences of the
 *     interpolated table at the frame's time +- h (h = half the table's row spacing, or smooth_s),
 *     i.e. close to the instantaneous velocity a simulation reports; cyclic extension (the clip is one cycle from its first to its last row,
 *     repeated with the root advancing by the per-cycle displacement); an optional treadmill speed
 *     is added along the facing direction.
 *  3. forward kinematics through the model for the tracked bodies (world positions and velocities);
 *     feet are kept above the floor: the clip is shifted vertically so that the median frame's lowest
 *     foot collision point touches z=0, and any frame still below is lifted.
 * The model is only read (a private mjData is made and freed). */
#ifndef D2M_REFMOTION_H
#define D2M_REFMOTION_H

#include <mujoco/mujoco.h>

#include "common/log.h"
#include "envs/motion/mot.h"

#define REF_MAX_TRACK 16
/* KINESIS tracks pelvis, tibiae, tali and toes. */
#define REF_DEFAULT_TRACK "pelvis,tibia_r,tibia_l,talus_r,talus_l,toes_r,toes_l"

typedef struct refmotion_opts {
  double dt;          /* control period (s) the clip is resampled to (env.sim_dt x env.substeps) */
  int cyclic;         /* 1: the table is one cycle (first row = start, last row = start of next cycle) */
  double smooth_s;    /* > 0: half-width (s) of the velocities' central difference; 0 (from init): half
                       * the table's row spacing */
  double speed;       /* treadmill speed (m/s) added along the facing direction; 0 = none */
  const char *track;  /* comma-separated tracked body names; NULL = REF_DEFAULT_TRACK */
} refmotion_opts;

typedef struct refmotion {
  int nframes;              /* frames in one clip (or cycle) at period dt */
  int nq, nv, ntrack;
  int cyclic;
  int root_qadr;            /* qpos address of the free joint */
  double dt;                /* s */
  double speed;             /* mean horizontal root speed over the clip (m/s) */
  double cycle_shift[3];    /* world displacement per cycle (m), z = 0 */
  int track_body[REF_MAX_TRACK];
  char track_name[REF_MAX_TRACK][32];
  double *qpos;             /* [nframes*nq] */
  double *qvel;             /* [nframes*nv] */
  double *xpos;             /* [nframes*ntrack*3] world positions of tracked bodies (m) */
  double *xvel;             /* [nframes*ntrack*3] world linear velocities (m/s), finite differences */
  char source[256];
} refmotion;

/* Options for resampling to the control period dt (the run's: env.sim_dt x env.substeps). */
void refmotion_opts_init(refmotion_opts *o, double dt);
int refmotion_from_mot(refmotion *r, const mjModel *m, const mot_table *t, const refmotion_opts *o, d2m_err *err);
/* The embedded default gait (gait_default.h), cyclic, with its treadmill speed. */
int refmotion_default_gait(refmotion *r, const mjModel *m, double dt, d2m_err *err);
/* Read a .mot/.sto path; cyclic 1 or 0 as given, -1: auto (cyclic when mot_ends_match). */
int refmotion_load(refmotion *r, const mjModel *m, const char *path, double dt, int cyclic, d2m_err *err);
void refmotion_free(refmotion *r);

/* Frame k >= 0 (control steps from the clip start). Cyclic clips repeat with the root advanced by
 * cycle_shift per cycle; others clamp to the last frame. Any output may be NULL. */
void refmotion_frame(const refmotion *r, long k, double *qpos, double *qvel, double *xpos, double *xvel);
/* Clip duration in frames usable as a start for non-cyclic clips: nframes-1. */
static inline long refmotion_last(const refmotion *r) { return r->nframes - 1; }

/* Set every joint that a joint-equality constraint slaves to another (joint1 = poly(joint2)) from
 * its master, so that kinematic poses satisfy the model's couplings. */
void ref_apply_joint_eq(const mjModel *m, double *qpos);

/* The frames that map OpenSim pelvis coordinates (tilt, list, rotation, tx, ty, tz) onto the model's
 * free root and back (refmotion reads .mot files with them, the IK's .mot writer inverts them),
 * taken from keyframe 0. */
typedef struct ref_rootframe {
  double Rg[9];  /* OpenSim ground -> world */
  double C[9];   /* pelvis orientation in the free body's frame */
  double cp[3];  /* pelvis origin in the free body's frame */
  double p0[3];  /* keyframe-0 pelvis position (world) */
  double fwd[3]; /* world facing direction (OpenSim x), horizontal unit */
  int qadr;      /* qpos address of the free joint */
} ref_rootframe;
/* Uses d as scratch (it is reset). Errors when the model has no free joint or no body 'pelvis'. */
int ref_rootframe_init(const mjModel *m, mjData *d, ref_rootframe *rf, d2m_err *err);
/* Lowest z (m) over the collision geoms of the feet (subtrees of talus_r/talus_l) after kinematics. */
double ref_lowest_foot_point(const mjModel *m, const mjData *d);

#endif
