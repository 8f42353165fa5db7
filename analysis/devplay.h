/* analysis/devplay.h: `drl2move device playback`: what the devices would do on the embedded gait
 * played back, without a policy (evidence while no policy walks).
 *
 * The embedded gait cycle (the reference of `eval --playback`) on the subject's model without any
 * device goes through the static-optimisation code's inverse dynamics (envs/motion/so.h, so_run:
 * mj_inverse with the ground reaction estimated at the feet), which gives per frame the biological
 * ankle moment M (N m on ankle_angle_r, dorsiflexion positive; plantarflexion moment PF = -M) and the
 * estimated vertical ground force on each foot. On the same kinematics, right side:
 *   - gait phase: time since the right heel strike over the cycle; stance is the longest stretch of
 *     frames whose estimated vertical ground force exceeds contact_bw body weights (it flickers above
 *     for a frame or two in late swing), the heel strike its first frame. Not device.contact_bw (0.05, the env's threshold on
 *     MuJoCo's contact forces): the estimate spreads the load over every collision point within 3 cm
 *     of the floor, so a foot skimming the floor in late swing already carries 0.1-0.2 body weights
 *     and 0.05 would start stance about 14% of the cycle early (76% stance instead of about 60%);
 *   - the ankle exoskeleton's profile (device.peak_*, envs/device.h) T(phase) >= 0 (plantarflexion):
 *     its angular impulse and peak against the biological PF moment's positive part, the covered
 *     share sum min(T, PF+) / sum PF+, and its positive and negative work sum -T dq dt (what it
 *     would do if the gait stayed as it is);
 *   - the prosthesis' finite-state impedance law (device.pros_imp_*, the env's phase rules on that
 *     stance: late stance once dorsiflexed past
 *     device.imp_late_angle until lift-off) at the gait's ankle angle and velocity, clamped to
 *     device.pros_limit: its torque against M over the cycle, peak, work, RMS difference and
 *     correlation.
 * With device.series_k > 0 both laws' commands go through the env's series spring and motor
 * (envs/device.h) at the physics step along the played-back ankle angle, and the columns hold the
 * torque the spring delivers (cyclic steady state).
 * Outputs in DIR:
 *   device_playback.csv  per frame: t_s, phase, ankle_deg, ankle_vel_rad_s, grf_r_bw, fsm_phase
 *                        (-1 off the ground's phase rules: 0 early stance, 1 late stance, 2 swing),
 *                        bio_pf_Nm, exo_pf_Nm, fsm_pf_Nm
 *   device_playback.md   the outcome table (markdown), also printed
 *   device_playback.png, device_playback.gp  the three moments (N m/kg) over the gait cycle
 * The kinematics are fixed: the numbers say what the device laws would supply and absorb on a
 * healthy gait, not how a body would adapt to them. */
#ifndef D2M_DEVPLAY_H
#define D2M_DEVPLAY_H

#include "common/log.h"

#define DEVPLAY_MAX_SET 32

typedef struct devplay_opts {
  const char *out_dir;
  double dt;                        /* s, frame period of the inverse dynamics (default 1/150) */
  double contact_bw;                /* stance: estimated vertical ground force above this (default 0.3) */
  const char *set[DEVPLAY_MAX_SET]; /* "section.key=value" config overrides ([device], env.subject) */
  int nset;
} devplay_opts;

/* The figures of one cycle (also in the table). */
typedef struct devplay_result {
  int nframes;
  double period_s, body_mass;
  double bio_peak_pf, bio_impulse, bio_wpos, bio_wneg;      /* N m, N m s, J */
  double exo_peak, exo_impulse, exo_cover, exo_wpos, exo_wneg; /* exo_cover: share of PF+ covered */
  double fsm_peak_pf, fsm_impulse, fsm_wpos, fsm_wneg, fsm_rms, fsm_corr;
  double stance_frac;               /* share of the cycle with the right foot on the ground */
} devplay_result;

/* Runs it; 0, or -1 with err (bad --set, no gnuplot is only a warning). res may be NULL. */
int devplay_run(const devplay_opts *o, devplay_result *res, d2m_err *err);

#endif
