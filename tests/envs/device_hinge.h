/* tests/envs/device_hinge.h: the test model of the device controller tests (test_device.c,
 * test_prosthesis.c): a free 0.5 kg m^2 inertia on a hinge named ankle_angle_r, no gravity, and the
 * ankle exoskeleton's actuator exo_ankle_r as the model generator makes it, so a controller's torque
 * and work have closed forms. */
#ifndef D2M_TEST_DEVICE_HINGE_H
#define D2M_TEST_DEVICE_HINGE_H
#include <criterion/criterion.h>
#include <mujoco/mujoco.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static inline mjModel *device_hinge_model(void) {
  const char *xml =
      "<mujoco><option gravity=\"0 0 0\" timestep=\"0.002\"/><worldbody><body name=\"b\">"
      "<joint name=\"ankle_angle_r\" type=\"hinge\" axis=\"0 0 1\"/>"
      "<inertial pos=\"0 0 0\" mass=\"1\" diaginertia=\"0.5 0.5 0.5\"/></body></worldbody>"
      "<actuator><general name=\"exo_ankle_r\" joint=\"ankle_angle_r\" dyntype=\"filter\" dynprm=\"0.002\" "
      "gaintype=\"fixed\" gainprm=\"1\" ctrllimited=\"true\" ctrlrange=\"-100 100\"/></actuator></mujoco>";
  char path[] = "/tmp/d2m_hingeXXXXXX";
  int fd = mkstemp(path);
  cr_assert_geq(fd, 0);
  cr_assert_eq(write(fd, xml, strlen(xml)), (ssize_t)strlen(xml));
  close(fd);
  char msg[500] = "";
  mjModel *m = mj_loadXML(path, NULL, msg, sizeof msg);
  unlink(path);
  cr_assert(m, "%s", msg);
  return m;
}

#endif
