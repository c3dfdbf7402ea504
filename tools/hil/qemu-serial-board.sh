#!/usr/bin/env bash
# QEMU's mps2-an386 dressed as a board on a serial port, so that the HIL runner's serial path (the one an
# nRF52840 DK uses) runs in CI: the firmware's --console mode speaks the DK's SLIP console, tools/hil/qemu_tty.py
# gives it a pty, and these subcommands stand in for nrfjprog:
#
#   qemu-serial-board.sh up DIR            start the pty relay; DIR/tty is the serial port
#   qemu-serial-board.sh reset DIR         power-cycle: kill QEMU if it runs, start it again on DIR/flash.bin,
#                                          return once its UART is connected to the relay
#   qemu-serial-board.sh flash DIR HEX     program the key store from the runner's Intel HEX (QEMU stopped)
#   qemu-serial-board.sh down DIR          stop QEMU and the relay
#
#   npm run hil -- --board serial DIR/tty --reset-cmd "bash tools/hil/qemu-serial-board.sh reset DIR" \
#     --flash-cmd "bash tools/hil/qemu-serial-board.sh flash DIR {hex}"
#
# ELF selects the firmware (default build/mps2-an386.elf, npm run build:mps2). QEMU's output goes
# to DIR/qemu.log (semihosting stderr: every log line, the stats line).
set -euo pipefail
cd "$(dirname "$0")/../.."
cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 up|reset|flash|down DIR [HEX]" >&2; exit 2; }
ELF=${ELF:-build/mps2-an386.elf}

# Not kill -0: that also succeeds on a zombie. (Just after the fork the child is not QEMU yet: no is_board.)
alive() { [ -r "/proc/$1/status" ] && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }
is_board() { tr '\0' '\n' 2>/dev/null <"/proc/$1/cmdline" | grep -qF "arg=$dir/flash.bin"; }

stop_qemu() {
  if [ -f "$dir/qemu.pid" ]; then
    local pid
    pid=$(cat "$dir/qemu.pid")
    # QEMU exits by itself after a command, and its pid may be reused: only a process that is still this
    # board's QEMU (its flash file on the command line) gets the signal.
    if is_board "$pid"; then kill -9 "$pid" 2>/dev/null || true; fi
    # Wait until it is gone, so that nothing it wrote to the flash file comes after what follows. Not kill -0:
    # that also succeeds on a zombie, whose cmdline is empty.
    for _ in $(seq 200); do is_board "$pid" || break; sleep 0.01; done
    rm -f "$dir/qemu.pid"
  fi
}

case "$cmd" in
  up)
    mkdir -p "$dir"
    rm -f "$dir/port"
    python3 tools/hil/qemu_tty.py "$dir" </dev/null >"$dir/relay.log" 2>&1 &
    echo $! >"$dir/relay.pid"
    for _ in $(seq 500); do [ -s "$dir/port" ] && break; sleep 0.01; done
    [ -s "$dir/port" ] || { echo "qemu-serial-board: the pty relay did not start (see $dir/relay.log)" >&2; exit 1; }
    echo "$dir/tty -> $(readlink "$dir/tty")"
    ;;
  reset)
    [ -s "$dir/port" ] || { echo "qemu-serial-board: no relay in $dir (run: $0 up $dir)" >&2; exit 1; }
    [ -f "$ELF" ] || { echo "qemu-serial-board: $ELF is missing (npm run build:mps2)" >&2; exit 1; }
    stop_qemu
    [ -f "$dir/flash.bin" ] || head -c 32768 /dev/zero | tr '\0' '\377' >"$dir/flash.bin"
    before=$(cat "$dir/connections" 2>/dev/null || echo 0)
    # stdio to files: the runner's `sh -c` returns at once instead of waiting for QEMU's pipes.
    qemu-system-arm -M mps2-an386 -nographic -monitor none -serial "tcp:127.0.0.1:$(cat "$dir/port")" \
      -semihosting-config "enable=on,target=native,arg=--flash,arg=$dir/flash.bin,arg=--console" \
      -kernel "$ELF" </dev/null >>"$dir/qemu.log" 2>&1 &
    pid=$!
    echo $pid >"$dir/qemu.pid"
    # Return once the relay has the new QEMU's UART: a command written to DIR/tty from then on reaches it
    # (before, the relay would drop it as sent to a board that is off).
    for _ in $(seq 1000); do
      [ "$(cat "$dir/connections" 2>/dev/null || echo 0)" != "$before" ] && exit 0
      alive "$pid" || break
      sleep 0.01
    done
    echo "qemu-serial-board: QEMU did not connect to the relay (see $dir/qemu.log):" >&2
    tail -n 5 "$dir/qemu.log" >&2 || true
    exit 1
    ;;
  flash)
    hex=${3:?HEX}
    stop_qemu
    # objcopy reads the Intel HEX independently of the runner's writer; the store region is 32 KiB.
    arm-none-eabi-objcopy -I ihex -O binary "$hex" "$dir/flash.new"
    size=$(stat -c %s "$dir/flash.new")
    [ "$size" = 32768 ] || { echo "qemu-serial-board: $hex holds $size bytes, not the 32 KiB store" >&2; exit 1; }
    mv "$dir/flash.new" "$dir/flash.bin"
    ;;
  down)
    stop_qemu
    if [ -f "$dir/relay.pid" ]; then kill "$(cat "$dir/relay.pid")" 2>/dev/null || true; rm -f "$dir/relay.pid"; fi
    ;;
  *) echo "usage: $0 up|reset|flash|down DIR [HEX]" >&2; exit 2 ;;
esac
