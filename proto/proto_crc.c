/* proto/proto_crc.c: CRC-32C for the weight payload, and the weight verification. */
#include <pthread.h>

#include "proto/proto_internal.h"

#if defined(__x86_64__)
#include <nmmintrin.h>
#endif

#define CRC32C_POLY 0x82F63B78u /* Castagnoli, bit-reflected */

static uint32_t table[256];
static pthread_once_t table_once = PTHREAD_ONCE_INIT;

static void table_init(void) {
  for (uint32_t i = 0; i < 256; i++) {
    uint32_t c = i;
    for (int k = 0; k < 8; k++) c = (c >> 1) ^ (CRC32C_POLY & (0u - (c & 1u)));
    table[i] = c;
  }
}

uint32_t proto_crc32c_portable(uint32_t crc, const void *data, size_t n) {
  pthread_once(&table_once, table_init);
  const unsigned char *p = data;
  uint32_t c = ~crc;
  for (size_t i = 0; i < n; i++) c = table[(c ^ p[i]) & 0xffu] ^ (c >> 8);
  return ~c;
}

#if defined(__x86_64__)
/* The SSE4.2 crc32 instruction computes exactly this polynomial, 8 bytes per instruction. */
__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc, const void *data, size_t n) {
  const unsigned char *p = data;
  uint64_t c = ~crc;
  for (; n && ((uintptr_t)p & 7u); n--) c = _mm_crc32_u8((uint32_t)c, *p++);
  for (; n >= 8; n -= 8, p += 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
  }
  for (; n; n--) c = _mm_crc32_u8((uint32_t)c, *p++);
  return ~(uint32_t)c;
}
#endif

uint32_t proto_crc32c(uint32_t crc, const void *data, size_t n) {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("sse4.2")) return crc32c_sse42(crc, data, n);
#endif
  return proto_crc32c_portable(crc, data, n);
}

uint32_t proto_weights_checksum(const float *params, size_t n) {
  return proto_crc32c(0, params, n * sizeof(float));
}

int proto_weights_verify(const proto_weights *h, const float *params, size_t n, d2m_err *err) {
  if (n != h->param_count)
    return err_set(err, "weights: payload has %zu floats, the header (version %llu) says %llu", n,
                   (unsigned long long)h->policy_version, (unsigned long long)h->param_count);
  uint32_t c = proto_weights_checksum(params, n);
  if (c != h->checksum)
    return err_set(err, "weights: checksum 0x%08x of the payload, header (version %llu) says 0x%08x", c,
                   (unsigned long long)h->policy_version, h->checksum);
  for (size_t i = 0; i < n; i++)
    if (!(params[i] - params[i] == 0.0f))
      return err_set(err, "weights: parameter %zu is %s", i, params[i] != params[i] ? "NaN" : "Inf");
  return 0;
}
