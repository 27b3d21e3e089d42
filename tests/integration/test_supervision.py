# Supervision (issue 10, defect 8): the master's death takes its children
# along (PR_SET_PDEATHSIG, and the death pipe every child keeps), so that
# a fresh hcd can bind the same port at once; a SIGTERM to the whole
# process group (or to every process, as systemd's control-group stop
# sends it) stops hcd once, in order, with no child respawned; the
# stored count of `hcctl status` after the alerter is restarted.  The
# guard thread of each child (common/proc.c) does the first two.

import os
import re
import signal
import time

from conftest import SLOW, Load


def gone(pid):
    """True once pid is no process, or a zombie (no init reaps here)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def wait_gone(pids, timeout):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if all(gone(p) for p in pids):
            return time.monotonic() - t0
        time.sleep(0.01)
    raise AssertionError("still running after %.1f s: %r" % (
        timeout, [p for p in pids if not gone(p)]))


def started(log):
    """The children the master started ("started worker 0, pid N": -v)."""
    return re.findall(r"started (\w+) (\d+), pid (\d+)", log)


def test_master_kill9_children_exit_port_free(make_hcd):
    h = make_hcd()
    u = h.create_check(name="orphans")["uuid"]
    for _ in range(5):
        assert h.ping(u).status == 200
    kids = h.child_pids()
    assert len(kids) == 4     # 2 workers, the alerter, the notifier
    os.kill(h.proc.pid, signal.SIGKILL)
    h.proc.wait(timeout=10)
    took = wait_gone(kids, 1.0 * SLOW)
    log = h.log()
    assert log.count("the master is gone") == 4, log[-3000:]
    assert "killed by signal" not in log      # they stopped, not crashed
    # at once: the same port, the same control socket
    h.start()
    assert h.ping(u).status == 200
    assert h.stop() == 0
    assert h.check_row(u)["n_pings"] == 6, took


def test_master_kill9_under_load(make_hcd):
    """Orphaned children finish what they hold: each OK answered is
    stored (the alerter keeps committing until the workers are gone)."""
    h = make_hcd()
    checks = [h.create_check(name="l%d" % i)["uuid"] for i in range(10)]
    kids = h.child_pids()
    load = Load(h, checks, threads=8, duration=2.0).start()
    time.sleep(0.7)
    os.kill(h.proc.pid, signal.SIGKILL)
    h.proc.wait(timeout=10)
    wait_gone(kids, 3.0 * SLOW)
    load.join()
    assert load.statuses.get(200, 0) > 50, load.statuses
    load.assert_stored()
    assert "committing until the producers have stopped" in h.log()


def test_process_group_sigterm(make_hcd):
    h = make_hcd(start=False)
    h.start(args=("-v",))
    checks = [h.create_check(name="g%d" % i)["uuid"] for i in range(10)]
    assert len(started(h.log())) == 4
    load = Load(h, checks, threads=6, duration=1.5).start()
    time.sleep(0.5)
    os.killpg(h.proc.pid, signal.SIGTERM)    # hcd is its own group leader
    rc = h.proc.wait(timeout=30 * SLOW)
    load.join()
    log = h.log()
    assert rc == 0, log[-3000:]
    assert log.count("stopping: got SIGTERM") == 1, log[-3000:]
    assert len(started(log)) == 4, started(log)    # no respawn
    assert "restarting" not in log
    assert "exited with status" not in log and "killed by" not in log
    assert log.count("ignoring SIGTERM from pid %d" % os.getpid()) == 4
    load.assert_stored()


def test_status_count_after_alerter_restart(make_hcd):
    """kill -9 of the alerter under load: the batch it committed but had
    not counted is counted by its successor, which skips it."""
    h = make_hcd()
    checks = [h.create_check(name="s%d" % i)["uuid"] for i in range(5)]
    for k in range(3):
        st = h.status()
        a = [c for c in st["children"] if c["role"] == "alerter"][0]
        load = Load(h, checks, threads=8, duration=1.5).start()
        time.sleep(0.6)
        os.kill(a["pid"], signal.SIGKILL)
        load.join()
        deadline = time.monotonic() + 10 * SLOW
        while True:
            t = h.status()["text"]
            stored = int(re.search(r"pings: (\d+) stored", t).group(1))
            rows = int(h.sql("SELECT count(*) FROM api_ping")[0][0])
            if stored == rows and "0 in use" in t:
                break
            assert time.monotonic() < deadline, (stored, rows, t)
            time.sleep(0.1)
