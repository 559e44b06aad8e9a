#!/usr/bin/env python3
"""Drive a lanes agent over a pipe, as the coordinator would (io/wire.h).

    wiredrv.py [--mux N] [--timeout S] [--garbage] -- AGENT ARGV...

Starts AGENT, reads its hello, and runs the shell command lines read
from standard input one after the other, printing for each

    job N: exit E | signal S [timed out] / out 'STDOUT' / err 'STDERR'

then says bye and prints the agent's exit status. --mux N speaks the
line transport on channel N (lanes --agent --mux, SLURM_PROCID=N);
--timeout applies to every job; --garbage sends a malformed frame
instead of jobs and prints the agent's ERROR frame. A test fails on a
protocol violation: this script exits 2 with a message.
"""
import base64
import os
import struct
import subprocess
import sys

MAGIC = b"lanes\0wp"
HELLO, JOB, STDIN, OUT, END, SIGNAL, CREDIT, BYE, ERROR = range(1, 10)


def frame(t, payload):
    return struct.pack(">IBBBB", len(payload), t, 0, 0, 0) + payload


def s(b):
    return struct.pack(">I", len(b)) + b


def die(msg):
    print("wiredrv: " + msg, file=sys.stderr)
    sys.exit(2)


class Agent:
    def __init__(self, argv, chan):
        self.p = subprocess.Popen(argv, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE)
        self.chan = chan
        self.buf = b""
        self.lines = b""

    def send(self, data):
        if self.chan is not None:
            out = b""
            for i in range(0, len(data), 720):
                out += b"%d:%s\n" % (self.chan,
                                     base64.b64encode(data[i:i + 720]))
            data = out
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def _fill(self):
        got = os.read(self.p.stdout.fileno(), 65536)
        if not got:
            return False
        if self.chan is None:
            self.buf += got
            return True
        self.lines += got
        while b"\n" in self.lines:
            line, self.lines = self.lines.split(b"\n", 1)
            ch, _, b64 = line.partition(b":")
            if ch != b"%d" % self.chan:
                die("line on channel %r" % ch)
            self.buf += base64.b64decode(b64, validate=True)
        return True

    def next(self):
        while True:
            if len(self.buf) >= 8:
                n, t = struct.unpack(">IB", self.buf[:5])
                if len(self.buf) >= 8 + n:
                    p = self.buf[8:8 + n]
                    self.buf = self.buf[8 + n:]
                    return t, p
            if not self._fill():
                return None, None


def run_job(a, jid, cmd, timeout):
    c = cmd.encode()
    p = struct.pack(">QQIIQ", jid, jid, 1, 0, int(timeout * 1e6))
    p += struct.pack(">IIQ", 1, 15, 500000)      # termseq TERM, 0.5 s
    p += s(c) + struct.pack(">I", 3) + s(b"/bin/sh") + s(b"-c") + s(c)
    p += struct.pack(">I", 1) + s(b"LANES_SEQ=%d" % jid)
    a.send(frame(JOB, p))
    out = {1: b"", 2: b""}
    while True:
        t, p = a.next()
        if t is None:
            die("agent ended during job %d" % jid)
        if t == OUT:
            i, st = struct.unpack(">QB", p[:9])
            out[st] += p[9:]
            a.send(frame(CREDIT, struct.pack(">QI", i, len(p) - 9)))
        elif t == END:
            i, rc, status, pid, to, stp = struct.unpack(">QiiIBB", p[:22])
            what = ("exit %d" % (status >> 8)) if status & 0x7f == 0 \
                else "signal %d" % (status & 0x7f)
            if rc:
                what = "not started (%d)" % rc
            print("job %d: %s%s / out %r / err %r" % (
                jid, what, " timed out" if to else "",
                out[1].decode(errors="replace"),
                out[2].decode(errors="replace")))
            return
        else:
            die("unexpected frame type %d" % t)


def main():
    args = sys.argv[1:]
    chan, timeout, garbage = None, 0.0, False
    while args and args[0] != "--":
        if args[0] == "--mux":
            chan = int(args[1])
            args = args[2:]
        elif args[0] == "--timeout":
            timeout = float(args[1])
            args = args[2:]
        elif args[0] == "--garbage":
            garbage = True
            args = args[1:]
        else:
            die("unknown option " + args[0])
    a = Agent(args[1:], chan)
    t, p = a.next()
    if t != HELLO or p[:8] != MAGIC:
        die("no hello from the agent")
    ver, slots = struct.unpack(">II", p[8:16])
    node = p[20:].decode()
    print("hello: version %d, %d slots, node %s" % (ver, slots, node))
    a.send(frame(HELLO, MAGIC + struct.pack(">II", 1, 0) + s(b"")))
    if garbage:
        a.send(frame(99, b"x"))
        t, p = a.next()
        if t == ERROR:
            print("error: " + p[4:].decode())
    else:
        for jid, line in enumerate(sys.stdin, 1):
            run_job(a, jid, line.rstrip("\n"), timeout)
        a.send(frame(BYE, b""))
        t, p = a.next()
        if t != BYE:
            die("no bye from the agent")
    a.p.stdin.close()
    print("agent exit: %d" % a.p.wait())


if __name__ == "__main__":
    main()
