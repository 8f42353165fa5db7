/* tests/envs/test_walk_ref.c: walk.start = reference and walk.speed = reference (what AMP's reference
 * covers): episodes start in a frame of the reference motion, with its velocities, at varying
 * phases, and the commanded speed is the clip's mean speed; the defaults keep the standing start
 * and the speed range. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "envs/env.h"
#include "envs/model/model.h"
#include "tests/envs/env_model_helper.h"

static env_t *walk_env(mjModel **m, int start_ref, int speed_ref) {
  d2m_err err;
  *m = model_load(NULL, &err);
  cr_assert(*m, "%s", err.msg);
  env_params p = TEST_PARAMS(ENV_TASK_WALK, start_ref ? "walk.start=reference" : "walk.start=stand",
                             speed_ref ? "walk.speed=reference" : "walk.speed=range");
  env_t *e = env_create(*m, &p, NULL, &err);
  cr_assert(e, "%s", err.msg);
  return e;
}

/* The commanded speed: first float of the walk task block, the last 3 of the observation. */
static float commanded_speed(env_t *e) {
  int O = env_obs_size(e);
  float *obs = malloc((size_t)O * sizeof(float));
  env_observe(e, obs);
  float v = obs[O - 3];
  free(obs);
  return v;
}

Test(walk_ref, starts_in_reference_frames_at_the_reference_speed) {
  mjModel *m;
  env_t *e = walk_env(&m, 1, 1);
  const refmotion *r = env_ref(e);
  cr_assert(r && fabs(r->speed - 1.0) < 0.15, "default gait speed %g m/s", r ? r->speed : -1);
  double *q = malloc(sizeof(double) * m->nq), *v = malloc(sizeof(double) * m->nv);
  long first = -1;
  int phases = 0;
  for (int ep = 0; ep < 6; ep++) {
    env_reset(e, 40 + ep);
    long k = env_ref_frame(e);
    phases += k != first;
    if (ep == 0) first = k;
    refmotion_frame(r, k, q, v, NULL, NULL);
    const mjData *d = env_data(e);
    for (int i = 0; i < m->nq; i++) cr_assert(fabs(d->qpos[i] - q[i]) < 1e-9, "episode %d: qpos %d off the frame", ep, i);
    for (int i = 0; i < m->nv; i++) cr_assert(fabs(d->qvel[i] - v[i]) < 1e-9, "episode %d: qvel %d off the frame", ep, i);
    cr_assert(fabs(commanded_speed(e) - r->speed) < 1e-6, "commanded %g, reference %g", commanded_speed(e), r->speed);
  }
  cr_assert(phases >= 2, "every episode started at frame %ld", first);
  free(q);
  free(v);
  env_free(e);
  mj_deleteModel(m);
}

Test(walk_ref, defaults_stand_start_and_speed_range) {
  mjModel *m;
  env_t *e = walk_env(&m, 0, 0);
  cr_assert(env_ref(e) == NULL, "a default walk env loads no reference");
  env_params p = TEST_PARAMS(ENV_TASK_WALK, "walk.start=stand");
  for (int ep = 0; ep < 5; ep++) {
    env_reset(e, 60 + ep);
    float s = commanded_speed(e);
    cr_assert(s >= p.walk_speed_min && s <= p.walk_speed_max);
    cr_assert(fabs(env_data(e)->qvel[0]) < 1e-12, "a standing start is at rest");
  }
  env_free(e);
  mj_deleteModel(m);
}
