/* nn/policy_file.h: the policy file: what it takes to run a trained policy, and nothing else.
 *
 * A checkpoint-format file (common/ckpt.h: named sections, CRC-32C, atomic write) with the three
 * sections below. The learner's full checkpoints carry the same three sections under the same names
 * (next to Adam's state, counters, actor states...), so everything that runs a policy (eval, bench,
 * `drl2move policy export`) reads a policy file and a full checkpoint alike:
 *   "params"     float[nparams]          the actor-critic arena (nn/ac.h)
 *   "obs_stats"  double[1 + 2 obs_dim]   raw-observation statistics, rstat_pack's layout
 *   "config"     text                    the resolved configuration (cfg_write), which fixes the
 *                                        net's shape, the env and the task
 * The policy of the default net is about 1.7 MB; a full checkpoint holds three times its weights
 * (with Adam's m and v) and the actors' simulation states (5.1 MB for 2 actors x 8 envs). */
#ifndef D2M_POLICY_FILE_H
#define D2M_POLICY_FILE_H

#include <stddef.h>

#include "common/ckpt.h"
#include "common/config.h"
#include "nn/rstat.h"

typedef struct policy_file {
  cfg_t cfg;          /* the configuration the policy was trained with */
  float *params;      /* [nparams] */
  size_t nparams;
  rstat obs;          /* raw-observation statistics; obs.dim is the observation size */
  char path[4200];    /* the file read (a run dir resolves to its newest valid checkpoint) */
} policy_file;

enum { POLICY_NSECTIONS = 3 };

/* The three sections of a policy, ready for ckpt_write (pointers into params, obs_buf, cfg_text). */
typedef struct policy_pack {
  ckpt_section sec[POLICY_NSECTIONS]; /* params, obs_stats, config */
  double *obs_buf;                    /* owned: the packed statistics */
  char *cfg_text;                     /* owned: the config as INI text */
} policy_pack;

void policy_pack_init(policy_pack *k, const float *params, size_t nparams, const rstat *obs, const cfg_t *cfg);
void policy_pack_free(policy_pack *k);

/* Write a policy file (atomically). */
int policy_write(const char *path, const float *params, size_t nparams, const rstat *obs, const cfg_t *cfg,
                 d2m_err *err);
/* The configuration in an open policy file or full checkpoint (its "config" section). */
int policy_read_config(const ckpt_file *f, cfg_t *c, d2m_err *err);
/* Read a policy from an open policy file or full checkpoint; free with policy_free. */
int policy_from_ckpt(const ckpt_file *f, policy_file *p, d2m_err *err);
/* A policy file, a full checkpoint, or a run dir (its newest valid checkpoint). */
int policy_load(const char *file_or_run_dir, policy_file *p, d2m_err *err);
void policy_free(policy_file *p);

/* `drl2move policy export`: the policy of `in` (any of policy_load's inputs) written to `out`. */
int policy_export(const char *in, const char *out, d2m_err *err);

#endif
