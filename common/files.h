/* common/files.h: small file-system helpers every room uses (mkdir -p, read a whole file). */
#ifndef D2M_FILES_H
#define D2M_FILES_H

#include <stddef.h>
#include <stdint.h>

#include "common/log.h"

/* mkdir -p: the directory and each missing parent (mode 0755); -1 with err naming the path. */
int file_mkdirs(const char *path, d2m_err *err);

/* Read a whole file into memory (at most max_bytes) with a NUL after the end, so text readers
 * can use it as a string. 0, or -1 with err naming the file. The caller frees *buf. */
int file_slurp(const char *path, size_t max_bytes, uint8_t **buf, size_t *n, d2m_err *err);

#endif
