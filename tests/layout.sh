#!/bin/bash
# tests/layout.sh [SOURCE_ROOT]: every #include "X/..." in a folder names a folder that README.md's
# layout table lets it include ("may include" column: "-" nothing, "a, b" those, "all", "all but a, b").
# A folder may always include itself. Includes without a folder ("d2m_build.h", <system.h>) are not
# checked. Exits 1 and lists file:line of every forbidden include.
set -u
root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root" || exit 2
readme=README.md
[ -f "$readme" ] || { echo "layout: no $readme in $root"; exit 2; }

# "folder|may include" for each row of the table under "## Layout" whose first cell is `folder/`.
rows=$(awk '/^## /{inlayout = ($0 == "## Layout")} inlayout && /^\| `[a-z_]+\/` \|/' "$readme" |
  awk -F'|' '{f = $2; gsub(/[ `\/]/, "", f); m = $(NF-1); gsub(/^ +| +$/, "", m); print f "|" m}')
[ -n "$rows" ] || { echo "layout: no layout table rows found in $readme (## Layout)"; exit 2; }
folders=$(printf '%s\n' "$rows" | cut -d'|' -f1 | tr '\n' ' ')

# The folders that `folder` may include, given its column text.
allowed_for() {
  local col=$1 out=""
  case "$col" in
    -|"") ;;
    all) out=$folders ;;
    "all but "*)
      local except=" $(echo "${col#all but }" | tr -d ',') "
      for f in $folders; do case "$except" in *" $f "*) ;; *) out="$out $f" ;; esac; done ;;
    *) out=$(echo "$col" | tr -d ',') ;;
  esac
  echo " $out "
}

# One grep and one awk per folder: file:line:#include "x/y.h" -> the includes naming another folder
# that is not allowed.
bad=0 checked=0
while IFS='|' read -r folder col; do
  [ -d "$folder" ] || continue
  allowed=$(allowed_for "$col")
  out=$(grep -rnE '^[[:space:]]*#[[:space:]]*include[[:space:]]*"[^"/]+/' --include='*.c' --include='*.h' "$folder" |
    awk -v folder="$folder" -v allowed="$allowed" -v col="${col:--}" '
      { n++; split($0, p, ":"); inc = $0; sub(/^[^"]*"/, "", inc); sub(/".*/, "", inc); t = inc; sub(/\/.*/, "", t)
        if (t != folder && index(allowed, " " t " ") == 0)
          printf "layout: %s:%s includes \"%s\": %s/ may include only: %s (README.md, Layout)\n", p[1], p[2], inc, folder, col }
      END { printf "%d\n", n }')
  checked=$((checked + $(printf '%s\n' "$out" | tail -n 1)))
  errs=$(printf '%s\n' "$out" | sed '$d')
  if [ -n "$errs" ]; then
    printf '%s\n' "$errs"
    bad=$((bad + $(printf '%s\n' "$errs" | wc -l)))
  fi
done <<< "$rows"

if [ "$bad" -gt 0 ]; then
  echo "layout: $bad forbidden includes"
  exit 1
fi
echo "layout: $checked includes checked in: $folders- all allowed"
