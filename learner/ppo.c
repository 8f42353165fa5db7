/* learner/ppo.c: see ppo.h. */
#include "learner/ppo.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nn/blis_util.h"
#include "nn/gauss.h"
#include "common/log.h"
#include "learner/group.h"

void ppo_config_from_cfg(const cfg_t *c, ppo_config *p) {
  memset(p, 0, sizeof *p);
  p->gamma = (float)c->ppo_gamma;
  p->lambda = (float)c->ppo_lambda;
  p->clip = (float)c->ppo_clip;
  p->vclip = (float)c->ppo_value_clip;
  p->ent_coef = (float)c->ppo_ent_coef;
  p->vf_coef = (float)c->ppo_vf_coef;
  p->lr = (float)c->ppo_lr;
  p->vf_lr = (float)c->ppo_vf_lr;
  p->anneal_lr = c->ppo_anneal_lr;
  p->max_grad_norm = (float)c->ppo_max_grad_norm;
  p->target_kl = (float)c->ppo_target_kl;
  adam_config_from_cfg(c, &p->adam);
  p->epochs = (int)c->ppo_epochs;
  p->minibatch = (int)c->ppo_minibatch;
  p->norm_adv = c->ppo_norm_adv;
  p->reward_scale = c->ppo_reward_scaling;
  p->mirror = (float)c->ppo_mirror;
  p->threads = (int)c->nn_threads;
}

/* ---- batch ---- */

void ppo_batch_init(ppo_batch *b, int cap, int obs_dim, int act_dim) {
  memset(b, 0, sizeof *b);
  b->cap = cap;
  b->obs_dim = obs_dim;
  b->act_dim = act_dim;
  b->obs = xaligned((size_t)cap * obs_dim * sizeof(float));
  b->act = xaligned((size_t)cap * act_dim * sizeof(float));
  b->logp = xaligned((size_t)cap * sizeof(float));
  b->val = xaligned((size_t)cap * sizeof(float));
  b->adv = xaligned((size_t)cap * sizeof(float));
  b->ret = xaligned((size_t)cap * sizeof(float));
}

void ppo_batch_free(ppo_batch *b) {
  free(b->obs);
  free(b->act);
  free(b->logp);
  free(b->val);
  free(b->adv);
  free(b->ret);
  memset(b, 0, sizeof *b);
}

void ppo_batch_clear(ppo_batch *b) { b->n = 0; }

ppo_segment ppo_batch_tail(ppo_batch *b, int T, int E) {
  size_t N = (size_t)T * E, o = (size_t)b->n;
  D2M_CHECK(b->n + (long)N <= b->cap, "batch capacity exceeded: size it for all segments of one update");
  ppo_segment s = {b->obs + o * b->obs_dim, b->act + o * b->act_dim, b->logp + o, b->val + o, b->adv + o};
  return s;
}

void ppo_batch_commit(ppo_batch *b, const ppo_config *c, gae_rscale *rs, int T, int E, const uint8_t *term,
                      const uint8_t *trunc, const float *final_val, const float *boot) {
  size_t N = (size_t)T * E, o = (size_t)b->n;
  D2M_CHECK(b->n + (long)N <= b->cap, "batch capacity exceeded: size it for all segments of one update");
  float *rew = b->adv + o, *ret = b->ret + o;
  if (rs) { /* scaled rewards go through ret back into the advantage storage */
    D2M_CHECK(rs->E == E, "reward scaler sized for another number of envs");
    gae_rscale_apply(rs, T, rew, term, trunc, ret);
    memcpy(rew, ret, N * sizeof(float));
  }
  /* gae_compute reads rew[i] before it writes adv[i], index by index: the rewards may sit in adv. */
  gae_compute(T, E, c->gamma, c->lambda, rew, b->val + o, term, trunc, final_val, boot, b->adv + o, ret);
  b->n += (int)N;
}

void ppo_batch_add_segment(ppo_batch *b, const ppo_config *c, gae_rscale *rs, int T, int E, const float *obs,
                           const float *act, const float *logp, const float *val, const float *rew,
                           const uint8_t *term, const uint8_t *trunc, const float *final_val, const float *boot) {
  size_t N = (size_t)T * E;
  ppo_segment s = ppo_batch_tail(b, T, E);
  memcpy(s.obs, obs, N * b->obs_dim * sizeof(float));
  memcpy(s.act, act, N * b->act_dim * sizeof(float));
  memcpy(s.logp, logp, N * sizeof(float));
  memcpy(s.val, val, N * sizeof(float));
  memcpy(s.rew, rew, N * sizeof(float));
  ppo_batch_commit(b, c, rs, T, E, term, trunc, final_val, boot);
}

/* ---- learner ---- */

void ppo_init(ppo_learner *p, const ac_net *net, const ppo_config *c, int max_batch, uint64_t seed) {
  memset(p, 0, sizeof *p);
  p->net = net;
  p->cfg = *c;
  p->params = xaligned(net->nparams * sizeof(float));
  p->grads = xaligned((net->nparams + GRP_STATS) * sizeof(float)); /* the group reduces the stats with it */
  memset(p->grads, 0, (net->nparams + GRP_STATS) * sizeof(float));
  p->comm = MPI_COMM_NULL;
  p->comm_size = 1;
  adam_init(&p->adam, net->nparams);
  rng_t r;
  rng_seed(&r, seed, 0, RNG_INIT, 0);
  ac_init_params(net, p->params, &r);
  rng_seed(&p->rng, seed, 0, RNG_LEARNER, 0);
  int mb = c->minibatch < max_batch ? c->minibatch : max_batch;
  p->max_mb = mb;
  ac_ws_init(&p->ws, net, mb, 1);
  int O = net->cfg.obs_dim, A = net->cfg.act_dim;
  p->mb_obs = xaligned((size_t)mb * O * sizeof(float));
  p->mb_act = xaligned((size_t)mb * A * sizeof(float));
  p->mb_logp = xaligned((size_t)mb * sizeof(float));
  p->mb_val = xaligned((size_t)mb * sizeof(float));
  p->mb_adv = xaligned((size_t)mb * sizeof(float));
  p->mb_ret = xaligned((size_t)mb * sizeof(float));
  p->dmu = xaligned((size_t)mb * A * sizeof(float));
  p->dv = xaligned((size_t)mb * sizeof(float));
  p->dlog_std = xcalloc((size_t)A, sizeof(double));
  if (net->cfg.head == AC_HEAD_LATTICE) { /* the covariance factors live in p->ws.cov */
    p->lat_G = xcalloc((size_t)A * A, sizeof(double));
    p->lat_u = xcalloc((size_t)A, sizeof(double));
    p->lat_dls = xcalloc((size_t)ac_head_hidden(net), sizeof(double));
  }
  p->perm_cap = max_batch;
  p->perm = xmalloc((size_t)max_batch * sizeof(int));
}

void ppo_free(ppo_learner *p) {
  free(p->params);
  free(p->grads);
  adam_free(&p->adam);
  ac_ws_free(&p->ws);
  float *bufs[] = {p->mb_obs, p->mb_act, p->mb_logp, p->mb_val, p->mb_adv, p->mb_ret, p->dmu, p->dv};
  for (size_t i = 0; i < sizeof bufs / sizeof *bufs; i++) free(bufs[i]);
  free(p->dlog_std);
  free(p->lat_G);
  free(p->lat_u);
  free(p->lat_dls);
  free(p->perm);
  ppo_mirror_free(p);
  memset(p, 0, sizeof *p);
}

static float clampf(float x, float lo, float hi) { return x < lo ? lo : x > hi ? hi : x; }

/* One sample's clipped surrogate: accumulates pg, approx KL and clip count; returns dL/dlogp_new. */
static float surrogate(const ppo_config *c, double logratio, double A_i, float invB, double *pg, double *kl,
                       double *cf) {
  double ratio = exp(logratio);
  *kl += (ratio - 1.0) - logratio;
  *cf += fabs(ratio - 1.0) > c->clip;
  double pg1 = -A_i * ratio, pg2 = -A_i * clampf((float)ratio, 1.f - c->clip, 1.f + c->clip);
  *pg += pg1 > pg2 ? pg1 : pg2;
  /* The max picks the clipped branch, whose gradient is 0, only when the clip is active. */
  int clipped = (A_i > 0 && ratio > 1.0 + c->clip) || (A_i < 0 && ratio < 1.0 - c->clip);
  return clipped ? 0.f : (float)(-A_i * ratio) * invB;
}

/* One sample's value loss 0.5 max((v-R)^2, (vc-R)^2); writes dL/dv. */
static double value_term(const ppo_config *c, float v, float v_old, float ret, float invB, float *dv) {
  double d1 = v - ret, l1 = d1 * d1, dvi = d1;
  if (c->vclip > 0) {
    float diff = v - v_old, dc = clampf(diff, -c->vclip, c->vclip);
    double d2 = v_old + dc - ret, l2 = d2 * d2;
    if (l2 > l1) {
      l1 = l2;
      dvi = (diff == dc) ? d2 : 0.0; /* through the clip only when it is not saturated */
    }
  }
  *dv = (float)(c->vf_coef * dvi) * invB;
  return 0.5 * l1;
}

double ppo_loss(const ppo_config *c, int B, int A, const float *mu, const float *log_std, const float *v,
                const float *act, const float *logp_old, const float *v_old, const float *adv, const float *ret,
                float *dmu, float *dv, double *dlog_std, ppo_mb_stats *st) {
  double pg = 0, vl = 0, kl = 0, cf = 0, sum_ls = 0;
  float invB = 1.f / (float)B, inv[PPO_MAX_ACT];
  D2M_CHECK(A <= PPO_MAX_ACT, "raise PPO_MAX_ACT");
  for (int j = 0; j < A; j++) dlog_std[j] = 0, inv[j] = expf(-log_std[j]), sum_ls += log_std[j];
  double logp_const = -sum_ls - 0.5 * GAUSS_LOG_2PI * A; /* gauss_logp, split so the loops vectorise */
  for (int i = 0; i < B; i++) {
    const float *m = mu + (size_t)i * A, *a = act + (size_t)i * A;
    float *dm = dmu + (size_t)i * A;
    double zz = 0;
    for (int j = 0; j < A; j++) { /* z_j = (a_j - mu_j) / sigma_j, kept in dm for the gradient */
      dm[j] = (a[j] - m[j]) * inv[j];
      zz += (double)dm[j] * dm[j];
    }
    double logratio = logp_const - 0.5 * zz - logp_old[i];
    float g = surrogate(c, logratio, adv[i], invB, &pg, &kl, &cf);
    for (int j = 0; j < A; j++) { /* dlogp/dmu = z / sigma, dlogp/dlog_std = z^2 - 1 */
      float z = dm[j];
      dm[j] = g * z * inv[j];
      dlog_std[j] += (double)(g * (z * z - 1.f));
    }
    vl += value_term(c, v[i], v_old[i], ret[i], invB, &dv[i]);
  }
  double ent = gauss_entropy(log_std, A);
  for (int j = 0; j < A; j++) dlog_std[j] -= c->ent_coef; /* d(-ent_coef * entropy)/dlog_std_j */
  st->pg_loss = pg / B;
  st->v_loss = vl / B;
  st->entropy = ent;
  st->approx_kl = kl / B;
  st->clipfrac = cf / B;
  return st->pg_loss + c->vf_coef * st->v_loss - c->ent_coef * ent;
}

double ppo_loss_lattice(const ppo_config *c, const lattice_cov *cov, int B, const float *mu, const float *v,
                        const float *act, const float *logp_old, const float *v_old, const float *adv,
                        const float *ret, float *dmu, float *dv, double *G, double *u, ppo_mb_stats *st) {
  int A = cov->A;
  double pg = 0, vl = 0, kl = 0, cf = 0, sum_g = 0;
  float invB = 1.f / (float)B;
  memset(G, 0, (size_t)A * A * sizeof(double));
  for (int i = 0; i < B; i++) {
    const float *m = mu + (size_t)i * A;
    float *dm = dmu + (size_t)i * A;
    double logratio = lattice_logp_u(cov, m, act + (size_t)i * A, u) - logp_old[i];
    float g = surrogate(c, logratio, adv[i], invB, &pg, &kl, &cf);
    for (int j = 0; j < A; j++) dm[j] = (float)(g * u[j]); /* dlogp/dmu = u = Sigma^-1 r */
    if (g != 0.f) { /* lower triangle of sum_i g_i u_i u_i^T */
      sum_g += g;
      for (int j = 0; j < A; j++) {
        double gu = g * u[j];
        double *Gr = G + (size_t)j * A;
        for (int k = 0; k <= j; k++) Gr[k] += gu * u[k];
      }
    }
    vl += value_term(c, v[i], v_old[i], ret[i], invB, &dv[i]);
  }
  /* dL/dSigma = 0.5 sum_i g_i (u_i u_i^T - Sigma^-1) - ent_coef * 0.5 Sigma^-1, symmetric. */
  double cinv = 0.5 * (sum_g + c->ent_coef);
  for (int j = 0; j < A; j++)
    for (int k = 0; k <= j; k++) {
      double gjk = 0.5 * G[(size_t)j * A + k] - cinv * cov->inv[(size_t)j * A + k];
      G[(size_t)j * A + k] = G[(size_t)k * A + j] = gjk;
    }
  double ent = lattice_entropy(cov);
  st->pg_loss = pg / B;
  st->v_loss = vl / B;
  st->entropy = ent;
  st->approx_kl = kl / B;
  st->clipfrac = cf / B;
  return st->pg_loss + c->vf_coef * st->v_loss - c->ent_coef * ent;
}

static void normalize_adv(float *adv, int B) {
  if (B < 2) return;
  double s = 0, s2 = 0;
  for (int i = 0; i < B; i++) s += adv[i];
  double mean = s / B;
  for (int i = 0; i < B; i++) s2 += (adv[i] - mean) * (adv[i] - mean);
  double inv = 1.0 / (sqrt(s2 / (B - 1)) + 1e-8); /* torch .std() is unbiased */
  for (int i = 0; i < B; i++) adv[i] = (float)((adv[i] - mean) * inv);
}

/* Lattice: adds Sigma's share of dL/dW to the head's gradient, writes the std gradients into
 * p->dlog_std (read below) and the log_std_lat view; returns the change of the squared norm. */
static double lattice_grads(ppo_learner *p) {
  const ac_net *n = p->net;
  int A = n->cfg.act_dim, H = ac_head_hidden(n);
  float *dW = p->grads + n->pi.w_off[n->pi.nlayers - 1];
  size_t AH = (size_t)A * H;
  double ss = 0;
  for (size_t i = 0; i < AH; i++) ss -= (double)dW[i] * dW[i];
  memset(p->dlog_std, 0, (size_t)A * sizeof(double));
  memset(p->lat_dls, 0, (size_t)H * sizeof(double));
  lattice_cov_backward(&p->ws.cov, ac_head_w(n, p->params), p->params + n->log_std_lat_off,
                       p->params + n->log_std_off, p->lat_G, dW, p->lat_dls, p->dlog_std);
  for (size_t i = 0; i < AH; i++) ss += (double)dW[i] * dW[i];
  for (int h = 0; h < H; h++) {
    float g = (float)p->lat_dls[h];
    p->grads[n->log_std_lat_off + h] = g;
    ss += (double)g * g;
  }
  return ss;
}

void ppo_set_group(ppo_learner *p, MPI_Comm comm, int size) {
  p->comm = comm;
  p->comm_size = size;
}

/* The group's average gradient and loss statistics, in one allreduce (learner/group.h): the norm
 * that clips and the KL that may stop the epochs early are then the group's on every learner. */
static void group_average(ppo_learner *p, ppo_mb_stats *st, double *ss, double *ssv) {
  size_t np = p->net->nparams;
  float *s = p->grads + np;
  s[0] = (float)st->pg_loss, s[1] = (float)st->v_loss, s[2] = (float)st->entropy;
  s[3] = (float)st->approx_kl, s[4] = (float)st->clipfrac, s[5] = (float)st->mirror_loss;
  grp_average_grads(p->comm, p->comm_size, p->grads, np, p->net->v.w_off[0], ss, ssv, &p->red_s);
  p->red_n++;
  st->pg_loss = s[0], st->v_loss = s[1], st->entropy = s[2], st->approx_kl = s[3], st->clipfrac = s[4];
  st->mirror_loss = s[5];
}

void ppo_minibatch_step(ppo_learner *p, const float *obs, const float *act, const float *logp_old,
                        const float *v_old, const float *adv, const float *ret, int B, float lr, ppo_mb_stats *st) {
  const ac_net *n = p->net;
  int A = n->cfg.act_dim;
  D2M_CHECK(B >= 1 && B <= p->max_mb, "minibatch larger than the learner was sized for");
  if (adv != p->mb_adv) memcpy(p->mb_adv, adv, (size_t)B * sizeof(float));
  if (p->cfg.norm_adv) normalize_adv(p->mb_adv, B);
  p->last_mb = B;
  const float *mu = ac_policy_forward(n, p->params, &p->ws, obs, B);
  const float *v = nn_mlp_forward(&n->v, p->params, &p->ws.v, obs, B);
  int lat = n->cfg.head == AC_HEAD_LATTICE;
  if (lat) {
    lattice_cov_update(&p->ws.cov, ac_head_w(n, p->params), p->params + n->log_std_lat_off,
                       p->params + n->log_std_off);
    ppo_loss_lattice(&p->cfg, &p->ws.cov, B, mu, v, act, logp_old, v_old, p->mb_adv, ret, p->dmu, p->dv, p->lat_G,
                     p->lat_u, st);
  } else {
    ppo_loss(&p->cfg, B, A, mu, p->params + n->log_std_off, v, act, logp_old, v_old, p->mb_adv, ret, p->dmu, p->dv,
             p->dlog_std, st);
  }
  int mir = ppo_mirror_on(p);
  st->mirror_loss = mir ? ppo_mirror_forward(p, obs, mu, B) : 0;
  /* Every gradient view is overwritten (padding stays 0 from allocation), and the squared norm is
   * summed block by block as the views are written: no zeroing pass, no separate norm pass. */
  double ss = 0, ssv = 0;
  ac_policy_backward_set(n, p->params, p->grads, &p->ws, p->dmu, B, &ss);
  if (mir) ss = ppo_mirror_backward(p, B);
  nn_mlp_backward_set(&n->v, p->params, p->grads, &p->ws.v, p->dv, B, NULL, &ssv);
  if (lat) ss += lattice_grads(p);
  for (int j = 0; j < A; j++) {
    float g = (float)p->dlog_std[j];
    p->grads[n->log_std_off + j] = g;
    ss += (double)g * g;
  }
  if (p->comm_size > 1) group_average(p, st, &ss, &ssv);
  double norm = sqrt(ss + ssv);
  st->grad_norm = norm;
  if (p->cfg.vf_lr > 0) { /* the value views follow every policy view in the arena (nn/ac.h) */
    float vlr = p->cfg.lr > 0 ? lr * (p->cfg.vf_lr / p->cfg.lr) : p->cfg.vf_lr; /* annealed alike */
    adam_step_split(&p->adam, &p->cfg.adam, n->v.w_off[0], lr, adam_clip_scale(sqrt(ss), p->cfg.max_grad_norm), vlr,
                    adam_clip_scale(sqrt(ssv), p->cfg.max_grad_norm), p->params, p->grads);
  } else {
    adam_step(&p->adam, &p->cfg.adam, lr, p->params, p->grads, adam_clip_scale(norm, p->cfg.max_grad_norm));
  }
}

static double explained_variance(const float *val, const float *ret, int n) {
  double mr = 0, md = 0, vr = 0, vd = 0;
  for (int i = 0; i < n; i++) mr += ret[i], md += ret[i] - val[i];
  mr /= n, md /= n;
  for (int i = 0; i < n; i++) {
    double a = ret[i] - mr, d = ret[i] - val[i] - md;
    vr += a * a, vd += d * d;
  }
  return vr > 0 ? 1.0 - vd / vr : NAN;
}

static void gather(ppo_learner *p, const ppo_batch *b, const int *idx, int B) {
  int O = b->obs_dim, A = b->act_dim;
  for (int k = 0; k < B; k++) {
    int i = idx[k];
    memcpy(p->mb_obs + (size_t)k * O, b->obs + (size_t)i * O, (size_t)O * sizeof(float));
    memcpy(p->mb_act + (size_t)k * A, b->act + (size_t)i * A, (size_t)A * sizeof(float));
    p->mb_logp[k] = b->logp[i];
    p->mb_val[k] = b->val[i];
    p->mb_adv[k] = b->adv[i];
    p->mb_ret[k] = b->ret[i];
  }
}

void ppo_update(ppo_learner *p, const ppo_batch *b, double progress, ppo_metrics *m) {
  double t0 = log_elapsed();
  memset(m, 0, sizeof *m);
  D2M_CHECK(b->n >= 1 && b->n <= p->perm_cap, "batch larger than the learner was sized for");
  blis_set_threads(p->cfg.threads);
  float lr = p->cfg.lr * (p->cfg.anneal_lr ? (float)(1.0 - (progress < 1 ? progress : 1)) : 1.f);
  int n = p->grp_n > 0 && p->grp_n < b->n ? p->grp_n : b->n; /* the group's smallest batch sets the count */
  int mb = p->max_mb < n ? p->max_mb : n, nmb = n / mb;
  double acc[7] = {0};
  for (int i = 0; i < b->n; i++) p->perm[i] = i;
  for (int ep = 0; ep < p->cfg.epochs; ep++) {
    if (p->comm_size > 1) { /* a group: the shared stream advances one draw per epoch, whatever b->n is
                             * (batches may differ between learners), so it stays the same on all and
                             * the checkpoint's copy (learner 0's) resumes every learner exactly */
      rng_t sh;
      rng_seed(&sh, rng_u64(&p->rng), 0, RNG_LEARNER, (uint64_t)ep);
      rng_shuffle_int(&sh, p->perm, b->n);
    } else {
      rng_shuffle_int(&p->rng, p->perm, b->n);
    }
    double ep_kl = 0;
    for (int k = 0; k < nmb; k++) { /* a remainder of < mb samples sits out this epoch */
      ppo_mb_stats st;
      gather(p, b, p->perm + (size_t)k * mb, mb);
      ppo_minibatch_step(p, p->mb_obs, p->mb_act, p->mb_logp, p->mb_val, p->mb_adv, p->mb_ret, mb, lr, &st);
      acc[0] += st.pg_loss, acc[1] += st.v_loss, acc[2] += st.entropy;
      acc[3] += st.approx_kl, acc[4] += st.clipfrac, acc[5] += st.grad_norm, acc[6] += st.mirror_loss;
      ep_kl += st.approx_kl;
      m->minibatches++;
    }
    m->epochs++;
    if (p->cfg.target_kl > 0 && ep_kl / nmb > p->cfg.target_kl) break;
  }
  double k = m->minibatches;
  m->pg_loss = (float)(acc[0] / k), m->v_loss = (float)(acc[1] / k), m->entropy = (float)(acc[2] / k);
  m->approx_kl = (float)(acc[3] / k), m->clipfrac = (float)(acc[4] / k), m->grad_norm = (float)(acc[5] / k);
  m->mirror_loss = (float)(acc[6] / k);
  m->explained_var = (float)explained_variance(b->val, b->ret, b->n);
  m->lr = lr;
  m->seconds = log_elapsed() - t0;
}
