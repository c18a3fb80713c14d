#!/usr/bin/env python3
"""socket-activate.py SOCKET [--pid-offset N] [--claim N] CMD [ARGS...]: what systemd does
for a socket-activated service, in small.

Listens on the unix stream socket SOCKET, puts it on fd 3 and execs CMD with LISTEN_FDS=1 and
LISTEN_PID set to the pid CMD runs as (ours: execve keeps it).  With --pid-offset N,
LISTEN_PID names another process (pid + N): a program must then ignore the fds.  With
--claim N, LISTEN_FDS=N although only fd 3 is open (a bad caller)."""
import os
import socket
import sys


def main():
    path, args = sys.argv[1], sys.argv[2:]
    offset, claim = 0, 1
    if args[:1] == ["--pid-offset"]:
        offset, args = int(args[1]), args[2:]
    if args[:1] == ["--claim"]:
        claim, args = int(args[1]), args[2:]
    srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    srv.bind(path)
    srv.listen(1)
    if srv.fileno() != 3:
        os.dup2(srv.fileno(), 3)
        srv.close()
    os.set_inheritable(3, True)
    env = dict(os.environ, LISTEN_FDS=str(claim), LISTEN_PID=str(os.getpid() + offset))
    os.execvpe(args[0], args, env)


main()
