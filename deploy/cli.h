/* deploy/cli.h: the argv parsers of the `drl2move` subcommands (deploy/ holds every one; the rooms
 * they drive take small option structs). Each returns the process exit status: 0, 1 (the command
 * failed, logged) or 2 (bad usage, printed with the usage text). */
#ifndef D2M_CLI_H
#define D2M_CLI_H

#include <stdint.h>

int analyze_cli(int argc, char **argv);
int eval_cli(int argc, char **argv);
int policy_cli(int argc, char **argv);

/* Option values, whole string or an error printed as "drl2move CMD: OPT ..." (-1). */
int cli_long(const char *cmd, const char *opt, const char *v, long lo, long hi, const char *why, long *out);
int cli_u64(const char *cmd, const char *opt, const char *v, uint64_t *out);
/* A real in lo..hi (lo excluded where lo_open); unit names what it counts in the message. */
int cli_real(const char *cmd, const char *opt, const char *v, double lo, int lo_open, double hi, const char *unit,
             double *out);

#endif
