#!/bin/sh
# Writes envs/motion/markerset_text.c (the compiled-in default marker set) to stdout.
# Run from the repository root: sh envs/motion/markersets/embed.sh > envs/motion/markerset_text.c
set -e
f=envs/motion/markersets/lowerbody.markers
echo '/* envs/motion/markerset_text.c: GENERATED from envs/motion/markersets/lowerbody.markers (the test'
echo ' * motion_ik/markerset_embedded checks they are equal). Regenerate from the repository root:'
echo ' *   sh envs/motion/markersets/embed.sh > envs/motion/markerset_text.c */'
echo '#include "envs/motion/markerset.h"'
echo
echo 'static const char text[] ='
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$/\\n"/' "$f"
echo '    ;'
echo
echo 'const char *markerset_default_text(void) { return text; }'
