#!/usr/bin/env bash
# The whole test suite (README command 2): install what is missing, build everything with
# ASan/UBSan, run every ctest test (unit, sim, e2e, conformance, example, footprint, nm), then a
# short fuzzing run. Exit status is non-zero if anything failed.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build-check}
JOBS=${JOBS:-$(nproc 2>/dev/null || echo 2)}

scripts/deps.sh test
if [ -f package-lock.json ]; then
  # esptool-js: the independent conformance client, and the flasher-stub images the CLI loads.
  npm ci --no-audit --no-fund --loglevel=error
fi

cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DESPLOADER_SANITIZE=ON >/dev/null
cmake --build "$BUILD" -j"$JOBS"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
# Fuzz first so that ctest's summary line is the last thing printed.
if [ -x scripts/fuzz.sh ]; then
  echo "== fuzzing every parser of outside input (${FUZZ_SECONDS:-10} s per target)"
  scripts/fuzz.sh "${FUZZ_SECONDS:-10}" || status=$?
fi
echo "== the core's unit tests on big-endian s390x (qemu-user)"
scripts/bigendian-check.sh "$BUILD/bigendian" || status=$?
ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS" --timeout 600 || status=$?
exit $status
