/* tests/analysis/test_metabolic.c: the Umberger et al. 2003 muscle energy model (analysis/metabolic.h):
 * hand-computed states, its limiting cases, and the model's muscle masses. */
#include <criterion/criterion.h>
#include <math.h>

#include "analysis/metabolic.h"
#include "envs/model/model.h"

static const met_muscle P = {.mass_kg = 0.5, .st = 0.5, .vmax = 10, .min_heat = 1};

/* By hand (bc): A = u = 0.6; h_AM = (128 x 0.5 + 25) x 0.6^0.6 x 1.5 = 98.2589 W/kg;
 * aS_slow = 100 / (10 / 2.5) = 25, aS_fast = 15.3: h_SL = (25 x 0.5 + 15.3 x 0.5) x 1 x 0.36 x 1.5
 * = 10.881 W/kg; work = 200 N x 0.1 m/s = 20 W. Mass 0.5 kg. */
Test(metabolic, known_answer_shortening) {
  met_rate r = met_muscle_rate(&P, &(met_state){0.6, 0.4, 0.9, -1.0, -0.1, 200, 0.95});
  cr_assert_float_eq(r.am, 49.129463348101, 1e-9);
  cr_assert_float_eq(r.sl, 5.4405, 1e-9);
  cr_assert_float_eq(r.work, 20.0, 1e-12);
  cr_assert_float_eq(r.total, 74.569963348101, 1e-9);
}

/* Lengthening beyond the optimum (l = 1.2, F_iso = 0.8), u < a so A = (0.3 + 0.5)/2 = 0.4:
 * h_AM = 89 x 0.4^0.6 x 1.5 x (0.4 + 0.6 x 0.8); h_SL = aL v A S F_iso = 100 x 0.5 x 0.4 x 1.5 x 0.8
 * = 24 W/kg; negative work counted: -300 N x 0.05 m/s = -15 W (the 2003 paper). */
Test(metabolic, known_answer_lengthening_negative_work) {
  met_rate r = met_muscle_rate(&P, &(met_state){0.3, 0.5, 1.2, 0.5, 0.05, 300, 0.8});
  cr_assert_float_eq(r.am, 33.897676989201, 1e-9);
  cr_assert_float_eq(r.sl, 12.0, 1e-9);
  cr_assert_float_eq(r.work, -15.0, 1e-12);
  cr_assert_float_eq(r.total, 30.897676989201, 1e-9);
}

Test(metabolic, zero_activation_is_the_minimum_heat_only) {
  for (double v = -2; v <= 2; v += 0.5) {
    met_rate r = met_muscle_rate(&P, &(met_state){0, 0, 1.0, v, v * 0.1, 0, 1});
    cr_assert_float_eq(r.am, 0, 1e-15);
    cr_assert_float_eq(r.work, 0, 1e-15);
    cr_assert_float_eq(r.total, MET_MIN_HEAT_W_KG * P.mass_kg, 1e-12, "v %g: %g", v, r.total);
  }
  met_muscle p = P;
  p.min_heat = 0;
  met_rate r = met_muscle_rate(&p, &(met_state){0, 0, 1.0, -1, -0.1, 0, 1});
  cr_assert_eq(r.total, 0);
}

Test(metabolic, monotonic_in_activation_and_shortening_velocity) {
  double prev = -1;
  for (double a = 0.05; a <= 1.0001; a += 0.05) { /* isometric, force growing with activation */
    met_rate r = met_muscle_rate(&P, &(met_state){a, a, 1.0, 0, 0, 1000 * a, 1});
    cr_assert_gt(r.total, prev, "a %g", a);
    prev = r.total;
  }
  prev = -1;
  for (double v = 0; v <= 8; v += 0.5) { /* same activation and force, faster shortening */
    met_rate r = met_muscle_rate(&P, &(met_state){0.5, 0.5, 1.0, -v, -0.1 * v, 300, 1});
    cr_assert_gt(r.total, prev, "v %g", v);
    prev = r.total;
  }
  /* lengthening heat grows with lengthening speed too, but the negative work outweighs it */
  met_rate slow = met_muscle_rate(&P, &(met_state){0.5, 0.5, 1.0, 0.2, 0.02, 300, 1});
  met_rate fast = met_muscle_rate(&P, &(met_state){0.5, 0.5, 1.0, 1.0, 0.1, 300, 1});
  cr_assert_gt(fast.sl, slow.sl);
  cr_assert_lt(fast.work, slow.work);
}

Test(metabolic, model_masses_and_body_rate_at_rest) {
  d2m_err err = {0};
  mjModel *m = model_load(NULL, &err);
  cr_assert(m, "%s", err.msg);
  model_subject sub;
  model_subject_default(&sub);
  static met_model mm;
  cr_assert_eq(met_model_init(&mm, m), MODEL_NMUSCLE);
  double msum = 0;
  for (int i = 0; i < mm.n; i++) {
    double want = model_muscle_fmax(&sub, i) / 0.6e6 * 1059.7 * model_muscle_lopt(&sub, i);
    cr_assert_float_eq(mm.mus[i].mass_kg, want, 1e-6 * want, /* the MJCF writes 9 digits */ "%s %.9g %.9g", model_muscle_name(i), mm.mus[i].mass_kg, want);
    msum += mm.mus[i].mass_kg;
  }
  cr_assert(msum > 18.5 && msum < 18.7, "muscle mass %.2f kg", msum); /* 24.6% of 75.7 kg */
  cr_assert_float_eq(mm.body_mass_kg, model_ref_mass_kg(), 1e-9);
  mjData *d = mj_makeData(m);
  mj_resetDataKeyframe(m, d, 0);
  mju_zero(d->act, m->na), mju_zero(d->ctrl, m->nu);
  mj_forward(m, d);
  double per[256];
  double p = met_body_rate(&mm, m, d, per);
  /* zero excitation and activation: basal + the minimum heat of every muscle, no work */
  cr_assert_float_eq(p, MET_BASAL_W_KG * model_ref_mass_kg() + MET_MIN_HEAT_W_KG * msum, 1e-9);
  for (int i = 0; i < mm.n; i++) mm.mus[i].min_heat = 0;
  cr_assert_float_eq(met_body_rate(&mm, m, d, NULL), MET_BASAL_W_KG * model_ref_mass_kg(), 1e-9);
  /* activation raises it */
  for (int i = 0; i < m->nu; i++) d->ctrl[i] = 0.3, d->act[i] = 0.3;
  mj_forward(m, d);
  cr_assert_gt(met_body_rate(&mm, m, d, NULL), MET_BASAL_W_KG * model_ref_mass_kg() + 10);
  mj_deleteData(d);
  mj_deleteModel(m);
}

Test(metabolic, state_from_mujoco_matches_its_force) {
  d2m_err err = {0};
  mjModel *m = model_load(NULL, &err);
  cr_assert(m, "%s", err.msg);
  mjData *d = mj_makeData(m);
  mj_resetDataKeyframe(m, d, 0);
  for (int i = 0; i < m->nu; i++) d->ctrl[i] = 0.4, d->act[i] = 0.25;
  d->qvel[6] = 1.0; /* move a hinge so some fibres have velocity */
  mj_forward(m, d);
  for (int i = 0; i < m->nu; i++) {
    met_state s = met_state_of(m, d, i);
    cr_assert_eq(s.u, 0.4);
    cr_assert_eq(s.a, 0.25);
    /* MuJoCo's force = -(active + passive); the active part is F_CE */
    double passive = mju_muscleBias(d->actuator_length[i], m->actuator_lengthrange + 2 * i, m->actuator_acc0[i],
                                    m->actuator_biasprm + (size_t)i * mjNBIAS);
    cr_assert_float_eq(-d->actuator_force[i], s.f_ce - passive, 1e-6 * (1 + fabs(s.f_ce)), "%d", i);
    cr_assert(s.f_iso >= 0 && s.f_iso <= 1.0000001);
  }
  cr_assert(isnan(met_cost_of_transport(100, 70, 0)));
  cr_assert_float_eq(met_cost_of_transport(700, 70, 5), 2.0, 1e-12);
  mj_deleteData(d);
  mj_deleteModel(m);
}
