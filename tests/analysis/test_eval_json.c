/* tests/analysis/test_eval_json.c: summary.json of `drl2move eval` is JSON (python3's parser), names the
 * end reasons, writes null for metrics that do not apply; --playback runs without a checkpoint or with one
 * of another task. The binary comes from D2M_BIN. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "analysis/jsonw.h"
#include "tests/analysis/eval_fixture.h"

/* Runs `args` through the binary into dir (log in dir.log); 0 on success. */
static int run_eval(const char *dir, const char *args) {
  const char *bin = getenv("D2M_BIN");
  if (!bin) cr_skip_test("D2M_BIN not set (run through meson test)");
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "rm -rf %s && %s eval %s --out %s >%s.log 2>&1", dir, bin, args, dir, dir);
  return system(cmd);
}

/* python3 checks dir/summary.json with the assertions in `py` (s: the parsed summary, e: its episodes). */
static void check_summary(const char *dir, const char *py) {
  if (system("command -v python3 >/dev/null 2>&1")) cr_skip_test("python3 not installed");
  char p[512], cmd[1024];
  snprintf(p, sizeof p, "%s.check.py", dir);
  FILE *f = fopen(p, "w");
  cr_assert(f, "cannot write %s", p);
  fprintf(f, "import json\ns = json.load(open('%s/summary.json'))\ne = s['episodes']\n%s", dir, py);
  fclose(f);
  snprintf(cmd, sizeof cmd, "python3 %s >%s.py.log 2>&1", p, dir);
  cr_assert_eq(system(cmd), 0, "summary.json check failed (see %s.py.log and %s/summary.json)", dir, dir);
}

/* Data lines of dir/frames.csv (after the header). */
static long csv_rows(const char *dir) {
  char p[512];
  snprintf(p, sizeof p, "%s/frames.csv", dir);
  FILE *f = fopen(p, "r");
  cr_assert(f, "no %s", p);
  long n = -1;
  int ch;
  while ((ch = fgetc(f)) != EOF)
    if (ch == '\n') n++;
  fclose(f);
  return n;
}

/* A fresh `task` policy written to ck, then `eval --checkpoint ck OPTS` into dir, which must succeed. */
static void eval_fresh(const char *dir, const char *ck, const char *task, const char *opts) {
  if (!getenv("D2M_BIN")) cr_skip_test("D2M_BIN not set (run through meson test)");
  write_fresh_checkpoint(ck, task);
  char args[512];
  snprintf(args, sizeof args, "--checkpoint %s %s", ck, opts);
  cr_assert_eq(run_eval(dir, args), 0, "eval %s failed (see %s.log)", args, dir);
}

Test(eval_json, stand_names_reasons_and_nulls_tracking, .timeout = 120) {
  const char *dir = "/tmp/d2m_test_evjson_stand", *ck = "/tmp/d2m_test_evjson_stand.ckpt";
  eval_fresh(dir, ck, "stand", "--episodes 2 --max-steps 6");
  check_summary(dir, "assert s['task'] == 'stand'\n"
                     "for x in e:\n"
                     "    assert x['end'] in ('time', 'fall', 'tracking', 'numerical', 'max_steps'), x['end']\n"
                     "    assert 'mpjpe_mm' in x and x['mpjpe_mm'] is None, x\n"
                     "    assert x['joint_rmse_deg'] is None and x['mean_speed'] is None, x\n"
                     "    assert x['start_frame'] is None and x['end_body'] is None and x['end_offset_m'] is None, x\n"
                     "    assert x['knee_flexion_deg'] is None or isinstance(x['knee_flexion_deg'], (int, float)), x\n"
                     "    assert isinstance(x['limit_joints'], list), x\n"
                     "    assert x['hinges_at_limit'] is None or x['hinges_at_limit'] == len(x['limit_joints']), x\n"
                     "    assert all(j.endswith(('_r', '_l')) for j in x['limit_joints']), x\n"
                     "assert e[0]['end'] == 'max_steps' or e[0]['length'] < 6, e[0]\n"
                     "assert isinstance(s['posture'], dict)\n");
  remove(ck);
}

/* --starts sweep: episode i of N starts at frame floor(i n / N) of the clip (n = 37 for the default
 * gait); random starts name their frames too, and an unknown mode is refused. */
Test(eval_json, imitate_sweep_starts_cover_the_clip_evenly, .timeout = 120) {
  const char *dir = "/tmp/d2m_test_evjson_sweep", *ck = "/tmp/d2m_test_evjson_sweep.ckpt";
  eval_fresh(dir, ck, "imitate", "--deterministic --episodes 5 --max-steps 2 --starts sweep");
  check_summary(dir, "assert s['starts'] == 'sweep', s['starts']\n"
                     "assert [x['start_frame'] for x in e] == [i * 37 // 5 for i in range(5)], [x['start_frame'] for x in e]\n"
                     "for x in e:\n"
                     "    if x['end'] == 'tracking': assert isinstance(x['end_body'], str) and len(x['end_offset_m']) == 3, x\n"
                     "    else: assert x['end_body'] is None and x['end_offset_m'] is None, x\n");
  char args[512];
  snprintf(args, sizeof args, "--checkpoint %s --deterministic --episodes 3 --max-steps 2", ck);
  cr_assert_eq(run_eval(dir, args), 0, "eval failed (see %s.log)", dir);
  check_summary(dir, "assert s['starts'] == 'random'\n"
                     "assert all(isinstance(x['start_frame'], int) and 0 <= x['start_frame'] < 37 for x in e), e\n");
  snprintf(args, sizeof args, "--checkpoint %s --starts every", ck);
  cr_assert_neq(run_eval(dir, args), 0, "--starts every must be refused");
  remove(ck);
}

Test(eval_json, playback_without_checkpoint_writes_frames, .timeout = 120) {
  const char *dir = "/tmp/d2m_test_evjson_play";
  cr_assert_eq(run_eval(dir, "--playback --max-steps 5"), 0, "eval failed (see %s.log)", dir);
  cr_assert_eq(csv_rows(dir), 5);
  check_summary(dir, "assert s['checkpoint'] is None and s['task'] == 'imitate', s\n"
                     "assert len(e) == 1 and e[0]['playback'] == 1 and e[0]['length'] == 5, e\n"
                     "assert s['posture'] is None\n");
}

Test(eval_json, playback_refuses_no_checkpoint_without_out) {
  const char *bin = getenv("D2M_BIN");
  if (!bin) cr_skip_test("D2M_BIN not set (run through meson test)");
  char cmd[1024];
  snprintf(cmd, sizeof cmd, "%s eval --playback >/dev/null 2>&1", bin);
  cr_assert_neq(system(cmd), 0, "--playback without --checkpoint and --out must fail");
  snprintf(cmd, sizeof cmd, "%s eval --out /tmp/d2m_test_evjson_none >/dev/null 2>&1", bin);
  cr_assert_neq(system(cmd), 0, "eval without --checkpoint and --playback must fail");
}

Test(eval_json, playback_of_a_stand_checkpoint_plays_imitate, .timeout = 120) {
  const char *dir = "/tmp/d2m_test_evjson_play_stand", *ck = "/tmp/d2m_test_evjson_play_stand.ckpt";
  eval_fresh(dir, ck, "stand", "--playback --max-steps 4");
  char p[512];
  cr_assert_eq(csv_rows(dir), 4);
  check_summary(dir, "assert s['task'] == 'imitate' and s['checkpoint'].endswith('.ckpt'), s\n");
  /* the note says the task was changed */
  snprintf(p, sizeof p, "grep -q 'set to imitate' %s.log", dir);
  cr_assert_eq(system(p), 0, "no note about the task in %s.log", dir);
  remove(ck);
}

/* --video logs progress lines (frames, frames/s, ETA), each tenth of the frames or every 2 s: some, not one per
 * frame, the last at 100%. */
Test(eval_json, video_logs_progress_not_per_frame, .timeout = 180) {
  if (system("command -v ffmpeg >/dev/null 2>&1")) cr_skip_test("ffmpeg not installed (apt-get install ffmpeg)");
  const char *dir = "/tmp/d2m_test_evjson_video";
  char p[512];
  if (run_eval(dir, "--playback --video --size 96x64 --max-steps 40")) {
    snprintf(p, sizeof p, "grep -q -e 'no renderer' -e EGL %s.log", dir);
    if (!system(p)) cr_skip_test("no headless renderer (see %s.log)", dir);
    cr_assert_fail("eval --video failed (see %s.log)", dir);
  }
  snprintf(p, sizeof p, "grep -c 'eval: video .* frames/s, ETA' %s.log", dir);
  FILE *f = popen(p, "r");
  long n = -1;
  cr_assert_eq(fscanf(f, "%ld", &n), 1);
  pclose(f);
  cr_assert(n >= 1 && n < 40, "%ld progress lines for 40 frames (see %s.log)", n, dir);
  snprintf(p, sizeof p, "grep 'eval: video' %s.log | tail -1 | grep -q '40/40 frames (100%%)'", dir);
  cr_assert_eq(system(p), 0, "the last progress line is not 40/40 (100%%) (see %s.log)", dir);
}

/* Metabolic and device outcomes: without a device "device" is null; with both ankle exoskeletons under
 * the impedance law each has its work and peak torque (within the limit), frames.csv a torque column
 * each, and the episode's energy is the muscles' (muscle_energy.csv) plus the basal rate's. */
Test(eval_json, metabolic_and_device_outcomes, .timeout = 180) {
  const char *dir = "/tmp/d2m_test_evjson_dev", *ck = "/tmp/d2m_test_evjson_dev.ckpt";
  eval_fresh(dir, ck, "stand", "--episodes 1 --max-steps 8");
  char args[512];
  check_summary(dir, "assert s['device'] is None\n"
                     "m = e[0]['metabolic']\n"
                     "assert m['mean_power_W'] > m['basal_W'] > 0, m\n"
                     "assert 'device' not in e[0]\n");
  snprintf(args, sizeof args,
           "--checkpoint %s --episodes 1 --max-steps 8 --set device.ankle=both --set device.ankle_control=impedance "
           "--set device.ankle_limit=40", ck);
  cr_assert_eq(run_eval(dir, args), 0, "eval failed (see %s.log)", dir);
  char py[2048];
  snprintf(py, sizeof py,
           "import csv\n"
           "d = e[0]['device']\n"
           "assert [x['actuator'] for x in d] == ['exo_ankle_r', 'exo_ankle_l'], d\n"
           "for x in d:\n"
           "    assert 0 < x['peak_torque_Nm'] <= 40 + 1e-9, x\n"
           "    assert x['work_pos_J'] >= 0 >= x['work_neg_J'], x\n"
           "    assert x['work_pos_J'] - x['work_neg_J'] > 0, x\n"
           "assert s['device']['peak_torque_Nm'] == max(x['peak_torque_Nm'] for x in d)\n"
           "rows = list(csv.DictReader(open('%s/frames.csv')))\n"
           "assert 'dev_exo_ankle_r_Nm' in rows[0] and 'frc_exo_ankle_r' not in rows[0], list(rows[0])[-4:]\n"
           "assert all(abs(float(r['dev_exo_ankle_l_Nm'])) <= 40 for r in rows)\n"
           "mus = list(csv.DictReader(open('%s/muscle_energy.csv')))\n"
           "assert len(mus) == 80, len(mus)\n"
           "m = e[0]['metabolic']\n"
           "t = e[0]['length'] * s['dt']\n"
           "tot = sum(float(r['energy_J']) for r in mus) + m['basal_W'] * t\n"
           "assert abs(tot - m['energy_J']) < 1e-3 * m['energy_J'] + 1e-3, (tot, m)\n",
           dir, dir);
  check_summary(dir, py);
  remove(ck);
}

/* `drl2move device sweep`: the baseline row and one row per setting, the baseline without device work,
 * the idle device (peak torque 0) without work either; a bad list is a usage error naming the option. */
Test(eval_json, device_sweep_table, .timeout = 180) {
  const char *dir = "/tmp/d2m_test_sweep", *ck = "/tmp/d2m_test_sweep.ckpt";
  const char *bin = getenv("D2M_BIN");
  if (!bin) cr_skip_test("D2M_BIN not set (run through meson test)");
  write_fresh_checkpoint(ck, "stand");
  char cmd[2048];
  snprintf(cmd, sizeof cmd, "rm -rf %s && %s device sweep --checkpoint %s --out %s --peak-torque 0,0.5 --peak-time 0.5 "
           "--max-steps 4 >%s.log 2>&1", dir, bin, ck, dir, dir);
  cr_assert_eq(system(cmd), 0, "sweep failed (see %s.log)", dir);
  if (system("command -v python3 >/dev/null 2>&1")) cr_skip_test("python3 not installed");
  snprintf(cmd, sizeof cmd,
           "python3 -c \"import csv; r = list(csv.DictReader(open('%s/sweep.csv')));"
           "assert [x['label'] for x in r] == ['none', 'T0_t0.5', 'T0.5_t0.5'], r;"
           "assert float(r[0]['dev_peak_Nm']) == 0 and float(r[1]['dev_work_pos_J']) == 0, r;"
           "assert all(float(x['met_power_W']) > 0 for x in r), r\" >%s.py.log 2>&1", dir, dir);
  cr_assert_eq(system(cmd), 0, "sweep.csv check failed (see %s.py.log)", dir);
  snprintf(cmd, sizeof cmd, "%s device sweep --checkpoint %s --out %s --peak-torque 0,x >%s.log 2>&1", bin, ck, dir, dir);
  int st = system(cmd);
  cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 2, "a bad --peak-torque is a usage error");
  remove(ck);
}

/* Paths and clip names are the user's: a quote, a backslash or a control character stays inside the
 * JSON string. */
Test(eval_json, strings_escaped) {
  char buf[256] = {0};
  FILE *f = fmemopen(buf, sizeof buf - 1, "w");
  jsonw_str(f, "runs/a \"b\"\\c\td\x01.d2m");
  fputc(' ', f);
  jsonw_str(f, NULL);
  fclose(f);
  cr_assert_str_eq(buf, "\"runs/a \\\"b\\\"\\\\c\\u0009d\\u0001.d2m\" null");
}
