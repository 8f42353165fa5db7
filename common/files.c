/* common/files.c: see files.h. */
#include "common/files.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int file_mkdirs(const char *path, d2m_err *err) {
  char buf[4096];
  if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return err_set(err, "%s: path too long", path);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = 0;
    if (mkdir(buf, 0755) && errno != EEXIST) return err_set(err, "%s: cannot create directory: %s", buf, strerror(errno));
    *p = '/';
  }
  if (mkdir(buf, 0755) && errno != EEXIST) return err_set(err, "%s: cannot create directory: %s", buf, strerror(errno));
  return 0;
}

int file_slurp(const char *path, size_t max_bytes, uint8_t **buf, size_t *n, d2m_err *err) {
  *buf = NULL;
  *n = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return err_set(err, "%s: cannot open: %m", path);
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
    fclose(f);
    return err_set(err, "%s: is a directory, not a file", path);
  }
  size_t cap = 1 << 16, len = 0;
  uint8_t *b = xmalloc(cap + 1);
  for (;;) {
    if (len == cap) {
      if (cap >= max_bytes) {
        free(b);
        fclose(f);
        return err_set(err, "%s: larger than the %zu bytes this reader accepts", path, max_bytes);
      }
      cap *= 2;
      uint8_t *nb = realloc(b, cap + 1);
      D2M_CHECK(nb != NULL, "out of memory reading a file");
      b = nb;
    }
    size_t got = fread(b + len, 1, cap - len, f);
    len += got;
    if (got == 0) break;
  }
  int bad = ferror(f), e = errno;
  fclose(f);
  if (bad) {
    free(b);
    return err_set(err, "%s: read error: %s", path, strerror(e));
  }
  b[len] = 0;
  *buf = b;
  *n = len;
  return 0;
}
