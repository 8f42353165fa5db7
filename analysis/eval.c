/* analysis/eval.c: single-process rollouts of a checkpointed policy (see eval.h). */
#include "analysis/eval.h"
#include "analysis/posture.h"

#include <errno.h>
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "nn/ac.h"
#include "nn/ac_config.h"
#include "common/ckpt.h"
#include "common/config.h"
#include "nn/rstat.h"
#include "envs/env.h"
#include "envs/env_config.h"
#include "envs/model/model.h"

#define RAD2DEG (180.0 / M_PI)

typedef struct eval_ctx {
  cfg_t cfg;
  env_params ep;
  mjModel *model;
  env_t *env;
  ac_net net;
  ac_ws ws;
  float *params, *mean, *inv_std, *obs, *obs_norm, *act;
  int O, A, off_joint, off_foot, nh;
  int hinge[64];            /* hinge joint ids, model order */
  int calcn[2];
  double weight;            /* body weight (N) */
  model_gl *gl;
  mjData *ghost;
  unsigned char *rgb;
  FILE *ffmpeg;
  double render_s;
  long rendered;
  posture_acc pacc;
  double p_knee, p_heel_min, p_limits, p_exc; /* posture: means over the episodes */
} eval_ctx;

void eval_opts_default(eval_opts *o) {
  memset(o, 0, sizeof *o);
  o->episodes = 1;
  o->width = 640, o->height = 480;
  o->seed = 1;
}


/* A file is read as is. A run dir means its newest valid checkpoint: a truncated or corrupted newest
 * one (a run killed while writing) is skipped with a warning, as `train --resume` does. */
static int open_checkpoint(const char *in, char *path, size_t n, ckpt_file *f, d2m_err *err) {
  struct stat st;
  if (stat(in, &st) || !S_ISDIR(st.st_mode)) {
    snprintf(path, n, "%s", in);
    return ckpt_read(path, f, err);
  }
  long ups[1024];
  int nc = ckpt_list(in, ups, 1024);
  if (nc <= 0) return err_set(err, "%s: no checkpoint in %s/checkpoints", in, in);
  for (int i = 0; i < nc; i++) {
    ckpt_path(path, n, in, ups[i]);
    d2m_err e;
    if (!ckpt_read(path, f, &e)) return 0;
    LOG_W("eval: skipping checkpoint: %s", e.msg);
  }
  return err_set(err, "%s: none of the %d checkpoints is valid", in, nc);
}

/* --set may change how the policy is run (env and task keys), but not what its outputs mean or the net's
 * shape: env.action_mode turns excitations into PD targets, nn.* (but nn.threads and nn.deterministic) and lattice.* rebuild
 * another policy around the checkpoint's parameters. Either would play a different (wrong) policy without any error. */
static int check_fixed_keys(const cfg_t *ckpt_cfg, const cfg_t *c, d2m_err *err) {
  for (int i = 0; i < cfg_nkeys; i++) {
    const cfg_key *k = &cfg_keys[i];
    /* nn.threads is only speed; nn.deterministic only picks how --deterministic reads the same policy */
    int fixed = (!strcmp(k->section, "nn") && strcmp(k->name, "threads") && strcmp(k->name, "deterministic")) ||
                (!strcmp(k->section, "env") && !strcmp(k->name, "action_mode")) || !strcmp(k->section, "lattice");
    if (!fixed) continue;
    char a[CFG_STR_MAX + 64], b[CFG_STR_MAX + 64];
    cfg_format_value(ckpt_cfg, k, a, sizeof a);
    cfg_format_value(c, k, b, sizeof b);
    if (strcmp(a, b))
      return err_set(err, "--set %s.%s=%s: the checkpoint was trained with %s.%s=%s; it cannot be changed at eval "
                     "(it changes what the policy's outputs mean or the net's shape)", k->section, k->name, b,
                     k->section, k->name, a);
  }
  return 0;
}

static int load_policy(eval_ctx *c, const eval_opts *o, ckpt_file *f, d2m_err *err) {
  const void *text;
  size_t len;
  if (ckpt_get(f, "config", 0, &text, &len, err)) return -1;
  char *s = xmalloc(len + 1);
  memcpy(s, text, len), s[len] = 0;
  cfg_defaults(&c->cfg);
  int rc = cfg_load_string(&c->cfg, "checkpoint config", s, err);
  free(s);
  if (rc) return -1;
  if (o->task && cfg_set(&c->cfg, "--task", "env", "task", o->task, err)) return -1;
  cfg_t *trained = xmalloc(sizeof *trained);
  *trained = c->cfg;
  for (int i = 0; i < o->nset && !rc; i++) rc = cfg_apply_override(&c->cfg, o->set[i], err);
  if (!rc) rc = check_fixed_keys(trained, &c->cfg, err);
  free(trained);
  if (rc) return -1;
  if (o->subject) snprintf(c->cfg.env_subject, sizeof c->cfg.env_subject, "%s", o->subject);
  if (env_params_from_cfg(&c->cfg, &c->ep, err)) return -1;
  model_subject subj;
  model_subject_default(&subj);
  if (c->cfg.env_subject[0] && model_subject_load(c->cfg.env_subject, &subj, err)) return -1;
  subj.timestep = c->cfg.env_sim_dt;
  subj.actlimited = c->cfg.env_actlimited;
  if (!(c->model = model_load(&subj, err))) return -1;
  if (!(c->env = env_create(c->model, &c->ep, NULL, err))) return -1;
  c->O = env_obs_size(c->env), c->A = env_act_size(c->env);
  ac_config ac;
  if (ac_config_from_cfg(&c->cfg, c->O, c->A, &ac, err)) return -1;
  ac_init(&c->net, &ac);
  ac_ws_init(&c->ws, &c->net, 1, 0);
  c->params = xaligned(c->net.nparams * sizeof(float));
  if (ckpt_copy(f, "params", c->params, c->net.nparams * sizeof(float), err))
    return err_wrap(err, "the checkpoint's net does not fit task '%s' (observation size %d)", c->cfg.env_task, c->O);
  double *st = xmalloc((1 + 2 * (size_t)c->O) * sizeof(double));
  if (ckpt_copy(f, "obs_stats", st, (1 + 2 * (size_t)c->O) * sizeof(double), err)) return free(st), -1;
  rstat rs = {.dim = c->O, .count = st[0], .mean = st + 1, .m2 = st + 1 + c->O};
  c->mean = xmalloc((size_t)c->O * sizeof(float));
  c->inv_std = xmalloc((size_t)c->O * sizeof(float));
  rstat_export(&rs, 1e-8f, c->mean, c->inv_std); /* as the actors do */
  free(st);
  c->obs = xaligned((size_t)c->O * sizeof(float));
  c->obs_norm = xaligned((size_t)c->O * sizeof(float));
  c->act = xaligned((size_t)c->A * sizeof(float));
  return 0;
}

static int find_layout(eval_ctx *c, d2m_err *err) {
  const mjModel *m = env_model(c->env);
  int off = 0;
  c->off_joint = c->off_foot = -1;
  for (int i = 0; i < env_obs_nblocks(c->env); i++) {
    int sz;
    const char *name = env_obs_block(c->env, i, &sz);
    if (!strcmp(name, "foot_force")) c->off_foot = off;
    off += sz;
  }
  if (c->off_foot < 0) return err_set(err, "env observation has no foot_force block");
  c->nh = 0;
  for (int j = 0; j < m->njnt && c->nh < 64; j++)
    if (m->jnt_type[j] == mjJNT_HINGE) c->hinge[c->nh++] = j;
  c->calcn[0] = mj_name2id(m, mjOBJ_BODY, "calcn_r");
  c->calcn[1] = mj_name2id(m, mjOBJ_BODY, "calcn_l");
  if (c->calcn[0] < 0 || c->calcn[1] < 0) return err_set(err, "model has no calcn_r/calcn_l");
  double mass = 0;
  for (int b = 0; b < m->nbody; b++) mass += m->body_mass[b];
  c->weight = mass * -m->opt.gravity[2];
  return 0;
}

static void write_header(const eval_ctx *c, FILE *f) {
  const mjModel *m = env_model(c->env);
  fputs("episode,step,time,reward,root_x,root_y,root_z,root_qw,root_qx,root_qy,root_qz,root_vx,root_vy,root_vz,"
        "foot_r_x,foot_r_y,foot_r_z,foot_l_x,foot_l_y,foot_l_z,"
        "grf_r_ap,grf_r_ml,grf_r_v,grf_l_ap,grf_l_ml,grf_l_v", f);
  for (int j = 0; j < c->nh; j++) fprintf(f, ",q_%s", mj_id2name(m, mjOBJ_JOINT, c->hinge[j]));
  for (int j = 0; j < c->nh; j++) fprintf(f, ",qd_%s", mj_id2name(m, mjOBJ_JOINT, c->hinge[j]));
  if (env_ref(c->env))
    for (int j = 0; j < c->nh; j++) fprintf(f, ",ref_%s", mj_id2name(m, mjOBJ_JOINT, c->hinge[j]));
  const char *pre[3] = {"exc", "act", "frc"};
  for (int k = 0; k < 3; k++)
    for (int i = 0; i < m->nu; i++) fprintf(f, ",%s_%s", pre[k], mj_id2name(m, mjOBJ_ACTUATOR, i));
  fputc('\n', f);
}

/* Row buffer appender: the state is recorded before the step, the reward is known after it. */
typedef struct rowbuf {
  char *p;
  size_t n, cap;
} rowbuf;

static void rb_num(rowbuf *r, double x) {
  if (r->n + 32 > r->cap) return; /* sized for the widest row at setup; never reached */
  r->n += (size_t)snprintf(r->p + r->n, r->cap - r->n, ",%.6g", x);
}

/* State columns from root_x up to the reference angles. */
static void record_state(eval_ctx *c, rowbuf *r, const double *ref_qpos) {
  const mjModel *m = env_model(c->env);
  mjData *d = env_data(c->env);
  r->n = 0;
  r->p[0] = 0;
  int fj = 0;
  while (fj < m->njnt && m->jnt_type[fj] != mjJNT_FREE) fj++;
  const double *q = d->qpos + m->jnt_qposadr[fj], *v = d->qvel + m->jnt_dofadr[fj];
  for (int k = 0; k < 7; k++) rb_num(r, q[k]);
  for (int k = 0; k < 3; k++) rb_num(r, v[k]);
  for (int s = 0; s < 2; s++)
    for (int k = 0; k < 3; k++) rb_num(r, d->xpos[3 * c->calcn[s] + k]);
  for (int k = 0; k < 6; k++) rb_num(r, c->obs[c->off_foot + k]);
  for (int j = 0; j < c->nh; j++) rb_num(r, d->qpos[m->jnt_qposadr[c->hinge[j]]] * RAD2DEG);
  for (int j = 0; j < c->nh; j++) rb_num(r, d->qvel[m->jnt_dofadr[c->hinge[j]]] * RAD2DEG);
  if (ref_qpos)
    for (int j = 0; j < c->nh; j++) rb_num(r, ref_qpos[m->jnt_qposadr[c->hinge[j]]] * RAD2DEG);
}

static void record_muscles(eval_ctx *c, rowbuf *r, const float *exc, const double *act, const double *frc) {
  int nu = env_model(c->env)->nu;
  for (int i = 0; i < nu; i++) rb_num(r, exc[i]);
  for (int i = 0; i < nu; i++) rb_num(r, act[i]);
  for (int i = 0; i < nu; i++) rb_num(r, -frc[i]); /* MuJoCo's muscle force is negative when pulling */
}

static int video_open(eval_ctx *c, const eval_opts *o, d2m_err *err) {
  if (!o->video_hq) {
    /* Mesa's llvmpipe renders on the CPU: at 640x480 on 2 cores, multisampling (4x), 2048^2 shadow maps,
     * the floor's reflection pass and finely tessellated capsules cost ~9x together (0.9 -> 8 frames/s
     * measured). Rendering-only fields of our private model; the physics does not read them. */
    c->model->vis.quality.offsamples = 0;
    c->model->vis.quality.shadowsize = 1024;
    c->model->vis.quality.numslices = 12, c->model->vis.quality.numstacks = 6;
    for (int i = 0; i < c->model->nmat; i++) c->model->mat_reflectance[i] = 0;
  }
  /* Our model, not env_model(): the env may hold a private copy (timestep), which has the same
   * structure but not the visual settings above. */
  if (!(c->gl = model_gl_open(c->model, o->width, o->height, err))) return err_wrap(err, "--video");
  if (system("command -v ffmpeg >/dev/null 2>&1"))
    return err_set(err, "--video needs ffmpeg (apt-get install -y --no-install-recommends ffmpeg)");
  char cmd[4400];
  /* rgb24 frames on stdin; H.264 in yuv420p so that every browser and player shows it. */
  snprintf(cmd, sizeof cmd,
           "ffmpeg -loglevel error -y -f rawvideo -pix_fmt rgb24 -s %dx%d -r %.6g -i - -c:v libx264 "
           "-preset veryfast -pix_fmt yuv420p -crf 23 '%s/video.mp4'",
           o->width, o->height, 1.0 / c->ep.dt, o->out_dir);
  if (!(c->ffmpeg = popen(cmd, "w"))) return err_set(err, "cannot start ffmpeg: %s", strerror(errno));
  c->rgb = xmalloc((size_t)o->width * o->height * 3);
  if (env_ref(c->env)) c->ghost = mj_makeData(c->model);
  return 0;
}

static void video_frame(eval_ctx *c, const eval_opts *o, const double *ref_qpos) {
  const mjModel *m = c->model;
  double t0 = log_elapsed();
  if (c->ghost && ref_qpos) {
    mju_copy(c->ghost->qpos, ref_qpos, m->nq);
    mj_forward(m, c->ghost);
  }
  model_gl_frame(c->gl, env_data(c->env), ref_qpos ? c->ghost : NULL, c->rgb);
  if (c->rendered++ > 0) c->render_s += log_elapsed() - t0; /* the first frame compiles shaders: not counted */
  fwrite(c->rgb, 1, (size_t)o->width * o->height * 3, c->ffmpeg);
}

/* One episode; appends rows to f and the episode's metrics to js. */
static void eval_episode(eval_ctx *c, const eval_opts *o, int ep, rng_t *pol, FILE *f, FILE *js, rowbuf *rb,
                         double *act0, double *frc0, float *exc, double *ref_qpos, eval_result *res) {
  const mjModel *m = env_model(c->env);
  mjData *d = env_data(c->env);
  rng_t s;
  rng_seed(&s, o->seed, 0, RNG_ENV, (uint64_t)ep);
  env_reset(c->env, rng_u64(&s));
  env_observe(c->env, c->obs);
  const refmotion *ref = env_ref(c->env);
  long cap = o->max_steps > 0 ? o->max_steps : (long)1e9;
  env_step_out out = {.obs = c->obs};
  env_episode_info info = {0};
  double ret = 0;
  long t = 0;
  int done = 0;
  for (; t < cap && !done; t++) {
    if (ref) refmotion_frame(ref, env_ref_frame(c->env), ref_qpos, NULL, NULL, NULL);
    record_state(c, rb, ref ? ref_qpos : NULL);
    mju_copy(act0, d->act, m->na);
    mju_copy(frc0, d->actuator_force, m->nu);
    if (c->gl) video_frame(c, o, ref ? ref_qpos : NULL);
    rstat_normalize(c->mean, c->inv_std, c->O, c->obs, c->obs_norm, 1, (float)c->cfg.ppo_obs_clip);
    ac_act(&c->net, c->params, &c->ws, c->obs_norm, 1, pol, o->deterministic, c->act, NULL, NULL);
    env_step(c->env, c->act, &out);
    done = out.done;
    ret += out.reward;
    if (!done) {
      double heel[2];
      env_heel_load(c->env, heel);
      posture_add(&c->pacc, m, d, heel);
    }
    /* After an automatic reset ctrl belongs to the next episode: recompute the excitation. */
    for (int i = 0; i < m->nu; i++)
      exc[i] = !done ? (float)d->ctrl[i]
                     : (c->ep.action_mode == ENV_ACT_EXCITATION ? 1.0f / (1.0f + expf(-c->act[i])) : exc[i]);
    size_t n = rb->n;
    record_muscles(c, rb, exc, act0, frc0);
    fprintf(f, "%d,%ld,%.5f,%.6g%s\n", ep, t, t * c->ep.dt, out.reward, rb->p);
    rb->n = n;
    if (done) info = out.ep;
  }
  if (!done) { /* cut by --max-steps: the env's own bookkeeping has not closed the episode */
    info.length = (int)t;
    info.reason = ENV_END_NONE;
    info.ret = ret;
  }
  posture_result pr;
  posture_end(&c->pacc, &pr);
  fprintf(js, "%s    {\"episode\": %d, \"return\": %.6g, \"length\": %d, \"duration_s\": %.4f, \"end\": %d, "
              "\"success\": %d, \"mpjpe_mm\": %.6g, \"joint_rmse_deg\": %.6g, \"mean_speed\": %.6g, "
              "\"knee_flexion_deg\": %.4g, \"hinges_at_limit\": %d, \"heel_load_bw\": [%.4g, %.4g], "
              "\"mean_excitation\": %.4g}",
          ep ? ",\n" : "", ep, info.ret, info.length, info.length * c->ep.dt, info.reason, info.success,
          info.mpjpe_mm, info.joint_rmse_deg, info.mean_speed, pr.knee_flexion_deg, pr.hinges_at_limit,
          pr.heel_load_bw[0], pr.heel_load_bw[1], pr.mean_excitation);
  double k = 1.0 / o->episodes;
  c->p_knee += k * pr.knee_flexion_deg;
  c->p_heel_min += k * (pr.heel_load_bw[0] < pr.heel_load_bw[1] ? pr.heel_load_bw[0] : pr.heel_load_bw[1]);
  c->p_limits += k * pr.hinges_at_limit;
  c->p_exc += k * pr.mean_excitation;
  res->mean_return += info.ret / o->episodes;
  res->mean_length += (double)info.length / o->episodes;
  res->frames += t;
}

/* Playback: contact force on each foot (subtrees of talus_r / talus_l) from MuJoCo's contacts of the
 * prescribed state (mj_forward ran), rotated into the frame of the reference's direction of
 * progression, in body weights; written over the observation's foot_force block. */
static void playback_grf(eval_ctx *c) {
  const mjModel *m = env_model(c->env);
  mjData *d = env_data(c->env);
  const refmotion *ref = env_ref(c->env);
  int talus[2] = {mj_name2id(m, mjOBJ_BODY, "talus_r"), mj_name2id(m, mjOBJ_BODY, "talus_l")};
  double F[2][3] = {{0}}, psi = atan2(ref->cycle_shift[1], ref->cycle_shift[0]);
  for (int i = 0; i < d->ncon; i++) {
    const mjContact *k = d->contact + i;
    int side[2] = {-1, -1}, g[2] = {k->geom1, k->geom2};
    for (int q = 0; q < 2; q++)
      for (int b = m->geom_bodyid[g[q]]; b > 0 && side[q] < 0; b = m->body_parentid[b])
        if (b == talus[0] || b == talus[1]) side[q] = b == talus[1];
    if (side[0] < 0 && side[1] < 0) continue;
    mjtNum fc[6], fw[3];
    mj_contactForce(m, d, i, fc);
    mju_mulMatTVec(fw, k->frame, fc, 3, 3); /* force of geom1 on geom2, world frame */
    for (int a = 0; a < 3; a++) {
      if (side[1] >= 0) F[side[1]][a] += fw[a];
      if (side[0] >= 0) F[side[0]][a] -= fw[a];
    }
  }
  for (int s = 0; s < 2; s++) {
    float *o = c->obs + c->off_foot + 3 * s;
    o[0] = (float)((cos(psi) * F[s][0] + sin(psi) * F[s][1]) / c->weight);
    o[1] = (float)((-sin(psi) * F[s][0] + cos(psi) * F[s][1]) / c->weight);
    o[2] = (float)(F[s][2] / c->weight);
  }
}

/* The reference motion played back kinematically (no policy, no dynamics): a known gait that checks
 * the analysis end to end. Muscle columns hold the passive state (excitation 0). */
static void eval_playback(eval_ctx *c, const eval_opts *o, int ep, FILE *f, FILE *js, rowbuf *rb, float *exc,
                          double *ref_qpos, eval_result *res) {
  const mjModel *m = env_model(c->env);
  mjData *d = env_data(c->env);
  long T = o->max_steps > 0 ? o->max_steps : (long)(c->ep.episode_s[ENV_TASK_IMITATE] / c->ep.dt + 0.5);
  double ret = 0;
  memset(exc, 0, (size_t)m->nu * sizeof(float));
  for (long t = 0; t < T; t++) {
    env_set_ref_state(c->env, t);
    env_observe(c->env, c->obs);
    playback_grf(c);
    mju_copy(ref_qpos, d->qpos, m->nq);
    record_state(c, rb, ref_qpos);
    if (c->gl) video_frame(c, o, NULL);
    double r = env_eval_reward(c->env, NULL);
    ret += r;
    size_t n = rb->n;
    record_muscles(c, rb, exc, d->act, d->actuator_force);
    fprintf(f, "%d,%ld,%.5f,%.6g%s\n", ep, t, t * c->ep.dt, r, rb->p);
    rb->n = n;
  }
  fprintf(js, "%s    {\"episode\": %d, \"playback\": 1, \"return\": %.6g, \"length\": %ld, \"duration_s\": %.4f}",
          ep ? ",\n" : "", ep, ret, T, T * c->ep.dt);
  res->mean_return += ret / o->episodes;
  res->mean_length += (double)T / o->episodes;
  res->frames += T;
}

static void eval_free(eval_ctx *c) {
  if (c->ffmpeg) pclose(c->ffmpeg);
  model_gl_close(c->gl);
  if (c->ghost) mj_deleteData(c->ghost);
  if (c->env) env_free(c->env);
  if (c->model) mj_deleteModel(c->model);
  if (c->params) ac_ws_free(&c->ws);
  free(c->params), free(c->mean), free(c->inv_std), free(c->obs), free(c->obs_norm), free(c->act), free(c->rgb);
}

int eval_run(const eval_opts *o, eval_result *res, d2m_err *err) {
  memset(res, 0, sizeof *res);
  char path[4200];
  ckpt_file f;
  if (open_checkpoint(o->checkpoint, path, sizeof path, &f, err)) return -1;
  eval_ctx c;
  memset(&c, 0, sizeof c);
  int rc = load_policy(&c, o, &f, err) || find_layout(&c, err);
  ckpt_close(&f);
  if (!rc && file_mkdirs(o->out_dir, err)) rc = -1;
  if (!rc && o->playback && !env_ref(c.env)) rc = err_set(err, "--playback needs the imitate task (--task imitate)");
  if (!rc && o->video) rc = video_open(&c, o, err);
  char fp[4200];
  snprintf(fp, sizeof fp, "%s/frames.csv", o->out_dir);
  FILE *csv = rc ? NULL : fopen(fp, "w");
  snprintf(fp, sizeof fp, "%s/summary.json", o->out_dir);
  FILE *js = rc || !csv ? NULL : fopen(fp, "w");
  if (!rc && (!csv || !js)) rc = err_set(err, "%s: cannot write", fp);
  if (rc) {
    if (csv) fclose(csv);
    eval_free(&c);
    return -1;
  }
  const mjModel *m = env_model(c.env);
  posture_init(&c.pacc, m);
  write_header(&c, csv);
  fprintf(js, "{\n  \"checkpoint\": \"%s\",\n  \"task\": \"%s\",\n  \"deterministic\": %d,\n  \"seed\": %llu,\n"
              "  \"dt\": %.9g,\n  \"body_weight_N\": %.6g,\n  \"episodes\": [\n",
          path, env_task_name(c.ep.task), o->deterministic, (unsigned long long)o->seed, c.ep.dt, c.weight);
  rowbuf rb = {.cap = (size_t)(64 + 4 * c.nh + 3 * m->nu) * 24};
  rb.p = xmalloc(rb.cap);
  double *act0 = xcalloc((size_t)m->na + 1, sizeof(double)), *frc0 = xcalloc((size_t)m->nu, sizeof(double));
  double *ref_qpos = xcalloc((size_t)m->nq, sizeof(double));
  float *exc = xcalloc((size_t)m->nu, sizeof(float));
  rng_t pol;
  rng_seed(&pol, o->seed, 0, RNG_POLICY, 0);
  for (int ep = 0; ep < o->episodes; ep++)
    if (o->playback) eval_playback(&c, o, ep, csv, js, &rb, exc, ref_qpos, res);
    else eval_episode(&c, o, ep, &pol, csv, js, &rb, act0, frc0, exc, ref_qpos, res);
  res->episodes = o->episodes;
  res->render_fps = c.render_s > 0 ? (c.rendered - 1) / c.render_s : 0;
  fprintf(js, "\n  ],\n  \"mean_return\": %.6g,\n  \"mean_length\": %.6g,\n  \"frames\": %ld,\n  \"render_fps\": %.4g,\n",
          res->mean_return, res->mean_length, res->frames, res->render_fps);
  /* Episode means: knee flexion (deg), heel load of the less loaded foot (body weights), hinges held at a
   * limit (analysis/posture.h), excitation. */
  fprintf(js, "  \"posture\": {\"knee_flexion_deg\": %.4g, \"heel_load_min_bw\": %.4g, \"hinges_at_limit\": %.4g, "
              "\"mean_excitation\": %.4g}\n}\n",
          c.p_knee, c.p_heel_min, c.p_limits, c.p_exc);
  rc = fclose(csv) | fclose(js);
  if (c.ffmpeg) {
    int st = pclose(c.ffmpeg);
    c.ffmpeg = NULL;
    if (st) rc = err_set(err, "ffmpeg failed (status %d)", st);
  }
  free(rb.p), free(act0), free(frc0), free(ref_qpos), free(exc);
  eval_free(&c);
  if (rc && !err->msg[0]) err_set(err, "%s: write failed", o->out_dir);
  return rc ? -1 : 0;
}

static void eval_usage(FILE *f) {
  fprintf(f, "usage: drl2move eval --checkpoint FILE_OR_RUN_DIR [--episodes N] [--task stand|walk|imitate]\n"
             "                     [--subject FILE] [--deterministic] [--out DIR] [--video] [--size WxH]\n"
             "                     [--max-steps N] [--seed S] [--playback] [--set section.key=value ...]\n"
             "                     [--video-hq]\n"
             "Writes DIR/frames.csv (one row per control step), DIR/summary.json and with --video DIR/video.mp4.\n"
             "DIR defaults to RUN_DIR/eval. Then: drl2move analyze DIR\n"
             "--playback (imitate): play the reference motion back kinematically instead of the policy (a known\n"
             "gait to check the analysis with; GRF are the contact solver's forces for the prescribed state).\n"
             "--set overrides a key of the checkpoint's config (env and task keys only matter here), e.g.\n"
             "imitate.term_dist=100 to watch a policy past the point where training would have ended the episode.\n"
             "--video renders fast (no multisampling, 1024 shadow map, no floor reflection, coarser capsules);\n"
             "--video-hq keeps the model's own visual quality (about 9x slower on a CPU renderer).\n");
}

/* Whole-string integer options: atoi would read "10x" as 10 and "ten" as 0 without a word. */
static int opt_long(const char *opt, const char *v, long lo, long hi, const char *why, long *out) {
  char *end;
  errno = 0;
  long x = strtol(v, &end, 10);
  if (end == v || *end || errno == ERANGE) {
    fprintf(stderr, "drl2move eval: %s '%s' is not an integer\n", opt, v);
    return -1;
  }
  if (x < lo || x > hi) {
    fprintf(stderr, "drl2move eval: %s %ld outside %ld..%ld (%s)\n", opt, x, lo, hi, why);
    return -1;
  }
  *out = x;
  return 0;
}

/* "--seed N": any 64-bit unsigned, whole string, no sign (strtoull would wrap "-1"). */
static int opt_seed(const char *v, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long x = v[0] >= '0' && v[0] <= '9' ? strtoull(v, &end, 10) : 0;
  if (!(v[0] >= '0' && v[0] <= '9') || *end || errno == ERANGE) {
    fprintf(stderr, "drl2move eval: --seed '%s' is not an unsigned 64-bit integer\n", v);
    return -1;
  }
  *out = x;
  return 0;
}

/* "--size WxH", each 16..8192 pixels (the renderer's offscreen buffer). */
static int opt_size(const char *v, int *w, int *h) {
  const char *x = strchr(v, 'x');
  char ws[32];
  long a, b;
  if (!x || (size_t)(x - v) >= sizeof ws) {
    fprintf(stderr, "drl2move eval: --size '%s': expected WIDTHxHEIGHT, e.g. 640x480\n", v);
    return -1;
  }
  memcpy(ws, v, (size_t)(x - v)), ws[x - v] = 0;
  if (opt_long("--size width", ws, 16, 8192, "pixels", &a) || opt_long("--size height", x + 1, 16, 8192, "pixels", &b))
    return -1;
  *w = (int)a, *h = (int)b;
  return 0;
}

int eval_cli(int argc, char **argv) {
  eval_opts o;
  eval_opts_default(&o);
  char outbuf[4400] = "";
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int has = v != NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) return eval_usage(stdout), 0;
    else if (!strcmp(a, "--deterministic")) o.deterministic = 1;
    else if (!strcmp(a, "--video")) o.video = 1;
    else if (!strcmp(a, "--video-hq")) o.video = o.video_hq = 1;
    else if (!strcmp(a, "--playback")) o.playback = 1;
    else if (!strcmp(a, "--checkpoint") && has) o.checkpoint = argv[++i];
    else if (!strcmp(a, "--episodes") && has) {
      long n;
      if (opt_long(a, argv[++i], 1, 1000000, "episodes to run", &n)) return 2;
      o.episodes = (int)n;
    }
    else if (!strcmp(a, "--task") && has) o.task = argv[++i];
    else if (!strcmp(a, "--subject") && has) o.subject = argv[++i];
    else if (!strcmp(a, "--out") && has) o.out_dir = argv[++i];
    else if (!strcmp(a, "--max-steps") && has) {
      if (opt_long(a, argv[++i], 0, 1000000000L, "steps per episode; 0: the task's episode length", &o.max_steps))
        return 2;
    } else if (!strcmp(a, "--seed") && has) {
      if (opt_seed(argv[++i], &o.seed)) return 2;
    }
    else if (!strcmp(a, "--set") && has && o.nset < EVAL_MAX_SET) o.set[o.nset++] = argv[++i];
    else if (!strcmp(a, "--size") && has) {
      if (opt_size(argv[++i], &o.width, &o.height)) return 2;
    }
    else if (a[0] != '-' && !o.checkpoint) o.checkpoint = a;
    else {
      fprintf(stderr, "drl2move eval: bad or incomplete option '%s'\n", a);
      return eval_usage(stderr), 2;
    }
  }
  if (!o.checkpoint || o.episodes < 1 || o.width < 16 || o.height < 16) return eval_usage(stderr), 2;
  if (!o.out_dir) { /* RUN_DIR/eval for a run dir or RUN_DIR/checkpoints/ckpt-*.d2m */
    struct stat st;
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s", o.checkpoint);
    if (!stat(tmp, &st) && S_ISDIR(st.st_mode)) snprintf(outbuf, sizeof outbuf, "%s/eval", tmp);
    else snprintf(outbuf, sizeof outbuf, "%s/../eval", dirname(tmp));
    o.out_dir = outbuf;
  }
  eval_result r;
  d2m_err err = {{0}};
  if (eval_run(&o, &r, &err)) {
    LOG_E("eval: %s", err.msg);
    return 1;
  }
  LOG_I("eval: %d episodes, %ld frames, mean return %.3f, mean length %.1f steps -> %s", r.episodes, r.frames,
        r.mean_return, r.mean_length, o.out_dir);
  if (o.video) LOG_I("eval: rendered %.1f frames/s (%dx%d, render + readback after the first frame, while ffmpeg encodes) "
                     "-> %s/video.mp4", r.render_fps, o.width, o.height, o.out_dir);
  return 0;
}
