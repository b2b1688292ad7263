#!/usr/bin/env python3
"""Prints a free loopback port in [LOW, HIGH) (and, with OFFSET, one whose port+OFFSET is free too).
Below the kernel's ephemeral range (32768 and up by default), so no outgoing connection takes the
port between this pick and the bind of the process it is for. Usage: free-port.py LOW HIGH [OFFSET]"""
import random
import socket
import sys

low, high = int(sys.argv[1]), int(sys.argv[2])
offset = int(sys.argv[3]) if len(sys.argv) > 3 else None


def free(port):
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


for _ in range(1000):
    port = random.randrange(low, high)
    if free(port) and (offset is None or free(port + offset)):
        print(port)
        sys.exit(0)
sys.exit("no free port")
