/* bench/bench_model.c: `drl2move bench model [--steps N] [--dt S]`: mj_step/s of the project's
 * model and of the reference MyoLegs (when $D2M_SHARED_DATA or --ref gives it), interleaved in
 * one run (rounds alternate between the two, so machine noise hits both), and the ratio. Same
 * protocol for both: keyframe 0, uniform random excitations in [0, 1] redrawn every 10 steps,
 * reset to the keyframe every 2,000 steps (so the bodies stand, fall and lie in equal measure). */
#include "bench/bench.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/rng.h"
#include "envs/model/model.h"

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

typedef struct {
  const char *label;
  mjModel *m;
  mjData *d;
  rng_t r;
  long steps, warnings, ncon_sum;
  double seconds;
} side;

static void run_round(side *s, int n) {
  double t0 = now();
  for (int t = 0; t < n; t++) {
    if (s->steps % 2000 == 0) mj_resetDataKeyframe(s->m, s->d, 0);
    if (s->steps % 10 == 0)
      for (int a = 0; a < s->m->nu; a++) s->d->ctrl[a] = rng_uniform(&s->r);
    mj_step(s->m, s->d);
    s->ncon_sum += s->d->ncon;
    s->steps++;
  }
  s->seconds += now() - t0;
}

int bench_model(int argc, char **argv) {
  long steps = 20000;
  double dt = 0.001;
  const char *ref = NULL;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--steps") && i + 1 < argc) steps = atol(argv[++i]);
    else if (!strcmp(argv[i], "--dt") && i + 1 < argc) dt = atof(argv[++i]);
    else if (!strcmp(argv[i], "--ref") && i + 1 < argc) ref = argv[++i];
    else {
      fprintf(stderr, "usage: drl2move bench model [--steps N (20000)] [--dt S (0.001)] [--ref myolegs.xml]\n");
      return 2;
    }
  }
  if (steps < 1000 || dt <= 0) return fprintf(stderr, "bench model: --steps >= 1000, --dt > 0\n"), 2;
  char refpath[1024] = "";
  if (ref) snprintf(refpath, sizeof refpath, "%s", ref);
  else if (getenv("D2M_SHARED_DATA"))
    snprintf(refpath, sizeof refpath, "%s/models/myolegs/myo_sim/leg/myolegs.xml", getenv("D2M_SHARED_DATA"));

  side sides[2];
  memset(sides, 0, sizeof sides);
  int nside = 1;
  model_subject subj;
  model_subject_default(&subj);
  subj.timestep = dt;
  d2m_err e = {{0}};
  sides[0].label = "drl2move model";
  if (!(sides[0].m = model_load(&subj, &e))) return fprintf(stderr, "bench model: %s\n", e.msg), 1;
  if (refpath[0]) {
    char msg[1000] = "";
    sides[1].m = mj_loadXML(refpath, NULL, msg, sizeof msg);
    if (!sides[1].m) fprintf(stderr, "bench model: reference %s: %s (measuring ours only)\n", refpath, msg);
    else sides[1].label = "MyoLegs (reference)", sides[1].m->opt.timestep = dt, nside = 2;
  } else {
    printf("no reference: set D2M_SHARED_DATA or --ref to measure MyoLegs side by side\n");
  }
  for (int k = 0; k < nside; k++) {
    sides[k].d = mj_makeData(sides[k].m);
    rng_seed(&sides[k].r, 1, 0, 9, 0); /* the same excitation stream for both */
    run_round(&sides[k], 500);          /* warm-up, not counted */
    sides[k].steps = sides[k].ncon_sum = 0, sides[k].seconds = 0;
    rng_seed(&sides[k].r, 1, 0, 9, 1);
  }
  for (long done = 0; done < steps; done += 1000)
    for (int k = 0; k < nside; k++) run_round(&sides[k], 1000);
  printf("mj_step, single thread, dt %g s, %ld steps each, random excitations (MuJoCo %s):\n", dt, steps,
         mj_versionString());
  double rate[2] = {0, 0};
  for (int k = 0; k < nside; k++) {
    side *s = &sides[k];
    for (int w = 0; w < mjNWARNING; w++) s->warnings += s->d->warning[w].number;
    rate[k] = s->steps / s->seconds;
    printf("  %-22s %9.0f steps/s  (%.1f x real time; mean contacts %.1f; ngeom %d; MuJoCo warnings %ld)\n",
           s->label, rate[k], rate[k] * dt, (double)s->ncon_sum / s->steps, s->m->ngeom, s->warnings);
  }
  if (nside == 2) printf("  ratio drl2move / MyoLegs: %.2f\n", rate[0] / rate[1]);
  for (int k = 0; k < nside; k++) mj_deleteData(sides[k].d), mj_deleteModel(sides[k].m);
  return 0;
}
