# Starting and stopping: SIGTERM with pings in flight (exit 0, every OK
# stored), hcctl stop, hcctl status and the hcctl data commands' errors,
# the descriptors each child keeps.

import os
import sys
import signal
import subprocess
import time
import uuid

import pytest

from conftest import BIN, SANITIZED, SLOW, Load


def test_sigterm_under_load(make_hcd):
    h = make_hcd()
    checks = [h.create_check(name="s%d" % i)["uuid"] for i in range(10)]
    load = Load(h, checks, threads=12, duration=4.0).start()
    time.sleep(1.5)
    rc = h.stop(signal.SIGTERM)
    load.join()
    assert rc == 0, h.log()
    assert load.statuses.get(200, 0) > 50, load.statuses
    # after the stop: only OK (200), 503 "shutting down" or a closed
    # connection; never anything else
    assert set(load.statuses) <= {200, 503, -1}, load.statuses
    load.assert_stored()
    assert "stopping: got SIGTERM" in h.log()
    assert not h.sock.exists()


def test_sigint_stop(make_hcd):
    h = make_hcd()
    u = h.create_check(name="i")["uuid"]
    assert h.ping(u).status == 200
    assert h.stop(signal.SIGINT) == 0


def test_hcctl_status(make_hcd):
    h = make_hcd()
    u = h.create_check(name="st")["uuid"]
    for _ in range(3):
        assert h.ping(u).status == 200
    st = h.status()
    roles = sorted((c["role"], c["id"]) for c in st["children"])
    assert roles == [("alerter", 0), ("notifier", 0), ("worker", 0),
                     ("worker", 1)], st["text"]
    pids = h.child_pids()
    for c in st["children"]:
        assert c["pid"] in pids
        assert c["restarts"] == 0
    assert "pid %d" % h.proc.pid in st["text"]
    assert "ack mode durable" in st["text"]
    assert "ring:" in st["text"]
    assert "pings: 3 stored" in st["text"], st["text"]
    assert "index: 1 checks" in st["text"], st["text"]
    # hcctl stop
    p = h.hcctl("stop")
    assert p.returncode == 0
    assert h.proc.wait(timeout=20 * SLOW) == 0
    # no daemon: status fails, with a message
    p = h.hcctl("status", check=False)
    assert p.returncode != 0
    assert p.stderr.strip()


def test_second_instance_refused(make_hcd):
    h = make_hcd()
    # same control socket, another port: must not start
    other = subprocess.run(
        [str(BIN / "hcd"), "-d", "-f", str(h.conf)], capture_output=True,
        text=True, timeout=30 * SLOW)
    assert other.returncode != 0
    assert h.running()
    assert h.request("GET", "/api/v3/status/").status == 200


def test_schema_too_old(make_hcd):
    h = make_hcd(start=False, account=False)
    p = subprocess.run([str(BIN / "hcd"), "-d", "-f", str(h.conf)],
                       capture_output=True, text=True, timeout=30 * SLOW)
    assert p.returncode != 0
    assert "migrate" in p.stderr


def test_hcd_m_migrates(make_hcd):
    h = make_hcd(start=False, account=False)
    h.start(args=["-m"])
    assert h.sql("SELECT count(*) FROM api_check") == [("0",)]


@pytest.fixture(scope="module")
def idle(make_hcd):
    return make_hcd(start=False)


def test_hcctl_bad_subcommand(idle):
    for args in (["frobnicate"], ["user", "remove", "x@example.org"],
                 ["project"], []):
        p = idle.hcctl(*args, check=False)
        assert p.returncode != 0, args
        assert "usage" in p.stderr


def test_hcctl_user_exists(idle):
    p = idle.hcctl("user", "add", "a@example.org", "--password-stdin",
                   input="pw\n", check=False)
    assert p.returncode != 0
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1, p.stderr
    assert "already exists" in lines[0]
    # case-insensitive
    p = idle.hcctl("user", "add", "A@Example.org", check=False)
    assert p.returncode != 0


def test_hcctl_user_bad_email(idle):
    p = idle.hcctl("user", "add", "not-an-email", check=False)
    assert p.returncode != 0
    assert p.stderr.strip()


def test_hcctl_apikey_unknown_project(idle):
    p = idle.hcctl("apikey", "add", str(uuid.uuid4()), check=False)
    assert p.returncode != 0
    assert p.stderr.strip()
    assert p.stdout.strip() == ""
    p = idle.hcctl("apikey", "add", "not-a-uuid", check=False)
    assert p.returncode != 0


def test_hcctl_project_unknown_owner(idle):
    p = idle.hcctl("project", "add", "Q", "--owner", "nobody@example.org",
                   check=False)
    assert p.returncode != 0
    assert p.stderr.strip()


def test_hcctl_keys_work(idle):
    proj = idle.hcctl("project", "add", "K", "--owner",
                      "a@example.org").stdout.strip()
    rw = idle.hcctl("apikey", "add", proj).stdout.strip()
    ro = idle.hcctl("apikey", "add", proj, "--read-only").stdout.strip()
    assert rw.startswith("hcw_") and len(rw) == 32
    assert ro.startswith("hcr_") and len(ro) == 32
    idle.start()
    r = idle.api("POST", "checks/", {"name": "k"}, key=rw)
    assert r.status == 201
    r = idle.api("GET", "checks/", key=ro)
    assert r.status == 200 and len(r.json()["checks"]) == 1
    # the key of the other project does not see it
    r = idle.api("GET", "checks/", key=idle.key)
    assert r.status == 200 and r.json()["checks"] == []


def test_hcctl_migrate_idempotent(idle):
    p = idle.hcctl("migrate")
    assert "0 applied" in p.stdout


def test_no_leak_reports_daemon(make_hcd):
    """Under LSan no child reports a leak at stop (each would exit 1);
    the control event every child inherited used to leak."""
    if not SANITIZED:
        pytest.skip("leak reports need the sanitizer build")
    h = make_hcd(env={"ASAN_OPTIONS": "detect_leaks=1"})
    h.reports_checked = True
    u = h.create_check(name="leak")["uuid"]
    assert h.ping(u).status == 200
    rc = h.stop()
    assert rc == 0
    assert "exited with status" not in h.log(), h.log()
    assert not h.sanitizer_reports(), "\n".join(h.sanitizer_reports())


def test_no_leak_reports_hcctl(make_hcd):
    if not SANITIZED:
        pytest.skip("leak reports need the sanitizer build")
    h = make_hcd()
    env = dict(os.environ, ASAN_OPTIONS="detect_leaks=1")
    p = subprocess.run([str(BIN / "hcctl"), "-f", str(h.conf), "status"],
                       capture_output=True, text=True, env=env,
                       timeout=30 * SLOW)
    assert "LeakSanitizer" not in p.stderr, p.stderr[-3000:]
    assert p.returncode == 0


def test_sighup_under_load(make_hcd):
    """A reload replaces the children while pings arrive: every OK is
    stored once, nothing else than OK, 503 or a closed connection."""
    h = make_hcd()
    checks = [h.create_check(name="r%d" % i)["uuid"] for i in range(10)]
    before = h.child_pids()
    load = Load(h, checks, threads=12, duration=4.0).start()
    time.sleep(1.0)
    os.kill(h.proc.pid, signal.SIGHUP)
    load.join()
    assert h.running()
    assert set(load.statuses) <= {200, 503, -1}, load.statuses
    load.assert_stored()
    deadline = time.monotonic() + 10 * SLOW
    while True:
        now = h.child_pids()
        if len(now) == 4 and not (now & before):
            break
        assert time.monotonic() < deadline, (before, now)
        time.sleep(0.05)
    st = h.status()
    assert all(c["restarts"] == 0 for c in st["children"]), st["text"]
    assert h.ping(checks[0]).status == 200


def fd_targets(pid):
    """{fd: readlink target} of a process, for the socket and pipe ones."""
    out = {}
    d = "/proc/%d/fd" % pid
    for n in os.listdir(d):
        try:
            t = os.readlink(os.path.join(d, n))
        except OSError:
            continue
        if t.startswith(("socket:", "pipe:")):
            out[int(n)] = t
    return out


def test_children_keep_only_their_descriptors(make_hcd):
    """The role table's keep flags: of the master's sockets and pipes, a
    worker has only its HTTP listener, the wake pipe and its own ack
    pipe; the alerter only the wake pipe and every worker's ack pipe;
    the notifier nothing but the death pipe, which every child has (the master holds its write end).
    A control connection open while children start is in none of them."""
    import socket
    h = make_hcd()
    before = h.child_pids()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(10 * SLOW)
    try:
        s.connect(str(h.sock))
        s.sendall(b"sta")           # accepted, line not complete yet
        time.sleep(0.3)
        os.kill(h.proc.pid, signal.SIGHUP)     # every child restarts
        deadline = time.monotonic() + 10 * SLOW
        while True:
            now = h.child_pids()
            if len(now) == 4 and not (now & before):
                break
            assert time.monotonic() < deadline, (before, now)
            time.sleep(0.05)
        master = set(fd_targets(h.proc.pid).values())
        assert sum(t.startswith("socket:") for t in master) >= 3  # + conn
        st = h.status()
        shared = {}
        for c in st["children"]:
            mine = {t for fd, t in fd_targets(c["pid"]).items() if fd > 2}
            both = mine & master
            shared[(c["role"], c["id"])] = (
                {t for t in both if t.startswith("socket:")},
                {t for t in both if t.startswith("pipe:")})
        w0, w1 = shared[("worker", 0)], shared[("worker", 1)]
        alerter = shared[("alerter", 0)]
        # the HTTP listener: one each, its own where the kernel balances
        # connections over sockets (SO_REUSEPORT), else one shared
        assert len(w0[0]) == 1 and len(w1[0]) == 1, shared
        if sys.platform.startswith("linux"):
            assert w0[0] != w1[0], shared
        else:
            assert w0[0] == w1[0], shared
        # wake, death, own ack
        assert len(w0[1]) == 3 and len(w1[1]) == 3, shared
        wake_death = w0[1] & w1[1]
        assert len(wake_death) == 2, shared
        assert alerter[0] == set(), shared
        # wake, death, all acks
        assert alerter[1] == w0[1] | w1[1], shared
        # the notifier: the death pipe only
        notifier = shared[("notifier", 0)]
        assert notifier[0] == set(), shared
        assert len(notifier[1]) == 1 and notifier[1] < wake_death, shared
        # the connection still ends with the master's answer
        s.sendall(b"tus\n")
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
        assert data.startswith(b"ok\n"), data
    finally:
        s.close()


def test_sigterm_to_every_process_stops_cleanly(make_hcd):
    """SIGTERM to the master and all its children at once (as `timeout`
    or a whole-group kill sends it): hcd still drains and exits 0.  It
    once hung: the master respawned the alerter, and the SIGTERM that
    reached the new child before it reset its handlers was lost."""
    h = make_hcd()
    code = h.create_check(name="groupkill")["uuid"]
    for _ in range(5):
        assert h.ping(code).status == 200
    pids = [h.proc.pid] + sorted(h.child_pids())
    for p in pids:
        try:
            os.kill(p, signal.SIGTERM)
        except ProcessLookupError:
            # an idle worker may already have obeyed the master's SIGTERM
            assert p != h.proc.pid
    rc = h.proc.wait(timeout=30 * SLOW)
    assert rc == 0, h.log()[-3000:]
    assert h.check_row(code)["n_pings"] == 5
