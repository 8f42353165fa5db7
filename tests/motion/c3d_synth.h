/* tests/motion/c3d_synth.h: writes small C3D files with known contents for the tests and the
 * fuzz seed corpus (any processor type, integer or float storage, with a gap). */
#ifndef D2M_C3D_SYNTH_H
#define D2M_C3D_SYNTH_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  int proc;        /* 84 Intel, 85 DEC, 86 MIPS */
  int is_float;    /* float storage (POINT:SCALE < 0) */
  int first_frame; /* 1-based */
  int frames_param;/* also write POINT:FRAMES and set the header's last frame to a wrong value */
  int subject;     /* also write PROCESSING:Height (SYN_HEIGHT_MM) and Bodymass (SYN_MASS_KG), as Plug-in Gait */
} c3d_synth_opts;

enum { SYN_NPOINTS = 2, SYN_NFRAMES = 4, SYN_NANALOG = 2, SYN_APF = 2, SYN_NEVENTS = 2 };
#define SYN_RATE 100.0
#define SYN_HEIGHT_MM 1753.0
#define SYN_MASS_KG 68.5
#define SYN_GAP_MARKER 1
#define SYN_GAP_FRAME 2

/* Write the file into buf (cap >= 8192); returns its size. */
size_t c3d_synth(const c3d_synth_opts *o, uint8_t *buf, size_t cap);
/* Known answers: marker position in mm, analog value after scaling. */
void c3d_synth_point(int marker, int frame, double xyz_mm[3]);
double c3d_synth_analog(int channel, int sample);
extern const double c3d_synth_event_time[SYN_NEVENTS];

#endif
