/* tests/envs/test_mirror.c: the left-right mirror (envs/mirror.h) against the physics: a mirrored
 * state must observe as the mirrored observation, and the mirrored action from it must lead to the
 * mirrored next state. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "envs/env.h"
#include "envs/mirror.h"
#include "tests/envs/env_model_helper.h"

TEST_MODEL_SUITE(mirror);

/* MyoLegs' muscles differ between its sides (peak force by up to 5%, the force-length curve's
 * lmin, lmax and fpmax by more; envs/mirror.c): the physics of the mirror is checked on a copy whose
 * left muscles have their right pair's parameters. */
static mjModel *symmetric_model(void) {
  mjModel *m = mj_copyModel(NULL, g_m);
  for (int i = 0; i < m->nu; i++) {
    const char *nm = mj_id2name(m, mjOBJ_ACTUATOR, i);
    size_t n = strlen(nm);
    if (n < 2 || strcmp(nm + n - 2, "_l")) continue;
    char r[128];
    snprintf(r, sizeof r, "%.*s_r", (int)(n - 2), nm);
    int p = mj_name2id(m, mjOBJ_ACTUATOR, r);
    cr_assert(p >= 0, "no %s", r);
    memcpy(m->actuator_gainprm + i * mjNGAIN, m->actuator_gainprm + p * mjNGAIN, mjNGAIN * sizeof(mjtNum));
    memcpy(m->actuator_biasprm + i * mjNBIAS, m->actuator_biasprm + p * mjNBIAS, mjNBIAS * sizeof(mjtNum));
  }
  return m;
}

static env_mirror build(const env_t *e) {
  env_mirror mr;
  d2m_err err;
  cr_assert_eq(env_mirror_build(e, &mr, &err), 0, "env_mirror_build: %s", err.msg);
  cr_assert_eq(mr.obs_dim, env_obs_size(e));
  cr_assert_eq(mr.act_dim, env_act_size(e));
  return mr;
}

static void assert_involution(const int *src, const float *sign, int n, const char *what) {
  for (int i = 0; i < n; i++) {
    cr_assert(src[i] >= 0 && src[i] < n, "%s %d: source %d", what, i, src[i]);
    cr_assert_eq(src[src[i]], i, "%s %d: mirrored twice lands on %d", what, i, src[src[i]]);
    cr_assert_float_eq(sign[i] * sign[src[i]], 1.f, 0, "%s %d: signs %g, %g", what, i, sign[i], sign[src[i]]);
  }
}

/* The action of each muscle mirrors onto the muscle of the same name on the other side. */
Test(mirror, maps_are_involutions_that_pair_by_name) {
  const char *modes[] = {"env.action_mode=excitation", "env.action_mode=joint_so"};
  for (int task = 0; task < 3; task++)
    for (int k = 0; k < 2; k++) {
      env_params p = TEST_PARAMS((env_task)task, modes[k]);
      env_t *e = test_env(g_m, &p);
      env_mirror mr = build(e);
      assert_involution(mr.obs_src, mr.obs_sign, mr.obs_dim, "obs");
      assert_involution(mr.act_src, mr.act_sign, mr.act_dim, "act");
      if (k == 0) {
        int sol_r = mj_name2id(g_m, mjOBJ_ACTUATOR, "soleus_r"), sol_l = mj_name2id(g_m, mjOBJ_ACTUATOR, "soleus_l");
        cr_assert_eq(mr.act_src[sol_r], sol_l);
        cr_assert_float_eq(mr.act_sign[sol_r], 1.f, 0);
      }
      env_mirror_free(&mr);
      env_free(e);
    }
}

/* Random actions for a few control steps: a state with velocities, activations and contacts. */
static void drive(env_t *e, int steps, uint64_t seed, float *obs) {
  rng_t r;
  rng_seed(&r, seed, 0, RNG_ENV, 7);
  int A = env_act_size(e);
  float *a = calloc((size_t)A, sizeof *a);
  env_step_out out = {.obs = obs};
  for (int t = 0; t < steps; t++) {
    for (int i = 0; i < A; i++) a[i] = (float)(rng_uniform(&r) - 0.5);
    env_step(e, a, &out);
    cr_assert(!out.done, "the state to mirror must not end an episode (step %d)", t);
  }
  free(a);
}

/* Largest |mirrored - expected| over the observation, scaled by 1 + |expected|; where it is. */
static double worst(const env_mirror *mr, const float *o, const float *o2, int *at) {
  float *x = malloc((size_t)mr->obs_dim * sizeof *x);
  env_mirror_apply(mr->obs_src, mr->obs_sign, mr->obs_dim, o, x, 1);
  double w = 0;
  for (int i = 0; i < mr->obs_dim; i++) {
    double d = fabs(o2[i] - x[i]) / (1 + fabs(x[i]));
    if (d > w) w = d, *at = i;
  }
  free(x);
  return w;
}

static void check_state_mirror(const char *mode, env_task task) {
  env_params p = TEST_PARAMS(task, mode, "env.reset_noise=0.1");
  mjModel *m = symmetric_model();
  env_t *e = test_env(m, &p);
  env_mirror mr = build(e);
  int O = env_obs_size(e);
  float *o = malloc((size_t)O * sizeof *o), *o2 = malloc((size_t)O * sizeof *o2);
  env_reset(e, 3);
  drive(e, 4, 3, o);
  d2m_err err;
  cr_assert_eq(env_mirror_state(e, &err), 0, "%s", err.msg);
  env_observe(e, o2);
  int at = -1;
  double w = worst(&mr, o, o2, &at);
  cr_assert(w < 1e-4, "%s task %d: observation %d off by %g after mirroring the state", mode, task, at, w);
  /* Mirroring twice gives the state back. */
  cr_assert_eq(env_mirror_state(e, &err), 0, "%s", err.msg);
  env_observe(e, o2);
  for (int i = 0; i < O; i++) cr_assert_float_eq(o2[i], o[i], 1e-4 * (1 + fabsf(o[i])), "observation %d", i);
  env_mirror_free(&mr);
  free(o), free(o2);
  env_free(e);
  mj_deleteModel(m);
}

Test(mirror, mirrored_state_observes_as_the_mirrored_observation) {
  check_state_mirror("env.action_mode=excitation", ENV_TASK_STAND);
  check_state_mirror("env.obs_subject=true", ENV_TASK_WALK); /* the subject block: each side onto the other */
}

/* Two envs in the same state; one is mirrored and then given the mirrored action: after each step
 * its observation is the mirror of the other's. */
static void check_action_mirror(const char *mode) {
  env_params p = TEST_PARAMS(ENV_TASK_STAND, mode, "env.reset_noise=0.1");
  mjModel *m = symmetric_model();
  env_t *a = test_env(m, &p), *b = test_env(m, &p);
  env_mirror mr = build(a);
  int O = env_obs_size(a), A = env_act_size(a);
  float *oa = malloc((size_t)O * sizeof *oa), *ob = malloc((size_t)O * sizeof *ob);
  float *act = malloc((size_t)A * sizeof *act), *mact = malloc((size_t)A * sizeof *mact);
  env_reset(a, 5);
  env_reset(b, 5);
  drive(a, 3, 5, oa);
  drive(b, 3, 5, ob);
  d2m_err err;
  cr_assert_eq(env_mirror_state(b, &err), 0, "%s", err.msg);
  rng_t r;
  rng_seed(&r, 11, 0, RNG_ENV, 9);
  for (int t = 0; t < 5; t++) {
    for (int i = 0; i < A; i++) act[i] = (float)(rng_uniform(&r) - 0.5);
    env_mirror_apply(mr.act_src, mr.act_sign, A, act, mact, 1);
    env_step_out sa = {.obs = oa}, sb = {.obs = ob};
    env_step(a, act, &sa);
    env_step(b, mact, &sb);
    cr_assert(!sa.done && !sb.done, "%s step %d: an episode ended", mode, t);
    cr_assert_float_eq(sa.reward, sb.reward, 1e-3 * (1 + fabsf(sa.reward)), "%s step %d: rewards %g, %g", mode, t,
                       sa.reward, sb.reward);
    int at = -1;
    double w = worst(&mr, oa, ob, &at);
    cr_assert(w < 1e-3, "%s step %d: observation %d off by %g", mode, t, at, w);
  }
  env_mirror_free(&mr);
  free(oa), free(ob), free(act), free(mact);
  env_free(a);
  env_free(b);
  mj_deleteModel(m);
}

Test(mirror, mirrored_action_leads_to_the_mirrored_state) {
  check_action_mirror("env.action_mode=excitation");
  check_action_mirror("env.action_mode=joint_so");
}

/* A subject whose two sides differ (one weak soleus) is refused, naming the muscle. */
Test(mirror, refuses_a_body_whose_sides_differ) {
  mjModel *m = mj_copyModel(NULL, g_m);
  int i = mj_name2id(m, mjOBJ_ACTUATOR, "soleus_l");
  m->actuator_gainprm[i * mjNGAIN + 2] *= 0.5;
  env_params p = TEST_PARAMS(ENV_TASK_STAND, "env.action_mode=excitation");
  env_t *e = test_env(m, &p);
  env_mirror mr;
  d2m_err err;
  cr_assert_eq(env_mirror_build(e, &mr, &err), -1);
  cr_assert(strstr(err.msg, "soleus"), "%s", err.msg);
  env_free(e);
  mj_deleteModel(m);
}
