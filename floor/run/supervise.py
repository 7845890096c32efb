"""A small process supervisor for ``make run`` (what honcho did, plus restarts and clear exits).

Given named commands (Procfile lines), :class:`Supervisor` starts each in its own process group,
prefixes its output with its name, and watches them.  When one exits it prints exactly one line,
``<name> exited with code N`` or ``<name> exited with signal N (SIGNAME)``, then:

* a program with ``restart=True`` (the RQ worker: jobs are idempotent by id, a crashed worker loses
  nothing) is started again after a backoff that doubles from ``backoff_s`` up to ``max_backoff_s``
  and starts over once it has run ``stable_s`` without exiting;
* any other program (the web server) stops the whole stack, with a line saying so, and
  :meth:`Supervisor.run` returns its exit status.  Chosen because under ``make run`` a dying web
  server is a bug or a misconfiguration (port, secret, Redis) that restarting would hide behind a
  loop of tracebacks; in production systemd restarts it (``deploy/systemd``).

Ctrl-C (SIGINT), SIGTERM and SIGHUP reach only the supervisor (children live in their own process
groups), which sends each child's group one SIGTERM, waits ``grace_s``, then SIGKILLs what is left;
a second Ctrl-C kills at once.  ``run`` returns 0 after such a stop.  Children are started through
``bash -c`` (which execs a simple command, so the pid is the program's) and, where util-linux'
``setpriv`` exists, die with the supervisor even if it is killed with SIGKILL.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import IO, TextIO

STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
PROCFILE_LINE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.+)$")


@dataclass(frozen=True)
class Program:
    """One named command; ``restart`` chooses between restart-with-backoff and stop-the-stack."""

    name: str
    command: str
    restart: bool = False


@dataclass
class _Slot:
    program: Program
    process: subprocess.Popen[bytes] | None = None
    reader: threading.Thread | None = None
    started_at: float = 0.0
    start_at: float = 0.0  # when a restart is due (process is None meanwhile)
    failures: int = 0  # consecutive quick exits, for the backoff
    restarts: int = 0


def parse_procfile(text: str) -> dict[str, str]:
    """``name: command`` lines, in file order; blank lines and ``#`` comments are skipped."""
    programs: dict[str, str] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = PROCFILE_LINE.match(line)
        if match is None:
            raise ValueError(f"Procfile line {number} is not 'name: command': {line!r}")
        programs[match.group(1)] = match.group(2).strip()
    return programs


def describe_exit(name: str, returncode: int) -> str:
    """The one line printed when a program exits (a negative Popen code is a signal)."""
    if returncode < 0:
        number = -returncode
        try:
            signame = signal.Signals(number).name
        except ValueError:
            signame = "unknown"
        return f"{name} exited with signal {number} ({signame})"
    return f"{name} exited with code {returncode}"


def exit_status(returncode: int) -> int:
    """The supervisor's own status after ``returncode`` stopped the stack (never 0: it was unexpected)."""
    if returncode < 0:
        return 128 - returncode
    return returncode or 1


class Supervisor:
    def __init__(self, programs: list[Program], *, env: dict[str, str] | None = None, cwd: str | None = None,
                 out: TextIO | None = None, grace_s: float = 10.0, backoff_s: float = 1.0,
                 max_backoff_s: float = 30.0, stable_s: float = 30.0) -> None:
        if len({p.name for p in programs}) != len(programs) or not programs:
            raise ValueError("programs must be non-empty with unique names")
        self.slots = [_Slot(p) for p in programs]
        self.env = dict(os.environ if env is None else env)
        self.env.setdefault("PYTHONUNBUFFERED", "1")  # output through a pipe shows up line by line
        self.cwd = cwd
        self.out = out or sys.stdout
        self.grace_s, self.backoff_s, self.max_backoff_s, self.stable_s = grace_s, backoff_s, max_backoff_s, stable_s
        self.width = max(len(p.name) for p in programs)
        self._lock = threading.Lock()
        self._signals: list[int] = []
        self._setpriv = shutil.which("setpriv")

    # -- output ------------------------------------------------------------------------------
    def say(self, line: str) -> None:
        with self._lock:
            self.out.write(line + "\n")
            self.out.flush()

    def _pump(self, name: str, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            text = raw.decode("utf-8", "replace").rstrip("\n")
            self.say(f"{name:<{self.width}} | {text}")
        stream.close()

    # -- processes -----------------------------------------------------------------------------
    def _start(self, slot: _Slot) -> None:
        command = ["bash", "-c", slot.program.command]
        if self._setpriv:
            command = [self._setpriv, "--pdeathsig", "TERM", *command]
        process = subprocess.Popen(command, cwd=self.cwd, env=self.env, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, process_group=0)
        assert process.stdout is not None
        slot.process, slot.started_at = process, time.monotonic()
        slot.reader = threading.Thread(target=self._pump, args=(slot.program.name, process.stdout), daemon=True)
        slot.reader.start()

    @staticmethod
    def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signum)  # the group: a shell's or a server's own children too

    def _reap(self, slot: _Slot) -> None:
        """After the program exited: end what is left of its group, let its output drain."""
        assert slot.process is not None
        self._signal_group(slot.process, signal.SIGTERM)
        if slot.reader is not None:
            slot.reader.join(1.0)

    def _schedule_restart(self, slot: _Slot, now: float) -> None:
        ran = now - slot.started_at
        slot.failures = 1 if ran >= self.stable_s else slot.failures + 1
        delay = min(self.max_backoff_s, self.backoff_s * 2 ** (slot.failures - 1))
        slot.process, slot.start_at = None, now + delay
        slot.restarts += 1
        self.say(f"restarting {slot.program.name} in {delay:.1f} s (restart {slot.restarts})")

    def stop_all(self) -> None:
        """SIGTERM every running group, wait up to ``grace_s`` (less after a second signal), SIGKILL the rest."""
        running = [s for s in self.slots if s.process is not None and s.process.poll() is None]
        for slot in running:
            assert slot.process is not None
            self._signal_group(slot.process, signal.SIGTERM)
        deadline = time.monotonic() + self.grace_s
        signals_seen = len(self._signals)
        for slot in running:
            assert slot.process is not None
            while slot.process.poll() is None and time.monotonic() < deadline and len(self._signals) <= signals_seen:
                time.sleep(0.02)
            if slot.process.poll() is None:
                self._signal_group(slot.process, signal.SIGKILL)
                slot.process.wait()
                why = "a second signal" if len(self._signals) > signals_seen else f"{self.grace_s:g} s"
                self.say(f"{slot.program.name} did not stop within {why}: killed")
            else:
                self.say(f"{slot.program.name} stopped")
            self._reap(slot)

    # -- the loop ------------------------------------------------------------------------------
    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        self._signals.append(signum)

    def run(self) -> int:
        """Start every program and supervise until a stop signal (returns 0) or the exit of a
        program that is not restarted (returns :func:`exit_status` of its code)."""
        previous = {s: signal.signal(s, self._on_signal) for s in STOP_SIGNALS}
        try:
            for slot in self.slots:
                self._start(slot)
            while True:
                if self._signals:
                    name = signal.Signals(self._signals[0]).name
                    names = ", ".join(s.program.name for s in self.slots if s.process is not None)
                    self.say(f"{'Ctrl-C' if name == 'SIGINT' else name}: stopping {names} ...")
                    self.stop_all()
                    return 0
                now = time.monotonic()
                for slot in self.slots:
                    if slot.process is None:
                        if now >= slot.start_at:
                            self._start(slot)
                        continue
                    code = slot.process.poll()
                    if code is None:
                        continue
                    self._reap(slot)
                    self.say(describe_exit(slot.program.name, code))
                    if slot.program.restart:
                        self._schedule_restart(slot, now)
                        continue
                    others = [s.program.name for s in self.slots if s is not slot and s.process is not None]
                    self.say(f"stopping {', '.join(others) or 'nothing else'}: {slot.program.name} is not "
                             f"restarted by this supervisor (see docs/operations.md)")
                    slot.process = None
                    self.stop_all()
                    return exit_status(code)
                time.sleep(0.05)
        finally:
            for slot in self.slots:  # an exception above must not leave children behind
                if slot.process is not None and slot.process.poll() is None:
                    self._signal_group(slot.process, signal.SIGKILL)
                    slot.process.wait()
            for signum, handler in previous.items():
                signal.signal(signum, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run Procfile programs; say which one exited.")
    parser.add_argument("--procfile", default="Procfile", type=Path)
    parser.add_argument("--restart", action="append", default=[], metavar="NAME",
                        help="restart this program with backoff when it exits (repeatable)")
    parser.add_argument("--grace", type=float, default=10.0, help="seconds between SIGTERM and SIGKILL")
    parser.add_argument("--backoff", type=float, default=1.0, help="first restart delay, doubled up to 30 s")
    parser.add_argument("names", nargs="*", help="programs to run (default: all)")
    args = parser.parse_args(argv)
    lines = parse_procfile(args.procfile.read_text())
    names = args.names or list(lines)
    unknown = [n for n in names + args.restart if n not in lines]
    if unknown:
        parser.error(f"not in {args.procfile}: {', '.join(unknown)}")
    programs = [Program(n, lines[n], restart=n in args.restart) for n in names]
    return Supervisor(programs, grace_s=args.grace, backoff_s=args.backoff).run()


if __name__ == "__main__":
    sys.exit(main())
