/* tests/fuzz/proto/fuzz_proto.c: libFuzzer target for the message decoder (every kind goes through
 * proto_decode). Oracles: ASan (reads outside the input, leaks, overflows), and for every accepted
 * message, decode -> encode -> decode must give the same message; a refusal must say why.
 * Build: tests/fuzz/build.sh; run: see tests/fuzz/README.md. */
#include <stdio.h>
#include <stdlib.h>

#include "tests/proto/tp_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static proto_decoder d1, d2;
  static msgpack_sbuffer sb;
  static int ready;
  if (!ready) {
    proto_decoder_init(&d1);
    proto_decoder_init(&d2);
    msgpack_sbuffer_init(&sb);
    ready = 1;
  }
  d2m_err err = {{0}};
  char why[512] = "";
  int rc = tp_decode_recheck(&d1, &d2, data, size, &sb, &err, why, sizeof why);
  if (rc == -2) {
    fprintf(stderr, "fuzz_proto: round trip broken: %s\n", why);
    abort();
  }
  if (rc == -1 && (err.msg[0] == '\0' || strnlen(err.msg, sizeof err.msg) == sizeof err.msg)) {
    fprintf(stderr, "fuzz_proto: refusal without a message\n");
    abort();
  }
  return 0;
}
