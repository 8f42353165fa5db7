/* mocap/trc.h: TRC reader (OpenSim / Motion Analysis marker files).
 *
 * Layout: line 1 "PathFileType 4 (X/Y/Z) name"; line 2 header keys (DataRate CameraRate
 * NumFrames NumMarkers Units OrigDataRate OrigDataStartFrame OrigNumFrames); line 3 their
 * values (both split on any run of tabs or spaces, as OpenSim's TRC reader does: its example files
 * separate values by two tabs); line 4 "Frame# Time name1 <tab><tab> name2 ..." (names taken in
 * order, however many tabs separate them); line 5 "X1 Y1 Z1 X2 ..."; then one
 * tab-separated row per frame (frame number, time, x y z per marker). Empty cells (or NaN) are
 * missing samples. Positions are converted from Units (mm, cm, m) to metres.
 * The reader is strict: NumMarkers must match the names line and NumFrames the number of rows;
 * errors name file:line:column and what is wrong.
 */
#ifndef D2M_TRC_H
#define D2M_TRC_H

#include <stddef.h>

#include "common/log.h"
#include "mocap/markers.h"

typedef struct {
  double camera_rate, orig_rate; /* Hz; 0 when the header lacks them */
  long orig_start_frame, orig_nframes;
} trc_info;

/* Parse TRC text of n bytes (need not be NUL-terminated); `name` is used in error messages.
 * `info` may be NULL. On success `out` is filled (free with mk_free). */
int trc_parse(const char *text, size_t n, const char *name, mk_markers *out, trc_info *info, d2m_err *err);
int trc_read(const char *path, mk_markers *out, trc_info *info, d2m_err *err);

#endif
