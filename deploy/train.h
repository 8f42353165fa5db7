/* deploy/train.h: `drl2move train` and `drl2move --version`. */
#ifndef D2M_TRAIN_H
#define D2M_TRAIN_H

int train_cli(int argc, char **argv);
void print_version(void);

#endif
