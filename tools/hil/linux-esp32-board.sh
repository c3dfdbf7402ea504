#!/usr/bin/env bash
# boards/esp32's board code on Linux (tools/build-esp32-linux.sh) dressed as an ESP32 on the network, so that
# the HIL runner's udp path (the one a real ESP32 on Wi-Fi takes) runs in CI. Like main/app_main.c, each
# "boot" runs `enroll --json URI` once, with its NVS key store kept in DIR/nvs.bin between boots; these
# subcommands stand in for esptool:
#
#   linux-esp32-board.sh reset DIR URI     power-cycle: stop the board if it runs, boot it again (it enrolls)
#   linux-esp32-board.sh flash DIR CSV     program the key store from the runner's NVS CSV (board stopped)
#   linux-esp32-board.sh down DIR          stop the board
#
#   npm run hil -- --board udp 127.0.0.1 --port 5683 \
#     --reset-cmd "bash tools/hil/linux-esp32-board.sh reset DIR coap://127.0.0.1:5683/.well-known/est" \
#     --flash-cmd "bash tools/hil/linux-esp32-board.sh flash DIR {csv}"
#
# The board's console (its JSON report on stdout, its log on stderr) is appended to DIR/console.log, each boot
# after a "--- boot N" line.
set -euo pipefail
cd "$(dirname "$0")/../.."
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 reset DIR URI | flash DIR CSV | down DIR" >&2; exit 2; }
BIN=build/esp32-linux/esp32-linux
MODULE=${MODULE:-build/client.wasm}

is_board() { tr '\0' '\n' 2>/dev/null <"/proc/$1/environ" | grep -qxF "EST_FAKE_NVS=$dir/nvs.bin"; }

stop_board() {
  if [ -f "$dir/board.pid" ]; then
    local pid
    pid=$(cat "$dir/board.pid")
    # The board may have finished by itself, and its pid been reused: only a process that is still this
    # board (its NVS file in its environment) gets the signal, and the wait is on /proc (kill -0 also
    # succeeds on a zombie).
    if is_board "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
    for _ in $(seq 200); do is_board "$pid" || break; sleep 0.01; done
    rm -f "$dir/board.pid"
  fi
}

case "$cmd" in
  reset)
    uri=${3:?URI}
    [ -x "$BIN" ] || { echo "linux-esp32-board: $BIN is missing (bash tools/build-esp32-linux.sh)" >&2; exit 1; }
    mkdir -p "$dir"
    stop_board
    n=$(( $(cat "$dir/boots" 2>/dev/null || echo 0) + 1 ))
    echo "$n" >"$dir/boots"
    # A cut can stop the board in the middle of a line: the marker goes on a line of its own all the same.
    if [ -s "$dir/console.log" ] && [ -n "$(tail -c 1 "$dir/console.log")" ]; then echo >>"$dir/console.log"; fi
    echo "--- boot $n" >>"$dir/console.log"
    # stdio to a file: the runner's `sh -c` returns at once instead of waiting for the board's pipes.
    EST_FAKE_NVS="$dir/nvs.bin" "$BIN" "$MODULE" enroll --json "$uri" </dev/null >>"$dir/console.log" 2>&1 &
    pid=$!
    echo $pid >"$dir/board.pid"
    # Return once the child is the board (exec done), so that a reset right after this one finds it.
    for _ in $(seq 100); do is_board "$pid" && break; [ -r "/proc/$pid/status" ] || break; sleep 0.01; done
    ;;
  flash)
    csv=${3:?CSV}
    mkdir -p "$dir"
    stop_board
    # The ESP-IDF stand-in's NVS file (boards/esp32/test/fake_idf.c): per entry a 16-byte key, a 4-byte
    # little-endian length, the blob; from the CSV that nvs_partition_gen would take on a real ESP32.
    python3 - "$csv" "$dir/nvs.new" <<'PY'
import base64, csv, struct, sys
out = bytearray()
with open(sys.argv[1], newline="") as f:
    rows = list(csv.reader(f))
if rows[0] != ["key", "type", "encoding", "value"] or rows[1][:2] != ["est", "namespace"]:
    sys.exit("linux-esp32-board: not an NVS CSV of namespace est")
for key, typ, enc, value in rows[2:]:
    if typ != "data" or enc != "base64" or len(key) > 15:
        sys.exit(f"linux-esp32-board: unexpected CSV row {key},{typ},{enc}")
    blob = base64.b64decode(value, validate=True)
    out += key.encode().ljust(16, b"\0") + struct.pack("<I", len(blob)) + blob
open(sys.argv[2], "wb").write(out)
PY
    mv "$dir/nvs.new" "$dir/nvs.bin"
    ;;
  down)
    stop_board
    ;;
  *) echo "usage: $0 reset DIR URI | flash DIR CSV | down DIR" >&2; exit 2 ;;
esac
