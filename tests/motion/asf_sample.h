/* tests/motion/asf_sample.h: a small ASF/AMC pair with known joint positions, shared by the unit
 * test (tests/motion/test_asf.c) and the fuzz target's fixed skeleton (tests/fuzz/asf). Bones are
 * defined child first so that the reader must sort them. */
#ifndef D2M_TEST_ASF_SAMPLE_H
#define D2M_TEST_ASF_SAMPLE_H

static const char k_asf[] =
    "# a three-bone leg\n"
    ":version 1.10\n"
    ":name test\n"
    ":units\n"
    "  mass 1.0\n"
    "  length 1.0\n"
    "  angle deg\n"
    ":documentation\n"
    "  free text: begin end dof\n"
    ":root\n"
    "   order TX TY TZ RX RY RZ\n"
    "   axis XYZ\n"
    "   position 0 0 0\n"
    "   orientation 0 0 0\n"
    ":bonedata\n"
    "  begin\n"
    "     id 3\n"
    "     name rfoot\n"
    "     direction 0 0 1\n"
    "     length 1\n"
    "     axis 0 0 0 XYZ\n"
    "  end\n"
    "  begin\n"
    "     id 2\n"
    "     name rtibia\n"
    "     direction 0 -1 0\n"
    "     length 3\n"
    "     axis 0 90 0 XYZ\n"
    "    dof rx\n"
    "    limits (-10.0 170.0)\n"
    "  end\n"
    "  begin\n"
    "     id 1\n"
    "     name rfemur\n"
    "     direction 0 -1 0\n"
    "     length 4\n"
    "     axis 0 0 0 XYZ\n"
    "    dof rx ry rz\n"
    "    limits (-160.0 20.0)\n"
    "           (-70.0 70.0)\n"
    "           (-60.0 70.0)\n"
    "  end\n"
    ":hierarchy\n"
    "  begin\n"
    "    rtibia rfoot\n"
    "    root rfemur\n"
    "    rfemur rtibia\n"
    "  end\n";

/* Frame 1: the reference pose at (1, 2, 3). Frame 2: root turned 90 deg about y, hip flexed
 * 90 deg about x, knee -90 deg about its axis (world -z in the reference pose). */
static const char k_amc[] =
    "# test motion\n"
    ":FULLY-SPECIFIED\n"
    ":DEGREES\n"
    "1\n"
    "root 1 2 3 0 0 0\n"
    "rfemur 0 0 0\n"
    "rtibia 0\n"
    "2\n"
    "root 1 2 3 0 90 0\n"
    "rtibia -90\n"
    "rfemur 90 0 0\n";

#endif
