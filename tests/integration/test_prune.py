"""Automatic pruning (spec 9.1), done by the alerter after its batches.

Every 100th ping of a check, pings older than the owner's
ping_log_limit go, and so do the check's notifications older than the
oldest ping kept and its flips older than that and 93 days.
"""

import time

from conftest import SLOW


def count_pings(h, code):
    r = h.sql("SELECT count(*), min(p.n), max(p.n) FROM api_ping p JOIN"
              " api_check c ON c.id = p.owner_id WHERE c.code = '%s'" % code)
    return tuple(int(x) for x in r[0])


def test_pings_beyond_the_limit_are_pruned(hcd):
    hcd.sql("UPDATE accounts_profile SET ping_log_limit = 50")
    code = hcd.create_check(name="pruned")["uuid"]
    cid = hcd.check_row(code)["id"]
    # A flip older than 93 days and a notification older than any ping
    # kept, both of this check: they go with the pings.
    hcd.sql("INSERT INTO api_flip (owner_id, created, old_status,"
            " new_status) VALUES (%s, now() - interval '100 days', 'up',"
            " 'down')" % cid)
    c = hcd.conn()
    for i in range(205):
        c.request("GET", "/ping/" + code)
        r = c.getresponse()
        r.read()
        assert r.status == 200
    c.close()
    assert hcd.check_row(code)["n_pings"] == 205
    # Crossing 200 queued the check; the pass, within a second, keeps
    # the last 50 pings as n_pings stands then (200 to 205).
    end = time.time() + 10 * SLOW
    while time.time() < end and count_pings(hcd, code)[1] < 151:
        time.sleep(0.2)
    n, lo, hi = count_pings(hcd, code)
    assert 151 <= lo <= 156, (n, lo, hi)
    assert hi == 205 and n == hi - lo + 1
    old = hcd.sql("SELECT count(*) FROM api_flip WHERE owner_id = %s AND"
                  " created < now() - interval '93 days'" % cid)
    assert int(old[0][0]) == 0
    # The first flip (new -> up) is recent: it is kept.
    assert hcd.flips(code) == [("new", "up", "")]


def test_below_the_limit_nothing_is_pruned(hcd):
    code = hcd.create_check(name="kept")["uuid"]
    hcd.sql("UPDATE accounts_profile SET ping_log_limit = 1000")
    c = hcd.conn()
    for i in range(120):
        c.request("GET", "/ping/" + code)
        r = c.getresponse()
        r.read()
        assert r.status == 200
    c.close()
    time.sleep(1.5)
    assert count_pings(hcd, code) == (120, 1, 120)
