"""Checks go late and down on time, with the real clock, exactly once.

Covers alerter/deadline.c and common/check.c end to end: a simple check
(60 s timeout, 60 s grace: the minimums) goes "grace" after its period
and "down" after the grace; a start without its success goes down after
the grace; a cron check goes down a grace after its missed minute; two
hcd processes on one database (two alerters) record one flip per check;
an alerter killed in the middle is restarted and loses no deadline.

Every scenario is set up at once by the module fixture, so the module
waits about two minutes in all, not two minutes per case.
"""

import datetime
import os
import signal
import time

import pytest

from conftest import SLOW

TIMEOUT = 60
GRACE = 60
NRACE = 20          # checks both alerters compete for


def parse_ts(s):
    # psql prints "2026-11-25 03:06:30.395117+00"
    s = s.replace(" ", "T")
    if s.endswith("+00"):
        s += ":00"
    return datetime.datetime.fromisoformat(s).timestamp()


def db_now(h):
    return float(h.sql("SELECT extract(epoch FROM now())")[0][0])


@pytest.fixture(scope="module")
def world(make_hcd, pgbase):
    a = make_hcd(extra={"NODE_NAME": "node-a"})
    # A second hcd on the same database: its own port, socket, alerter.
    b = make_hcd(account=False, start=False)
    b.conninfo = a.conninfo
    b.write_conf(extra={"NODE_NAME": "node-b"})
    b.start()
    # A third, alone on its database, whose alerter we kill.
    c = make_hcd(extra={"NODE_NAME": "node-c"})

    w = {"a": a, "b": b, "c": c}
    w["simple"] = a.create_check(name="simple", timeout=TIMEOUT,
                                 grace=GRACE)["uuid"]
    w["started"] = a.create_check(name="started", timeout=3600,
                                  grace=GRACE)["uuid"]
    w["cron"] = a.create_check(name="cron", schedule="* * * * *",
                               tz="Europe/Riga", grace=GRACE)["uuid"]
    w["race"] = [a.create_check(name="race-%d" % i, timeout=TIMEOUT,
                                grace=GRACE)["uuid"] for i in range(NRACE)]
    w["restart"] = c.create_check(name="restart", timeout=TIMEOUT,
                                  grace=GRACE)["uuid"]
    w["quiet"] = a.create_check(name="quiet", timeout=3600,
                                grace=GRACE)["uuid"]
    # b learns of checks made through a's API when it reloads (nodes do
    # not notify each other yet).
    b.hcctl("reload")
    assert wait_for(lambda: b.ping(w["quiet"] + "/log").status == 200,
                    10 * SLOW)

    # Pings: successes on both nodes, a start after a success.
    for code in [w["simple"], w["cron"], w["quiet"]] + w["race"]:
        assert a.ping(code).status == 200
    assert a.ping(w["started"]).status == 200
    assert b.ping(w["started"] + "/start").status == 200
    assert c.ping(w["restart"]).status == 200
    w["t0"] = db_now(a)
    w["cron_json"] = api_check(a, w["cron"])

    # Kill the lone alerter a little later; the master restarts it.
    time.sleep(3)
    st = c.status()
    old = [x for x in st["children"] if x["role"] == "alerter"][0]
    os.kill(old["pid"], signal.SIGKILL)
    deadline = time.time() + 20 * SLOW
    while time.time() < deadline:
        st = c.status()
        al = [x for x in st["children"] if x["role"] == "alerter"][0]
        if al["pid"] not in (0, old["pid"]):
            break
        time.sleep(0.2)
    w["alerter_restarted"] = (al["pid"] not in (0, old["pid"]) and
                              al["restarts"] == 1)
    return w


def api_check(h, code):
    r = h.api("GET", "checks/" + code, key=h.key)
    assert r.status == 200, r
    return r.json()


def wait_until(t):
    d = t - time.time()
    if d > 0:
        time.sleep(d)


def wait_for(pred, limit):
    end = time.time() + limit
    while time.time() < end:
        if pred():
            return True
        time.sleep(0.25)
    return pred()


def test_grace_after_the_period(world):
    a = world["a"]
    # 60 s after the last ping, before 120 s: late, not down.
    wait_until(world["t0"] + TIMEOUT + 5)
    j = api_check(a, world["simple"])
    assert j["status"] == "grace"
    assert a.check_row(world["simple"])["status"] == "up"
    assert a.flips(world["simple"]) == [("new", "up", "")]
    # The check that pings nothing but is far from its deadline is up.
    assert api_check(a, world["quiet"])["status"] == "up"


def test_start_without_success_goes_down_after_grace(world):
    a = world["a"]
    code = world["started"]
    assert api_check(a, code)["started"] is True
    ok = wait_for(lambda: a.check_row(code)["status"] == "down",
                  GRACE + 20 * SLOW)
    assert ok, a.check_row(code)
    flips = a.flips(code)
    assert flips == [("new", "up", ""), ("up", "down", "timeout")]
    # The flip is dated when the check went down: the start + grace.
    created = parse_ts(a.sql(
        "SELECT f.created FROM api_flip f JOIN api_check c ON"
        " c.id = f.owner_id WHERE c.code = '%s' AND f.reason = 'timeout'"
        % code)[0][0])
    start = parse_ts(a.sql("SELECT p.created FROM api_ping p JOIN api_check c"
                           " ON c.id = p.owner_id WHERE c.code = '%s' AND"
                           " p.kind = 'start'" % code)[0][0])
    assert abs(created - (start + GRACE)) < 0.01
    assert api_check(a, code)["status"] == "down"


def test_simple_check_goes_down_on_time_once(world):
    a = world["a"]
    code = world["simple"]
    last = parse_ts(a.check_row(code)["last_ping"])
    due = last + TIMEOUT + GRACE
    wait_until(due - 2)
    assert a.check_row(code)["status"] == "up"
    # Down within a few seconds of the deadline (the alerter aims at
    # less than one; the slack is for loaded CI machines and ASan).
    ok = wait_for(lambda: a.check_row(code)["status"] == "down",
                  2 + 5 * SLOW)
    assert ok, a.check_row(code)
    assert a.flips(code) == [("new", "up", ""), ("up", "down", "timeout")]
    created = parse_ts(a.sql(
        "SELECT f.created FROM api_flip f JOIN api_check c ON"
        " c.id = f.owner_id WHERE c.code = '%s' AND f.reason = 'timeout'"
        % code)[0][0])
    assert abs(created - due) < 0.01
    assert api_check(a, code)["status"] == "down"
    assert a.sql("SELECT alert_after FROM api_check WHERE code = '%s'"
                 % code) == [(None,)]


def test_cron_check_goes_down_a_grace_after_its_minute(world):
    a = world["a"]
    code = world["cron"]
    last = parse_ts(a.check_row(code)["last_ping"])
    nxt = (int(last) // 60 + 1) * 60          # the next whole minute
    j = world["cron_json"]         # as the API showed it just after the ping
    assert j["status"] == "up"
    assert j["schedule"] == "* * * * *"
    assert j["tz"] == "Europe/Riga"
    assert "timeout" not in j
    assert datetime.datetime.fromisoformat(j["next_ping"]).timestamp() == nxt
    ok = wait_for(lambda: a.check_row(code)["status"] == "down",
                  max(0, nxt + GRACE - time.time()) + 5 * SLOW + 2)
    assert ok, a.check_row(code)
    created = parse_ts(a.sql(
        "SELECT f.created FROM api_flip f JOIN api_check c ON"
        " c.id = f.owner_id WHERE c.code = '%s' AND f.reason = 'timeout'"
        % code)[0][0])
    assert abs(created - (nxt + GRACE)) < 0.01


def test_two_alerters_record_one_flip_each(world):
    a = world["a"]
    due = world["t0"] + TIMEOUT + GRACE
    wait_until(due + 2)
    ok = wait_for(lambda: all(a.check_row(c)["status"] == "down"
                              for c in world["race"]), 5 * SLOW)
    assert ok
    rows = a.sql(
        "SELECT c.code, count(*) FROM api_flip f JOIN api_check c ON"
        " c.id = f.owner_id WHERE f.reason = 'timeout' AND c.name LIKE"
        " 'race-%' GROUP BY c.code")
    assert sorted(r[0] for r in rows) == sorted(world["race"])
    assert all(int(r[1]) == 1 for r in rows), rows
    # Both nodes ran: each left its ring position behind.
    nodes = {r[0] for r in a.sql("SELECT DISTINCT node FROM hcd_ring")}
    assert {"node-a", "node-b"} <= nodes


def test_restarted_alerter_loses_no_deadline(world):
    c = world["c"]
    assert world["alerter_restarted"], c.status()["text"]
    code = world["restart"]
    due = parse_ts(c.check_row(code)["last_ping"]) + TIMEOUT + GRACE
    wait_until(due)
    ok = wait_for(lambda: c.check_row(code)["status"] == "down",
                  5 * SLOW + 2)
    assert ok, c.check_row(code)
    assert c.flips(code) == [("new", "up", ""), ("up", "down", "timeout")]
