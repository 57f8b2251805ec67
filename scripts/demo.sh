#!/usr/bin/env bash
# README command 1 (`make demo` builds, then calls this): flash a virtual ESP32 from the
# generated binaries folder with the flash_multiple_partitions example, then check that the
# simulated flash holds exactly those binaries at their offsets. No hardware needed.
# Usage: scripts/demo.sh [BUILD_DIR] [extra example options, e.g. --sim ESP32-C3]
set -euo pipefail
BUILD=${1:-build}
shift || true
exe="$BUILD/examples/flash_multiple_partitions/flash_multiple_partitions"
if [ ! -x "$exe" ]; then
  echo "demo: $exe is not built; run 'make' (or cmake --build $BUILD) first" >&2
  exit 1
fi
echo "== flash_multiple_partitions against the built-in virtual ESP32 (binaries: $BUILD/binaries)"
status=0
"$exe" --sim ESP32 --check "$@" || status=$?
if [ $status -eq 0 ]; then
  echo "== demo: OK (programming log above; the flash check compared the virtual chip's flash)"
else
  echo "== demo: FAILED (exit status $status)" >&2
fi
exit $status
