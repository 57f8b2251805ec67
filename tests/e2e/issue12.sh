#!/usr/bin/env bash
# Regression tests for issue 12 (what a new user hit): one case per defect, each failing on the
# code before its fix. Usage: issue12.sh CASE (ctest: e2e_issue12_CASE).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
MK() { python3 "$HERE/mkdata.py" "$@"; }
D=$E2E_TMP
lacks() { # lacks WHAT TEXT: the last cli call did not print TEXT
    if printf '%s\n%s\n' "$OUT" "$ERR" | grep -qF -- "$2"; then fail "$1: output has '$2'"; else pass "$1"; fi
}

# 1. Secure Download Mode on ESP32-C2 / C5: the ROM's baud correction needs register reads SDM
#    refuses; like esptool, stay at 115200 and say so, and finish the job.
case_sdm_baud() {
    local c
    for c in esp32c2 esp32c5; do
        start_sim $c $c tcp --no-timing --secure-download || return
        MK blob "$D/b.bin" 8192
        eval "cli -p \"\$PORT_$c\" write-flash 0x10000 \"$D/b.bin\""
        expect "$c SDM write-flash at the default baud" 0 "Secure Download Mode" "staying at 115200"
        stop_sim $c
        flash_equals $c 0x10000 "$D/b.bin"
    done
}

# 2. In SDM, read-flash / verify-flash name SDM as the reason; no "(Secure Download Mode?)".
case_sdm_messages() {
    start_sim A esp32s3 tcp --no-timing --secure-download || return
    MK blob "$D/b.bin" 4096
    cli -p "$PORT_A" read-flash 0 4096 "$D/r.bin"
    expect "SDM read-flash refused, reason named" 7 "Secure Download Mode"
    lacks "SDM read-flash does not blame the ESP8266" "ESP8266"
    cli -p "$PORT_A" -b 115200 verify-flash 0x10000 "$D/b.bin"
    expect "SDM verify-flash refused, reason named" 7 "Secure Download Mode"
    lacks "SDM verify-flash does not blame the ESP8266" "ESP8266"
    lacks "no guessing about SDM once detected" "(Secure Download Mode?)"
    stop_sim A
}

# 3. ESP32-P4: the stub by revision (< v3.0: esp32p4-rev1.json), as esptool chooses.
case_p4_stub() {
    need_stub esp32p4-rev1 # the npm stubs (skipped, exit 77, without them)
    start_sim A esp32p4 tcp --no-timing || return
    MK blob "$D/b.bin" 4096; cli -p "$PORT_A" --json write-flash 0x10000 "$D/b.bin"
    echo "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["stub_file"].endswith("/esp32p4-rev1.json"), j.get("stub_file")' \
        && pass "P4 v1.0: esp32p4-rev1 stub" || fail "P4 v1.0 stub: $OUT $ERR"
    stop_sim A
    start_sim B esp32p4 tcp --no-timing --chip-revision 3.1 || return
    cli -p "$PORT_B" --json write-flash 0x10000 "$D/b.bin"
    echo "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["stub_file"].endswith("/esp32p4.json"), j.get("stub_file")' \
        && pass "P4 v3.1: esp32p4 stub" || fail "P4 v3.1 stub: $OUT $ERR"
    stop_sim B
}

# 4. chip-id: the ESP8266's real chip id (from its OTP MAC words), the ESP32-S2's image id 2.
case_chip_id() {
    start_sim A esp8266 tcp --no-timing || return
    cli -p "$PORT_A" --no-stub chip-id
    # sim OTP: MAC0 0xC3000000, MAC1 0x0000A1B2 -> (MAC0 >> 24) | (MAC1 & 0xFFFFFF) << 8
    expect "ESP8266 chip id from the OTP" 0 "Chip ID: 0x00a1b2c3"
    lacks "no 65535 for the ESP8266" "65535"
    stop_sim A
    start_sim B esp32s2 tcp --no-timing || return
    cli -p "$PORT_B" --no-stub chip-id
    expect "ESP32-S2 image chip id" 0 "Chip ID (image id): 2"
    stop_sim B
}

# 5. flash BUILD_DIR with a chip mismatch names flasher_args.json, not --chip.
case_build_chip() {
    start_sim A esp32 tcp --no-timing || return
    local b="$D/build"
    mkdir -p "$b"
    MK image 5 "$b/app.bin" --size=8000
    cat >"$b/flasher_args.json" <<'JSON'
{ "flash_files": { "0x10000": "app.bin" },
  "extra_esptool_args": { "after": "hard_reset", "before": "default_reset", "stub": true, "chip": "esp32c3" } }
JSON
    cli -p "$PORT_A" flash "$b"
    expect "build chip mismatch names flasher_args.json" 5 "This chip is ESP32, but $b/flasher_args.json is for ESP32-C3"
    lacks "build chip mismatch does not blame --chip" "Wrong --chip"
    stop_sim A
}

# 6. A truncated image still has its header: the chip-id check applies.
case_truncated_image() {
    start_sim A esp32c3 tcp --no-timing || return
    MK image 0 "$D/full.bin" --size=20000
    head -c 4096 "$D/full.bin" >"$D/trunc.bin"
    cli -p "$PORT_A" write-flash 0x0 "$D/trunc.bin"
    expect "truncated ESP32 image refused on an ESP32-C3" 2 "built for ESP32 (image chip id 0)"
    cli -c esp32c3 -p "$PORT_A" write-flash 0x0 "$D/trunc.bin"
    expect "truncated ESP32 image refused against --chip" 2 "built for ESP32 (image chip id 0)"
    cli -p "$PORT_A" --force write-flash 0x0 "$D/trunc.bin"
    expect "--force writes it anyway" 0
    stop_sim A
}

# 7. load-ram: segments must lie in the chip's RAM, the image's chip id must match.
case_load_ram() {
    start_sim A esp32 tcp --no-timing || return
    MK image 5 "$D/c3.bin" --size=2048
    cli -p "$PORT_A" load-ram "$D/c3.bin"
    expect "load-ram of an ESP32-C3 image on an ESP32" 2 "built for ESP32-C3"
    MK image 0 "$D/ram.bin" --size=2048
    # Move the segment to 0x400D0000 (flash-mapped IROM, not RAM): header byte 24..27.
    python3 -c 'import sys,struct; d=bytearray(open(sys.argv[1],"rb").read()); struct.pack_into("<I",d,24,0x400D0000); d[23]=0; open(sys.argv[2],"wb").write(d)' "$D/ram.bin" "$D/flashseg.bin"
    cli -p "$PORT_A" load-ram "$D/flashseg.bin"
    expect "load-ram of a segment outside RAM" 2 "segment 0" "0x400d0000" "not in the ESP32's RAM"
    cli -p "$PORT_A" load-ram "$D/ram.bin"
    expect "load-ram of a good image still works" 0 "Started at entry"
    stop_sim A
}

# 9. --gpio-chip with socket:// does not touch the GPIO chip.
case_gpio_socket() {
    start_sim A esp32 tcp --no-timing || return
    cli -p "$PORT_A" --gpio-chip /dev/no-such-gpiochip --gpio-boot 17 --gpio-reset 27 chip-id
    expect "--gpio-chip ignored for socket://" 0 "Chip: ESP32" "GPIO"
    stop_sim A
}

# 10. A missing --stub FILE is reported before the port is opened.
case_stub_missing() {
    cli -p /dev/no-such-port --stub "$D/missing.json" chip-id
    expect "missing --stub file caught first" 2 "$D/missing.json"
    lacks "port not opened for a missing stub" "no-such-port"
}

# 11. -b: rates no chip or adapter can do are refused with the range.
case_baud_range() {
    cli -p /dev/null -b 4294967295 chip-id
    expect "-b 4294967295 refused" 2 "300" "5000000"
    cli -p /dev/null -b 5000001 chip-id
    expect "-b 5000001 refused" 2 "5000000"
}

# 13. On a PTY the hint never suggests --after soft-reset while a non-ESP8266 stub runs.
case_pty_hint() {
    need_stub esp32 # the npm stubs (skipped, exit 77, without them)
    start_sim A esp32 pty --no-timing || return
    MK blob "$D/b.bin" 4096
    cli -p "$PORT_A" -b 115200 write-flash 0x10000 "$D/b.bin"
    expect "PTY write-flash with the stub" 0 "Flasher stub running" "hash verified"
    lacks "no soft-reset hint while the ESP32 stub runs" "use --after soft-reset"
    cli -p "$PORT_A" -b 115200 --no-stub chip-id
    expect "PTY without stub: the soft-reset hint is right there" 0 "use --after soft-reset"
    stop_sim A
}

# 15. esploader-mkimage app --size 128K works.
case_mkimage_128k() {
    local mki
    mki=${ESPLOADER_MKIMAGE:-$(dirname "$ESPLOADER")/../tools/esploader-mkimage}
    [ -x "$mki" ] || mki=$(command -v esploader-mkimage)
    timeout 30 "$mki" app --chip esp32 --size 128K -o "$D/a.bin" >"$D/o" 2>&1
    RC=$?; OUT=$(cat "$D/o"); ERR=""
    expect "mkimage app --size 128K" 0
    [ "$(stat -c %s "$D/a.bin" 2>/dev/null)" -le 131072 ] 2>/dev/null && pass "128K image fits 128 KB" || fail "128K image size $(stat -c %s "$D/a.bin" 2>/dev/null)"
}

# Baud fall-back: when the change itself fails (here: a link that garbles everything above
# 230400, sim --link-fail-above, a link-fault model), reset, reconnect, try the next lower rate
# (921600 -> 460800 -> 230400), one line each, and finish the job.
case_baud_fallback() {
    local mode
    for mode in rom stub rfc; do
        local fe=tcp
        [ $mode = rfc ] && fe=rfc2217 # reset by the DTR/RTS pattern instead of a new connection
        start_sim $mode esp32 $fe --no-timing --link-fail-above 230400 || return
        MK blob "$D/b.bin" 30000
        local extra=""
        [ $mode = rom ] && extra=--no-stub
        eval "cli -p \"\$PORT_$mode\" $extra -b 921600 write-flash 0x10000 \"$D/b.bin\""
        expect "$mode: baud fall-back 921600 -> 460800 -> 230400" 0 \
            "changing the baud rate to 921600 failed" "trying 460800" \
            "changing the baud rate to 460800 failed" "trying 230400" "hash verified"
        lacks "$mode: 230400 worked" "changing the baud rate to 230400 failed"
        [ "$(printf '%s\n' "$ERR" | grep -c 'changing the baud rate')" = 2 ] && pass "$mode: one line per step" || fail "$mode: lines: $ERR"
        stop_sim $mode
        flash_equals $mode 0x10000 "$D/b.bin"
    done
    # The fault is the link's: at a rate it carries, nothing falls back.
    start_sim C esp32 tcp --no-timing --link-fail-above 460800 || return
    cli -p "$PORT_C" -b 460800 write-flash 0x10000 "$D/b.bin"
    expect "no fall-back where the link works" 0 "hash verified"
    lacks "no fall-back line" "changing the baud rate"
    # Down to the floor: above 115200 nothing works, the job still finishes at 115200.
    start_sim F esp32 tcp --no-timing --link-fail-above 115200 || return
    cli -p "$PORT_F" -b 460800 write-flash 0x20000 "$D/b.bin"
    expect "fall-back to 115200" 0 "trying 230400" "staying at 115200" "hash verified"
    stop_sim F
    flash_equals F 0x20000 "$D/b.bin"
}

"case_$1" "${@:2}"
finish
