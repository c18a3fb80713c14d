#!/usr/bin/env python3
"""seccomp-agent.py SOCKET OUT ERRNO: a seccomp agent for linux.seccomp.listenerPath.

Listens on SOCKET; for each connection receives the runtime's message (the container process
state JSON, the listener fd in SCM_RIGHTS), appends the JSON as one line to OUT, and answers
every notified syscall of that listener with -ERRNO until its processes are gone."""
import array
import os
import select
import socket
import struct
import sys
import threading

NOTIF_RECV = 0xC0502100  # _IOWR('!', 0, struct seccomp_notif), 80 bytes
NOTIF_SEND = 0xC0182101  # _IOWR('!', 1, struct seccomp_notif_resp), 24 bytes


def serve(fd, err):
    import fcntl
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    while True:
        events = poller.poll(30000)
        if not events or events[0][1] & (select.POLLHUP | select.POLLERR):
            break
        buf = bytearray(80)
        try:
            fcntl.ioctl(fd, NOTIF_RECV, buf, True)
        except OSError:
            continue
        notif_id = struct.unpack_from("Q", buf, 0)[0]
        resp = bytearray(struct.pack("QqiI", notif_id, 0, -err, 0))
        try:
            fcntl.ioctl(fd, NOTIF_SEND, resp, True)
        except OSError:
            pass
    os.close(fd)


def main():
    path, out, err = sys.argv[1], sys.argv[2], int(sys.argv[3])
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(8)
    while True:
        conn, _ = srv.accept()
        fds = array.array("i")
        msg, anc, _, _ = conn.recvmsg(65536, socket.CMSG_SPACE(4 * fds.itemsize))
        for level, kind, data in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
                fds.frombytes(data[: len(data) - (len(data) % fds.itemsize)])
        conn.close()
        with open(out, "a") as f:
            f.write(msg.decode() + "\n")
        for fd in fds:
            threading.Thread(target=serve, args=(fd, err), daemon=True).start()


if __name__ == "__main__":
    main()
