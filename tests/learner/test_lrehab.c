/* tests/learner/test_lrehab.c: the learner's phase step of the rehabilitation loop (learner/lrehab.h):
 * batches' use in, body out. Known answers from the rule of envs/rehab.h, the direction (more use,
 * more recovery; the other side and an unused muscle stay), the ceiling over many phases, the phase
 * schedule, the starting body from the subject file, the checkpoint state round trip and rehab.csv. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "learner/lrehab.h"

static const char *k_subject = "/tmp/d2m_lrehab_test.subject";

/* A right-paretic subject (strength 0.5, soleus reflex 0.4) and rehab on with the given extra key. */
static void setup(lrehab *r, const char *recover, double rate) {
  FILE *f = fopen(k_subject, "w");
  cr_assert(f);
  fputs("strength.*_r = 0.5\nspasticity.gain.soleus_r = 0.4\n", f);
  fclose(f);
  cfg_t c;
  cfg_defaults(&c);
  d2m_err err = {{0}};
  char rt[32];
  snprintf(rt, sizeof rt, "%g", rate);
  cr_assert_eq(cfg_set(&c, "test", "env", "subject", k_subject, &err), 0, "%s", err.msg);
  cr_assert_eq(cfg_set(&c, "test", "rehab", "enabled", "true", &err), 0, "%s", err.msg);
  cr_assert_eq(cfg_set(&c, "test", "rehab", "phase_updates", "3", &err), 0, "%s", err.msg);
  cr_assert_eq(cfg_set(&c, "test", "rehab", "recover", recover, &err), 0, "%s", err.msg);
  cr_assert_eq(cfg_set(&c, "test", "rehab", "rate", rt, &err), 0, "%s", err.msg);
  cr_assert_eq(lrehab_init(r, &c, &err), 0, "%s", err.msg);
  unlink(k_subject);
}

static int muscle(const char *name) {
  for (int i = 0; i < MODEL_NMUSCLE; i++)
    if (!strcmp(model_muscle_name(i), name)) return i;
  cr_assert_fail("no muscle %s", name);
  return -1;
}

Test(lrehab, starting_body_is_the_subject) {
  lrehab r;
  setup(&r, "strength", 0.1);
  int sol_r = muscle("soleus_r"), sol_l = muscle("soleus_l");
  cr_assert_eq(r.strength[sol_r], 0.5);
  cr_assert_eq(r.strength[sol_l], 1.0);
  cr_assert_eq(r.spas_gain[sol_r], 0.4);
  cr_assert_eq(r.spas_gain[sol_l], 0.0);
  cr_assert_eq(lrehab_side_mean(&r, r.strength), 0.5);
}

Test(lrehab, schedule) {
  lrehab r;
  setup(&r, "strength", 0.1);
  int due[10];
  for (long u = 0; u < 10; u++) due[u] = lrehab_due(&r, u);
  int want[10] = {0, 0, 0, 1, 0, 0, 1, 0, 0, 1};
  cr_assert_arr_eq(due, want, sizeof due);
  r.on = 0;
  cr_assert_eq(lrehab_due(&r, 3), 0);
}

/* Two batches of 100 and 300 env steps: the phase's mean use is the step-weighted mean of the batches,
 * and the strength moves by rate * use * (ceiling - strength): 0.5 + 0.1 * 0.4 * 0.5 = 0.52. */
Test(lrehab, use_in_body_out_known_answer) {
  lrehab r;
  setup(&r, "both", 0.1);
  int sol_r = muscle("soleus_r"), tib_r = muscle("tibant_r"), sol_l = muscle("soleus_l");
  double a[MODEL_NMUSCLE] = {0}, b[MODEL_NMUSCLE] = {0};
  a[sol_r] = 100 * 0.1, b[sol_r] = 300 * 0.5; /* means 0.1 and 0.5: (10 + 150) / 400 = 0.4 */
  a[sol_l] = 100 * 0.9, b[sol_l] = 300 * 0.9; /* the other side is used, and stays */
  lrehab_add_use(&r, a, 100);
  lrehab_add_use(&r, b, 300);
  int changed = lrehab_phase(&r);
  cr_assert_eq(changed, 2, "soleus_r strength and gain; got %d", changed);
  cr_assert_float_eq(r.use[sol_r], 0.4, 1e-15);
  cr_assert_float_eq(r.strength[sol_r], 0.52, 1e-15);
  cr_assert_float_eq(r.spas_gain[sol_r], 0.4 * (1 - 0.04), 1e-15);
  cr_assert_eq(r.strength[tib_r], 0.5, "an unused muscle does not recover");
  cr_assert_eq(r.strength[sol_l], 1.0, "the other side stays");
  cr_assert_eq(r.phase, 1);
  cr_assert_eq(r.use_count, 0, "the sums restart with the next phase");
  /* a phase without any batch: no use, no recovery */
  cr_assert_eq(lrehab_phase(&r), 0);
  cr_assert_float_eq(r.strength[sol_r], 0.52, 1e-15);
}

/* More use, more recovery; over many phases strength approaches the ceiling and never passes it:
 * after n phases at use u, 1 - s = 0.5 (1 - rate u)^n. */
Test(lrehab, direction_and_ceiling) {
  lrehab r;
  setup(&r, "strength", 0.5);
  int sol_r = muscle("soleus_r"), gas_r = muscle("gasmed_r");
  double s[MODEL_NMUSCLE] = {0};
  for (int n = 1; n <= 60; n++) {
    s[sol_r] = 10 * 1.0, s[gas_r] = 10 * 0.2;
    lrehab_add_use(&r, s, 10);
    lrehab_phase(&r);
    cr_assert(r.strength[sol_r] <= 1.0 && r.strength[gas_r] <= 1.0, "phase %d passes the ceiling", n);
    cr_assert(r.strength[sol_r] > r.strength[gas_r], "phase %d: the more used muscle is not stronger", n);
    if (n == 5) {
      cr_assert_float_eq(r.strength[sol_r], 1 - 0.5 * pow(0.5, 5), 1e-12);
      cr_assert_float_eq(r.strength[gas_r], 1 - 0.5 * pow(0.9, 5), 1e-12);
    }
  }
  cr_assert_float_eq(r.strength[sol_r], 1.0, 1e-12);
  cr_assert_eq(r.spas_gain[sol_r], 0.4, "recover = strength leaves the reflex alone");
}

Test(lrehab, state_round_trip_and_refusal) {
  lrehab r, q;
  setup(&r, "both", 0.3);
  setup(&q, "both", 0.3);
  double s[MODEL_NMUSCLE];
  for (int i = 0; i < MODEL_NMUSCLE; i++) s[i] = 7.0 * (i % 5) / 10.0;
  lrehab_add_use(&r, s, 7);
  lrehab_phase(&r);
  lrehab_add_use(&r, s, 7); /* a phase under way is part of the state */
  double st[LREHAB_STATE];
  d2m_err err = {{0}};
  lrehab_pack(&r, st);
  cr_assert_eq(lrehab_unpack(&q, st, &err), 0, "%s", err.msg);
  cr_assert_eq(memcmp(q.strength, r.strength, sizeof r.strength), 0);
  cr_assert_eq(memcmp(q.spas_gain, r.spas_gain, sizeof r.spas_gain), 0);
  cr_assert_eq(memcmp(q.use_sum, r.use_sum, sizeof r.use_sum), 0);
  cr_assert_eq(q.use_count, 7);
  cr_assert_eq(q.phase, 1);
  lrehab_phase(&r);
  lrehab_phase(&q);
  cr_assert_eq(memcmp(q.strength, r.strength, sizeof r.strength), 0, "the resumed phase differs");
  st[3] = NAN;
  cr_assert_eq(lrehab_unpack(&q, st, &err), -1);
  cr_assert(strstr(err.msg, "rehab state: element 3"), "%s", err.msg);
}

Test(lrehab, csv_rows) {
  lrehab r;
  setup(&r, "strength", 0.1);
  char *buf = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&buf, &n);
  lrehab_csv_header(&r, f);
  double s[MODEL_NMUSCLE] = {0};
  s[muscle("soleus_r")] = 40; /* use 0.4 over 100 steps: the side's mean use is 0.01 */
  lrehab_add_use(&r, s, 100);
  lrehab_phase(&r);
  cr_assert_eq(lrehab_csv_row(&r, f, 3, 1200), 0);
  fclose(f);
  char *row = strchr(buf, '\n') + 1;
  int commas = 0;
  for (char *p = buf; *p != '\n'; p++) commas += *p == ',';
  cr_assert_eq(commas + 1, LREHAB_CSV_FIELDS);
  cr_assert(strstr(buf, ",strength.soleus_r,"), "%s", buf);
  cr_assert_eq(strncmp(row, "3,1,1200,right,0.01,", 20), 0, "%s", row);
  free(buf);
}
