/* tests/fuzz/bvh/fuzz_bvh.c: libFuzzer target for the BVH reader and its forward kinematics.
 * Build: see tests/fuzz/README.md. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mocap/bvh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  bvh_file b;
  d2m_err err;
  if (bvh_parse((const char *)data, size, "fuzz.bvh", &b, &err) != 0) return 0;
  if (b.nframes > 0) {
    double *pos = malloc((size_t)b.njoints * 3 * sizeof *pos + 1);
    bvh_fk(&b, 0, pos, NULL);
    bvh_fk(&b, b.nframes - 1, pos, NULL);
    free(pos);
  }
  bvh_free(&b);
  return 0;
}
