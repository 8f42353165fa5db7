/* mocap/markerset.h: virtual markers on the model's bodies, for marker-based IK (ik.h).
 *
 * A marker set file (mocap/markersets/lowerbody.markers is the default, compiled in):
 *   # comment
 *   marker NAME BODY X Y Z WEIGHT fixed|free   offset in the body frame (m, reference subject)
 *   scale SEGMENT MARKER1 MARKER2              a pair whose distance measures a segment length
 * `fixed` markers are bony landmarks (trusted offsets: they drive scaling and the calibration
 * pose); `free` markers (clusters, wands) only follow it. After the calibration pose the importer
 * re-places the markers from the data (ik_import.h). Errors name file:line. */
#ifndef D2M_MARKERSET_H
#define D2M_MARKERSET_H

#include <stddef.h>

#include "common/log.h"
#include "mocap/markers.h"

#define MS_BODY_MAX 32

typedef struct ms_marker {
  char name[MK_NAME_MAX];
  char body[MS_BODY_MAX];
  double offset[3]; /* m, body frame of the reference (1.70 m) model */
  double weight;    /* > 0 */
  int fixed;        /* 1 fixed (bony landmark), 0 free (placed from a static trial) */
} ms_marker;

typedef struct ms_pair {
  char segment[MS_BODY_MAX];
  int a, b; /* marker indices */
} ms_pair;

typedef struct markerset {
  int n, npairs;
  ms_marker *m; /* [n] */
  ms_pair *pairs; /* [npairs] */
  char source[256];
} markerset;

int markerset_parse(const char *text, size_t len, const char *name, markerset *s, d2m_err *err);
int markerset_load(const char *path, markerset *s, d2m_err *err);
/* The compiled-in default (the text of mocap/markersets/lowerbody.markers). */
int markerset_default(markerset *s, d2m_err *err);
const char *markerset_default_text(void);
void markerset_free(markerset *s);
int markerset_find(const markerset *s, const char *name); /* -1 if absent */

#endif
