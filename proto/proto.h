/* proto/proto.h: the messages between actors and the learner (msgpack, versioned), their strict
 * decoder, and the weight checksum. Nothing else lives in proto/ (docs/ARCHITECTURE.md).
 *
 * Three kinds of message, each one msgpack map whose entries come in a fixed order:
 *
 *   entry  key             type                      meaning
 *   1      "magic"         str "d2m"                 not one of ours otherwise
 *   2      "version"       uint                      PROTO_VERSION; any other is refused
 *   3      "kind"          uint                      proto_kind
 *   ...    kind-specific entries below
 *
 * The first three entries are the invariant every future version keeps, so a build always
 * names a version mismatch ("protocol version 7, this build speaks 1") instead of a field error.
 *
 * TRAJECTORY (actor -> learner), 27 entries; T = steps, E = envs; arrays are msgpack BIN holding
 * little-endian float32 (f32), float64 (f64) or bytes (u8), row-major in the order of the shape:
 *   4 "rank" uint            actor's MPI rank (the learner also compares it with the source rank)
 *   5 "policy_version" uint  version of the weights that produced the actions
 *   6 "envs" uint E in [1, 4096]       7 "steps" uint T in [1, 4096]
 *   8 "obs_dim" uint [1, 4096]         9 "act_dim" uint [1, 1024]     10 "amp_dim" uint [0, 4096]
 *  11 "obs"             f32 [T][E][obs]  observation the policy saw before step t: normalised with the
 *                                        statistics of the weights that acted, clipped to +-ppo.obs_clip
 *  12 "actions"         f32 [T][E][act]  sampled actions (pre-squash, as the log-prob saw them)
 *  13 "logp"            f32 [T][E]       behaviour log-probabilities of the actions
 *  14 "values"          f32 [T][E]       value estimates V(obs_t)
 *  15 "rewards"         f32 [T][E]
 *  16 "terminated"      u8  [T][E]       0 or 1: episode ended by the task (no bootstrap)
 *  17 "truncated"       u8  [T][E]       0 or 1: episode cut by a time limit (bootstrap)
 *  18 "bootstrap_value" f32 [E]          V(obs after the last step), for GAE at t = T-1
 *  19 "truncated_value" f32 [T][E]       V(final obs) where truncated, exactly 0 elsewhere
 *  20 "amp"             f32 [T][E][amp]  AMP discriminator features (empty BIN when amp_dim = 0)
 *  21 "obs_count" uint               \
 *  22 "obs_mean"  f64 [obs]          | moments of the raw (un-normalised) observations this actor
 *  23 "obs_m2"    f64 [obs]          / met since its previous batch (see "Observation moments" below)
 *  24 "episodes"  array of up to min(T*E, 65536) records, each an array of 8:
 *        [return float, length uint, reason uint (< 64, proto_end_reason), success float,
 *         mpjpe_mm float, joint_rmse_deg float, numerical_resets uint,
 *         clip uint (< 65536: the clip of imitate.motion's library the episode tracked; 0 without one)]
 *  25 "use_muscles" uint [0, 1024]   26 "use" f64 [use_muscles], each >= 0   27 "use_count" uint
 *   (25-27: the rehabilitation loop's muscle use, envs/env.h env_take_use: each muscle's descending
 *    excitation summed over the batch's control steps of all E envs, and how many were summed; a muscle
 *    is never used more than use_count times 1. use_muscles 0 and use_count 0 when rehab.enabled is off)
 *
 * WEIGHTS header (learner -> actors), 15 entries; the float32 parameters follow as a separate
 * raw MPI message of param_count floats (no msgpack framing, so they land aligned in place):
 *   4 "policy_version" uint   5 "param_count" uint [1, 2^28]   6 "checksum" uint (CRC-32C)
 *   7 "obs_dim" uint [1, 4096]   8 "obs_count" uint   9 "obs_mean" f64 [obs]   10 "obs_m2" f64 [obs]
 *   (8-10: the learner's merged observation moments; actors normalise with mean, sqrt(M2/count))
 *  11 "n_clips" uint [0, 65536]   12 "clip_weights" f64 [n_clips], each >= 0
 *   (11-12: the clip library's sampling weights chosen by the learner's mining, learner/mining.h;
 *    n_clips 0 when mining is off: the actors keep the weights of their .list)
 *  13 "body_muscles" uint [0, 1024]   14 "body_strength" f64 [body_muscles]   15 "body_spas_gain" f64 [body_muscles]
 *   (13-15: the rehabilitation loop's body, each >= 0: peak-force factor and stretch-reflex gain per muscle
 *    as the learner's recovery steps left them, envs/rehab.h; body_muscles 0 when rehab.enabled is off)
 *
 * CONTROL (learner -> actors), 5 entries:
 *   4 "command" uint (proto_command)   5 "reason" str (<= 256 bytes, no NUL), e.g. "SIGTERM"
 *
 * Observation moments: count (exact integer) + mean + M2 (sum of squared deviations) per
 * dimension, in float64. Chan et al.'s pairwise merge
 *     n = na + nb, d = mb - ma, mean = ma + d*nb/n, M2 = M2a + M2b + d*d*na*nb/n
 * is numerically stable at any count, whereas sum/sum-of-squares loses the variance to
 * cancellation (E[x^2] - mean^2) once a run has seen billions of samples of an observation with
 * |mean| >> std; the count merges exactly as an integer. Decoded: count == 0 requires mean and M2
 * all 0; M2 >= 0; count <= 2^53 (exact in the double arithmetic of the merge).
 *
 * Decoded arrays are zero-copy views into the received buffer: msgpack places BIN payloads at
 * arbitrary byte offsets, so they are not float-aligned and are read only through proto_f32_at /
 * proto_f32_copy (memcpy). The learner scatters every batch into its PPO arena anyway, so a
 * decode-time copy into aligned storage would just be a second copy; the decoder makes one
 * read-only pass (finite and 0/1 checks) and the caller copies once, into the final place (the
 * learner: received bytes -> PPO batch rows, learner/intake.c). Views stay valid until the receive
 * buffer is reused; episodes until the decoder decodes again (copy them to keep a batch longer).
 *
 * Allocation: encoders write into a caller-owned msgpack_sbuffer, cleared and grown to the exact
 * bound in one realloc at most; reuse the buffer and the steady state allocates nothing (while an
 * MPI_Isend of it is in flight, encode into the other one). The decoder owns a msgpack zone
 * (kept between calls) and storage for PROTO_MAX_EPISODES records, both made at init.
 *
 * The wire format is little-endian; this build refuses to compile on big-endian hosts.
 */
#ifndef D2M_PROTO_H
#define D2M_PROTO_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <msgpack.h>

#include "common/log.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "proto/: the wire format is little-endian and this build copies arrays byte for byte"
#endif

#define PROTO_VERSION 3 /* 2: episode clip, weights clip_weights (issue 18); 3: muscle use, body (issue 16) */
#define PROTO_MAGIC "d2m"

/* Config-free limits: generous maxima that only keep a hostile or corrupted header from making
 * the learner allocate or read without bound. */
#define PROTO_MAX_ENVS 4096u
#define PROTO_MAX_STEPS 4096u
#define PROTO_MAX_OBS 4096u
#define PROTO_MAX_ACT 1024u
#define PROTO_MAX_AMP 4096u
#define PROTO_MAX_BYTES (1u << 30)          /* whole message, and the weights payload */
#define PROTO_MAX_EPISODES 65536u           /* finished-episode records per batch */
#define PROTO_MAX_CLIPS 65536u              /* clips of a library: episode clip index, clip weights */
#define PROTO_MAX_MUSCLES 1024u            /* muscle use and body entries (rehabilitation loop) */
#define PROTO_MAX_PARAMS (1u << 28)         /* float32 parameters: 1 GiB */
#define PROTO_MAX_REASON 256u               /* control reason string, bytes */
#define PROTO_MAX_RANK (1u << 24)
#define PROTO_MAX_END_CODE 64u              /* termination reason codes are < this */
#define PROTO_MAX_OBJECTS (1u << 20)        /* msgpack objects per message (arrays, map entries) */

typedef enum { PROTO_TRAJECTORY = 1, PROTO_WEIGHTS = 2, PROTO_CONTROL = 3 } proto_kind;
/* STOP: end the run (actor -> learner: "bye", the actor's last message). CHECKPOINT: the actor
 * answers with its state (raw bytes on WIRE_TAG_STATE). RESTORE: the next learner message is a
 * state to load (resume). */
typedef enum { PROTO_CMD_STOP = 1, PROTO_CMD_CHECKPOINT = 2, PROTO_CMD_RESTORE = 3 } proto_command;

/* Why an episode ended. Codes up to PROTO_MAX_END_CODE-1 pass the decoder; those not listed
 * here are shown as "code N", so envs/ can add reasons without a protocol version bump. */
typedef enum {
  PROTO_END_TIME_LIMIT = 0,    /* truncated by the horizon */
  PROTO_END_FALL = 1,          /* pelvis/head too low, body on the ground */
  PROTO_END_TRACKING = 2,      /* a tracked body too far from the reference motion */
  PROTO_END_NUMERICAL = 3,     /* NaN or unstable simulation: env reset */
  PROTO_END_SUCCESS = 4,       /* task completed (end of the clip, target reached) */
  PROTO_END_KNOWN_COUNT = 5
} proto_end_reason;

/* One finished episode. Task metrics that do not apply to the task are -1. */
typedef struct proto_episode {
  float ret;                /* undiscounted return */
  uint32_t length;          /* control steps */
  uint32_t reason;          /* proto_end_reason */
  float success;            /* 0..1 */
  float mpjpe_mm;           /* mean per-joint position error vs the reference, mm */
  float joint_rmse_deg;     /* joint-angle RMSE vs the reference, degrees */
  uint32_t numerical_resets;
  uint32_t clip;            /* clip index in the library (< PROTO_MAX_CLIPS); 0 without a library */
} proto_episode;

/* Read-only views of little-endian arrays inside a received buffer (not aligned). */
typedef struct { const unsigned char *p; size_t n; } proto_f32; /* n floats */
typedef struct { const unsigned char *p; size_t n; } proto_f64; /* n doubles */

static inline float proto_f32_at(proto_f32 v, size_t i) {
  float x; memcpy(&x, v.p + 4 * i, 4); return x;
}
static inline double proto_f64_at(proto_f64 v, size_t i) {
  double x; memcpy(&x, v.p + 8 * i, 8); return x;
}
/* Copy all v.n elements into dst (aligned caller storage). */
static inline void proto_f32_copy(float *dst, proto_f32 v) { if (v.n) memcpy(dst, v.p, 4 * v.n); }
static inline void proto_f64_copy(double *dst, proto_f64 v) { if (v.n) memcpy(dst, v.p, 8 * v.n); }

/* ---- trajectory batch ---- */
typedef struct proto_traj_src {  /* encoder input: pointers into the actor's own arrays */
  uint32_t rank;
  uint64_t policy_version;
  uint32_t envs, steps, obs_dim, act_dim, amp_dim;
  const float *obs;              /* [T][E][obs] */
  const float *actions;          /* [T][E][act] */
  const float *logp, *values, *rewards;   /* [T][E] */
  const uint8_t *terminated, *truncated;  /* [T][E], 0 or 1 */
  const float *bootstrap_value;  /* [E] */
  const float *truncated_value;  /* [T][E] */
  const float *amp;              /* [T][E][amp]; NULL when amp_dim == 0 */
  uint64_t obs_count;
  const double *obs_mean, *obs_m2; /* [obs] */
  const proto_episode *episodes;   /* [n_episodes] */
  uint32_t n_episodes;
  uint32_t use_muscles;            /* 0: no use report */
  const double *use;               /* [use_muscles], summed excitations, >= 0 */
  uint64_t use_count;              /* control steps x envs summed */
} proto_traj_src;

typedef struct proto_traj {      /* decoded: views into the received buffer */
  uint32_t rank;
  uint64_t policy_version;
  uint32_t envs, steps, obs_dim, act_dim, amp_dim;
  proto_f32 obs, actions, logp, values, rewards;
  const uint8_t *terminated, *truncated;  /* bytes need no alignment: direct pointers */
  proto_f32 bootstrap_value, truncated_value, amp;
  uint64_t obs_count;
  proto_f64 obs_mean, obs_m2;
  const proto_episode *episodes;  /* the decoder's storage */
  uint32_t n_episodes;
  proto_f64 use;                  /* n = use_muscles */
  uint64_t use_count;
} proto_traj;

/* ---- weights header ---- */
typedef struct proto_weights_src {
  uint64_t policy_version;
  uint64_t param_count;
  uint32_t checksum;             /* proto_weights_checksum(params, param_count) */
  uint32_t obs_dim;
  uint64_t obs_count;
  const double *obs_mean, *obs_m2; /* [obs] */
  uint32_t n_clips;                /* 0: no clip weights */
  const double *clip_weights;      /* [n_clips], >= 0 */
  uint32_t body_muscles;           /* 0: no body */
  const double *body_strength, *body_spas_gain; /* [body_muscles], >= 0 */
} proto_weights_src;

typedef struct proto_weights {
  uint64_t policy_version;
  uint64_t param_count;
  uint32_t checksum;
  uint32_t obs_dim;
  uint64_t obs_count;
  proto_f64 obs_mean, obs_m2;
  proto_f64 clip_weights;          /* n = n_clips; empty when mining is off */
  proto_f64 body_strength, body_spas_gain; /* n = body_muscles; empty when rehab.enabled is off */
} proto_weights;

/* ---- control ---- */
typedef struct proto_control {
  proto_command command;
  char reason[PROTO_MAX_REASON + 1]; /* NUL-terminated */
} proto_control;

typedef struct proto_msg {
  proto_kind kind;
  union {
    proto_traj traj;
    proto_weights weights;
    proto_control control;
  } u;
} proto_msg;

/* ---- encoding: clear `out`, write one message; -1 (err names the field) when a size is out of
 * the limits or an argument is missing. Values are not checked for finiteness here: the
 * decoder is the gate, and the actor is expected to count and reset numerical failures. ---- */
int proto_encode_traj(const proto_traj_src *t, msgpack_sbuffer *out, d2m_err *err);
int proto_encode_weights(const proto_weights_src *w, msgpack_sbuffer *out, d2m_err *err);
int proto_encode_control(const proto_control *c, msgpack_sbuffer *out, d2m_err *err);
/* Upper bound of the encoded size of a trajectory (exact up to a few header bytes). */
size_t proto_traj_size_bound(const proto_traj_src *t);

/* ---- decoding ---- */
typedef struct proto_decoder {
  msgpack_zone zone;          /* msgpack objects of the last message; cleared, kept */
  proto_episode *episodes;    /* [PROTO_MAX_EPISODES] */
} proto_decoder;

void proto_decoder_init(proto_decoder *d);
void proto_decoder_free(proto_decoder *d);
/* Decode one message occupying exactly buf[0..len). Checks structure, every key, type, count
 * and length against the header and the limits, rejects non-finite floats, unknown versions and
 * kinds and trailing bytes. Returns 0 and fills *out, or -1 with err naming the field, e.g.
 * "trajectory.rewards: length 396 bytes, expected 400 (T=10, E=10, float32)". */
int proto_decode(proto_decoder *d, const void *buf, size_t len, proto_msg *out, d2m_err *err);

/* ---- checksum: CRC-32C (common/crc32c.h) ---- */
/* Checksum of n float32 parameters, over their little-endian bytes. */
uint32_t proto_weights_checksum(const float *params, size_t n);
/* 0 when params[0..n) match the header (n == param_count, checksum) and are all finite. */
int proto_weights_verify(const proto_weights *h, const float *params, size_t n, d2m_err *err);

const char *proto_kind_name(uint64_t kind);       /* "trajectory", ..., "unknown" */
const char *proto_end_reason_name(uint32_t code); /* "time_limit", ..., "other" */

#endif
