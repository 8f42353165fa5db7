/* tests/envs/test_env_state.c: env_state_save/load (bit-exact resume, rejection of bad buffers)
 * and the env's light physics reset (independent of whatever mjData held before). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/rng.h"
#include "envs/env.h"
#include "tests/envs/env_model_helper.h"

TEST_MODEL_SUITE(env_state);

/* Per task, settings that exercise the saved fields: pushes on stand, muscle_pd on walk (reads
 * actuator lengths and velocities), RSI on imitate (short episodes, many automatic resets). */
static env_params params_for(env_task task) {
  if (task == ENV_TASK_STAND) return TEST_PARAMS(task, "env.push_force=150", "env.push_interval=0.3");
  if (task == ENV_TASK_WALK) return TEST_PARAMS(task, "env.action_mode=muscle_pd");
  return test_params(task, NULL);
}

typedef struct trace {
  int n, obs_size;
  float *obs, *rew;
  int *done;
} trace;

static void run(env_t *e, const float *acts, int n, trace *tr) {
  int O = env_obs_size(e), A = env_act_size(e);
  tr->n = n;
  tr->obs_size = O;
  tr->obs = calloc((size_t)n * O, sizeof(float));
  tr->rew = calloc((size_t)n, sizeof(float));
  tr->done = calloc((size_t)n, sizeof(int));
  env_step_out out = {0};
  for (int t = 0; t < n; t++) {
    out.obs = tr->obs + (size_t)t * O;
    env_step(e, acts + (size_t)t * A, &out);
    tr->rew[t] = out.reward;
    tr->done[t] = out.done ? 1 + out.ep.reason : 0;
  }
}

static void trace_free(trace *t) {
  free(t->obs);
  free(t->rew);
  free(t->done);
}

static void assert_same(const trace *a, const trace *b, const char *what) {
  cr_assert_eq(a->n, b->n);
  for (int t = 0; t < a->n; t++) {
    cr_assert(!memcmp(a->obs + (size_t)t * a->obs_size, b->obs + (size_t)t * b->obs_size, sizeof(float) * a->obs_size),
              "%s: observation differs at step %d", what, t);
    cr_assert(!memcmp(&a->rew[t], &b->rew[t], sizeof(float)), "%s: reward differs at step %d", what, t);
    cr_assert_eq(a->done[t], b->done[t], "%s: episode end differs at step %d", what, t);
  }
}

static float *random_actions(int n, int A, uint64_t seed) {
  float *a = malloc(sizeof(float) * (size_t)n * A);
  rng_t r;
  rng_seed(&r, seed, 0, RNG_TEST, 7);
  rng_normal_fill(&r, a, n * A);
  return a;
}

/* Save after 50 steps, run 100 more; load into a second env (after other steps) and into the same
 * env: both must repeat those 100 steps bit for bit. */
static void check_resume(const env_params *pp, int task) {
  {
    env_params p = *pp;
    env_t *a = test_env(g_m, &p), *b = test_env(g_m, &p);
    int A = env_act_size(a);
    float *pre = random_actions(50, A, 11 + task), *post = random_actions(100, A, 21 + task);
    env_reset(a, 5);
    trace tpre, ta, tb, ta2;
    run(a, pre, 50, &tpre);
    size_t n = env_state_size(a);
    unsigned char *s = malloc(n + 1); /* +1: save at an odd address, as the actor's packed buffer may */
    env_state_save(a, s + 1);
    run(a, post, 100, &ta);
    /* b: another seed and some steps first, so nothing of its own past may leak through. */
    env_reset(b, 99);
    trace junk;
    run(b, pre, 17, &junk);
    d2m_err err;
    cr_assert_eq(env_state_load(b, s + 1, n, &err), 0, "%s: %s", env_task_name(p.task), err.msg);
    run(b, post, 100, &tb);
    assert_same(&ta, &tb, "second env");
    cr_assert_eq(env_state_load(a, s + 1, n, &err), 0, "%s", err.msg);
    run(a, post, 100, &ta2);
    assert_same(&ta, &ta2, "same env");
    int ends = 0;
    for (int t = 0; t < 100; t++) ends += ta.done[t] != 0;
    if (task == ENV_TASK_IMITATE) cr_assert(ends > 0, "the window should cross automatic resets");
    trace_free(&tpre);
    trace_free(&ta);
    trace_free(&tb);
    trace_free(&ta2);
    trace_free(&junk);
    free(s);
    free(pre);
    free(post);
    env_free(a);
    env_free(b);
  }
}

Test(env_state, resume_is_bit_identical_all_tasks) {
  for (int task = 0; task < 3; task++) {
    env_params p = params_for((env_task)task);
    check_resume(&p, task);
  }
}

/* joint_so (once per control step on stand, every substep on imitate): the solver keeps no state of
 * its own across steps (it warm-starts from the muscles' activations, which the state carries). */
Test(env_state, resume_is_bit_identical_joint_so) {
  for (int task = 0; task < 3; task += 2) {
    env_params p = params_for((env_task)task);
    env_params q = TEST_PARAMS((env_task)task, "env.action_mode=joint_so",
                               task ? "env.jso_every_substep=true" : "env.jso_every_substep=false");
    q.push_force = p.push_force, q.push_interval = p.push_interval;
    check_resume(&q, task);
  }
}

/* The impairments' state too (envs/impair.h): the reflex's velocity ring, the observation delay
 * ring, motor noise from the env's stream, the episode's randomised strength, mass, friction,
 * reflex gain and delay, the fatigue compartments, and the subject block of the observation. */
Test(env_state, resume_is_bit_identical_impaired) {
  for (int task = 0; task < 3; task += 2) {
    env_params p = params_for((env_task)task);
    env_params q = TEST_PARAMS((env_task)task, "env.obs_subject=true", "env.dr_strength_min=0.6", "env.dr_strength_max=1.1",
                               "env.dr_reflex_gain_min=0", "env.dr_reflex_gain_max=0.4", "env.dr_obs_delay_min=0",
                               "env.dr_obs_delay_max=2", "env.dr_mass_min=0.9", "env.dr_mass_max=1.1",
                               "env.dr_friction_min=0.7", "env.dr_friction_max=1.2");
    q.push_force = p.push_force, q.push_interval = p.push_interval;
    for (int i = 0; i < MODEL_NMUSCLE / 2; i++) q.subject.spas_gain[i] = 0.5, q.subject.strength[i] = 0.5;
    q.subject.motor_noise = 0.1;
    q.subject.fatigue = 1;
    q.subject.fat_F = 1; /* fast enough to move MF within the window */
    q.subject.spas_delay_s = 0.04;
    check_resume(&q, task);
  }
}

/* Save, try to load `bad`, expect failure naming `needle`, and the env bytes unchanged. */
static void expect_rejected(env_t *e, const unsigned char *bad, size_t n, const char *needle) {
  size_t sz = env_state_size(e);
  unsigned char *before = malloc(sz), *after = malloc(sz);
  float *o1 = malloc(sizeof(float) * env_obs_size(e)), *o2 = malloc(sizeof(float) * env_obs_size(e));
  env_state_save(e, before);
  env_observe(e, o1);
  d2m_err err = {{0}};
  cr_assert_eq(env_state_load(e, bad, n, &err), -1, "a bad buffer was accepted (%s)", needle);
  cr_assert(strstr(err.msg, needle), "message '%s' should mention '%s'", err.msg, needle);
  env_state_save(e, after);
  env_observe(e, o2);
  cr_assert(!memcmp(before, after, sz), "a rejected load changed the env");
  cr_assert(!memcmp(o1, o2, sizeof(float) * env_obs_size(e)));
  free(before);
  free(after);
  free(o1);
  free(o2);
}

Test(env_state, bad_buffers_rejected_env_unchanged) {
  env_params p = params_for(ENV_TASK_IMITATE);
  env_t *e = test_env(g_m, &p);
  env_reset(e, 3);
  size_t n = env_state_size(e);
  unsigned char *good = malloc(n), *bad = malloc(n);
  env_state_save(e, good);
  env_reset(e, 4); /* the env now differs from `good` */
  expect_rejected(e, good, n - 1, "bytes");
  expect_rejected(e, good, 10, "bytes");
  memcpy(bad, good, n);
  bad[0] ^= 0xff;
  expect_rejected(e, bad, n, "magic");
  memcpy(bad, good, n);
  bad[4] = 9;
  expect_rejected(e, bad, n, "version");
  memcpy(bad, good, n);
  bad[n / 2] ^= 0x10; /* one flipped bit somewhere in the payload */
  expect_rejected(e, bad, n, "");
  /* A NaN in qpos: find the saved pelvis height by value and overwrite it. */
  double z = env_data(e)->qpos[2];
  env_state_save(e, good);
  size_t at = 0;
  for (size_t i = 12; i + 8 <= n && !at; i++)
    if (!memcmp(good + i, &z, 8)) at = i;
  cr_assert(at, "qpos[2] not found in the buffer");
  memcpy(bad, good, n);
  double nan = NAN;
  memcpy(bad + at, &nan, 8);
  expect_rejected(e, bad, n, "not finite");
  /* Another task's state (other shape). */
  env_params q = params_for(ENV_TASK_WALK);
  env_t *w = test_env(g_m, &q);
  size_t nw = env_state_size(w);
  unsigned char *ws = malloc(nw);
  env_state_save(w, ws);
  if (nw == n) expect_rejected(e, ws, nw, "task");
  else expect_rejected(e, ws, nw, "bytes");
  /* The good buffer still loads. */
  d2m_err err;
  cr_assert_eq(env_state_load(e, good, n, &err), 0, "%s", err.msg);
  free(ws);
  env_free(w);
  free(good);
  free(bad);
  env_free(e);
}

/* env resets set the state fields without mj_resetData (which clears ~100 MB of scratch memory);
 * fill mjData's buffer and stack with NaN before a reset: the episode must equal a fresh env's. */
Test(env_state, reset_independent_of_mjdata_contents) {
  for (int task = 0; task < 3; task += 2) {
    env_params p = params_for((env_task)task);
    env_t *a = test_env(g_m, &p), *b = test_env(g_m, &p);
    int A = env_act_size(a);
    float *acts = random_actions(60, A, 31);
    trace ta, tb, junk;
    env_reset(a, 8);
    run(a, acts, 25, &junk);
    mjData *d = env_data(a);
    memset(d->buffer, 0xff, (size_t)d->nbuffer);
    memset(d->stack, 0xff, sizeof(mjtNum) * (size_t)d->nstack);
    env_reset(a, 7);
    run(a, acts, 60, &ta);
    env_reset(b, 7);
    run(b, acts, 60, &tb);
    assert_same(&ta, &tb, env_task_name(p.task));
    trace_free(&ta);
    trace_free(&tb);
    trace_free(&junk);
    free(acts);
    env_free(a);
    env_free(b);
  }
}

/* Save after every step of a trajectory and load into another env: the loaded mjData must equal
 * the uninterrupted one bit for bit (qpos and everything mj_step1 derives from it). mj_step1
 * renormalises the free joint's quaternion in qpos in place and doing that twice can move it by
 * an ulp, so a state that saved qpos as mj_step1 left it came back differently now and then (seen
 * in a trainer resume after 752 steps; the 100-step comparison above did not catch it). */
Test(env_state, load_reproduces_mjdata_after_every_step) {
  env_params p = params_for(ENV_TASK_STAND);
  env_t *a = test_env(g_m, &p), *b = test_env(g_m, &p);
  const mjModel *m = env_model(a);
  int A = env_act_size(a), O = env_obs_size(a), n_steps = 400;
  float *acts = random_actions(n_steps, A, 41), *oa = malloc(sizeof(float) * O), *ob = malloc(sizeof(float) * O);
  for (int i = 0; i < n_steps * A; i++) acts[i] *= 0.3f; /* milder actions: longer episodes, more pose variety */
  size_t n = env_state_size(a);
  unsigned char *s = malloc(n);
  env_reset(a, 3);
  env_step_out out = {0};
  out.obs = oa;
  d2m_err err;
  for (int t = 0; t < n_steps; t++) {
    env_step(a, acts + (size_t)t * A, &out);
    env_state_save(a, s);
    cr_assert_eq(env_state_load(b, s, n, &err), 0, "%s", err.msg);
    const mjData *da = env_data(a), *db = env_data(b);
    cr_assert(!memcmp(da->qpos, db->qpos, sizeof(mjtNum) * m->nq), "qpos differs after loading the state of step %d", t);
    cr_assert(!memcmp(da->xquat, db->xquat, sizeof(mjtNum) * 4 * m->nbody), "xquat differs after step %d", t);
    cr_assert(!memcmp(da->xpos, db->xpos, sizeof(mjtNum) * 3 * m->nbody), "xpos differs after step %d", t);
    cr_assert(!memcmp(da->cvel, db->cvel, sizeof(mjtNum) * 6 * m->nbody), "cvel differs after step %d", t);
    cr_assert_eq(da->ncon, db->ncon, "contacts differ after step %d", t);
    env_observe(a, oa);
    env_observe(b, ob);
    cr_assert(!memcmp(oa, ob, sizeof(float) * O), "observation differs after step %d", t);
  }
  free(s);
  free(acts);
  free(oa);
  free(ob);
  env_free(a);
  env_free(b);
}
