/* tests/proto/tp_util.h: message builders and comparisons shared by the proto tests, the seed
 * corpus generator and the fuzz target. */
#ifndef D2M_TP_UTIL_H
#define D2M_TP_UTIL_H

#include <stdbool.h>

#include "proto/proto.h"

/* A trajectory source with its own arrays, filled with random but valid content. */
typedef struct tp_traj {
  proto_traj_src src;
  float *obs, *actions, *logp, *values, *rewards, *bootstrap_value, *truncated_value, *amp;
  uint8_t *terminated, *truncated;
  double *obs_mean, *obs_m2;
  proto_episode *episodes;
  double *use;                 /* [act] muscle use (the rehabilitation loop's report) */
} tp_traj;

void tp_traj_make(tp_traj *t, uint64_t seed, uint32_t envs, uint32_t steps, uint32_t obs, uint32_t act,
                  uint32_t amp, uint32_t n_episodes);
/* Copies of a decoded trajectory's arrays, so it can be encoded again. */
void tp_traj_from_decoded(tp_traj *t, const proto_traj *d);
void tp_traj_free(tp_traj *t);

typedef struct tp_weights {
  proto_weights_src src;
  float *params;
  double *obs_mean, *obs_m2, *clip_weights;
  double *body;                /* [2 * TP_BODY_MUSCLES]: strength, then spasticity gain */
} tp_weights;
#define TP_BODY_MUSCLES 4u
/* n_clips clip weights (0: none), random in [0, 1); a body of TP_BODY_MUSCLES muscles. */
void tp_weights_make(tp_weights *w, uint64_t seed, uint64_t n_params, uint32_t obs);
void tp_weights_make_clips(tp_weights *w, uint64_t seed, uint64_t n_params, uint32_t obs, uint32_t n_clips);
void tp_weights_free(tp_weights *w);

/* Equality of decoded messages (bytes of every array, every scalar, every episode field);
 * on a difference, writes what differs into why (if non-NULL) and returns false. */
bool tp_msg_equal(const proto_msg *a, const proto_msg *b, char *why, size_t why_len);
/* Decoded trajectory against the source it was encoded from. */
bool tp_traj_matches(const proto_traj *d, const proto_traj_src *s, char *why, size_t why_len);

/* Rewrite the top-level map of a valid message: the entry `key` gets its value from fn (which
 * packs exactly one object; orig is the old value), or is dropped (fn == NULL). extra != 0
 * appends an entry "extra": nil. The result goes to out (cleared first). Returns 0, or -1 when
 * the input is not a map or the key is absent. */
typedef void (*tp_value_fn)(msgpack_packer *pk, const msgpack_object *orig, void *ctx);
int tp_rewrite(const char *buf, size_t len, const char *key, tp_value_fn fn, void *ctx, int extra,
               msgpack_sbuffer *out);

/* Decode buf with d; when it is accepted, encode the decoded message again into sb, decode that
 * with d2 and compare. Returns 0 (accepted, round trip equal), -1 (rejected: err says why) or
 * -2 (accepted but the round trip differs or does not decode: a bug; why says what). */
int tp_decode_recheck(proto_decoder *d, proto_decoder *d2, const void *buf, size_t len, msgpack_sbuffer *sb,
                      d2m_err *err, char *why, size_t why_len);

#endif
