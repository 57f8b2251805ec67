#!/usr/bin/env bash
# A write cut in the middle, through the CLI (docs/reliability.md, "run it again"):
#   sim_killed  the esploader-sim process dies while the CLI writes
#   sigint      the CLI gets SIGINT (Ctrl-C) while it writes
#   sigterm     the CLI gets SIGTERM (a killed job) while it writes
# Each time the CLI must say which region was not finished; then the same command, run again
# (against a restarted sim on the same flash file), must complete and verify, and every byte
# outside the regions must still be what it was before the first attempt.
# Usage: cut.sh CASE   (ctest: e2e_cut_*)
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
MK() { python3 "$HERE/mkdata.py" "$@"; }
D=$E2E_TMP

# The flash before the job: random bytes everywhere, so a stray erase or write shows.
python3 -c "import random,sys; r=random.Random(7); sys.stdout.buffer.write(bytes(r.getrandbits(8) for _ in range(4<<20)))" >"$D/A.flash"
cp "$D/A.flash" "$D/before.flash"
MK blob "$D/boot.bin" 12000 --seed 1
MK blob "$D/app.bin" 600000 --seed 2  # random: compression does not shorten the cut window
MK blob "$D/data.bin" 50000 --seed 3
REGIONS=(0x1000 "$D/boot.bin" 0x10000 "$D/app.bin" 0x200000 "$D/data.bin")

# outside_untouched: every byte outside the regions' sectors equals the flash before the job.
outside_untouched() {
    if python3 - "$D/before.flash" "$FLASH_A" <<'EOF'; then pass "$1: nothing outside the regions changed"; else fail "$1: bytes outside the regions changed"; fi
import os, sys
a = open(sys.argv[1], 'rb').read()
b = open(sys.argv[2], 'rb').read()
regions = [(0x1000, 12000), (0x10000, 600000), (0x200000, 50000)]
inside = bytearray(len(a))
for off, n in regions:
    end = (off + n + 0xFFF) & ~0xFFF
    inside[off:end] = b'\x01' * (end - off)
bad = [i for i in range(len(a)) if not inside[i] and a[i] != b[i]]
if bad:
    print("first changed byte outside the regions at 0x%x (%d bytes)" % (bad[0], len(bad)))
    sys.exit(1)
EOF
}

# The first attempt: slow enough (115200 baud, the ROM loader) that the cut lands mid-write.
# Started in the background; the cut comes once the sim's flash file shows the app region
# being written (its first sector no longer holds what it held before).
first_attempt() {
    "$ESPLOADER" -p "$PORT_A" --no-stub -b 115200 write-flash "${REGIONS[@]}" \
        >"$D/out1" 2>"$D/err1" &
    CLI_PID=$!
    local i
    for i in $(seq 1 300); do
        if ! cmp -s <(dd if="$FLASH_A" bs=4096 skip=16 count=1 2>/dev/null) \
            <(dd if="$D/before.flash" bs=4096 skip=16 count=1 2>/dev/null); then
            break
        fi
        sleep 0.1
    done
    sleep 1
}

# Run the same command again on a restarted sim with the same flash file.
rerun() {
    start_sim A esp32 tcp || return
    cli -p "$PORT_A" --no-stub -b 921600 write-flash "${REGIONS[@]}"
    expect "$1: the rerun completes and verifies" 0 "hash verified"
    flash_equals A 0x1000 "$D/boot.bin"
    flash_equals A 0x10000 "$D/app.bin"
    flash_equals A 0x200000 "$D/data.bin"
    outside_untouched "$1 (after the rerun)"
}

case_sim_killed() {
    start_sim A esp32 tcp || return
    first_attempt
    stop_sim A
    wait "$CLI_PID"
    RC=$?
    OUT=$(cat "$D/out1")
    ERR=$(cat "$D/err1")
    [ "$RC" != 0 ] && pass "sim killed: the CLI fails (exit $RC)" || fail "sim killed: exit 0"
    expect_text "sim killed: names the unfinished region" \
        "app.bin at 0x00010000-0x000a27c0 was not finished" "data.bin" "run the same command again"
    outside_untouched "sim killed"
    rerun "sim killed"
}

case_signal() {
    local sig=$1 code=$2
    start_sim A esp32 tcp || return
    first_attempt
    kill -"$sig" "$CLI_PID"
    wait "$CLI_PID"
    RC=$?
    OUT=$(cat "$D/out1")
    ERR=$(cat "$D/err1")
    [ "$RC" = "$code" ] && pass "SIG$sig: exit $code" || fail "SIG$sig: exit $RC, expected $code"
    expect_text "SIG$sig: names the unfinished region" "interrupted: " \
        "app.bin at 0x00010000-0x000a27c0 was not finished" "data.bin" "run the same command again"
    stop_sim A
    outside_untouched "SIG$sig"
    rerun "SIG$sig"
}

# expect_text WHAT TEXT...: the last output holds every TEXT (exit code checked separately).
expect_text() {
    local what=$1 ok=1 t
    shift
    for t in "$@"; do
        printf '%s\n%s\n' "$OUT" "$ERR" | grep -qF -- "$t" || { fail "$what: output lacks '$t'"; ok=0; }
    done
    if [ $ok = 1 ]; then pass "$what"; else
        echo "--- stdout:"; echo "$OUT" | tail -n 10; echo "--- stderr:"; echo "$ERR" | tail -n 10
    fi
}

case_sigint() { case_signal INT 130; }
case_sigterm() { case_signal TERM 143; }

"case_$1"
finish
