/* nn/adam.h: Adam (Kingma & Ba 2015) with global gradient-norm clipping, PyTorch semantics:
 *   g <- g * min(1, max_norm / (||g||_2 + 1e-6))                    (torch.nn.utils.clip_grad_norm_)
 *   m <- b1 m + (1-b1) g;  v <- b2 v + (1-b2) g^2;  t <- t + 1
 *   p <- p - lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)  (torch.optim.Adam)
 * m and v have the layout of the parameter arena they update (one array each). */
#ifndef D2M_ADAM_H
#define D2M_ADAM_H

#include <stddef.h>

#include "common/config.h"

typedef struct adam_config {
  float beta1, beta2, eps; /* the config table's adam.beta1, adam.beta2, adam.eps */
} adam_config;

typedef struct adam_state {
  size_t n;
  long t; /* steps taken */
  float *m, *v;
} adam_state;

/* From the config table's [adam] keys (bounds checked there). */
void adam_config_from_cfg(const cfg_t *c, adam_config *out);
void adam_init(adam_state *s, size_t n); /* zeroed moments, 64-byte aligned */
void adam_free(adam_state *s);
void adam_reset(adam_state *s);

/* g[0..n) = 0, split over BLIS's threads (gradients are zeroed before every backward pass). */
void adam_zero(float *g, size_t n);
/* Global L2 norm of g[n] (accumulated in double). */
double adam_grad_norm(const float *g, size_t n);
/* Scale to apply so that the norm is at most max_norm (1 when max_norm <= 0 or already small). */
float adam_clip_scale(double norm, float max_norm);
/* One step with gradients g * grad_scale (the clip factor is fused here: no extra pass). */
void adam_step(adam_state *s, const adam_config *c, float lr, float *params, const float *g, float grad_scale);
/* The same step (one t) with two parameter groups: [0, split) with lr0 and gradient scale gs0,
 * [split, n) with lr1 and gs1. Adam is elementwise, so this is two Adams with separate moments that
 * share their step count (policy and value networks with their own learning rates and clips). */
void adam_step_split(adam_state *s, const adam_config *c, size_t split, float lr0, float gs0, float lr1, float gs1,
                     float *params, const float *g);

#endif
