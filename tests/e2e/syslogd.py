#!/usr/bin/env python3
"""A minimal syslog receiver for tests: one datagram per line to a file.
Usage: syslogd.py SOCKET LOGFILE"""
import os
import socket
import sys

path, logfile = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o666)
with open(logfile, "a", buffering=1) as f:
    while True:
        data = s.recv(65536)
        f.write(data.decode("utf-8", "replace").rstrip("\n") + "\n")
