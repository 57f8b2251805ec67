#!/usr/bin/env bash
# Fuzz the simulator's frame and command handling, esploader-sim's RFC2217 server codec and the
# core's deflate compressor (inflate(compress(x)) == x), with libFuzzer for a short while.
#
#   scripts/fuzz.sh [SECONDS]        (default 20, shared by the three targets; FUZZ_BUILD=dir
#                                     to build elsewhere, FUZZ_CC=clang-NN to pick a compiler)
#
# Builds tests/fuzz/fuzz_sim_frames.c (with the sim core and link), tests/fuzz/fuzz_rfc2217.c and
# tests/fuzz/fuzz_deflate.c (src/deflate.c, checked with zlib; needs zlib1g-dev)
# using clang -fsanitize=fuzzer,address,undefined outside the CMake build, seeds the corpora
# (the golden ROM traces' host frames and built-in sessions for every chip; a client session
# for RFC2217), and runs each. Exits non-zero if libFuzzer finds a crash, a sanitizer report
# or a broken invariant (the reproducer is left in the build folder as crash-*; replay it with
# FUZZ_TRACE=1 "$FUZZ_BUILD/fuzz_replay" crash-... to see the operations and the chip's output).
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
common=(-std=c99 -g -O1 -fno-omit-frame-pointer -Isim/include -Isim/core -Isim/app -Itests/fuzz
        -fsanitize=address,undefined -fno-sanitize-recover=all)
libs=()
if [ -f /usr/include/zlib.h ]; then libs+=(-lz); fi

echo "fuzz.sh: building with $CC"
# Replay runners (no libFuzzer main; they also write the seeds), then the fuzzers.
"$CC" "${common[@]}" -o "$OUT/fuzz_replay" tests/fuzz/fuzz_sim_frames.c tests/fuzz/fuzz_seeds.c \
  tests/fuzz/fuzz_replay_main.c sim/link/sim_link.c "${core_sources[@]}" "${libs[@]}"
"$CC" "${common[@]}" -fsanitize=fuzzer -o "$OUT/fuzz_sim_frames" tests/fuzz/fuzz_sim_frames.c \
  sim/link/sim_link.c "${core_sources[@]}" "${libs[@]}"
"$CC" "${common[@]}" -o "$OUT/fuzz_rfc2217_replay" tests/fuzz/fuzz_rfc2217.c \
  tests/fuzz/fuzz_rfc2217_replay.c sim/app/rfc2217_server.c
"$CC" "${common[@]}" -fsanitize=fuzzer -o "$OUT/fuzz_rfc2217" tests/fuzz/fuzz_rfc2217.c \
  sim/app/rfc2217_server.c

defl=(-std=c99 -g -O1 -fno-omit-frame-pointer -Iinclude -Isrc -Itests/deflate
      -fsanitize=address,undefined -fno-sanitize-recover=all tests/fuzz/fuzz_deflate.c
      tests/deflate/deflate_check.c src/deflate.c src/proto.c -lz)
"$CC" "${defl[@]}" -DFUZZ_DEFLATE_REPLAY -o "$OUT/fuzz_deflate_replay"
"$CC" "${defl[@]}" -fsanitize=fuzzer -o "$OUT/fuzz_deflate"

rm -rf "$OUT/seeds" "$OUT/seeds-rfc2217" "$OUT/seeds-deflate"
mkdir -p "$OUT/seeds" "$OUT/corpus" "$OUT/seeds-rfc2217" "$OUT/corpus-rfc2217" \
  "$OUT/seeds-deflate" "$OUT/corpus-deflate"
"$OUT/fuzz_replay" --write-corpus "$OUT/seeds" --builtin --traces tests/traces
"$OUT/fuzz_rfc2217_replay" --mutations 0 --write-seed "$OUT/seeds-rfc2217/client-session"

"$OUT/fuzz_deflate_replay" --inputs 60 --write-seeds "$OUT/seeds-deflate" >/dev/null

# The chip model gets most of the time; the telnet codec and the compressor are small.
rfc_seconds=$((SECONDS_TO_RUN / 5))
if [ "$rfc_seconds" -lt 2 ]; then rfc_seconds=2; fi
defl_seconds=$rfc_seconds
frame_seconds=$((SECONDS_TO_RUN - rfc_seconds - defl_seconds))
if [ "$frame_seconds" -lt 2 ]; then frame_seconds=2; fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$OUT"
status=0
echo "fuzz.sh: fuzzing the simulator's frame handling for ${frame_seconds} s"
./fuzz_sim_frames -max_total_time="$frame_seconds" -timeout=20 -rss_limit_mb=2048 \
  -max_len=65536 -print_final_stats=1 corpus seeds || status=$?
echo "fuzz.sh: fuzzing esploader-sim's RFC2217 codec for ${rfc_seconds} s"
./fuzz_rfc2217 -max_total_time="$rfc_seconds" -timeout=10 -max_len=4096 \
  -print_final_stats=1 corpus-rfc2217 seeds-rfc2217 || status=$?
echo "fuzz.sh: fuzzing the core's deflate compressor for ${defl_seconds} s"
./fuzz_deflate -max_total_time="$defl_seconds" -timeout=20 -max_len=131072 \
  -print_final_stats=1 corpus-deflate seeds-deflate || status=$?
exit $status
