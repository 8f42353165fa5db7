/* bench/bench.h: `drl2move bench WHAT [options]`. Each benchmark measures the project's path and its
 * peer side by side in one run and prints the ratio (these machines are noisy: never compare runs). */
#ifndef D2M_BENCH_H
#define D2M_BENCH_H

int bench_cli(int argc, char **argv);
int bench_model(int argc, char **argv);   /* bench/bench_model.c */
int bench_env(int argc, char **argv);     /* bench/bench_env.c */
int bench_learner(int argc, char **argv); /* bench/bench_learner.c */
int bench_system(int argc, char **argv);  /* bench/bench_system.c */

#endif
