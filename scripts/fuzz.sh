#!/usr/bin/env bash
# Fuzz every parser of outside input with libFuzzer (docs/reliability.md lists the targets and
# what each checks), each for a given time, one after the other, and print a table of execs
# and crashes per target.
#
#   scripts/fuzz.sh [SECONDS_EACH] [TARGET...]   (default 10 s each, all targets;
#                                                 FUZZ_BUILD=dir builds elsewhere,
#                                                 FUZZ_CC=clang-NN picks the compiler,
#                                                 FUZZ_RUNS=N also ends a target after
#                                                 N execs, whichever comes first)
#
# Targets: sim_frames rfc2217 (the simulator's frame handling and its RFC2217 server codec),
# slip resp target (the library's SLIP and response decoders, and the whole library against a
# hostile target: connect's boot-log handling, every reply in context), reset (custom reset
# strings), idf stub_json parttable image args (the CLI's readers of flasher_args.json, stub
# JSON + base64; hostlib's partition tables, binary and CSV, and image headers; number
# arguments and port URLs),
# posix_rfc2217 (the POSIX port's RFC2217 client codec); and deflate (the core's compressor:
# inflate(compress(x)) == x, checked with zlib).
#
# Each is built with clang -fsanitize=fuzzer,address,undefined outside the CMake build, seeded
# from its built-in corpus (written by the target's replay runner; the sim-frame seeds come
# from the golden ROM traces too) plus whatever a previous run left in corpus-<target>/, and
# run. Exits non-zero if libFuzzer finds a crash, a sanitizer report, a leak or a broken
# invariant; the reproducer stays in the build folder as <target>/crash-* (replay it with the
# replay runner, e.g. "$FUZZ_BUILD/replay_slip" crash-...).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-10}
shift || true
OUT=${FUZZ_BUILD:-build-fuzz}
ROOT=$PWD

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

all_targets=(sim_frames rfc2217 slip resp target reset idf stub_json parttable image args
             posix_rfc2217 deflate)
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then targets=("${all_targets[@]}"); fi

core=()
while read -r f; do core+=("src/$f"); done < <(sed -n 's/^ *\([a-z_0-9]*\.c\)$/\1/p' src/sources.cmake)
sim_core=(sim/core/*.c)
posix_port=(port/posix/posix_port.c port/posix/posix_serial.c port/posix/posix_baud.c
            port/posix/posix_rfc2217.c port/posix/posix_gpio.c)
common=(-std=c99 -g -O1 -fno-omit-frame-pointer -Iinclude -Isrc -Icli -Ihostlib -Isim/include
        -Isim/core -Isim/app -Iport/sim -Iport/posix -Itests/fuzz -D_DEFAULT_SOURCE
        -D_POSIX_C_SOURCE=200809L -DESPLOADER_LOG_LEVEL=0 -DFUZZ_SEEDS_FROM_SIM=1
        -fsanitize=address,undefined -fno-sanitize-recover=all)
have_zlib=0; [ -f /usr/include/zlib.h ] && have_zlib=1
have_cjson=0; [ -f /usr/include/cjson/cJSON.h ] && have_cjson=1

# sources and libraries per target (the target file itself is tests/fuzz/fuzz_<t>.c)
sources_of() {
  case $1 in
    slip | resp | reset) echo "${core[*]}" ;;
    target) echo "${core[*]} sim/link/sim_link.c port/sim/esploader_port_sim.c ${sim_core[*]}" ;;
    idf) echo "cli/idf.c cli/util.c" ;;
    stub_json) echo "cli/stub.c cli/base64.c cli/chipname.c cli/util.c ${core[*]}" ;;
    parttable) echo "hostlib/eh_parttable.c hostlib/eh_pt_iter.c ${core[*]}" ;;
    image) echo "hostlib/eh_image.c hostlib/eh_sha256.c ${core[*]}" ;;
    args) echo "cli/util.c hostlib/eh_image.c hostlib/eh_sha256.c ${posix_port[*]} ${core[*]}" ;;
    posix_rfc2217) echo "port/posix/posix_net.c ${posix_port[*]} ${core[*]}" ;;
  esac
}
libs_of() {
  case $1 in
    target | sim_frames) [ $have_zlib = 1 ] && echo "-lz" ;;
    idf | stub_json) echo "-lcjson" ;;
  esac
  return 0
}

mkdir -p "$OUT/obj"
echo "fuzz.sh: building ${#targets[@]} targets with $CC"
# Every source is compiled once, with coverage instrumentation (fuzzer-no-link), and linked
# into both the replay runner and the libFuzzer binary.
# An object is rebuilt when its source or any header of the tree is newer (a header that changes
# a struct's layout must not leave objects of two layouts linked together).
# (On a fresh build there is no stamp yet: find then fails, which must not end the script.)
newest_header=$(find include src sim cli hostlib port tests/fuzz tests/deflate -name '*.h' \
  -newer "$OUT/obj/.stamp" 2>/dev/null | head -1 || true)
if [ -n "$newest_header" ] || [ ! -f "$OUT/obj/.stamp" ]; then
  rm -f "$OUT"/obj/*.o
fi
touch "$OUT/obj/.stamp"
objs() {
  local f o
  for f in "$@"; do
    o="$OUT/obj/${f//\//_}.o"
    if [ ! -f "$o" ] || [ "$f" -nt "$o" ]; then
      "$CC" "${common[@]}" -fsanitize=fuzzer-no-link $obj_defs -c "$f" -o "$o"
    fi
    echo "$o"
  done
}
link() { # out sources... (fuzzer binaries add -fsanitize=fuzzer)
  local out=$1
  shift
  # shellcheck disable=SC2046
  "$CC" "${common[@]}" $link_extra -o "$OUT/$out" $(objs "$@") $libs
}
build_one() {
  local t=$1 obj_defs="" link_extra="" libs
  libs=$(libs_of "$t")
  case $t in
    sim_frames)
      link replay_sim_frames tests/fuzz/fuzz_sim_frames.c tests/fuzz/fuzz_seeds.c \
        tests/fuzz/fuzz_replay_main.c sim/link/sim_link.c "${sim_core[@]}"
      link_extra=-fsanitize=fuzzer
      link fuzz_sim_frames tests/fuzz/fuzz_sim_frames.c sim/link/sim_link.c "${sim_core[@]}"
      ;;
    deflate)
      if [ $have_zlib = 0 ]; then
        echo "fuzz.sh: deflate needs zlib (zlib1g-dev); skipped" >&2
        return 0
      fi
      local defl=(tests/fuzz/fuzz_deflate.c tests/deflate/deflate_check.c src/deflate.c
                  src/proto.c -Itests/deflate -lz)
      "$CC" "${common[@]}" -DFUZZ_DEFLATE_REPLAY -o "$OUT/replay_deflate" "${defl[@]}"
      "$CC" "${common[@]}" -fsanitize=fuzzer -o "$OUT/fuzz_deflate" "${defl[@]}"
      ;;
    rfc2217)
      link replay_rfc2217 tests/fuzz/fuzz_rfc2217.c tests/fuzz/fuzz_rfc2217_replay.c \
        sim/app/rfc2217_server.c
      link_extra=-fsanitize=fuzzer
      link fuzz_rfc2217 tests/fuzz/fuzz_rfc2217.c sim/app/rfc2217_server.c
      ;;
    *)
      if { [ "$t" = idf ] || [ "$t" = stub_json ]; } && [ $have_cjson = 0 ]; then
        echo "fuzz.sh: $t needs cJSON (libcjson-dev); skipped" >&2
        return 0
      fi
      # shellcheck disable=SC2046
      link "replay_$t" "tests/fuzz/fuzz_$t.c" tests/fuzz/fuzz_main.c $(sources_of "$t")
      link_extra=-fsanitize=fuzzer # libFuzzer brings main(); fuzz_fail() comes from a shim
      # shellcheck disable=SC2046
      link "fuzz_$t" "tests/fuzz/fuzz_$t.c" tests/fuzz/fuzz_fail.c $(sources_of "$t")
      ;;
  esac
}
for t in "${targets[@]}"; do build_one "$t"; done

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
cd "$OUT"
status=0
run_one() {
  local t=$1
  [ -x "fuzz_$t" ] || return 0
  mkdir -p "$t" "$t/seeds" "$t/corpus"
  rm -rf "$t/seeds"/*
  case $t in
    sim_frames) ./replay_sim_frames --write-corpus "$t/seeds" --builtin --traces "$ROOT/tests/traces" >/dev/null ;;
    rfc2217) ./replay_rfc2217 --mutations 0 --write-seed "$t/seeds/client-session" >/dev/null ;;
    deflate) ./replay_deflate --inputs 60 --write-seeds "$t/seeds" >/dev/null ;;
    *) "./replay_$t" --write-seeds "$t/seeds" >/dev/null ;;
  esac
  local max_len=4096
  case $t in sim_frames | target) max_len=65536 ;; deflate) max_len=131072 ;; esac
  local rc=0 runs=() t0 t1
  [ -n "${FUZZ_RUNS:-}" ] && runs=(-runs="$FUZZ_RUNS")
  t0=$(date +%s)
  (cd "$t" && "../fuzz_$t" -max_total_time="$SECONDS_EACH" "${runs[@]}" -timeout=20 \
    -rss_limit_mb=2048 -max_len=$max_len -print_final_stats=1 corpus seeds >log.txt 2>&1) || rc=$?
  t1=$(date +%s)
  local n
  n=$(sed -n 's/^stat::number_of_executed_units: *//p' "$t/log.txt" | tail -1)
  local c
  c=$(find "$t" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | wc -l)
  printf 'fuzz.sh: %-14s %4s s  %12s execs  %s crashes%s\n' "$t" "$((t1 - t0))" "${n:-?}" "$c" \
    "$([ $rc -ne 0 ] && echo "  (exit $rc: see $OUT/$t/log.txt)")"
  if [ $rc -ne 0 ] || [ "$c" -gt 0 ]; then
    tail -30 "$t/log.txt" >&2
    return 1
  fi
}
for t in "${targets[@]}"; do run_one "$t" || status=1; done
exit $status
