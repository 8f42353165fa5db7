/* proto/proto_crc.c: the weight payload checksum (CRC-32C, common/crc32c.h) and verification. */
#include "common/crc32c.h"

#include "proto/proto_internal.h"

uint32_t proto_weights_checksum(const float *params, size_t n) {
  return crc32c(0, params, n * sizeof(float));
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
