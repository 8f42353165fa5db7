/* deploy/eval_cli.c: `drl2move eval` argv -> eval_opts (analysis/eval.h). */
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "analysis/eval.h"
#include "common/log.h"
#include "deploy/cli.h"

static void eval_usage(FILE *f) {
  fprintf(f, "usage: drl2move eval --checkpoint FILE_OR_RUN_DIR [--episodes N] [--task stand|walk|imitate]\n"
             "       drl2move eval --playback --out DIR [--checkpoint FILE_OR_RUN_DIR] [--set imitate.motion=FILE ...]\n"
             "                     [--subject FILE] [--deterministic] [--out DIR] [--video] [--size WxH]\n"
             "                     [--max-steps N] [--seed S] [--playback] [--set section.key=value ...]\n"
             "                     [--video-hq] [--opensim [--rate control|sim]] [--clips FILE.list]\n"
             "                     [--starts random|sweep]\n"
             "Writes DIR/frames.csv (one row per control step), DIR/summary.json and with --video DIR/video.mp4.\n"
             "DIR defaults to RUN_DIR/eval. Then: drl2move analyze DIR\n"
             "--playback (imitate): play the reference motion back kinematically instead of the policy (a known\n"
             "gait to check the analysis with; GRF are the contact solver's forces for the prescribed state). The\n"
             "policy is not used: without --checkpoint the built-in defaults are played (then --out is needed), and\n"
             "a checkpoint of another task is played as imitate (with a note).\n"
             "--video logs its progress (frames, frames/s, ETA) every 2 s or every tenth of the frames.\n"
             "summary.json: end reasons by name (time, fall, tracking, numerical; max_steps when --max-steps cut\n"
             "the episode); null for metrics that do not apply (tracking but for imitate, speed but for walk, posture\n"
             "in a playback).\n"
             "--set overrides a key of the checkpoint's config (env and task keys only matter here), e.g.\n"
             "imitate.term_dist=100 to watch a policy past the point where training would have ended the episode.\n"
             "--opensim also writes DIR/opensim/ep<K>/: joint_angles.mot (Rajagopal2016 convention), activations.sto,\n"
             "excitations.sto, grf.mot and grf.xml (ExternalLoads), per control step or with --rate sim per physics step.\n"
             "--video renders fast (no multisampling, 1024 shadow map, no floor reflection, coarser capsules);\n"
             "--video-hq keeps the model's own visual quality (about 9x slower on a CPU renderer).\n"
             "--clips FILE.list: every clip of a clip library from its first frame (no random start), --episodes each;\n"
             "per clip DIR/clips/NNN/ (frames.csv, summary.json), then DIR/clips.csv (success, MPJPE, joint-angle\n"
             "RMSE, episode length per clip) and DIR/summary.json with the means over all clips and over the list's\n"
             "split=train and split=test clips.\n"
             "--starts sweep (imitate): episode i of N starts at phase i/N of its clip instead of a random frame\n"
             "(imitate.rsi); with --deterministic an episode depends only on its start frame, so --episodes equal to\n"
             "the clip's frames (37 for the default gait) gives the exact mean over every start, without the repeats\n"
             "and gaps of N random draws (with --clips, within each clip). Each episode's start_frame is in\n"
             "summary.json.\n");
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
  if (cli_long("eval", "--size width", ws, 16, 8192, "pixels", &a) || cli_long("eval", "--size height", x + 1, 16, 8192, "pixels", &b))
    return -1;
  *w = (int)a, *h = (int)b;
  return 0;
}

int eval_cli(int argc, char **argv) {
  eval_opts o;
  eval_opts_default(&o);
  char outbuf[4400] = "";
  int deterministic = 0, playback = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
    int has = v != NULL;
    if (!strcmp(a, "--help") || !strcmp(a, "-h")) return eval_usage(stdout), 0;
    else if (!strcmp(a, "--deterministic")) deterministic = 1;
    else if (!strcmp(a, "--video")) o.video = o.video == EVAL_VIDEO_HQ ? EVAL_VIDEO_HQ : EVAL_VIDEO_FAST;
    else if (!strcmp(a, "--video-hq")) o.video = EVAL_VIDEO_HQ;
    else if (!strcmp(a, "--playback")) playback = 1;
    else if (!strcmp(a, "--opensim")) o.opensim = 1;
    else if (!strcmp(a, "--rate") && has) {
      const char *r = argv[++i];
      if (strcmp(r, "control") && strcmp(r, "sim"))
        return fprintf(stderr, "drl2move eval: --rate '%s': expected control or sim\n", r), 2;
      o.opensim_sim_rate = !strcmp(r, "sim");
    }
    else if (!strcmp(a, "--checkpoint") && has) o.checkpoint = argv[++i];
    else if (!strcmp(a, "--episodes") && has) {
      long n;
      if (cli_long("eval", a, argv[++i], 1, 1000000, "episodes to run", &n)) return 2;
      o.episodes = (int)n;
    }
    else if (!strcmp(a, "--task") && has) o.task = argv[++i];
    else if (!strcmp(a, "--subject") && has) o.subject = argv[++i];
    else if (!strcmp(a, "--out") && has) o.out_dir = argv[++i];
    else if (!strcmp(a, "--max-steps") && has) {
      if (cli_long("eval", a, argv[++i], 0, 1000000000L, "steps per episode; 0: the task's episode length", &o.max_steps))
        return 2;
    } else if (!strcmp(a, "--seed") && has) {
      if (cli_u64("eval", a, argv[++i], &o.seed)) return 2;
    }
    else if (!strcmp(a, "--set") && has && o.nset < EVAL_MAX_SET) o.set[o.nset++] = argv[++i];
    else if (!strcmp(a, "--clips") && has) o.clips = argv[++i];
    else if (!strcmp(a, "--starts") && has) {
      const char *r = argv[++i];
      if (strcmp(r, "random") && strcmp(r, "sweep"))
        return fprintf(stderr, "drl2move eval: --starts '%s': expected random or sweep\n", r), 2;
      o.sweep_starts = !strcmp(r, "sweep");
    }
    else if (!strcmp(a, "--size") && has) {
      if (opt_size(argv[++i], &o.width, &o.height)) return 2;
    }
    else if (a[0] != '-' && !o.checkpoint) o.checkpoint = a;
    else {
      fprintf(stderr, "drl2move eval: bad or incomplete option '%s'\n", a);
      return eval_usage(stderr), 2;
    }
  }
  o.drive = playback ? EVAL_PLAYBACK : deterministic ? EVAL_MEAN : EVAL_SAMPLE;
  if (!o.checkpoint && !playback)
    return fprintf(stderr, "drl2move eval: --checkpoint is needed (but with --playback)\n"), eval_usage(stderr), 2;
  if (!o.checkpoint && !o.out_dir)
    return fprintf(stderr, "drl2move eval: --playback without --checkpoint needs --out DIR\n"), 2;
  if (o.episodes < 1 || o.width < 16 || o.height < 16) return eval_usage(stderr), 2;
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
  if (o.clips) {
    if (eval_clips_run(&o, &err)) return LOG_E("eval: %s", err.msg), 1;
    LOG_I("eval --clips: -> %s/clips.csv, %s/summary.json", o.out_dir, o.out_dir);
    return 0;
  }
  if (eval_run(&o, &r, &err)) {
    LOG_E("eval: %s", err.msg);
    return 1;
  }
  LOG_I("eval: %d episodes, %ld frames, mean return %.3f, mean length %.1f steps -> %s", r.episodes, r.frames,
        r.mean_return, r.mean_length, o.out_dir);
  if (o.video != EVAL_VIDEO_NONE) LOG_I("eval: rendered %.1f frames/s (%dx%d, render + readback after the first frame, while ffmpeg encodes) "
                     "-> %s/video.mp4", r.render_fps, o.width, o.height, o.out_dir);
  return 0;
}
