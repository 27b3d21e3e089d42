# The batch writer keeps in memory the checks it writes (alerter/
# writer.c) and sends batches back to back before the earlier ones have
# committed.  These tests change checks behind its back (the API, plain
# SQL, concurrently with load), cut its database session, and check
# that it notices: every ping answered OK is stored once, n is gapless,
# and the state follows the change.

import re
import threading
import time

import pytest

from conftest import SLOW, Load


@pytest.fixture(scope="module")
def inst(make_hcd):
    return make_hcd()


def wait_for(pred, timeout=10):
    deadline = time.monotonic() + timeout * SLOW
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def test_pause_through_api_after_pings(inst):
    """The writer has the check in memory as "up"; the API pauses it; the
    next ping must see "paused" and flip it back up."""
    c = inst.create_check(name="cached-pause")
    u = c["uuid"]
    for _ in range(3):
        assert inst.ping(u).status == 200
    assert inst.check_row(u)["status"] == "up"
    r = inst.api("POST", "checks/%s/pause" % u, b"", key=inst.key)
    assert r.status == 200, r
    assert inst.check_row(u)["status"] == "paused"
    assert inst.ping(u).status == 200
    row = inst.check_row(u)
    assert (row["status"], row["n_pings"]) == ("up", 4)
    assert inst.flips(u) == [("new", "up", ""), ("up", "paused", ""),
                             ("paused", "up", "")]


def test_sql_edit_is_seen(inst):
    """An update in plain SQL bumps hcd_rev (trigger); the writer's next
    batch for the check fails, it re-reads the row and carries on from
    what the row says."""
    u = inst.create_check(name="cached-sql")["uuid"]
    for _ in range(2):
        assert inst.ping(u).status == 200
    rev = int(inst.sql("SELECT hcd_rev FROM api_check WHERE code = '%s'"
                       % u)[0][0])
    inst.sql("UPDATE api_check SET n_pings = 500 WHERE code = '%s'" % u)
    assert int(inst.sql("SELECT hcd_rev FROM api_check WHERE code = '%s'"
                        % u)[0][0]) == rev + 1
    assert inst.ping(u).status == 200
    assert inst.check_row(u)["n_pings"] == 501
    assert [p["n"] for p in inst.pings(u)] == [1, 2, 501]
    # the methods filter, set behind the writer's back, applies at once
    inst.sql("UPDATE api_check SET methods = 'POST' WHERE code = '%s'" % u)
    assert inst.ping(u).status == 200
    last = inst.last_ping(u)
    assert (last["n"], last["kind"]) == (502, "ign")


def test_concurrent_edits_under_load(make_hcd):
    """Load on 10 checks while another session keeps updating them: the
    writer's batches fail and are redone many times; nothing answered OK
    may be lost, stored twice or numbered out of order."""
    inst = make_hcd()
    checks = [inst.create_check(name="edit-%d" % i)["uuid"]
              for i in range(10)]
    stop = threading.Event()
    edits = [0]

    def editor():
        i = 0
        while not stop.is_set():
            inst.sql("UPDATE api_check SET \"desc\" = 'edit %d' "
                     "WHERE code = '%s'" % (i, checks[i % len(checks)]))
            edits[0] += 1
            i += 1
            time.sleep(0.01)

    t = threading.Thread(target=editor, daemon=True)
    # The load lasts until 30 edits were made under it (each waits for
    # the loader, then spawns psql: slower on a busy machine), 60 s at
    # most.
    load = Load(inst, checks, threads=8, duration=60.0).start()
    t.start()
    while edits[0] < 30 and t.is_alive() and any(
            x.is_alive() for x in load.threads):
        time.sleep(0.05)
    load.stop_flag.set()
    load.join()
    stop.set()
    t.join(timeout=30)
    assert edits[0] >= 30
    assert load.statuses.get(200, 0) > 100, load.statuses
    load.assert_stored()
    # the path under test was taken, and quietly: not a database error
    m = re.search(r"redone (\d+), database errors (\d+)",
                  inst.status()["text"])
    assert m, inst.status()["text"]
    assert int(m.group(1)) > 0 and int(m.group(2)) == 0, m.group(0)
    assert "not stored" not in inst.log()


def test_writer_session_cut_under_load(make_hcd):
    """The writer's session is terminated three times under load (batches
    in flight, some mid-commit): it reconnects, re-reads what is
    committed, and stores every ping answered OK exactly once."""
    inst = make_hcd()
    checks = [inst.create_check(name="cut-%d" % i)["uuid"]
              for i in range(10)]
    load = Load(inst, checks, threads=8, duration=5.0).start()
    cut = 0
    for _ in range(3):
        time.sleep(1.0)
        r = inst.sql("SELECT count(pg_terminate_backend(pid)) FROM "
                     "pg_stat_activity WHERE application_name LIKE "
                     "'hcd-writer-%' AND datname = current_database()")
        cut += int(r[0][0])
    load.join()
    assert cut >= 2
    assert load.statuses.get(200, 0) > 100, load.statuses
    load.assert_stored()
    wait_for(lambda: inst.ping(checks[0]).status == 200)
