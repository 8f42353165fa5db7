/* tests/motion/fuzz_replay.h: the replay of a fuzz target's inputs (tests/fuzz/FMT/{seeds,corpus})
 * through a reader, shared by the mocap reader tests. */
#ifndef D2M_TEST_FUZZ_REPLAY_H
#define D2M_TEST_FUZZ_REPLAY_H
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "common/files.h"
#include "tests/test_paths.h"

/* Reads one input (PATH names it in messages); returns the reader's code, with a message in ERR on
 * failure. */
typedef int (*fuzz_reader)(const char *fmt, const char *path, const uint8_t *buf, size_t n, d2m_err *err);

/* Each file of tests/fuzz/FMT/SUB through READER: no crash, and a message whenever it refuses one.
 * Returns the number of files (0 when the folder is absent). */
static inline int fuzz_replay_dir(const char *fmt, const char *sub, fuzz_reader reader) {
  char dir[1024];
  test_source_path(dir, sizeof dir, "tests/fuzz/%s/%s", fmt, sub);
  DIR *d = opendir(dir);
  if (!d) return 0;
  int files = 0;
  for (struct dirent *e; (e = readdir(d));) {
    if (e->d_name[0] == '.') continue;
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
    uint8_t *buf;
    size_t n;
    d2m_err err = {{0}};
    if (file_slurp(p, (size_t)1 << 24, &buf, &n, &err)) continue;
    int rc = reader(fmt, p, buf, n, &err);
    cr_assert(rc == 0 || err.msg[0], "%s failed without a message", p);
    free(buf);
    files++;
  }
  closedir(d);
  return files;
}

/* Seeds and corpus together. */
static inline int fuzz_replay(const char *fmt, fuzz_reader reader) {
  return fuzz_replay_dir(fmt, "seeds", reader) + fuzz_replay_dir(fmt, "corpus", reader);
}
#endif
