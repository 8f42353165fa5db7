/* tests/fuzz/c3d/fuzz_c3d.c: libFuzzer target for the C3D reader (any input: parse or a
 * message, never an out-of-bounds read). Build: see tests/fuzz/README.md. */
#include <stddef.h>
#include <stdint.h>

#include "mocap/c3d.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  c3d_file c;
  d2m_err err;
  if (c3d_parse(data, size, "fuzz.c3d", &c, &err) == 0) c3d_free(&c);
  return 0;
}
