/* mocap/segmarkers.h: virtual markers from segment rotations, for the skeleton formats (BVH, ASF/AMC).
 *
 * A skeleton file gives joint centres (hip, knee, ankle, toe per leg: 8 markers) and every segment's
 * full rotation. Joint centres alone leave the pelvis tilt, each thigh's axial rotation (hip rotation)
 * and the foot's inversion (subtalar) without a marker that sees them. The rotations do see them:
 * virtual markers are put on each segment where the embedded marker set's markers sit on the model's
 * segment (pelvis: R.ASIS, L.ASIS, V.Sacral; thigh: R.Knee.Lat, R.Knee.Med; shank: R.Ankle.Lat,
 * R.Ankle.Med; foot: R.Heel, R.Toe.Tip, RMT5; the same on the left), and move with the segment.
 *
 * How: an anatomical frame per segment (x forward, y up, z right, as the model's body frames) is built
 * the same way on the skeleton's reference pose (all rotations zero) and on the model's neutral pose
 * (qpos0), from joint centres only: pelvis y = the vertical, z = left hip to right hip made
 * orthogonal; thigh and shank y = distal to proximal joint, z = the body's right made orthogonal; foot
 * y = the shank's y, x = ankle to toe made orthogonal to it (the reference pose is taken as neutral
 * joints: ankle and subtalar at 0, whatever the floor). The vertical of the reference pose is minus
 * the mean hip-to-ankle direction (CMU's reference pose stands with the legs 20 deg apart, which the
 * bone directions absorb). A marker's offset a in its segment's frame on the model (from the set's
 * body offset) becomes, in frame f of the file,
 *     p_f = joint_f + R_f A (s a)
 * joint_f: the segment's proximal joint (pelvis: the hip midpoint; foot: the ankle), R_f: the
 * segment's world rotation relative to the reference pose, A: its anatomical axes in the reference
 * pose, s = the file's thigh length / the model's. The importer then places the markers on the
 * model from the calibration frames like any others, so s and A only need to be close.
 */
#ifndef D2M_SEGMARKERS_H
#define D2M_SEGMARKERS_H

#include "common/log.h"
#include "mocap/markers.h"

enum { SJ_HIP_R, SJ_KNEE_R, SJ_ANKLE_R, SJ_TOE_R, SJ_HIP_L, SJ_KNEE_L, SJ_ANKLE_L, SJ_TOE_L, SJ_N };
enum { SEG_PELVIS, SEG_THIGH_R, SEG_SHANK_R, SEG_FOOT_R, SEG_THIGH_L, SEG_SHANK_L, SEG_FOOT_L, SEG_N };

typedef struct seg_skeleton {
  int nframes;
  double ref[SJ_N][3]; /* joint centres in the reference pose (all rotations zero), m */
  double *pos;         /* [nframes][SJ_N][3] world joint centres, m */
  double *rot;         /* [nframes][SEG_N][9] world rotation relative to the reference pose, row-major */
} seg_skeleton;

/* Number of virtual markers segmk_add appends. */
#define SEGMK_N 17

void seg_skeleton_alloc(seg_skeleton *sk, int nframes);
void seg_skeleton_free(seg_skeleton *sk);
/* Appends SEGMK_N virtual markers (named as in the embedded marker set) to m, whose frames match
 * sk's. Returns 0, or -1 with err (the model or the marker set cannot be loaded, or the reference
 * pose is degenerate: a zero-length bone, hips at one point). */
int segmk_add(mk_markers *m, const seg_skeleton *sk, d2m_err *err);

#endif
