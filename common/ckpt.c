/* common/ckpt.c: see ckpt.h. */
#include "common/ckpt.h"

#include "common/crc32c.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char k_magic[8] = "D2MCKPT";
static const char k_end[8] = "D2MEND";
#define CKPT_FORMAT 1u

static int write_all(int fd, const void *data, size_t n) {
  const char *p = data;
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

static void fsync_dir_of(const char *path) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s", path);
  int dfd = open(dirname(dir), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    fsync(dfd); /* makes the rename durable; a failure here loses nothing already written */
    close(dfd);
  }
}

/* Writes chunks to a temporary file beside path, then renames it over path. */
static int write_chunks_atomic(const char *path, const void *const *chunk, const size_t *len, int nchunks,
                               d2m_err *err) {
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return err_set(err, "%s: cannot create: %s", tmp, strerror(errno));
  for (int i = 0; i < nchunks; i++) {
    if (write_all(fd, chunk[i], len[i])) {
      int e = errno;
      close(fd);
      unlink(tmp);
      return err_set(err, "%s: write failed: %s", tmp, strerror(e));
    }
  }
  if (fsync(fd) || close(fd)) {
    int e = errno;
    unlink(tmp);
    return err_set(err, "%s: fsync/close failed: %s", tmp, strerror(e));
  }
  if (rename(tmp, path)) {
    int e = errno;
    unlink(tmp);
    return err_set(err, "%s: rename failed: %s", path, strerror(e));
  }
  fsync_dir_of(path);
  return 0;
}

int file_write_atomic(const char *path, const void *data, size_t n, d2m_err *err) {
  const void *c[1] = {data};
  size_t l[1] = {n};
  return write_chunks_atomic(path, c, l, 1, err);
}

typedef struct {
  char name[CKPT_NAME_LEN];
  uint64_t n;
} sec_header;

int ckpt_write(const char *path, const ckpt_section *sec, int nsections, d2m_err *err) {
  if (nsections < 0 || nsections > CKPT_MAX_SECTIONS) return err_set(err, "%s: %d sections", path, nsections);
  enum { MAXCH = 2 * CKPT_MAX_SECTIONS + 3 };
  const void *chunk[MAXCH];
  size_t len[MAXCH];
  sec_header hdr[CKPT_MAX_SECTIONS];
  unsigned char head[16];
  uint32_t fmt = CKPT_FORMAT, ns = (uint32_t)nsections;
  memcpy(head, k_magic, 8);
  memcpy(head + 8, &fmt, 4);
  memcpy(head + 12, &ns, 4);
  int k = 0;
  chunk[k] = head;
  len[k++] = sizeof head;
  uint32_t crc = crc32c(0, head, sizeof head);
  for (int i = 0; i < nsections; i++) {
    memset(&hdr[i], 0, sizeof hdr[i]);
    if (strlen(sec[i].name) >= CKPT_NAME_LEN) return err_set(err, "%s: section name '%s' too long", path, sec[i].name);
    strcpy(hdr[i].name, sec[i].name);
    hdr[i].n = sec[i].n;
    chunk[k] = &hdr[i];
    len[k++] = sizeof hdr[i];
    chunk[k] = sec[i].data;
    len[k++] = (size_t)sec[i].n;
    crc = crc32c(crc, &hdr[i], sizeof hdr[i]);
    crc = crc32c(crc, sec[i].data, (size_t)sec[i].n);
  }
  unsigned char tail[12];
  memcpy(tail, &crc, 4);
  memcpy(tail + 4, k_end, 8);
  chunk[k] = tail;
  len[k++] = sizeof tail;
  return write_chunks_atomic(path, chunk, len, k, err);
}

static int read_whole(const char *path, unsigned char **buf, size_t *len, d2m_err *err) {
  FILE *f = fopen(path, "rb");
  if (!f) return err_set(err, "%s: cannot open: %s", path, strerror(errno));
  struct stat st;
  if (fstat(fileno(f), &st) || st.st_size < 0) { fclose(f); return err_set(err, "%s: cannot stat", path); }
  *len = (size_t)st.st_size;
  *buf = malloc(*len ? *len : 1);
  if (!*buf) { fclose(f); return err_set(err, "%s: out of memory for %zu bytes", path, *len); }
  size_t r = fread(*buf, 1, *len, f);
  fclose(f);
  if (r != *len) { free(*buf); *buf = NULL; return err_set(err, "%s: short read (%zu of %zu bytes)", path, r, *len); }
  return 0;
}

int ckpt_read(const char *path, ckpt_file *f, d2m_err *err) {
  memset(f, 0, sizeof *f);
  if (read_whole(path, &f->buf, &f->len, err)) return -1;
  const unsigned char *b = f->buf;
  size_t len = f->len;
  if (len < 28) { ckpt_close(f); return err_set(err, "%s: truncated (%zu bytes)", path, len); }
  if (memcmp(b, k_magic, 8)) { ckpt_close(f); return err_set(err, "%s: not a drl2move checkpoint (bad magic)", path); }
  uint32_t fmt, ns;
  memcpy(&fmt, b + 8, 4);
  memcpy(&ns, b + 12, 4);
  if (fmt != CKPT_FORMAT) { ckpt_close(f); return err_set(err, "%s: checkpoint format %u, this build reads %u", path, fmt, CKPT_FORMAT); }
  if (ns > CKPT_MAX_SECTIONS) { ckpt_close(f); return err_set(err, "%s: %u sections (max %d)", path, ns, CKPT_MAX_SECTIONS); }
  if (memcmp(b + len - 8, k_end, 8)) { ckpt_close(f); return err_set(err, "%s: truncated (no end marker)", path); }
  uint32_t want;
  memcpy(&want, b + len - 12, 4);
  uint32_t got = crc32c(0, b, len - 12);
  if (want != got) { ckpt_close(f); return err_set(err, "%s: checksum mismatch (stored %08x, computed %08x): corrupted", path, want, got); }
  size_t off = 16, end = len - 12;
  for (uint32_t i = 0; i < ns; i++) {
    sec_header h;
    if (end - off < sizeof h) { ckpt_close(f); return err_set(err, "%s: section %u header past the end", path, i); }
    memcpy(&h, b + off, sizeof h);
    off += sizeof h;
    if (h.name[CKPT_NAME_LEN - 1] != 0) { ckpt_close(f); return err_set(err, "%s: section %u has no name", path, i); }
    if (h.n > end - off) { ckpt_close(f); return err_set(err, "%s: section '%s' (%llu bytes) past the end", path, h.name, (unsigned long long)h.n); }
    memcpy(f->sec[i].name, h.name, CKPT_NAME_LEN);
    f->sec[i].data = b + off;
    f->sec[i].n = h.n;
    off += (size_t)h.n;
  }
  if (off != end) { ckpt_close(f); return err_set(err, "%s: %zu unexplained bytes after the sections", path, end - off); }
  f->nsections = (int)ns;
  return 0;
}

void ckpt_close(ckpt_file *f) {
  free(f->buf);
  memset(f, 0, sizeof *f);
}

int ckpt_get(const ckpt_file *f, const char *name, size_t n, const void **data, size_t *len, d2m_err *err) {
  for (int i = 0; i < f->nsections; i++) {
    if (strcmp(f->sec[i].name, name)) continue;
    if (n && f->sec[i].n != n)
      return err_set(err, "section '%s': %llu bytes, expected %zu (a checkpoint of another configuration?)", name,
                     (unsigned long long)f->sec[i].n, n);
    *data = f->sec[i].data;
    if (len) *len = (size_t)f->sec[i].n;
    return 0;
  }
  return err_set(err, "section '%s' is missing", name);
}

int ckpt_copy(const ckpt_file *f, const char *name, void *dst, size_t n, d2m_err *err) {
  const void *p;
  if (ckpt_get(f, name, n, &p, NULL, err)) return -1;
  memcpy(dst, p, n);
  return 0;
}

void ckpt_path(char *out, size_t n, const char *run_dir, long update) {
  snprintf(out, n, "%s/checkpoints/ckpt-%08ld.d2m", run_dir, update);
}

static int cmp_desc(const void *a, const void *b) {
  long x = *(const long *)a, y = *(const long *)b;
  return (x < y) - (x > y);
}

int ckpt_list(const char *run_dir, long *updates, int max) {
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/checkpoints", run_dir);
  DIR *d = opendir(dir);
  if (!d) return 0;
  int n = 0;
  long *all = NULL;
  int cap = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    long u;
    char tail[8];
    if (sscanf(de->d_name, "ckpt-%8ld.d2%1s", &u, tail) != 2 || strlen(de->d_name) != 17) continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 64;
      long *grown = realloc(all, (size_t)cap * sizeof *all);
      if (!grown) break;
      all = grown;
    }
    all[n++] = u;
  }
  closedir(d);
  if (n) qsort(all, (size_t)n, sizeof *all, cmp_desc);
  int m = n < max ? n : max;
  if (m > 0) memcpy(updates, all, (size_t)m * sizeof *all);
  free(all);
  return m;
}

void ckpt_prune(const char *run_dir, int keep) {
  long u[1024];
  int n = ckpt_list(run_dir, u, 1024);
  for (int i = keep; i < n; i++) {
    char p[4200];
    ckpt_path(p, sizeof p, run_dir, u[i]);
    if (unlink(p)) LOG_W("%s: could not delete old checkpoint: %s", p, strerror(errno));
  }
}

int ckpt_open_newest(const char *run_dir, char *path, size_t n, ckpt_file *f, d2m_err *err) {
  long ups[1024];
  int nc = ckpt_list(run_dir, ups, 1024);
  if (nc <= 0) return err_set(err, "%s: no checkpoint in %s/checkpoints", run_dir, run_dir);
  for (int i = 0; i < nc; i++) {
    ckpt_path(path, n, run_dir, ups[i]);
    d2m_err e;
    if (!ckpt_read(path, f, &e)) return 0;
    LOG_W("skipping checkpoint: %s", e.msg);
  }
  return err_set(err, "%s: none of the %d checkpoints is valid", run_dir, nc);
}

int ckpt_open_any(const char *file_or_run_dir, char *path, size_t n, ckpt_file *f, d2m_err *err) {
  struct stat st;
  if (!stat(file_or_run_dir, &st) && S_ISDIR(st.st_mode)) return ckpt_open_newest(file_or_run_dir, path, n, f, err);
  snprintf(path, n, "%s", file_or_run_dir);
  return ckpt_read(path, f, err);
}
