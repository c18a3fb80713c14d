#!/usr/bin/env python3
"""notify-listener.py SOCKET OUT: the NOTIFY_SOCKET end that systemd plays.

Binds the unix datagram socket SOCKET and appends every datagram it receives to the file OUT,
one line per line of it (fds passed along, as with BARRIER=1, are closed at once, which is
how the sender learns that it was heard).  Runs until killed."""
import os
import socket
import sys


def main():
    path, out = sys.argv[1], sys.argv[2]
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    with open(out, "ab", buffering=0) as f:
        while True:
            data, fds, _, _ = socket.recv_fds(sock, 4096, 8)
            for fd in fds:
                os.close(fd)
            for line in data.split(b"\n"):
                if line:
                    f.write(line + b"\n")


main()
