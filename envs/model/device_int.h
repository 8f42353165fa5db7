/* envs/model/device_int.h: internal to envs/model: the device shapes (model.h, model_device) and
 * what mjcf.c calls to write the devices. */
#ifndef D2M_MODEL_DEVICE_INT_H
#define D2M_MODEL_DEVICE_INT_H

#include <stdio.h>

#include "envs/model/model.h"

#define DEV_ANKLE_SHANK_FRAC 0.6  /* of the knee-to-ankle offset, from the knee */
#define DEV_ANKLE_SHANK_R 0.05    /* m */
#define DEV_ANKLE_SHANK_L 0.15    /* m */
#define DEV_FOOT_BOX 0.18, 0.02, 0.09 /* m, along x (heel to toe), y (up), z (across) of calcn */
#define DEV_KNEE_THIGH_FRAC 0.7   /* of the hip-to-knee offset, from the hip */
#define DEV_KNEE_SHANK_FRAC 0.25  /* of the knee-to-ankle offset, from the knee */
#define DEV_KNEE_R 0.07           /* m */
#define DEV_KNEE_L 0.15           /* m */

/* The device bodies welded to `parent`, indented at `depth`. */
void model_device_bodies(FILE *f, const model_subject *sub, const char *parent, int depth);
/* The device actuators (after the muscles). */
void model_device_actuators(FILE *f, const model_subject *sub);
/* The prosthesis' joint locks (inside <equality>). */
void model_device_equalities(FILE *f, const model_subject *sub);
int model_device_check(const model_device *d, d2m_err *err);

#endif
