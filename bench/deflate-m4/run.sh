#!/usr/bin/env bash
# Cortex-M4 cost of the core's deflate compressor: builds bench/deflate-m4 (a bare-metal
# firmware of its own: vector table, reset handler, linker script; no newlib) with
# arm-none-eabi-gcc -Os -mcpu=cortex-m4 -mthumb, and runs it under qemu-system-arm on the
# mps2-an386 board with -icount shift=0, so virtual time counts instructions (1 ns each) and
# SysTick (25 MHz) measures them in steps of 40. Prints instructions per KB of input per file
# and chain depth, and a calibration line (a 2,000,000-instruction loop measured the same way).
# Instructions, not cycles: QEMU does not model the M4 pipeline or flash wait states; a real
# M4 spends roughly 1.2-1.6 cycles per instruction on code like this (loads, taken branches).
#
# usage: bench/deflate-m4/run.sh [-cN ...] FILE...    (default chain depths 8 and 32)
#        needs arm-none-eabi-gcc and qemu-system-arm (apt-get install qemu-system-arm)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${BUILD:-$ROOT/build/deflate-m4}
mkdir -p "$OUT"
for t in arm-none-eabi-gcc qemu-system-arm; do
    command -v $t >/dev/null || {
        echo "deflate-m4: $t not found" >&2
        exit 1
    }
done
arm-none-eabi-gcc -std=c99 -Os -mcpu=cortex-m4 -mthumb -ffunction-sections -fdata-sections \
    -ffreestanding -nostdlib -Wall -Wextra -Werror -I"$ROOT/include" -I"$ROOT/src" \
    -T "$ROOT/bench/deflate-m4/link.ld" -Wl,--gc-sections "$ROOT/bench/deflate-m4/bench_m4.c" \
    "$ROOT/src/deflate.c" "$ROOT/src/proto.c" -lgcc -o "$OUT/bench_m4.elf"
args=bench
have_chain=0
for a in "$@"; do
    case $a in -c*) have_chain=1 ;; esac
done
if [ $have_chain = 0 ]; then
    for f in "$@"; do args="$args,-c8,$(realpath "$f"),-c32,$(realpath "$f")"; done
else
    for a in "$@"; do
        case $a in -c*) args="$args,$a" ;; *) args="$args,$(realpath "$a")" ;; esac
    done
fi
timeout 1800 qemu-system-arm -M mps2-an386 -nographic -monitor none -serial none -icount shift=0 \
    -semihosting-config enable=on,target=native,arg="${args//,/,arg=}" -kernel "$OUT/bench_m4.elf"
