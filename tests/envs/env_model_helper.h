/* tests/envs/env_model_helper.h: the model the env tests run on (the project's own, no files). */
#ifndef D2M_TEST_ENV_MODEL_HELPER_H
#define D2M_TEST_ENV_MODEL_HELPER_H
#include <stdio.h>
#include <stdlib.h>

#include "envs/env.h"
#include "envs/env_config.h"
#include "envs/model/model.h"
#include "tests/test_paths.h"
static inline mjModel *test_model(d2m_err *e) { return model_load(NULL, e); }
/* MyoLegs from ../shared (NULL when absent). */
static inline mjModel *test_myolegs(void) {
  char path[512], msg[500];
  if (!test_shared_has(path, sizeof path, "models/myolegs/myo_sim/leg/myolegs.xml")) return NULL;
  return mj_loadXML(path, NULL, msg, sizeof msg);
}
/* env_params as a run gets them: the config table's defaults, the task, then the test's own
 * "section.key=value" overrides (NULL-terminated, or NULL). A bad override stops the test. */
static inline env_params test_params(env_task task, const char *const *overrides) {
  cfg_t c;
  env_params p;
  d2m_err e;
  if (cfg_with(&c, overrides, &e) || cfg_set(&c, "test", "env", "task", env_task_name(task), &e) ||
      env_params_from_cfg(&c, &p, &e)) {
    fprintf(stderr, "test_params: %s\n", e.msg);
    abort();
  }
  return p;
}
/* An env on m for p (the model borrowed); a refusal stops the test with env_create's message. */
static inline env_t *test_env(const mjModel *m, const env_params *p) {
  d2m_err e;
  env_t *env = env_create(m, p, NULL, &e);
  if (!env) {
    fprintf(stderr, "test_env: env_create: %s\n", e.msg);
    abort();
  }
  return env;
}
/* A suite whose tests run on the project's model in g_m: loaded before each test, freed after. */
#define TEST_MODEL_SUITE(suite)                                                                                      \
  static mjModel *g_m;                                                                                               \
  static void test_model_setup(void) {                                                                               \
    d2m_err e_;                                                                                                      \
    g_m = test_model(&e_);                                                                                           \
    cr_assert(g_m, "model_load: %s", e_.msg);                                                                        \
  }                                                                                                                  \
  static void test_model_teardown(void) { mj_deleteModel(g_m); }                                                     \
  TestSuite(suite, .init = test_model_setup, .fini = test_model_teardown)
#define TEST_PARAMS(task, ...) test_params((task), (const char *const[]){__VA_ARGS__, NULL})
#endif
