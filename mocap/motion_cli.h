/* mocap/motion_cli.h: `drl2move motion info FILE` and `drl2move motion import ...`. */
#ifndef D2M_MOTION_CLI_H
#define D2M_MOTION_CLI_H

#include <stdio.h>

/* argv[0] is the program, argv[1] the subcommand. Returns the exit status. */
int motion_cli(int argc, char **argv);
/* Print what a motion file holds to f; the format is chosen by the extension (.c3d, .trc,
 * .bvh). 0, or 1 after printing the reader's error to stderr. */
int motion_info(const char *path, FILE *f);
/* `drl2move motion import ...` (mocap/motion_import.c); argv[0] is the first argument after
 * "import". Returns the exit status. */
int motion_import(int argc, char **argv);
/* `drl2move motion so ...` (mocap/motion_so.c): static optimisation of a reference motion. */
int motion_so(int argc, char **argv);

#endif
