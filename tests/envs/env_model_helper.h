/* tests/envs/env_model_helper.h: the model the env tests run on (the project's own, no files). */
#ifndef D2M_TEST_ENV_MODEL_HELPER_H
#define D2M_TEST_ENV_MODEL_HELPER_H
#include "envs/model/model.h"
static inline mjModel *test_model(d2m_err *e) { return model_load(NULL, e); }
/* MyoLegs from ../shared (NULL when absent). */
static inline mjModel *test_myolegs(void) {
  const char *dir = getenv("D2M_SHARED_DATA");
  if (!dir) return NULL;
  char path[512], msg[500];
  snprintf(path, sizeof path, "%s/models/myolegs/myo_sim/leg/myolegs.xml", dir);
  return mj_loadXML(path, NULL, msg, sizeof msg);
}
#endif
