/* tests/fuzz/asf/fuzz_asf.c: libFuzzer target for the ASF/AMC reader and its forward kinematics:
 * each input is read as an ASF skeleton (then the sample motion on it) and as an AMC motion of the
 * sample skeleton (tests/motion/asf_sample.h). Build: see tests/fuzz/README.md. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mocap/asf.h"
#include "tests/motion/asf_sample.h"

static void fk_ends(const asf_file *a) {
  if (a->nframes <= 0) return;
  double *s = malloc((size_t)a->nbones * 3 * sizeof *s + 1), *e = malloc((size_t)a->nbones * 3 * sizeof *e + 1);
  asf_fk(a, 0, s, e, NULL);
  asf_fk(a, a->nframes - 1, s, e, NULL);
  free(s);
  free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  asf_file a;
  d2m_err err;
  if (!asf_parse((const char *)data, size, "fuzz.asf", &a, &err)) {
    if (!amc_parse(k_amc, strlen(k_amc), "sample.amc", &a, &err)) fk_ends(&a);
    asf_free(&a);
  }
  if (asf_parse(k_asf, strlen(k_asf), "sample.asf", &a, &err)) abort(); /* the sample must parse */
  if (!amc_parse((const char *)data, size, "fuzz.amc", &a, &err)) fk_ends(&a);
  asf_free(&a);
  return 0;
}
