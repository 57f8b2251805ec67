#!/usr/bin/env bash
# A FLASH_BEGIN whose erase size the line damaged (commands carry no checksum): the loader
# erases past the region while the region's own MD5 still matches. The guard MD5 of the flash
# after the region (esploader_flash_guard_md5, docs/reliability.md) must turn that into an error
# that says so, through the CLI (issue 11):
#   pipeline  a ROM write (one pipeline call per region): the pipeline's own guard
# The damage comes from esploader-sim --link-flip-begin N:MASK (a link-fault model of the ROM
# loader's FLASH_BEGIN). The CLI's own guard around a region it splits into 64 KB calls (the
# stub above 460800 baud, cli/write_plan.c) is not reached here: the sim's stub erases lazily,
# so whether a damaged erase size erases past the region there depends on idle time.
# Usage: guard.sh CASE   (ctest: e2e_guard_*)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
MK() { python3 "$HERE/mkdata.py" "$@"; }
D=$E2E_TMP

# run NAME FILE SIZE BEGIN_N: flash FILE (SIZE bytes) at 0x10000 through the ROM; the N-th
# BEGIN erases one sector more than asked (its erase size, a multiple of 4 KB, XOR 0x1000
# when bit 12 is clear); the flash before holds random bytes, so the extra erase shows.
run() {
    local name=$1 file=$2 size=$3 n=$4
    python3 -c "import random,sys; r=random.Random(5); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(4<<20)))" >"$D/$name.flash"
    cp "$D/$name.flash" "$D/before.flash"
    start_sim "$name" esp32 tcp --no-timing --link-flip-begin "$n:0x1000" || return 1
    eval "cli -p \"\$PORT_$name\" --no-stub write-flash 0x10000 \"$file\""
    local end=$(((0x10000 + size + 0xFFF) & ~0xFFF))
    expect "$name: the over-erase is reported" 1 \
        "$(printf 'flash outside the region 0x00010000-0x%08x changed' $((0x10000 + size)))" \
        "up to 64 KB after it"
    # the damage is real: the sector after the region was erased (and nothing else outside)
    flash_erased "$name" $end 4096
    if python3 - "$D/before.flash" "$D/$name.flash" $end <<'PY'; then pass "$name: only that sector changed outside the region"; else fail "$name: other bytes outside the region changed"; fi
import sys
a = open(sys.argv[1], 'rb').read(); b = open(sys.argv[2], 'rb').read(); end = int(sys.argv[3])
bad = [i for i in range(len(a)) if a[i] != b[i] and not (0x10000 <= i < end + 4096)]
sys.exit(1 if bad else 0)
PY
    # run again: no more damaged commands, the region ends verified
    eval "cli -p \"\$PORT_$name\" --no-stub write-flash 0x10000 \"$file\""
    expect "$name: the rerun verifies" 0 "hash verified"
    stop_sim "$name"
    flash_equals "$name" 0x10000 "$file"
}

case_pipeline() { # 24 KB: one unit; its FLASH_DEFL_BEGIN asks 0x6000 and erases 0x7000
    MK blob "$D/p.bin" 24576 --seed 11
    run P "$D/p.bin" 24576 1
}

"case_$1" "${@:2}"
finish
