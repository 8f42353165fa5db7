/* tests/model/test_subject_impair.c: the impairment keys of a subject file (values, file:line
 * errors), the synergy file format, and contracture's effect on the muscles' passive force-length
 * curve (known answer from MuJoCo's own muscle bias). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "envs/model/model.h"

static char g_dir[] = "/tmp/d2m_subj_XXXXXX";
static void setup(void) { cr_assert(mkdtemp(g_dir)); }
static void teardown(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", g_dir);
  cr_assert_eq(system(cmd), 0);
}
TestSuite(subject_impair, .init = setup, .fini = teardown);

static const char *put(const char *name, const char *text) {
  static char path[4][256];
  static int n;
  char *p = path[n++ % 4];
  snprintf(p, 256, "%s/%s", g_dir, name);
  FILE *f = fopen(p, "w");
  cr_assert(f);
  fputs(text, f);
  fclose(f);
  return p;
}

/* A synergy file of the side's 40 muscles, weights w(i, j) = ((i * 7 + j * 3) % 5) / 4. */
static const char *synergy_file(const char *name, int side, int k) {
  char text[8192] = "# test synergies\n";
  size_t o = strlen(text);
  for (int i = 0; i < MODEL_NMUSCLE / 2; i++) {
    const char *nm = model_muscle_name(i + side * MODEL_NMUSCLE / 2);
    o += (size_t)snprintf(text + o, sizeof text - o, "%.*s", (int)strlen(nm) - 2, nm);
    for (int j = 0; j < k; j++) o += (size_t)snprintf(text + o, sizeof text - o, " %g", ((i * 7 + j * 3) % 5) / 4.0);
    o += (size_t)snprintf(text + o, sizeof text - o, "\n");
  }
  return put(name, text);
}

Test(subject_impair, keys_and_defaults) {
  synergy_file("syn.txt", 0, 3);
  const char *p = put("a.subject", "spasticity.gain.*_r = 2\nspasticity.threshold.soleus_r = 0.3\n"
                                     "spasticity.delay_s = 0.04\ncontracture.lopt.gasmed_l = 0.85\n"
                                     "contracture.passive.*_l = 3\nmotor_noise = 0.1\nobs_delay = 2\n"
                                     "synergy.side = right\nsynergy.file = syn.txt\nsynergy.mix = 0.7\n"
                                     "fatigue = on\nfatigue.F = 0.02\nfatigue.R = 0.003\nfatigue.L = 8\n");
  model_subject s;
  d2m_err e = {{0}};
  cr_assert_eq(model_subject_load(p, &s, &e), 0, "%s", e.msg);
  int sol = model_muscle_index("soleus_r"), gm = model_muscle_index("gasmed_l");
  for (int i = 0; i < MODEL_NMUSCLE; i++) {
    int right = i < MODEL_NMUSCLE / 2;
    cr_expect_eq(s.spas_gain[i], right ? 2 : 0);
    cr_expect_eq(s.spas_threshold[i], i == sol ? 0.3 : 0.1);
    cr_expect_eq(s.lopt[i], i == gm ? 0.85 : 1);
    cr_expect_eq(s.passive[i], right ? 1 : 3);
  }
  cr_expect(s.spas_delay_s == 0.04 && s.motor_noise == 0.1 && s.obs_delay == 2 && s.syn_mix == 0.7);
  cr_expect(s.syn_side == 0 && s.syn_k == 3);
  cr_expect(s.fatigue == 1 && s.fat_F == 0.02 && s.fat_R == 0.003 && s.fat_L == 8);
  cr_expect_eq(s.syn_w[5][1], ((5 * 7 + 3) % 5) / 4.0);
  /* the defaults: unimpaired, threshold 0.1 L0/s, delay 30 ms */
  model_subject d;
  model_subject_default(&d);
  cr_expect(d.spas_gain[3] == 0 && d.spas_threshold[3] == 0.1 && d.spas_delay_s == 0.030 && d.motor_noise == 0 &&
            d.obs_delay == 0 && d.syn_mix == 0 && d.syn_k == 0 && d.lopt[3] == 1 && d.passive[3] == 1);
  cr_expect(d.fatigue == 0 && d.fat_F == 0.01508 && d.fat_R == 0.00149 && d.fat_L == 10, "fatigue off, knee rates");
}

/* Bad input: an error naming file:line and the key, never a crash. */
Test(subject_impair, errors_name_file_line_key) {
  synergy_file("syn.txt", 1, 2);
  const struct {
    const char *text, *needle;
  } bad[] = {
      {"motor_noise = 0.1\nspasticity.gain.nosuch_r = 1\n", ":2: spasticity.gain.nosuch_r: no such muscle"},
      {"spasticity.gain.soleus_r = -1\n", ":1: spasticity.gain.soleus_r: spasticity.gain.soleus_r -1 outside"},
      {"spasticity.delay_s = 0.5\n", ":1: spasticity.delay_s"},
      {"contracture.lopt.*_l = 0.1\n", ":1: contracture.lopt.*_l"},
      {"obs_delay = 1.5\n", ":1: obs_delay: '1.5' is not a whole number"},
      {"obs_delay = 40\n", ":1: obs_delay"},
      {"synergy.side = middle\n", ":1: synergy.side: 'middle' is neither right nor left"},
      {"synergy.side = left\nsynergy.file = nofile.txt\n", ":2: synergy.file:"},
      {"synergy.file = syn.txt\nsynergy.side = left\n", ":2: synergy.side: give the side before"},
      {"synergy.mix = 0.5\n", "synergy.mix = 0.5 needs a synergy.file"},
      {"synergy.mix = 2\n", ":1: synergy.mix"},
      {"motor_noise = lots\n", ":1: motor_noise: 'lots' is not a number"},
      {"fatigue = maybe\n", ":1: fatigue: 'maybe' is neither on nor off"},
      {"fatigue.R = -1\n", ":1: fatigue.R"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    const char *p = put("bad.subject", bad[i].text);
    model_subject s;
    d2m_err e = {{0}};
    cr_expect_eq(model_subject_load(p, &s, &e), -1, "accepted: %s", bad[i].text);
    cr_expect(strstr(e.msg, p) && strstr(e.msg, bad[i].needle), "'%s': message '%s' lacks '%s'", bad[i].text, e.msg,
              bad[i].needle);
  }
}

Test(subject_impair, synergy_file_format) {
  model_subject s;
  model_subject_default(&s);
  s.syn_side = 1;
  d2m_err e = {{0}};
  const char *good = synergy_file("good.txt", 1, 4);
  cr_assert_eq(model_synergy_load(good, &s, &e), 0, "%s", e.msg);
  cr_assert_eq(s.syn_k, 4);
  /* written back and read again: the same matrix */
  model_subject t = s;
  memset(t.syn_w, 0, sizeof t.syn_w);
  char out[300];
  snprintf(out, sizeof out, "%s/out.txt", g_dir);
  cr_assert_eq(model_synergy_write(out, &s, &e), 0, "%s", e.msg);
  cr_assert_eq(model_synergy_load(out, &t, &e), 0, "%s", e.msg);
  cr_assert(!memcmp(t.syn_w, s.syn_w, sizeof s.syn_w) && t.syn_k == 4);
  const struct {
    const char *text, *needle;
  } bad[] = {
      {"soleus 1 2\nsoleus 1 2\n", ":2: soleus: listed twice (first on line 1)"},
      {"soleus 1 -2\n", ":1: soleus: weight 2 = -2"},
      {"soleus 1 x\n", ":1: soleus: weight 2 is not a number"},
      {"soleus 1 2\ntibant 1\n", ":2: tibant: 1 weights, earlier lines have 2"},
      {"soleus_l 1\n", ":1: 'soleus_l': no such muscle on the left side"},
      {"soleus 1\n", "missing"},
      {"soleus\n", ":1: soleus: no weights"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    const char *p = put("bad.txt", bad[i].text);
    cr_expect_eq(model_synergy_load(p, &s, &e), -1, "accepted: %s", bad[i].text);
    cr_expect(strstr(e.msg, bad[i].needle), "'%s': message '%s' lacks '%s'", bad[i].text, e.msg, bad[i].needle);
  }
  /* two equal columns: rank deficient */
  char text[4096] = "";
  size_t o = 0;
  for (int i = 0; i < MODEL_NMUSCLE / 2; i++) {
    const char *nm = model_muscle_name(i + MODEL_NMUSCLE / 2);
    o += (size_t)snprintf(text + o, sizeof text - o, "%.*s %d %d\n", (int)strlen(nm) - 2, nm, i % 3, i % 3);
  }
  cr_expect_eq(model_synergy_load(put("dep.txt", text), &s, &e), -1);
  cr_expect(strstr(e.msg, "linearly dependent"), "%s", e.msg);
}

/* Contracture: optimal fibre length L0 * f moves the passive curve's onset (normalised length 1,
 * musculotendon length LT + L0) to LT + f L0, and the passive factor scales fpmax, so the passive
 * force at the same normalised length is that factor times the reference's. */
Test(subject_impair, contracture_shifts_passive_force_length) {
  model_subject s;
  model_subject_default(&s);
  d2m_err e = {{0}};
  mjModel *ref = model_load(&s, &e);
  cr_assert(ref, "%s", e.msg);
  int i = model_muscle_index("soleus_r");
  s.lopt[i] = 0.8;
  s.passive[i] = 2;
  mjModel *con = model_load(&s, &e);
  cr_assert(con, "%s", e.msg);
  const mjtNum *gr = ref->actuator_gainprm + mjNGAIN * i, *gc = con->actuator_gainprm + mjNGAIN * i;
  const mjtNum *br = ref->actuator_biasprm + mjNBIAS * i, *bc = con->actuator_biasprm + mjNBIAS * i;
  const mjtNum *lrr = ref->actuator_lengthrange + 2 * i, *lrc = con->actuator_lengthrange + 2 * i;
  double L0r = (lrr[1] - lrr[0]) / (gr[1] - gr[0]), L0c = (lrc[1] - lrc[0]) / (gc[1] - gc[0]);
  double LTr = lrr[0] - gr[0] * L0r, LTc = lrc[0] - gc[0] * L0c;
  cr_expect_float_eq(L0c, 0.8 * L0r, 1e-9, "optimal fibre length");
  cr_expect_float_eq(LTc, LTr, 1e-9, "tendon slack length unchanged");
  cr_expect(gc[7] == 2 * gr[7] && bc[7] == 2 * br[7], "fpmax doubled in gainprm[7] and biasprm[7]");
  cr_expect(bc[2] == br[2] && gc[2] == gr[2], "peak force unchanged");
  for (double x = 0.6; x <= 1.6; x += 0.05) { /* normalised fibre length */
    double fr = mju_muscleBias(LTr + x * L0r, lrr, ref->actuator_acc0[i], br);
    double fc = mju_muscleBias(LTc + x * L0c, lrc, con->actuator_acc0[i], bc);
    cr_expect(fabs(fc - 2 * fr) <= 1e-9 * (1 + fabs(fr)), "x = %g: passive %g, expected 2 x %g", x, fc, fr);
    if (x < 0.999) cr_expect_eq(fr, 0, "no passive force below the optimal length");
  }
  /* at the same musculotendon length, just past the reference onset, the contracted muscle is
   * already stretched well beyond its own onset */
  double L = LTr + 1.05 * L0r;
  double fr = mju_muscleBias(L, lrr, ref->actuator_acc0[i], br), fc = mju_muscleBias(L, lrc, con->actuator_acc0[i], bc);
  cr_expect(fc < 10 * fr && fr < 0, "contracted %g vs reference %g (tension is negative bias)", fc, fr);
  /* the other muscles are untouched */
  for (int j = 0; j < MODEL_NMUSCLE; j++)
    if (j != i)
      cr_expect(!memcmp(ref->actuator_biasprm + mjNBIAS * j, con->actuator_biasprm + mjNBIAS * j, sizeof(mjtNum) * mjNBIAS) &&
                !memcmp(ref->actuator_lengthrange + 2 * j, con->actuator_lengthrange + 2 * j, 2 * sizeof(mjtNum)));
  mj_deleteModel(ref);
  mj_deleteModel(con);
}

/* NMF: excitations made of k known non-negative synergies are fitted with VAF ~ 1, and the fitted
 * synergies span the true ones; fewer synergies account for less. */
Test(subject_impair, synergy_fit_recovers_known_synergies) {
  enum { H = MODEL_NMUSCLE / 2, N = 60, K = 3 };
  double w0[H][K], act[N][MODEL_NMUSCLE];
  for (int i = 0; i < H; i++)
    for (int j = 0; j < K; j++) w0[i][j] = (i % (K + 1) == j) ? 1.0 : ((i * 3 + j * 5) % 7) / 20.0;
  for (int t = 0; t < N; t++)
    for (int i = 0; i < MODEL_NMUSCLE; i++) {
      act[t][i] = i < H ? 0 : 0.3; /* the right side is fitted (syn_side 0) */
      for (int j = 0; i < H && j < K; j++) act[t][i] += w0[i][j] * 0.2 * (1 + sin(0.3 * t + 2.1 * j));
    }
  model_subject s;
  model_subject_default(&s);
  d2m_err e = {{0}};
  double vaf;
  cr_assert_eq(model_synergy_fit(&s, &act[0][0], N, MODEL_NMUSCLE, K, 3000, &vaf, &e), 0, "%s", e.msg);
  cr_expect_eq(s.syn_k, K);
  cr_expect(vaf > 0.999, "VAF %g with the true number of synergies", vaf);
  for (int j = 0; j < K; j++) { /* each true synergy in the span of the fitted ones (least squares via normal equations) */
    double g[K][K + 1] = {{0}};
    for (int a = 0; a < K; a++) {
      for (int b = 0; b < K; b++)
        for (int i = 0; i < H; i++) g[a][b] += s.syn_w[i][a] * s.syn_w[i][b];
      for (int i = 0; i < H; i++) g[a][K] += s.syn_w[i][a] * w0[i][j];
    }
    for (int c = 0; c < K; c++)
      for (int r = 0; r < K; r++)
        if (r != c) {
          double f = g[r][c] / g[c][c];
          for (int q = 0; q <= K; q++) g[r][q] -= f * g[c][q];
        }
    double res = 0, nn = 0;
    for (int i = 0; i < H; i++) {
      double y = 0;
      for (int a = 0; a < K; a++) y += s.syn_w[i][a] * g[a][K] / g[a][a];
      res += (y - w0[i][j]) * (y - w0[i][j]), nn += w0[i][j] * w0[i][j];
    }
    cr_expect(sqrt(res / nn) < 0.02, "true synergy %d: relative residual %g", j, sqrt(res / nn));
  }
  for (int i = 0; i < H; i++)
    for (int j = 0; j < K; j++) cr_expect(s.syn_w[i][j] >= 0 && s.syn_w[i][j] <= 1);
  double vaf2;
  cr_assert_eq(model_synergy_fit(&s, &act[0][0], N, MODEL_NMUSCLE, 2, 3000, &vaf2, &e), 0, "%s", e.msg);
  cr_expect(vaf2 < vaf - 1e-3, "two synergies should account for less (%g vs %g)", vaf2, vaf);
  cr_expect_eq(model_synergy_fit(&s, &act[0][0], N, MODEL_NMUSCLE, 9, 10, &vaf2, &e), -1);
  cr_expect(strstr(e.msg, "k = 9"), "%s", e.msg);
}
