/* mocap/markerset.h: virtual markers on the model's bodies, for marker-based IK (ik.h).
 *
 * A marker set file (mocap/markersets/lowerbody.markers is the default, compiled in):
 *   # comment
 *   marker NAME BODY X Y Z WEIGHT fixed|free   offset in the body frame (m, reference subject)
 *   scale SEGMENT MARKER1 MARKER2              a pair whose distance measures a segment length
 *   alias MARKER ALT1 ALT2 ...                 other names of MARKER in lab files
 * `fixed` markers are bony landmarks (trusted offsets: they drive scaling and the calibration
 * pose); `free` markers (clusters, wands) only follow it. After the calibration pose the importer
 * re-places the markers from the data (ik_import.h). Errors name file:line.
 *
 * Matching a trial's names (markerset_bind): case-insensitive, ignoring '.', '_', '-' and blanks and
 * a Vicon Nexus "Subject:" prefix, against each marker's name and its aliases. Two names of one set
 * that match the same way are an error at parse time. Embedded sets (mocap/markersets/): lowerbody
 * (the default: gait2354 + Plug-in Gait + BVH joint names, with aliases), pig (Plug-in Gait / Helen
 * Hayes), cleveland, gait2354, rajagopal2016; markerset_choose takes the one that matches most of
 * a trial's markers (ties: the earlier in that order). */
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

typedef struct ms_alias {
  char name[MK_NAME_MAX];
  int marker; /* index of the marker it names */
} ms_alias;

#define MS_NSETS 5

typedef struct markerset {
  int n, npairs, nalias;
  ms_marker *m; /* [n] */
  ms_pair *pairs; /* [npairs] */
  ms_alias *alias; /* [nalias] */
  char source[256];
} markerset;

int markerset_parse(const char *text, size_t len, const char *name, markerset *s, d2m_err *err);
int markerset_load(const char *path, markerset *s, d2m_err *err);
/* The compiled-in default (the text of mocap/markersets/lowerbody.markers). */
int markerset_default(markerset *s, d2m_err *err);
const char *markerset_default_text(void);
/* Embedded set i (0..MS_NSETS-1): its name and text; NULL beyond. */
const char *markerset_embedded_name(int i);
const char *markerset_embedded_text(int i);
/* An embedded set by name ("default" = "lowerbody"), else a file path. */
int markerset_named(const char *name_or_path, markerset *s, d2m_err *err);
/* Canonical form of a marker name for matching (see above); out has MK_NAME_MAX bytes. */
void markerset_norm(const char *name, char *out);
/* col[i] (s->n entries) = the trial's column of marker i or -1; used[t->nmarkers] (may be NULL) is
 * set to 1 for the trial columns bound. Returns the number of markers bound. A trial name matching
 * two markers binds the first. */
int markerset_bind(const markerset *s, const mk_markers *t, int *col, unsigned char *used);
/* The embedded set matching most of t's markers: loaded into s; its index returned (-1 on error).
 * counts[MS_NSETS] (may be NULL) receives every set's count. */
int markerset_choose(const mk_markers *t, markerset *s, int *counts, d2m_err *err);
void markerset_free(markerset *s);
int markerset_find(const markerset *s, const char *name); /* -1 if absent */

#endif
