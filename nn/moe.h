/* nn/moe.h: the mixture-of-experts policy head (nn.experts = K > 1), as in KINESIS's MoE actor.
 *
 * K expert heads and a softmax gate share the policy trunk (the hidden layers of "pi", a function of
 * the observation). The last policy layer "pi.<L>" then has K (A + 1) outputs instead of A, so all
 * experts and the gate are ONE GEMM on the trunk's last hidden layer x [H]:
 *   y = W x + b,  rows [k A, (k+1) A): expert k's mean m_k;  rows [K A, K A + K): gate logits g
 *   w = softmax(g),  mu = sum_k w_k m_k                      (the policy's mean action)
 * The Gaussian's state-independent log-std stays shared. With K = 1 there is no gate and the head is
 * the plain one (same layout, same numbers). Expert 0 keeps the rows of the plain head, so a policy
 * grown from K = 1 starts from the trained head (moe_grow).
 *
 * Backward (dmu = dLoss/dmu):  dL/dm_k = w_k dmu;  dL/dg_k = w_k (dmu . (m_k - mu)). */
#ifndef D2M_MOE_H
#define D2M_MOE_H

#include "nn/ac.h"

/* Outputs of the last policy layer for K experts and A actions: A for K = 1, K (A + 1) otherwise. */
int moe_rows(int K, int A);

/* y[B][K(A+1)] -> gate[B][K] (softmax weights) and mu[B][A] (the mixture mean). K >= 2. */
void moe_forward(const float *y, int B, int A, int K, float *gate, float *mu);
/* dy[B][K(A+1)] = dLoss/dy from dmu[B][A], with y, gate and mu of the same forward. */
void moe_backward(const float *y, const float *gate, const float *mu, const float *dmu, int B, int A, int K,
                  float *dy);

/* Progressive experts: the arena src of net `from` (K experts) into the arena dst of net `to`
 * (K' > K experts, otherwise the same network). Every view but the last policy layer is copied.
 * Parameters (moments = 0): experts 0..K-1 and their gate rows are kept; each new expert is a copy of
 * the source expert s (the expert with the largest gate bias, expert 0 for K = 1) with a copy of s's
 * gate row, and s and its copies share s's gate weight equally (their gate biases are s's minus
 * log(K' - K + 1); with K = 1 the new gate is 0: equal weights). The mixture's mean action is then
 * unchanged, and the copies move apart as training continues (their Adam moments start at zero).
 * Adam moments (moments = 1): the kept rows are copied, the new experts' and the new gate rows' are 0.
 * Returns -1 with a message when the networks differ otherwise or K' <= K. */
int moe_grow(const ac_net *from, const float *src, const ac_net *to, float *dst, int moments, d2m_err *err);

#endif
