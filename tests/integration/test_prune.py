"""Automatic pruning (spec 9.1), done by the alerter after its batches.

Every 100th ping of a check, pings older than the owner's
ping_log_limit go, and so do the check's notifications older than the
oldest ping kept and its flips older than that and 93 days.
"""

import time

from conftest import SLOW, wait_for


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


def test_pruning_many_checks_reads_by_index(hcd):
    """One pruning of 300 checks in a table of 300,000 pings deletes
    each check's old pings through the (owner_id, n) index: it never
    scans the whole of api_ping (it once did, planned as a hash join
    over a sequential scan, slower and slower as the table grew)."""
    hcd.sql("UPDATE accounts_profile SET ping_log_limit = 900")
    first = hcd.create_check(name="many-0")["uuid"]
    pid = int(hcd.sql("SELECT project_id FROM api_check WHERE code = '%s'"
                      % first)[0][0])
    hcd.sql("INSERT INTO api_check (project_id, name, code) SELECT %s,"
            " 'many-' || g, gen_random_uuid() FROM generate_series(1, 299)"
            " g" % pid)
    # 999 pings each, as if received: the next one is the 1,000th and
    # queues the check for pruning, which keeps n 101 to 1,000.
    # Interleaved, as pings arrive: the checks' rows are spread over
    # the whole table, as the planner then knows (ANALYZE).
    many = "SELECT id FROM api_check WHERE name LIKE 'many-%'"
    hcd.sql("INSERT INTO api_ping (owner_id, n, created) SELECT c.id, g,"
            " now() - interval '1 hour' FROM (%s) c,"
            " generate_series(1, 999) g ORDER BY g, c.id" % many)
    hcd.sql("UPDATE api_check SET n_pings = 999, last_ping = now() -"
            " interval '1 hour', status = 'up' WHERE id IN (%s)" % many)
    hcd.sql("ANALYZE api_ping")
    codes = [r[0] for r in hcd.sql("SELECT code FROM api_check WHERE"
                                   " name LIKE 'many-%'")]
    assert len(codes) == 300
    scans = "SELECT seq_scan FROM pg_stat_user_tables WHERE relname = 'api_ping'"
    # The test's own counts go by the index too.
    old = ("SET enable_seqscan = off; SELECT count(*) FROM api_ping p"
           " WHERE p.owner_id IN (%s) AND p.n <= 100" % many)
    time.sleep(1)       # statistics of the inserts above flushed
    before = int(hcd.sql(scans)[0][0])
    c = hcd.conn()

    def ping(code):
        c.request("GET", "/ping/" + code)
        r = c.getresponse()
        r.read()
        return r.status == 200

    # The index learns of checks made by SQL from their NOTIFY: a ping
    # to a check it does not know yet is a 404, to be sent again.
    for code in codes:
        assert wait_for(lambda: ping(code), 10, step=0.1), code
    c.close()
    assert wait_for(lambda: int(hcd.sql(old)[0][0]) == 0, 20,
                    step=0.2), hcd.sql(old)
    left = hcd.sql("SET enable_seqscan = off; SELECT count(*), min(p.n),"
                   " max(p.n) FROM api_ping p WHERE p.owner_id IN (%s)"
                   % many)[0]
    assert tuple(int(x) for x in left) == (300 * 900, 101, 1000), left
    time.sleep(1.5)     # the alerter's statistics flushed
    assert int(hcd.sql(scans)[0][0]) == before
