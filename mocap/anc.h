/* mocap/anc.h: Motion Analysis analog files (.anc, "Analog R/C ASCII"; OpenSim's EMG examples).
 *
 * Layout (tab-separated): "File_Type: Analog R/C ASCII  Generation#: G", "Board_Type: B  Polarity: P",
 * "Trial_Name: T  Trial#: N  Duration(Sec.): D  #Channels: C", "BitDepth: K  PreciseRate: R", blank
 * lines, then "Name" + C labels, "Rate" + C rates (Hz), "Range" + C ranges, then one row per sample:
 * time and C values. Generation 2 stores A/D counts with the range in mV: volts = count * range /
 * 1000 / 2^(K-1) (bipolar); generation 1 stores the values themselves. Header fields may be
 * separated by any run of tabs or spaces. Errors name file:line and the field. */
#ifndef D2M_ANC_H
#define D2M_ANC_H

#include <stddef.h>

#include "common/log.h"
#include "mocap/markers.h"

typedef struct anc_file {
  int generation, bit_depth, nchan, nsamples;
  double rate;                   /* Hz (PreciseRate) */
  double duration;               /* s (header) */
  char (*label)[MK_NAME_MAX];    /* [nchan] */
  double *chan_rate, *range;     /* [nchan] Hz, and the range as given (mV for generation 2) */
  double *t;                     /* [nsamples] s */
  double *v;                     /* [nsamples][nchan], volts (generation 2) or as stored (1) */
} anc_file;

int anc_parse(const char *text, size_t n, const char *name, anc_file *a, d2m_err *err);
int anc_read(const char *path, anc_file *a, d2m_err *err);
void anc_free(anc_file *a);
int anc_find(const anc_file *a, const char *label); /* -1 if absent */

#endif
