/* nn/rstat.c: see rstat.h. */
#include "nn/rstat.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"

void rstat_init(rstat *s, int dim) {
  D2M_CHECK(dim >= 1, "rstat dimension must be >= 1");
  s->dim = dim;
  s->count = 0;
  s->mean = xcalloc((size_t)dim, sizeof(double));
  s->m2 = xcalloc((size_t)dim, sizeof(double));
}

void rstat_free(rstat *s) {
  free(s->mean);
  free(s->m2);
  memset(s, 0, sizeof *s);
}

void rstat_reset(rstat *s) {
  s->count = 0;
  memset(s->mean, 0, (size_t)s->dim * sizeof(double));
  memset(s->m2, 0, (size_t)s->dim * sizeof(double));
}

void rstat_merge_raw(rstat *s, double count, const double *mean, const double *m2) {
  if (count <= 0) return;
  double n = s->count + count;
  for (int i = 0; i < s->dim; i++) {
    double d = mean[i] - s->mean[i];
    s->mean[i] += d * count / n;
    s->m2[i] += m2[i] + d * d * s->count * count / n;
  }
  s->count = n;
}

void rstat_merge(rstat *s, const rstat *o) {
  D2M_CHECK(s->dim == o->dim, "merging statistics of different dimensions");
  rstat_merge_raw(s, o->count, o->mean, o->m2);
}

void rstat_update(rstat *s, const float *x, int B) {
  if (B <= 0) return;
  /* Per-dimension two-pass batch statistics without a scratch buffer: one dimension at a time. */
  for (int i = 0; i < s->dim; i++) {
    double mu = 0, m2 = 0;
    for (int b = 0; b < B; b++) mu += x[(size_t)b * s->dim + i];
    mu /= B;
    for (int b = 0; b < B; b++) {
      double d = x[(size_t)b * s->dim + i] - mu;
      m2 += d * d;
    }
    double n = s->count + B, d = mu - s->mean[i];
    s->mean[i] += d * B / n;
    s->m2[i] += m2 + d * d * s->count * B / n;
  }
  s->count += B;
}

double rstat_var(const rstat *s, int i) { return s->count > 0 ? s->m2[i] / s->count : 0.0; }

void rstat_export(const rstat *s, float eps, float *mean, float *inv_std) {
  for (int i = 0; i < s->dim; i++) {
    mean[i] = (float)s->mean[i];
    inv_std[i] = (float)(1.0 / sqrt((s->count > 0 ? rstat_var(s, i) : 1.0) + eps));
  }
}

void rstat_normalize(const float *mean, const float *inv_std, int dim, const float *x, float *out, int B, float clip) {
  for (int b = 0; b < B; b++)
    for (int i = 0; i < dim; i++) {
      float z = (x[(size_t)b * dim + i] - mean[i]) * inv_std[i];
      if (clip > 0) z = z > clip ? clip : z < -clip ? -clip : z;
      out[(size_t)b * dim + i] = z;
    }
}

void rstat_pack(const rstat *s, double *out) {
  out[0] = s->count;
  memcpy(out + 1, s->mean, (size_t)s->dim * sizeof(double));
  memcpy(out + 1 + s->dim, s->m2, (size_t)s->dim * sizeof(double));
}

void rstat_unpack(rstat *s, const double *in) {
  s->count = in[0];
  memcpy(s->mean, in + 1, (size_t)s->dim * sizeof(double));
  memcpy(s->m2, in + 1 + s->dim, (size_t)s->dim * sizeof(double));
}
