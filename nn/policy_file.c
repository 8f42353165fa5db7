/* nn/policy_file.c: see policy_file.h. */
#include "nn/policy_file.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void policy_pack_init(policy_pack *k, const float *params, size_t nparams, const rstat *obs, const cfg_t *cfg) {
  memset(k, 0, sizeof *k);
  k->obs_buf = xmalloc(rstat_packed_len(obs->dim) * sizeof(double));
  rstat_pack(obs, k->obs_buf);
  size_t len = 0;
  FILE *mem = open_memstream(&k->cfg_text, &len);
  D2M_CHECK(mem != NULL, "out of memory for the config text");
  cfg_write(cfg, mem);
  fclose(mem);
  ckpt_section sec[POLICY_NSECTIONS] = {
      {"params", params, nparams * sizeof(float)},
      {"obs_stats", k->obs_buf, rstat_packed_len(obs->dim) * sizeof(double)},
      {"config", k->cfg_text, len},
  };
  memcpy(k->sec, sec, sizeof sec);
}

void policy_pack_free(policy_pack *k) {
  free(k->obs_buf);
  free(k->cfg_text);
  memset(k, 0, sizeof *k);
}

int policy_write(const char *path, const float *params, size_t nparams, const rstat *obs, const cfg_t *cfg,
                 d2m_err *err) {
  policy_pack k;
  policy_pack_init(&k, params, nparams, obs, cfg);
  int rc = ckpt_write(path, k.sec, POLICY_NSECTIONS, err);
  policy_pack_free(&k);
  return rc;
}

int policy_read_config(const ckpt_file *f, cfg_t *c, d2m_err *err) {
  const void *text;
  size_t len;
  if (ckpt_get(f, "config", 0, &text, &len, err)) return -1;
  char *s = xmalloc(len + 1);
  memcpy(s, text, len), s[len] = 0;
  cfg_saved_defaults(c);
  int rc = cfg_load_string(c, "checkpoint config", s, err);
  free(s);
  return rc;
}

int policy_from_ckpt(const ckpt_file *f, policy_file *p, d2m_err *err) {
  memset(p, 0, sizeof *p);
  if (policy_read_config(f, &p->cfg, err)) return -1;
  const void *w, *st;
  size_t nw, nst;
  if (ckpt_get(f, "params", 0, &w, &nw, err) || ckpt_get(f, "obs_stats", 0, &st, &nst, err)) return -1;
  if (nw == 0 || nw % sizeof(float)) return err_set(err, "section 'params' of %zu bytes is not a float array", nw);
  /* 1 + 2 dim doubles: an odd count of at least 3 */
  size_t nd = nst / sizeof(double);
  if (nst % sizeof(double) || nd < 3 || nd % 2 == 0 || nd > (1u << 30))
    return err_set(err, "section 'obs_stats' of %zu bytes is not count, mean[dim], m2[dim]", nst);
  p->nparams = nw / sizeof(float);
  p->params = xaligned(nw);
  memcpy(p->params, w, nw);
  rstat_init(&p->obs, (int)((nd - 1) / 2));
  double *buf = xmalloc(nst); /* the section may be unaligned inside the file */
  memcpy(buf, st, nst);
  rstat_unpack(&p->obs, buf);
  free(buf);
  return 0;
}

int policy_load(const char *file_or_run_dir, policy_file *p, d2m_err *err) {
  ckpt_file f;
  char path[sizeof p->path];
  if (ckpt_open_any(file_or_run_dir, path, sizeof path, &f, err)) return -1;
  int rc = policy_from_ckpt(&f, p, err);
  ckpt_close(&f);
  if (rc) return err_wrap(err, "%s", path);
  snprintf(p->path, sizeof p->path, "%s", path);
  return 0;
}

void policy_free(policy_file *p) {
  free(p->params);
  if (p->obs.mean) rstat_free(&p->obs);
  memset(p, 0, sizeof *p);
}

int policy_export(const char *in, const char *out, d2m_err *err) {
  policy_file p;
  if (policy_load(in, &p, err)) return -1;
  int rc = policy_write(out, p.params, p.nparams, &p.obs, &p.cfg, err);
  policy_free(&p);
  return rc;
}
