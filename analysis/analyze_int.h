/* analysis/analyze_int.h: internal to analysis/analyze.c and analyze_emg.c: the analysis context
 * and the helpers both use. */
#ifndef D2M_ANALYZE_INT_H
#define D2M_ANALYZE_INT_H

#include "analysis/analyze.h"
#include "analysis/gait.h"
#include "analysis/report.h"
#include "analysis/stats.h"

#define AN_MAXCYC 2048

typedef struct an_ctx {
  an_opts o;
  char frames[4200], progress[4200];
  stats_table tab;
  int n;
  double *t;         /* [n] time with episodes laid end to end, 10 s apart */
  gait_cycle cyc[AN_MAXCYC];
  int nc;
  gait_metrics gm;
  report rep;
} an_ctx;

/* Column `name` of frames.csv, malloc'd [n]; NULL if absent. */
double *an_col(const an_ctx *c, const char *name);
/* 1 if any of cols[j][0..GAIT_NPTS) is finite. */
int an_any_finite(double *const *cols, int ncols);
/* Writes OUT/NAME.csv: header line, then npts rows of pct followed by ncols columns. */
int an_write_curves(const an_ctx *c, const char *name, const char *header, double *const *cols, int ncols);
/* analyze_emg.c: excitation heat map and the EMG comparison. */
void an_excitation(an_ctx *c);
void an_emg(an_ctx *c);
/* analyze_energy.c: metabolic power per muscle group; the device sweep's table beside a sweep setting. */
void an_energy(an_ctx *c);
/* Reference GRF curves (body weights) from a C3D's force plates; returns the stances used. */
int an_grf_c3d(an_ctx *c, double *v_mean, double *v_sd, double *ap_mean, double *ap_sd);
/* Reference GRF curves (body weights) from an OpenSim ExternalLoads .mot (analyze_grf.c); returns the
 * stances used. */
int an_grf_mot(an_ctx *c, double *v_mean, double *v_sd, double *ap_mean, double *ap_sd);

#endif
