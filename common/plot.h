/* common/plot.h: the one gnuplot runner. The learner's learning curves and `drl2move analyze`'s
 * pictures both write a script and run it here: fork and exec, no shell, so no path needs quoting. */
#ifndef D2M_PLOT_H
#define D2M_PLOT_H

/* Runs `gnuplot SCRIPT` with DIR as the working directory and its stderr in DIR/ERR_NAME, which is
 * removed when gnuplot succeeds (kept to read otherwise). 0 on success; -1 when gnuplot is missing,
 * cannot start or fails. */
int plot_run(const char *dir, const char *script, const char *err_name);

#endif
