/* deploy/cli.h: the argv parsers of the `drl2move` subcommands (deploy/ holds every one; the rooms
 * they drive take small option structs). Each returns the process exit status: 0, 1 (the command
 * failed, logged) or 2 (bad usage, printed with the usage text). */
#ifndef D2M_CLI_H
#define D2M_CLI_H

int policy_cli(int argc, char **argv);

#endif
