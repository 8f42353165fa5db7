/* tests/learner/learner_cfg.h: the learner tests build their PPO and network configurations as a
 * run does, from the config table (common/config.h): the table's defaults plus each test's own
 * "section.key=value" overrides. A bad override stops the test with the table's message. */
#ifndef D2M_TEST_LEARNER_CFG_H
#define D2M_TEST_LEARNER_CFG_H

#include <stdio.h>
#include <stdlib.h>

#include "common/config.h"
#include "learner/ppo.h"
#include "nn/ac_config.h"

static inline cfg_t test_cfg(const char *const *overrides) {
  cfg_t c;
  d2m_err e;
  if (cfg_with(&c, overrides, &e)) {
    fprintf(stderr, "test_cfg: %s\n", e.msg);
    abort();
  }
  return c;
}

static inline ppo_config test_ppo(const char *const *overrides) {
  cfg_t c = test_cfg(overrides);
  ppo_config p;
  ppo_config_from_cfg(&c, &p);
  return p;
}

static inline ac_config test_ac(int obs_dim, int act_dim, const char *const *overrides) {
  cfg_t c = test_cfg(overrides);
  ac_config a;
  d2m_err e;
  if (ac_config_from_cfg(&c, obs_dim, act_dim, &a, &e)) {
    fprintf(stderr, "test_ac: %s\n", e.msg);
    abort();
  }
  return a;
}

/* TEST_PPO("ppo.epochs=2", "ppo.minibatch=16"); TEST_AC(4, 2, "nn.hidden=8,8") */
#define TEST_PPO(...) test_ppo((const char *const[]){__VA_ARGS__, NULL})
#define TEST_AC(obs, act, ...) test_ac((obs), (act), (const char *const[]){__VA_ARGS__, NULL})

#endif
