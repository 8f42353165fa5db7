/* mocap/asf.h: ASF/AMC reader (Acclaim skeleton + motion, the format of the CMU motion-capture
 * database).
 *
 * ASF (skeleton): `:units` (mass, length, angle deg|rad), `:root` (order of the root's AMC
 * channels TX TY TZ RX RY RZ, axis order, position, orientation), `:bonedata` (begin ... end blocks:
 * name, direction (unit vector, world frame, reference pose), length, axis AX AY AZ ORDER, dof
 * rx ry rz in any order and subset, limits), `:hierarchy` (begin, lines "parent child...", end).
 * Other sections (:version, :name, :documentation) are skipped.
 * AMC (motion): optional `:FULLY-SPECIFIED`, `:DEGREES` (default) or `:RADIANS`, then frames: a
 * line holding the frame number (consecutive) followed by one line "bone v1 .. vk" for every bone
 * that has dofs (the root: one value per `order` channel). Comments start with '#'.
 * AMC has no frame rate: CMU captured at 120 Hz, the rate used unless the file has a line
 * ":SAMPLES-PER-SECOND N" (some exporters write it).
 *
 * Kinematics (the Acclaim convention): C = the bone's axis rotation, M = its frame's dof rotation;
 * both compose in the order written, the first angle acting first (axis XYZ: C = Rz Ry Rx).
 * World rotation W = W_parent C M C^T (root: C M C^T); a bone starts where its parent ends (the
 * root's children at the root's position) and ends at start + length * W direction.
 * Lengths and translations stay in the file's unit (`length_unit` records `:units length`).
 * Errors name file:line and what is wrong.
 */
#ifndef D2M_ASF_H
#define D2M_ASF_H

#include <stddef.h>

#include "common/log.h"
#include "mocap/markers.h"

typedef enum { ASF_TX = 0, ASF_TY, ASF_TZ, ASF_RX, ASF_RY, ASF_RZ } asf_dof;

typedef struct {
  char name[MK_NAME_MAX];
  int parent;     /* index of the parent bone, -1 for the root; parents come first */
  double dir[3];  /* unit direction in the world frame of the reference pose */
  double length;  /* file units */
  double C[9];    /* axis rotation, row-major */
  int ndof;
  int dof[6];     /* asf_dof, in the order of the AMC values */
  int col;        /* column of its first value in a motion row */
  int line;       /* line of its definition in the ASF, for messages */
} asf_bone;

typedef struct asf_file {
  int nbones;      /* bone 0 is the root */
  asf_bone *bones;
  double length_unit; /* `:units length` (1 if absent) */
  double root_pos[3]; /* `:root position`, file units */
  int ncols;          /* values per motion row */
  int nframes;
  double rate;        /* Hz */
  double *motion;     /* [nframes][ncols]; angles in radians, translations in file units */
} asf_file;

/* Parse ASF text of n bytes (need not be NUL-terminated); `name` is used in messages. */
int asf_parse(const char *text, size_t n, const char *name, asf_file *out, d2m_err *err);
/* Parse AMC text into a skeleton read by asf_parse (replaces any motion it holds). */
int amc_parse(const char *text, size_t n, const char *name, asf_file *a, d2m_err *err);
/* Read the skeleton, then the motion. */
int asf_read(const char *asf_path, const char *amc_path, asf_file *out, d2m_err *err);
void asf_free(asf_file *a);
int asf_find(const asf_file *a, const char *name); /* bone index or -1 */
/* Forward kinematics of one frame: each bone's start and end, [nbones][3] (file units); end may
 * be NULL. rot (may be NULL) receives the world rotations [nbones][9]. */
void asf_fk(const asf_file *a, int frame, double *start, double *end, double *rot);

#endif
