/* mocap/c3d.h: C3D reader (https://www.c3d.org, the biomechanics lab format).
 *
 * Reads the header, the parameter section (groups and parameters of any type and up to 7
 * dimensions) and the data section: 3-D points (x, y, z, residual/camera word) and analog
 * samples, in integer (POINT:SCALE > 0) or float (SCALE < 0) storage, written by Intel (84),
 * DEC (85: little-endian words, VAX F-floats) or MIPS (86: big-endian) processors.
 *
 * Points with a negative residual are missing (NaN). Marker coordinates are converted to
 * metres (POINT:UNITS); points listed in POINT:ANGLES/FORCES/MOMENTS/POWERS/SCALARS/REACTIONS
 * (model outputs of Vicon Plug-in Gait...) keep their own units and are flagged in point_kind.
 * Analog values are scaled: (raw - OFFSET) * GEN_SCALE * SCALE.
 * Every read is bounded by the buffer; a malformed file gives -1 and an d2m_err naming the
 * file, the byte offset or the parameter (GROUP:NAME) and what is wrong.
 */
#ifndef D2M_C3D_H
#define D2M_C3D_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"
#include "mocap/markers.h"

enum { C3D_PROC_INTEL = 84, C3D_PROC_DEC = 85, C3D_PROC_MIPS = 86 };
typedef enum {
  C3D_POINT_MARKER = 0, C3D_POINT_ANGLE, C3D_POINT_FORCE, C3D_POINT_MOMENT, C3D_POINT_POWER,
  C3D_POINT_SCALAR, C3D_POINT_REACTION, C3D_POINT_NKINDS
} c3d_point_kind;
extern const char *const c3d_point_kind_name[C3D_POINT_NKINDS];

typedef struct {
  char label[MK_NAME_MAX];
  char description[MK_NAME_MAX];
  char unit[16];
  double scale, offset; /* ANALOG:SCALE[i], ANALOG:OFFSET[i] (GEN_SCALE is in c3d_file) */
} c3d_channel;

typedef struct {
  int type;               /* FORCE_PLATFORM:TYPE (1..4 common) */
  double corners[4][3];   /* metres, lab frame */
  double origin[3];       /* metres, plate frame */
  int nchannel;
  int channel[16];        /* 1-based analog channel numbers (FORCE_PLATFORM:CHANNEL) */
  int cal_rows, cal_cols; /* 0 when no CAL_MATRIX */
  double cal[64];         /* row-major cal_rows x cal_cols */
} c3d_plate;

typedef struct c3d_file {
  mk_markers markers;         /* all POINT entries; times: first_time = (first_frame-1)/rate */
  unsigned char *point_kind;  /* [markers.nmarkers] c3d_point_kind */
  int proc_type;              /* 84, 85 or 86 */
  int is_float;               /* float storage (POINT:SCALE < 0) */
  double point_scale;         /* POINT:SCALE */
  long first_frame;           /* 1-based frame number of the first stored frame */
  int nanalog;                /* analog channels */
  int analog_per_frame;       /* analog samples per point frame */
  double analog_rate;         /* Hz */
  long analog_nsamples;       /* per channel: markers.nframes * analog_per_frame */
  double gen_scale;           /* ANALOG:GEN_SCALE */
  int analog_unsigned;        /* ANALOG:FORMAT "UNSIGNED" */
  c3d_channel *channels;      /* [nanalog] */
  double *analog;             /* [analog_nsamples][nanalog], scaled */
  int nplates;
  c3d_plate *plates;          /* [nplates] */
  double subject_height_m;    /* from PROCESSING:Height or SUBJECTS:HEIGHT; 0 when absent */
  double subject_mass_kg;     /* from PROCESSING:Bodymass or SUBJECTS:MASS/WEIGHT; 0 when absent */
  char subject_height_src[40], subject_mass_src[40]; /* GROUP:NAME it came from */
  int nparams;                /* parameters seen (for info) */
  int ngroups;
} c3d_file;

/* Parse a whole C3D file held in memory; `name` is used in error messages. */
int c3d_parse(const uint8_t *buf, size_t n, const char *name, c3d_file *out, d2m_err *err);
/* Read a file from disk and parse it. */
int c3d_read(const char *path, c3d_file *out, d2m_err *err);
void c3d_free(c3d_file *c);
/* Index of the analog channel with this label, or -1. */
int c3d_find_channel(const c3d_file *c, const char *label);
/* Why plate p's forces cannot be read (NULL: they can). Types (C3D manual, FORCE_PLATFORM): 1 = Fx Fy Fz
 * COPx COPy Tz; 2 = Fx Fy Fz Mx My Mz; 3 = Kistler Fx12 Fx34 Fy14 Fy23 Fz1 Fz2 Fz3 Fz4; 4 = type 2 with
 * a 6x6 CAL_MATRIX applied to the channels. */
const char *c3d_plate_unsupported(const c3d_file *c, int p);
/* Force on plate p at analog sample i (plate axes, the channels' units after scaling); -1 when
 * c3d_plate_unsupported. */
int c3d_plate_force(const c3d_file *c, int p, long i, double F[3]);
/* Decode a VAX F-float held in 4 bytes as stored by DEC processors. */
double c3d_vax_to_double(const uint8_t b[4]);
/* Encode a double as a VAX F-float (for writers and tests); 0 for |v| below the VAX range. */
void c3d_double_to_vax(double v, uint8_t b[4]);

#endif
