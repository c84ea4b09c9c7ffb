"""Faults in the check run's fork pool (issue 15): a dead worker's claim is run again with the
same numbers and counted; a claim that kills every worker it meets is reported, not retried
forever; an I/O error is an error of the run, never a claim outcome; Ctrl-C and SIGTERM stop
the run within seconds and leave no process behind (exit 130 / 143, no traceback)."""
import errno
import multiprocessing
import os
import signal
import subprocess
import sys
import time

import pytest

from verify.claims import CustomClaim, Observation, select
from verify.claimsets import registry
from verify.context import Context
from verify.runner import MAX_RETRIES, run_claims

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="claim-level parallelism needs fork")


class KillsItsWorker(CustomClaim):
    """SIGKILLs the process running it the first ``times`` times (counted in files), then
    emits one observation."""

    def __init__(self, name, folder, times=1):
        super().__init__(name)
        self.folder, self.times = folder, times

    def plan(self, ctx):
        return 1

    def run(self, ctx):
        tries = len(os.listdir(self.folder))
        if tries < self.times:
            open(os.path.join(self.folder, str(tries)), "w").close()
            os.kill(os.getpid(), signal.SIGKILL)
        return [Observation.test("t", 1.0, 1e-3, 1.0, "two-sided", resolution=0.1)]


class Disk(CustomClaim):
    def run(self, ctx):
        raise OSError(errno.ENOSPC, "No space left on device", "/run/tasks/x.npz")


def _observations(result):
    return {r.name: (r.status, [(o.estimate, o.stderr, o.trials, o.status) for o in r.observations])
            for r in result.results}


def test_killed_worker_claim_is_rerun_with_identical_numbers(tmp_path):
    from numeric.executors import SerialExecutor, using

    (tmp_path / "k").mkdir()
    builtin = select(registry(), patterns=["core.weak.*"])
    # The same claims serially (a claim that does not kill: the plan, so alpha/m, is the same).
    serial = run_claims(builtin + [KillsItsWorker("kill", tmp_path, times=0)],
                        Context.preset("quick", seed=3), shrink=False, workers=1)
    claims = builtin + [KillsItsWorker("kill", tmp_path / "k")]
    executor = SerialExecutor()
    with using(executor, None, None):
        forked = run_claims(claims, Context.preset("quick", seed=3), shrink=False, workers=2)
    assert _observations(forked) == _observations(serial)
    assert executor.totals.retries == 1 and "kill" in executor.totals.notes[0]


def test_claim_that_always_kills_its_worker_is_reported_not_looped(tmp_path):
    (tmp_path / "k").mkdir()
    claims = [KillsItsWorker("always", tmp_path / "k", times=99),
              KillsItsWorker("never", tmp_path / "k", times=0)]
    r = run_claims(claims, Context(seed=0), shrink=False, workers=2)
    always = r.results[0]
    assert always.status == "inconclusive" and "died" in always.error
    assert len(os.listdir(tmp_path / "k")) == MAX_RETRIES + 1
    assert r.results[1].status == "pass"


@pytest.mark.parametrize("workers", [1, 2])
def test_io_error_is_raised_not_an_outcome(workers):
    claims = [Disk("disk"), KillsItsWorker("ok", "/", times=0)]
    with pytest.raises(OSError, match="No space left"):
        run_claims(claims, Context(seed=0), shrink=False, workers=workers)


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def _wait_for_workers(p, count=2, timeout=60.0):
    """Wait until process ``p`` has ``count`` children, has exited, or ``timeout`` passed."""
    deadline = time.monotonic() + timeout
    while len(_children(p.pid)) < count and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.05)


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


CHECK_RUN = ["--quick", "--claims", "core.*", "--no-plots", "--no-progress"]


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs Linux /proc")
@pytest.mark.parametrize("sig,group,code,command", [
    (signal.SIGINT, True, 130, CHECK_RUN), (signal.SIGTERM, False, 143, CHECK_RUN),
    (signal.SIGINT, True, 130, ["double-descent"]),
    pytest.param(signal.SIGINT, True, 130, ["features", "--demo", "digits"],
                 marks=pytest.mark.slow)])
def test_interrupt_stops_within_seconds_and_leaves_no_process(tmp_path, sig, group, code,
                                                              command):
    # Ctrl-C in a terminal signals the whole process group; `kill PID` only the driver.
    cmd = [sys.executable, "-m", "verify", *command, "--workers", "2",
           "--out", str(tmp_path / "o")]
    p = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_workers(p)
        kids = _children(p.pid)
        assert len(kids) >= 2, "the run did not start two workers"
        # No pause: spawned pool workers start with SIGINT blocked, so a Ctrl-C during their
        # start-up prints no KeyboardInterrupt (nor EOFError) traceback.
        t = time.monotonic()
        if group:
            os.killpg(p.pid, sig)
        else:
            os.kill(p.pid, sig)
        _, err = p.communicate(timeout=30)
        seconds = time.monotonic() - t
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    assert p.returncode == code, err
    assert seconds < 10, seconds
    assert "Traceback" not in err and "interrupted" in err
    time.sleep(0.2)
    assert not [k for k in kids if _alive(k)]
    run = tmp_path / ("o.run" if command is CHECK_RUN else "o/run")
    assert (run / "tasks").is_dir()                        # finished tasks are kept


@pytest.mark.parametrize("workers,op,message", [
    ("0", "INSERT", "database or disk is full"), ("2", "INSERT", "database or disk is full"),
    ("0", "SELECT key, layout", "database disk image is malformed"),
    ("2", "SELECT key, layout", "database disk image is malformed")])
def test_full_run_folder_is_an_io_error_not_inconclusive(tmp_path, monkeypatch, capsys, workers,
                                                         op, message):
    """Writes that fail (a full disk) and reads that fail (a damaged database) during the run:
    an I/O error, exit 4, no report, never a claim outcome."""
    from numeric.store import RunStore
    from verify.cli import main
    from verify.outputs import EXIT_IO

    import sqlite3

    class FullDisk:
        """A connection whose writes (reads) fail as SQLite's do on a full disk (a damaged
        file)."""

        def __init__(self, conn):
            self.conn = conn

        def _fail(self, sql):
            if sql.startswith(op):
                error = sqlite3.OperationalError if op == "INSERT" else sqlite3.DatabaseError
                raise error(message)

        def execute(self, sql, *args):
            self._fail(sql)
            return self.conn.execute(sql, *args)

        def executemany(self, sql, *args):
            self._fail(sql)
            return self.conn.executemany(sql, *args)

    real = RunStore._connect
    monkeypatch.setattr(RunStore, "_connect", lambda self: FullDisk(real(self)))  # forks inherit
    args = ["--quick", "--only", "core.weak.exact", "--only", "core.strong.exact", "--examples",
            "1", "--trials", "64", "--trials-budget", "64", "--no-plots", "--no-progress",
            "--workers", workers, "--out", str(tmp_path / "o")]
    assert main(args) == EXIT_IO
    err = capsys.readouterr().err
    assert "I/O error" in err and message in err and "Traceback" not in err
    assert not (tmp_path / "o" / "report.json").exists()


def _cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _report(out):
    import json

    data = json.loads((out / "report.json").read_text())
    return ({c["claim"]["name"]: (c["status"], c["observations"]) for c in data["claims"]},
            data["exit_code"], data["settings"]["execution"])


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs Linux /proc")
def test_kill_9_of_a_worker_gives_the_same_report(tmp_path):
    """End to end (about a minute): ``kill -9`` of one worker of ``--workers 2`` mid-run."""
    base = [sys.executable, "-m", "verify", "--quick", "--claims", "core.*", "--workers", "2",
            "--no-plots", "--no-progress"]
    clean = subprocess.run([*base, "--out", str(tmp_path / "a")], capture_output=True, text=True)
    p = subprocess.Popen([*base, "--out", str(tmp_path / "b")], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while len(_children(p.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(3.0)                                   # mid-claim
    os.kill(_children(p.pid)[0], signal.SIGKILL)
    out, err = p.communicate(timeout=600)
    assert "Traceback" not in err
    assert p.returncode == clean.returncode, err
    a, code_a, _ = _report(tmp_path / "a")
    b, code_b, ex = _report(tmp_path / "b")
    assert code_a == code_b and a == b
    assert ex["retries"] >= 1 and "1 re-run after a worker died" in out


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs Linux /proc")
@pytest.mark.parametrize("sig,code,cpu", [(signal.SIGINT, 130, 2.5),
                                          pytest.param(signal.SIGTERM, 143, 2.5,
                                                       marks=pytest.mark.slow),
                                          pytest.param(signal.SIGINT, 130, 0.3,
                                                       marks=pytest.mark.slow),
                                          pytest.param(signal.SIGINT, 130, 0.8,
                                                       marks=pytest.mark.slow)])
def test_point_interrupt_exits_without_traceback(tmp_path, sig, code, cpu):
    """Inside the simulation (2.5 s of CPU), and during the imports (0.3 s, 0.8 s: a
    KeyboardInterrupt inside SciPy's Cython imports once ended the process by SIGINT, exit
    status -2, or with a traceback)."""
    sc = tmp_path / "s.json"
    sc.write_text('{"d_s": 20, "d_w": 40, "n": 200, "N": 600, "sigma2": 0.1}')
    p = subprocess.Popen([sys.executable, "-m", "verify", "point", str(sc), "--trials", "10000000"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # Inside the simulation: past the imports (about 1.5 s of CPU), however loaded the machine.
    deadline = time.monotonic() + 60
    while _cpu_seconds(p.pid) < cpu and time.monotonic() < deadline:
        time.sleep(0.1)
    t = time.monotonic()
    p.send_signal(sig)
    _, err = p.communicate(timeout=30)
    assert p.returncode == code and time.monotonic() - t < 5, err
    assert "Traceback" not in err and "interrupted" in err


_PROBE = """
import sys
import numpy as np
from numeric.features import run_w2s
rng = np.random.default_rng(0)
x = rng.standard_normal((3000, 40))
try:
    run_w2s(x[:, :20], x[:, 10:40], x @ rng.standard_normal(40), 200, 1500, 40000, seed=1,
            workers=2)
except KeyboardInterrupt:
    print("caught", file=sys.stderr)
    sys.exit(130)
"""


def _live(pids):
    return [k for k in pids if _alive(k)]


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="needs Linux /proc")
@pytest.mark.parametrize("how", ["ctrl-c", "kill -9"])
@pytest.mark.parametrize("command", ["probe", "features"])
def test_local_pools_stop_with_their_driver(tmp_path, how, command):
    """run_w2s(workers=2) (a fork pool) and `features --workers 2` (a spawn pool): Ctrl-C of
    the process group stops everything without a traceback; kill -9 of the driver alone
    leaves no worker behind (PR_SET_PDEATHSIG)."""
    cmd = [sys.executable, "-c", _PROBE] if command == "probe" else \
        [sys.executable, "-m", "verify", "features", "--demo", "digits", "--workers", "2",
         "--out", str(tmp_path / "o")]
    p = subprocess.Popen(cmd, start_new_session=True, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    try:
        _wait_for_workers(p)
        time.sleep(1.0)                                         # inside the computation
        kids = _children(p.pid)
        assert len(kids) >= 2
        if how == "ctrl-c":
            os.killpg(p.pid, signal.SIGINT)
        else:
            os.kill(p.pid, signal.SIGKILL)
        _, err = p.communicate(timeout=30)
    finally:
        if p.poll() is None:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait()
    deadline = time.monotonic() + 5
    while _live(kids) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _live(kids)
    if how == "ctrl-c":
        assert p.returncode == 130 and "Traceback" not in err, err


def _kills_then_returns(folder, times):
    def job(ctx, progress=False):
        tries = len(os.listdir(folder))
        if tries < times:
            open(os.path.join(folder, str(tries)), "w").close()
            os.kill(os.getpid(), signal.SIGKILL)
        return "drawn"
    return job


@pytest.mark.parametrize("times, in_driver", [(1, False), (MAX_RETRIES + 5, True)])
def test_alongside_job_whose_worker_dies_is_redone(tmp_path, times, in_driver):
    from numeric.executors import SerialExecutor, using

    claims = [KillsItsWorker("a", "/", times=0), KillsItsWorker("b", "/", times=0)]
    executor = SerialExecutor()
    with using(executor, None, None):
        if in_driver:
            # the driver would kill itself too: it only runs the job once the pool gave up
            job = _kills_then_returns(str(tmp_path), MAX_RETRIES + 1)
        else:
            job = _kills_then_returns(str(tmp_path), times)
        r = run_claims(claims, Context(seed=0), shrink=False, workers=2, alongside=job)
    assert r.alongside == "drawn" and [x.status for x in r.results] == ["pass", "pass"]
    assert executor.totals.retries == min(times, MAX_RETRIES)
    assert "alongside" in executor.totals.notes[0]
