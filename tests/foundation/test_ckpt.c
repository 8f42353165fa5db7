/* tests/foundation/test_ckpt.c: checkpoint container: round trip, corruption and truncation detected,
 * listing and pruning, CRC-32C known answer. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/ckpt.h"
#include "common/crc32c.h"

static char dir[64];

static void mkrun(void) {
  snprintf(dir, sizeof dir, "/tmp/d2m_ckpt_XXXXXX");
  cr_assert(mkdtemp(dir));
  char p[128];
  snprintf(p, sizeof p, "%s/checkpoints", dir);
  mkdir(p, 0755);
}
static void rmrun(void) {
  char cmd[128];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  cr_assert_eq(system(cmd), 0);
}
TestSuite(ckpt, .init = mkrun, .fini = rmrun);

static void write_sample(const char *path, float *w, int nw) {
  for (int i = 0; i < nw; i++) w[i] = (float)i * 0.5f - 3.f;
  long counters[2] = {12, 34567};
  ckpt_section s[2] = {{"weights", w, (uint64_t)nw * sizeof *w}, {"counters", counters, sizeof counters}};
  d2m_err e;
  cr_assert_eq(ckpt_write(path, s, 2, &e), 0, "%s", e.msg);
}

Test(ckpt, crc32c_check_value) { cr_assert_eq(crc32c(0, "123456789", 9), 0xE3069283u); }

Test(ckpt, round_trip) {
  char p[256];
  ckpt_path(p, sizeof p, dir, 7);
  float w[100], back[100];
  write_sample(p, w, 100);
  ckpt_file f;
  d2m_err e;
  cr_assert_eq(ckpt_read(p, &f, &e), 0, "%s", e.msg);
  cr_assert_eq(ckpt_copy(&f, "weights", back, sizeof back, &e), 0, "%s", e.msg);
  cr_assert(!memcmp(w, back, sizeof w));
  long c[2];
  cr_assert_eq(ckpt_copy(&f, "counters", c, sizeof c, &e), 0);
  cr_assert_eq(c[1], 34567);
  cr_assert_eq(ckpt_copy(&f, "weights", back, 10, &e), -1);
  cr_assert(strstr(e.msg, "weights") && strstr(e.msg, "expected 10"), "%s", e.msg);
  cr_assert_eq(ckpt_copy(&f, "nosuch", back, 4, &e), -1);
  cr_assert(strstr(e.msg, "nosuch"), "%s", e.msg);
  ckpt_close(&f);
}

Test(ckpt, every_truncation_and_bit_flip_is_rejected) {
  char p[256], q[256];
  ckpt_path(p, sizeof p, dir, 1);
  snprintf(q, sizeof q, "%s/bad.d2m", dir);
  float w[16];
  write_sample(p, w, 16);
  FILE *f = fopen(p, "rb");
  unsigned char buf[4096];
  size_t n = fread(buf, 1, sizeof buf, f);
  fclose(f);
  d2m_err e;
  ckpt_file c;
  for (size_t cut = 0; cut < n; cut++) {
    f = fopen(q, "wb");
    fwrite(buf, 1, cut, f);
    fclose(f);
    cr_assert_eq(ckpt_read(q, &c, &e), -1, "accepted a file truncated to %zu of %zu bytes", cut, n);
    cr_assert(strstr(e.msg, q), "%s", e.msg);
  }
  for (size_t i = 0; i < n; i++) {
    buf[i] ^= 0x10;
    f = fopen(q, "wb");
    fwrite(buf, 1, n, f);
    fclose(f);
    buf[i] ^= 0x10;
    cr_assert_eq(ckpt_read(q, &c, &e), -1, "accepted a flipped bit at byte %zu", i);
  }
}

Test(ckpt, list_newest_first_and_prune) {
  float w[4];
  long ups[] = {3, 40, 12, 100, 7};
  for (int i = 0; i < 5; i++) {
    char p[256];
    ckpt_path(p, sizeof p, dir, ups[i]);
    write_sample(p, w, 4);
  }
  long got[10];
  cr_assert_eq(ckpt_list(dir, got, 10), 5);
  long want[] = {100, 40, 12, 7, 3};
  for (int i = 0; i < 5; i++) cr_assert_eq(got[i], want[i]);
  ckpt_prune(dir, 2);
  cr_assert_eq(ckpt_list(dir, got, 10), 2);
  cr_assert_eq(got[0], 100);
  cr_assert_eq(got[1], 40);
}
