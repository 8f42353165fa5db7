/* analysis/eval.c: single-process rollouts of a checkpointed policy (see eval.h). */
#include "analysis/eval.h"
#include "analysis/jsonw.h"
#include "analysis/posture.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/ac.h"
#include "nn/ac_config.h"
#include "common/config.h"
#include "nn/rstat.h"
#include "envs/env.h"
#include "envs/device.h"
#include "envs/env_config.h"
#include "envs/model/model.h"
#include "nn/policy_file.h"
#include "actor/rollout.h"
#include "analysis/opensim_out.h"
#include "analysis/eval_energy.h"

#define RAD2DEG (180.0 / M_PI)

/* Row buffer appender: the state is recorded before the step, the reward is known after it. */
typedef struct rowbuf {
  char *p;
  size_t n, cap;
} rowbuf;

typedef struct eval_ctx {
  const eval_opts *o;
  cfg_t cfg;
  env_params ep;
  mjModel *model;
  env_t *env;
  void *envs[1];            /* the rollout's view of env */
  ac_net net;
  rollout ro;               /* the actor's rollout loop with one env (actor/rollout.h) */
  float *params, *mean, *inv_std;
  int O, A, off_foot, nh;
  int nmus; /* muscles (the excitation columns); A is the policy's outputs (joint_so: hinges) */
  int hinge[64];            /* hinge joint ids, model order */
  int calcn[2];
  double weight;            /* body weight (N) */
  /* outputs and their per-row buffers */
  FILE *csv, *js;
  rowbuf rb;
  double *act0, *frc0, *ref_qpos; /* [na] activations, [nu] forces before the step; [nq] reference pose */
  float *exc;               /* [nu] the excitation the step applied */
  eval_result *res;
  /* video */
  model_gl *gl;
  mjData *ghost;
  unsigned char *rgb;
  FILE *ffmpeg;
  double render_s;
  long rendered;
  long frames_max;          /* frames of all episodes at full length: an upper bound for policy episodes */
  double t_start, t_report; /* progress lines: wall time of the first frame and of the last line */
  int pct_report;           /* the last line's tenth of frames_max */
  os_writer *os;            /* --opensim */
  posture_acc pacc;
  eval_energy *ee;          /* metabolic and device outcomes (analysis/eval_energy.h) */
  FILE *mus;                /* muscle_energy.csv */
  double p_knee, p_heel_min, p_limits, p_exc; /* posture: means over the episodes */
} eval_ctx;

/* --opensim: record at the simulation rate (env substep hook) */
static void os_substep(void *user, const mjData *d) {
  eval_ctx *c = user;
  os_record(c->os, d->time, d, NULL);
}

/* --opensim: the episode's files, then a fresh record */
static int os_episode_end(eval_ctx *c, int ep, d2m_err *err) {
  char dir[4400];
  snprintf(dir, sizeof dir, "%s/opensim/ep%d", c->o->out_dir, ep);
  int rc = os_write(c->os, dir, err);
  os_reset(c->os);
  return rc;
}

void eval_opts_default(eval_opts *o) {
  memset(o, 0, sizeof *o);
  o->episodes = 1;
  o->width = 640, o->height = 480;
  o->seed = 1;
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

/* The config the policy runs with: the checkpoint's, then --task, --set (refusing fixed keys), --subject. */
static int eval_config(cfg_t *c, const cfg_t *trained, const eval_opts *o, d2m_err *err) {
  *c = *trained;
  if (o->task && cfg_set(c, "--task", "env", "task", o->task, err)) return -1;
  /* A playback plays the reference, not the policy: any checkpoint (or none) will do, the task is imitate. */
  if (o->drive == EVAL_PLAYBACK && strcmp(c->env_task, "imitate")) {
    LOG_I("eval: --playback plays the imitate task's reference; env.task=%s of %s set to imitate (the policy is "
          "not used)", c->env_task, o->checkpoint ? "the checkpoint" : "the defaults");
    if (cfg_set(c, "--playback", "env", "task", "imitate", err)) return -1;
  }
  for (int i = 0; i < o->nset; i++)
    if (cfg_apply_override(c, o->set[i], err)) return -1;
  if (check_fixed_keys(trained, c, err)) return -1; /* env.task is not a fixed key */
  if (o->subject) snprintf(c->env_subject, sizeof c->env_subject, "%s", o->subject);
  return dev_subject_apply(c, err); /* the subject file's devices (envs/device.h) */
}

static int load_policy(eval_ctx *c, const eval_opts *o, const policy_file *pf, d2m_err *err) {
  if (eval_config(&c->cfg, &pf->cfg, o, err) || env_params_from_cfg(&c->cfg, &c->ep, err)) return -1;
  if (!(c->model = env_model_from_cfg(&c->cfg, err))) return -1;
  if (!(c->env = env_create(c->model, &c->ep, NULL, err))) return -1;
  c->O = env_obs_size(c->env), c->A = env_act_size(c->env), c->nmus = env_muscle_count(c->env);
  ac_config ac;
  if (ac_config_from_cfg(&c->cfg, c->O, c->A, &ac, err)) return -1;
  ac_init(&c->net, &ac);
  c->mean = xmalloc((size_t)c->O * sizeof(float));
  c->inv_std = xmalloc((size_t)c->O * sizeof(float));
  if (o->drive == EVAL_PLAYBACK) { /* the net is not run: zero parameters, identity normalisation */
    c->params = xaligned(c->net.nparams * sizeof(float));
    memset(c->params, 0, c->net.nparams * sizeof(float));
    for (int i = 0; i < c->O; i++) c->mean[i] = 0, c->inv_std[i] = 1;
  } else if (pf->nparams != c->net.nparams || pf->obs.dim != c->O)
    return err_set(err, "%s: the checkpoint's net (%zu parameters, observation size %d) does not fit task '%s' "
                   "(%zu parameters with its nn.hidden=%s, nn.experts=%d; observation size %d)", pf->path, pf->nparams,
                   pf->obs.dim, c->cfg.env_task, c->net.nparams, c->cfg.nn_hidden, c->net.cfg.experts, c->O);
  else {
    c->params = xaligned(c->net.nparams * sizeof(float));
    memcpy(c->params, pf->params, c->net.nparams * sizeof(float));
    rstat_export(&pf->obs, 1e-8f, c->mean, c->inv_std); /* as the actors do */
  }
  rollout_config rc = {.envs = 1, .steps = 1, .obs_dim = c->O, .act_dim = c->A, .obs_clip = (float)c->cfg.ppo_obs_clip,
                       .action = o->drive == EVAL_MEAN ? ROLLOUT_MEAN : ROLLOUT_SAMPLE, .max_episodes = 1};
  c->envs[0] = c->env;
  rollout_init(&c->ro, &rc, &rollout_env_ops, c->envs, &c->net);
  c->ro.params = c->params, c->ro.mean = c->mean, c->ro.inv_std = c->inv_std;
  return 0;
}

static int find_layout(eval_ctx *c, d2m_err *err) {
  const mjModel *m = env_model(c->env);
  int off = 0;
  c->off_foot = -1;
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
    for (int i = 0; i < c->nmus; i++) fprintf(f, ",%s_%s", pre[k], mj_id2name(m, mjOBJ_ACTUATOR, i));
  ee_device_header(c->ee, f);
  fputc('\n', f);
}

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
  for (int k = 0; k < 6; k++) rb_num(r, c->ro.obs[c->off_foot + k]);
  for (int j = 0; j < c->nh; j++) rb_num(r, d->qpos[m->jnt_qposadr[c->hinge[j]]] * RAD2DEG);
  for (int j = 0; j < c->nh; j++) rb_num(r, d->qvel[m->jnt_dofadr[c->hinge[j]]] * RAD2DEG);
  if (ref_qpos)
    for (int j = 0; j < c->nh; j++) rb_num(r, ref_qpos[m->jnt_qposadr[c->hinge[j]]] * RAD2DEG);
}

static void record_muscles(eval_ctx *c, rowbuf *r, const float *exc, const double *act, const double *frc) {
  int nu = c->nmus; /* the muscles; device torques follow */
  for (int i = 0; i < nu; i++) rb_num(r, exc[i]);
  for (int i = 0; i < nu; i++) rb_num(r, act[i]);
  for (int i = 0; i < nu; i++) rb_num(r, -frc[i]); /* MuJoCo's muscle force is negative when pulling */
  for (int k = 0; k < ee_device_count(c->ee); k++) rb_num(r, ee_device_torque(c->ee, k));
}

static int video_open(eval_ctx *c, const eval_opts *o, d2m_err *err) {
  if (o->video != EVAL_VIDEO_HQ) {
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
  long T = o->max_steps > 0 ? o->max_steps : (long)llround(c->ep.episode_s[c->ep.task] / c->ep.dt);
  c->frames_max = T * o->episodes;
  if (env_ref(c->env)) c->ghost = mj_makeData(c->model);
  return 0;
}

/* A progress line every 2 s or every tenth of the frames, not per frame: a long --video run shows it is alive.
 * Policy episodes may end early, so the total is "at most" and the ETA an upper bound. */
static void video_progress(eval_ctx *c) {
  double now = log_elapsed();
  if (c->rendered == 1) c->t_start = c->t_report = now;
  long n = c->rendered, total = c->frames_max > n ? c->frames_max : n;
  int pct = (int)(10 * n / total);
  if (now - c->t_report < 2.0 && pct == c->pct_report) return;
  double el = now - c->t_start, fps = el > 0 ? (n - 1) / el : 0;
  LOG_I("eval: video %ld/%s%ld frames (%d%%), %.1f frames/s, ETA %.0f s", n,
        c->o->drive == EVAL_PLAYBACK ? "" : "at most ", total, (int)(100 * n / total), fps,
        fps > 0 ? (total - n) / fps : 0.0);
  c->t_report = now, c->pct_report = pct;
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
  video_progress(c);
}

/* The columns of one control step after the state columns, and the row. */
static void write_row(eval_ctx *c, int ep, long t, double reward, const double *act, const double *frc) {
  size_t n = c->rb.n;
  record_muscles(c, &c->rb, c->exc, act, frc);
  fprintf(c->csv, "%d,%ld,%.5f,%.6g%s\n", ep, t, t * c->ep.dt, reward, c->rb.p);
  c->rb.n = n;
}

/* summary.json: a metric, or null where it does not apply (or is not finite: JSON has no nan). */
static void js_num(FILE *f, const char *key, double x, int applies) {
  if (applies && isfinite(x)) fprintf(f, ", \"%s\": %.6g", key, x);
  else fprintf(f, ", \"%s\": null", key);
}

/* The end reason by the env's enum name (envs/env.h); ENV_END_NONE only when --max-steps cut the episode. */
static const char *end_name(int reason) {
  switch (reason) {
  case ENV_END_TIME: return "time";
  case ENV_END_FALL: return "fall";
  case ENV_END_TRACKING: return "tracking";
  case ENV_END_NUMERICAL: return "numerical";
  case ENV_END_NONE: return "max_steps";
  default: return "unknown";
  }
}

/* One episode's metrics: tracking for imitate, speed for walk, posture where any step was counted. */
static void write_episode_json(eval_ctx *c, int ep, long start, const env_episode_info *info,
                               const posture_result *pr) {
  FILE *f = c->js;
  int im = c->ep.task == ENV_TASK_IMITATE, pos = pr->steps > 0;
  fprintf(f, "%s    {\"episode\": %d, \"return\": %.6g, \"length\": %d, \"duration_s\": %.4f, \"end\": \"%s\", "
             "\"success\": %d", ep ? ",\n" : "", ep, info->ret, info->length, info->length * c->ep.dt,
          end_name(info->reason), info->success);
  js_num(f, "start_frame", (double)start, im); /* which phase a deterministic episode's length belongs to */
  if (info->reason == ENV_END_TRACKING && info->end_body >= 0) { /* which body left the band, and which way */
    fputs(", \"end_body\": ", f);
    jsonw_str(f, mj_id2name(env_model(c->env), mjOBJ_BODY, info->end_body));
    fprintf(f, ", \"end_offset_m\": [%.4f, %.4f, %.4f]", info->end_offset[0], info->end_offset[1], info->end_offset[2]);
  } else
    fputs(", \"end_body\": null, \"end_offset_m\": null", f);
  js_num(f, "mpjpe_mm", info->mpjpe_mm, im);
  js_num(f, "joint_rmse_deg", info->joint_rmse_deg, im);
  js_num(f, "mean_speed", info->mean_speed, c->ep.task == ENV_TASK_WALK);
  js_num(f, "knee_flexion_deg", pr->knee_flexion_deg, pos);
  js_num(f, "hinges_at_limit", pr->hinges_at_limit, pos);
  fputs(", \"limit_joints\": [", f); /* which hinges (names), so a statue can be told from a locked knee */
  for (int i = 0; pos && i < pr->hinges_at_limit; i++)
    fprintf(f, "%s\"%s\"", i ? ", " : "", mj_id2name(env_model(c->env), mjOBJ_JOINT, pr->limit_joint[i]));
  fputs("], \"limit_torque_nm\": [", f); /* what those limits carry, in the same order */
  for (int i = 0; pos && i < pr->hinges_at_limit; i++) fprintf(f, "%s%.4g", i ? ", " : "", pr->limit_torque[i]);
  fputc(']', f);
  if (pos) fprintf(f, ", \"heel_load_bw\": [%.4g, %.4g]", pr->heel_load_bw[0], pr->heel_load_bw[1]);
  else fputs(", \"heel_load_bw\": null", f);
  js_num(f, "mean_excitation", pr->mean_excitation, pos);
  ee_episode_end(c->ee, f, c->mus, ep, env_model(c->env));
  fputc('}', f);
}

static void add_result(eval_ctx *c, double ret, double length, long frames) {
  c->res->mean_return += ret / c->o->episodes;
  c->res->mean_length += length / c->o->episodes;
  c->res->frames += frames;
}

/* One episode of the policy; appends rows to frames.csv and the episode's metrics to summary.json. */
static void eval_episode(eval_ctx *c, int ep) {
  const eval_opts *o = c->o;
  const mjModel *m = env_model(c->env);
  mjData *d = env_data(c->env);
  rng_t s;
  rng_seed(&s, o->seed, 0, RNG_ENV, (uint64_t)ep);
  if (o->sweep_starts) env_set_start_phase(c->env, (double)ep / o->episodes);
  env_reset(c->env, rng_u64(&s));
  long start = env_ref(c->env) ? env_ref_frame(c->env) : -1;
  rollout_observe(&c->ro);
  ee_episode_start(c->ee, m, d);
  const refmotion *ref = env_ref(c->env);
  double *ref_qpos = ref ? c->ref_qpos : NULL;
  long cap = o->max_steps > 0 ? o->max_steps : (long)1e9;
  const env_step_out *out = &c->ro.out[0];
  env_episode_info info = {0};
  double ret = 0;
  long t = 0;
  int done = 0;
  if (c->os && !o->opensim_sim_rate) os_record(c->os, 0, d, NULL);
  for (; t < cap && !done; t++) {
    if (ref) refmotion_frame(ref, env_ref_frame(c->env), ref_qpos, NULL, NULL, NULL);
    record_state(c, &c->rb, ref_qpos);
    mju_copy(c->act0, d->act, m->na);
    mju_copy(c->frc0, d->actuator_force, m->nu);
    if (c->gl) video_frame(c, o, ref_qpos);
    rollout_step(&c->ro, 0);
    done = out->done;
    ret += out->reward;
    if (!done) {
      double heel[2];
      env_heel_load(c->env, heel);
      posture_add(&c->pacc, m, d, heel);
      ee_step(c->ee, m, d, c->ep.dt, c->ro.obs[c->off_foot + 2]);
    }
    /* After an automatic reset ctrl belongs to the next episode: recompute the excitation. */
    for (int i = 0; i < c->nmus; i++)
      c->exc[i] = !done ? (float)d->ctrl[i]
                        : (c->ep.action_mode == ENV_ACT_EXCITATION ? 1.0f / (1.0f + expf(-c->ro.act[i])) : c->exc[i]);
    write_row(c, ep, t, out->reward, c->act0, c->frc0);
    if (done) info = out->ep;
    else if (c->os && !o->opensim_sim_rate) os_record(c->os, (t + 1) * c->ep.dt, d, c->exc);
  }
  if (!done) { /* cut by --max-steps: the env's own bookkeeping has not closed the episode */
    info.length = (int)t;
    info.reason = ENV_END_NONE;
    info.ret = ret;
  }
  posture_result pr;
  posture_end(&c->pacc, &pr);
  write_episode_json(c, ep, start, &info, &pr);
  c->res->mean_success += (double)info.success / c->o->episodes;
  c->res->mean_mpjpe_mm += info.mpjpe_mm / c->o->episodes;
  c->res->mean_joint_rmse_deg += info.joint_rmse_deg / c->o->episodes;
  double k = 1.0 / c->o->episodes;
  c->p_knee += k * pr.knee_flexion_deg;
  c->p_heel_min += k * (pr.heel_load_bw[0] < pr.heel_load_bw[1] ? pr.heel_load_bw[0] : pr.heel_load_bw[1]);
  c->p_limits += k * pr.hinges_at_limit;
  c->p_exc += k * pr.mean_excitation;
  add_result(c, info.ret, info.length, t);
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
    float *o = c->ro.obs + c->off_foot + 3 * s;
    o[0] = (float)((cos(psi) * F[s][0] + sin(psi) * F[s][1]) / c->weight);
    o[1] = (float)((-sin(psi) * F[s][0] + cos(psi) * F[s][1]) / c->weight);
    o[2] = (float)(F[s][2] / c->weight);
  }
}

/* The reference motion played back kinematically (no policy, no dynamics): a known gait that checks
 * the analysis end to end. Muscle columns hold the passive state (excitation 0), or, when the env
 * computed them (imitate.act_preload or imitate.feedforward = so), the static-optimisation
 * activations of each frame as excitation and activation: OpenSim's baseline for EMG comparison. */
static void eval_playback(eval_ctx *c, int ep) {
  const eval_opts *o = c->o;
  const mjModel *m = env_model(c->env);
  mjData *d = env_data(c->env);
  long T = o->max_steps > 0 ? o->max_steps : (long)(c->ep.episode_s[ENV_TASK_IMITATE] / c->ep.dt + 0.5);
  double ret = 0;
  memset(c->exc, 0, (size_t)m->nu * sizeof(float));
  for (long t = 0; t < T; t++) {
    env_set_ref_state(c->env, t);
    env_observe(c->env, c->ro.obs);
    playback_grf(c);
    mju_copy(c->ref_qpos, d->qpos, m->nq);
    record_state(c, &c->rb, c->ref_qpos);
    if (c->os) os_record(c->os, t * c->ep.dt, d, c->exc);
    if (c->gl) video_frame(c, o, NULL);
    double r = env_eval_reward(c->env, NULL);
    ret += r;
    const double *so = env_so_activations(c->env, t);
    if (so) {
      for (int i = 0; i < m->nu; i++) c->exc[i] = (float)so[i];
      for (int i = m->nu - m->na; i < m->nu; i++) d->act[i - (m->nu - m->na)] = so[i];
      mj_fwdActuation(m, d); /* forces of these activations at the frame's lengths and velocities */
    }
    write_row(c, ep, t, r, d->act, d->actuator_force);
  }
  fprintf(c->js, "%s    {\"episode\": %d, \"playback\": 1, \"return\": %.6g, \"length\": %ld, \"duration_s\": %.4f}",
          ep ? ",\n" : "", ep, ret, T, T * c->ep.dt);
  add_result(c, ret, (double)T, T);
}

static void eval_free(eval_ctx *c) {
  if (c->ffmpeg) pclose(c->ffmpeg);
  if (c->os) os_free(c->os), free(c->os);
  model_gl_close(c->gl);
  if (c->ghost) mj_deleteData(c->ghost);
  if (c->env) env_free(c->env);
  if (c->model) mj_deleteModel(c->model);
  rollout_free(&c->ro);
  free(c->params), free(c->mean), free(c->inv_std), free(c->rgb);
  free(c->ee);
  free(c->rb.p), free(c->act0), free(c->frc0), free(c->ref_qpos), free(c->exc);
}

/* frames.csv and summary.json opened, their headers written, the row buffers sized. */
static int open_outputs(eval_ctx *c, const char *ckpt_path, d2m_err *err) {
  const eval_opts *o = c->o;
  char fp[4200];
  snprintf(fp, sizeof fp, "%s/frames.csv", o->out_dir);
  if (!(c->csv = fopen(fp, "w"))) return err_set(err, "%s: cannot write", fp);
  snprintf(fp, sizeof fp, "%s/summary.json", o->out_dir);
  if (!(c->js = fopen(fp, "w"))) return err_set(err, "%s: cannot write", fp);
  snprintf(fp, sizeof fp, "%s/muscle_energy.csv", o->out_dir);
  if (o->drive != EVAL_PLAYBACK && !(c->mus = fopen(fp, "w"))) return err_set(err, "%s: cannot write", fp);
  if (c->mus) fputs("episode,muscle,mean_power_W,energy_J\n", c->mus);
  const mjModel *m = env_model(c->env);
  write_header(c, c->csv);
  fputs("{\n  \"checkpoint\": ", c->js);
  jsonw_str(c->js, ckpt_path);
  fputs(",\n", c->js);
  fprintf(c->js, "  \"task\": \"%s\",\n  \"deterministic\": %d,\n  \"starts\": \"%s\",\n  \"seed\": %llu,\n"
                 "  \"dt\": %.9g,\n  \"body_weight_N\": %.6g,\n  \"episodes\": [\n",
          env_task_name(c->ep.task), o->drive == EVAL_MEAN, o->sweep_starts ? "sweep" : "random",
          (unsigned long long)o->seed, c->ep.dt,
          c->weight);
  c->rb.cap = (size_t)(64 + 4 * c->nh + 3 * m->nu) * 24;
  c->rb.p = xmalloc(c->rb.cap);
  c->act0 = xcalloc((size_t)m->na + 1, sizeof(double));
  c->frc0 = xcalloc((size_t)m->nu, sizeof(double));
  c->ref_qpos = xcalloc((size_t)m->nq, sizeof(double));
  c->exc = xcalloc((size_t)m->nu, sizeof(float));
  return 0;
}

/* Closes the outputs (and ffmpeg); -1 when any of them failed. */
static int close_outputs(eval_ctx *c, d2m_err *err) {
  int rc = 0;
  if (c->csv && fclose(c->csv)) rc = -1;
  if (c->js && fclose(c->js)) rc = -1;
  if (c->mus && fclose(c->mus)) rc = -1;
  c->csv = c->js = c->mus = NULL;
  if (c->ffmpeg) {
    int st = pclose(c->ffmpeg);
    c->ffmpeg = NULL;
    if (st) rc = err_set(err, "ffmpeg failed (status %d)", st);
  }
  if (rc && !err->msg[0]) err_set(err, "%s: write failed", c->o->out_dir);
  return rc;
}

int eval_run(const eval_opts *o, eval_result *res, d2m_err *err) {
  memset(res, 0, sizeof *res);
  policy_file pf;
  if (!o->checkpoint && o->drive != EVAL_PLAYBACK) return err_set(err, "--checkpoint is needed (but with --playback)");
  if (o->checkpoint && policy_load(o->checkpoint, &pf, err)) return -1;
  if (!o->checkpoint) { /* --playback alone: the embedded defaults */
    memset(&pf, 0, sizeof pf);
    cfg_defaults(&pf.cfg);
  }
  eval_ctx c;
  memset(&c, 0, sizeof c);
  c.o = o, c.res = res;
  int rc = load_policy(&c, o, &pf, err) || find_layout(&c, err);
  if (!rc && file_mkdirs(o->out_dir, err)) rc = -1;
  if (!rc && o->drive == EVAL_PLAYBACK && !env_ref(c.env))
    rc = err_set(err, "--playback needs the imitate task (--task imitate)");
  if (!rc && o->video != EVAL_VIDEO_NONE) rc = video_open(&c, o, err);
  if (!rc && o->opensim && o->drive == EVAL_PLAYBACK && o->opensim_sim_rate)
    rc = err_set(err, "--rate sim: a playback is kinematic (one pose per control step); use --rate control");
  if (!rc && o->opensim) {
    c.os = xcalloc(1, sizeof *c.os);
    rc = os_open(c.os, env_model(c.env), err);
    if (!rc && o->opensim_sim_rate) env_set_substep_hook(c.env, os_substep, &c);
  }
  if (!rc) {
    c.ee = xmalloc(sizeof *c.ee);
    ee_init(c.ee, env_model(c.env), c.env);
    rc = open_outputs(&c, o->checkpoint ? pf.path : NULL, err);
  }
  if (o->checkpoint) policy_free(&pf);
  if (rc) {
    d2m_err ignored = {{0}};
    close_outputs(&c, &ignored);
    eval_free(&c);
    return -1;
  }
  posture_init(&c.pacc, env_model(c.env));
  rng_seed(&c.ro.rng, o->seed, 0, RNG_POLICY, 0);
  int orc = 0;
  for (int ep = 0; ep < o->episodes && !orc; ep++) {
    if (o->drive == EVAL_PLAYBACK) eval_playback(&c, ep);
    else eval_episode(&c, ep);
    if (c.os) orc = os_episode_end(&c, ep, err);
  }
  res->episodes = o->episodes;
  res->render_fps = c.render_s > 0 ? (c.rendered - 1) / c.render_s : 0;
  fprintf(c.js, "\n  ],\n  \"mean_return\": %.6g,\n  \"mean_length\": %.6g,\n  \"frames\": %ld,\n  \"render_fps\": %.4g,\n",
          res->mean_return, res->mean_length, res->frames, res->render_fps);
  /* Episode means: knee flexion (deg), heel load of the less loaded foot (body weights), hinges held at a
   * limit (analysis/posture.h), excitation. */
  if (o->drive != EVAL_PLAYBACK) ee_summary_json(c.ee, c.js), eval_energy_result(c.ee, res);
  else fputs("  \"metabolic\": null,\n  \"device\": null,\n", c.js); /* kinematic: no muscle or device dynamics */
  if (o->drive == EVAL_PLAYBACK) fputs("  \"posture\": null\n}\n", c.js); /* a playback does not count posture */
  else
    fprintf(c.js, "  \"posture\": {\"knee_flexion_deg\": %.4g, \"heel_load_min_bw\": %.4g, \"hinges_at_limit\": %.4g, "
                  "\"mean_excitation\": %.4g}\n}\n",
            c.p_knee, c.p_heel_min, c.p_limits, c.p_exc);
  rc = close_outputs(&c, err) || orc;
  eval_free(&c);
  return rc ? -1 : 0;
}

