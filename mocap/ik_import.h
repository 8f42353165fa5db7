/* mocap/ik_import.h: a marker trial -> joint trajectory of the (scaled) model.
 *
 *  0. Markers: the set's markers are bound to the trial's by name (markerset_bind: case-insensitive,
 *     aliases). Gaps of at most max_gap_s (default 0.10 s) are filled by linear interpolation, longer
 *     ones stay missing (the marker leaves the objective there). Frames at either end with fewer
 *     than max(3, half the bound markers) present are cut (reported; frames inside are kept).
 *     Observation: a hinge is observed when enough present markers (present in at least half the
 *     frames) ride on its body or below: 1, plus 1 for a hinge that is not the first of its body (hip
 *     adduction, rotation), plus 1 when the parent body has a hinge and no marker (subtalar: the
 *     foot's markers must also fix the ankle). An unobserved hip flexion, knee or ankle refuses the
 *     import, naming it; any other unobserved hinge is locked at neutral (0, or the nearest limit)
 *     with a warning. --strict (opts.strict) turns every warning into an error.
 *  1. Axes: lab -> world rotation R (world = R lab), detected for the static and the dynamic trial
 *     separately (a lab may record them facing different ways). OpenSim ground is x forward, y up, z right;
 *     the world of the model is z up and faces the way keyframe 0's pelvis faces (Rg maps OpenSim
 *     ground to world, the same map refmotion.h uses), so R = Rg P with P the signed axis
 *     permutation lab -> OpenSim ground. P is detected (up: the lab axis closest to pelvis markers
 *     minus foot markers; forward: up x (right - left markers)) or given as "+x+y" (forward, up):
 *     OpenSim TRC files are "+x+y", Vicon labs are usually z up ("+x+z", "-y+z"...).
 *  2. Calibration frames: the static trial's frames averaged into one (--static), or else up to
 *     20 frames spread over the trial itself.
 *  3. Scaling: IK with the fixed markers on the reference model; every `scale` pair of the marker
 *     set present in the data gives measured / model distance; the segment factors (mean per
 *     segment) are averaged into ONE length factor s (height = 1.70 m * s; mass as given), the
 *     model is regenerated for that subject (model_load) and the offsets are scaled by s.
 *  4. Marker placement: IK with the fixed markers on the scaled model (the calibration pose); then
 *     every marker's offset (place_all, the default, as OpenSim's marker placer moves all markers not
 *     locked) or only the free markers' offsets become the mean of their body-frame positions over
 *     the calibration frames. The file's offsets of fixed markers thus define the calibration pose,
 *     and soft tissue / marker-ball offsets of the subject are absorbed.
 *     Joints named in `lock` (see there) are locked at their mean over the calibration poses.
 *  5. Every frame: IK with all markers, warm-started from the previous frame (frame 0: the root is
 *     first fitted alone from keyframe 0 moved under the pelvis markers). A secondary hinge (hip
 *     adduction or rotation, subtalar) the fit drives to a joint limit (within 1 deg in at least 1 %
 *     of the frames, and 2 frames) is not determined by the markers: it is locked at its calibration value (as OpenSim's gait2354 setup locks subtalar at the static
 *     pose) with a warning, and the trial is solved again. */
#ifndef D2M_IK_IMPORT_H
#define D2M_IK_IMPORT_H

#include <mujoco/mujoco.h>

#include "envs/model/model.h"
#include "mocap/ik.h"
#include "mocap/markers.h"
#include "mocap/markerset.h"
#include "envs/motion/mot.h"

#define IKI_MAX_SEG 8

typedef struct ik_import_opts {
  const char *axes;   /* NULL or "auto": detect; else "+x+y"-style forward and up lab axes */
  double height_m;    /* > 0: use this height, no scaling from markers */
  double mass_kg;     /* > 0: subject mass (default the reference mass) */
  int calib_frames;   /* frames of a dynamic trial used for calibration (default 20) */
  const char *lock;   /* joints locked at their calibration-pose value (ik_lock): default "mtp" (no
                       * foot marker of the default set is on the toes: unobserved); "subtalar,mtp"
                       * as OpenSim's gait2354 example (measured: ankle closer to OpenSim's, hip and
                       * knee farther, marker error up; with Plug-in Gait's two foot markers locking
                       * subtalar leaves the foot unable to point: error up); "none" */
  int strict;         /* 1: warnings (unobserved joints, cut frames, long gaps) are errors */
  double max_gap_s;   /* longest gap filled by interpolation (s; default 0.10) */
  int place_all;      /* 1: after the calibration pose, place fixed markers too (as OpenSim's marker
                       * placer moves every marker not marked fixed); 0: only free markers */
  ik_opts ik;
} ik_import_opts;

typedef struct ik_obs {
  char name[32];        /* joint */
  int nmk, need;        /* present markers on its body and below, and how many it needs */
  int observed, locked; /* locked: 1 by the lock list (not a warning), 2 held at a limit by the data (step 5) */
} ik_obs;

typedef struct ik_result {
  mjModel *model;       /* the scaled model the motion is expressed on (owned) */
  model_subject subject;
  double scale;         /* length factor vs the reference model */
  int nseg;
  char seg_name[IKI_MAX_SEG][32];
  double seg_ratio[IKI_MAX_SEG]; /* measured / model length per segment */
  double R[9];          /* world = R lab (the dynamic trial) */
  double Rs[9];         /* world = Rs lab (the static trial; = R without one) */
  char axes[16];        /* the lab's forward and up axes, e.g. "+x+y" */
  char axes_static[16]; /* the static trial's ("" without one) */
  double walk[3];       /* mean pelvis-marker velocity over the trial, OpenSim ground (m/s; x forward) */
  char walk_lab[8];     /* the lab axis closest to the walking direction, e.g. "-y" ("none" below 0.1 m/s) */
  int cut_first, cut_last; /* frames cut at the start and the end (too few markers) */
  int gaps_filled, gaps_left;
  int nobs;
  ik_obs obs[32];       /* independent hinges */
  int nwarn;
  char warn[16][192];
  char locked[128];     /* the lock list applied */
  int nframes, nq;
  double rate, first_time;
  double *qpos;         /* [nframes*nq] */
  int nmk;              /* markers of the set present in the trial */
  char (*mk_name)[MK_NAME_MAX]; /* [nmk] */
  int *mk_fixed;        /* [nmk] */
  double *err;          /* [nframes*nmk] marker distance model - data (m), NaN when missing */
  double *rms;          /* [nframes] RMS marker error (m) over present markers (unweighted) */
} ik_result;

void ik_import_opts_default(ik_import_opts *o);
/* trial (and static_trial, may be NULL) in lab coordinates, metres. */
int ik_import(const mk_markers *trial, const mk_markers *static_trial, const markerset *set,
              const ik_import_opts *o, ik_result *r, d2m_err *err);
void ik_result_free(ik_result *r);
/* Lab axes "+x+y" -> rotation P (lab -> OpenSim ground). -1 if malformed or not orthogonal. */
int ik_parse_axes(const char *s, double P[9], d2m_err *err);
/* Fills r->obs for the solver's independent hinges given which set markers are present (ik_import
 * step 0). Returns the number of unobserved hinges. */
int ik_observe(const ik_solver *s, const markerset *set, const unsigned char *present, ik_result *r);

/* The model's trajectory as an OpenSim coordinate table: time, pelvis_tilt/list/rotation (deg),
 * pelvis_tx/ty/tz (m, OpenSim ground) and every independent hinge by joint name (deg); the exact
 * inverse of refmotion_from_mot's root mapping, so the table reads back to the same poses. */
int ik_to_mot(const mjModel *m, const double *qpos, int nframes, double rate, double first_time, mot_table *t,
              d2m_err *err);
/* Writes an OpenSim .mot (version 1, inDegrees as t says). */
int mot_write(const char *path, const mot_table *t, d2m_err *err);
/* Writes the per-frame report: time, rms_mm, then one column per marker (mm, empty when missing). */
int ik_write_report(const char *path, const ik_result *r, d2m_err *err);

#endif
