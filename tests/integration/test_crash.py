# Crash safety (issue text): kill -9 of a worker, and separately of the
# alerter, while pings are coming in.  The master restarts the child
# (new pid, restarts counter 1), and every ping answered "OK" is in the
# database, none twice, n gapless per check.

import os
import signal
import time

import pytest

from conftest import SLOW, Load


@pytest.fixture(scope="module")
def inst(make_hcd):
    h = make_hcd()
    h.checks = [h.create_check(name="x%d" % i, slug="x%d" % i)["uuid"]
                for i in range(20)]
    return h


def child(st, role, cid=0):
    for c in st["children"]:
        if c["role"] == role and c["id"] == cid:
            return c
    raise AssertionError("no %s %d in:\n%s" % (role, cid, st["text"]))


def wait_respawn(inst, role, cid, old_pids, victim, timeout=10):
    """Wait (with ps, not hcctl: see test_control_fd_not_inherited) for
    the victim to be replaced by a new child; then read hcctl status."""
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        now = inst.child_pids()
        if victim not in now and len(now - old_pids) == 1:
            break
        time.sleep(0.02)
    else:
        raise AssertionError("%s %d not restarted: children %r" % (
            role, cid, inst.child_pids()))
    time.sleep(0.2)
    c = child(inst.status(), role, cid)
    assert c["pid"] in now - old_pids, (c, now, old_pids)
    return c


def crash_under_load(inst, role, cid, restarts=0, duration=5.0):
    assert inst.running()
    st = inst.status()
    victim = child(st, role, cid)
    assert victim["restarts"] == restarts
    assert victim["pid"] > 0
    others = {(c["role"], c["id"]): c for c in st["children"]
              if (c["role"], c["id"]) != (role, cid)}
    old_pids = inst.child_pids()
    assert victim["pid"] in old_pids
    load = Load(inst, inst.checks, threads=12, duration=duration).start()
    time.sleep(duration * 0.3)
    os.kill(victim["pid"], signal.SIGKILL)
    new = wait_respawn(inst, role, cid, old_pids, victim["pid"])
    load.join()
    assert new["restarts"] == restarts + 1
    st = inst.status()
    now = child(st, role, cid)
    assert now["pid"] == new["pid"] and now["restarts"] == restarts + 1
    # nobody else was touched
    for c in st["children"]:
        if (c["role"], c["id"]) != (role, cid):
            o = others[(c["role"], c["id"])]
            assert (c["pid"], c["restarts"]) == (o["pid"], o["restarts"])
    assert load.statuses.get(200, 0) > 100, load.statuses
    # the service still answers afterwards
    body = ("after-" + load.tag).encode()
    r = inst.ping(inst.checks[0], method="POST", body=body)
    assert (r.status, r.body) == (200, b"OK")
    load.ok[body] = inst.checks[0]
    return load


def test_kill_worker(inst):
    load = crash_under_load(inst, "worker", 1)
    load.assert_stored()
    assert "worker 1 (pid" in inst.log()


def test_kill_alerter(inst):
    # Every OK stored, n gapless, n_pings right; duplicates are the
    # business of the next test.
    load = crash_under_load(inst, "alerter", 0)
    load.assert_stored(dups_ok=True)
    assert "alerter 0 (pid" in inst.log()


def test_kill_alerter_no_duplicates(make_hcd):
    """kill -9 of the alerter under load: no ping is stored twice.  The
    window is a race, so up to three kills (restarts 1, 2, 3)."""
    h = make_hcd()
    h.checks = [h.create_check(name="d%d" % i)["uuid"] for i in range(20)]
    dups = []
    for k in range(3):
        load = crash_under_load(h, "alerter", 0, restarts=k, duration=3.0)
        load.assert_stored(dups_ok=True)
        dups = load.dups
        if dups:
            break
    assert dups == [], "stored twice (same created, new n): %r" % dups[:5]



def test_control_fd_not_inherited(inst):
    """A control connection accepted before a respawn must still end
    with EOF after the master's answer."""
    import socket
    st = inst.status()
    victim = child(st, "worker", 0)
    old = inst.child_pids()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(5 * SLOW)
    try:
        s.connect(str(inst.sock))
        s.sendall(b"sta")           # accepted, line not complete yet
        time.sleep(0.3)
        os.kill(victim["pid"], signal.SIGKILL)
        deadline = time.monotonic() + 10 * SLOW
        while time.monotonic() < deadline:
            now = inst.child_pids()
            if victim["pid"] not in now and len(now - old) == 1:
                break
            time.sleep(0.02)
        s.sendall(b"tus\n")
        data = b""
        try:
            while True:
                d = s.recv(65536)
                if not d:
                    break
                data += d
        except socket.timeout:
            pass
        assert data.startswith(b"ok\n"), data
        assert d == b"", "no EOF after the answer (socket held open)"
    finally:
        s.close()
