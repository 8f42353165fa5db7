/* nn/ac_config.c: see ac_config.h. */
#include "nn/ac_config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int ac_config_from_cfg(const cfg_t *c, int obs_dim, int act_dim, ac_config *out, d2m_err *err) {
  memset(out, 0, sizeof *out);
  out->obs_dim = obs_dim;
  out->act_dim = act_dim;
  out->init_log_std = (float)c->nn_init_log_std;
  if (nn_act_parse(c->nn_activation, &out->act)) return err_set(err, "nn.activation: unknown '%s'", c->nn_activation);
  if (!strcmp(c->nn_head, "lattice")) out->head = AC_HEAD_LATTICE;
  else if (strcmp(c->nn_head, "gaussian")) return err_set(err, "nn.head: unknown '%s' (gaussian|lattice)", c->nn_head);
  out->experts = (int)c->nn_experts;
  /* Lattice's covariance is built from one head's W; a mixture of heads has no such single W. */
  if (out->experts > 1 && out->head == AC_HEAD_LATTICE)
    return err_set(err, "nn.experts = %d needs nn.head = gaussian (the Lattice head has one W, not a mixture)",
                   out->experts);
  out->lat_alpha = (float)c->lattice_alpha;
  out->lat_resample = (int)c->lattice_resample_every;
  out->init_log_std_lat = (float)c->lattice_init_log_std_lat;
  /* Excitation mode: a zero output is sigmoid(0) = 0.5, which drives every joint to a limit within a
   * few steps (README, "Learning on 80 muscles"); start at the resting excitation instead. */
  if (!strcmp(c->env_action_mode, "excitation")) {
    double b = c->env_excitation_baseline;
    out->head_bias = (float)log(b / (1 - b));
    /* imitate.feedforward = so: the env adds logit(a_so) itself; a zero output is that solution */
    if (!strcmp(c->env_task, "imitate") && !strcmp(c->imitate_feedforward, "so")) out->head_bias = 0;
    out->det_sigmoid_mean = !strcmp(c->nn_deterministic, "mean_excitation");
  }
  const char *p = c->nn_hidden;
  while (*p) {
    char *end;
    errno = 0;
    long w = strtol(p, &end, 10);
    if (end == p || errno || w < 1 || w > 65536)
      return err_set(err, "nn.hidden: '%s': widths must be integers in [1, 65536], comma-separated", c->nn_hidden);
    if (out->nhidden == NN_MAX_LAYERS - 1)
      return err_set(err, "nn.hidden: '%s': at most %d hidden layers", c->nn_hidden, NN_MAX_LAYERS - 1);
    out->hidden[out->nhidden++] = (int)w;
    p = end;
    while (*p == ' ') p++;
    if (*p == ',') {
      p++;
      if (!*p) return err_set(err, "nn.hidden: '%s': a width must follow the last comma", c->nn_hidden);
    } else if (*p) {
      return err_set(err, "nn.hidden: '%s': unexpected '%c'", c->nn_hidden, *p);
    }
  }
  if (out->nhidden == 0) return err_set(err, "nn.hidden: empty: give at least one width, e.g. 256,256");
  return 0;
}
