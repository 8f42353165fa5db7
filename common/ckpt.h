/* common/ckpt.h: checkpoint files: named binary sections, a CRC-32C over the whole file, written
 * atomically (temporary file, fsync, rename, fsync of the directory) so a crash or a full disk
 * never leaves a half-written checkpoint under the real name.
 *
 * Layout (little-endian):
 *   "D2MCKPT\0"  u32 format (1)  u32 nsections
 *   nsections x { char name[32] (NUL-padded), u64 nbytes, nbytes of data }
 *   u32 crc32c of everything above, "D2MEND\0\0"
 * A file that is truncated, has a bad CRC, bad magic or inconsistent sizes is rejected with a
 * message naming the file and what is wrong; --resume then falls back to the previous one.
 */
#ifndef D2M_CKPT_H
#define D2M_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "common/files.h"
#include "common/log.h"

#define CKPT_NAME_LEN 32
#define CKPT_MAX_SECTIONS 64

typedef struct ckpt_section {
  char name[CKPT_NAME_LEN];
  const void *data;
  uint64_t n;
} ckpt_section;

typedef struct ckpt_file {
  int nsections;
  ckpt_section sec[CKPT_MAX_SECTIONS];
  unsigned char *buf; /* owned: the whole file; sections point into it */
  size_t len;
} ckpt_file;

/* Write sections to path atomically. */
int ckpt_write(const char *path, const ckpt_section *sec, int nsections, d2m_err *err);
/* Read and validate a whole file; free with ckpt_close. */
int ckpt_read(const char *path, ckpt_file *f, d2m_err *err);
void ckpt_close(ckpt_file *f);
/* The section `name`; its size must be `n` bytes (n == 0: any size, *len receives it). */
int ckpt_get(const ckpt_file *f, const char *name, size_t n, const void **data, size_t *len, d2m_err *err);
/* Copy section `name` of exactly n bytes into dst. */
int ckpt_copy(const ckpt_file *f, const char *name, void *dst, size_t n, d2m_err *err);

/* Atomic write of one buffer (also used for small text files of a run directory). */
int file_write_atomic(const char *path, const void *data, size_t n, d2m_err *err);

/* Files of a run directory. A resumed run writes its resolved config under RUN_CONFIG_PENDING and
 * the learner renames it over RUN_CONFIG only once a checkpoint was restored: a resume that fails
 * (another network, rank count...) leaves the run as it was, still resumable. */
#define RUN_CONFIG "config.resolved.ini"
#define RUN_CONFIG_PENDING "config.resolved.ini.resume"

/* Checkpoints of a run live in DIR/checkpoints/ckpt-UUUUUUUU.d2m (U = update number). */
void ckpt_path(char *out, size_t n, const char *run_dir, long update);
/* Update numbers of the checkpoints present, newest first; returns how many (<= max). */
int ckpt_list(const char *run_dir, long *updates, int max);
/* Delete all but the `keep` newest checkpoints. */
void ckpt_prune(const char *run_dir, int keep);
/* The newest valid checkpoint of a run dir: a truncated or corrupted newest one (a run killed while
 * writing) is skipped with a warning for the previous one. path (n bytes) receives its file name.
 * -1 when the run dir has no checkpoint or none is valid (err says which). */
int ckpt_open_newest(const char *run_dir, char *path, size_t n, ckpt_file *f, d2m_err *err);
/* A file is read as is; a directory means its newest valid checkpoint (ckpt_open_newest). */
int ckpt_open_any(const char *file_or_run_dir, char *path, size_t n, ckpt_file *f, d2m_err *err);

#endif
