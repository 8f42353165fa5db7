/* mocap/bvh.h: BVH reader (Biovision hierarchy: skeleton + per-frame channels).
 *
 * HIERARCHY: ROOT/JOINT name { OFFSET x y z  CHANNELS n <Xposition|Yposition|Zposition|
 * Xrotation|Yrotation|Zrotation>...  children | End Site { OFFSET x y z } }; several roots are
 * allowed. MOTION: "Frames: N", "Frame Time: dt", then N lines of values, one per channel in
 * hierarchy order. Rotations are in degrees and compose in the order the channels are
 * declared (R = R_c1 R_c2 R_c3, the common BVH convention); lengths stay in the file's unit.
 * Errors name file:line and what is wrong.
 */
#ifndef D2M_BVH_H
#define D2M_BVH_H

#include <stddef.h>

#include "common/log.h"
#include "mocap/markers.h"

typedef enum { BVH_XPOS = 0, BVH_YPOS, BVH_ZPOS, BVH_XROT, BVH_YROT, BVH_ZROT } bvh_channel;
extern const char *const bvh_channel_name[6];

typedef struct {
  char name[MK_NAME_MAX]; /* End Sites are named "<parent>_End" */
  int parent;             /* index of the parent joint, -1 for a root; parents come first */
  int is_end;             /* End Site: no channels, offset only */
  double offset[3];
  int nchan;
  int chan[6];            /* bvh_channel, in file order */
  int chan_start;         /* column of its first channel in a frame row */
} bvh_joint;

typedef struct bvh_file {
  int njoints;
  bvh_joint *joints;
  int nchannels;     /* values per frame */
  int nframes;
  double frame_time; /* s */
  double *motion;    /* [nframes][nchannels] */
} bvh_file;

/* Parse BVH text of n bytes (need not be NUL-terminated); `name` is used in error messages. */
int bvh_parse(const char *text, size_t n, const char *name, bvh_file *out, d2m_err *err);
int bvh_read(const char *path, bvh_file *out, d2m_err *err);
void bvh_free(bvh_file *b);
int bvh_find(const bvh_file *b, const char *name); /* joint index or -1 */
/* Forward kinematics of one frame: world positions pos[njoints][3] (file units) and, when rot
 * is not NULL, world rotations rot[njoints][9] (row-major). */
void bvh_fk(const bvh_file *b, int frame, double *pos, double *rot);

#endif
