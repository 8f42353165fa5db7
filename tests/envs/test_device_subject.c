/* tests/envs/test_device_subject.c: devices in the subject file (device.KEY = VALUE lines, envs/device.h's
 * dev_subject_apply): a subject with a prosthesis builds the same model as the equivalent --set keys; bad
 * device lines give file:line errors; the precedence rule (the subject's device fills keys left at their
 * defaults, a different non-default config value is refused naming both); the resolved config (what
 * config.resolved.ini is written from) records the device used. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "deploy/launch.h"
#include "envs/device.h"
#include "envs/env_config.h"
#include "envs/model/model.h"
#include "tests/cfg_text.h"

static char g_path[64];

static const char *subject_file(const char *text) {
  snprintf(g_path, sizeof g_path, "/tmp/d2m_devsubj_XXXXXX");
  int fd = mkstemp(g_path);
  cr_assert(fd >= 0);
  FILE *f = fdopen(fd, "w");
  fputs(text, f);
  fclose(f);
  return g_path;
}

#define SAME(m, a, b, field, n)                                                                          \
  cr_assert(!memcmp((a)->field, (b)->field, sizeof *(a)->field * (size_t)(a)->n * (m)), #field " differs")

Test(device_subject, prosthesis_in_subject_builds_the_same_model_as_config_keys) {
  const char *p = subject_file("name = amputee\nmass_kg = 80\n[device]\ndevice.prosthesis = right\n"
                               "device.pros_mass_foot = 0.9   # a heavier foot\ndevice.ankle = left\n");
  char set_subj[128];
  snprintf(set_subj, sizeof set_subj, "env.subject=%s", p);
  cfg_t a, b;
  d2m_err err;
  cr_assert_eq(CFG_WITH(&a, &err, set_subj), 0, "%s", err.msg);
  /* the same subject without its device lines, and the devices as config keys */
  const char *q_text = "name = amputee\nmass_kg = 80\n";
  char q[64];
  snprintf(q, sizeof q, "%s", g_path);
  snprintf(q + strlen(q), sizeof q - strlen(q), ".plain");
  FILE *f = fopen(q, "w");
  fputs(q_text, f), fclose(f);
  char set_q[128];
  snprintf(set_q, sizeof set_q, "env.subject=%s", q);
  cr_assert_eq(CFG_WITH(&b, &err, set_q, "device.prosthesis=right", "device.pros_mass_foot=0.9", "device.ankle=left"), 0,
               "%s", err.msg);
  mjModel *ma = env_model_from_cfg(&a, &err);
  cr_assert(ma, "%s", err.msg);
  mjModel *mb = env_model_from_cfg(&b, &err);
  cr_assert(mb, "%s", err.msg);
  cr_assert_eq(ma->nbody, mb->nbody); cr_assert_eq(ma->nu, mb->nu); cr_assert_eq(ma->neq, mb->neq);
  cr_assert_eq(ma->nq, mb->nq); cr_assert_eq(ma->ngeom, mb->ngeom);
  cr_assert(ma->nu > 80, "no device actuators: %d", ma->nu);
  SAME(1, ma, mb, body_mass, nbody); SAME(3, ma, mb, body_pos, nbody); SAME(3, ma, mb, body_inertia, nbody);
  SAME(mjNGAIN, ma, mb, actuator_gainprm, nu); SAME(2, ma, mb, actuator_forcerange, nu);
  SAME(1, ma, mb, actuator_trnid, nu); SAME(mjNEQDATA, ma, mb, eq_data, neq);
  /* the dev_params the env builds (controllers) are the same too */
  dev_params da, db;
  cr_assert_eq(dev_params_from_cfg(&a, &da, &err), 0, "%s", err.msg);
  cr_assert_eq(dev_params_from_cfg(&b, &db, &err), 0, "%s", err.msg);
  cr_assert_eq(da.model.prosthesis, MODEL_DEV_RIGHT); cr_assert_eq(da.model.ankle, MODEL_DEV_LEFT);
  cr_assert(!memcmp(&da, &db, sizeof da), "dev_params differ");
  mj_deleteModel(ma), mj_deleteModel(mb);
  unlink(p), unlink(q);
}

static void bad(const char *text, int line, const char *what) {
  const char *p = subject_file(text);
  model_subject s;
  d2m_err err;
  cr_assert_eq(model_subject_load(p, &s, &err), -1, "accepted: %s", text);
  char want[128];
  snprintf(want, sizeof want, "%s:%d: device.", p, line);
  cr_assert(strstr(err.msg, want), "'%s' lacks '%s'", err.msg, want);
  cr_assert(strstr(err.msg, what), "'%s' lacks '%s'", err.msg, what);
  unlink(p);
}

Test(device_subject, bad_device_lines_give_file_line_errors) {
  bad("mass_kg = 70\ndevice.prosthesis = middle\n", 2, "prosthesis");
  bad("# c\n\ndevice.pros_limit = 5000\n", 3, "pros_limit");
  bad("device.wings = both\n", 1, "unknown device key");
  bad("device.ankle_mass_shank = heavy\n", 1, "ankle_mass_shank");
  bad("device.ankle = left\ndevice.ankle = right\n", 2, "duplicate");
  model_subject s;
  d2m_err err;
  const char *p = subject_file("device.ankle = both\ndevice.ankle_imp_k = 1,2,3\n");
  cr_assert_eq(model_subject_load(p, &s, &err), 0, "%s", err.msg);
  cr_assert_eq(s.ndev, 2);
  cr_assert_str_eq(s.dev[1].key, "ankle_imp_k"); cr_assert_str_eq(s.dev[1].val, "1,2,3"); cr_assert_eq(s.dev[1].line, 2);
  unlink(p);
}

Test(device_subject, subject_fills_defaults_and_conflicts_are_refused) {
  const char *p = subject_file("device.prosthesis = right\ndevice.pros_limit = 120\n");
  char set_subj[128];
  snprintf(set_subj, sizeof set_subj, "env.subject=%s", p);
  cfg_t c;
  d2m_err err;
  /* the same value from both: fine; a key the subject does not give stays the config's */
  cr_assert_eq(CFG_WITH(&c, &err, set_subj, "device.pros_limit=120.0", "device.pros_mass_foot=1.5"), 0, "%s", err.msg);
  cr_assert_eq(dev_subject_apply(&c, &err), 0, "%s", err.msg);
  cr_assert_str_eq(c.device_prosthesis, "right");
  cr_assert_float_eq(c.device_pros_limit, 120, 1e-12); cr_assert_float_eq(c.device_pros_mass_foot, 1.5, 1e-12);
  cr_assert_eq(dev_subject_apply(&c, &err), 0, "not idempotent: %s", err.msg);
  /* a different non-default value: refused, naming the subject file's line and the config's value */
  cr_assert_eq(CFG_WITH(&c, &err, set_subj, "device.prosthesis=left"), 0, "%s", err.msg);
  cr_assert_eq(dev_subject_apply(&c, &err), -1, "conflict accepted");
  char want[128];
  snprintf(want, sizeof want, "%s:1: device.prosthesis = right conflicts with device.prosthesis = left", p);
  cr_assert(strstr(err.msg, want), "'%s' lacks '%s'", err.msg, want);
  dev_params d;
  cr_assert_eq(dev_params_from_cfg(&c, &d, &err), -1, "the env must refuse the conflict too");
  /* a subject file that does not load is an error naming env.subject */
  cr_assert_eq(CFG_WITH(&c, &err, "env.subject=/nonexistent/x.subject"), 0, "%s", err.msg);
  cr_assert_eq(dev_subject_apply(&c, &err), -1);
  cr_assert(strstr(err.msg, "env.subject"), "%s", err.msg);
  unlink(p);
}

Test(device_subject, resolved_config_records_the_device) {
  const char *p = subject_file("device.ankle = right\ndevice.ankle_mass_shank = 1.1\n");
  char set_subj[128];
  snprintf(set_subj, sizeof set_subj, "env.subject=%s", p);
  launch_opts o;
  memset(&o, 0, sizeof o);
  o.sets[0] = set_subj, o.nsets = 1, o.time_limit_min = -1;
  cfg_t c;
  d2m_err err;
  cr_assert_eq(launch_resolve_local(&o, &c, &err), 0, "%s", err.msg);
  char *text = test_cfg_text(&c);
  cr_assert(strstr(text, "\n[device]\nankle = right\n"), "config.resolved.ini text lacks ankle = right");
  cr_assert(strstr(text, "\nankle_mass_shank = 1.1\n"), "config.resolved.ini text lacks the shank mass");
  free(text);
  /* the resolved config read back (a resume) is consistent with the subject: no conflict */
  cr_assert_eq(dev_subject_apply(&c, &err), 0, "%s", err.msg);
  o.sets[1] = "device.ankle=left", o.nsets = 2;
  cr_assert_eq(launch_resolve_local(&o, &c, &err), -1, "train accepted a conflicting --set");
  cr_assert(strstr(err.msg, "conflicts with device.ankle = left"), "%s", err.msg);
  unlink(p);
}
