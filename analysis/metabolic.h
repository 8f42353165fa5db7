/* analysis/metabolic.h: muscle metabolic energy rate after Umberger, Gerritsen & Martin 2003
 * ("A model of human muscle energy expenditure", Comput Methods Biomech Biomed Engin 6(2):99-111),
 * computed per muscle from MuJoCo's muscle state; a pure function of that state.
 *
 * Per muscle of mass m (kg), slow-twitch fraction r, in W:
 *   E = m (h_AM + h_SL) + W_CE                                         (heat plus work)
 *   A = u if u > a, else (u + a)/2        (u excitation, a activation; the paper's "A")
 *   h_AM = (128 (1 - r) + 25) A^0.6 S                   W/kg, l <= l_opt
 *        = (0.4 + 0.6 F_iso) (128 (1 - r) + 25) A^0.6 S W/kg, l >  l_opt
 *   h_SL = -(aS_slow r + aS_fast (1 - r)) v A^2 S   shortening (v < 0), x F_iso when l > l_opt
 *        =  aL v A S                                lengthening (v > 0), x F_iso when l > l_opt
 *     v: fibre velocity in optimal fibre lengths per s (positive lengthening);
 *     aS_fast = 153 / v_max, aS_slow = 100 / (v_max / 2.5), aL = 4 aS_slow (v_max: the fast
 *     fibres' maximum shortening velocity, l_opt/s; slow fibres reach v_max / 2.5)
 *   W_CE = -F_CE v_CE (W): the contractile element's mechanical power, negative work included as
 *     the 2003 paper has it (Umberger 2010 later dropped it; not here);
 *   m (h_AM + h_SL) >= 1.0 W/kg x m: the paper's minimum heat rate (p. 104), on by default; the
 *     deficit is booked to the h_SL term.
 *   S = 1.5: the aerobic scaling of the paper for sustained (walking) activity.
 * Whole body: P = basal + sum_muscles E, basal = 1.2 W/kg x body mass (the basal coefficient of
 * OpenSim's Umberger2010 metabolics probe, exponent 1). Cost of transport: energy / (mass x distance).
 *
 * Muscle mass (Umberger 2003, as OpenSim computes it): m = F_max / sigma x rho x l_opt with
 * rho = 1059.7 kg/m^3 (muscle density, Mendez & Keys 1960) and sigma = 0.6 MPa, the specific tension
 * from which Rajagopal et al. 2016 derived this model's peak forces (60 N/cm^2): 18.6 kg of muscle
 * on the 75.7-kg reference model (OpenSim's default 0.25 MPa would give 44.7 kg, 59% of the body).
 * Fibre types: a uniform slow-twitch fraction of 0.5 for every muscle (a documented default; the
 * literature's per-muscle figures, e.g. Johnson et al. 1973 J Neurol Sci 18:111, can be passed in
 * met_model.st[] by a caller).
 *
 * From MuJoCo's muscle (rigid tendon, no pennation: envs/model): fibre length = (actuator length -
 * tendon slack) / l_opt in l_opt units, v = actuator velocity / l_opt, F_CE = the active part of the
 * force (gain x activation, mju_muscleGain), F_iso = the active force-length factor at the length
 * (gain at zero velocity / F_max). */
#ifndef D2M_METABOLIC_H
#define D2M_METABOLIC_H

#include <mujoco/mujoco.h>

#define MET_SIGMA_PA 0.6e6       /* specific tension, N/m^2 (Rajagopal et al. 2016, the model's source) */
#define MET_DENSITY 1059.7       /* muscle density, kg/m^3 (Mendez & Keys 1960, via Umberger 2003) */
#define MET_AEROBIC_S 1.5        /* aerobic scaling S (Umberger 2003) */
#define MET_MIN_HEAT_W_KG 1.0    /* minimum heat rate, W per kg of muscle (Umberger 2003 p. 104) */
#define MET_BASAL_W_KG 1.2       /* basal rate, W per kg of body (OpenSim Umberger2010 probe default) */
#define MET_ST_DEFAULT 0.5       /* slow-twitch fraction when no table is given */

typedef struct met_muscle {
  double mass_kg;  /* muscle mass */
  double st;       /* slow-twitch fraction r in [0, 1] */
  double vmax;     /* fast fibres' maximum shortening velocity, l_opt/s */
  int min_heat;    /* 1: clamp heat to MET_MIN_HEAT_W_KG x mass */
} met_muscle;

typedef struct met_state {
  double u, a;     /* excitation and activation, 0..1 */
  double l_norm;   /* fibre length / l_opt */
  double v_norm;   /* fibre velocity / l_opt, 1/s, positive lengthening */
  double v_ce;     /* fibre velocity, m/s, positive lengthening */
  double f_ce;     /* active contractile force, N, >= 0 in tension */
  double f_iso;    /* active force-length factor at l_norm, 0..1 */
} met_state;

typedef struct met_rate {
  double am, sl, work, total; /* W: activation-maintenance heat, shortening/lengthening heat, work, sum */
} met_rate;

/* Energy rate of one muscle in one state (the formulas above). */
met_rate met_muscle_rate(const met_muscle *p, const met_state *s);

/* Parameters and state from a MuJoCo model: actuators with muscle gain are muscles. */
typedef struct met_model {
  int n;                  /* muscles (the first n actuators of the model have muscle gain) */
  met_muscle mus[256];
  int act[256];           /* actuator index of muscle i */
  double body_mass_kg;    /* sum of body masses */
} met_model;
/* Fills every muscle's mass, vmax and the default slow-twitch fraction. Returns the muscle count. */
int met_model_init(met_model *mm, const mjModel *m);
/* The muscle's state in d (after mj_forward or mj_step1: lengths, velocities and activations); the
 * excitation is d->ctrl. */
met_state met_state_of(const mjModel *m, const mjData *d, int actuator);
/* Whole-body rate now: basal + every muscle; per[i] (NULL: not wanted) receives muscle i's rate. */
double met_body_rate(const met_model *mm, const mjModel *m, const mjData *d, double *per);
/* Cost of transport, J/(kg m), for energy J over distance m; NaN when the distance is < 1 cm. */
double met_cost_of_transport(double energy_j, double mass_kg, double distance_m);

#endif
