/* envs/motion/mot.h: reader for OpenSim .mot / .sto tables (motion and storage files).
 *
 * Format (OpenSim 3.x/4.x, both accepted): optional first line with the table's name, header lines
 * ("version=1", "nRows=73", "nColumns=24", "inDegrees=yes", free text), a line "endheader", one line
 * of column names separated by tabs or spaces (the first is "time"), then nRows rows of numbers.
 * Older files use "datarows"/"datacolumns" instead of nRows/nColumns; both are read. A header line
 * "convention=NAME: ..." (written by drl2move's .mot writer) names the sign convention.
 *
 * Errors (recoverable, d2m_err): missing "endheader", missing column line, a row whose cell count
 * differs from the column count, a non-numeric cell, time not strictly increasing. The message
 * names file:line:column (1-based, column = cell index). A row count different from nRows only
 * warns: OpenSim reads every row, and its own tutorial files disagree with their headers. */
#ifndef D2M_MOT_H
#define D2M_MOT_H

#include <stddef.h>

#include "common/log.h"

typedef struct mot_table {
  int nrows, ncols;   /* ncols counts the time column */
  char **names;       /* [ncols] column names; names[0] is the time column */
  double *data;       /* [nrows * ncols] row-major, values as in the file (degrees if in_degrees) */
  int in_degrees;     /* 1 if the header says inDegrees=yes (angles in degrees) */
  char convention[32]; /* "gait2354", "Rajagopal2016" (header line "convention=NAME..."), or "" (detect) */
  int names_line;     /* 1-based line of the column-name line (for error messages downstream) */
  char path[256];     /* file name used in error messages */
} mot_table;

/* Parse a file. On error t is left empty (nothing to free) and -1 is returned. */
int mot_read(const char *path, mot_table *t, d2m_err *err);
/* Parse text already in memory (tests, fuzzing); `name` is used in error messages. */
int mot_parse(const char *text, size_t len, const char *name, mot_table *t, d2m_err *err);
void mot_free(mot_table *t);
/* Index of the column called `name` (case-sensitive), or -1. */
int mot_col(const mot_table *t, const char *name);
/* Whether the table's last row matches its first (a clip that can repeat): every column but time,
 * pelvis_tx and pelvis_tz within tol_deg (angles; radians converted when inDegrees=no) or tol_m
 * (columns ending _tx/_ty/_tz). Returns 1 or 0; the worst column (scaled by its tolerance) is
 * named in worst (cap bytes, may be NULL) with its difference in *diff (deg or m). */
#define MOT_CYCLIC_TOL_DEG 5.0
#define MOT_CYCLIC_TOL_M 0.02
int mot_ends_match(const mot_table *t, double tol_deg, double tol_m, char *worst, size_t cap, double *diff);
/* Pelvis origin conventions. The Delp et al. (1990) pelvis of gait2354/gait2392 and the Rajagopal et al.
 * (2016) pelvis of this model put the pelvis origin at different points of the pelvis: the ASIS markers
 * sit at x 0.0200, y 0.0300 m in gait2354's frame (gait2354_simbody.osim's marker set, as scaled in
 * opensim-models Pipelines/Gait2354_Simbody/OutputReference/subject01_scaledOnly.osim, divided by its
 * pelvis scale 1.02458) and at x 0.00953, y 0.0181 m in Rajagopal's (Rajagopal2015.osim, markers
 * RASI/LASI), both on the midline in z. So Rajagopal's origin is 10.5 mm anterior and 11.9 mm superior
 * of gait2354's, in pelvis axes, for the generic 1.70-1.80 m models (a subject's scale changes it by a
 * few per cent, well under a millimetre). */
#define MOT_G2354_TO_RAJ_X (0.0200 - 0.00953047)
#define MOT_G2354_TO_RAJ_Y (0.0300 - 0.0180816)
/* 1 when the table's pelvis_tx/ty/tz are gait2354's pelvis origin: its header says convention=gait2354
 * or gait2392, or it names no convention and its knee_angle_r/_l samples are mostly negative (flexion
 * counted negative, the Delp models' sign). */
int mot_pelvis_is_gait2354(const mot_table *t);
/* Moves pelvis_tx/ty/tz of a gait2354 table (mot_pelvis_is_gait2354) to the Rajagopal2016 pelvis
 * origin, in place: p += B (MOT_G2354_TO_RAJ_X, MOT_G2354_TO_RAJ_Y, 0), B = the pelvis orientation
 * (OpenSim body-fixed Z-X-Y: tilt, list, rotation). Returns 1 when converted, 0 when the table is not
 * gait2354's or lacks a pelvis column (then unchanged). */
int mot_pelvis_to_rajagopal(mot_table *t);
/* The pelvis orientation B (row-major) of OpenSim's pelvis_tilt, _list, _rotation (radians). */
void mot_pelvis_rot(double tilt, double list, double rotation, double *B);
static inline double mot_at(const mot_table *t, int row, int col) { return t->data[(size_t)row * t->ncols + col]; }

#endif
