/* proto/proto_scan.c: bounds pre-check of raw msgpack bytes (see proto_internal.h for why). */
#include "proto/proto_internal.h"

static uint64_t be(const unsigned char *p, int k) {
  uint64_t v = 0;
  for (int i = 0; i < k; i++) v = (v << 8) | p[i];
  return v;
}

/* Classify the header byte b: how many length bytes follow (lenb), how many fixed payload bytes
 * (fixed), whether the length counts payload bytes (is_raw, plus `extra` type bytes for ext) or
 * container entries (is_cont, times `mult`: 2 for maps). Returns -1 for the unused byte 0xc1. */
typedef struct { int lenb, fixed, is_raw, extra, is_cont, mult; uint64_t inline_n; } hdr_t;

static int classify(unsigned b, hdr_t *h) {
  memset(h, 0, sizeof *h);
  if (b <= 0x7f || b >= 0xe0 || b == 0xc0 || b == 0xc2 || b == 0xc3) return 0;
  if (b <= 0x8f) { h->is_cont = 1; h->mult = 2; h->inline_n = b & 0x0f; return 0; }
  if (b <= 0x9f) { h->is_cont = 1; h->mult = 1; h->inline_n = b & 0x0f; return 0; }
  if (b <= 0xbf) { h->is_raw = 1; h->inline_n = b & 0x1f; return 0; }
  switch (b) {
    case 0xc4: case 0xd9: h->is_raw = 1; h->lenb = 1; return 0;            /* bin8, str8 */
    case 0xc5: case 0xda: h->is_raw = 1; h->lenb = 2; return 0;            /* bin16, str16 */
    case 0xc6: case 0xdb: h->is_raw = 1; h->lenb = 4; return 0;            /* bin32, str32 */
    case 0xc7: h->is_raw = 1; h->lenb = 1; h->extra = 1; return 0;         /* ext8 */
    case 0xc8: h->is_raw = 1; h->lenb = 2; h->extra = 1; return 0;         /* ext16 */
    case 0xc9: h->is_raw = 1; h->lenb = 4; h->extra = 1; return 0;         /* ext32 */
    case 0xca: case 0xce: case 0xd2: h->fixed = 4; return 0;
    case 0xcb: case 0xcf: case 0xd3: h->fixed = 8; return 0;
    case 0xcc: case 0xd0: h->fixed = 1; return 0;
    case 0xcd: case 0xd1: h->fixed = 2; return 0;
    case 0xd4: h->fixed = 2; return 0;                                     /* fixext1..16 */
    case 0xd5: h->fixed = 3; return 0;
    case 0xd6: h->fixed = 5; return 0;
    case 0xd7: h->fixed = 9; return 0;
    case 0xd8: h->fixed = 17; return 0;
    case 0xdc: h->is_cont = 1; h->mult = 1; h->lenb = 2; return 0;         /* array16 */
    case 0xdd: h->is_cont = 1; h->mult = 1; h->lenb = 4; return 0;         /* array32 */
    case 0xde: h->is_cont = 1; h->mult = 2; h->lenb = 2; return 0;         /* map16 */
    case 0xdf: h->is_cont = 1; h->mult = 2; h->lenb = 4; return 0;         /* map32 */
    default: return -1;                                                    /* 0xc1 */
  }
}

int proto_scan(const unsigned char *p, size_t len, d2m_err *err) {
  uint64_t left[PROTO_SCAN_DEPTH + 1]; /* elements still to read at each open level */
  int top = 0;
  left[0] = 1;
  size_t pos = 0;
  uint64_t objects = 0;
  while (top >= 0) {
    if (left[top] == 0) { top--; continue; }
    left[top]--;
    if (pos >= len) return err_set(err, "message: truncated: %zu bytes, an element is missing at the end", len);
    size_t at = pos;
    hdr_t h;
    if (classify(p[pos++], &h) < 0)
      return err_set(err, "message: byte 0x%02x at offset %zu is not a msgpack type", p[at], at);
    uint64_t n = h.inline_n;
    if (h.lenb) {
      if ((size_t)h.lenb > len - pos)
        return err_set(err, "message: truncated: the length of the element at offset %zu is cut off", at);
      n = be(p + pos, h.lenb);
      pos += (size_t)h.lenb;
    }
    uint64_t skip = h.is_raw ? n + (uint64_t)h.extra : (uint64_t)h.fixed;
    if (skip > len - pos)
      return err_set(err, "message: truncated: the element at offset %zu needs %llu bytes, %zu remain", at,
                     (unsigned long long)skip, len - pos);
    pos += (size_t)skip;
    if (!h.is_cont || n == 0) continue;
    uint64_t entries = n * (uint64_t)h.mult;
    if (entries > len - pos)
      return err_set(err, "message: truncated or corrupt: the %s at offset %zu declares %llu entries but only %zu bytes remain",
                     h.mult == 2 ? "map" : "array", at, (unsigned long long)n, len - pos);
    objects += entries;
    if (objects > PROTO_MAX_OBJECTS)
      return err_set(err, "message: more than %u msgpack objects", PROTO_MAX_OBJECTS);
    if (top == PROTO_SCAN_DEPTH)
      return err_set(err, "message: nested deeper than %d levels at offset %zu", PROTO_SCAN_DEPTH, at);
    left[++top] = entries;
  }
  if (pos != len)
    return err_set(err, "message: %zu trailing bytes after the message, which ends at offset %zu", len - pos, pos);
  return 0;
}
