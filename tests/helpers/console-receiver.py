#!/usr/bin/env python3
"""console-receiver.py SOCKET OUT [INPUT]: the --console-socket end that containerd plays.

Listens on SOCKET, receives one pty master over SCM_RIGHTS, writes INPUT (if any) to it and
copies what the container writes to the file OUT until the pty hangs up."""
import os
import select
import socket
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    data = sys.argv[3].encode() if len(sys.argv) > 3 else b""
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    conn, _ = srv.accept()
    _, fds, _, _ = socket.recv_fds(conn, 16, 1)
    master = fds[0]
    if data:
        os.write(master, data)
    with open(out, "wb") as f:
        while True:
            ready, _, _ = select.select([master], [], [], 30)
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            f.write(chunk)
            f.flush()


if __name__ == "__main__":
    main()
