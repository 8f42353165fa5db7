/* envs/model/tools/gen_default.c: build-time generator: writes the default subject's MJCF. */
#include <stdio.h>

#include "envs/model/model.h"

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s OUT.xml\n", argv[0]);
    return 2;
  }
  d2m_err e = {{0}};
  if (model_write_mjcf(NULL, argv[1], &e)) {
    fprintf(stderr, "%s\n", e.msg);
    return 1;
  }
  return 0;
}
