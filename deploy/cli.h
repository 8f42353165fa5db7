/* deploy/cli.h: the argv parsers of the `drl2move` subcommands (deploy/ holds every one; the rooms
 * they drive take small option structs). Each returns the process exit status: 0, 1 (the command
 * failed, logged) or 2 (bad usage, printed with the usage text). */
#ifndef D2M_CLI_H
#define D2M_CLI_H

#include <stdint.h>
#include <stdio.h>

int analyze_cli(int argc, char **argv);
int bench_cli(int argc, char **argv);
int compare_cli(int argc, char **argv); /* deploy/compare_cli.c */
int device_cli(int argc, char **argv); /* deploy/device_cli.c: sweep */
int eval_cli(int argc, char **argv);
int model_cli(int argc, char **argv);
int motion_cli(int argc, char **argv); /* deploy/motion_cli.c: info, import, so */
int policy_cli(int argc, char **argv);

/* A table of subcommands: `PROG NAME ARGS...` runs run(argc - 1, argv + 1) (argv[0] = NAME). */
typedef struct cli_command {
  const char *name;
  int (*run)(int argc, char **argv);
  const char *what; /* one line for the usage list */
} cli_command;

/* "  NAME     WHAT" lines of the table. */
void cli_list(FILE *f, const cli_command *cmds, int n);
/* The command named name, or NULL. */
const cli_command *cli_find(const cli_command *cmds, int n, const char *name);

/* Option values, whole string or an error printed as "drl2move CMD: OPT ..." (-1). */
int cli_long(const char *cmd, const char *opt, const char *v, long lo, long hi, const char *why, long *out);
int cli_u64(const char *cmd, const char *opt, const char *v, uint64_t *out);
/* A real in lo..hi (lo excluded where lo_open); unit names what it counts in the message. */
int cli_real(const char *cmd, const char *opt, const char *v, double lo, int lo_open, double hi, const char *unit,
             double *out);

#endif
