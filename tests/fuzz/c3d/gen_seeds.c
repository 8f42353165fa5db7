/* tests/fuzz/c3d/gen_seeds.c: writes the generated C3D seeds (every processor type, integer
 * and float storage, POINT:FRAMES variant) with tests/motion/c3d_synth.c.
 * Usage: gen_seeds DIR */
#include <stdio.h>

#include "tests/motion/c3d_synth.h"

int main(int argc, char **argv) {
  if (argc != 2) return fprintf(stderr, "usage: gen_seeds DIR\n"), 2;
  static uint8_t buf[8192];
  const int procs[3] = {84, 85, 86};
  for (int p = 0; p < 3; p++)
    for (int fl = 0; fl < 3; fl++) {
      c3d_synth_opts o = {.proc = procs[p], .is_float = fl & 1, .first_frame = 1 + p, .frames_param = fl == 2};
      size_t n = c3d_synth(&o, buf, sizeof buf);
      char path[1024];
      snprintf(path, sizeof path, "%s/synth_%d_%s.c3d", argv[1], procs[p], fl == 0 ? "int" : fl == 1 ? "float" : "frames");
      FILE *f = fopen(path, "wb");
      if (!f || fwrite(buf, 1, n, f) != n) return perror(path), 1;
      fclose(f);
    }
  return 0;
}
