# SPDX-License-Identifier: GPL-2.0-or-later OR BSD-2-Clause
"""A small synchronous QMP client for tickpage's tests (unix sockets only)."""
import json
import socket
import time


class QMPError(Exception):
    pass


class QMP:
    """Connect to a QEMU started with -qmp unix:PATH,server=on,wait=off."""

    def __init__(self, path, timeout=30.0):
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                self.sock.connect(path)
                break
            except OSError:
                self.sock.close()
                if time.monotonic() > deadline:
                    raise QMPError(f"no QMP socket at {path} after {timeout}s")
                time.sleep(0.05)
        self.sock.settimeout(timeout)
        self.file = self.sock.makefile("rw")
        self.events = []
        greeting = self._recv()
        if "QMP" not in greeting:
            raise QMPError(f"unexpected greeting {greeting}")
        self.cmd("qmp_capabilities")

    def _recv(self):
        line = self.file.readline()
        if not line:
            raise QMPError("QMP connection closed")
        return json.loads(line)

    def cmd(self, name, **args):
        """Run one command; return its 'return' value or raise QMPError."""
        msg = {"execute": name}
        if args:
            msg["arguments"] = args
        self.file.write(json.dumps(msg) + "\n")
        self.file.flush()
        while True:
            r = self._recv()
            if "event" in r:
                self.events.append(r)
                continue
            if "error" in r:
                raise QMPError(f"{name}: {r['error'].get('desc', r['error'])}")
            return r.get("return")

    def hmp(self, command):
        """Run a human-monitor command and return its text output."""
        return self.cmd("human-monitor-command", **{"command-line": command})

    def wait_event(self, name, timeout=60.0):
        """Wait for event NAME (already queued or arriving); return it."""
        deadline = time.monotonic() + timeout
        while True:
            for i, e in enumerate(self.events):
                if e["event"] == name:
                    return self.events.pop(i)
            left = deadline - time.monotonic()
            if left <= 0:
                raise QMPError(f"timed out waiting for event {name}")
            self.sock.settimeout(left)
            try:
                r = self._recv()
            except socket.timeout:
                continue
            finally:
                self.sock.settimeout(None)
            if "event" in r:
                self.events.append(r)

    def close(self):
        try:
            self.file.close()
            self.sock.close()
        except OSError:
            pass
