/* proto/proto_internal.h: helpers shared by the encoder and the decoder (not for other folders). */
#ifndef D2M_PROTO_INTERNAL_H
#define D2M_PROTO_INTERNAL_H

#include "proto/proto.h"

#define PROTO_TRAJ_ENTRIES 27
#define PROTO_WEIGHTS_ENTRIES 15
#define PROTO_CONTROL_ENTRIES 5
#define PROTO_EPISODE_FIELDS 8
#define PROTO_MAX_COUNT (1ull << 53) /* observation counts stay exact in double arithmetic */
#define PROTO_SCAN_DEPTH 16          /* our messages nest 3 deep */

/* Sizes of a trajectory, derived once from its header. */
typedef struct proto_traj_dims {
  uint64_t te;        /* T*E */
  uint64_t bytes;     /* all array payloads together */
  uint64_t max_episodes;
} proto_traj_dims;

/* Check the header numbers of a trajectory against the limits and fill *dims; -1 with err naming
 * the field ("trajectory.envs: 5000 outside [1, 4096]"). Used by both sides. */
int proto_traj_check_dims(uint32_t envs, uint32_t steps, uint32_t obs, uint32_t act, uint32_t amp,
                          proto_traj_dims *dims, d2m_err *err);

/* Walk the msgpack bytes without building anything: every length and count must fit in the bytes
 * that remain, nesting <= PROTO_SCAN_DEPTH, object count <= PROTO_MAX_OBJECTS, and exactly one
 * object must fill buf[0..len). This runs before msgpack_unpack, which would otherwise reserve
 * count * 24 bytes for an array header that declares 4 billion elements in 5 bytes. */
int proto_scan(const unsigned char *p, size_t len, d2m_err *err);

#endif
