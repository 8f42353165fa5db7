/* tests/fuzz/trc/fuzz_trc.c: libFuzzer target for the TRC reader. Build: see tests/fuzz/README.md. */
#include <stddef.h>
#include <stdint.h>

#include "mocap/trc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  mk_markers m;
  d2m_err err;
  if (trc_parse((const char *)data, size, "fuzz.trc", &m, NULL, &err) == 0) mk_free(&m);
  return 0;
}
