#!/usr/bin/env bash
# Prove from object files that the core (src/) is freestanding: no allocation, no stdio/OS
# calls, no mutable static data. Compiles the core for the host and, when available, for
# arm-none-eabi (Cortex-M4), then inspects every object with nm/objdump.
#
# usage: scripts/nm-check.sh [BUILD_DIR]     (default: build/nm-check)
# Compiled with logging at its most verbose (level 4), so every log call is in the objects.
# Fails (exit 1) if any object
#   - references malloc/calloc/realloc/free, stdio (printf, fopen, ...) or OS calls,
#   - has a .data/.bss/COMMON symbol or a non-empty .data*/.bss* section,
#   - includes a hosted-only header (stdio.h, stdlib.h, unistd.h, sys/..., ...),
#   - defines an external symbol without the project's prefixes: esploader_ (public API) or
#     espl_ (core-internal), so the core links beside ESP-IDF or esp-serial-flasher,
#   - does not compile warning-free with the core's stricter warnings (WARN below), with gcc
#     and, when installed, clang, riscv64-unknown-elf (RV32IMC) and xtensa-lx106-elf (the
#     ESP8266 as a host).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/build/nm-check}
mkdir -p "$OUT"

# The core's source list: src/sources.cmake if the core author provides one, else src/*.c.
core_sources() {
    if [ -f "$ROOT/src/sources.cmake" ]; then
        grep -oE '[A-Za-z0-9_/]+\.c' "$ROOT/src/sources.cmake" | sed 's#^src/##' | sort -u |
            while read -r f; do [ -f "$ROOT/src/$f" ] && echo "$ROOT/src/$f"; done
    else
        ls "$ROOT"/src/*.c
    fi
}
mapfile -t SOURCES < <(core_sources)
if [ ${#SOURCES[@]} -eq 0 ]; then
    echo "nm-check: no core sources found under $ROOT/src" >&2
    exit 1
fi

FORBIDDEN_CALLS='^(malloc|calloc|realloc|free|aligned_alloc|posix_memalign|reallocarray|strdup|strndup|printf|fprintf|sprintf|snprintf|vprintf|vfprintf|vsprintf|vsnprintf|puts|fputs|putchar|fputc|fopen|fclose|fread|fwrite|fflush|fseek|ftell|perror|exit|_exit|abort|atexit|time|clock|clock_gettime|gettimeofday|sleep|usleep|nanosleep|open|close|read|write|ioctl|select|poll|signal|getenv|rand|srand|assert|__assert_fail|__assert_func|_sbrk|sbrk)$'
FORBIDDEN_HEADERS='^(stdio|stdlib|unistd|time|malloc|termios|fcntl|signal|pthread|windows|errno|assert|setjmp)\.h$|^sys/'

# The core's warning ratchet (also in src/CMakeLists.txt): stricter than the rest of the tree.
WARN=(-Wconversion -Wsign-conversion -Wshadow -Wstrict-prototypes -Wmissing-prototypes)

fail=0
status() { echo "nm-check: $*"; }
bad() {
    echo "nm-check: FAIL: $*"
    fail=1
}

# 1. Headers: the core may include only freestanding headers (plus string.h for mem*).
status "sources (${#SOURCES[@]}): $(for s in "${SOURCES[@]}"; do basename "$s"; done | tr '\n' ' ')"
while read -r file hdr; do
    if [[ $hdr =~ $FORBIDDEN_HEADERS ]]; then
        bad "$(basename "$file") includes <$hdr>"
    fi
done < <(grep -HoE '^[[:space:]]*#[[:space:]]*include[[:space:]]*<[^>]+>' "$ROOT"/src/*.c "$ROOT"/src/*.h |
    sed -E 's/:.*<([^>]+)>/ \1/')
status "system headers used: $(grep -hoE '#[[:space:]]*include[[:space:]]*<[^>]+>' "$ROOT"/src/*.c "$ROOT"/src/*.h |
    sed -E 's/.*<([^>]+)>/\1/' | sort -u | tr '\n' ' ')"

# 2. Compile and inspect, per toolchain.
check_toolchain() {
    local name=$1 cc=$2 nm=$3 objdump=$4
    shift 4
    local dir="$OUT/$name" objs=() src obj
    mkdir -p "$dir"
    for src in "${SOURCES[@]}"; do
        obj="$dir/$(basename "${src%.c}").o"
        "$cc" -std=c99 -Wall -Wextra -Werror "${WARN[@]}" -Os -ffunction-sections -fdata-sections \
            -DESPLOADER_LOG_LEVEL=4 "$@" -I"$ROOT/include" -I"$ROOT/src" -c "$src" -o "$obj"
        objs+=("$obj")
    done
    status "$name: compiled ${#objs[@]} objects with $cc $*"

    # Undefined symbols not defined by another core object = what the core needs from outside.
    local defined undefined external
    defined=$("$nm" -g --defined-only "${objs[@]}" | awk 'NF==3{print $3}' | sort -u)
    undefined=$("$nm" -u "${objs[@]}" | awk 'NF==2{print $2}' | sort -u)
    external=$(comm -23 <(echo "$undefined") <(echo "$defined") | sed '/^$/d')
    status "$name: external references: $(echo "$external" | tr '\n' ' ')"
    local sym
    while read -r sym; do
        [ -z "$sym" ] && continue
        if [[ $sym =~ $FORBIDDEN_CALLS ]]; then
            bad "$name: the core references $sym ($("$nm" -A -u "${objs[@]}" | grep -w "$sym" |
                sed -E 's#.*/([^/:]+\.o):.*#\1#' | sort -u | tr '\n' ' '))"
        fi
    done <<<"$external"

    # Every external symbol the core defines carries one of the two prefixes.
    local unprefixed
    unprefixed=$(echo "$defined" | grep -vE '^(esploader_|espl_)' | sed '/^$/d' || true)
    if [ -n "$unprefixed" ]; then
        bad "$name: external symbols without the esploader_/espl_ prefix: $(echo "$unprefixed" | tr '\n' ' ')"
    else
        status "$name: all $(echo "$defined" | wc -l) external symbols carry esploader_/espl_"
    fi

    # Symbols placed in writable data: .data*/.bss*/COMMON. Tables of pointers that are const
    # land in .data.rel.ro* on PIE hosts: read-only after relocation, so they are not counted.
    local dsyms
    dsyms=$("$objdump" -t "${objs[@]}" | awk '
        /file format/ { f = $1; sub(/:$/, "", f); next }
        NF >= 5 && $(NF-2) ~ /^(\.(data|bss|sdata|sbss|tdata|tbss)(\..*)?|\*COM\*)$/ &&
            $(NF-2) !~ /^\.data\.rel\.ro/ && $(NF-1) !~ /^0+$/ && $NF != $(NF-2) {
            print f ": " $NF " in " $(NF-2) " (" $(NF-1) " bytes, hex)" }')
    if [ -n "$dsyms" ]; then
        bad "$name: symbols in writable data:"
        echo "$dsyms" | sed 's#.*/##; s/^/    /'
    else
        status "$name: no symbols in .data/.bss/COMMON"
    fi

    # Non-empty writable sections (catches anonymous statics and string tables too).
    local secs
    secs=$("$objdump" -h "${objs[@]}" | awk '
        /file format/ { f = $1; sub(/:$/, "", f) }
        $2 ~ /^\.(data|bss|sdata|sbss|tdata|tbss)/ && $2 !~ /^\.data\.rel\.ro/ && $3 !~ /^0+$/ {
            print f ": " $2 " " $3 " bytes (hex)" }')
    if [ -n "$secs" ]; then
        bad "$name: non-empty writable data sections:"
        echo "$secs" | sed 's#.*/##; s/^/    /'
    else
        status "$name: all .data/.bss sections empty"
    fi
    local relro
    relro=$("$objdump" -h "${objs[@]}" | awk '$2 ~ /^\.data\.rel\.ro/ && $3 !~ /^0+$/' | wc -l)
    [ "$relro" -gt 0 ] && status "$name: $relro const pointer table(s) in .data.rel.ro (read-only after relocation; PIE host only)"
    return 0
}

check_toolchain host "${CC:-cc}" nm objdump
if command -v clang >/dev/null 2>&1; then
    check_toolchain clang clang nm objdump -ffreestanding
else
    status "clang not found: clang build skipped"
fi
if command -v arm-none-eabi-gcc >/dev/null 2>&1; then
    check_toolchain arm-none-eabi arm-none-eabi-gcc arm-none-eabi-nm arm-none-eabi-objdump \
        -mthumb -mcpu=cortex-m4 -ffreestanding
else
    status "arm-none-eabi-gcc not found: cross check skipped"
fi
if command -v riscv64-unknown-elf-gcc >/dev/null 2>&1; then
    check_toolchain riscv64-unknown-elf riscv64-unknown-elf-gcc riscv64-unknown-elf-nm \
        riscv64-unknown-elf-objdump -march=rv32imc -mabi=ilp32 -ffreestanding
fi
# The ESP8266 as a host (Debian's gcc-xtensa-lx106, no libc: -ffreestanding). -mlongcalls as
# the ESP8266 SDK builds, so calls can reach the ROM and flash-mapped code.
if command -v xtensa-lx106-elf-gcc >/dev/null 2>&1; then
    check_toolchain xtensa-lx106 xtensa-lx106-elf-gcc xtensa-lx106-elf-nm xtensa-lx106-elf-objdump \
        -mlongcalls -ffreestanding
else
    status "xtensa-lx106-elf-gcc not found: ESP8266-host build skipped"
fi

if [ $fail -ne 0 ]; then
    echo "nm-check: FAILED"
    exit 1
fi
echo "nm-check: OK (no allocation, no stdio/OS calls, no .data/.bss in the core)"
