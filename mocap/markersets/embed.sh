#!/bin/sh
# Writes mocap/markerset_text.c (the compiled-in default marker set) to stdout.
# Run from the repository root: sh mocap/markersets/embed.sh > mocap/markerset_text.c
set -e
f=mocap/markersets/lowerbody.markers
echo '/* mocap/markerset_text.c: GENERATED from mocap/markersets/lowerbody.markers (the test'
echo ' * motion_ik/markerset_embedded checks they are equal). Regenerate from the repository root:'
echo ' *   sh mocap/markersets/embed.sh > mocap/markerset_text.c */'
echo '#include "mocap/markerset.h"'
echo
echo 'static const char text[] ='
sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$/\\n"/' "$f"
echo '    ;'
echo
echo 'const char *markerset_default_text(void) { return text; }'
