#!/usr/bin/env bash
# The example through the POSIX port against an esploader-sim process over raw TCP
# (socket://), the way a CI pipeline would use the simulator: start the sim with a flash file,
# flash, stop the sim, then compare its flash file with the binaries at their offsets.
# Usage: over_tcp.sh EXAMPLE SIM BINARIES_DIR WORK_DIR CHIP
set -euo pipefail
example=$1 sim=$2 bins=$3 work=$4 chip=$5
rm -rf "$work" && mkdir -p "$work"
# --no-timing: the sim answers at once (real time over TCP; timing is covered in-process).
"$sim" --chip "$chip" --listen tcp:127.0.0.1:0 --port-file "$work/port" \
  --flash-file "$work/flash.bin" --no-timing --quiet >/dev/null &
sim_pid=$!
stop_sim() {
  kill "$sim_pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$sim_pid" 2>/dev/null || return 0; sleep 0.1; done
  kill -KILL "$sim_pid" 2>/dev/null || true
}
trap stop_sim EXIT
for _ in $(seq 100); do [ -s "$work/port" ] && break; sleep 0.1; done
endpoint=$(cat "$work/port")
"$example" --port "socket://${endpoint#tcp:}" --chip "$chip" --binaries "$bins" | tee "$work/log"
stop_sim
trap - EXIT
# Offsets as the example logged them ("<file>: Image size: N B, writing at 0x...").
for f in bootloader.bin partition-table.bin app.bin; do
  off=$(sed -n "s/.* $f: Image size: [0-9]* B, writing at \(0x[0-9a-f]*\)$/\1/p" "$work/log")
  [ -n "$off" ] || { echo "no offset logged for $f"; exit 1; }
  size=$(stat -c %s "$bins/$chip/$f")
  if ! cmp -n "$size" "$bins/$chip/$f" "$work/flash.bin" 0 $((off)); then
    echo "sim flash file differs from $f at $off"
    exit 1
  fi
done
echo "over TCP: sim flash file holds the 3 images"
