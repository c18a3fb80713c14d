#!/bin/bash
# tools/format-check.sh [--fix] [FILE...]: check the C sources against .clang-format.
#
# Without --fix: print, per file, how many lines clang-format would change, and the total;
# exit 1 if any would change (0 if none).  With --fix: reformat the files in place.
# FILE... defaults to every tracked *.c and *.h.  Also: `meson compile -C build format-check`.
set -euo pipefail
cd "$(dirname "$0")/.."

fix=false
if [ "${1:-}" = --fix ]; then
  fix=true
  shift
fi
command -v clang-format >/dev/null || { echo "format-check: clang-format is not installed (apt-get install clang-format)" >&2; exit 2; }

if [ $# -gt 0 ]; then
  files=("$@")
else
  mapfile -t files < <(git ls-files '*.c' '*.h')
fi

if $fix; then
  clang-format -i --style=file "${files[@]}"
  exit 0
fi

total=0
changed=0
for f in "${files[@]}"; do
  n=$(clang-format --style=file "$f" | diff -U0 "$f" - | grep -c '^-[^-]' || true)
  if [ "$n" -gt 0 ]; then
    printf '%6d %s\n' "$n" "$f"
    total=$((total + n))
    changed=$((changed + 1))
  fi
done
echo "format-check: $total lines in $changed of ${#files[@]} files would change (tools/format-check.sh --fix)"
[ "$total" = 0 ]
