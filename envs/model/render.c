/* envs/model/render.c: a headless picture of the model: EGL surfaceless context (Mesa), MuJoCo's
 * renderer into its offscreen buffer, PNG via libpng. Built only with D2M_HAVE_RENDER (EGL and
 * libpng found at configure time); otherwise model_render_png says so and fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envs/model/model.h"

#ifndef D2M_HAVE_RENDER
int model_render_png(const mjModel *m, const char *path, int width, int height, d2m_err *err) {
  (void)m, (void)width, (void)height;
  return err_set(err, "%s: this build has no renderer (needs EGL and libpng at configure time: "
                      "apt-get install libegl-dev libpng-dev libgl1-mesa-dri, then reconfigure)", path);
}
model_gl *model_gl_open(const mjModel *m, int width, int height, d2m_err *err) {
  (void)m, (void)width, (void)height;
  return err_set(err, "this build has no renderer (needs EGL and libpng at configure time)"), NULL;
}
void model_gl_frame(model_gl *g, mjData *d, mjData *ghost, unsigned char *rgb) { (void)g, (void)d, (void)ghost, (void)rgb; }
void model_gl_close(model_gl *g) { (void)g; }
#else
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <png.h>

/* A surfaceless EGL context for desktop GL; MuJoCo renders into its own framebuffer object. */
static int egl_open(EGLDisplay *dpy_out, EGLContext *ctx_out, d2m_err *err) {
  EGLDisplay dpy = eglGetPlatformDisplay(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
  if (dpy == EGL_NO_DISPLAY) dpy = eglGetDisplay(EGL_DEFAULT_DISPLAY);
  EGLint major, minor;
  if (dpy == EGL_NO_DISPLAY || !eglInitialize(dpy, &major, &minor))
    return err_set(err, "EGL: no display (EGL error 0x%x; is Mesa's libgl1-mesa-dri installed?)", eglGetError());
  const EGLint attr[] = {EGL_SURFACE_TYPE, EGL_PBUFFER_BIT, EGL_RED_SIZE, 8, EGL_GREEN_SIZE, 8, EGL_BLUE_SIZE, 8,
                         EGL_RENDERABLE_TYPE, EGL_OPENGL_BIT, EGL_NONE};
  EGLConfig cfg;
  EGLint n = 0;
  if (!eglChooseConfig(dpy, attr, &cfg, 1, &n) || n < 1) {
    eglTerminate(dpy);
    return err_set(err, "EGL: no config with desktop GL (0x%x)", eglGetError());
  }
  eglBindAPI(EGL_OPENGL_API);
  EGLContext ctx = eglCreateContext(dpy, cfg, EGL_NO_CONTEXT, NULL);
  if (ctx == EGL_NO_CONTEXT || !eglMakeCurrent(dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, ctx)) {
    eglTerminate(dpy);
    return err_set(err, "EGL: cannot create or make current a surfaceless context (0x%x)", eglGetError());
  }
  *dpy_out = dpy, *ctx_out = ctx;
  return 0;
}

static int write_png(const char *path, const unsigned char *rgb, int w, int h, d2m_err *err) {
  FILE *f = fopen(path, "wb");
  if (!f) return err_set(err, "%s: cannot write", path);
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!png || !info || setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    fclose(f);
    return err_set(err, "%s: libpng failed", path);
  }
  png_init_io(png, f);
  png_set_IHDR(png, info, w, h, 8, PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < h; y++) png_write_row(png, (png_const_bytep)(rgb + (size_t)y * w * 3)); /* top row first */
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  return fclose(f) ? err_set(err, "%s: write failed", path) : 0;
}

/* One EGL context + MuJoCo scene/context, reused for many frames (model_render_png, eval --video). */
struct model_gl {
  const mjModel *m;
  int width, height;
  EGLDisplay dpy;
  EGLContext ctx;
  mjvScene scn;
  mjrContext con;
  mjvCamera cam;
  mjvOption opt;
  unsigned char *flip; /* [width*3] row swap buffer */
};

model_gl *model_gl_open(const mjModel *m, int width, int height, d2m_err *err) {
  int cam_id = mj_name2id(m, mjOBJ_CAMERA, "track");
  if (cam_id < 0) return err_set(err, "model has no camera 'track'"), NULL;
  if (width > m->vis.global.offwidth || height > m->vis.global.offheight)
    return err_set(err, "%dx%d is larger than the model's offscreen buffer %dx%d", width, height,
                   m->vis.global.offwidth, m->vis.global.offheight), NULL;
  model_gl *g = xcalloc(1, sizeof *g);
  g->m = m, g->width = width, g->height = height;
  if (egl_open(&g->dpy, &g->ctx, err)) return free(g), NULL;
  mjv_defaultScene(&g->scn);
  mjr_defaultContext(&g->con);
  mjv_defaultCamera(&g->cam);
  mjv_defaultOption(&g->opt);
  mjv_makeScene(m, &g->scn, 4000); /* room for the ghost's geoms too */
  mjr_makeContext(m, &g->con, mjFONTSCALE_100);
  mjr_setBuffer(mjFB_OFFSCREEN, &g->con);
  g->cam.type = mjCAMERA_FIXED, g->cam.fixedcamid = cam_id;
  g->flip = xmalloc((size_t)width * 3);
  return g;
}

void model_gl_frame(model_gl *g, mjData *d, mjData *ghost, unsigned char *rgb) {
  mjv_updateScene(g->m, d, &g->opt, NULL, &g->cam, mjCAT_ALL, &g->scn);
  if (ghost) { /* the reference pose: its moving geoms, translucent green */
    int n0 = g->scn.ngeom;
    mjv_addGeoms(g->m, ghost, &g->opt, NULL, mjCAT_DYNAMIC, &g->scn);
    for (int i = n0; i < g->scn.ngeom; i++) {
      float *c = g->scn.geoms[i].rgba;
      c[0] = 0.2f, c[1] = 0.8f, c[2] = 0.3f, c[3] = 0.35f;
    }
  }
  mjrRect vp = {0, 0, g->width, g->height};
  mjr_render(vp, &g->scn, &g->con);
  mjr_readPixels(rgb, NULL, vp, &g->con);
  size_t row = (size_t)g->width * 3; /* GL is bottom-up: flip to top row first */
  for (int y = 0; y < g->height / 2; y++) {
    unsigned char *a = rgb + (size_t)y * row, *b = rgb + (size_t)(g->height - 1 - y) * row;
    memcpy(g->flip, a, row), memcpy(a, b, row), memcpy(b, g->flip, row);
  }
}

void model_gl_close(model_gl *g) {
  if (!g) return;
  mjr_freeContext(&g->con);
  mjv_freeScene(&g->scn);
  eglMakeCurrent(g->dpy, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
  eglDestroyContext(g->dpy, g->ctx);
  eglTerminate(g->dpy);
  free(g->flip);
  free(g);
}

int model_render_png(const mjModel *m, const char *path, int width, int height, d2m_err *err) {
  model_gl *g = model_gl_open(m, width, height, err);
  if (!g) return -1;
  mjData *d = mj_makeData(m);
  if (m->nkey > 0) mj_resetDataKeyframe(m, d, 0);
  mj_forward(m, d);
  unsigned char *rgb = xmalloc((size_t)width * height * 3);
  model_gl_frame(g, d, NULL, rgb);
  int rc = write_png(path, rgb, width, height, err);
  free(rgb);
  mj_deleteData(d);
  model_gl_close(g);
  return rc;
}
#endif
