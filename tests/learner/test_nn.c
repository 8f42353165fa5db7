/* tests/learner/test_nn.c: MLP kernels (BLIS vs naive reference vs float64 finite differences),
 * fast tanh, orthogonal init, arena layout, batched actor inference. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/ac.h"
#include "tests/learner/learner_cfg.h"
#include "nn/blis_util.h"
#include "nn/gauss.h"
#include "common/log.h"
#include "nn/nn.h"
#include "common/rng.h"

static void fill(float *x, size_t n, rng_t *r, float s) {
  for (size_t i = 0; i < n; i++) x[i] = s * (float)rng_normal(r);
}

static double max_rel(const float *a, const float *b, size_t n) {
  double m = 0, scale = 1e-3;
  for (size_t i = 0; i < n; i++) scale = fmax(scale, fabs(b[i]));
  for (size_t i = 0; i < n; i++) m = fmax(m, fabs((double)a[i] - b[i]) / scale);
  return m;
}

Test(nn, fast_tanh_accuracy) {
  double worst = 0;
  for (double x = -12; x <= 12; x += 1e-4) worst = fmax(worst, fabs(nn_tanhf((float)x) - tanh((float)x)));
  cr_expect_lt(worst, 5e-7, "max |tanh error| %g", worst);
  cr_expect_eq(nn_tanhf(0.f), 0.f);
  cr_expect_leq(nn_tanhf(100.f), 1.f);
}

Test(nn, layout_alignment_and_names) {
  ac_config c = TEST_AC(309, 80, "nn.hidden=512,512");
  ac_net n;
  ac_init(&n, &c);
  size_t expect = 0;
  for (int i = 0; i < n.layout.nviews; i++) {
    cr_expect_eq(n.layout.view[i].off % 16, 0, "view %s not 64-byte aligned", n.layout.view[i].name);
    expect += n.layout.view[i].n;
  }
  /* pi: 309*512+512 + 512*512+512 + 512*80+80; log_std 80; v: 309*512+512 + 512*512+512 + 512+1 */
  cr_expect_eq(expect, (size_t)(158208 + 512 + 262144 + 512 + 40960 + 80 + 80 + 158208 + 512 + 262144 + 512 + 512 + 1));
  cr_expect_geq(n.nparams, expect);
  const nn_view *w = nn_layout_find(&n.layout, "pi.0.w");
  cr_assert_not_null(w);
  cr_expect_eq(w->rows, 512);
  cr_expect_eq(w->cols, 309);
  cr_expect_not_null(nn_layout_find(&n.layout, "log_std"));
  cr_expect_not_null(nn_layout_find(&n.layout, "v.2.b"));
  cr_expect_null(nn_layout_find(&n.layout, "v.3.w"));
  cr_expect_eq(nn_layout_find(&n.layout, "log_std")->off, n.log_std_off);
}

/* Shapes chosen to cross BLIS micro-tile edges (odd sizes). */
static const int k_dims[] = {13, 37, 29, 5};

Test(nn, blis_matches_reference_forward_backward) {
  rng_t r;
  rng_seed(&r, 1, 0, RNG_TEST, 0);
  for (int a = 0; a <= NN_ACT_SILU; a++) {
    nn_layout L;
    nn_layout_init(&L);
    nn_mlp m;
    nn_mlp_init(&m, &L, "m", 3, k_dims, (nn_act)a);
    float *p = xaligned(L.total * sizeof(float)), *g1 = xaligned(L.total * sizeof(float)),
          *g2 = xaligned(L.total * sizeof(float));
    fill(p, L.total, &r, 0.3f);
    int B = 23;
    float *x = xaligned((size_t)B * 13 * sizeof(float)), *dout = xaligned((size_t)B * 5 * sizeof(float));
    float *dx1 = xaligned((size_t)B * 13 * sizeof(float)), *dx2 = xaligned((size_t)B * 13 * sizeof(float));
    fill(x, (size_t)B * 13, &r, 1.f);
    fill(dout, (size_t)B * 5, &r, 1.f);
    nn_mlp_ws w1, w2;
    nn_mlp_ws_init(&w1, &m, 32, 1);
    nn_mlp_ws_init(&w2, &m, 32, 1);
    w2.use_ref = 1;
    const float *y1 = nn_mlp_forward(&m, p, &w1, x, B), *y2 = nn_mlp_forward(&m, p, &w2, x, B);
    cr_expect_lt(max_rel(y1, y2, (size_t)B * 5), 1e-5, "%s forward", nn_act_name((nn_act)a));
    nn_mlp_backward(&m, p, g1, &w1, dout, B, dx1);
    nn_mlp_backward(&m, p, g2, &w2, dout, B, dx2);
    for (int v = 0; v < L.nviews; v++) {
      const nn_view *vw = &L.view[v];
      cr_expect_lt(max_rel(g1 + vw->off, g2 + vw->off, vw->n), 1e-5, "%s grad %s", nn_act_name((nn_act)a), vw->name);
    }
    cr_expect_lt(max_rel(dx1, dx2, (size_t)B * 13), 1e-5, "%s dx", nn_act_name((nn_act)a));
    /* the overwriting variant equals zeroing + backward and reports the squared norm */
    float *g3 = xaligned(L.total * sizeof(float));
    for (size_t i = 0; i < L.total; i++) g3[i] = 99.f; /* stale values must be overwritten */
    for (int v = 0; v < L.nviews; v++) /* except padding, which set mode never touches */
      for (size_t i = L.view[v].off + L.view[v].n; i < (v + 1 < L.nviews ? L.view[v + 1].off : L.total); i++) g3[i] = 0;
    double ss = 0, ref_ss = 0;
    nn_mlp_backward_set(&m, p, g3, &w1, dout, B, NULL, &ss);
    for (size_t i = 0; i < L.total; i++) ref_ss += (double)g1[i] * g1[i];
    cr_expect_lt(max_rel(g3, g1, L.total), 1e-6, "%s set mode", nn_act_name((nn_act)a));
    cr_expect_float_eq(ss, ref_ss, 1e-5 * ref_ss);
    free(g3);
    /* backward accumulates: a second call doubles the gradients */
    nn_mlp_backward(&m, p, g1, &w1, dout, B, NULL);
    for (int v = 0; v < L.nviews; v++)
      for (size_t i = 0; i < L.view[v].n; i++) g2[L.view[v].off + i] *= 2;
    cr_expect_lt(max_rel(g1, g2, L.total), 1e-5, "accumulation");
    nn_mlp_ws_free(&w1);
    nn_mlp_ws_free(&w2);
    free(p), free(g1), free(g2), free(x), free(dout), free(dx1), free(dx2);
  }
}

/* float64 reference MLP: loss = sum(out * R). */
static double ref_loss(const nn_mlp *m, const double *p, const double *x, const double *R, int B) {
  double h[2][64], loss = 0;
  for (int b = 0; b < B; b++) {
    const double *in = x + (size_t)b * m->dim[0];
    for (int l = 0; l < m->nlayers; l++) {
      double *out = h[l & 1];
      for (int o = 0; o < m->dim[l + 1]; o++) {
        double s = p[m->b_off[l] + o];
        for (int k = 0; k < m->dim[l]; k++) s += p[m->w_off[l] + (size_t)o * m->dim[l] + k] * in[k];
        if (l + 1 < m->nlayers)
          s = m->act == NN_ACT_TANH ? tanh(s) : m->act == NN_ACT_ELU ? (s > 0 ? s : expm1(s)) : s / (1 + exp(-s));
        out[o] = s;
      }
      in = out;
    }
    for (int o = 0; o < m->dim[m->nlayers]; o++) loss += in[o] * R[(size_t)b * m->dim[m->nlayers] + o];
  }
  return loss;
}

Test(nn, gradients_match_float64_finite_differences) {
  rng_t r;
  rng_seed(&r, 2, 0, RNG_TEST, 0);
  const int dims[] = {6, 11, 9, 4};
  for (int a = 0; a <= NN_ACT_SILU; a++) {
    nn_layout L;
    nn_layout_init(&L);
    nn_mlp m;
    nn_mlp_init(&m, &L, "m", 3, dims, (nn_act)a);
    int B = 5;
    float *p = xaligned(L.total * 4), *g = xaligned(L.total * 4), *x = xaligned(B * 6 * 4), *R = xaligned(B * 4 * 4),
          *dx = xaligned(B * 6 * 4);
    fill(p, L.total, &r, 0.5f);
    fill(x, B * 6, &r, 1.f);
    fill(R, B * 4, &r, 1.f);
    double *pd = malloc(L.total * 8), *xd = malloc(B * 6 * 8), *Rd = malloc(B * 4 * 8);
    for (size_t i = 0; i < L.total; i++) pd[i] = p[i];
    for (int i = 0; i < B * 6; i++) xd[i] = x[i];
    for (int i = 0; i < B * 4; i++) Rd[i] = R[i];
    nn_mlp_ws ws;
    nn_mlp_ws_init(&ws, &m, B, 1);
    nn_mlp_forward(&m, p, &ws, x, B);
    nn_mlp_backward(&m, p, g, &ws, R, B, dx);
    const double h = 1e-6;
    for (int v = 0; v < L.nviews; v++) { /* every parameter block */
      const nn_view *vw = &L.view[v];
      double worst = 0;
      for (size_t i = vw->off; i < vw->off + vw->n; i++) {
        double s = pd[i];
        pd[i] = s + h;
        double lp = ref_loss(&m, pd, xd, Rd, B);
        pd[i] = s - h;
        double lm = ref_loss(&m, pd, xd, Rd, B);
        pd[i] = s;
        double fd = (lp - lm) / (2 * h);
        worst = fmax(worst, fabs(fd - g[i]) / fmax(1.0, fabs(fd)));
      }
      cr_expect_lt(worst, 2e-4, "%s %s: worst rel err %g", nn_act_name((nn_act)a), vw->name, worst);
    }
    double worst = 0;
    for (int i = 0; i < B * 6; i++) {
      double s = xd[i];
      xd[i] = s + h;
      double lp = ref_loss(&m, pd, xd, Rd, B);
      xd[i] = s - h;
      double lm = ref_loss(&m, pd, xd, Rd, B);
      xd[i] = s;
      worst = fmax(worst, fabs((lp - lm) / (2 * h) - dx[i]) / fmax(1.0, fabs((lp - lm) / (2 * h))));
    }
    cr_expect_lt(worst, 2e-4, "%s dx: %g", nn_act_name((nn_act)a), worst);
    nn_mlp_ws_free(&ws);
    free(p), free(g), free(x), free(R), free(dx), free(pd), free(xd), free(Rd);
  }
}

Test(nn, orthogonal_init) {
  rng_t r;
  rng_seed(&r, 3, 0, RNG_TEST, 0);
  int shapes[][2] = {{8, 20}, {20, 8}, {16, 16}};
  for (int s = 0; s < 3; s++) {
    int R = shapes[s][0], C = shapes[s][1], k = R < C ? R : C;
    float W[400];
    nn_orthogonal(W, R, C, 2.f, &r);
    double worst = 0; /* W W^T = 4 I (rows <= cols) or W^T W = 4 I */
    for (int a = 0; a < k; a++)
      for (int b = 0; b < k; b++) {
        double d = 0;
        for (int i = 0; i < (R <= C ? C : R); i++)
          d += R <= C ? (double)W[a * C + i] * W[b * C + i] : (double)W[i * C + a] * W[i * C + b];
        worst = fmax(worst, fabs(d - (a == b ? 4.0 : 0.0)));
      }
    cr_expect_lt(worst, 1e-5, "shape %dx%d: %g", R, C, worst);
  }
}

Test(nn, actor_batched_inference) {
  /* deterministic = mu here (nn.deterministic = mean_excitation is tested in test_heads.c) */
  ac_config c = TEST_AC(7, 3, "nn.hidden=16,16", "nn.init_log_std=-0.5", "nn.deterministic=mean_action");
  ac_net n;
  ac_init(&n, &c);
  float *p = xaligned(n.nparams * 4);
  rng_t r;
  rng_seed(&r, 4, 0, RNG_INIT, 0);
  ac_init_params(&n, p, &r);
  fill(p + n.pi.w_off[2], 3 * 16, &r, 0.5f); /* make the policy head non-trivial */
  cr_expect_float_eq(p[n.log_std_off + 2], -0.5f, 0);
  cr_expect_float_eq(p[n.v.b_off[0]], 0.f, 0);
  enum { E = 9 };
  float obs[E * 7], act[E * 3], logp[E], val[E], act1[3], logp1, val1;
  fill(obs, E * 7, &r, 1.f);
  ac_ws ws, ws1;
  ac_ws_init(&ws, &n, E, 0);
  ac_ws_init(&ws1, &n, 1, 0);
  ac_act(&n, p, &ws, obs, E, NULL, 1, act, logp, val);
  for (int e = 0; e < E; e++) { /* batched rows equal one-at-a-time; deterministic logp closed form */
    ac_act(&n, p, &ws1, obs + e * 7, 1, NULL, 1, act1, &logp1, &val1);
    for (int j = 0; j < 3; j++) cr_expect_float_eq(act[e * 3 + j], act1[j], 1e-5);
    cr_expect_float_eq(val[e], val1, 1e-5);
    cr_expect_float_eq(logp[e], 3 * (0.5 - 0.5 * GAUSS_LOG_2PI), 1e-5);
  }
  rng_t r1, r2;
  rng_seed(&r1, 5, 0, RNG_POLICY, 0);
  r2 = r1;
  float sa[E * 3], sb[E * 3], lp[E];
  ac_act(&n, p, &ws, obs, E, &r1, 0, sa, lp, NULL);
  ac_act(&n, p, &ws, obs, E, &r2, 0, sb, NULL, NULL);
  cr_expect_eq(memcmp(sa, sb, sizeof sa), 0, "same stream, same actions");
  for (int e = 0; e < E; e++)
    cr_expect_float_eq(lp[e], gauss_logp(act + e * 3, p + n.log_std_off, sa + e * 3, 3), 1e-5);
  ac_ws_free(&ws);
  ac_ws_free(&ws1);
  free(p);
}

Test(blis, avx512_detection_matches_cpuinfo) {
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) cr_skip_test("no /proc/cpuinfo");
  char line[8192];
  int flag = -1;
  while (flag < 0 && fgets(line, sizeof line, f))
    if (!strncmp(line, "flags", 5)) flag = strstr(line, " avx512f") != NULL;
  fclose(f);
  if (flag < 0) cr_skip_test("no flags line in /proc/cpuinfo");
  cr_expect_eq(blis_cpu_has_avx512f(), flag, "cpuid/xgetbv says %d, /proc/cpuinfo says %d", blis_cpu_has_avx512f(), flag);
}
