/* tests/envs/test_imitate.c: reference motions and the imitate task. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "envs/env.h"
#include "envs/motion/refmotion.h"
#include "tests/envs/env_model_helper.h"
#include "tests/test_paths.h"

/* pp: imitate parameters (test_params), or NULL for the defaults. */
static env_t *make_imitate(const mjModel *m, const refmotion *ref, const env_params *pp) {
  env_params p = pp ? *pp : test_params(ENV_TASK_IMITATE, NULL);
  d2m_err e;
  env_t *env = env_create(m, &p, ref, &e);
  cr_assert(env, "env_create: %s", e.msg);
  return env;
}

/* Kinematic playback: the state set from the reference each step. */
static void playback(const mjModel *m, const refmotion *ref, long steps) {
  env_params p = TEST_PARAMS(ENV_TASK_IMITATE, "imitate.w_joint=0.1"); /* the optional joint-angle term too */
  env_t *e = make_imitate(m, ref, &p);
  double maxr = env_max_reward(e), minr = 1e9;
  for (long k = 0; k < steps; k++) {
    env_set_ref_state(e, k);
    int reason;
    double r = env_eval_reward(e, &reason);
    cr_assert_eq(reason, ENV_END_NONE, "early termination at frame %ld (dist %.3f m)", k, env_track_dist(e));
    if (r < minr) minr = r;
  }
  cr_assert_geq(minr, 0.95 * maxr, "playback reward %.4f < 0.95 x %.3f", minr, maxr);
  env_free(e);
}

Test(imitate, default_gait_reference_is_sane) {
  d2m_err err;
  mjModel *m = test_model(&err);
  cr_assert(m, "%s", err.msg);
  refmotion r;
  cr_assert_eq(refmotion_default_gait(&r, m, 1.0 / 30, &err), 0, "%s", err.msg);
  cr_assert(r.cyclic);
  cr_assert(r.nframes > 30 && r.nframes < 45, "nframes %d", r.nframes);
  cr_assert(r.speed > 0.8 && r.speed < 1.3, "speed %.3f", r.speed);
  /* Feet never below the floor; pelvis near standing height. */
  mjData *d = mj_makeData(m);
  double minlow = 1e9;
  for (int k = 0; k < r.nframes; k++) {
    mju_copy(d->qpos, r.qpos + (size_t)k * r.nq, m->nq);
    mj_kinematics(m, d);
    double low = ref_lowest_foot_point(m, d);
    cr_assert_geq(low, -1e-9, "frame %d foot at %.4f", k, low);
    if (low < minlow) minlow = low;
    cr_assert(r.xpos[(size_t)k * r.ntrack * 3 + 2] > 0.7 && r.xpos[(size_t)k * r.ntrack * 3 + 2] < 1.1);
  }
  cr_assert_lt(minlow, 1e-6, "the stance foot touches the floor");
  /* Cyclic extension: frame n equals frame 0 shifted by one stride. */
  double *q0 = malloc(sizeof(double) * m->nq * 2), *qn = q0 + m->nq;
  refmotion_frame(&r, 0, q0, NULL, NULL, NULL);
  refmotion_frame(&r, r.nframes, qn, NULL, NULL, NULL);
  double stride = hypot(qn[0] - q0[0], qn[1] - q0[1]);
  cr_assert(fabs(stride - r.speed * r.nframes * r.dt) < 1e-9);
  for (int i = 2; i < m->nq; i++) cr_assert_float_eq(qn[i], q0[i], 1e-12);
  free(q0);
  mj_deleteData(d);
  refmotion_free(&r);
  mj_deleteModel(m);
}

Test(imitate, kinematic_playback_default_gait) {
  d2m_err err;
  mjModel *m = test_model(&err);
  cr_assert(m, "%s", err.msg);
  refmotion r;
  cr_assert_eq(refmotion_default_gait(&r, m, 1.0 / 30, &err), 0, "%s", err.msg);
  playback(m, &r, 3 * r.nframes); /* three cycles, across the seams */
  refmotion_free(&r);
  mj_deleteModel(m);
}

Test(imitate, kinematic_playback_opensim_trial_on_myolegs) {
  char path[512];
  test_shared_path(path, sizeof path, "mocap/opensim_gait2354_subject01/subject01_walk1_ik.mot");
  mjModel *m = test_myolegs();
  if (!m) cr_skip_test("D2M_SHARED_DATA unset or MyoLegs missing");
  refmotion r;
  d2m_err err;
  cr_assert_eq(refmotion_load(&r, m, path, 1.0 / 30, 0, &err), 0, "%s", err.msg);
  cr_assert_eq(r.nframes, 37); /* 1.2 s at 30 Hz, both ends */
  playback(m, &r, r.nframes);
  refmotion_free(&r);
  mj_deleteModel(m);
}

Test(imitate, rsi_puts_body_at_reference) {
  d2m_err err;
  mjModel *m = test_model(&err);
  cr_assert(m, "%s", err.msg);
  env_t *e = make_imitate(m, NULL, NULL);
  const refmotion *r = env_ref(e);
  double *q = malloc(sizeof(double) * (m->nq + m->nv));
  long seen_nonzero = 0;
  for (uint64_t seed = 1; seed <= 5; seed++) {
    env_reset(e, seed);
    long k = env_ref_frame(e);
    seen_nonzero += k != 0;
    refmotion_frame(r, k, q, q + m->nq, NULL, NULL);
    const mjData *d = env_data(e);
    for (int i = 0; i < m->nq; i++) cr_assert_float_eq(d->qpos[i], q[i], 1e-12);
    for (int i = 0; i < m->nv; i++) cr_assert_float_eq(d->qvel[i], q[m->nq + i], 1e-12);
    cr_assert_lt(env_track_dist(e), 1e-9);
  }
  cr_assert(seen_nonzero > 0, "RSI should start at random phases");
  free(q);
  env_free(e);
  mj_deleteModel(m);
}

/* A start phase replaces RSI's draw: phase i/n starts at frame i (every frame once for n = nframes,
 * body in that frame), a phase past the last frame clamps to it, and a negative phase restores RSI
 * with the same stream as an env that never had one. */
Test(imitate, start_phase_sweeps_every_frame_then_rsi_returns) {
  d2m_err err;
  mjModel *m = test_model(&err);
  cr_assert(m, "%s", err.msg);
  env_t *e = make_imitate(m, NULL, NULL), *plain = make_imitate(m, NULL, NULL);
  const refmotion *r = env_ref(e);
  long n = r->nframes;
  double *q = malloc(sizeof(double) * m->nq);
  for (long i = 0; i < n; i++) {
    env_set_start_phase(e, (double)i / n);
    env_reset(e, 7);
    cr_assert_eq(env_ref_frame(e), i, "phase %ld/%ld started at frame %ld", i, n, env_ref_frame(e));
    refmotion_frame(r, i, q, NULL, NULL, NULL);
    for (int j = 0; j < m->nq; j++) cr_assert_float_eq(env_data(e)->qpos[j], q[j], 1e-12);
  }
  env_set_start_phase(e, 0.999999999);
  env_reset(e, 7);
  cr_assert_eq(env_ref_frame(e), n - 1);
  env_set_start_phase(e, -1);
  for (uint64_t seed = 1; seed <= 5; seed++) {
    env_reset(e, seed);
    env_reset(plain, seed);
    cr_assert_eq(env_ref_frame(e), env_ref_frame(plain), "seed %llu", (unsigned long long)seed);
  }
  free(q);
  env_free(plain);
  env_free(e);
  mj_deleteModel(m);
}

Test(imitate, early_termination_when_pushed_away) {
  d2m_err err;
  mjModel *m = test_model(&err);
  cr_assert(m, "%s", err.msg);
  env_t *e = make_imitate(m, NULL, NULL);
  int n = env_obs_size(e);
  float *obs = malloc(sizeof(float) * n), act[80];
  for (int i = 0; i < 80; i++) act[i] = 0;
  env_step_out out = {.obs = obs};
  env_reset(e, 9);
  env_step(e, act, &out);
  cr_assert(!out.done, "one step after RSI is still on track (dist %.3f)", env_track_dist(e));
  /* Shove the whole body 0.3 m sideways: the next step must end the episode. */
  mjData *d = env_data(e);
  d->qpos[0] += 0.3;
  mj_forward(env_model(e), d);
  env_step(e, act, &out);
  cr_assert(out.done && out.terminated);
  cr_assert_eq(out.ep.reason, ENV_END_TRACKING);
  cr_assert_gt(out.ep.mpjpe_mm, 0);
  /* Which body and which way (known answer): the default gait walks along -y, so world +x is the
   * pelvis' left; every body moved 0.3 m, give or take the 33 ms the step ran. */
  cr_assert_geq(out.ep.end_body, 1, "end_body %d", out.ep.end_body);
  cr_assert(fabs(out.ep.end_offset[1] - 0.3) < 0.05 && fabs(out.ep.end_offset[0]) < 0.1 && fabs(out.ep.end_offset[2]) < 0.05,
            "end offset (forward, left, up) %.3f %.3f %.3f", out.ep.end_offset[0], out.ep.end_offset[1], out.ep.end_offset[2]);
  /* And with a real push (a large horizontal force on the pelvis), tracking is lost too. */
  env_params p = TEST_PARAMS(ENV_TASK_IMITATE, "env.push_force=5000", "env.push_interval=0.01", "env.push_duration=1");
  env_t *e2 = make_imitate(m, NULL, &p);
  float *obs2 = malloc(sizeof(float) * n);
  env_step_out o2 = {.obs = obs2};
  int t;
  for (t = 0; t < 30 && !o2.done; t++) env_step(e2, act, &o2);
  cr_assert(o2.done && o2.ep.reason == ENV_END_TRACKING, "push: done %d reason %d", o2.done, o2.ep.reason);
  cr_assert_geq(o2.ep.end_body, 1);
  cr_assert_gt(hypot(hypot(o2.ep.end_offset[0], o2.ep.end_offset[1]), o2.ep.end_offset[2]), 0.15);
  free(obs);
  free(obs2);
  env_free(e);
  env_free(e2);
  mj_deleteModel(m);
}

/* imitate.pos_frame: a rigid sideways shift of the whole body on the reference frame costs the world
 * frame's position term and the pelvis term, the pelvis frame's only the pelvis term (known answer,
 * the other terms do not see a translation). */
Test(imitate, pelvis_frame_position_term_ignores_a_rigid_shift) {
  d2m_err err;
  mjModel *m = test_model(&err);
  cr_assert(m, "%s", err.msg);
  const double shift = 0.05, w_pos = 0.6, k_pos = 200, w_root = 0.2, k_root = 50;
  const char *frames[2] = {"imitate.pos_frame=world", "imitate.pos_frame=pelvis"};
  for (int f = 0; f < 2; f++) {
    env_params p = TEST_PARAMS(ENV_TASK_IMITATE, frames[f], "imitate.w_root=0.2", "imitate.k_root=50",
                               "imitate.w_pos=0.6", "imitate.k_pos=200");
    env_t *e = make_imitate(m, NULL, &p);
    env_set_ref_state(e, 7);
    double r0 = env_eval_reward(e, NULL);
    mjData *d = env_data(e);
    d->qpos[0] += shift; /* the free joint's x: sideways for the default gait, which walks along -y */
    mj_forward(m, d);
    double r1 = env_eval_reward(e, NULL);
    double want = w_root * (1 - exp(-k_root * shift * shift)) + (f == 0 ? w_pos * (1 - exp(-k_pos * shift * shift)) : 0);
    cr_assert_float_eq(r0 - r1, want, 1e-9, "%s: reward fell by %.9f, want %.9f", frames[f], r0 - r1, want);
    cr_assert_float_eq(env_track_dist(e), shift, 1e-9, "termination stays in the world frame");
    env_free(e);
  }
  mj_deleteModel(m);
}
