/* analysis/analyze.h: `drl2move analyze`: gait events and metrics, joint angles, GRF and EMG against
 * references, plots and report.html from an eval output or a run dir. The command line is parsed in
 * deploy/analyze_cli.c. */
#ifndef D2M_ANALYZE_H
#define D2M_ANALYZE_H

typedef enum {
  AN_EVENTS_FORCE = 0,     /* gait events from the vertical GRF threshold */
  AN_EVENTS_KINEMATIC = 1  /* from foot kinematics (Zeni et al. 2008) */
} an_events;

typedef struct an_opts {
  const char *in, *out, *ref_mot, *grf, *emg, *emg_map;
  double thresh_bw;  /* contact threshold (body weights) */
  double min_s;      /* debounce (s) */
  double grf_rate;   /* Hz of the --grf file */
  double grf_bw;     /* N, body weight for a C3D --grf (0: from the stance impulse) */
  double max_shift_pct; /* EMG time-shift search range (% of the cycle) */
  an_events events;
} an_opts;

void analyze_opts_default(an_opts *o);
/* Runs the analysis (out NULL: IN/analysis); 0, or 1 after an error (logged). */
int analyze_run(const an_opts *o);

#endif
