# Helpers for the esploader end-to-end tests: start esploader-sim processes, run the CLI with
# a time limit, and check exit codes, output and the sim's flash file.
# Needs: ESPLOADER (the CLI), ESPLOADER_SIM (the simulator), MKDATA (mkdata.py).
set -u
E2E_TMP=$(mktemp -d /tmp/esploader-e2e.XXXXXX)
SIM_PIDS=()
FAILS=0
cleanup() {
    for p in "${SIM_PIDS[@]}"; do kill "$p" 2>/dev/null; done
    for p in "${SIM_PIDS[@]}"; do wait "$p" 2>/dev/null; done
    if [ "$FAILS" -eq 0 ]; then rm -rf "$E2E_TMP"; else echo "(kept $E2E_TMP)"; fi
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; FAILS=$((FAILS + 1)); }
pass() { echo "ok: $*"; }

# start_sim NAME CHIP tcp|pty|rfc2217 [sim options...]
# Sets PORT_<NAME> (what to give -p), FLASH_<NAME> (flash file), LOG_<NAME> (sim stderr).
start_sim() {
    local name=$1 chip=$2 mode=$3
    shift 3
    local listen=pty
    [ "$mode" = tcp ] && listen=tcp:127.0.0.1:0
    [ "$mode" = rfc2217 ] && listen=rfc2217:127.0.0.1:0
    local pf="$E2E_TMP/$name.port" log="$E2E_TMP/$name.log" fl="$E2E_TMP/$name.flash"
    rm -f "$pf" # a restarted sim of the same name must not be taken for its predecessor
    "$ESPLOADER_SIM" --chip "$chip" --listen "$listen" --port-file "$pf" --flash-file "$fl" \
        "$@" >"$E2E_TMP/$name.out" 2>"$log" &
    SIM_PIDS+=($!)
    eval "PID_$name=$!"
    local i
    for i in $(seq 1 100); do
        [ -s "$pf" ] && break
        sleep 0.1
    done
    [ -s "$pf" ] || { fail "sim $name did not start: $(cat "$log")"; return 1; }
    local ep
    ep=$(head -n1 "$pf")
    case "$ep" in
    tcp:*) ep="socket://${ep#tcp:}" ;;
    rfc2217:*) ep="rfc2217://${ep#rfc2217:}" ;;
    pty:*) ep="${ep#pty:}" ;;
    esac
    eval "PORT_$name=\$ep"
    eval "FLASH_$name=\$fl"
    eval "LOG_$name=\$log"
}

stop_sim() {
    local pid
    eval "pid=\$PID_$1"
    kill "$pid" 2>/dev/null
    wait "$pid" 2>/dev/null
}

# cli [args...]: run the CLI (time-limited); sets RC, OUT (stdout), ERR (stderr).
cli() {
    timeout 90 "$ESPLOADER" "$@" >"$E2E_TMP/out" 2>"$E2E_TMP/err"
    RC=$?
    OUT=$(cat "$E2E_TMP/out")
    ERR=$(cat "$E2E_TMP/err")
}

# expect WHAT RC [TEXT...]: the last cli call ended with RC and printed every TEXT.
expect() {
    local what=$1 rc=$2
    shift 2
    local ok=1
    [ "$RC" = "$rc" ] || { fail "$what: exit code $RC, expected $rc"; ok=0; }
    local t
    for t in "$@"; do
        if ! printf '%s\n%s\n' "$OUT" "$ERR" | grep -qF -- "$t"; then
            fail "$what: output lacks '$t'"
            ok=0
        fi
    done
    if [ $ok = 1 ]; then pass "$what"; else
        echo "--- stdout:"; echo "$OUT" | tail -n 15; echo "--- stderr:"; echo "$ERR" | tail -n 15
    fi
}

# flash_equals NAME OFFSET FILE: the sim's flash holds FILE at OFFSET.
flash_equals() {
    local fl
    eval "fl=\$FLASH_$1"
    local size
    size=$(stat -c %s "$3")
    if cmp -s <(dd if="$fl" bs=1 skip=$(($2)) count="$size" 2>/dev/null) "$3"; then
        pass "flash of $1 at $2 holds $(basename "$3")"
    else
        fail "flash of $1 at $2 does not hold $(basename "$3")"
    fi
}

# flash_erased NAME OFFSET SIZE: all 0xFF there.
flash_erased() {
    local fl
    eval "fl=\$FLASH_$1"
    if [ "$(dd if="$fl" bs=4096 skip=$(($2 / 4096)) count=$(($3 / 4096)) 2>/dev/null | tr -d '\377' | wc -c)" = 0 ]; then
        pass "flash of $1 erased at $2 (+$3)"
    else
        fail "flash of $1 not erased at $2 (+$3)"
    fi
}

files_equal() {
    if cmp -s "$1" "$2"; then pass "$3"; else fail "$3: $1 and $2 differ"; fi
}

log_has() {
    local log
    eval "log=\$LOG_$1"
    if grep -qF -- "$2" "$log"; then pass "sim $1 log: $2"; else
        fail "sim $1 log lacks '$2'"
        tail -n 20 "$log"
    fi
}

# have_stub CHIP: a stub JSON for CHIP is in $ESPLOADER_STUB_DIR (the npm packages the tests use).
have_stub() {
    [ -n "${ESPLOADER_STUB_DIR:-}" ] && [ -r "$ESPLOADER_STUB_DIR/$1.json" ]
}

# need_stub CHIP: end the test as skipped (exit 77, ctest SKIP_RETURN_CODE) without one.
need_stub() {
    have_stub "$1" && return 0
    echo "SKIP: no flasher stub for $1 in ESPLOADER_STUB_DIR=${ESPLOADER_STUB_DIR:-} (run 'npm ci' in the source tree)"
    exit 77
}

finish() {
    if [ "$FAILS" -ne 0 ]; then
        echo "$FAILS check(s) failed"
        exit 1
    fi
    echo "all checks passed"
    exit 0
}
