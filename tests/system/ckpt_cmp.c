/* tests/system/ckpt_cmp.c: ckpt_cmp A B SECTION...: exit 0 when every named section is byte-identical in
 * the two checkpoints, 1 otherwise (with the first differing float of each section), 2 on a bad file. */
#include <stdio.h>
#include <string.h>

#include "common/ckpt.h"

int main(int argc, char **argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: ckpt_cmp A B SECTION...\n");
    return 2;
  }
  ckpt_file a, b;
  d2m_err err;
  if (ckpt_read(argv[1], &a, &err) || ckpt_read(argv[2], &b, &err)) {
    fprintf(stderr, "ckpt_cmp: %s\n", err.msg);
    return 2;
  }
  int differ = 0;
  for (int i = 3; i < argc; i++) {
    const void *pa, *pb;
    size_t na, nb;
    if (ckpt_get(&a, argv[i], 0, &pa, &na, &err) || ckpt_get(&b, argv[i], 0, &pb, &nb, &err)) {
      fprintf(stderr, "ckpt_cmp: %s\n", err.msg);
      return 2;
    }
    if (na != nb) {
      printf("%s: sizes differ (%zu vs %zu bytes)\n", argv[i], na, nb);
      differ = 1;
      continue;
    }
    if (!memcmp(pa, pb, na)) {
      printf("%s: identical (%zu bytes)\n", argv[i], na);
      continue;
    }
    differ = 1;
    size_t k = 0;
    while (((const unsigned char *)pa)[k] == ((const unsigned char *)pb)[k]) k++;
    float fa, fb;
    size_t fk = k / 4 * 4;
    memcpy(&fa, (const char *)pa + fk, 4);
    memcpy(&fb, (const char *)pb + fk, 4);
    printf("%s: differ from byte %zu (as float %zu: %.9g vs %.9g)\n", argv[i], k, fk / 4, fa, fb);
  }
  ckpt_close(&a);
  ckpt_close(&b);
  return differ;
}
