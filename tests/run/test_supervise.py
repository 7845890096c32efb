"""The supervisor with real child processes: exit lines, restarts with backoff, Ctrl-C forwarding."""

from __future__ import annotations

import io
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from floor.run.supervise import Program, Supervisor, describe_exit, parse_procfile

PY = shlex.quote(sys.executable)
ROOT = Path(__file__).resolve().parents[2]

# A well-behaved server: notes its start and the signals it gets in a log file, exits 0 on SIGTERM.
SERVER = """
import os, signal, sys, time
log, name = sys.argv[1], sys.argv[2]
def note(text):
    with open(log, "a") as handle:
        handle.write(f"{name} {text}\\n")
def on(signum, frame):
    note(signal.Signals(signum).name)
    sys.exit(0)
signal.signal(signal.SIGTERM, on)
signal.signal(signal.SIGINT, on)
note(f"ready {os.getpid()}")
print(f"{name} says hello", flush=True)
time.sleep(60)
"""


def py(code: str) -> str:
    return f"{PY} -c {shlex.quote(code)}"


def server(tmp_path: Path, name: str) -> str:
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    return f"{PY} {script} {tmp_path / 'log'} {name}"


def wait_for(predicate, seconds: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead for our purpose
    return "Z" not in Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0]


def log_lines(tmp_path: Path) -> list[str]:
    path = tmp_path / "log"
    return path.read_text().splitlines() if path.exists() else []


def test_an_exit_is_named_and_stops_the_stack(tmp_path: Path) -> None:
    out = io.StringIO()
    supervisor = Supervisor([Program("web", server(tmp_path, "web")),
                             Program("job", py("import sys, time; time.sleep(0.5); sys.exit(3)"))],
                            out=out, grace_s=5)
    assert supervisor.run() == 3
    lines = out.getvalue().splitlines()
    assert "job exited with code 3" in lines
    assert lines.index("job exited with code 3") < lines.index("web stopped")
    assert "web | web says hello" in lines
    assert log_lines(tmp_path)[-1] == "web SIGTERM"  # it was asked to stop, not killed


def test_a_signal_death_is_named(tmp_path: Path) -> None:
    out = io.StringIO()
    code = Supervisor([Program("web", py("import os, signal; os.kill(os.getpid(), signal.SIGKILL)"))],
                      out=out).run()
    assert "web exited with signal 9 (SIGKILL)" in out.getvalue().splitlines()
    assert code == 128 + 9


def test_a_clean_exit_of_a_required_program_still_stops_the_stack_with_an_error(tmp_path: Path) -> None:
    out = io.StringIO()
    assert Supervisor([Program("web", py("pass"))], out=out).run() == 1
    assert "web exited with code 0" in out.getvalue()


def test_the_worker_is_restarted_with_a_growing_backoff(tmp_path: Path) -> None:
    starts = tmp_path / "starts"
    # shell commands: a start costs milliseconds even on a loaded machine, so the timing is the backoff's
    worker = f"date +%s.%N >> {starts}; exit 1"
    web = "sleep 2; exit 4"
    out = io.StringIO()
    code = Supervisor([Program("web", web), Program("worker", worker, restart=True)],
                      out=out, backoff_s=0.1, max_backoff_s=0.4, stable_s=30).run()
    assert code == 4
    lines = out.getvalue().splitlines()
    assert lines.count("worker exited with code 1") >= 4
    assert "restarting worker in 0.1 s (restart 1)" in lines
    assert "restarting worker in 0.2 s (restart 2)" in lines
    assert "restarting worker in 0.4 s (restart 3)" in lines
    assert "restarting worker in 0.4 s (restart 4)" in lines  # capped
    times = [float(t) for t in starts.read_text().split()]
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2 and gaps[2] >= 0.4


def test_a_stable_worker_starts_its_backoff_over(tmp_path: Path) -> None:
    out = io.StringIO()
    worker = "sleep 0.3; exit 1"
    Supervisor([Program("web", "sleep 1.6; exit 2"),
                Program("worker", worker, restart=True)],
               out=out, backoff_s=0.1, stable_s=0.2).run()
    restarts = [line for line in out.getvalue().splitlines() if line.startswith("restarting worker")]
    assert len(restarts) >= 2
    assert all(" in 0.1 s " in line for line in restarts)  # each run was "stable": no doubling


def test_what_a_program_left_behind_is_stopped_with_it(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild"
    # the program starts a background child, then dies: the child is in its process group
    command = f"sleep 30 & echo $! > {pidfile}; exit 2"
    out = io.StringIO()
    assert Supervisor([Program("web", command)], out=out).run() == 2
    grandchild = int(pidfile.read_text())
    wait_for(lambda: not alive(grandchild), 5)


def test_a_program_ignoring_sigterm_is_killed_after_the_grace(tmp_path: Path) -> None:
    stubborn = py("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up', flush=True); "
                  "time.sleep(60)")
    out = io.StringIO()
    supervisor = Supervisor([Program("stubborn", stubborn), Program("job", py("import time; time.sleep(0.5)"))],
                            out=out, grace_s=0.5)
    started = time.monotonic()
    assert supervisor.run() == 1
    assert "stubborn did not stop within 0.5 s: killed" in out.getvalue()
    assert time.monotonic() - started < 5


def test_ctrl_c_reaches_each_child_once_as_sigterm_and_the_stack_stops_cleanly(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text(f"# the stack\nweb: {server(tmp_path, 'web')}\n\nworker: {server(tmp_path, 'worker')}\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    supervisor = subprocess.Popen(
        [sys.executable, "-m", "floor.run.supervise", "--procfile", str(procfile), "--restart", "worker"],
        env=env, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, process_group=0)
    try:
        wait_for(lambda: sum(" ready " in line for line in log_lines(tmp_path)) == 2)
        pids = [int(line.split()[-1]) for line in log_lines(tmp_path) if " ready " in line]
        os.killpg(supervisor.pid, signal.SIGINT)  # what a terminal does on Ctrl-C: the foreground group
        output, _ = supervisor.communicate(timeout=10)
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
    assert supervisor.returncode == 0, output
    lines = output.splitlines()
    assert "Ctrl-C: stopping web, worker ..." in lines
    assert "web stopped" in lines and "worker stopped" in lines
    assert not any("exited with" in line for line in lines)
    signals = sorted(line for line in log_lines(tmp_path) if " ready " not in line)
    assert signals == ["web SIGTERM", "worker SIGTERM"]  # exactly one signal each, never the terminal's SIGINT
    assert not any(alive(pid) for pid in pids)


def test_children_die_with_a_killed_supervisor(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text(f"web: {server(tmp_path, 'web')}\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    supervisor = subprocess.Popen([sys.executable, "-m", "floor.run.supervise", "--procfile", str(procfile)],
                                  env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, process_group=0)
    wait_for(lambda: any(" ready " in line for line in log_lines(tmp_path)))
    pid = int(next(line for line in log_lines(tmp_path) if " ready " in line).split()[-1])
    supervisor.kill()
    supervisor.wait()
    try:
        if not Path("/usr/bin/setpriv").exists():
            pytest.skip("no setpriv: children outlive a SIGKILLed supervisor")
        wait_for(lambda: not alive(pid), 5)
        assert log_lines(tmp_path)[-1] == "web SIGTERM"
    finally:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


def test_procfile_and_exit_lines() -> None:
    text = "# comment\nweb: uvicorn app --port ${PORT:-8000}\n\nworker:   python -m floor.worker  \n"
    assert parse_procfile(text) == {"web": "uvicorn app --port ${PORT:-8000}", "worker": "python -m floor.worker"}
    with pytest.raises(ValueError, match="line 1"):
        parse_procfile("not a procfile line")
    assert describe_exit("web", 3) == "web exited with code 3"
    assert describe_exit("worker", -15) == "worker exited with signal 15 (SIGTERM)"
