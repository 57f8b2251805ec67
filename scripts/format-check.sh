#!/usr/bin/env bash
# Fail if any tracked C source or header differs from what the committed .clang-format gives.
set -uo pipefail
cd "$(dirname "$0")/.."
command -v clang-format >/dev/null || { echo "format-check: clang-format not installed"; exit 1; }
bad=0; n=0
while IFS= read -r f; do
  n=$((n + 1))
  if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
    echo "format-check: $f is not formatted (run: clang-format -i $f)"; bad=$((bad + 1))
  fi
done < <(git ls-files '*.c' '*.h' 2>/dev/null || find . -name '*.[ch]' -not -path './build*')
echo "format-check: $n files, $bad not formatted"
[ "$bad" -eq 0 ]
