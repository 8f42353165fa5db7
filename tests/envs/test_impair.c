/* tests/envs/test_impair.c: the subject's neural impairments inside the env (envs/impair.h) and
 * the policies' view of the body: the stretch reflex fires only above its velocity threshold and
 * only after its delay; the observation delay shifts observations by exactly k steps; motor noise
 * is zero at zero excitation and its std scales with excitation; the synergy constraint keeps the
 * paretic side in the synergies' span and reproduces excitations already in it; the subject
 * vector reaches the observation; randomisation draws lie in their ranges and repeat per seed;
 * the example hemiparetic subject loads and runs. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "envs/env.h"
#include "tests/envs/env_model_helper.h"

static mjModel *g_m;
static void setup(void) {
  d2m_err e;
  g_m = test_model(&e);
  cr_assert(g_m, "model_load: %s", e.msg);
}
static void teardown(void) { mj_deleteModel(g_m); }
TestSuite(impair, .init = setup, .fini = teardown);

static float logitf(double u) { return (float)log(u / (1 - u)); }

/* ---- spasticity ---- */

#define REC_MAX 400
typedef struct rec {
  int n;
  double ctrl[REC_MAX][MODEL_NMUSCLE], vn[REC_MAX][MODEL_NMUSCLE];
  const double *L0;
} rec;

/* After each mj_step2: the excitation that step used, and the muscle velocity at its start (mj_step2
 * does not recompute actuator_velocity; the env's reflex recorded the same value). */
static void record(void *user, const mjData *d) {
  rec *r = user;
  if (r->n == REC_MAX) return;
  for (int i = 0; i < MODEL_NMUSCLE; i++) {
    r->ctrl[r->n][i] = d->ctrl[i];
    r->vn[r->n][i] = d->actuator_velocity[i] / r->L0[i];
  }
  r->n++;
}

Test(impair, reflex_fires_above_threshold_after_delay) {
  env_params p = TEST_PARAMS(ENV_TASK_STAND, "env.push_force=0");
  const double gain = 0.5, th = 0.2;
  for (int i = 0; i < MODEL_NMUSCLE; i++) p.subject.spas_gain[i] = gain, p.subject.spas_threshold[i] = th;
  p.subject.spas_delay_s = 0.02;
  env_t *e = test_env(g_m, &p);
  const mjModel *m = env_model(e);
  int D = (int)lround(0.02 / m->opt.timestep);
  cr_assert(D >= 2, "the test wants a delay of several physics steps (%d)", D);
  double L0[MODEL_NMUSCLE];
  for (int i = 0; i < MODEL_NMUSCLE; i++) {
    const mjtNum *g = m->actuator_gainprm + mjNGAIN * i, *lr = m->actuator_lengthrange + 2 * i;
    L0[i] = (lr[1] - lr[0]) / (g[1] - g[0]);
  }
  rec *r = calloc(1, sizeof *r);
  r->L0 = L0;
  env_set_substep_hook(e, record, r);
  env_reset(e, 3);
  float a[MODEL_NMUSCLE], obs[4096];
  for (int i = 0; i < MODEL_NMUSCLE; i++) a[i] = logitf(0.1);
  env_step_out out = {.obs = obs};
  for (int t = 0; t < 40; t++) { /* the body crumples at 10% excitation: muscles stretch */
    env_step(e, a, &out);
    if (out.done) break;
  }
  double u0 = r->ctrl[0][0];
  cr_assert_float_eq(u0, 1 / (1 + exp(-(double)a[0])), 1e-12);
  int fired = 0, above_early = 0, held = 0;
  for (int t = 0; t < r->n; t++)
    for (int i = 0; i < MODEL_NMUSCLE; i++) {
      double v = t >= D ? r->vn[t - D][i] : 0, want = u0 + (v > th ? gain * (v - th) : 0);
      want = want > 1 ? 1 : want;
      cr_assert(fabs(r->ctrl[t][i] - want) < 1e-12, "step %d muscle %d: excitation %.15g, expected %.15g", t, i,
                r->ctrl[t][i], want);
      fired += r->ctrl[t][i] > u0;
      above_early += t < D && r->vn[t][i] > th;
      held += r->vn[t][i] > th && !(v > th) && r->ctrl[t][i] == u0; /* stretched now, not D steps ago */
    }
  cr_assert(fired > 100, "the reflex should fire (fired %d times in %d steps)", fired, r->n);
  cr_assert(held > 0, "some muscles above threshold now but not D steps ago must stay silent");
  (void)above_early;
  free(r);
  env_free(e);
}

/* ---- observation delay ---- */

Test(impair, observation_delay_shifts_by_k_steps) {
  const int k = 3, n = 20;
  env_params p0 = TEST_PARAMS(ENV_TASK_STAND, "env.push_force=0"), pk = p0;
  pk.subject.obs_delay = k;
  env_t *a = test_env(g_m, &p0), *b = test_env(g_m, &pk);
  int O = env_obs_size(a), A = env_act_size(a);
  cr_assert_eq(O, env_obs_size(b));
  float *oa = calloc((size_t)(n + 1) * O, sizeof(float)), *ob = calloc((size_t)(n + 1) * O, sizeof(float));
  float *act = malloc(sizeof(float) * A);
  rng_t r;
  rng_seed(&r, 4, 0, RNG_TEST, 0);
  env_reset(a, 9);
  env_reset(b, 9);
  env_observe(a, oa);
  env_observe(b, ob);
  int steps = 0;
  for (int t = 1; t <= n; t++) {
    rng_normal_fill(&r, act, A);
    for (int i = 0; i < A; i++) act[i] = -2 + 0.3f * act[i];
    env_step_out xa = {.obs = oa + (size_t)t * O}, xb = {.obs = ob + (size_t)t * O};
    env_step(a, act, &xa);
    env_step(b, act, &xb);
    if (xa.done || xb.done) break;
    steps = t;
  }
  cr_assert(steps >= 2 * k, "too short an episode (%d steps)", steps);
  for (int t = 0; t <= steps; t++) {
    int src = t >= k ? t - k : 0;
    cr_assert(!memcmp(ob + (size_t)t * O, oa + (size_t)src * O, sizeof(float) * O), "step %d: not the observation of step %d",
              t, src);
  }
  cr_assert(memcmp(ob + (size_t)k * O, oa + (size_t)k * O, sizeof(float) * O), "a delayed observation must differ from the fresh one");
  free(oa), free(ob), free(act);
  env_free(a), env_free(b);
}

/* ---- motor noise ---- */

Test(impair, motor_noise_zero_at_zero_and_scales_with_excitation) {
  env_params p = TEST_PARAMS(ENV_TASK_STAND, "env.push_force=0");
  p.subject.motor_noise = 0.1;
  env_t *e = test_env(g_m, &p);
  float a[MODEL_NMUSCLE], obs[4096];
  for (int i = 0; i < MODEL_NMUSCLE; i++) a[i] = i < 20 ? -INFINITY : i < 50 ? logitf(0.2) : logitf(0.4);
  double u2 = 1 / (1 + exp(-(double)a[20])), u4 = 1 / (1 + exp(-(double)a[50]));
  double s2 = 0, s4 = 0, m2 = 0, m4 = 0;
  int n2 = 0, n4 = 0;
  env_reset(e, 5);
  env_step_out out = {.obs = obs};
  const mjData *d = env_data(e);
  for (int t = 0; t < 80; t++) {
    env_step(e, a, &out);
    if (out.done) continue; /* the reset cleared ctrl */
    for (int i = 0; i < MODEL_NMUSCLE; i++) {
      if (i < 20) cr_assert_eq(d->ctrl[i], 0, "zero excitation got noise %g", d->ctrl[i]);
      else if (i < 50) s2 += (d->ctrl[i] - u2) * (d->ctrl[i] - u2), m2 += d->ctrl[i] - u2, n2++;
      else s4 += (d->ctrl[i] - u4) * (d->ctrl[i] - u4), m4 += d->ctrl[i] - u4, n4++;
    }
  }
  cr_assert(n2 > 2000 && n4 > 2000, "%d, %d samples", n2, n4);
  double sd2 = sqrt(s2 / n2), sd4 = sqrt(s4 / n4);
  /* std = 0.1 u: 0.02 and 0.04 (over 2000 samples each: about 2% sampling error) */
  cr_expect(fabs(sd2 / (0.1 * u2) - 1) < 0.08, "std %g at excitation %g, expected %g", sd2, u2, 0.1 * u2);
  cr_expect(fabs(sd4 / (0.1 * u4) - 1) < 0.08, "std %g at excitation %g, expected %g", sd4, u4, 0.1 * u4);
  cr_expect(fabs(sd4 / sd2 - u4 / u2) < 0.15, "std ratio %g, excitation ratio %g", sd4 / sd2, u4 / u2);
  cr_expect(fabs(m2 / n2) < 0.003 && fabs(m4 / n4) < 0.005, "zero-mean noise (means %g, %g)", m2 / n2, m4 / n4);
  env_free(e);
}

/* ---- synergies ---- */

/* Least-squares residual of x against the columns of w (Gram-Schmidt, independent of the env's
 * normal equations). */
static double span_residual(const double w[][MODEL_SYN_MAX], int k, const double *x, int n) {
  double q[MODEL_SYN_MAX][MODEL_NMUSCLE / 2], r[MODEL_NMUSCLE / 2];
  for (int j = 0; j < k; j++) {
    for (int i = 0; i < n; i++) q[j][i] = w[i][j];
    for (int p = 0; p < j; p++) {
      double d = 0;
      for (int i = 0; i < n; i++) d += q[p][i] * q[j][i];
      for (int i = 0; i < n; i++) q[j][i] -= d * q[p][i];
    }
    double nn = 0;
    for (int i = 0; i < n; i++) nn += q[j][i] * q[j][i];
    for (int i = 0; i < n; i++) q[j][i] /= sqrt(nn);
  }
  memcpy(r, x, sizeof(double) * n);
  for (int j = 0; j < k; j++) {
    double d = 0;
    for (int i = 0; i < n; i++) d += q[j][i] * r[i];
    for (int i = 0; i < n; i++) r[i] -= d * q[j][i];
  }
  double s = 0;
  for (int i = 0; i < n; i++) s += r[i] * r[i];
  return sqrt(s);
}

Test(impair, synergy_constraint_reproduces_its_matrix) {
  const int H = MODEL_NMUSCLE / 2, k = 3;
  env_params p = TEST_PARAMS(ENV_TASK_STAND, "env.push_force=0");
  model_subject *s = &p.subject;
  s->syn_side = 1; /* left: muscles H..2H-1 */
  s->syn_k = k;
  s->syn_mix = 1;
  for (int i = 0; i < H; i++)
    for (int j = 0; j < k; j++) s->syn_w[i][j] = ((i * 5 + j * 7) % 6) / 10.0;
  env_t *e = test_env(g_m, &p);
  const mjData *d = env_data(e);
  float a[MODEL_NMUSCLE], obs[4096];
  env_step_out out = {.obs = obs};
  env_reset(e, 2);
  rng_t r;
  rng_seed(&r, 7, 0, RNG_TEST, 1);
  /* free excitations: the paretic side ends in the span, the other side as given */
  for (int t = 0; t < 5; t++) {
    rng_normal_fill(&r, a, MODEL_NMUSCLE);
    env_step(e, a, &out);
    double x[MODEL_NMUSCLE / 2], nx = 0;
    for (int i = 0; i < H; i++) x[i] = d->ctrl[H + i], nx += x[i] * x[i];
    cr_assert(nx > 0.01, "the projection should not vanish");
    double res = span_residual((const double(*)[MODEL_SYN_MAX])s->syn_w, k, x, H);
    cr_assert(res < 1e-9, "step %d: residual %g outside the span", t, res);
    for (int i = 0; i < H; i++) cr_assert_eq(d->ctrl[i], 1 / (1 + exp(-(double)a[i])), "right side changed");
  }
  /* excitations already in the cone W c, c >= 0: reproduced (to the float action's precision) */
  const double c[3] = {0.4, 0.2, 0.7};
  double want[MODEL_NMUSCLE / 2];
  for (int i = 0; i < H; i++) {
    want[i] = 0;
    for (int j = 0; j < k; j++) want[i] += s->syn_w[i][j] * c[j];
    a[i] = 0;
    a[H + i] = want[i] > 0 ? logitf(want[i]) : -INFINITY;
  }
  env_step(e, a, &out);
  for (int i = 0; i < H; i++)
    cr_assert(fabs(d->ctrl[H + i] - want[i]) < 1e-6, "muscle %d: %g, expected %g", H + i, d->ctrl[H + i], want[i]);
  env_free(e);
  /* mix 0.5: halfway between the free excitation and its projection */
  s->syn_mix = 0.5;
  env_params q = p;
  q.subject.syn_mix = 1;
  env_t *half = test_env(g_m, &p), *full = test_env(g_m, &q);
  env_reset(half, 2);
  env_reset(full, 2);
  rng_normal_fill(&r, a, MODEL_NMUSCLE);
  env_step_out o2 = {.obs = obs};
  env_step(half, a, &o2);
  env_step(full, a, &o2);
  for (int i = 0; i < H; i++) {
    double u = 1 / (1 + exp(-(double)a[H + i])), y = env_data(full)->ctrl[H + i];
    cr_assert(fabs(env_data(half)->ctrl[H + i] - (0.5 * u + 0.5 * y)) < 1e-12);
  }
  env_free(half), env_free(full);
}

/* ---- the body in the observation, domain randomisation ---- */

Test(impair, subject_vector_in_observation_and_randomisation_in_range) {
  env_params p = TEST_PARAMS(ENV_TASK_STAND, "env.obs_subject=true", "env.dr_strength_min=0.5", "env.dr_strength_max=0.9",
                             "env.dr_reflex_gain_min=0.1", "env.dr_reflex_gain_max=0.3", "env.dr_obs_delay_min=1",
                             "env.dr_obs_delay_max=3", "env.dr_mass_min=0.8", "env.dr_mass_max=1.2",
                             "env.dr_friction_min=0.6", "env.dr_friction_max=1.4");
  env_t *a = test_env(g_m, &p), *b = test_env(g_m, &p);
  int nb = env_obs_nblocks(a), size = 0;
  cr_assert_str_eq(env_obs_block(a, nb - 1, &size), "subject");
  cr_assert_eq(size, ENV_SUBJECT_OBS);
  int O = env_obs_size(a);
  float *obs = malloc(sizeof(float) * O), va[ENV_SUBJECT_OBS], vb[ENV_SUBJECT_OBS];
  const mjModel *ma = env_model(a);
  cr_assert(ma != g_m, "a randomised env must own its model");
  int pelvis = mj_name2id(ma, mjOBJ_BODY, "pelvis"), floor = mj_name2id(ma, mjOBJ_GEOM, "floor");
  int delays[4] = {0}, differ = 0;
  float first[ENV_SUBJECT_OBS];
  for (int ep = 0; ep < 30; ep++) {
    env_reset(a, 100 + ep);
    env_reset(b, 100 + ep);
    env_subject_vector(a, va);
    env_subject_vector(b, vb);
    cr_assert(!memcmp(va, vb, sizeof va), "episode %d: the same seed must draw the same subject", ep);
    env_observe(a, obs);
    cr_assert(!memcmp(obs + O - ENV_SUBJECT_OBS, va, sizeof va), "episode %d: the vector is not in the observation", ep);
    if (ep == 0) memcpy(first, va, sizeof va);
    else differ += memcmp(first, va, sizeof va) != 0;
    cr_assert(va[0] >= 0.5f && va[0] <= 0.9f && va[0] == va[1], "strength %g", va[0]);
    cr_assert(va[2] >= 0.1f && va[2] <= 0.3f && va[2] == va[3], "reflex gain %g", va[2]);
    double k = va[5] / p.dt;
    cr_assert(fabs(k - lround(k)) < 1e-4 && lround(k) >= 1 && lround(k) <= 3, "observation delay %g steps", k);
    delays[lround(k)]++;
    cr_assert(va[9] >= 0.8f && va[9] <= 1.2f, "mass factor %g", va[9]);
    cr_assert(va[11] >= 0.6f && va[11] <= 1.4f, "friction factor %g", va[11]);
    /* the model carries the draws */
    cr_assert_float_eq(ma->body_mass[pelvis], g_m->body_mass[pelvis] * va[9], 1e-6 * g_m->body_mass[pelvis]);
    cr_assert_float_eq(ma->geom_friction[3 * floor], g_m->geom_friction[3 * floor] * va[11], 1e-6);
    cr_assert_float_eq(ma->actuator_gainprm[2], g_m->actuator_gainprm[2] * va[0], 1e-6 * g_m->actuator_gainprm[2]);
  }
  cr_assert(differ == 29, "every episode should draw another subject (%d of 29 differ)", differ);
  cr_assert(delays[1] && delays[2] && delays[3], "each delay 1..3 should occur in 30 episodes");
  /* without randomisation: the subject's own values, the shared model untouched */
  env_params q = TEST_PARAMS(ENV_TASK_STAND, "env.obs_subject=true");
  q.subject.strength[3] = 0.2; /* a right muscle */
  q.subject.obs_delay = 2;
  env_t *c = test_env(g_m, &q);
  cr_assert_eq(env_model(c)->body_mass[pelvis], g_m->body_mass[pelvis], "no randomisation: the model's masses");
  env_subject_vector(c, va);
  cr_assert_float_eq(va[0], (39 + 0.2) / 40, 1e-6);
  cr_assert_float_eq(va[1], 1, 1e-6);
  cr_assert_float_eq(va[5], 2 * q.dt, 1e-6);
  cr_assert_float_eq(va[9], 1, 1e-6);
  free(obs);
  env_free(a), env_free(b), env_free(c);
}

/* ---- the example subject ---- */

static void run_example(const char *file, int synergies) {
  const char *root = getenv("D2M_SOURCE_ROOT");
  cr_assert(root, "D2M_SOURCE_ROOT is set by meson");
  char path[600], set[700];
  snprintf(path, sizeof path, "%s/configs/subjects/%s", root, file);
  snprintf(set, sizeof set, "env.subject=%s", path);
  cfg_t cfg;
  d2m_err e;
  cr_assert_eq(CFG_WITH(&cfg, &e, set, "env.obs_subject=true", "env.push_force=0"), 0, "%s", e.msg);
  mjModel *m = env_model_from_cfg(&cfg, &e);
  cr_assert(m, "%s", e.msg);
  env_params p;
  cr_assert_eq(env_params_from_cfg(&cfg, &p, &e), 0, "%s", e.msg);
  env_t *env = env_create(m, &p, NULL, &e);
  cr_assert(env, "%s", e.msg);
  float v[ENV_SUBJECT_OBS];
  env_subject_vector(env, v);
  cr_assert(v[0] == 0.5f && v[1] == 1.0f && v[2] > 0 && v[3] == 0, "strength %g/%g, spasticity %g/%g", v[0], v[1], v[2], v[3]);
  cr_assert_eq(p.subject.syn_k, synergies ? 4 : 0, "%s: synergies", file);
  cr_assert(v[7] == (synergies ? 0.5f : 0) && v[8] == 0, "synergy mix %g/%g", v[7], v[8]);
  int sr = model_muscle_index("soleus_r"), sl = model_muscle_index("soleus_l");
  cr_assert_float_eq(m->actuator_gainprm[mjNGAIN * sr + 2], 0.5 * m->actuator_gainprm[mjNGAIN * sl + 2],
                     0.02 * m->actuator_gainprm[mjNGAIN * sl + 2], "the right soleus has half the left's force");
  int O = env_obs_size(env), spastic = 0;
  float *obs = malloc(sizeof(float) * O), a[MODEL_NMUSCLE];
  for (int i = 0; i < MODEL_NMUSCLE; i++) a[i] = logitf(0.05);
  double u0 = 1 / (1 + exp(-(double)a[0]));
  env_step_out out = {.obs = obs};
  env_reset(env, 1);
  for (int t = 0; t < 45; t++) {
    env_step(env, a, &out);
    for (int i = 0; i < O; i++) cr_assert(isfinite(obs[i]), "step %d: observation %d not finite", t, i);
    if (out.done) continue;
    const mjData *d = env_data(env);
    cr_assert_eq(d->ctrl[sl], u0, "the left soleus has no reflex");
    spastic += d->ctrl[sr] > u0;
  }
  cr_assert(spastic > 0, "the right soleus's reflex should fire while the body sinks");
  free(obs);
  env_free(env);
  mj_deleteModel(m);
}

Test(impair, hemiparetic_example_loads_and_runs) {
  run_example("hemiparetic_r.subject", 0);
  run_example("hemiparetic_r_synergies.subject", 1); /* its synergy file, relative to it */
}

/* weak_r and spastic_r split hemiparetic_r into its two impairments: together they are hemiparetic_r. */
Test(impair, weak_and_spastic_examples_split_hemiparetic) {
  const char *root = getenv("D2M_SOURCE_ROOT");
  cr_assert(root, "D2M_SOURCE_ROOT is set by meson");
  const char *names[3] = {"hemiparetic_r", "weak_r", "spastic_r"};
  model_subject s[3];
  for (int k = 0; k < 3; k++) {
    char path[600];
    d2m_err e;
    snprintf(path, sizeof path, "%s/configs/subjects/%s.subject", root, names[k]);
    model_subject_default(&s[k]);
    cr_assert_eq(model_subject_load(path, &s[k], &e), 0, "%s", e.msg);
  }
  for (int i = 0; i < MODEL_NMUSCLE; i++) {
    cr_assert_eq(s[1].strength[i], s[0].strength[i], "weak_r: strength of muscle %d", i);
    cr_assert_eq(s[1].spas_gain[i], 0, "weak_r: no reflex in muscle %d", i);
    cr_assert_eq(s[2].strength[i], 1, "spastic_r: full strength in muscle %d", i);
    cr_assert_eq(s[2].spas_gain[i], s[0].spas_gain[i], "spastic_r: reflex gain of muscle %d", i);
  }
}

/* ---- fatigue ---- */

/* The muscles get MA of the three-compartment model (Xia & Frey Law 2008) driven by the excitation:
 * the recorded excitations equal this independent Euler integration step for step, sustained
 * excitation fatigues (MA falls below the target), and MA + MF + MR stays 1. */
Test(impair, fatigue_three_compartments) {
  env_params p = TEST_PARAMS(ENV_TASK_STAND, "env.push_force=0");
  p.subject.fatigue = 1;
  p.subject.fat_F = 10, p.subject.fat_R = 0.2, p.subject.fat_L = 10; /* fast, to see it within an episode */
  env_t *e = test_env(g_m, &p);
  double L0[MODEL_NMUSCLE] = {0};
  for (int i = 0; i < MODEL_NMUSCLE; i++) L0[i] = 1;
  rec *r = calloc(1, sizeof *r);
  r->L0 = L0;
  env_set_substep_hook(e, record, r);
  env_reset(e, 4);
  float a[MODEL_NMUSCLE], obs[4096];
  for (int i = 0; i < MODEL_NMUSCLE; i++) a[i] = logitf(0.4);
  double tl = 1 / (1 + exp(-(double)a[0])), dt = env_model(e)->opt.timestep;
  env_step_out out = {.obs = obs};
  for (int t = 0; t < 80; t++) {
    env_step(e, a, &out);
    if (out.done) break;
  }
  cr_assert(r->n >= 100, "need some physics steps (%d)", r->n);
  double ma = p.excitation_baseline, mf = 0, mr = 1 - ma, peak = 0;
  const double F = 10, R = 0.2, L = 10;
  for (int t = 0; t < r->n; t++) {
    double c = ma < tl ? (mr > tl - ma ? L * (tl - ma) : L * mr) : L * (tl - ma);
    double ma1 = ma + dt * (c - F * ma), mf1 = mf + dt * (F * ma - R * mf), mr1 = mr + dt * (-c + R * mf);
    ma = ma1, mf = mf1, mr = mr1;
    cr_assert(fabs(ma + mf + mr - 1) < 1e-12);
    for (int i = 0; i < MODEL_NMUSCLE; i++)
      cr_assert(fabs(r->ctrl[t][i] - ma) < 1e-12, "step %d muscle %d: %.15g, expected MA %.15g", t, i, r->ctrl[t][i], ma);
    peak = ma > peak ? ma : peak;
  }
  cr_assert(peak > 0.15 && peak < tl, "MA rises toward the target %g (peak %g)", tl, peak);
  cr_assert(r->ctrl[r->n - 1][0] < 0.9 * peak, "sustained excitation fatigues: %g at the end, peak %g", r->ctrl[r->n - 1][0], peak);
  free(r);
  env_free(e);
}
