#!/usr/bin/env python3
"""A serial port for the emulated board: a pseudo-terminal whose other end is QEMU's UART.

    python3 tools/hil/qemu_tty.py DIR

makes DIR/tty (a symlink to the pty's slave, e.g. /dev/pts/7), DIR/port (a TCP port on 127.0.0.1) and
DIR/connections (how many QEMUs have connected so far). Each
QEMU started with `-serial tcp:127.0.0.1:PORT` connects there; its UART bytes are relayed to and from the pty
until it exits. With no QEMU connected the board is "off": bytes written to DIR/tty are dropped, as they would
be by a powered-down nRF52840 DK. The pty stays open across QEMU restarts, like a DK's USB serial port stays
while the nRF52840 resets, which is what lets `npm run hil -- --board serial DIR/tty` drive QEMU through
tools/hil/qemu-serial-board.sh. Runs until killed (SIGTERM/SIGINT), then removes the files it made.
"""
import os
import pty
import selectors
import signal
import socket
import sys
import tty


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: qemu_tty.py DIR", file=sys.stderr)
        return 2
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    master, slave = pty.openpty()
    tty.setraw(slave)  # no echo or line discipline before the runner's stty
    link, port_file = os.path.join(d, "tty"), os.path.join(d, "port")
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(os.ttyname(slave), link)
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(srv.getsockname()[1]))
    os.replace(tmp, port_file)  # whoever waits for DIR/port sees the whole number

    def stop(*_):
        for p in (link, port_file, count_file):
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    sel = selectors.DefaultSelector()
    sel.register(master, selectors.EVENT_READ, "pty")
    sel.register(srv, selectors.EVENT_READ, "listen")
    conn = None
    # DIR/connections counts the QEMUs accepted so far: a reset waits for it to move, and from then on the
    # new QEMU holds whatever is written to DIR/tty (its UART takes it when the firmware reads), while
    # anything the old one sent is already in the pty or dropped with its socket.
    accepted = 0
    count_file = os.path.join(d, "connections")
    count_tmp = count_file + ".tmp"
    while True:
        for key, _ in sel.select():
            if key.data == "listen":
                c, _ = srv.accept()
                if conn is not None:  # a new QEMU while the old one's socket lingers: the new one wins
                    sel.unregister(conn)
                    conn.close()
                c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                conn = c
                sel.register(conn, selectors.EVENT_READ, "qemu")
                accepted += 1
                with open(count_tmp, "w") as f:
                    f.write(str(accepted))
                os.replace(count_tmp, count_file)
            elif key.data == "pty":
                try:
                    data = os.read(master, 4096)
                except OSError:  # no process has the slave open right now
                    data = b""
                if conn is not None and data:
                    try:
                        conn.sendall(data)
                    except OSError:
                        pass
            else:
                data = b""
                try:
                    data = conn.recv(4096)
                except OSError:
                    pass
                if not data:  # QEMU exited or was killed: the board is off
                    sel.unregister(conn)
                    conn.close()
                    conn = None
                    continue
                os.write(master, data)


if __name__ == "__main__":
    sys.exit(main())
