/* bench/bench_so.c: `drl2move bench so [--rounds R]`. Static optimisation of the embedded gait
 * (so_run, every frame: inverse dynamics, ground forces, the muscles' QP) with so_frame's low-rank QP
 * solver against the dense one (so_opts.dense_qp), alternating, best round of each; prints both
 * costs, their ratio and the largest activation difference between the two. */
#include "bench/bench.h"

#include <math.h>
#include <stdio.h>

#include "envs/model/model.h"
#include "envs/motion/gait_default.h"
#include "envs/motion/so.h"

static int run_once(const mjModel *m, const refmotion *r, int dense, so_result *res, d2m_err *err) {
  so_opts o;
  so_opts_init(&o);
  o.dense_qp = dense;
  return so_run(res, m, r, &o, err);
}

int bench_so(const bench_so_opts *opt) {
  d2m_err err;
  mjModel *m = model_load(NULL, &err);
  if (!m) {
    fprintf(stderr, "bench so: %s\n", err.msg);
    return 1;
  }
  refmotion r;
  if (refmotion_default_gait(&r, m, 1.0 / 30, &err)) {
    fprintf(stderr, "bench so: %s\n", err.msg);
    mj_deleteModel(m);
    return 1;
  }
  double best[2] = {INFINITY, INFINITY}, dmax = 0;
  int fails[2] = {0, 0}, rc = 0;
  for (int round = 0; round < opt->rounds && !rc; round++) {
    so_result res[2];
    for (int s = 0; s < 2 && !rc; s++) {
      if (run_once(m, &r, s, &res[s], &err)) {
        fprintf(stderr, "bench so: %s\n", err.msg);
        rc = 1;
        if (s) so_result_free(&res[0]);
        break;
      }
      best[s] = fmin(best[s], res[s].seconds);
      fails[s] = res[s].qp_fail;
    }
    if (rc) break;
    for (long i = 0; i < (long)res[0].nframes * res[0].nu; i++) dmax = fmax(dmax, fabs(res[0].act[i] - res[1].act[i]));
    so_result_free(&res[0]);
    so_result_free(&res[1]);
  }
  if (!rc) {
    int n = r.nframes;
    printf("bench so: static optimisation of the embedded gait, %d frames, %d muscles, best of %d rounds\n\n", n, m->nu,
           opt->rounds);
    printf("| QP solver | ms per frame | QPs not converged |\n|---|---|---|\n");
    printf("| dense (so_qp_box on H = I + B'B) | %.3f | %d |\n", 1e3 * best[1] / n, fails[1]);
    printf("| low-rank (so_qp_lowrank, so_frame's default) | %.3f | %d |\n", 1e3 * best[0] / n, fails[0]);
    printf("\nlow-rank / dense speed: %.2fx; largest activation difference %.2g\n", best[1] / best[0], dmax);
  }
  refmotion_free(&r);
  mj_deleteModel(m);
  return rc;
}
