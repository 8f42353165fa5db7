/* common/crc32c.h: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78, init and final xor
 * 0xFFFFFFFF; the iSCSI/ext4 CRC), check value 0xE3069283 for "123456789". Used for the weight
 * messages, checkpoints and env states. The SSE4.2 crc32 instruction computes this polynomial, so
 * it runs at several GB/s where the CPU has it (a table otherwise). Pass crc = 0 to start; feed
 * the result back in to continue over a further chunk. */
#ifndef D2M_CRC32C_H
#define D2M_CRC32C_H

#include <stddef.h>
#include <stdint.h>

uint32_t crc32c(uint32_t crc, const void *data, size_t n);
uint32_t crc32c_portable(uint32_t crc, const void *data, size_t n); /* table-driven, for tests */

#endif
