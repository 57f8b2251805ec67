#!/usr/bin/env bash
# Fuzz the simulator's frame and command handling with libFuzzer for a short while.
#
#   scripts/fuzz.sh [SECONDS]        (default 20; FUZZ_BUILD=dir to build elsewhere)
#
# Builds tests/fuzz/fuzz_sim_frames.c with the sim core and link using clang
# (-fsanitize=fuzzer,address,undefined) outside the CMake build, seeds the corpus with the
# golden ROM traces' host frames and built-in sessions for every chip, and runs. Exits non-zero
# if libFuzzer finds a crash, a sanitizer report or a broken invariant (the reproducer is left
# in the build folder as crash-*).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-20}
OUT=${FUZZ_BUILD:-build-fuzz}

CC=${FUZZ_CC:-}
if [ -z "$CC" ]; then
  for c in clang clang-14 clang-15 clang-16 clang-17 clang-18; do
    if command -v "$c" >/dev/null 2>&1; then CC=$c; break; fi
  done
fi
if [ -z "$CC" ]; then
  echo "fuzz.sh: no clang found; skipping the fuzzing run" >&2
  exit 0
fi

core_sources=(sim/core/*.c)
if [ ! -e "${core_sources[0]}" ]; then
  echo "fuzz.sh: sim/core has no sources yet; nothing to fuzz" >&2
  exit 1
fi
mkdir -p "$OUT"
common=(-std=c99 -g -O1 -fno-omit-frame-pointer -Isim/include -Isim/core -Itests/fuzz
        -fsanitize=address,undefined -fno-sanitize-recover=all)
libs=()
if [ -f /usr/include/zlib.h ]; then libs+=(-lz); fi

echo "fuzz.sh: building with $CC"
# The seed writer / replay runner (no libFuzzer main), then the fuzzer itself.
"$CC" "${common[@]}" -o "$OUT/fuzz_replay" tests/fuzz/fuzz_sim_frames.c tests/fuzz/fuzz_seeds.c \
  tests/fuzz/fuzz_replay_main.c sim/link/sim_link.c "${core_sources[@]}" "${libs[@]}"
"$CC" "${common[@]}" -fsanitize=fuzzer -o "$OUT/fuzz_sim_frames" tests/fuzz/fuzz_sim_frames.c \
  sim/link/sim_link.c "${core_sources[@]}" "${libs[@]}"

rm -rf "$OUT/seeds"
mkdir -p "$OUT/seeds" "$OUT/corpus"
"$OUT/fuzz_replay" --write-corpus "$OUT/seeds" --builtin --traces tests/traces

echo "fuzz.sh: fuzzing for ${SECONDS_TO_RUN} s"
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$OUT"
./fuzz_sim_frames -max_total_time="$SECONDS_TO_RUN" -timeout=20 -rss_limit_mb=2048 \
  -max_len=65536 -print_final_stats=1 corpus seeds
