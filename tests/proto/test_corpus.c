/* tests/proto/test_corpus.c: replays the fuzz seeds and the fuzz corpus through the decoder in the
 * normal build, so CI keeps checking them: nothing crashes, seeds named valid_* decode and bad_*
 * are refused, and every accepted message survives decode -> encode -> decode unchanged. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "tests/proto/tp_util.h"
#include "tests/test_paths.h"

static char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  cr_assert(f, "cannot open %s", path);
  struct stat st;
  cr_assert_eq(fstat(fileno(f), &st), 0);
  *n = (size_t)st.st_size;
  char *p = xmalloc(*n + 1);
  cr_assert_eq(fread(p, 1, *n, f), *n, "cannot read %s", path);
  fclose(f);
  return p;
}

/* Returns the number of files replayed; expect: 1 = names decide (valid_/bad_), 0 = anything. */
static int replay(const char *sub, int by_name) {
  char dirpath[1024];
  test_source_path(dirpath, sizeof dirpath, "tests/fuzz/proto/%s", sub);
  DIR *dd = opendir(dirpath);
  cr_assert(dd, "cannot open %s", dirpath);
  proto_decoder d1, d2;
  proto_decoder_init(&d1);
  proto_decoder_init(&d2);
  msgpack_sbuffer sb;
  msgpack_sbuffer_init(&sb);
  int files = 0;
  struct dirent *e;
  while ((e = readdir(dd)) != NULL) {
    if (e->d_name[0] == '.' || strcmp(e->d_name, "README.md") == 0) continue;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dirpath, e->d_name);
    size_t n;
    char *buf = slurp(path, &n);
    d2m_err err = {{0}};
    char why[256] = "";
    int rc = tp_decode_recheck(&d1, &d2, buf, n, &sb, &err, why, sizeof why);
    cr_assert_neq(rc, -2, "%s: %s", e->d_name, why);
    if (by_name && strncmp(e->d_name, "valid_", 6) == 0) cr_assert_eq(rc, 0, "%s refused: %s", e->d_name, err.msg);
    if (by_name && strncmp(e->d_name, "bad_", 4) == 0) cr_assert_eq(rc, -1, "%s accepted", e->d_name);
    free(buf);
    files++;
  }
  closedir(dd);
  msgpack_sbuffer_destroy(&sb);
  proto_decoder_free(&d1);
  proto_decoder_free(&d2);
  return files;
}

Test(proto, fuzz_seeds_replay) {
  cr_assert_geq(replay("seeds", 1), 10);
}

Test(proto, fuzz_corpus_replay) {
  cr_assert_geq(replay("corpus", 0), 1);
}
