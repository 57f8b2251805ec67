#!/usr/bin/env bash
# Cortex-M4 footprint of the core (issue 2 "Constraints"): cross-compiles the core with the
# two footprint programs (scripts/footprint/typical.c, all_ops.c) and a do-nothing port, with
# logging off (ESPLOADER_LOG_LEVEL=0) and on (=2, warn), and prints
#   - the linked program sizes (Berkeley text/data/bss of the ELF: core + port + main + the
#     newlib-nano/crt0 start-up code),
#   - the core's own share, summed from the linker map (input sections of the core objects),
#   - the core's worst-case stack from -fstack-usage / -fcallgraph-info (scripts/stack-check.py).
# A third program, deflate (scripts/footprint/deflate.c), links only the core's deflate
# compressor (src/deflate.c); its core share is the compressor's own size. A fourth, pipeline
# (scripts/footprint/pipeline.c), is the typical flow through the write pipeline
# (esploader_flash_write_job: read callback, skip unchanged, a compressor of the program's own,
# verify): reported, no budget of its own; it must not link the core's deflate.
# Budgets (exit 1 when missed): typical <= 6000 B, all_ops <= 9000 B linked text with logging
# off; the compressor's core share <= 2500 B, and typical/all_ops must not link it; 0 B of
# .data/.bss in the core; worst-case core stack <= 512 B.
#
# usage: scripts/footprint.sh [BUILD_DIR]      (default: build/footprint)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=${1:-$ROOT/build/footprint}
CC=arm-none-eabi-gcc
SIZE=arm-none-eabi-size
BUDGET_TYPICAL=6000
BUDGET_ALL=9000
BUDGET_STACK=512
BUDGET_DEFLATE=2500
CFLAGS=(-Os -mthumb -mcpu=cortex-m4 -ffunction-sections -fdata-sections)
LDFLAGS=(-Wl,--gc-sections --specs=nano.specs --specs=nosys.specs)

command -v $CC >/dev/null || {
    echo "footprint: $CC not found" >&2
    exit 1
}
command -v python3 >/dev/null || {
    echo "footprint: python3 not found" >&2
    exit 1
}

if [ -f "$ROOT/src/sources.cmake" ]; then
    mapfile -t SOURCES < <(grep -oE '[A-Za-z0-9_/]+\.c' "$ROOT/src/sources.cmake" | sort -u |
        sed "s#^#$ROOT/src/#")
else
    SOURCES=("$ROOT"/src/*.c)
fi

mkdir -p "$OUT"
fail=0
declare -A TEXT SECT DATA BSS CTEXT CDATA CBSS

# Sum the sizes of input sections in a GNU ld map, per owner (core / program / libc+crt0).
map_sizes() { # map file -> "core_text core_data core_bss"
    python3 - "$1" <<'EOF'
import re, sys
sizes = {"text": 0, "data": 0, "bss": 0}
lines = open(sys.argv[1], encoding="utf-8", errors="replace").read().splitlines()
try:
    start = next(i for i, l in enumerate(lines) if l.startswith("Linker script and memory map"))
except StopIteration:
    start = 0
pend = None
for line in lines[start:]:
    if pend is not None:
        line = pend + " " + line.strip()
        pend = None
    m = re.match(r"^ (\.[\w.$]+|COMMON)\s*$", line)
    if m:
        pend = " " + m.group(1)
        continue
    m = re.match(r"^ (\.[\w.$]+|COMMON)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)", line)
    if not m or "libcore.a" not in m.group(4):
        continue
    name, size = m.group(1), int(m.group(3), 16)
    if name.startswith((".text", ".rodata", ".literal")):  # .literal: Xtensa literal pools
        sizes["text"] += size
    elif name.startswith(".data"):
        sizes["data"] += size
    elif name.startswith((".bss", "COMMON")):
        sizes["bss"] += size
print(sizes["text"], sizes["data"], sizes["bss"])
EOF
}

for log in 0 2; do
    dir="$OUT/log$log"
    rm -rf "$dir"
    mkdir -p "$dir/core"
    objs=()
    for src in "${SOURCES[@]}"; do
        obj="$dir/core/$(basename "${src%.c}").o"
        (cd "$dir/core" && $CC -std=c99 -Wall -Wextra -Werror "${CFLAGS[@]}" \
            -DESPLOADER_LOG_LEVEL=$log -fstack-usage -fcallgraph-info=su \
            -I"$ROOT/include" -I"$ROOT/src" -c "$src" -o "$obj")
        objs+=("$obj")
    done
    rm -f "$dir/libcore.a"
    arm-none-eabi-ar rcs "$dir/libcore.a" "${objs[@]}"
    $CC -std=c99 -Wall -Wextra -Werror "${CFLAGS[@]}" -DESPLOADER_LOG_LEVEL=$log \
        -I"$ROOT/include" -c "$ROOT/scripts/footprint/null_port.c" -o "$dir/null_port.o"
    for prog in typical all_ops deflate pipeline; do
        $CC -std=c99 -Wall -Wextra -Werror "${CFLAGS[@]}" -DESPLOADER_LOG_LEVEL=$log \
            -I"$ROOT/include" -c "$ROOT/scripts/footprint/$prog.c" -o "$dir/$prog.o"
        $CC "${CFLAGS[@]}" "${LDFLAGS[@]}" -Wl,-Map="$dir/$prog.map" "$dir/$prog.o" \
            "$dir/null_port.o" "$dir/libcore.a" -o "$dir/$prog.elf"
        read -r t d b _ < <($SIZE -B "$dir/$prog.elf" | awk 'NR==2{print $1, $2, $3}')
        TEXT[$prog$log]=$t
        SECT[$prog$log]=$($SIZE -A "$dir/$prog.elf" | awk '$1==".text"{print $2}')
        DATA[$prog$log]=$d
        BSS[$prog$log]=$b
        read -r ct cd cb < <(map_sizes "$dir/$prog.map")
        CTEXT[$prog$log]=$ct
        CDATA[$prog$log]=$cd
        CBSS[$prog$log]=$cb
    done
done

echo "footprint: $CC ${CFLAGS[*]} ${LDFLAGS[*]}"
echo "footprint: core = ${#SOURCES[@]} files from src/; program = core + do-nothing port + main + crt0/newlib-nano"
printf '%-9s %-4s | %8s %8s %6s %6s | %10s %10s %10s\n' program log "text" ".text" data bss \
    "core text" "core data" "core bss"
for prog in typical all_ops deflate pipeline; do
    for log in 0 2; do
        printf '%-9s %-4s | %8s %8s %6s %6s | %10s %10s %10s\n' "$prog" \
            "$([ $log = 0 ] && echo off || echo on)" "${TEXT[$prog$log]}" "${SECT[$prog$log]}" \
            "${DATA[$prog$log]}" "${BSS[$prog$log]}" \
            "${CTEXT[$prog$log]}" "${CDATA[$prog$log]}" "${CBSS[$prog$log]}"
    done
done
echo "(bytes; text = linked .text + .rodata + start-up as arm-none-eabi-size reports it, the budget"
echo " figure; .text = the ELF's .text section alone; core = the core objects' input sections from"
echo " the linker map, .rodata included; the rest is crt0/newlib-nano exit+memset, main, the port)"

if [ "${TEXT[typical0]}" -gt $BUDGET_TYPICAL ]; then
    echo "footprint: FAIL: typical links ${TEXT[typical0]} B > $BUDGET_TYPICAL B"
    fail=1
fi
if [ "${TEXT[all_ops0]}" -gt $BUDGET_ALL ]; then
    echo "footprint: FAIL: all_ops links ${TEXT[all_ops0]} B > $BUDGET_ALL B"
    fail=1
fi
if [ "${CTEXT[deflate0]}" -gt $BUDGET_DEFLATE ]; then
    echo "footprint: FAIL: the deflate compressor is ${CTEXT[deflate0]} B > $BUDGET_DEFLATE B"
    fail=1
fi
for prog in typical all_ops pipeline; do
    if arm-none-eabi-nm "$OUT/log0/$prog.elf" | grep -q ' esploader_deflate'; then
        echo "footprint: FAIL: $prog links the deflate compressor without calling it"
        fail=1
    fi
done
for k in typical0 typical2 all_ops0 all_ops2 deflate0 pipeline0 pipeline2; do
    if [ "${CDATA[$k]}" -ne 0 ] || [ "${CBSS[$k]}" -ne 0 ]; then
        echo "footprint: FAIL: the core has .data ${CDATA[$k]} B / .bss ${CBSS[$k]} B ($k)"
        fail=1
    fi
done

# The biggest core symbols of the all-operations program (where bytes can be won).
echo "footprint: largest core symbols in all_ops (log off, bytes):"
python3 - "$OUT/log0/libcore.a" "$OUT/log0/all_ops.elf" <<'EOF2'
import subprocess, sys
def nm(*args):
    return subprocess.run(["arm-none-eabi-nm", *args], capture_output=True, text=True).stdout
core = {l.split()[-1] for l in nm("--defined-only", sys.argv[1]).splitlines() if len(l.split()) == 3}
rows = []
for l in nm("-S", "--size-sort", sys.argv[2]).splitlines():
    f = l.split()
    if len(f) == 4 and f[3] in core:
        rows.append((int(f[1], 16), f[3]))
for size, name in sorted(rows, reverse=True)[:10]:
    print("  %6d  %s" % (size, name))
EOF2

for log in 0 2; do
    echo "footprint: stack, logging $([ $log = 0 ] && echo off || echo on):"
    if ! python3 "$ROOT/scripts/stack-check.py" --limit $BUDGET_STACK "$OUT/log$log"/core/*.ci |
        sed 's/^/  /'; then
        fail=1
    fi
done

# The ESP8266 as a host: the same two programs for Xtensa LX106 (Debian's gcc-xtensa-lx106).
# Reported, not budgeted (the budgets are Cortex-M4 figures); its core .data/.bss must be 0 too.
# That toolchain ships no libc and its libgcc lacks the integer division / 64-bit multiply
# helpers, which the ESP8266 mask ROM provides (the SDK's linker script points at them): they
# are placeholders here (--defsym), so the figures are the core + program without them.
XCC=xtensa-lx106-elf-gcc
if command -v $XCC >/dev/null 2>&1; then
    xdir="$OUT/xtensa"
    rm -rf "$xdir"
    mkdir -p "$xdir/core" "$xdir/include"
    XFLAGS=(-Os -mlongcalls -ffreestanding -ffunction-sections -fdata-sections)
    printf '%s\n' '#include <stddef.h>' 'void *memset(void *d, int c, size_t n);' >"$xdir/include/string.h"
    printf '%s\n' '#include <string.h>' \
        'void *memset(void *d, int c, size_t n) { unsigned char *p = d; while (n--) *p++ = (unsigned char)c; return d; }' \
        >"$xdir/mem.c"
    xobjs=()
    for src in "${SOURCES[@]}"; do
        obj="$xdir/core/$(basename "${src%.c}").o"
        $XCC -std=c99 -Wall -Wextra -Werror "${XFLAGS[@]}" -DESPLOADER_LOG_LEVEL=0 \
            -I"$ROOT/include" -I"$ROOT/src" -c "$src" -o "$obj"
        xobjs+=("$obj")
    done
    xtensa-lx106-elf-ar rcs "$xdir/libcore.a" "${xobjs[@]}"
    for f in null_port typical all_ops deflate pipeline; do
        $XCC -std=c99 -Wall -Wextra -Werror "${XFLAGS[@]}" -DESPLOADER_LOG_LEVEL=0 -I"$xdir/include" \
            -I"$ROOT/include" -c "$ROOT/scripts/footprint/$f.c" -o "$xdir/$f.o"
    done
    $XCC "${XFLAGS[@]}" -c "$xdir/mem.c" -I"$xdir/include" -o "$xdir/mem.o"
    echo "footprint: $XCC ${XFLAGS[*]} (ESP8266 as a host; log off)"
    for prog in typical all_ops deflate pipeline; do
        $XCC "${XFLAGS[@]}" -nostdlib -Wl,--gc-sections -Wl,-e,main -Wl,-Map="$xdir/$prog.map" \
            -Wl,--defsym=__udivsi3=0x40000000 -Wl,--defsym=__umodsi3=0x40000010 \
            -Wl,--defsym=__divsi3=0x40000020 -Wl,--defsym=__muldi3=0x40000030 \
            "$xdir/$prog.o" "$xdir/null_port.o" "$xdir/mem.o" "$xdir/libcore.a" -lgcc -o "$xdir/$prog.elf"
        read -r t d b _ < <(xtensa-lx106-elf-size -B "$xdir/$prog.elf" | awk 'NR==2{print $1, $2, $3}')
        read -r ct cd cb < <(map_sizes "$xdir/$prog.map")
        printf 'footprint: xtensa-lx106 %-8s linked text %6s data %4s bss %4s | core text %6s data %s bss %s\n' \
            "$prog" "$t" "$d" "$b" "$ct" "$cd" "$cb"
        if [ "$cd" -ne 0 ] || [ "$cb" -ne 0 ]; then
            echo "footprint: FAIL: the core has .data $cd B / .bss $cb B on xtensa-lx106 ($prog)"
            fail=1
        fi
    done
else
    echo "footprint: $XCC not found: ESP8266-host (Xtensa) figures skipped"
fi

if [ $fail -ne 0 ]; then
    echo "footprint: FAILED"
    exit 1
fi
echo "footprint: OK (typical <= $BUDGET_TYPICAL B, all_ops <= $BUDGET_ALL B, deflate <= $BUDGET_DEFLATE B (not in typical/all_ops), core .data/.bss 0 B, stack <= $BUDGET_STACK B)"
