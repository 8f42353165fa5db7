/* learner/amp.c: see amp.h (objective and the gradient-penalty derivation are written there). */
#include "learner/amp.h"

#include "learner/group.h"

#include <blis.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* C[m][n] = op(A) op(B) + beta C, row-major; op(A) is [m][k] (ta: A is stored [k][m]). */
static void mm(int ta, int tb, int m, int n, int k, const float *A, const float *B, float beta, float *C) {
  float one = 1.f;
  int lda = ta ? m : k, ldb = tb ? k : n;
  bli_sgemm(ta ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, tb ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE, m, n, k, &one, (float *)A,
            lda, 1, (float *)B, ldb, 1, &beta, C, n, 1);
}

int amp_select_columns(const float *ref, long nref, int draw, int *sel) {
  int ns = 0;
  for (int j = 0; j < draw; j++) {
    double s = 0, s2 = 0;
    for (long i = 0; i < nref; i++) s += ref[(size_t)i * draw + j];
    double mu = s / (double)nref;
    for (long i = 0; i < nref; i++) {
      double d = ref[(size_t)i * draw + j] - mu;
      s2 += d * d;
    }
    if (sqrt(s2 / (double)nref) < AMP_SEL_MIN_STD) continue;
    if (sel) sel[ns] = j;
    ns++;
  }
  return ns;
}

void amp_select(const amp_disc *a, const float *x, long n, float *out) {
  for (long i = 0; i < n; i++)
    for (int j = 0; j < a->din; j++) out[(size_t)i * a->din + j] = x[(size_t)i * a->draw + a->sel[j]];
}

void amp_norm_export(amp_disc *a) {
  for (int j = 0; j < a->din; j++) {
    double sd = sqrt(rstat_var(&a->norm, j));
    a->mean[j] = (float)a->norm.mean[j];
    a->istd[j] = 1.f / fmaxf((float)sd, AMP_STD_FLOOR);
  }
}

/* amp.hidden ("256,256") into c->hidden / c->nhidden; the error names the key. */
static int amp_parse_hidden(const char *s, amp_config *c, d2m_err *err) {
  c->nhidden = 0;
  const char *p = s;
  while (*p) {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p || v < 1 || v > 65536 || c->nhidden == AMP_MAX_HIDDEN)
      return err_set(err, "amp.hidden = '%s': 1 to %d comma-separated widths in 1..65536", s, AMP_MAX_HIDDEN);
    c->hidden[c->nhidden++] = (int)v;
    p = end;
    if (*p == ',') p++;
    else if (*p) return err_set(err, "amp.hidden = '%s': unexpected '%c'", s, *p);
  }
  if (c->nhidden == 0) return err_set(err, "amp.hidden is empty");
  return 0;
}

int amp_config_from_cfg(const cfg_t *c, amp_config *out, d2m_err *err) {
  memset(out, 0, sizeof *out);
  out->lr = (float)c->amp_lr;
  out->grad_penalty = (float)c->amp_grad_penalty;
  out->logit_reg = (float)c->amp_logit_reg;
  out->weight_decay = (float)c->amp_weight_decay;
  out->epochs = (int)c->amp_epochs;
  out->minibatch = (int)c->amp_minibatch;
  out->replay_size = (long)c->amp_replay_size;
  adam_config_from_cfg(c, &out->adam);
  return amp_parse_hidden(c->amp_hidden, out, err);
}

void amp_init(amp_disc *a, const amp_config *c, const float *ref, long nref, long max_cur, uint64_t seed) {
  memset(a, 0, sizeof *a);
  D2M_CHECK(c->feat > 0 && c->nhidden >= 1 && c->nhidden <= AMP_MAX_HIDDEN, "amp: features and 1..4 hidden layers");
  D2M_CHECK(nref >= 1 && c->minibatch >= 2 && c->replay_size >= 1, "amp: reference rows, minibatch >= 2, replay");
  a->c = *c;
  a->draw = 2 * c->feat;
  a->sel = xcalloc((size_t)a->draw, sizeof(int));
  a->din = amp_select_columns(ref, nref, a->draw, a->sel);
  D2M_CHECK(a->din >= 1, "amp: the reference transitions are constant in every feature (a motionless clip?)");
  a->L = c->nhidden + 1;
  int dim[NN_MAX_LAYERS + 1];
  dim[0] = a->din;
  for (int i = 0; i < c->nhidden; i++) dim[i + 1] = c->hidden[i];
  dim[a->L] = 1;
  nn_layout_init(&a->layout);
  nn_mlp_init(&a->mlp, &a->layout, "disc", a->L, dim, NN_ACT_TANH);
  size_t np = a->layout.total, din = (size_t)a->din, M = (size_t)c->minibatch;
  a->params = xaligned(np * sizeof(float));
  a->grads = xaligned((np + GRP_STATS) * sizeof(float)); /* a group reduces the loss statistics with it */
  memset(a->params, 0, np * sizeof(float));
  rng_t init;
  rng_seed(&init, seed, 0, RNG_INIT, 7);
  nn_mlp_init_params(&a->mlp, a->params, 1.f, &init);
  adam_init(&a->adam, np);
  nn_mlp_ws_init(&a->ws, &a->mlp, (int)(2 * M), 1);
  a->ref = xaligned((size_t)nref * din * sizeof(float));
  amp_select(a, ref, nref, a->ref);
  a->nref = nref;
  /* Shared normalisation, seeded with the reference rows (the first rewards, before any training,
   * see the style data at unit scale). */
  a->mean = xcalloc(din, sizeof(float));
  a->istd = xcalloc(din, sizeof(float));
  rstat_init(&a->norm, a->din);
  for (long i0 = 0; i0 < nref; i0 += 4096) rstat_update(&a->norm, a->ref + (size_t)i0 * din, (int)(nref - i0 < 4096 ? nref - i0 : 4096));
  amp_norm_export(a);
  a->replay = xaligned((size_t)c->replay_size * din * sizeof(float));
  a->cur_cap = max_cur > 0 ? max_cur : 1;
  a->cur = xaligned((size_t)a->cur_cap * din * sizeof(float));
  a->perm = xcalloc((size_t)a->cur_cap, sizeof(int));
  a->x = xaligned(2 * M * din * sizeof(float));
  a->xraw = xaligned(2 * M * din * sizeof(float));
  a->dout = xaligned(2 * M * sizeof(float));
  int mx = nn_mlp_max_dim(&a->mlp);
  for (int l = 0; l <= a->L; l++) {
    a->gp_g[l] = xaligned(M * (size_t)mx * sizeof(float));
    a->gp_u[l] = xaligned(M * (size_t)mx * sizeof(float));
    a->gp_zb[l] = xaligned(M * (size_t)mx * sizeof(float));
  }
  a->gp_a = xaligned(M * (size_t)mx * sizeof(float));
  a->gp_b = xaligned(M * (size_t)mx * sizeof(float));
  rng_seed(&a->rng, seed, 0, RNG_LEARNER, 7);
  a->gsize = 1;
  a->comm = MPI_COMM_NULL;
}

void amp_free(amp_disc *a) {
  if (!a->params) return;
  adam_free(&a->adam);
  nn_mlp_ws_free(&a->ws);
  for (int l = 0; l <= NN_MAX_LAYERS; l++) {
    free(a->gp_g[l]);
    free(a->gp_u[l]);
    free(a->gp_zb[l]);
  }
  rstat_free(&a->norm);
  if (a->norm_new.mean) rstat_free(&a->norm_new);
  void *b[] = {a->params, a->grads, a->mean,  a->istd, a->ref,  a->replay, a->cur,
               a->perm,   a->x,     a->xraw,  a->dout, a->gp_a, a->gp_b,   a->sel};
  for (size_t i = 0; i < sizeof b / sizeof *b; i++) free(b[i]);
  memset(a, 0, sizeof *a);
}

/* Compact rows x[n][din] (x may equal out). */
static void norm_rows(const amp_disc *a, const float *x, long n, float *out) {
  rstat_normalize(a->mean, a->istd, a->din, x, out, (int)n, AMP_NORM_CLIP);
}

void amp_normalize(const amp_disc *a, const float *x, long n, float *out) {
  amp_select(a, x, n, out);
  norm_rows(a, out, n, out);
}

void amp_logits(amp_disc *a, const float *x, long n, float *d) {
  long cap = a->ws.max_batch;
  for (long i0 = 0; i0 < n; i0 += cap) {
    int b = (int)(n - i0 < cap ? n - i0 : cap);
    amp_normalize(a, x + (size_t)i0 * a->draw, b, a->x);
    const float *y = nn_mlp_forward(&a->mlp, a->params, &a->ws, a->x, b);
    memcpy(d + i0, y, (size_t)b * sizeof(float));
  }
}

double amp_rewards(amp_disc *a, const float *x, long n, float *r) {
  amp_logits(a, x, n, r);
  double s = 0;
  for (long i = 0; i < n; i++) {
    r[i] = amp_style_reward(r[i]);
    s += r[i];
  }
  a->rew_sum += s;
  a->rew_n += n;
  return s;
}

long amp_add_policy(amp_disc *a, const float *x, long n) {
  long k = a->cur_cap - a->ncur < n ? a->cur_cap - a->ncur : n;
  amp_select(a, x, k, a->cur + (size_t)a->ncur * a->din);
  a->ncur += k;
  return k;
}

float *amp_policy_tail(amp_disc *a, long n) {
  D2M_CHECK(a->ncur + n <= a->cur_cap, "amp: more policy rows than max_cur in one update");
  float *x = a->cur + (size_t)a->ncur * a->din;
  a->ncur += n;
  return x;
}

/* Gradient penalty from the activations of a forward pass whose first n rows are x (see amp.h). */
static double gp_backprop(amp_disc *a, const float *x, int n, float *const *h, float *grads, double *mean_sq) {
  const nn_mlp *m = &a->mlp;
  const int *d = m->dim;
  int L = a->L;
  float **u = a->gp_u, **g = a->gp_g, **zb = a->gp_zb;
  /* Input gradient: u_{L-1} = 1 * W_{L-1} (a row per sample), then down the chain. */
  const float *wout = a->params + m->w_off[L - 1];
  for (int i = 0; i < n; i++) memcpy(u[L - 1] + (size_t)i * d[L - 1], wout, (size_t)d[L - 1] * sizeof(float));
  for (int l = L - 1; l >= 1; l--) {
    size_t k = (size_t)n * d[l];
    for (size_t i = 0; i < k; i++) g[l][i] = (1.f - h[l][i] * h[l][i]) * u[l][i];
    mm(0, 0, n, d[l - 1], d[l], g[l], a->params + m->w_off[l - 1], 0.f, u[l - 1]);
  }
  double ss = 0;
  for (size_t i = 0; i < (size_t)n * d[0]; i++) ss += (double)u[0][i] * u[0][i];
  double P = 0.5 * a->c.grad_penalty * ss / n;
  if (mean_sq) *mean_sq = ss / n;
  if (!grads) return P;
  /* Upward pass through the backward chain. */
  float *ub = a->gp_a, *gb = a->gp_b, s = a->c.grad_penalty / (float)n;
  for (size_t i = 0; i < (size_t)n * d[0]; i++) ub[i] = s * u[0][i];
  for (int l = 0; l < L; l++) {
    float *dW = grads + m->w_off[l];
    if (l + 1 == L) { /* g_L = 1: dW_out += column sums of ubar */
      for (int i = 0; i < n; i++)
        for (int j = 0; j < d[l]; j++) dW[j] += ub[(size_t)i * d[l] + j];
      break;
    }
    mm(1, 0, d[l + 1], d[l], n, g[l + 1], ub, 1.f, dW);
    mm(0, 1, n, d[l + 1], d[l], ub, a->params + m->w_off[l], 0.f, gb);
    size_t k = (size_t)n * d[l + 1];
    const float *hh = h[l + 1];
    for (size_t i = 0; i < k; i++) {
      float t = 1.f - hh[i] * hh[i];
      zb[l + 1][i] = -2.f * hh[i] * t * u[l + 1][i] * gb[i];
      ub[i] = t * gb[i]; /* ubar_{l+1} (gb stays free for the next layer) */
    }
  }
  /* Downward pass: the zbar enter the forward graph at every hidden layer. */
  float *dz = zb[L - 1], *nx = a->gp_a;
  for (int k = L - 1; k >= 1; k--) {
    const float *hin = k - 1 > 0 ? h[k - 1] : x;
    mm(1, 0, d[k], d[k - 1], n, dz, hin, 1.f, grads + m->w_off[k - 1]);
    float *db = grads + m->b_off[k - 1];
    for (int i = 0; i < n; i++)
      for (int j = 0; j < d[k]; j++) db[j] += dz[(size_t)i * d[k] + j];
    if (k - 1 >= 1) {
      mm(0, 0, n, d[k - 1], d[k], dz, a->params + m->w_off[k - 1], 0.f, nx);
      size_t q = (size_t)n * d[k - 1];
      for (size_t i = 0; i < q; i++) nx[i] = zb[k - 1][i] + (1.f - h[k - 1][i] * h[k - 1][i]) * nx[i];
      dz = nx;
      nx = nx == a->gp_a ? a->gp_b : a->gp_a;
    }
  }
  return P;
}

double amp_gp_term(amp_disc *a, const float *x, int n, float *grads) {
  D2M_CHECK(n >= 1 && n <= a->c.minibatch, "amp_gp_term: at most minibatch rows");
  nn_mlp_forward(&a->mlp, a->params, &a->ws, x, n);
  return gp_backprop(a, x, n, a->ws.act, grads, NULL);
}

double amp_loss_grad(amp_disc *a, const float *xr, int nr, const float *xp, int np, double *lsq, double *gp,
                     double *acc_ref, double *acc_pol) {
  D2M_CHECK(nr >= 1 && np >= 1 && nr <= a->c.minibatch && np <= a->c.minibatch, "amp: minibatch sizes");
  size_t din = (size_t)a->din;
  if (xr != a->x) memmove(a->x, xr, (size_t)nr * din * sizeof(float));
  if (xp != a->x + (size_t)nr * din) memmove(a->x + (size_t)nr * din, xp, (size_t)np * din * sizeof(float));
  int B = nr + np;
  const float *D = nn_mlp_forward(&a->mlp, a->params, &a->ws, a->x, B);
  double l = 0;
  long okr = 0, okp = 0;
  for (int i = 0; i < B; i++) {
    int is_ref = i < nr;
    float t = is_ref ? 1.f : -1.f, n = (float)(is_ref ? nr : np);
    l += (double)(D[i] - t) * (D[i] - t) / n;
    a->dout[i] = 2.f * (D[i] - t) / n;
    okr += is_ref && D[i] > 0;
    okp += !is_ref && D[i] < 0;
  }
  nn_mlp_backward_set(&a->mlp, a->params, a->grads, &a->ws, a->dout, B, NULL, NULL);
  /* The forward activations of rows 0..nr-1 are the reference rows' (row-major, they come first). */
  double msq;
  double P = gp_backprop(a, a->x, nr, a->ws.act, a->c.grad_penalty > 0 ? a->grads : NULL, &msq);
  double reg = 0;
  for (int k = 0; k < a->L; k++) {
    float c = (float)a->c.weight_decay + (k + 1 == a->L ? (float)a->c.logit_reg : 0.f);
    float *w = a->params + a->mlp.w_off[k], *gw = a->grads + a->mlp.w_off[k];
    size_t q = (size_t)a->mlp.dim[k] * a->mlp.dim[k + 1];
    double s = 0;
    for (size_t i = 0; i < q; i++) {
      s += (double)w[i] * w[i];
      gw[i] += 2.f * c * w[i];
    }
    reg += c * s;
  }
  if (lsq) *lsq = l;
  if (gp) *gp = msq;
  if (acc_ref) *acc_ref = (double)okr / nr;
  if (acc_pol) *acc_pol = (double)okp / np;
  return l + P + reg;
}

/* The current rows join the replay buffer (a ring: the oldest are overwritten). */
static void keep_rows(amp_disc *a) {
  size_t din = (size_t)a->din;
  for (long i = 0; i < a->ncur; i++) {
    memcpy(a->replay + (size_t)a->rpos * din, a->cur + (size_t)i * din, din * sizeof(float));
    a->rpos = (a->rpos + 1) % a->c.replay_size;
    if (a->rlen < a->c.replay_size) a->rlen++;
  }
  a->ncur = 0;
}

/* A group: this step's gradient and loss statistics become the group's averages (one allreduce). */
static void group_average(amp_disc *a, double st[4]) {
  size_t np = a->layout.total;
  float *s = a->grads + np;
  for (int i = 0; i < GRP_STATS; i++) s[i] = i < 4 ? (float)st[i] : 0.f;
  double ss, ssv;
  grp_average_grads(a->comm, a->gsize, a->grads, np, np, &ss, &ssv, &a->red_s);
  a->red_n++;
  for (int i = 0; i < 4; i++) st[i] = s[i];
}

/* One discriminator step on the minibatch in xraw (M reference rows, then M policy rows). */
static void train_step(amp_disc *a, amp_metrics *m) {
  int M = a->c.minibatch;
  size_t din = (size_t)a->din;
  if (a->gsize > 1) { /* the group's statistics are merged after the steps (amp_group_merge_norm) */
    rstat_update(&a->norm_new, a->xraw, 2 * M);
  } else {
    /* One running estimate for reference, current and replay rows (IsaacGymEnvs updates its
     * RunningMeanStd with each of them in training mode), then this minibatch is normalised. */
    rstat_update(&a->norm, a->xraw, 2 * M);
    amp_norm_export(a);
  }
  norm_rows(a, a->xraw, 2 * M, a->x);
  double st[4];
  amp_loss_grad(a, a->x, M, a->x + (size_t)M * din, M, &st[0], &st[1], &st[2], &st[3]);
  if (a->gsize > 1) group_average(a, st);
  adam_step(&a->adam, &a->c.adam, a->c.lr, a->params, a->grads, 1.f);
  m->loss += st[0];
  m->gp += st[1];
  m->acc_ref += st[2];
  m->acc_pol += st[3];
  m->steps++;
}

void amp_train(amp_disc *a, amp_metrics *m) {
  memset(m, 0, sizeof *m);
  m->reward_mean = a->rew_n ? a->rew_sum / (double)a->rew_n : NAN;
  a->rew_sum = 0;
  a->rew_n = 0;
  int M = a->c.minibatch;
  int half = a->rlen > 0 ? M / 2 : M; /* current rows per step; the rest from the replay buffer */
  long steps = a->ncur == 0 ? 0 : a->ncur / half > 0 ? a->ncur / half : 1;
  if (a->gsize > 1) steps = amp_group_steps(a, steps); /* every learner steps together */
  size_t din = (size_t)a->din;
  if (steps == 0) { /* no rows here (or, in a group, on some learner): no step; rows still kept */
    m->loss = m->gp = m->acc_ref = m->acc_pol = NAN;
    keep_rows(a);
    return;
  }
  for (long i = 0; i < a->ncur; i++) a->perm[i] = (int)i;
  for (int e = 0; e < a->c.epochs; e++) {
    /* One learner: one stream for everything. A group: reference rows from the shared stream, this
     * learner's rows from its own stream, seeded by one shared draw per epoch (so the checkpoint's
     * shared stream resumes every learner). */
    rng_t own, *pol = &a->rng;
    if (a->gsize > 1) {
      rng_seed(&own, rng_u64(&a->rng), (uint64_t)a->gidx, RNG_LEARNER, (uint64_t)e);
      pol = &own;
    }
    rng_shuffle_int(pol, a->perm, (int)a->ncur);
    for (long s = 0; s < steps; s++) {
      for (int i = 0; i < M; i++) {
        long k = (long)rng_below(&a->rng, (uint64_t)a->nref);
        memcpy(a->xraw + (size_t)i * din, a->ref + (size_t)k * din, din * sizeof(float));
      }
      for (int i = 0; i < M; i++) {
        const float *row = i < half ? a->cur + (size_t)a->perm[(s * half + i) % a->ncur] * din
                                    : a->replay + (size_t)rng_below(pol, (uint64_t)a->rlen) * din;
        memcpy(a->xraw + (size_t)(M + i) * din, row, din * sizeof(float));
      }
      train_step(a, m);
    }
  }
  if (a->gsize > 1) amp_group_merge_norm(a);
  m->loss /= (double)m->steps;
  m->gp /= (double)m->steps;
  m->acc_ref /= (double)m->steps;
  m->acc_pol /= (double)m->steps;
  keep_rows(a);
}

typedef struct amp_meta {
  int64_t nparams, din, replay_size, adam_t, rlen, rpos;
  rng_t rng;
  double norm_count;
} amp_meta;
_Static_assert(sizeof(amp_meta) <= AMP_META_BYTES, "raise AMP_META_BYTES");

int amp_ckpt_sections(const amp_disc *a, ckpt_section *sec, void *meta_buf) {
  amp_meta meta = {(int64_t)a->layout.total, a->din, a->c.replay_size, a->adam.t, a->rlen, a->rpos, a->rng,
                   a->norm.count};
  memcpy(meta_buf, &meta, sizeof meta);
  size_t nb = a->layout.total * sizeof(float);
  ckpt_section s[] = {{"amp_meta", meta_buf, sizeof meta},
                      {"amp_params", a->params, nb},
                      {"amp_adam_m", a->adam.m, nb},
                      {"amp_adam_v", a->adam.v, nb},
                      {"amp_replay", a->replay, (uint64_t)a->rlen * a->din * sizeof(float)},
                      {"amp_norm_mean", a->norm.mean, (uint64_t)a->din * sizeof(double)},
                      {"amp_norm_m2", a->norm.m2, (uint64_t)a->din * sizeof(double)}};
  _Static_assert(sizeof s / sizeof *s == AMP_NSEC, "AMP_NSEC");
  memcpy(sec, s, sizeof s);
  return (int)(sizeof s / sizeof *s);
}

int amp_ckpt_restore(amp_disc *a, const ckpt_file *f, d2m_err *err) {
  amp_meta meta;
  if (ckpt_copy(f, "amp_meta", &meta, sizeof meta, err)) return -1;
  if (meta.nparams != (int64_t)a->layout.total || meta.din != a->din || meta.replay_size != a->c.replay_size)
    return err_set(err, "amp: discriminator of %lld parameters, %lld inputs, replay %lld; this run has %zu, %d, %ld",
                   (long long)meta.nparams, (long long)meta.din, (long long)meta.replay_size, a->layout.total, a->din,
                   a->c.replay_size);
  if (meta.rlen < 0 || meta.rlen > meta.replay_size || meta.rpos < 0 || meta.rpos >= meta.replay_size)
    return err_set(err, "amp_meta: replay fill %lld / position %lld out of range", (long long)meta.rlen,
                   (long long)meta.rpos);
  size_t nb = a->layout.total * sizeof(float);
  if (ckpt_copy(f, "amp_params", a->params, nb, err) || ckpt_copy(f, "amp_adam_m", a->adam.m, nb, err) ||
      ckpt_copy(f, "amp_adam_v", a->adam.v, nb, err) ||
      ckpt_copy(f, "amp_replay", a->replay, (size_t)meta.rlen * a->din * sizeof(float), err) ||
      ckpt_copy(f, "amp_norm_mean", a->norm.mean, (size_t)a->din * sizeof(double), err) ||
      ckpt_copy(f, "amp_norm_m2", a->norm.m2, (size_t)a->din * sizeof(double), err))
    return -1;
  if (!(meta.norm_count > 0)) return err_set(err, "amp_meta: normalisation count %g is not positive", meta.norm_count);
  a->norm.count = meta.norm_count;
  amp_norm_export(a);
  a->adam.t = meta.adam_t;
  a->rlen = meta.rlen;
  a->rpos = meta.rpos;
  a->rng = meta.rng;
  a->ncur = 0;
  a->rew_sum = 0;
  a->rew_n = 0;
  return 0;
}
