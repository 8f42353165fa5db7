/* tests/cfg_text.h: a config as the text cfg_write gives (config.resolved.ini), malloc'ed; the caller
 * frees it. */
#ifndef D2M_TESTS_CFG_TEXT_H
#define D2M_TESTS_CFG_TEXT_H

#include <stdio.h>
#include <stdlib.h>

#include "common/config.h"

static inline char *test_cfg_text(const cfg_t *c) {
  char *text = NULL;
  size_t n = 0;
  FILE *f = open_memstream(&text, &n);
  if (!f) abort();
  cfg_write(c, f);
  fclose(f);
  return text;
}

#endif
