/* nn/nn.h: multilayer perceptrons on one contiguous float32 arena (llm.c style).
 *
 * A parameter set is ONE float array. nn_layout is its size table: named views (offset, count,
 * rows x cols), each padded to 16 floats so every view is 64-byte aligned in an xaligned arena.
 * Gradients, Adam m and v and the weight message use the identical layout, so copying, sending or
 * checkpointing a parameter set is one memcpy of layout.total floats.
 *
 * An nn_mlp is a description only (dims, activation, offsets of its weights inside some arena), so
 * several MLPs (policy, value) can live in one arena. Weights are stored W[out][in] row-major (as
 * PyTorch nn.Linear), bias b[out]. Hidden layers use the activation, the last layer is linear.
 *
 * Shapes (B = batch, row-major, one sample per row):
 *   forward : x[B][dim0] -> ws.act[l][B][dim l] for l = 1..nlayers; output = ws.act[nlayers]
 *   backward: dout[B][dim_L] -> grads += dLoss/dparams (accumulates: zero them explicitly),
 *             dx[B][dim0] (optional) = dLoss/dx.
 * Workspaces are sized at creation for a max batch; forward/backward never allocate.
 */
#ifndef D2M_NN_H
#define D2M_NN_H

#include <stddef.h>

#include "common/rng.h"

#define NN_MAX_LAYERS 8
#define NN_MAX_VIEWS 40
#define NN_NAME_LEN 32

typedef enum { NN_ACT_TANH = 0, NN_ACT_ELU = 1, NN_ACT_SILU = 2 } nn_act;
const char *nn_act_name(nn_act a);
int nn_act_parse(const char *s, nn_act *out); /* "tanh" | "elu" | "silu"; 0 on success */

typedef struct nn_view {
  char name[NN_NAME_LEN]; /* e.g. "pi.0.w", "log_std", "v.1.b" */
  size_t off;             /* first float inside the arena */
  size_t n;               /* rows * cols */
  int rows, cols;
} nn_view;

typedef struct nn_layout {
  nn_view view[NN_MAX_VIEWS];
  int nviews;
  size_t total; /* floats in the arena, padding included */
} nn_layout;

void nn_layout_init(nn_layout *L);
/* Append a view; returns its offset. Aborts when the table is full or the name repeats. */
size_t nn_layout_add(nn_layout *L, const char *name, int rows, int cols);
const nn_view *nn_layout_find(const nn_layout *L, const char *name); /* NULL when absent */

typedef struct nn_mlp {
  int nlayers;                   /* linear layers */
  int dim[NN_MAX_LAYERS + 1];    /* dim[0] = input, dim[nlayers] = output */
  nn_act act;                    /* hidden activation */
  size_t w_off[NN_MAX_LAYERS];   /* W_l[dim l+1][dim l] in the arena */
  size_t b_off[NN_MAX_LAYERS];   /* b_l[dim l+1] */
} nn_mlp;

/* Describe an MLP with dims dim[0..nlayers] and add its views "<prefix>.<l>.w" / ".b" to L. */
void nn_mlp_init(nn_mlp *m, nn_layout *L, const char *prefix, int nlayers, const int *dim, nn_act act);
int nn_mlp_max_dim(const nn_mlp *m);

typedef struct nn_mlp_ws {
  int max_batch;
  int with_grad;
  int use_ref;                       /* 1: naive reference kernels instead of BLIS (tests) */
  const float *in;                   /* input of the last forward (not owned) */
  float *act[NN_MAX_LAYERS + 1];     /* act[l], l >= 1: layer outputs [max_batch][dim l] */
  float *pre[NN_MAX_LAYERS + 1];     /* pre-activations, SiLU only (backward needs them) */
  float *dbuf[2];                    /* with_grad: ping-pong gradient buffers [max_batch][max dim] */
} nn_mlp_ws;

void nn_mlp_ws_init(nn_mlp_ws *ws, const nn_mlp *m, int max_batch, int with_grad);
void nn_mlp_ws_free(nn_mlp_ws *ws);

/* Forward for B <= max_batch rows of x; returns the output ws->act[nlayers] ([B][dim_L]). */
const float *nn_mlp_forward(const nn_mlp *m, const float *params, nn_mlp_ws *ws, const float *x, int B);
/* Backward after nn_mlp_forward with the same x and B. dout[B][dim_L] is not modified.
 * grads (same layout as params) accumulate; dx may be NULL (saves one GEMM). */
void nn_mlp_backward(const nn_mlp *m, const float *params, float *grads, nn_mlp_ws *ws, const float *dout, int B,
                     float *dx);

/* The same, but this MLP's gradient views are overwritten instead of accumulated (no zeroing pass
 * needed) and, when sumsq is non-NULL, *sumsq += the sum of squares of the gradients written,
 * taken block by block while each is still in cache (for the global grad-norm clip). */
void nn_mlp_backward_set(const nn_mlp *m, const float *params, float *grads, nn_mlp_ws *ws, const float *dout, int B,
                         float *dx, double *sumsq);

/* Orthogonal initialisation (Saxe et al. 2014): W[rows][cols] gets orthonormal rows (rows <= cols)
 * or columns (rows > cols), times gain; from a Gaussian matrix by modified Gram-Schmidt in double. */
void nn_orthogonal(float *W, int rows, int cols, float gain, rng_t *r);
/* Orthogonal weights (gain sqrt 2 for hidden layers, out_gain for the last), zero biases. */
void nn_mlp_init_params(const nn_mlp *m, float *params, float out_gain, rng_t *r);

/* Building blocks, exposed for tests and the benchmark. */
/* Y[B][out] = X[B][in] W^T + b, then the activation when act >= 0 (act < 0: linear). */
void nn_linear_forward(float *Y, float *pre, const float *X, const float *W, const float *b, int B, int in, int out,
                       int act, int use_ref);
/* G[B][out] = dLoss/dZ (pre-activation grad). dW += G^T X, db += colsum(G), dX = G W (if dX). */
void nn_linear_backward(float *dX, float *dW, float *db, const float *G, const float *X, const float *W, int B, int in,
                        int out, int use_ref);
/* Fast float tanh (rational approximation, |error| < 2e-7 absolute), vectorisable. */
float nn_tanhf(float x);
/* y[i] = act(x[i]) over n values (x may equal y); the same code the MLP uses. */
void nn_act_apply(nn_act a, const float *x, float *y, size_t n);

#endif
