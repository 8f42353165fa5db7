/* tests/test_paths.h: paths of the files the tests read, under the source tree ($D2M_SOURCE_ROOT) or
 * under ../shared/data ($D2M_SHARED_DATA); both variables are set by tests/meson.build. */
#ifndef D2M_TEST_PATHS_H
#define D2M_TEST_PATHS_H
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* $D2M_SOURCE_ROOT/REL, REL printf-style. The source tree is always there under meson test, so an
 * unset variable fails the test (a skip would hide a broken set-up). */
static inline void test_source_path(char *out, size_t cap, const char *rel, ...) {
  const char *root = getenv("D2M_SOURCE_ROOT");
  cr_assert(root, "D2M_SOURCE_ROOT is not set (run through meson test)");
  int n = snprintf(out, cap, "%s/", root);
  cr_assert(n > 0 && (size_t)n < cap, "source path too long");
  va_list ap;
  va_start(ap, rel);
  int m = vsnprintf(out + n, cap - (size_t)n, rel, ap);
  va_end(ap);
  cr_assert(m >= 0 && (size_t)(n + m) < cap, "path too long: %s...", out);
}

/* $D2M_SHARED_DATA/REL, REL printf-style, when it is readable; 0, or -1 (OUT still holds the path,
 * or "" when the variable is unset) where the reference data is absent. */
static inline int test_shared_find(char *out, size_t cap, const char *rel, va_list ap) {
  const char *dir = getenv("D2M_SHARED_DATA");
  out[0] = 0;
  if (!dir) return -1;
  int n = snprintf(out, cap, "%s/", dir);
  cr_assert(n > 0 && (size_t)n < cap, "shared-data path too long");
  int m = vsnprintf(out + n, cap - (size_t)n, rel, ap);
  cr_assert(m >= 0 && (size_t)(n + m) < cap, "path too long: %s...", out);
  return access(out, R_OK) ? -1 : 0;
}

/* The same as a yes/no, for helpers that return NULL where the data is absent. */
static inline int test_shared_has(char *out, size_t cap, const char *rel, ...) {
  va_list ap;
  va_start(ap, rel);
  int rc = test_shared_find(out, cap, rel, ap);
  va_end(ap);
  return rc == 0;
}

/* $D2M_SHARED_DATA/REL, or skip the test saying which file is missing: ../shared is absent on
 * machines without the reference data, and the test then has nothing to check. */
static inline void test_shared_path(char *out, size_t cap, const char *rel, ...) {
  va_list ap;
  va_start(ap, rel);
  int rc = test_shared_find(out, cap, rel, ap);
  va_end(ap);
  if (rc && !out[0]) cr_skip_test("D2M_SHARED_DATA not set: reference data unavailable");
  if (rc) cr_skip_test("%s absent: reference data unavailable", out);
}
#endif
