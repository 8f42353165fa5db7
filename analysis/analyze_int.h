/* analysis/analyze_int.h: internal to analysis/analyze.c, analyze_emg.c and compare.c: the analysis context
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
/* Reads c->frames into c->tab and lays the episodes end to end in c->t (10 s apart); 0 or -1 with err. */
int an_load(an_ctx *c, d2m_err *err);
/* Gait events, cycles and metrics of the loaded frames into c->cyc, c->nc, c->gm (options c->o.events,
 * thresh_bw, min_s). Returns 1 when the kept cycles are plausible strides (gait_plausible), else 0 with
 * the reasons in why and every cycle dropped (c->gm.nkept 0). */
int an_gait_compute(an_ctx *c, char *why, size_t cap);
/* 1 when the summary.json beside FRAMES (a frames.csv path) says the rollout was a kinematic playback. */
int an_frames_are_playback(const char *frames);
/* 1 if any of cols[j][0..GAIT_NPTS) is finite. */
int an_any_finite(double *const *cols, int ncols);
/* Writes OUT/NAME.csv: header line, then npts rows of pct followed by ncols columns. */
int an_write_curves(const an_ctx *c, const char *name, const char *header, double *const *cols, int ncols);
/* compare_stand.c: quiet-standing measures of one eval folder for drl2move compare. */
#define CMP_STAND_NGRP 4 /* ankle plantarflexors, tibialis anterior, knee extensors, hip abductors */
#define CMP_MAX_STAND_DIRS 8
typedef struct cmp_stand {
  int episodes;
  double stand_s;                     /* mean episode length (s): time standing */
  double load[2];                     /* right, left share of the vertical GRF (%) */
  double exc_all[2];                  /* mean excitation of each side's muscles */
  double exc_grp[CMP_STAND_NGRP][2];  /* the groups' mean excitation, right and left */
} cmp_stand;
void cmp_stand_metrics(const an_ctx *c, cmp_stand *s);
/* OUT/compare_stand.csv and its picture: load share and mean excitation per side over time. */
void cmp_stand_course(const char *out, int nd, an_ctx *const *C, const char (*labels)[32], const char *const *colours,
                      report *rep);
/* analyze_emg.c: excitation heat map and the EMG comparison. */
void an_excitation(an_ctx *c);
void an_emg(an_ctx *c);
/* analyze_energy.c: metabolic power per muscle group; the device sweep's table beside a sweep setting. */
void an_energy(an_ctx *c);
/* Functional muscle groups of a leg (analyze_energy.c; also used by compare_device.c): the group of a
 * muscle named <name>_r or <name>_l, or -1 (other); their number and names (-1: "other"). */
int an_muscle_group(const char *muscle);
int an_muscle_group_count(void);
const char *an_muscle_group_name(int g);
/* Reference GRF curves (body weights) from a C3D's force plates; returns the stances used. */
int an_grf_c3d(an_ctx *c, double *v_mean, double *v_sd, double *ap_mean, double *ap_sd);
/* Reference GRF curves (body weights) from an OpenSim ExternalLoads .mot (analyze_grf.c); returns the
 * stances used. */
int an_grf_mot(an_ctx *c, double *v_mean, double *v_sd, double *ap_mean, double *ap_sd);

#endif
