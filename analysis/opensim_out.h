/* analysis/opensim_out.h: `drl2move eval --opensim`: a rollout in files the OpenSim GUI and tools open.
 *
 * Per episode, in OUT/opensim/ep<K>/:
 *   joint_angles.mot   coordinates in the Rajagopal2016 convention (mocap/ik_import.h ik_to_mot, header
 *                      lines model= and convention=), degrees, pelvis translation absolute in ground
 *   activations.sto    muscle activations, OpenSim 4 states layout: columns /forceset/<muscle>/activation
 *   excitations.sto    muscle excitations (controls layout: one column per muscle)
 *   grf.mot            ground reaction on each foot in OpenSim's ExternalLoads layout, ground frame
 *                      (x forward, y up, z right): r_ground_force_vx/vy/vz (N), r_ground_force_px/py/pz
 *                      (centre of pressure, m), r_ground_torque_x/y/z (free moment about the vertical at
 *                      the COP, N m), then the same with l_; zero force and COP 0 when the foot is off
 *   grf.xml            the ExternalLoads file mapping them to calcn_r / calcn_l
 * Rates: one row per control step, or with rate = OS_RATE_SIM one per physics step (recorded by the
 * env's substep hook right after mj_step2: positions at the end of the step, contact forces of the
 * step's constraint solve). */
#ifndef D2M_OPENSIM_OUT_H
#define D2M_OPENSIM_OUT_H

#include <mujoco/mujoco.h>

#include "common/log.h"

enum { OS_RATE_CONTROL = 0, OS_RATE_SIM = 1 };

typedef struct os_writer {
  const mjModel *m;
  double Rg[9];           /* OpenSim ground -> world */
  int talus[2];           /* feet: contacts with bodies in these subtrees */
  int n, cap;             /* frames recorded, capacity */
  double *t, *qpos, *act, *exc, *grf; /* [cap], [cap*nq], [cap*nu], [cap*nu], [cap*18] */
  double weight;          /* N, for the report only */
} os_writer;

int os_open(os_writer *w, const mjModel *m, d2m_err *err);
void os_free(os_writer *w);
/* Drops the frames recorded (a new episode). */
void os_reset(os_writer *w);
/* Records the state of d at time t; exc[nu] the excitations (NULL: d->ctrl). */
void os_record(os_writer *w, double t, const mjData *d, const float *exc);
/* Writes the five files into dir (created). */
int os_write(const os_writer *w, const char *dir, d2m_err *err);
/* Ground reaction on each foot from d's contacts, OpenSim ground: F[2][3] (N), P[2][3] (COP, m), T[2][3] (N m). */
void os_foot_grf(const os_writer *w, const mjData *d, double F[2][3], double P[2][3], double T[2][3]);

#endif
