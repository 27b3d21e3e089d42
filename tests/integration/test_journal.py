# The local ping journal (ACK_MODE = durable, JOURNAL_DIR, JOURNAL_MAX):
# a ping is answered OK once its record is on the journal's disk, and the
# loader brings the journal to PostgreSQL behind the acks.  These tests
# take PostgreSQL away (pg_ctl stop -m fast / -m immediate) while pings
# come in, kill children and the whole process family, cut the journal's
# tail, fill it and make the disk refuse it, and check that every ping
# answered OK is stored exactly once, that a refused or cut ping is never
# stored, and that deadlines are not declared while pings wait in the
# journal; that hcctl status's journal line tells the backlog and the
# refusals; and that the spare segment is made and taken.
#
# They run on a private PostgreSQL cluster of their own (initdb into a
# temp dir, a unix socket only), so that stopping it leaves the other
# modules' shared development cluster alone.  Each test stops the hcd
# instances it made before it ends, so that the next test's outage does
# not disturb them.

import contextlib
import os
import pwd
import re
import secrets
import shutil
import signal
import struct
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import http.client
import pytest

from conftest import BIN, SANITIZED, SLOW, run_sql, wait_for

PG_OWNERS = ("hcd-pg", "postgres")      # who runs the cluster under root
JOURNAL_MIN = 524288                    # JOURNAL_MAX's minimum
REC_HDR = struct.Struct("<IIQII")      # len, crc32c, position, type, rsvd
REC_ALIGN = 8


# --- a private PostgreSQL cluster ------------------------------------------

def find_pgbin():
    base = Path("/usr/lib/postgresql")
    if base.is_dir():
        for v in sorted(base.iterdir(), key=lambda p: int(p.name)
                        if p.name.isdigit() else 0, reverse=True):
            if (v / "bin" / "pg_ctl").exists():
                return v / "bin"
    p = shutil.which("pg_ctl")
    assert p, "PostgreSQL server programs not found"
    return Path(p).parent


class Cluster:
    """initdb'd into /tmp/hcdjpg_*/data, listening only on the unix socket
    in /tmp/hcdjpg_*/run; run by hcd-pg (or postgres) under root, by the
    current user otherwise."""

    def __init__(self):
        self.bin = find_pgbin()
        self.owner = None
        if os.geteuid() == 0:
            for name in PG_OWNERS:
                try:
                    pwd.getpwnam(name)
                    self.owner = name
                    break
                except KeyError:
                    pass
            assert self.owner, "no user of %r to run PostgreSQL" % (
                PG_OWNERS,)
        self.dir = Path(tempfile.mkdtemp(prefix="hcdjpg_", dir="/tmp"))
        os.chmod(self.dir, 0o755)
        self.data = self.dir / "data"
        self.run = self.dir / "run"
        self.logfile = self.dir / "pg.log"
        self.run.mkdir(mode=0o755)
        if self.owner:
            for p in (self.dir, self.run):
                shutil.chown(p, self.owner)
        p = self.as_pg([str(self.bin / "initdb"), "-D", str(self.data),
                        "--auth=trust", "--encoding=UTF8", "--locale=C",
                        "-U", "postgres", "--no-sync"], timeout=120)
        assert p.returncode == 0, p.stdout + p.stderr
        conf = "\n".join([
            "",
            "# test_journal.py: a private cluster",
            "listen_addresses = ''",
            "unix_socket_directories = '%s'" % self.run,
            "port = 5432",
            "max_connections = 100",
            "shared_buffers = 32MB",
            "fsync = on",
            "synchronous_commit = on",
            "log_min_messages = warning",
            ""])
        p = self.as_pg(["sh", "-c", 'cat >> "$1"', "sh",
                        str(self.data / "postgresql.conf")], input=conf)
        assert p.returncode == 0, p.stderr
        self.conninfo = "host=%s port=5432 user=postgres dbname=postgres" % (
            self.run)

    def as_pg(self, args, timeout=60, input=None):
        if self.owner:
            args = ["runuser", "-u", self.owner, "--"] + list(args)
        return subprocess.run(args, cwd="/", capture_output=True, text=True,
                              timeout=timeout * SLOW, input=input)

    def pg_ctl(self, *args, timeout=90):
        return self.as_pg([str(self.bin / "pg_ctl"), "-D", str(self.data)] +
                          list(args), timeout=timeout)

    def running(self):
        return self.pg_ctl("status").returncode == 0

    def accepting(self):
        try:
            return run_sql(self.conninfo, "SELECT 1", timeout=10) == [("1",)]
        except (RuntimeError, subprocess.TimeoutExpired):
            return False

    def start(self):
        if not self.running():
            p = self.pg_ctl("-l", str(self.logfile), "-w", "-t",
                            str(60 * SLOW), "start")
            assert p.returncode == 0, "PostgreSQL did not start: %s%s\n%s" % (
                p.stdout, p.stderr, self.log()[-3000:])
        assert wait_for(self.accepting, 60), \
            "PostgreSQL does not accept connections:\n" + self.log()[-3000:]

    def stop(self, mode="fast"):
        p = self.pg_ctl("-m", mode, "-w", "-t", str(60 * SLOW), "stop")
        assert p.returncode == 0, p.stdout + p.stderr
        assert not self.running()

    def log(self):
        try:
            return self.logfile.read_text(errors="replace")
        except OSError:
            return ""

    def destroy(self):
        try:
            if self.running():
                self.pg_ctl("-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def cluster():
    for prog in ("hcd", "hcctl"):
        assert (BIN / prog).exists(), "%s not found in HCD_BIN=%s" % (
            prog, BIN)
    c = Cluster()
    c.start()
    yield c
    c.destroy()


@pytest.fixture(scope="module")
def pgbase(cluster):
    """conftest's make_hcd builds its instances on this module's private
    cluster instead of the shared development one."""
    return cluster.conninfo


@pytest.fixture(autouse=True)
def cluster_up(cluster):
    """Every test starts, and leaves, with PostgreSQL accepting."""
    cluster.start()
    yield
    cluster.start()


@contextlib.contextmanager
def outage(cluster, mode="fast"):
    """PostgreSQL stopped inside the block, always started again after."""
    cluster.stop(mode)
    try:
        yield
    finally:
        cluster.start()


# --- helpers ---------------------------------------------------------------

def child(h, role, cid=0):
    for c in h.status()["children"]:
        if c["role"] == role and c["id"] == cid:
            return c
    raise AssertionError("no %s %d in hcctl status" % (role, cid))


def kill_child(h, role, cid=0):
    """kill -9 of one child; wait until the master has replaced it."""
    old = h.child_pids()
    victim = child(h, role, cid)["pid"]
    assert victim in old
    os.kill(victim, signal.SIGKILL)
    assert wait_for(lambda: victim not in h.child_pids() and
                    len(h.child_pids() - old) == 1, 15), \
        "%s %d not restarted:\n%s" % (role, cid, h.log()[-3000:])
    new = child(h, role, cid)
    assert new["pid"] != victim and new["restarts"] >= 1, new
    return new


def kill_family(h):
    """kill -9 of the master and all its children (its process group)."""
    pgid = h.proc.pid                   # start_new_session: group leader
    os.killpg(pgid, signal.SIGKILL)
    h.proc.wait(timeout=10)

    def gone():
        p = subprocess.run(["ps", "-o", "pid=,stat=", "-g", str(pgid)],
                           capture_output=True, text=True)
        return all(l.split()[1].startswith("Z")
                   for l in p.stdout.splitlines() if l.strip())
    assert wait_for(gone, 10), "hcd's processes outlived kill -9"


def stop_clean(h):
    """Graceful stop at the end of a test: exit status 0."""
    rc = h.stop()
    assert rc == 0, "hcd exited %s:\n%s" % (rc, h.log()[-4000:])


def count_rows(h):
    """api_ping rows, straight from PostgreSQL (no barrier); -1 if it
    does not answer."""
    try:
        return int(run_sql(h.conninfo, "SELECT count(*) FROM api_ping",
                           timeout=10)[0][0])
    except (RuntimeError, subprocess.TimeoutExpired):
        return -1


def settle(h, code, timeout=60):
    """Once PostgreSQL is back: ping until answered OK (a full journal
    drains first), then wait until that ping is stored.  The journal is
    loaded in order, so every ping acknowledged before it is loaded too.
    Returns the settling bodies that were answered OK."""
    tag = "settle-" + secrets.token_hex(4)
    deadline = time.monotonic() + timeout * SLOW
    oks = []
    i = 0
    while True:
        body = "%s-%d" % (tag, i)
        i += 1
        try:
            r = h.ping(code, method="POST", body=body.encode(), timeout=10)
            if r.status == 200 and r.body == b"OK":
                oks.append(body)
                break
        except (OSError, http.client.HTTPException):
            pass
        assert time.monotonic() < deadline, \
            "no OK after PostgreSQL came back: %r\n%s" % (r, h.log()[-3000:])
        time.sleep(0.2)

    def stored():
        try:
            return run_sql(h.conninfo, "SELECT 1 FROM api_ping WHERE "
                           "body_raw = convert_to('%s', 'UTF8')" % body,
                           timeout=10) != []
        except (RuntimeError, subprocess.TimeoutExpired):
            return False
    assert wait_for(stored, timeout, step=0.2), \
        "the backlog is not loaded %d s after PostgreSQL came back:\n%s" % (
            timeout * SLOW, h.log()[-4000:])
    return oks


def stored_pings(h):
    """[(check code, body, n)] of every row in api_ping."""
    return [(c, b, int(n)) for c, b, n in h.sql(
        "SELECT c.code, convert_from(p.body_raw, 'UTF8'), p.n"
        " FROM api_ping p JOIN api_check c ON c.id = p.owner_id")]


def assert_stored(h, expected, checks, maybe=()):
    """expected: {body: code}, each stored exactly once under its check;
    maybe: bodies that may be stored (at most once) but need not be;
    nothing else stored; n gapless per check and n_pings its row count.
    Returns {code: rows}."""
    rows = stored_pings(h)
    seen = {}
    dups = []
    per = {}
    for code, body, n in rows:
        if body in seen:
            dups.append(body)
        seen[body] = code
        per.setdefault(code, []).append(n)
    assert dups == [], "stored twice: %r" % dups[:10]
    missing = [b for b in expected if b not in seen]
    assert missing == [], "%d pings answered OK are not stored: %r" % (
        len(missing), missing[:10])
    maybe = set(maybe)
    extra = [b for b in seen if b not in expected and b not in maybe]
    assert extra == [], "stored but never answered OK: %r" % extra[:10]
    wrong = [b for b, c in expected.items() if seen[b] != c]
    assert wrong == [], "stored under another check: %r" % wrong[:10]
    for code in checks:
        ns = sorted(per.get(code, []))
        assert ns == list(range(1, len(ns) + 1)), (code, ns[:50])
        assert h.check_row(code)["n_pings"] == len(ns), code
    return {c: len(per.get(c, [])) for c in checks}


class Pinger:
    """Sends `total` pings from `threads` threads over keep-alive
    connections; ping i goes to checks[i % len(checks)] with the unique
    body <tag>-<i>.  gates: [(i, Event)]: ping i and later wait until the
    event is set (their thread's connection is closed while it waits).
    results[i] = (status or -1 for a transport error, body bytes,
    headers)."""

    def __init__(self, h, checks, total, threads=8, gates=()):
        self.h = h
        self.checks = checks
        self.total = total
        self.gates = sorted(gates, key=lambda g: g[0])
        self.tag = "p" + secrets.token_hex(3)
        self.lock = threading.Lock()
        self.aborted = False
        self.next = 0
        self.done = 0
        self.results = {}
        self.errors = []
        self.threads = [threading.Thread(target=self._run, daemon=True)
                        for _ in range(threads)]

    def body(self, i):
        return "%s-%06d" % (self.tag, i)

    def code(self, i):
        return self.checks[i % len(self.checks)]

    def _take(self):
        with self.lock:
            if self.next >= self.total or self.aborted:
                return None
            self.next += 1
            return self.next - 1

    def _run(self):
        c = None
        while True:
            i = self._take()
            if i is None:
                break
            for at, ev in self.gates:
                if i >= at and not ev.is_set():
                    if c is not None:
                        c.close()
                        c = None
                    if not ev.wait(300 * SLOW):
                        self.errors.append("gate %d never opened" % at)
                        return
                    if self.aborted:
                        return
            try:
                if c is None:
                    c = self.h.conn(timeout=10 * SLOW)
                c.request("POST", "/ping/" + self.code(i),
                          body=self.body(i).encode())
                r = c.getresponse()
                data = r.read()
                res = (r.status, data, {k.lower(): v
                                        for k, v in r.getheaders()})
                if r.will_close:
                    c.close()
                    c = None
            except (OSError, http.client.HTTPException) as ex:
                res = (-1, repr(ex).encode(), {})
                if c is not None:
                    c.close()
                c = None
            with self.lock:
                self.results[i] = res
                self.done += 1
        if c is not None:
            c.close()

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def abort(self):
        """No more pings (after a failure elsewhere)."""
        with self.lock:
            self.aborted = True

    def join(self):
        for t in self.threads:
            t.join(timeout=400 * SLOW)
        assert not any(t.is_alive() for t in self.threads), "pingers hung"
        assert self.errors == [], self.errors
        assert self.aborted or len(self.results) == self.total
        return self

    def ok(self):
        return {self.body(i): self.code(i) for i, r in self.results.items()
                if r[0] == 200 and r[1] == b"OK"}

    def not_ok(self):
        return {i: r[:2] for i, r in self.results.items()
                if not (r[0] == 200 and r[1] == b"OK")}

    def statuses(self):
        out = {}
        for r in self.results.values():
            out[r[0]] = out.get(r[0], 0) + 1
        return out


JOURNAL_LINE = re.compile(
    r"^journal: (?P<state>[a-z ]+), (?P<disk>\d+) bytes on disk \(max "
    r"(?P<max>\d+)\), backlog (?P<pings>\d+) pings, (?P<bytes>\d+) bytes, "
    r"oldest (?P<oldest>[\d.]+) s, loader (?P<rate>\d+) pings/s, "
    r"lag (?P<lag>[\d.]+) ms, (?P<refused>\d+) refused$")


def journal_status(h):
    """hcctl status's journal line: state, disk, max, pings (backlog),
    bytes (backlog), oldest (s), rate (pings/s), refused."""
    text = h.status()["text"]
    lines = [l for l in text.splitlines() if l.startswith("journal:")]
    assert len(lines) == 1, text
    m = JOURNAL_LINE.match(lines[0])
    assert m, lines[0]
    d = m.groupdict()
    for k in d:
        if k != "state":
            d[k] = float(d[k]) if k in ("oldest", "lag") else int(d[k])
    return d


def wait_backlog_empty(h):
    """After settle(): hcctl status says nothing waits any more."""
    st = wait_for(lambda: (lambda d: d if d["pings"] == 0 and
                           d["bytes"] == 0 else None)(journal_status(h)),
                  30, step=0.2)
    assert st, journal_status(h)
    assert st["state"] == "ok", st
    return st


# --- 1, 2: PostgreSQL stopped under load -----------------------------------

NCHECKS = 50
NPINGS = 2000


def outage_under_load(cluster, h, mode, during=None):
    """2,000 pings to 50 checks; PostgreSQL stopped (mode) once 500 are
    answered, while the load goes on; pings from 1,000 on wait until it
    is down, so that at least half of them are answered in the outage.
    during(h, pinger) runs while PostgreSQL is down (the load is then
    still running: pings from 1,500 on wait until it returns).  Returns
    the pinger, joined, with PostgreSQL up again."""
    checks = [h.create_check(name="o%d" % i)["uuid"] for i in range(NCHECKS)]
    down = threading.Event()
    after = threading.Event()
    gates = [(1000, down)]
    if during is not None:
        gates.append((1500, after))
    p = Pinger(h, checks, NPINGS, threads=10, gates=gates)
    failed = True
    try:
        p.start()
        assert wait_for(lambda: p.done >= 500, 60), p.statuses()
        with outage(cluster, mode):
            down.set()
            if during is not None:
                assert wait_for(lambda: p.done >= 1500, 120), p.statuses()
                during(h, p)
                after.set()
            assert wait_for(lambda: p.done >= NPINGS, 120), p.statuses()
            # the backlog waits in the journal, and hcctl status says so
            assert not cluster.accepting()
            js = journal_status(h)
            assert js["state"] == "ok", js
            assert js["pings"] >= NPINGS - 1000, js
            assert js["bytes"] > 0, js
            assert js["refused"] == 0, js
        failed = False
    finally:
        if failed:
            p.abort()
        down.set()
        after.set()
        p.join()
    return p, checks


def test_fast_stop_under_load(cluster, make_hcd):
    """pg_ctl stop -m fast in the middle of 2,000 pings: every one is
    answered OK, and every one is stored once PostgreSQL is back."""
    h = make_hcd()
    p, checks = outage_under_load(cluster, h, "fast")
    assert p.not_ok() == {}, list(p.not_ok().items())[:10]
    ok = p.ok()
    assert len(ok) == NPINGS
    ok.update({b: checks[0] for b in settle(h, checks[0])})
    per = assert_stored(h, ok, checks)
    assert per == {c: NPINGS // NCHECKS + (c == checks[0]) for c in checks}
    wait_backlog_empty(h)
    stop_clean(h)


def test_immediate_stop_and_kills_under_load(cluster, make_hcd):
    """pg_ctl stop -m immediate in the middle of the load, and kill -9 of
    the alerter and of a worker while PostgreSQL is away, between two
    pings (the master restarts them): every ping is answered OK, and
    each is stored exactly once; those the dead alerter had journaled
    are loaded by its successor."""
    h = make_hcd()
    st0 = {(c["role"], c["id"]): c for c in h.status()["children"]}
    acked_before_kill = {}

    def during(h, p):
        acked_before_kill.update(p.ok())
        assert len(acked_before_kill) == 1500, p.statuses()
        kill_child(h, "alerter", 0)
        kill_child(h, "worker", 1)

    p, checks = outage_under_load(cluster, h, "immediate", during)
    st = {(c["role"], c["id"]): c for c in h.status()["children"]}
    assert st[("alerter", 0)]["pid"] != st0[("alerter", 0)]["pid"]
    assert st[("worker", 1)]["pid"] != st0[("worker", 1)]["pid"]
    assert st[("worker", 0)]["pid"] == st0[("worker", 0)]["pid"]
    # The kills came while no ping was in flight (the gate at 1,500), so
    # every ping is answered OK.
    assert p.not_ok() == {}, list(p.not_ok().items())[:10]
    ok = p.ok()
    ok.update({b: checks[0] for b in settle(h, checks[0])})
    per = assert_stored(h, ok, checks)
    assert all(b in ok for b in acked_before_kill)
    assert sum(per.values()) == len(ok)
    stop_clean(h)


def test_kills_in_flight_during_outage(cluster, make_hcd):
    """The same outage, but the alerter and a worker are killed while
    pings are in flight: each ping answered OK is stored exactly once,
    the others at most once."""
    h = make_hcd()
    checks = [h.create_check(name="f%d" % i)["uuid"] for i in range(20)]
    p = Pinger(h, checks, 1500, threads=10)
    with outage(cluster, "immediate"):
        p.start()
        assert wait_for(lambda: p.done >= 300, 60), p.statuses()
        kill_child(h, "alerter", 0)
        assert wait_for(lambda: p.done >= 800, 60), p.statuses()
        kill_child(h, "worker", 1)
        p.join()
        assert p.statuses().get(200, 0) >= 1000, p.statuses()
    ok = p.ok()
    ok.update({b: checks[0] for b in settle(h, checks[0])})
    assert_stored(h, ok, checks,
                  maybe=[p.body(i) for i in p.not_ok()])
    stop_clean(h)


# --- 3: kill -9 of the whole family with a backlog -------------------------

def test_family_kill_with_backlog_loaded_once(cluster, make_hcd):
    """PostgreSQL away, pings answered from the journal, then kill -9 of
    the master and every child.  hcd started again (PostgreSQL too)
    loads the backlog exactly once: the pings loaded before the outage
    are not loaded again, the backlog is not lost.  A second round kills
    the family again just as the backlog starts to load."""
    h = make_hcd()
    checks = [h.create_check(name="k%d" % i)["uuid"] for i in range(20)]
    ok = {}
    first = Pinger(h, checks, 200, threads=4).start().join()
    assert first.not_ok() == {}
    ok.update(first.ok())
    assert_stored(h, ok, checks)
    for rnd in range(2):
        base = count_rows(h)
        cluster.stop("fast")
        try:
            p = Pinger(h, checks, 600, threads=6).start().join()
            assert p.not_ok() == {}, list(p.not_ok().items())[:5]
            ok.update(p.ok())
            if rnd == 0:
                kill_family(h)
        finally:
            cluster.start()
        if rnd == 1:
            # the loader reconnects and starts on the backlog: kill it
            # in the middle if we can catch it there
            wait_for(lambda: count_rows(h) > base, 30, step=0.01)
            kill_family(h)
        h.start()
        ok.update({b: checks[0] for b in settle(h, checks[0])})
        per = assert_stored(h, ok, checks)
        assert sum(per.values()) == len(ok)
    for c in h.status()["children"]:
        assert c["restarts"] == 0, c
    stop_clean(h)


# --- 4: deadlines across an outage -----------------------------------------

TIMEOUT = 60
OUTAGE = 90
EVERY = 10


def epoch(h, expr, code):
    return float(h.sql("SELECT extract(epoch FROM %s) FROM api_check c "
                       "WHERE c.code = '%s'" % (expr, code))[0][0])


@pytest.mark.skipif(SANITIZED, reason="95 s of wall clock with nothing "
                    "new to a sanitizer: the plain run has it")
def test_deadlines_across_outage(cluster, make_hcd):
    """Timeout 60 s, grace 0.  During a 90 s outage check `alive` pings
    every 10 s, check `quiet` does not.  Nothing can be flipped while
    PostgreSQL is away; after it returns `alive` (whose deadline before
    the outage has passed, but whose pings wait in the journal) gets no
    down flip, and `quiet` exactly one, dated at its deadline."""
    h = make_hcd()
    alive = h.create_check(name="alive", timeout=TIMEOUT, grace=60)["uuid"]
    quiet = h.create_check(name="quiet", timeout=TIMEOUT, grace=60)["uuid"]
    # the API's minimum grace is 60 s; in SQL it may be 0
    h.sql("UPDATE api_check SET grace = interval '0' WHERE code IN "
          "('%s', '%s')" % (alive, quiet))
    for u in (alive, quiet):
        r = h.ping(u)
        assert (r.status, r.body) == (200, b"OK")
    for u in (alive, quiet):
        assert h.check_row(u)["status"] == "up"
    quiet_deadline = epoch(h, "c.last_ping + c.timeout + c.grace", quiet)
    alive_deadline0 = epoch(h, "c.last_ping + c.timeout + c.grace", alive)
    n_alive = 1
    t0 = time.monotonic()
    with outage(cluster, "fast"):
        k = 1
        while k * EVERY < OUTAGE:
            time.sleep(max(0, t0 + k * EVERY - time.monotonic()))
            r = h.ping(alive)
            assert (r.status, r.body) == (200, b"OK"), r
            n_alive += 1
            k += 1
        time.sleep(max(0, t0 + OUTAGE - time.monotonic()))
    back = float(run_sql(h.conninfo, "SELECT extract(epoch FROM now())")[0][0])
    # both deadlines from before the outage lie inside it
    assert quiet_deadline < back and alive_deadline0 < back

    def quiet_down():
        return h.check_row(quiet)["status"] == "down"
    assert wait_for(quiet_down, 40, step=0.5), h.log()[-4000:]
    assert h.check_row(alive)["n_pings"] == n_alive
    assert h.check_row(alive)["status"] == "up"
    assert h.flips(alive) == [("new", "up", "")], h.flips(alive)
    assert h.flips(quiet) == [("new", "up", ""), ("up", "down", "timeout")]
    created = float(h.sql(
        "SELECT extract(epoch FROM f.created) FROM api_flip f JOIN "
        "api_check c ON c.id = f.owner_id WHERE c.code = '%s' AND "
        "f.new_status = 'down'" % quiet)[0][0])
    assert abs(created - quiet_deadline) < 0.001, (created, quiet_deadline)
    # alive's last ping is one of the outage, after quiet's deadline
    assert epoch(h, "c.last_ping", alive) > quiet_deadline
    stop_clean(h)


# --- 5: a torn tail ---------------------------------------------------------
#
# The layout (alerter/journal.h): segment files named by the position of
# their first byte; records 8-byte aligned, each a header (u32 length of
# header + payload, u32 CRC-32C of the whole record but the CRC field,
# u64 the record's own position, u32 type, u32 zero) and its payload.
# Every group (one fdatasync) ends with a MARK; a segment's last record
# may be an END.

JREC_PING, JREC_MARK, JREC_END = 1, 2, 3


def _crc32c_table():
    t = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0x82F63B78 if c & 1 else c >> 1
        t.append(c)
    return t


_CRC32C = _crc32c_table()


def crc32c(data, crc=0):
    crc ^= 0xFFFFFFFF
    for b in data:
        crc = _CRC32C[(crc ^ b) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283


def segments(h):
    d = h.dir / "journal"
    return sorted(p for p in d.iterdir()
                  if re.fullmatch(r"[0-9a-f]{16}\.jnl", p.name))


def records(seg, data):
    """[(offset, length, type)] of the valid records of a segment from
    its start, up to the first that is not one (a record must name its
    own position and pass its CRC), or an END."""
    start = int(seg.name[:16], 16)
    out = []
    off = 0
    while off + REC_HDR.size <= len(data):
        ln, crc, pos, typ, zero = REC_HDR.unpack_from(data, off)
        if (ln < REC_HDR.size or off + ln > len(data) or
                pos != start + off or typ not in (1, 2, 3) or zero != 0 or
                crc32c(data[off + 8:off + ln],
                       crc32c(data[off:off + 4])) != crc):
            break
        out.append((off, ln, typ))
        if typ == JREC_END:
            break
        off += (ln + REC_ALIGN - 1) // REC_ALIGN * REC_ALIGN
    return out


def find_ping(h, body):
    """(segment, its bytes, its records, index of the ping record that
    holds this body)."""
    found = []
    for seg in segments(h):
        data = seg.read_bytes()
        if body not in data:
            continue
        recs = records(seg, data)
        for k, (off, ln, typ) in enumerate(recs):
            if typ == JREC_PING and body in data[off:off + ln]:
                found.append((seg, data, recs, k))
    assert len(found) == 1, "record of %r: %r" % (
        body, [(f[0].name, f[3]) for f in found])
    return found[0]


def cut(path, offset, how):
    with open(path, "r+b") as f:
        if how == "truncate":
            f.truncate(offset)
        else:
            size = os.fstat(f.fileno()).st_size
            f.seek(offset)
            if how == "zero":
                f.write(b"\0" * (size - offset))
            else:                       # flip
                b = f.read(1)
                f.seek(offset)
                f.write(bytes([b[0] ^ 0x01]))
        f.flush()
        os.fsync(f.fileno())


CUTS = {
    # name: (how hcd is stopped, how the last ping's record is cut; the
    # rest of the segment, its group's MARK included, is zeroed too)
    "header": ("kill", "zero"),         # from the middle of its header
    "payload": ("kill", "zero"),        # from the middle of its payload
    "last-byte": ("kill", "zero"),      # from its last byte
    "truncated": ("kill", "truncate"),  # the file itself cut in its payload
    "crc": ("term", "flip"),            # one byte of its payload flipped
}


@pytest.mark.parametrize("variant", list(CUTS))
def test_torn_tail(cluster, make_hcd, variant):
    """hcd stopped with pings in the journal that PostgreSQL has not
    loaded; the last ping's record is then cut or corrupted.  At the
    next start the journal ends at the last whole record (and the log
    says so): the pings before it are stored, the cut one is not,
    nothing crashes, and new pings follow the last whole record."""
    stop, how = CUTS[variant]
    h = make_hcd()
    u = h.create_check(name="torn")["uuid"]
    pre = ["pre-%d" % i for i in range(3)]
    out = ["out-%s-%d" % (variant, i) for i in range(5)]
    for b in pre:
        r = h.ping(u, method="POST", body=b.encode())
        assert (r.status, r.body) == (200, b"OK")
    assert len(h.pings(u)) == len(pre)
    with outage(cluster, "fast"):
        # one at a time: one group each, ping and MARK
        for b in out:
            r = h.ping(u, method="POST", body=b.encode())
            assert (r.status, r.body) == (200, b"OK")
        if stop == "kill":
            kill_family(h)
        else:
            stop_clean(h)
        seg, data, recs, k = find_ping(h, out[-1].encode())
        off, ln, _ = recs[k]
        # The journal's last ping: after it only its group's MARK (and
        # perhaps an END) in this segment, nothing in a later one.
        assert [t for _, _, t in recs[k + 1:]] in (
            [JREC_MARK], [JREC_MARK, JREC_END]), recs[k:]
        later = [s.name for s in segments(h) if s.name > seg.name and
                 records(s, s.read_bytes())]
        assert later == [], later
        if k > 0:
            prev = [r for r in recs[:k] if r[2] == JREC_PING][-1]
            assert out[-2].encode() in data[prev[0]:prev[0] + prev[1]]
        bpos = data.index(out[-1].encode(), off)
        blen = len(out[-1])
        if variant == "header":
            at = off + REC_HDR.size // 2    # its type and after
        elif variant == "last-byte":
            at = max(i for i in range(off, off + ln) if data[i] != 0)
        else:
            at = bpos + blen // 2
        assert off < at < off + ln
        cut(seg, at, how)
        assert len(records(seg, seg.read_bytes())) == k
    logged = len(h.log())
    h.start()
    want = pre + out[:-1]
    # settle: a new ping, appended after the last whole record, and
    # stored after everything before it
    more = settle(h, u)
    got = [p["body"].decode() for p in h.pings(u)]
    assert got == want + more, got
    assert [p["n"] for p in h.pings(u)] == list(range(1, len(got) + 1))
    assert h.check_row(u)["n_pings"] == len(got)
    log = h.log()[logged:]
    assert re.search(r"journal: segment [0-9a-f]{16}: torn record at "
                     r"offset %d" % off, log), log[-4000:]
    if how == "truncate":
        assert re.search(r"journal: segment %s is \d+ bytes, short of" %
                         seg.name, log), log[-4000:]
    for c in h.status()["children"]:
        assert c["restarts"] == 0, "%r\n%s" % (c, log[-4000:])
    assert "killed by signal" not in log and \
        "exited with status" not in log, log[-4000:]
    # the segment is whole again, and the new ping took the cut one's
    # place
    assert seg.stat().st_size == len(data)
    data2 = seg.read_bytes()
    recs2 = records(seg, data2)
    assert recs2[:k] == recs[:k]
    o2, l2, t2 = recs2[k]
    assert t2 == JREC_PING and more[-1].encode() in data2[o2:o2 + l2], \
        recs2[k:]
    stop_clean(h)


# --- 6: a full journal, a disk that refuses -------------------------------

FULL_BODY = "%06d" + "." * 3994                # 4000 bytes


def ping_until_503(h, code, limit, body_fmt=FULL_BODY):
    """Pings one connection at a time until the first non-200; returns
    (bodies answered OK, the refusal as (status, headers, body))."""
    ok = []
    c = h.conn()
    try:
        for i in range(limit):
            body = body_fmt % i
            c.request("POST", "/ping/" + code, body=body.encode())
            r = c.getresponse()
            data = r.read()
            if r.status == 200 and data == b"OK":
                ok.append(body)
                continue
            return ok, (r.status, {k.lower(): v for k, v in r.getheaders()},
                        data)
    finally:
        c.close()
    return ok, None


def test_journal_full(cluster, make_hcd):
    """JOURNAL_MAX reached while PostgreSQL is away: 503 with Retry-After
    and "ping journal full, retry later", no OK beyond what fits, and
    the refused pings are never stored."""
    h = make_hcd(extra={"JOURNAL_MAX": JOURNAL_MIN})
    u = h.create_check(name="full")["uuid"]
    with outage(cluster, "fast"):
        ok, refused = ping_until_503(h, u, 2 * JOURNAL_MIN // 4000)
        assert refused is not None, "no 503 after %d pings" % len(ok)
        status, headers, body = refused
        assert status == 503, refused
        assert body == b"ping journal full, retry later", refused
        assert int(headers["retry-after"]) >= 1, headers
        # the journal holds at most JOURNAL_MAX bytes of them
        assert 10 <= len(ok) <= JOURNAL_MIN // 4000, len(ok)
        refused_bodies = []
        for i in range(5):
            # as large as the one refused: it does not fit either
            b = "r%05d" % i + FULL_BODY[6:]
            r = h.ping(u, method="POST", body=b.encode())
            assert r.status == 503 and "retry-after" in r.headers, r
            assert r.body == b"ping journal full, retry later", r
            refused_bodies.append(b)
        js = journal_status(h)
        assert js["state"] == "full", js
        assert js["pings"] == len(ok), js
        assert js["bytes"] <= JOURNAL_MIN and js["max"] == JOURNAL_MIN, js
    oks = settle(h, u)
    got = [p["body"].decode() for p in h.pings(u)]
    assert got[:len(ok)] == ok
    assert got == ok + oks, (len(got), len(ok), got[len(ok):][:5])
    assert h.check_row(u)["n_pings"] == len(got)
    wait_backlog_empty(h)
    stop_clean(h)


def test_status_line(cluster, make_hcd):
    """hcctl status's journal line while PostgreSQL is away: the
    backlog's pings, bytes and age (its oldest ping was received a
    second ago at least), then, the journal full, "full" and every ping
    answered 503 counted as refused; and once loaded, no backlog."""
    h = make_hcd(extra={"JOURNAL_MAX": JOURNAL_MIN})
    u = h.create_check(name="status")["uuid"]
    js = journal_status(h)
    assert (js["state"], js["pings"], js["bytes"], js["refused"]) == (
        "ok", 0, 0, 0), js
    with outage(cluster, "fast"):
        for i in range(20):
            r = h.ping(u, method="POST", body=b"s-%d" % i)
            assert (r.status, r.body) == (200, b"OK")
        time.sleep(1)
        js = journal_status(h)
        assert js["state"] == "ok" and js["pings"] == 20, js
        assert js["bytes"] > 20 * REC_HDR.size, js
        assert js["oldest"] >= 0.9, "the backlog's age: %r" % js
        ok, refused = ping_until_503(h, u, 2 * JOURNAL_MIN // 4000)
        assert refused is not None and refused[0] == 503
        n503 = 1
        for i in range(5):
            b = "r%05d" % i + FULL_BODY[6:]
            assert h.ping(u, method="POST", body=b.encode()).status == 503
            n503 += 1
        js = journal_status(h)
        assert js["state"] == "full" and js["pings"] == 20 + len(ok), js
        assert js["refused"] == n503, \
            "%d pings answered 503, status says %r" % (n503, js)
    settle(h, u)
    wait_backlog_empty(h)
    stop_clean(h)


UNAVAILABLE = b"ping journal unavailable, retry later"


def refused_write_round(h, u, make_refuse, lift, ok):
    """Pings until the disk refuses (503 "unavailable"), a few refused
    ones more, then the refusal lifted: OK again.  Adds the bodies
    answered OK to ok; returns the refused ones."""
    make_refuse()
    tag = secrets.token_hex(3)
    try:
        got, refused = ping_until_503(
            h, u, 400, body_fmt="w-" + tag + "-%06d" + "." * 2000)
        ok.extend(got)
        assert refused is not None, "the disk never refused (%d OK)" % len(
            got)
        status, headers, body = refused
        assert (status, body) == (503, UNAVAILABLE), (refused, h.log()[-3000:])
        refused_bodies = [("w-" + tag + "-%06d" + "." * 2000) % len(got)]
        for i in range(3):
            # as large as the one refused (a smaller one might fit in
            # what is left of a segment)
            b = ("r-" + tag + "-%06d" + "." * 2000) % i
            r = h.ping(u, method="POST", body=b.encode())
            assert (r.status, r.body) == (503, UNAVAILABLE), r
            refused_bodies.append(b)
        js = journal_status(h)
        assert js["state"] == "not writable", js
    finally:
        lift()

    def accepted():
        b = "lifted-%s-%d" % (tag, len(ok))
        r = h.ping(u, method="POST", body=b.encode())
        if r.status == 200 and r.body == b"OK":
            ok.append(b)
            return True
        assert (r.status, r.body) == (503, UNAVAILABLE), r
        return False
    assert wait_for(accepted, 30, step=0.5), h.log()[-3000:]
    for c in h.status()["children"]:
        assert c["restarts"] == 0, (c, h.log()[-3000:])
    return refused_bodies


def test_refused_write_file_size_limit(cluster, make_hcd):
    """The alerter under RLIMIT_FSIZE (prlimit): writing the journal
    fails with EFBIG, pings get 503 "ping journal unavailable, retry
    later"; once the limit is lifted they are OK again, and the refused
    ones are never stored."""
    if shutil.which("prlimit") is None:
        pytest.skip("no prlimit")
    h = make_hcd(extra={"JOURNAL_MAX": JOURNAL_MIN})
    u = h.create_check(name="efbig")["uuid"]
    ok = []
    for i in range(3):
        b = "before-%d" % i
        assert h.ping(u, method="POST", body=b.encode()).status == 200
        ok.append(b)
    pid = child(h, "alerter")["pid"]

    def limit(v):
        # Another process's limits: as its own user (root here may lack
        # CAP_SYS_RESOURCE), and the soft limit only, which its owner may
        # lower and raise again up to the hard one.
        cmd = ["prlimit", "--pid", str(pid), "--fsize=" + v + ":"]
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "hcd", "--"] + cmd
        p = subprocess.run(cmd, capture_output=True, text=True, cwd="/")
        assert p.returncode == 0, p.stderr
        with open("/proc/%d/limits" % pid) as f:
            lim = [l for l in f if l.startswith("Max file size")][0]
        assert lim.split()[3] == (v if v != "unlimited" else "unlimited"), \
            lim

    refused = refused_write_round(h, u, lambda: limit("1"),
                                  lambda: limit("unlimited"), ok)
    assert child(h, "alerter")["pid"] == pid
    more = settle(h, u)
    got = [p["body"].decode() for p in h.pings(u)]
    assert not set(refused) & set(got)
    assert got == ok + more, (len(got), len(ok))
    assert h.check_row(u)["n_pings"] == len(got)
    stop_clean(h)


def test_refused_write_disk_full(cluster, make_hcd):
    """JOURNAL_DIR on a small tmpfs, PostgreSQL away: once the next
    segment cannot be made (ENOSPC) pings get 503 "ping journal
    unavailable"; the tmpfs grown, they are OK again; the refused ones
    are never stored.  Skipped where mount(2) is not allowed."""
    h = make_hcd(start=False, extra={"JOURNAL_MAX": JOURNAL_MIN})
    jdir = h.dir / "journal"
    jdir.mkdir()
    opts = "size=160k,mode=0700"
    if os.geteuid() == 0:
        pw = pwd.getpwnam("hcd")
        opts += ",uid=%d,gid=%d" % (pw.pw_uid, pw.pw_gid)
    p = subprocess.run(["mount", "-t", "tmpfs", "-o", opts, "hcdjournal",
                        str(jdir)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.skip("cannot mount a tmpfs here: %s" % p.stderr.strip())
    try:
        h.start()
        u = h.create_check(name="enospc")["uuid"]
        ok = []
        for i in range(3):
            b = "before-%d" % i
            assert h.ping(u, method="POST", body=b.encode()).status == 200
            ok.append(b)
        with outage(cluster, "fast"):
            def grow():
                p = subprocess.run(["mount", "-o", "remount,size=16m",
                                    str(jdir)], capture_output=True,
                                   text=True)
                assert p.returncode == 0, p.stderr
            refused = refused_write_round(h, u, lambda: None, grow, ok)
        more = settle(h, u)
        got = [p["body"].decode() for p in h.pings(u)]
        assert not set(refused) & set(got)
        assert got == ok + more, (len(got), len(ok))
        assert h.check_row(u)["n_pings"] == len(got)
        stop_clean(h)
    finally:
        if h.running():
            h.stop()
        subprocess.run(["umount", "-l", str(jdir)], capture_output=True)


def test_spare_segment(cluster, make_hcd):
    """The spare segment (journal_prepare), in the sandboxed alerter:
    not made while the first segment is under half full; made by the
    loader once it is past half (PostgreSQL away: the loader still
    turns), counted in hcctl status's size on disk; taken (renamed, the
    same file) by the rollover into the second segment, with no loaded
    one to recycle; every ping answered OK stored once it returns."""
    h = make_hcd(extra={"JOURNAL_MAX": JOURNAL_MIN})
    u = h.create_check(name="spare")["uuid"]
    jdir = h.dir / "journal"
    spare = jdir / "spare.jnl"
    seg = 65536                         # JOURNAL_MIN's segment size
    ok = []

    def ping(tag):
        b = ("%s-%04d" % (tag, len(ok))) + "." * 3990
        r = h.ping(u, method="POST", body=b.encode())
        assert (r.status, r.body) == (200, b"OK"), r
        ok.append(b)

    with outage(cluster, "fast"):
        for i in range(4):              # 16 KiB: under half
            ping("a")
        time.sleep(0.5)
        assert not spare.exists()
        assert not (jdir / "spare.tmp").exists()
        for i in range(6):              # 40 KiB: past half
            ping("b")
        assert wait_for(spare.exists, 10), h.log()[-3000:]
        assert spare.stat().st_size == seg
        ino = spare.stat().st_ino
        assert wait_for(lambda: journal_status(h)["disk"] == 2 * seg, 5), \
            journal_status(h)
        second = jdir / ("%016x.jnl" % seg)
        while not second.exists():
            assert len(ok) < 40, "no second segment"
            ping("c")
        assert second.stat().st_ino == ino
        assert second.stat().st_size == seg
        assert not spare.exists()
    more = settle(h, u)
    got = [p["body"].decode() for p in h.pings(u)]
    assert got == ok + more, (len(got), len(ok))
    for c in h.status()["children"]:
        assert c["restarts"] == 0, (c, h.log()[-3000:])
    stop_clean(h)


def test_journal_of_another_database_not_loaded(cluster, make_hcd):
    """A journal belongs to the database it was first loaded into
    (journal.db): pointed at another database (DATABASE_URL changed, or
    the database dropped and made again), hcd loads nothing of it
    there, says so in its log, and still answers from the journal.
    The first segment is recycled before the switch: the loader's
    cursor, never read from the other database, must not send it
    looking for segment 0 (it once did, at every turn, logging
    "reading segment" thousands of times a second)."""
    h = make_hcd(extra={"JOURNAL_MAX": JOURNAL_MIN})
    u = h.create_check(name="bound")["uuid"]
    first = h.dir / "journal" / ("%016x.jnl" % 0)
    sent = 0
    while sent == 0 or first.exists():
        assert sent < 80, "segment 0 never recycled"
        r = h.ping(u, method="POST", body=b"x" * 4000)
        assert r.status == 200, r
        sent += 1
        # loaded before the next one, so that a loaded segment waits
        assert wait_for(lambda: len(h.pings(u)) == min(sent, 100), 10)
    assert (h.dir / "journal" / "journal.db").exists()
    assert h.stop() == 0
    # Another database for the same instance, its journal kept.
    other = "hcd_t_other_%d" % os.getpid()
    run_sql(h.admin, "CREATE DATABASE %s" % other)
    old_db, old_conninfo = h.db, h.conninfo
    try:
        h.db = other
        h.conninfo = old_conninfo.replace(old_db, other)
        h.write_conf()
        h.setup_account()
        h.start()
        v = h.create_check(name="elsewhere")["uuid"]
        for i in range(5):
            r = h.ping(v)
            assert (r.status, r.body) == (200, b"OK")
        assert wait_for(lambda: "holds the journal of database" in h.log(),
                        20 * SLOW), h.log()[-3000:]
        rows = run_sql(h.conninfo, "SELECT count(*) FROM api_ping")
        assert int(rows[0][0]) == 0, rows
        # The backlog is dated from what the journal holds: the oldest
        # ping not loaded is one of the five, a few seconds old at most.
        st = wait_for(lambda: (lambda d: d if d["oldest"] > 0 else None)(
            journal_status(h)), 5, step=0.2)
        assert st and st["oldest"] < 60, journal_status(h)
        assert "reading segment" not in h.log(), h.log()[-3000:]
        assert h.stop() == 0
    finally:
        h.db, h.conninfo = old_db, old_conninfo
        h.write_conf()
        run_sql(h.admin, "DROP DATABASE IF EXISTS %s WITH (FORCE)" % other)
