/* nn/ac_config.h: the config table's nn.* keys -> ac_config (actor and learner build the same net). */
#ifndef D2M_AC_CONFIG_H
#define D2M_AC_CONFIG_H

#include "nn/ac.h"
#include "common/config.h"

/* Parses nn.hidden ("256,256"), nn.activation, nn.init_log_std, nn.head, nn.experts and [lattice]; the error names the key. */
int ac_config_from_cfg(const cfg_t *c, int obs_dim, int act_dim, ac_config *out, d2m_err *err);

#endif
