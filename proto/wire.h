/* proto/wire.h: MPI tags of the actor <-> learner traffic. Everything from the learner to one actor
 * travels on one tag, so MPI's per-(source, tag) ordering keeps it in order: a WEIGHTS header is
 * always followed by its raw float payload, and a STOP comes after every earlier set of weights. */
#ifndef D2M_WIRE_H
#define D2M_WIRE_H

enum {
  WIRE_TAG_A2L = 11, /* actor -> learner: TRAJECTORY messages, then a CONTROL STOP ("bye") at exit */
  WIRE_TAG_L2A = 12, /* learner -> actor: WEIGHTS header + raw params, CONTROL, a state to restore */
  WIRE_TAG_STATE = 13 /* actor -> learner: the actor's state (raw bytes), answering CONTROL CHECKPOINT */
};

#endif
