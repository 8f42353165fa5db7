/* mocap/markers.h: the in-memory marker trajectory every reader fills (C3D, TRC).
 *
 * Positions are in metres whatever the file used (the original unit is kept in `units` for
 * reporting); a missing sample (gap, invalid residual, empty cell) is NaN in all three
 * coordinates. Frames are equally spaced at `rate` Hz starting at `first_time` seconds.
 * Events (foot strike/off...) carry a label, a context ("Left", "Right", "General") and a time.
 */
#ifndef D2M_MARKERS_H
#define D2M_MARKERS_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"

#define MK_NAME_MAX 64

typedef struct {
  char label[MK_NAME_MAX];
  char context[MK_NAME_MAX];
  double time; /* s, on the same clock as frame times (first_time + i / rate) */
} mk_event;

typedef struct mk_markers {
  int nmarkers, nframes;
  double rate;       /* Hz */
  double first_time; /* s: time of frame 0 */
  char units[16];    /* unit of the source file ("mm", "m"...), for reporting only */
  char (*names)[MK_NAME_MAX]; /* [nmarkers] */
  double *xyz;                /* [nframes][nmarkers][3], metres, NaN = missing */
  int nevents;
  mk_event *events; /* [nevents] */
} mk_markers;

/* Allocate names and xyz (filled with NaN) for nframes x nmarkers. */
void mk_alloc(mk_markers *m, int nmarkers, int nframes);
void mk_free(mk_markers *m);
/* Pointer to marker j of frame i (3 doubles). */
static inline double *mk_at(const mk_markers *m, int frame, int marker) {
  return m->xyz + ((size_t)frame * (size_t)m->nmarkers + (size_t)marker) * 3;
}
/* Index of the marker with this name, or -1. */
int mk_find(const mk_markers *m, const char *name);
/* Metres per unit for a length unit name ("mm", "cm", "m", "millimeters"...); 0 if unknown. */
double mk_unit_scale(const char *unit);
/* Number of frames where marker j is present (not NaN). */
int mk_count_present(const mk_markers *m, int marker);
/* Fills every gap (a run of missing frames with the marker present on both sides) of at most
 * max_frames frames by linear interpolation; longer gaps stay missing. Returns the number of gaps
 * filled; *left (may be NULL) receives the number of longer gaps left. */
int mk_fill_gaps(mk_markers *m, int max_frames, int *left);
/* Keeps frames [first, first+n) only (events kept; first_time moves). */
void mk_crop(mk_markers *m, int first, int n);
/* Copy at most cap-1 chars of [s, s+n) into dst with surrounding blanks and NULs removed. */
void mk_copy_trim(char *dst, size_t cap, const char *s, size_t n);


#endif
