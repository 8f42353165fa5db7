#!/bin/sh
# Writes mocap/markerset_text.c (the compiled-in marker sets) to stdout.
# Run from the repository root: sh mocap/markersets/embed.sh > mocap/markerset_text.c
set -e
sets="lowerbody pig cleveland gait2354 rajagopal2016"
echo '/* mocap/markerset_text.c: GENERATED from the .markers files in mocap/markersets/ (the test'
echo ' * motion_ik/markerset_embedded_equals_file checks they are equal). Regenerate from the repository root:'
echo ' *   sh mocap/markersets/embed.sh > mocap/markerset_text.c */'
echo '#include "mocap/markerset.h"'
echo '#include <string.h>'
for s in $sets; do
  echo
  echo "static const char text_$s[] ="
  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/    "/' -e 's/$/\\n"/' "mocap/markersets/$s.markers"
  echo '    ;'
done
echo
echo 'static const char *const names[] = {'
for s in $sets; do echo "    \"$s\","; done
echo '    NULL};'
echo 'static const char *const texts[] = {'
for s in $sets; do echo "    text_$s,"; done
echo '    NULL};'
echo
echo 'const char *markerset_embedded_name(int i) { return i >= 0 && i < MS_NSETS ? names[i] : NULL; }'
echo 'const char *markerset_embedded_text(int i) { return i >= 0 && i < MS_NSETS ? texts[i] : NULL; }'
echo 'const char *markerset_default_text(void) { return text_lowerbody; }'
