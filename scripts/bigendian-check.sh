#!/usr/bin/env bash
# The core's unit tests on a big-endian machine: the codecs claim explicit little-endian
# serialisation (no packed structs, no host-order casts), and this proves it. Cross-compiles the
# core and tests/unit for s390x (Debian's gcc-s390x-linux-gnu + libcmocka-dev:s390x) and runs
# them under qemu-user. scripts/deps.sh test installs all of that.
#
# usage: scripts/bigendian-check.sh [BUILD_DIR]     (default: build/bigendian)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/build/bigendian}
for tool in s390x-linux-gnu-gcc qemu-s390x; do
    command -v "$tool" >/dev/null || { echo "bigendian-check: $tool not installed (scripts/deps.sh test)"; exit 1; }
done
cmake -S "$ROOT" -B "$OUT" -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-s390x-linux-gnu.cmake" \
    -DCMAKE_BUILD_TYPE=Debug -DESPLOADER_BUILD_SIM=OFF -DESPLOADER_BUILD_CLI=OFF \
    -DESPLOADER_BUILD_EXAMPLES=OFF -DESPLOADER_BUILD_BENCH=OFF >/dev/null
# The unit_<name> programs of tests/unit's foreach(name ...) list (it may span lines).
mapfile -t tests < <(awk '/^foreach\(name /{on=1} on{print} on && /\)/{exit}' "$ROOT/tests/unit/CMakeLists.txt" |
    sed 's/foreach(name//; s/)//' | tr -s ' \t' '\n\n' | grep -v '^$' | sed 's/^/unit_/')
[ ${#tests[@]} -gt 0 ] || { echo "bigendian-check: no unit tests found in tests/unit/CMakeLists.txt"; exit 1; }
cmake --build "$OUT" -j"${JOBS:-2}" --target "${tests[@]}" >/dev/null
# Prove the emulated target really is big-endian before trusting a pass.
printf '#include <stdint.h>\nint main(void){uint32_t v=1; return *(uint8_t *)&v;}\n' >"$OUT/be.c"
s390x-linux-gnu-gcc "$OUT/be.c" -o "$OUT/be"
qemu-s390x "$OUT/be" || { echo "bigendian-check: the emulated target is not big-endian"; exit 1; }
echo "bigendian-check: running ${#tests[@]} unit test programs on s390x (big-endian) under qemu-user"
# Exactly the programs built above (other unit_* tests need host-only parts: zlib, hostlib).
ctest --test-dir "$OUT" -R "^($(IFS='|'; echo "${tests[*]}"))\$" --output-on-failure
