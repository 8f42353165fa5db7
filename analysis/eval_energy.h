/* analysis/eval_energy.h: the energy outcomes of `drl2move eval`: metabolic power (Umberger et al.
 * 2003, analysis/metabolic.h) per muscle and in all, per stride, cost of transport, and the assistive
 * devices' work and peak torque (envs/device.h).
 *
 * Metabolic rate is sampled once per control step on the state the step leaves (lengths, velocities,
 * activations consistent after the env's mj_step1; excitation = the ctrl the step applied), and
 * integrated as rate x control period. Distance: horizontal displacement of the root over the
 * episode. Strides: right heel strikes (vertical ground force on the right foot rising through 0.05
 * body weights), energy per stride over the complete strides between the first and the last.
 * Cost of transport = energy / (body mass x distance): gross (with the basal rate) and net (without).
 * The plantarflexors' mean activation (soleus, gastrocnemius medialis and lateralis, both sides: the
 * muscles an ankle exoskeleton relieves) is reported beside it.
 * Device outcomes are the env's (physics rate), read after each control step that did not end the
 * episode (the env resets its devices when it starts the next one). */
#ifndef D2M_EVAL_ENERGY_H
#define D2M_EVAL_ENERGY_H

#include <stdio.h>

#include "analysis/metabolic.h"
#include "envs/device.h"
#include "envs/env.h"

typedef struct eval_energy {
  met_model mm;
  const dev_sys *dev;
  double mass;                          /* kg */
  /* episode */
  double e_total, e_basal, t, xy0[2], xy[2], e_mus[256];
  int contact_r;
  long hs;                              /* right heel strikes */
  double e_first_hs, e_last_hs;
  int pf[6], npf;                       /* soleus, gasmed, gaslat (both sides): actuator ids */
  double pf_sum;                        /* their activation summed over the episode's steps */
  long steps;
  dev_outcome snap[DEV_MAX_JOINT];
  /* means over the episodes */
  double m_power, m_cot, m_cot_net, m_stride_j, m_dev_pos, m_dev_neg, m_dev_peak, m_pf;
  int n_cot, n_stride, episodes;
} eval_energy;

void ee_init(eval_energy *ee, const mjModel *m, const env_t *env);
void ee_episode_start(eval_energy *ee, const mjModel *m, const mjData *d);
/* After a control step of dt s that did not end the episode; grf_r_v: right foot's vertical force, BW. */
void ee_step(eval_energy *ee, const mjModel *m, const mjData *d, double dt, double grf_r_v);
/* The episode's fields for its summary.json object (", \"metabolic\": {...}, \"device\": [...]"), and its
 * rows of muscles.csv (episode, muscle, mean power W, energy J); then adds the episode to the means. */
void ee_episode_end(eval_energy *ee, FILE *js, FILE *mus_csv, int ep, const mjModel *m);
/* The means for summary.json ("  \"metabolic\": {...},\n  \"device\": {...},\n"). */
void ee_summary_json(const eval_energy *ee, FILE *js);
/* Device columns of frames.csv: the header (",dev_<actuator>_Nm" each) and a row's values. */
void ee_device_header(const eval_energy *ee, FILE *f);
int ee_device_count(const eval_energy *ee);
struct eval_result;
/* The means into eval's result (for sweeps). */
void eval_energy_result(const eval_energy *ee, struct eval_result *res);
double ee_device_torque(const eval_energy *ee, int k);

#endif
