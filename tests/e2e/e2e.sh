#!/usr/bin/env bash
# esploader CLI <-> esploader-sim end-to-end tests. Usage: e2e.sh CASE [ARG]
# (ctest registers one test per case; see CMakeLists.txt).
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
MK() { python3 "$HERE/mkdata.py" "$@"; }
D=$E2E_TMP

image_id() { # chip slug -> image chip id
    case $1 in esp32) echo 0 ;; esp32s2) echo 2 ;; esp32s3) echo 9 ;; esp32c3) echo 5 ;;
    esp32c5) echo 23 ;; esp32c61) echo 20 ;;
    esp32c2) echo 12 ;; esp32c6) echo 13 ;; esp32h2) echo 16 ;; esp32p4) echo 18 ;;
    esp32c5) echo 23 ;; esp32c61) echo 20 ;;
    esp32s31) echo 32 ;; esp32e22) echo 31 ;; esp32h21) echo 25 ;; esp32h4) echo 28 ;; *) echo 0 ;; esac
}

# Core commands over raw TCP with the ROM loader only.
case_tcp_rom() {
    local chip=$1
    start_sim A "$chip" tcp --no-timing || return
    MK blob "$D/blob.bin" 20000
    cli -p "$PORT_A" --no-stub chip-id
    expect "$chip rom chip-id" 0 "Connected to" "MAC: "
    case $chip in esp8266 | esp32 | esp32s2) ;; *)
        expect "$chip rom chip id" 0 "Chip ID (image id): $(image_id "$chip")," ;;
    esac
    cli -p "$PORT_A" --no-stub read-mac
    expect "$chip rom read-mac" 0 "MAC: "
    cli -p "$PORT_A" --no-stub flash-id
    expect "$chip rom flash-id" 0 "Manufacturer: c8" "Device: 4016" "Detected flash size: 4MB"
    cli -p "$PORT_A" --no-stub read-mem 0x40001000
    if [ "$chip" = esp8266 ]; then
        expect "$chip rom read-mem magic" 0 "0x40001000 = 0xfff0c101"
    elif [ "$chip" = esp32 ]; then
        expect "$chip rom read-mem magic" 0 "0x40001000 = 0x00f01d83"
    else
        expect "$chip rom read-mem" 0 "0x40001000 = 0x"
    fi
    cli -p "$PORT_A" --no-stub write-mem 0x3ffb0000 0x12345678
    expect "$chip rom write-mem" 0 "Wrote 0x12345678 to 0x3ffb0000"
    cli -p "$PORT_A" --no-stub write-flash 0x10000 "$D/blob.bin"
    expect "$chip rom write-flash" 0 "Wrote 20000 bytes at 0x00010000"
    flash_equals A 0x10000 "$D/blob.bin"
    cli -p "$PORT_A" --no-stub erase-region 0x20000 0x2000
    expect "$chip rom erase-region" 0 "Erased 0x2000 bytes at 0x00020000"
    if [ "$chip" = esp8266 ]; then
        cli -p "$PORT_A" --no-stub verify-flash 0x10000 "$D/blob.bin"
        expect "esp8266 rom verify-flash unsupported" 7 "not possible with the ESP8266 ROM loader"
        cli -p "$PORT_A" --no-stub read-flash 0x10000 20000 "$D/back.bin"
        expect "esp8266 rom read-flash unsupported" 7 "use the flasher stub"
        cli -p "$PORT_A" --no-stub -z write-flash 0x30000 "$D/blob.bin"
        expect "esp8266 rom -z falls back" 0 "writing uncompressed"
        # No MD5 in this ROM: nothing can be skipped, the write stands unverified.
        cli -p "$PORT_A" --no-stub write-flash 0x30000 "$D/blob.bin"
        expect "esp8266 rom rewrite (no MD5: no skipping)" 0 "Wrote 20000 bytes" "NOT verified"
    else
        cli -p "$PORT_A" --no-stub verify-flash 0x10000 "$D/blob.bin"
        expect "$chip rom verify-flash" 0 "verified (20000 bytes match)"
        cli -p "$PORT_A" --no-stub read-flash 0x10000 20000 "$D/back.bin"
        expect "$chip rom read-flash" 0 "Read 20000 bytes"
        files_equal "$D/blob.bin" "$D/back.bin" "$chip rom read-back"
        MK blob "$D/blob2.bin" 9000 --seed=3
        cli -p "$PORT_A" --no-stub -z write-flash 0x30000 "$D/blob2.bin"
        expect "$chip rom write-flash -z" 0 "compressed" "hash verified"
        flash_equals A 0x30000 "$D/blob2.bin"
        # The ROM's defaults are the stub's (issue 12 item 8): compressed and unchanged
        # sectors skipped, with nothing on the command line; -u / --no-diff turn them off.
        yes "esploader text line 0123456789" | head -c 30000 >"$D/text.bin"
        cli -p "$PORT_A" --no-stub write-flash 0x50000 "$D/text.bin"
        expect "$chip rom compresses by default" 0 "bytes compressed" "hash verified"
        flash_equals A 0x50000 "$D/text.bin"
        cli -p "$PORT_A" --no-stub write-flash 0x50000 "$D/text.bin"
        expect "$chip rom skips unchanged by default" 0 "unchanged, skipped"
        cli -p "$PORT_A" --no-stub --no-diff -u write-flash 0x50000 "$D/text.bin"
        expect "$chip rom --no-diff -u rewrites plain" 0 "Wrote 30000 bytes"
        if printf '%s\n' "$OUT" | grep -q "compressed"; then fail "$chip rom -u still compressed"; fi
    fi
    stop_sim A
    flash_erased A 0x20000 0x2000
}

# The same with the flasher stub (from node_modules/esptool-js), compression and diffing.
case_tcp_stub() {
    local chip=$1 family=${2:-1}
    need_stub "$chip"
    start_sim A "$chip" tcp --no-timing --stub-family "$family" || return
    MK blob "$D/blob.bin" 70000
    cli -p "$PORT_A" write-flash 0x10000 "$D/blob.bin"
    expect "$chip stub write-flash -z" 0 "Flasher stub running" "compressed" "hash verified"
    flash_equals A 0x10000 "$D/blob.bin"
    cli -p "$PORT_A" write-flash 0x10000 "$D/blob.bin"
    expect "$chip stub unchanged region skipped" 0 "unchanged, skipped"
    cli -p "$PORT_A" --no-diff write-flash 0x10000 "$D/blob.bin"
    expect "$chip stub --no-diff rewrites" 0 "Wrote 70000 bytes"
    # Change 3 bytes in sector 5 and 1 byte in the last, partial sector (368 bytes): 4096 + 368 go.
    cp "$D/blob.bin" "$D/blob_mod.bin"
    printf 'abc' | dd of="$D/blob_mod.bin" bs=1 seek=$((5 * 4096 + 100)) conv=notrunc 2>/dev/null
    printf 'z' | dd of="$D/blob_mod.bin" bs=1 seek=69999 conv=notrunc 2>/dev/null
    cli -p "$PORT_A" write-flash 0x10000 "$D/blob_mod.bin"
    expect "$chip stub writes only changed sectors" 0 "4464 of 70000 bytes differ" "Updated 70000 bytes" "hash verified"
    flash_equals A 0x10000 "$D/blob_mod.bin"
    cli -p "$PORT_A" write-flash 0x10000 "$D/blob.bin"
    expect "$chip stub back to the original" 0 "hash verified"
    MK blob "$D/blob3.bin" 12288 --seed=5
    cli -p "$PORT_A" -u write-flash 0x40000 "$D/blob3.bin"
    expect "$chip stub write-flash -u" 0 "Wrote 12288 bytes"
    flash_equals A 0x40000 "$D/blob3.bin"
    # Random bytes don't deflate: they must go over the wire as they are, still verified.
    head -c 20000 /dev/urandom > "$D/random.bin"
    cli -p "$PORT_A" write-flash 0x60000 "$D/random.bin"
    expect "$chip stub incompressible data sent plain" 0 "incompressible: sent uncompressed" "hash verified"
    flash_equals A 0x60000 "$D/random.bin"
    cli -p "$PORT_A" read-flash 0x10000 70000 "$D/back.bin"
    expect "$chip stub read-flash" 0 "Read 70000 bytes"
    files_equal "$D/blob.bin" "$D/back.bin" "$chip stub read-back"
    cli -p "$PORT_A" verify-flash 0x10000 "$D/blob.bin" 0x40000 "$D/blob3.bin"
    expect "$chip stub verify-flash" 0 "verified (70000 bytes match)" "verified (12288 bytes match)"
    cli -p "$PORT_A" erase-region 0x40000 0x3000
    expect "$chip stub erase-region" 0 "Erased 0x3000"
    cli -p "$PORT_A" verify-flash 0x40000 "$D/blob3.bin"
    expect "$chip stub verify-flash after erase" 6 "DIFFER"
    cli -p "$PORT_A" erase-flash
    expect "$chip stub erase-flash" 0 "erase"
    stop_sim A
    flash_erased A 0 0x100000
}

# A PTY: no modem lines (warned), data path works.
case_pty() {
    local chip=$1
    start_sim A "$chip" pty --no-timing || return
    MK blob "$D/blob.bin" 30000
    cli -p "$PORT_A" chip-id
    expect "$chip pty chip-id" 0 "has no DTR/RTS lines" "Connected to"
    cli -p "$PORT_A" write-flash 0x20000 "$D/blob.bin"
    expect "$chip pty write-flash" 0 "hash verified"
    cli -p "$PORT_A" read-flash 0x20000 30000 "$D/back.bin"
    expect "$chip pty read-flash" 0 "Read 30000 bytes"
    files_equal "$D/blob.bin" "$D/back.bin" "$chip pty read-back"
    cli -p "$PORT_A" --no-stub -b 115200 read-flash 0x20000 4096 "$D/back2.bin"
    expect "$chip pty rom read-flash" 0 "Read 4096 bytes"
    cmp -s <(head -c 4096 "$D/blob.bin") "$D/back2.bin" && pass "pty rom read-back" || fail "pty rom read-back"
    cli -p "$PORT_A" reset
    expect "reset without lines" 7 "no reset lines"
    # Permission denied (the PTY is root's, mode 600): run as nobody, when we can.
    if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
        setpriv --reuid=65534 --regid=65534 --clear-groups timeout 30 "$ESPLOADER" -p "$PORT_A" chip-id >"$D/o" 2>"$D/e"
        RC=$?; OUT=$(cat "$D/o"); ERR=$(cat "$D/e")
        expect "permission denied explains the fix" 3 "permission denied" "sudo usermod -aG dialout \$USER"
    else
        echo "skip: permission-denied check needs root and setpriv"
    fi
    stop_sim A
    flash_equals A 0x20000 "$D/blob.bin"
}

# RFC 2217: the reset sequences must reach the sim's EN/IO0.
case_rfc2217() {
    local chip=$1
    start_sim A "$chip" rfc2217 --no-timing || return
    cli -p "$PORT_A" --json --before default-reset --after hard-reset chip-id
    expect "$chip rfc2217 chip-id" 0 '"boot_log"'
    # The download-mode banner: "boot:0xf (UART_BOOT(UART0))" (ESP32), "boot:0x2 (UART0_BOOT)" (C3).
    if echo "$OUT" | python3 -c 'import json,re,sys; j=json.load(sys.stdin); sys.exit(0 if j["ok"] and re.search(r"boot:0x[0-9a-f]+ \((uart|download)", j["boot_log"], re.I) else 1)'; then
        pass "rfc2217 boot log shows the download-mode banner"
    else
        fail "rfc2217 boot log lacks the download banner: $(echo "$OUT" | grep boot_log)"
    fi
    log_has A "reset into download mode"
    log_has A "hard reset (RTS pattern)"
    MK blob "$D/blob.bin" 50000
    cli -p "$PORT_A" write-flash 0x10000 "$D/blob.bin"
    expect "$chip rfc2217 write-flash" 0 "hash verified"
    cli -p "$PORT_A" read-flash 0x10000 50000 "$D/back.bin"
    expect "$chip rfc2217 read-flash" 0 "Read 50000 bytes"
    files_equal "$D/blob.bin" "$D/back.bin" "$chip rfc2217 read-back"
    cli -p "$PORT_A" --before 'custom:D0|R1|W0.1|D1|R0|W0.05|D0' --after no-reset read-mac
    expect "$chip rfc2217 custom reset" 0 "MAC: "
    cli -p "$PORT_A" --before unix-tight read-mac
    expect "$chip rfc2217 --before unix-tight" 0 "MAC: "
    # An RTS pulse alone boots the app: the boot log tells "wrong boot mode".
    cli -p "$PORT_A" --connect-attempts 1 --before 'custom:R1|W0.1|R0|W0.2' chip-id
    expect "$chip rfc2217 wrong boot mode diagnosed" 4 "wrong boot mode" "SPI_FAST_FLASH_BOOT"
    local before
    before=$(grep -c "hard reset (RTS pattern)" "$LOG_A")
    cli -p "$PORT_A" reset
    expect "rfc2217 reset command" 0 "Hard reset"
    sleep 0.3
    [ "$(grep -c "hard reset (RTS pattern)" "$LOG_A")" -gt "$before" ] && pass "reset reached the sim" || fail "reset did not reach the sim"
    stop_sim A
}

# Four boards in parallel, then one of them missing.
case_parallel() {
    start_sim A esp32 tcp --no-timing || return
    start_sim B esp32c3 tcp --no-timing || return
    start_sim C esp32s3 pty --no-timing || return
    start_sim E esp32 rfc2217 --no-timing || return
    MK blob "$D/blob.bin" 100000
    cli -p "$PORT_A" -p "$PORT_B" -p "$PORT_C" -p "$PORT_E" write-flash 0x10000 "$D/blob.bin"
    expect "parallel write-flash on 4 boards" 0 "4 of 4 boards succeeded" "ESP32-C3" "ESP32-S3"
    cli --json -p "$PORT_A" -p "$PORT_B" -p "$PORT_C" -p "$PORT_E" verify-flash 0x10000 "$D/blob.bin"
    expect "parallel verify --json" 0 '"boards"'
    echo "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert len(j["boards"])==4 and all(b["ok"] for b in j["boards"])' \
        && pass "parallel json: 4 boards ok" || fail "parallel json"
    cli -p "$PORT_A" -p "$PORT_B" read-flash 0x10000 4096 "$D/both.bin"
    expect "read-flash refuses several boards (one output file)" 2 "works on one board at a time"
    cli -p "$PORT_A" -p socket://127.0.0.1:1 -p "$PORT_B" chip-id
    expect "parallel with a dead port" 3 "2 of 3 boards succeeded" "FAILED"
    stop_sim A; stop_sim B; stop_sim C; stop_sim E
    for n in A B C E; do flash_equals $n 0x10000 "$D/blob.bin"; done
}

# Bad input: a clear error, and nothing written.
case_bad_input() {
    start_sim A esp32 tcp --no-timing --flash-size 1MB || return
    MK blob "$D/b4k.bin" 4096
    MK blob "$D/b64k.bin" 65536
    MK image 5 "$D/c3.bin" --size=3000
    cli -p "$PORT_A" write-flash 0x10000 "$D/missing.bin"
    expect "missing file" 2 "missing.bin: cannot read"
    cli -p "$PORT_A" write-flash 0x10000 "$D/b64k.bin" 0x18000 "$D/b4k.bin"
    expect "overlapping files" 2 "overlap"
    cli -p "$PORT_A" write-flash 0x10002 "$D/b4k.bin"
    expect "unaligned address" 2 "not a multiple of 4"
    MK blob "$D/b2k.bin" 2048
    cli -p "$PORT_A" write-flash 0x10000 "$D/b2k.bin" 0x10800 "$D/b4k.bin"
    expect "two files in one sector" 2 "same 4 KB flash sector"
    cli -p "$PORT_A" write-flash 0xF8000 "$D/b64k.bin"
    expect "past the end of flash" 2 "past the end of the 1MB flash"
    cli -p "$PORT_A" write-flash 0x20000 "$D/c3.bin"
    expect "image for another chip" 2 "built for ESP32-C3 (image chip id 5), but the chip is ESP32"
    cli -c esp32 -p socket://127.0.0.1:1 write-flash 0x20000 "$D/c3.bin"
    expect "image for another chip, caught before connecting" 2 "but --chip is ESP32"
    cli -p "$PORT_A" -c esp32s3 chip-id
    expect "wrong --chip" 5 "This chip is ESP32, not ESP32-S3"
    cli -p "$PORT_A" erase-region 0x1000 0x800
    expect "unaligned erase" 2 "multiples of 4 KB"
    cli -p "$PORT_A" write-flash --flash-mode fast 0x1000 "$D/b4k.bin"
    expect "bad flash mode" 2 "invalid --flash-mode 'fast'"
    mkdir -p "$D/badbuild" && echo '{"flash_files": {"0x0": ' >"$D/badbuild/flasher_args.json"
    cli -p "$PORT_A" flash "$D/badbuild"
    expect "malformed flasher_args.json" 2 "malformed JSON"
    MK parttable "$D/pt_bad.bin" nvs:1:2:0x9000:0x6000 --corrupt-md5
    cli partition-table --file "$D/pt_bad.bin"
    expect "corrupt partition table" 2 "MD5 entry does not match"
    cli -p /dev/esploader-no-such-port chip-id
    expect "no such device" 3 "no such device"
    cli -p "$PORT_A" frobnicate
    expect "unknown command" 2 "unknown command 'frobnicate'"
    cli -p "$PORT_A" --stub "$D/nostub.json" write-flash 0x10000 "$D/b4k.bin"
    expect "missing stub file" 2 "nostub.json: cannot read"
    stop_sim A
    flash_erased A 0 0x100000
    # A port that answers nothing: "no serial data".
    python3 - "$D/silent.port" <<'PY' &
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(4)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
conns = []
end = time.time() + 30
while time.time() < end:
    s.settimeout(1)
    try:
        conns.append(s.accept()[0])
    except OSError:
        pass
PY
    SIM_PIDS+=($!)
    for i in $(seq 1 50); do [ -s "$D/silent.port" ] && break; sleep 0.1; done
    cli -p "socket://127.0.0.1:$(cat "$D/silent.port")" --connect-attempts 1 chip-id
    expect "no serial data" 4 "no serial data received"
}

# Partitions by name, partition table from the device and from a file.
case_partitions() {
    start_sim A esp32c3 tcp --no-timing || return
    MK parttable "$D/pt.bin" nvs:1:2:0x9000:0x6000 phy_init:1:1:0xf000:0x1000 factory:0:0:0x10000:0x40000 storage:1:0x82:0x50000:0x10000
    MK image 5 "$D/app.bin" --size=50000
    MK blob "$D/big.bin" 300000
    cli partition-table --file "$D/pt.bin"
    expect "partition-table from a file" 0 "factory" "storage" "spiffs" "MD5 entry: present, matches"
    cli -p "$PORT_A" write-flash 0x8000 "$D/pt.bin" 0x9000 "$D/big.bin"
    expect "write table (+ data over nvs/factory)" 0 "hash verified"
    cli -p "$PORT_A" partition-table
    expect "partition-table from the device" 0 "nvs" "phy_init" "0x10000"
    cli -p "$PORT_A" write-partition factory "$D/app.bin"
    expect "write-partition" 0 "hash verified"
    flash_equals A 0x10000 "$D/app.bin"
    cli -p "$PORT_A" read-partition factory "$D/part.bin"
    expect "read-partition" 0 "Read partition 'factory'"
    cmp -s <(head -c "$(stat -c %s "$D/app.bin")" "$D/part.bin") "$D/app.bin" && pass "read-partition data" || fail "read-partition data"
    [ "$(stat -c %s "$D/part.bin")" = $((0x40000)) ] && pass "read-partition size" || fail "read-partition size"
    cli -p "$PORT_A" erase-partition nvs
    expect "erase-partition" 0 "Erased 0x6000 bytes at 0x00009000"
    cli -p "$PORT_A" write-partition phy_init "$D/big.bin"
    expect "file larger than the partition" 2 "does not fit in partition 'phy_init'"
    cli -p "$PORT_A" read-partition nosuch "$D/x.bin"
    expect "unknown partition" 2 "no partition named 'nosuch'" "factory"
    cli -p "$PORT_A" --json partition-table
    echo "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); p={x["name"]:x for x in j["partitions"]}; assert p["factory"]["offset"]==0x10000 and p["storage"]["subtype"]=="spiffs"' \
        && pass "partition-table --json" || fail "partition-table --json"
    stop_sim A
    flash_erased A 0x9000 0x6000
}

# An ESP-IDF build directory, with header patching of the bootloader.
case_flash_build() {
    start_sim A esp32c3 tcp --no-timing || return
    local b="$D/build"
    mkdir -p "$b/bootloader" "$b/partition_table"
    MK image 5 "$b/bootloader/bootloader.bin" --size=20000 --size-freq=0x20
    MK parttable "$b/partition_table/partition-table.bin" nvs:1:2:0x9000:0x6000 factory:0:0:0x10000:0x100000
    MK image 5 "$b/app.bin" --size=80000 --seed=9
    cat >"$b/flasher_args.json" <<'JSON'
{ "write_flash_args": ["--flash_mode", "dio", "--flash_size", "2MB", "--flash_freq", "80m"],
  "flash_settings": { "flash_mode": "qio", "flash_size": "2MB", "flash_freq": "80m" },
  "flash_files": { "0x0": "bootloader/bootloader.bin", "0x8000": "partition_table/partition-table.bin",
                   "0x10000": "app.bin" },
  "extra_esptool_args": { "after": "hard_reset", "before": "default_reset", "stub": true, "chip": "esp32c3" } }
JSON
    cli -p "$PORT_A" flash "$b"
    expect "flash BUILD_DIR" 0 "SHA-256 recomputed" "hash verified"
    stop_sim A
    flash_equals A 0x10000 "$b/app.bin"
    dd if="$FLASH_A" of="$D/bl.bin" bs=1 count=$(stat -c %s "$b/bootloader/bootloader.bin") 2>/dev/null
    local h
    h=$(MK header "$D/bl.bin")
    [ "$h" = "00 1f sha-ok" ] && pass "bootloader header patched (qio, 2MB, 80m) with a valid SHA-256" || fail "bootloader header: $h"
    start_sim Z esp32 tcp --no-timing || return
    cli -p "$PORT_Z" flash "$b"
    expect "build for another chip" 5 "flasher_args.json is for ESP32-C3"
    cli -c esp32 -p "$PORT_Z" flash "$b"
    expect "build chip vs --chip" 2 "is for ESP32-C3, but --chip is ESP32"
}

# Header patching on write-flash: only at the bootloader offset.
case_patch() {
    start_sim A esp32 tcp --no-timing || return
    MK image 0 "$D/bl.bin" --size=8000 --size-freq=0x20
    cli -p "$PORT_A" write-flash --flash-mode dout --flash-size 8MB --flash-freq 40m 0x1000 "$D/bl.bin" 0x20000 "$D/bl.bin"
    expect "write-flash with flash settings" 0 "SHA-256 recomputed"
    cli -p "$PORT_A" verify-flash --flash-mode dout --flash-size 8MB --flash-freq 40m 0x1000 "$D/bl.bin"
    expect "verify-flash patches the same way" 0 "verified"
    cli -p "$PORT_A" verify-flash 0x1000 "$D/bl.bin"
    expect "unpatched file differs from the patched flash" 6 "DIFFER"
    stop_sim A
    dd if="$FLASH_A" of="$D/at1000.bin" bs=4096 skip=1 count=2 2>/dev/null
    dd if="$FLASH_A" of="$D/at20000.bin" bs=4096 skip=32 count=2 2>/dev/null
    [ "$(MK header "$D/at1000.bin")" = "03 30 sha-ok" ] && pass "patched at 0x1000" || fail "header at 0x1000: $(MK header "$D/at1000.bin")"
    [ "$(MK header "$D/at20000.bin")" = "02 20 sha-ok" ] && pass "untouched at 0x20000" || fail "header at 0x20000: $(MK header "$D/at20000.bin")"
}

# --json output, load-ram, run, stub discovery failure.
case_misc() {
    start_sim A esp32 tcp --no-timing || return
    cli -p "$PORT_A" --json chip-id
    echo "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["ok"] and j["chip"]=="ESP32" and j["command"]=="chip-id" and len(j["mac"])==17' \
        && pass "chip-id --json" || fail "chip-id --json: $OUT"
    cli -p "$PORT_A" --json read-mem 0x40001000
    echo "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["value"]==0x00f01d83' \
        && pass "read-mem --json" || fail "read-mem --json: $OUT"
    cli -p "$PORT_A" --json flash-id
    echo "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["flash_size"]==4*1024*1024' \
        && pass "flash-id --json" || fail "flash-id --json: $OUT"
    # The phase timeline: in --json always, as a table on stderr with --timings. The phases
    # tile the run: their sum is the total.
    MK image 0 "$D/tl.bin" --size=20000
    cli -p "$PORT_A" --json --timings write-flash 0x30000 "$D/tl.bin"
    local stubbed=1 # without the npm stub the run has no stub phase
    have_stub esp32 || stubbed=0
    echo "$OUT" | python3 -c 'import json,sys; t=json.load(sys.stdin)["timings"]; s=sum(v for k,v in t.items() if k!="total_ms"); assert t["data_ms"]>0 and t["verify_ms"]>0 and (t["stub_ms"]>0 or sys.argv[1]=="0") and abs(s-t["total_ms"])<=1.0, t' "$stubbed" \
        && pass "write-flash --json timings" || fail "write-flash --json timings: $OUT"
    echo "$ERR" | grep -q "^  verify .* ms" && pass "--timings table" || fail "--timings table: $ERR"
    # The write plan (cli/write_plan.c): a 512 KB file on erased flash at 921600 is written
    # without a search (sampled sectors hold none of it) in 64 KB transfers with one MD5 of the
    # region (and the guard's MD5s of the flash after and below it, before and after); with one
    # sector changed, the search finds just that sector (its 64 KB unit then adds its guard MD5s
    # and one closing MD5 of the unit); unchanged: skipped.
    MK blob "$D/big.bin" 524288
    cli -p "$PORT_A" -b 921600 --json write-flash 0x100000 "$D/big.bin"
    echo "$OUT" | python3 -c 'import json,sys; r=json.load(sys.stdin)["regions"][0]; assert r["verified"] and r["md5_requests"]==1+4 and r.get("changed_bytes", 524288)==524288, r' \
        && pass "plan: erased flash, no search, one MD5 (and the guard's four)" || fail "plan: erased flash: $OUT"
    cp "$D/big.bin" "$D/big2.bin"
    dd if="$D/tl.bin" of="$D/big2.bin" bs=4096 seek=77 count=1 conv=notrunc 2>/dev/null
    cli -p "$PORT_A" -b 921600 --json write-flash 0x100000 "$D/big2.bin"
    echo "$OUT" | python3 -c 'import json,sys; r=json.load(sys.stdin)["regions"][0]; assert r["verified"] and r["changed_bytes"]==4096 and r["md5_requests"]<=8+16+1+4+1, r' \
        && pass "plan: one changed sector found and rewritten" || fail "plan: one sector: $OUT"
    cli -p "$PORT_A" -b 921600 --json write-flash 0x100000 "$D/big2.bin"
    echo "$OUT" | python3 -c 'import json,sys; r=json.load(sys.stdin)["regions"][0]; assert r["skipped"] and r["md5_requests"]==8, r' \
        && pass "plan: unchanged region skipped" || fail "plan: unchanged: $OUT"
    MK image 0 "$D/ram.bin" --size=2048
    cli -p "$PORT_A" load-ram "$D/ram.bin"
    expect "load-ram" 0 "Loading segment 0: 2048 bytes at 0x3ffb0000" "Started at entry 0x40080000"
    MK blob "$D/notimg.bin" 100
    cli -p "$PORT_A" load-ram "$D/notimg.bin"
    expect "load-ram of a non-image" 2 "not an ESP image"
    cli -p "$PORT_A" --trace run
    expect "run" 0 "the app in flash is starting"
    # The ROM way out: FLASH_BEGIN(0,0) then FLASH_END(1) (docs/protocol.md §10.5).
    echo "$ERR" | grep -q "00 04 04 00 00 00 00 00 01 00 00 00" && pass "run sends FLASH_END(1)" \
        || fail "run: no FLASH_END(1) in the trace: $(echo "$ERR" | tail -5)"
    cli -p "$PORT_A" --after soft-reset --no-stub chip-id
    expect "--after soft-reset (ROM)" 0 "Soft reset: the app is starting"
    if have_stub esp32; then
        cli -p "$PORT_A" --after soft-reset write-flash 0x70000 "$D/ram.bin"
        expect "--after soft-reset with the ESP32 stub is refused clearly" 0 "soft reset is not possible while the flasher stub runs"
    else
        echo "skip: --after soft-reset with the stub needs the esptool-js stub (npm ci)"
    fi
    # No stub anywhere: say how to get one, carry on with the ROM.
    mkdir -p "$D/bin" && cp "$ESPLOADER" "$D/bin/esploader"
    MK blob "$D/b.bin" 8192
    (cd "$D" && ESPLOADER_STUB_DIR="$D/none" timeout 60 "$D/bin/esploader" -p "$PORT_A" write-flash 0x10000 "$D/b.bin" >"$D/o" 2>&1)
    RC=$?; OUT=$(cat "$D/o"); ERR=""
    expect "stub not found: ROM fallback" 0 "no flasher stub for ESP32 found" "npm i esptool-js" "hash verified"
    # On a terminal: a progress bar with rate and ETA; many boards get live lines.
    if command -v script >/dev/null; then
        MK blob "$D/big.bin" 40000
        timeout 60 script -qec "'$ESPLOADER' -p '$PORT_A' write-flash 0x60000 '$D/big.bin'" /dev/null >"$D/tty.txt" 2>&1
        grep -q "Writing .*\[#*\.*\] *100% .*KB/s  ETA" "$D/tty.txt" && pass "progress bar on a TTY" || fail "no progress bar on a TTY: $(tr '\r' '\n' <"$D/tty.txt" | tail -3)"
        start_sim B esp32c3 tcp --no-timing || return
        timeout 60 script -qec "'$ESPLOADER' -p '$PORT_A' -p '$PORT_B' write-flash 0x60000 '$D/big.bin'" /dev/null >"$D/tty2.txt" 2>&1
        grep -q "2 of 2 boards succeeded" "$D/tty2.txt" && grep -q $'\033\[2K' "$D/tty2.txt" && pass "multi-board live lines on a TTY" || fail "multi-board TTY view"
        stop_sim B
    fi
    cli --help
    expect "--help" 0 "write-flash" "exit codes"
    cli write-flash --help
    expect "write-flash --help" 0 "--flash-mode" "--no-diff" "--diff "
    stop_sim A
    # Secure Download Mode refuses FLASH_DEFL_* and MD5: compressible data goes plain, unverified
    # (the pipeline used to send FLASH_DEFL_BEGIN there and fail).
    start_sim B esp32s3 tcp --no-timing --secure-download || return
    yes "sdm text line 0123456789" | head -c 20000 >"$D/sdm.bin"
    cli -p "$PORT_B" -b 115200 write-flash 0x10000 "$D/sdm.bin"
    expect "SDM write-flash of compressible data: plain" 0 "Wrote 20000 bytes" "NOT verified"
    if printf '%s\n%s\n' "$OUT" "$ERR" | grep -q "bytes compressed"; then
        fail "SDM write-flash compressed"
    fi
    stop_sim B
    flash_equals B 0x10000 "$D/sdm.bin"
}

# The esptool commands added for issue 10: flash status/SFDP, dump-mem, security info,
# image-info, merge-bin, version, write-flash --erase-all/--force/keep, -a watchdog-reset.
case_newcmds() {
    start_sim A esp32c3 tcp --no-timing || return
    cli -p "$PORT_A" read-flash-status
    expect "read-flash-status" 0 "Flash memory status: 0x0000"
    cli -p "$PORT_A" --no-stub write-flash-status 0x0200
    expect "write-flash-status (volatile, ROM)" 0 "Initial flash memory status: 0x0000" "Setting flash memory status: 0x0200" "After flash memory status:   0x0200"
    cli -p "$PORT_A" --json read-flash-status --bytes 3
    echo "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["status"]==0x200 and j["bytes"]==3' \
        && pass "read-flash-status --bytes 3 --json" || fail "read-flash-status --json: $OUT"
    cli -p "$PORT_A" write-flash-status --bytes 1 --non-volatile 0x1c
    expect "write-flash-status --non-volatile (stub)" 0 "After flash memory status:   0x1c"
    cli -p "$PORT_A" write-flash-status --bytes 1 0x1ff
    expect "write-flash-status value too wide" 2 "at most 1 bytes"
    cli -p "$PORT_A" read-flash-sfdp 0 4
    expect "read-flash-sfdp signature" 0 "Flash memory SFDP[0..3]: 0x53 0x46 0x44 0x50"
    # JESD216 basic table DWORD 2 = density in bits - 1: 4 MB -> 0x01ffffff.
    cli -p "$PORT_A" --json --no-stub read-flash-sfdp 0x34 4
    echo "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["data"]==[255,255,255,1], j' \
        && pass "read-flash-sfdp density (ROM, --json)" || fail "read-flash-sfdp density: $OUT"
    cli -p "$PORT_A" read-flash-sfdp 0 5
    expect "read-flash-sfdp 5 bytes refused" 2 "BYTES (1-4)"
    cli -p "$PORT_A" --json read-mem 0x40001000
    local word
    word=$(echo "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["value"])')
    cli -p "$PORT_A" dump-mem 0x40001000 64 "$D/dump.bin"
    expect "dump-mem" 0 "Dumped 64 bytes from 0x40001000"
    python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(); assert len(d)==64 and struct.unpack("<I",d[:4])[0]==int(sys.argv[2])' "$D/dump.bin" "$word" \
        && pass "dump-mem first word = read-mem" || fail "dump-mem content"
    cli -p "$PORT_A" -p "$PORT_A" dump-mem 0x40001000 64 "$D/dump2.bin"
    expect "dump-mem refuses several boards" 2 "one board at a time"
    cli -p "$PORT_A" get-security-info
    expect "get-security-info" 0 "Security Information:" "Chip ID: 5" "Secure Boot: Disabled" "Flash Encryption: Disabled"
    cli -p "$PORT_A" --trace -a watchdog-reset chip-id
    expect "-a watchdog-reset (C3)" 0 "Hard resetting with a watchdog"
    # WRITE_REG(RTC_CNTL_WDTWPROTECT = 0x600080a8, key 0x50d83aa1) and the 0x6000_8090 enable.
    echo "$ERR" | grep -q "a8 80 00 60 a1 3a d8 50" && echo "$ERR" | grep -q "90 80 00 60 02 01 00 d0" \
        && pass "watchdog registers written" || fail "watchdog frames not in the trace"
    # --force: an image for another chip is written with a warning.
    MK image 0 "$D/esp32img.bin" --size=3000
    cli -p "$PORT_A" --force write-flash 0x30000 "$D/esp32img.bin"
    expect "write-flash --force" 0 "writing it anyway (--force)" "hash verified"
    cli -p "$PORT_A" write-flash 0x30000 "$D/esp32img.bin"
    expect "without --force refused" 2 "Use --force"
    # --erase-all: everything else is gone afterwards.
    MK blob "$D/keep.bin" 8192 --seed=4
    cli -p "$PORT_A" write-flash 0x50000 "$D/keep.bin"
    expect "write before --erase-all" 0 "hash verified"
    MK blob "$D/new.bin" 8192 --seed=6
    cli -p "$PORT_A" write-flash --erase-all 0x60000 "$D/new.bin"
    expect "write-flash --erase-all" 0 "hash verified"
    # keep: the bootloader header stays as it is in the file.
    MK image 5 "$D/bl.bin" --size=6000 --size-freq=0x2f
    cli -p "$PORT_A" write-flash --flash-mode keep --flash-freq keep --flash-size keep 0x0 "$D/bl.bin"
    expect "write-flash ... keep" 0 "hash verified"
    cli -p "$PORT_A" version
    expect "version command" 0 "0.1.0"
    stop_sim A
    flash_erased A 0x50000 0x2000
    flash_equals A 0x60000 "$D/new.bin"
    flash_equals A 0x0 "$D/bl.bin"
    start_sim B esp32 tcp --no-timing || return
    cli -p "$PORT_B" get-security-info
    expect "get-security-info on ESP32 unsupported" 7 "no GET_SECURITY_INFO"
    cli -p "$PORT_B" -a watchdog-reset chip-id
    expect "watchdog-reset unsupported on ESP32" 0 "watchdog reset is not supported on ESP32"
    stop_sim B
}

# image-info on esploader-mkimage's images for every chip, bad images, and merge-bin against
# what the sim's flash holds after write-flash of the same files.
case_images() {
    local chip slug id
    for chip in $("$ESPLOADER_MKIMAGE" list-chips); do
        slug=$(echo "$chip" | tr 'A-Z' 'a-z' | tr -d '-')
        "$ESPLOADER_MKIMAGE" target --chip "$chip" --csv "$HERE/../../examples/flash_multiple_partitions/partitions.csv" --out-dir "$D/$chip" >/dev/null \
            || { fail "mkimage $chip"; continue; }
        if [ "$slug" = esp8266 ]; then
            cli -c esp8266 image-info "$D/$chip/app.bin"
            expect "image-info $chip app" 0 "ESP8266 Image Header" "Checksum: 0x" "(valid)"
            continue
        fi
        id=$(image_id "$slug")
        cli image-info "$D/$chip/app.bin"
        expect "image-info $chip app" 0 "Detected image type: $chip" "Chip ID: $id ($chip)" "Flash mode: DIO" "Flash size: 4MB" "Project name: esploader_sample_app" "(valid)"
        echo "$OUT" | grep -q "Validation hash: [0-9a-f]\{64\} (valid)" && pass "image-info $chip SHA-256 valid" || fail "image-info $chip SHA-256"
        cli --json image-info "$D/$chip/bootloader.bin"
        echo "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["checksum_valid"] and j["sha256_valid"] and j["chip_id"]==int(sys.argv[1]) and len(j["segments"])==3 and "app_desc" not in j' "$id" \
            && pass "image-info --json $chip bootloader" || fail "image-info --json $chip: $OUT"
    done
    head -c 5000 "$D/ESP32/app.bin" >"$D/trunc.bin"
    cli image-info "$D/trunc.bin"
    expect "image-info truncated" 2 "truncated"
    cp "$D/ESP32/app.bin" "$D/bad.bin"
    printf 'Z' | dd of="$D/bad.bin" bs=1 seek=70000 conv=notrunc 2>/dev/null
    cli image-info "$D/bad.bin"
    expect "image-info corrupted data" 0 "(invalid - calculated" "(invalid)"
    MK blob "$D/notimg.bin" 100
    cli image-info "$D/notimg.bin"
    expect "image-info not an image" 2 "not an ESP image"

    # merge-bin = what write-flash puts in flash (header patch included).
    local c=ESP32-C3 fl="--flash-mode dio --flash-freq 40m --flash-size 2MB"
    local files="0x0 $D/$c/bootloader.bin 0x8000 $D/$c/partition-table.bin 0x10000 $D/$c/app.bin"
    # shellcheck disable=SC2086
    cli -c esp32c3 merge-bin -o "$D/merged.bin" $fl $files
    expect "merge-bin raw" 0 "ready to flash to offset 0x0"
    start_sim A esp32c3 tcp --no-timing || return
    # shellcheck disable=SC2086
    cli -p "$PORT_A" write-flash $fl $files
    expect "write-flash of the same files" 0 "hash verified"
    stop_sim A
    flash_equals A 0x0 "$D/merged.bin"
    # shellcheck disable=SC2086
    cli -c esp32c3 merge-bin --format hex -o "$D/merged.hex" $fl $files
    expect "merge-bin --format hex" 0 "Intel HEX"
    python3 - "$D/merged.hex" "$D/merged.bin" <<'PY' && pass "Intel HEX holds the same bytes (checksums ok)" || fail "Intel HEX content"
import sys
mem, upper, end = {}, 0, False
for line in open(sys.argv[1]):
    line = line.strip()
    b = bytes.fromhex(line[1:])
    assert sum(b) & 0xFF == 0, line
    n, addr, typ = b[0], b[1] << 8 | b[2], b[3]
    if typ == 4: upper = b[4] << 8 | b[5]
    elif typ == 0:
        for i in range(n): mem[(upper << 16) + addr + i] = b[4 + i]
    elif typ == 1: end = True
raw = open(sys.argv[2], "rb").read()
assert end
for a, v in mem.items(): assert raw[a] == v, hex(a)
# every byte of the raw file not in a record is gap fill
assert all(raw[a] == 0xFF for a in range(len(raw)) if a not in mem)
PY
    # shellcheck disable=SC2086
    cli -c esp32c3 merge-bin -o "$D/m2.bin" -t 0x8000 --pad-to-size 2MB 0x8000 "$D/$c/partition-table.bin" 0x10000 "$D/$c/app.bin"
    expect "merge-bin --target-offset --pad-to-size" 0 "ready to flash to offset 0x8000"
    [ "$(stat -c %s "$D/m2.bin")" = $((0x200000 - 0x8000)) ] && cmp -s <(tail -c +$((0x8001)) "$D/merged.bin" | head -c $(($(stat -c %s "$D/merged.bin") - 0x8000))) <(head -c $(($(stat -c %s "$D/merged.bin") - 0x8000)) "$D/m2.bin") \
        && pass "merge-bin -t/--pad-to-size layout" || fail "merge-bin -t/--pad-to-size layout"
    cli merge-bin -o "$D/x.bin" 0x0 "$D/$c/app.bin"
    expect "merge-bin without --chip" 2 "give the chip with --chip"
    cli -c esp32c3 merge-bin -o "$D/x.bin" -t 0x10000 0x8000 "$D/$c/partition-table.bin"
    expect "merge-bin file before the target offset" 2 "before it"
}

# The new SPI/security/dump commands on every chip the sim models, ROM loader, --json.
case_newcmds_all() {
    local chip n=0
    for chip in esp8266 esp32 esp32s2 esp32s3 esp32c2 esp32c3 esp32c5 esp32c6 esp32c61 esp32h2 \
        esp32p4 esp32s31 esp32e22 esp32h21 esp32h4; do
        n=$((n + 1))
        start_sim "X$n" "$chip" tcp --no-timing || continue
        local port
        eval "port=\$PORT_X$n"
        cli -p "$port" --no-stub --json read-flash-sfdp 0 4
        echo "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["ok"] and j["data"]==[0x53,0x46,0x44,0x50], j' \
            && pass "$chip read-flash-sfdp --json" || fail "$chip read-flash-sfdp: $OUT $ERR"
        cli -p "$port" --no-stub write-flash-status --bytes 1 0x1c
        expect "$chip write-flash-status" 0 "After flash memory status:   0x1c"
        cli -p "$port" --no-stub --json read-flash-status
        echo "$OUT" | python3 -c 'import json,sys; j=json.load(sys.stdin); assert j["ok"] and j["status"]==0x1c, j' \
            && pass "$chip read-flash-status --json" || fail "$chip read-flash-status: $OUT $ERR"
        cli -p "$port" --no-stub --json dump-mem 0x40001000 8 "$D/dump-$chip.bin"
        expect "$chip dump-mem" 0 '"size":	8'
        cli -p "$port" --no-stub get-security-info
        case $chip in
        esp8266 | esp32) expect "$chip get-security-info unsupported" 7 "no GET_SECURITY_INFO" ;;
        *) expect "$chip get-security-info" 0 "Security Information:" ;;
        esac
        cli -p "$port" --no-stub -a watchdog-reset chip-id
        case $chip in
        esp32s2 | esp32s3 | esp32c2 | esp32c3 | esp32c5 | esp32c61 | esp32p4 | esp32s31)
            expect "$chip -a watchdog-reset" 0 "Hard resetting with a watchdog" ;;
        *) expect "$chip -a watchdog-reset falls back" 0 "watchdog reset is not supported on" ;;
        esac
        stop_sim "X$n"
    done
}

# Real-time sim (UART and flash timing on) at a raised baud over a PTY.
case_timing() {
    start_sim A esp32 pty || return
    MK blob "$D/blob.bin" 65536
    # At 115200: with timing on, the sim garbles the reply to CHANGE_BAUDRATE (it switches
    # the host side of its model before the reply has left at the old rate), see docs/cli.md.
    cli -p "$PORT_A" -b 115200 write-flash 0x10000 "$D/blob.bin"
    expect "timed write-flash over a PTY" 0 "hash verified"
    stop_sim A
    flash_equals A 0x10000 "$D/blob.bin"
}

# Stub discovery (--stub auto) in what pip and distribution packages install, and in the npm
# esp-flasher-stub layout. No esptool can be installed here (no pip registry, no Debian
# package reachable), so the test builds the trees itself: stub JSONs with made-up code bytes
# (the sim does not run them) in <site-packages>/esptool/targets/stub_flasher/{1,2}/. The
# executable is copied out of the build tree and run from an empty folder with HOME and
# ESPLOADER_STUB_DIR pointing nowhere, so no other stub can be found.
case_stub_discovery() {
    local chip=esp32c3
    mkdir -p "$D/bin" "$D/home" "$D/cwd" && cp "$ESPLOADER" "$D/bin/esploader"
    mkstub() { # FILE TEXT_SIZE
        mkdir -p "$(dirname "$1")"
        python3 - "$1" "$2" <<'PY'
import base64, json, sys
n = int(sys.argv[2])
text = bytes((i * 7 + n) & 0xFF for i in range(n))
json.dump({"entry": 0x40380100, "text": base64.b64encode(text).decode(), "text_start": 0x40380000,
           "data": base64.b64encode(bytes(64)).decode(), "data_start": 0x3FC96000,
           "bss_start": 0x3FC90000}, open(sys.argv[1], "w"))
PY
    }
    local site="$D/py/lib/python3.11/site-packages" sub=esptool/targets/stub_flasher
    mkstub "$site/$sub/1/$chip.json" 1000
    mkstub "$site/$sub/2/$chip.json" 2000
    # run FAMILY VAR=VALUE...: write-flash through the found stub, sim playing FAMILY
    run() {
        local fam=$1
        shift
        rm -f "$D/A.flash" # erased flash each time: every run really writes
        start_sim A "$chip" tcp --no-timing --stub-family "$fam" || return
        (cd "$D/cwd" && env -u ESPLOADER_STUB_DIR -u PYTHONPATH -u VIRTUAL_ENV HOME="$D/home" \
            "$@" timeout 60 "$D/bin/esploader" -p "$PORT_A" --json write-flash 0x10000 "$D/b.bin" \
            >"$D/o" 2>"$D/e")
        RC=$?; OUT=$(cat "$D/o"); ERR=$(cat "$D/e")
        stop_sim A
    }
    MK blob "$D/b.bin" 30000
    run 2 PYTHONPATH="$site"
    expect "pip tree with 1/ and 2/: the esp-flasher-stub family (2/) wins" 0 \
        "$sub/2/$chip.json" "esptool stub_flasher/2 (esp-flasher-stub family)" $'"stub":\ttrue' $'"verified":\ttrue'
    flash_equals A 0x10000 "$D/b.bin"
    run 2 VIRTUAL_ENV="$D/py"
    expect "virtualenv site-packages found" 0 "$sub/2/$chip.json"
    rm -r "${site:?}/$sub/2"
    run 1 PYTHONPATH="$site"
    expect "only 1/: the legacy family" 0 "$sub/1/$chip.json" "esptool stub_flasher/1 (legacy family)" $'"stub":\ttrue'
    flash_equals A 0x10000 "$D/b.bin"
    rm -r "${site:?}/$sub/1"
    mkstub "$D/home/.local/lib/python3.12/site-packages/$sub/2/$chip.json" 3000
    run 2
    expect "pip install --user (~/.local) found" 0 ".local/lib/python3.12/site-packages/$sub/2/$chip.json"
    mkstub "$D/cwd/node_modules/esp-flasher-stub/stubs/$chip.json" 4000
    run 2
    expect "npm esp-flasher-stub layout found before Python installs" 0 \
        "node_modules/esp-flasher-stub/stubs/$chip.json" "npm esp-flasher-stub"
    rm -r "$D/cwd/node_modules" "$D/home/.local"
    run 1
    expect "nothing found: ROM fallback names every place" 0 "no flasher stub for ESP32-C3 found" \
        "site-packages/$sub/2 and /1" "pip install esptool" $'"stub":\tfalse'
}

# Every chip the CLI knows: detect (chip-id, with the image id where the chip reports one),
# flash-id, ROM write + read-back, and a write through the flasher stub where the npm packages
# have one (esptool-js 0.7.0 ships esp-flasher-stub images: the sim plays family 2); without a
# stub (ESP32-H21, ESP32-E22) the CLI must say so and write with the ROM. Prints a table.
case_all_chips() {
    local chips="esp8266 esp32 esp32s2 esp32s3 esp32c2 esp32c3 esp32c5 esp32c6 esp32c61 esp32h2
        esp32p4 esp32s31 esp32e22 esp32h21 esp32h4" chip rows=""
    MK blob "$D/blob.bin" 12000
    MK blob "$D/blob2.bin" 9000 --seed=4
    for chip in $chips; do
        local det=FAIL rom=FAIL stub=FAIL
        start_sim A "$chip" tcp --no-timing --stub-family 2 || continue
        cli -p "$PORT_A" --no-stub chip-id
        expect "$chip chip-id" 0 "Connected to"
        local want=""
        case $chip in esp8266 | esp32 | esp32s2) ;; *) want="Chip ID (image id): $(image_id "$chip")," ;; esac
        if [ "$RC" = 0 ] && { [ -z "$want" ] || printf '%s' "$OUT" | grep -qF "$want"; }; then
            det=ok
        else
            fail "$chip: chip id line '$want' missing"
        fi
        cli -p "$PORT_A" --no-stub flash-id
        expect "$chip flash-id" 0 "Manufacturer: c8" "Detected flash size: 4MB"
        cli -p "$PORT_A" --no-stub write-flash 0x10000 "$D/blob.bin"
        local w=$RC
        if [ "$chip" = esp8266 ]; then # its ROM cannot read flash: check the sim's flash file
            dd if="$FLASH_A" bs=4096 skip=16 count=3 2>/dev/null | head -c 12000 >"$D/back.bin"
            RC=0
        else
            cli -p "$PORT_A" --no-stub read-flash 0x10000 12000 "$D/back.bin"
        fi
        if [ "$w" = 0 ] && [ "$RC" = 0 ] && cmp -s "$D/blob.bin" "$D/back.bin"; then
            rom=ok
            pass "$chip ROM write + read-back"
        else
            fail "$chip ROM write + read-back (write rc $w, read rc $RC)"
        fi
        cli -p "$PORT_A" --json write-flash 0x20000 "$D/blob2.bin"
        if have_stub "$chip"; then
            expect "$chip stub write" 0 $'"stub":\ttrue' $'"verified":\ttrue'
            [ "$RC" = 0 ] && stub="ok (esp-flasher-stub, esptool-js)"
        else
            case $chip in
            esp32h21 | esp32e22)
                expect "$chip has no stub: ROM write" 0 "no flasher stub for" $'"stub":\tfalse' $'"verified":\ttrue'
                [ "$RC" = 0 ] && stub="none exists (ROM used)"
                ;;
            *)
                echo "skip: $chip stub write (no stub in ESPLOADER_STUB_DIR; npm ci not run?)"
                stub="skipped (no npm stub)"
                ;;
            esac
        fi
        stop_sim A
        flash_equals A 0x10000 "$D/blob.bin"
        flash_equals A 0x20000 "$D/blob2.bin"
        rows="$rows$(printf '| %-9s | %-6s | %-9s | %s |' "$chip" "$det" "$rom" "$stub")\n"
    done
    echo "| chip      | detect | ROM write | stub write |"
    printf '%b' "$rows"
}

"case_$1" "${@:2}"
finish
