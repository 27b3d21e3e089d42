# Several hcd nodes on one database (ARCHITECTURE.md: index changes
# travel by LISTEN/NOTIFY).  Node A and node B share a database and an
# account, each with its own shared-memory check index.  A check made,
# changed or deleted through A's API, or by plain SQL, must be seen by
# B's ping path within a second, without a reload: the triggers of
# schema/003 announce the change and B's alerter applies it.  Also:
# ping keys changed in SQL, B's listener session cut (it reconnects and
# refreshes), B's alerter killed (its successor listens again), and both
# nodes stop cleanly on SIGTERM (the fixture's teardown).

import os
import signal
import time

import pytest

from conftest import SLOW

WITHIN = 1.0 * SLOW     # seconds, the promise


@pytest.fixture(scope="module")
def nodes(make_hcd):
    a = make_hcd()
    b = make_hcd(share=a)
    return a, b


def until(pred, timeout=WITHIN):
    """Poll pred() until true; returns the seconds it took, or fails."""
    t0 = time.monotonic()
    while True:
        if pred():
            return time.monotonic() - t0
        if time.monotonic() - t0 > timeout:
            raise AssertionError("not within %.1f s" % timeout)
        time.sleep(0.01)


def pings_ok(node, path):
    return lambda: node.ping(path).status == 200


def pings_404(node, path):
    return lambda: node.ping(path).status == 404


def test_two_nodes_one_database(nodes):
    a, b = nodes
    assert a.db == b.db and a.port != b.port and a.sock != b.sock
    names = {r[0] for r in a.sql(
        "SELECT application_name FROM pg_stat_activity "
        "WHERE datname = current_database()")}
    # each node's alerter listens, on a session of its own
    assert sum(1 for n in names if n == "hcd-index") >= 1, names
    assert len([r for r in a.sql(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name = 'hcd-index'")]) == 2


def test_created_on_a_pings_on_b(nodes):
    a, b = nodes
    c = a.create_check(name="made on a")
    u = c["uuid"]
    until(pings_ok(b, u))
    # stored by B's writer, under B's node name
    until(lambda: a.check_row(u)["n_pings"] == 1, timeout=10 * SLOW)
    nodes_rows = {r[0] for r in a.sql("SELECT node FROM hcd_ring")}
    assert b.extra["NODE_NAME"] in nodes_rows, nodes_rows


def test_slug_created_on_a_pings_on_b(nodes):
    a, b = nodes
    a.create_check(name="slugged", slug="made-on-a")
    until(pings_ok(b, "%s/made-on-a" % b.ping_key))


def test_deleted_on_a_gone_on_b(nodes):
    a, b = nodes
    c = a.create_check(name="doomed", slug="doomed-on-a")
    u = c["uuid"]
    until(pings_ok(b, u))
    until(pings_ok(b, "%s/doomed-on-a" % b.ping_key))
    r = a.api("DELETE", "checks/" + u, key=a.key)
    assert r.status == 200, r
    until(pings_404(b, u))
    until(pings_404(b, "%s/doomed-on-a" % b.ping_key))


def test_slug_changed_on_a(nodes):
    a, b = nodes
    c = a.create_check(name="renamed", slug="old-slug")
    until(pings_ok(b, "%s/old-slug" % b.ping_key))
    r = a.api("POST", "checks/" + c["uuid"], {"slug": "new-slug"},
              key=a.key)
    assert r.status == 200, r
    until(pings_ok(b, "%s/new-slug" % b.ping_key))
    until(pings_404(b, "%s/old-slug" % b.ping_key))


def test_sql_insert_pings_on_both(nodes):
    """Neither node's API made it: the trigger fires for any writer."""
    a, b = nodes
    pid = a.sql("SELECT id FROM accounts_project WHERE code = '%s'"
                % a.project)[0][0]
    u = a.sql("INSERT INTO api_check (project_id, name, slug) VALUES "
              "(%s, 'by sql', 'by-sql') RETURNING code" % pid)[0][0]
    for node in (a, b):
        until(pings_ok(node, u))
        until(pings_ok(node, "%s/by-sql" % node.ping_key))
    a.sql("DELETE FROM api_check WHERE code = '%s'" % u)
    for node in (a, b):
        until(pings_404(node, u))


def test_sql_changes_ping_key(nodes):
    a, b = nodes
    a.create_check(name="keyed", slug="keyed")
    until(pings_ok(b, "%s/keyed" % b.ping_key))
    old = a.ping_key
    new = "k" + old[1:] if old[0] != "k" else "j" + old[1:]
    a.sql("UPDATE accounts_project SET ping_key = '%s' WHERE code = '%s'"
          % (new, a.project))
    try:
        for node in (a, b):
            until(pings_ok(node, "%s/keyed" % new))
            until(pings_404(node, "%s/keyed" % old))
    finally:
        a.sql("UPDATE accounts_project SET ping_key = '%s' WHERE code = "
              "'%s'" % (old, a.project))
    for node in (a, b):
        until(pings_ok(node, "%s/keyed" % old))


def test_listener_session_cut(nodes):
    """B's listener loses its session: it reconnects, listens again and
    refreshes the index, so a check made meanwhile is pingable."""
    a, b = nodes
    cut = a.sql("SELECT count(pg_terminate_backend(pid)) FROM "
                "pg_stat_activity WHERE application_name = 'hcd-index' "
                "AND datname = current_database()")
    assert int(cut[0][0]) == 2
    c = a.create_check(name="made while cut")
    until(pings_ok(b, c["uuid"]), timeout=5 * SLOW)
    until(lambda: len(a.sql(
        "SELECT 1 FROM pg_stat_activity WHERE datname = current_database()"
        " AND application_name = 'hcd-index'")) == 2, timeout=5 * SLOW)
    # and it listens again
    c = a.create_check(name="made after the cut")
    until(pings_ok(b, c["uuid"]))


def test_alerter_killed_on_b(nodes):
    """kill -9 of B's alerter: its successor listens on a new session
    and refreshes, so what A made meanwhile, and after, pings on B."""
    a, b = nodes

    def alerter():
        return [c for c in b.status()["children"]
                if c["role"] == "alerter"][0]

    old = alerter()
    os.kill(old["pid"], signal.SIGKILL)
    c = a.create_check(name="made while B's alerter was dead")
    until(lambda: alerter()["pid"] != old["pid"], timeout=10 * SLOW)
    until(pings_ok(b, c["uuid"]), timeout=5 * SLOW)
    c = a.create_check(name="made after B's alerter came back")
    until(pings_ok(b, c["uuid"]))


def test_logs_clean(nodes):
    for node in nodes:
        log = node.log()
        assert "malformed payload" not in log, log[-3000:]
        assert "index full" not in log, log[-3000:]
