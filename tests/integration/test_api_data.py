# The management API's read endpoints beyond checks (spec 6.2): a
# check's pings (newest first, durations, body URLs), ping bodies, flips
# with their filters, channels, badges, the operator's metrics; and an
# end-to-end run: create, ping, see the check and its pings change.

import re
import time
import uuid

import pytest

from api_fixtures import V, add_channel, badge_key, badge_sig, call, create

ISO = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00"
ISO_US = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?\+00:00"


def test_end_to_end(hcd):
    d = create(hcd, name="e2e", timeout=3600, grace=60)
    u = d["uuid"]
    assert (d["n_pings"], d["status"], d["last_ping"]) == (0, "new", None)
    r = call(hcd, "GET", 3, "checks/%s/pings/" % u, key=hcd.key)
    assert (r.status, r.json()) == (200, {"pings": []})

    rid = str(uuid.uuid4())
    assert hcd.ping(u + "/start?rid=" + rid).status == 200
    time.sleep(0.05)
    assert hcd.ping(u + "?rid=" + rid, method="POST",
                    body=b"all good").status == 200
    assert hcd.ping(u + "/log", method="POST", body=b"").status == 200
    g = call(hcd, "GET", 3, "checks/" + u, key=hcd.key).json()
    assert g["n_pings"] == 3 and g["status"] == "up"
    assert re.fullmatch(ISO, g["last_ping"])
    assert re.fullmatch(ISO, g["next_ping"])
    assert g["started"] is False

    for v in V:
        r = call(hcd, "GET", v, "checks/%s/pings/" % u, key=hcd.key)
        assert r.status == 200
        assert r.headers["access-control-allow-origin"] == "*"
        p = r.json()["pings"]
        assert [x["n"] for x in p] == [3, 2, 1]
        assert [x["type"] for x in p] == ["log", "success", "start"]
        for x in p:
            assert re.fullmatch(ISO_US, x["date"])
            assert x["scheme"] == "http" and x["remote_addr"] == "127.0.0.1"
            assert list(x)[:8] == ["type", "date", "n", "scheme",
                                   "remote_addr", "method", "ua", "rid"]
        assert p[1]["method"] == "POST" and p[2]["method"] == "GET"
        assert p[1]["rid"] == rid and p[2]["rid"] == rid
        assert p[0]["rid"] is None
        assert 0.04 <= p[1]["duration"] < 5
        assert p[1]["duration"] == round(p[1]["duration"], 2)
        assert "duration" not in p[0] and "duration" not in p[2]
        assert p[1]["body_url"] == "http://127.0.0.1:%d/api/v%d/checks/%s/" \
            "pings/2/body" % (hcd.port, v, u)
        assert p[0]["body_url"] is None and p[2]["body_url"] is None

    r = call(hcd, "GET", 3, "checks/%s/pings/2/body" % u, key=hcd.key)
    assert (r.status, r.body) == (200, b"all good")
    assert r.headers["content-type"] == "text/plain"
    for n in (1, 3, 4, 0):
        r = call(hcd, "GET", 3, "checks/%s/pings/%d/body" % (u, n),
                 key=hcd.key)
        assert r.status == 404, n

    # the list shows the changed check too
    r = call(hcd, "GET", 3, "checks/?slug=", key=hcd.key)
    c = [x for x in r.json()["checks"] if x.get("uuid") == u][0]
    assert c["n_pings"] == 3 and c["status"] == "up"
    # an empty tag is never among a check's tags (as in Healthchecks)
    r = call(hcd, "GET", 3, "checks/?tag=", key=hcd.key)
    assert r.json() == {"checks": []}


def test_durations_without_rid_and_fail(hcd):
    d = create(hcd, name="dur")
    u = d["uuid"]
    hcd.ping(u + "/start")
    hcd.ping(u + "/fail")
    hcd.ping(u)          # no start before it: no duration
    p = call(hcd, "GET", 3, "checks/%s/pings/" % u, key=hcd.key).json()[
        "pings"]
    assert [x["type"] for x in p] == ["success", "fail", "start"]
    assert "duration" in p[1] and "duration" not in p[0]


def test_ping_body_limits(hcd):
    d = create(hcd, name="limit")
    u = d["uuid"]
    for i in range(4):
        hcd.ping(u, method="POST", body=b"b%d" % i)
    hcd.sql("UPDATE accounts_profile SET ping_log_limit = 2")
    try:
        r = call(hcd, "GET", 3, "checks/%s/pings/" % u, key=hcd.key)
        assert [x["n"] for x in r.json()["pings"]] == [4, 3]
        assert call(hcd, "GET", 3, "checks/%s/pings/2/body" % u,
                    key=hcd.key).status == 404
        r = call(hcd, "GET", 3, "checks/%s/pings/3/body" % u, key=hcd.key)
        assert (r.status, r.body) == (200, b"b2")
    finally:
        hcd.sql("UPDATE accounts_profile SET ping_log_limit = 100")


def test_flips(hcd):
    d = create(hcd, name="fl")
    u = d["uuid"]
    hcd.ping(u)
    hcd.ping(u + "/fail")
    hcd.ping(u)
    ro = call(hcd, "GET", 3, "checks/" + u, key=hcd.rokey).json()
    uk = ro["unique_key"]
    for v in V:
        for ident, key in ((u, hcd.key), (u, hcd.rokey), (uk, hcd.rokey),
                           (uk, hcd.key)):
            r = call(hcd, "GET", v, "checks/%s/flips/" % ident, key=key)
            assert r.status == 200
            f = r.json()["flips"]
            assert [x["up"] for x in f] == [1, 0, 1]
            assert all(re.fullmatch(ISO, x["timestamp"]) for x in f)
            assert list(f[0]) == ["timestamp", "up"]
    now = int(time.time())

    def flips(q):
        r = call(hcd, "GET", 3, "checks/%s/flips/%s" % (u, q), key=hcd.key)
        return r.status, (r.json()["flips"] if r.status == 200 else r.body)

    assert len(flips("?seconds=3600")[1]) == 3
    assert len(flips("?seconds=0")[1]) == 3
    assert len(flips("?start=%d" % (now + 100))[1]) == 0
    assert len(flips("?start=%d" % (now - 100))[1]) == 3
    assert len(flips("?end=%d" % (now - 100))[1]) == 0
    assert len(flips("?end=%d" % (now + 100))[1]) == 3
    assert len(flips("?start=0&end=10000000000")[1]) == 3
    assert len(flips("?seconds=")[1]) == 3
    for bad in ("?seconds=-1", "?seconds=31536001", "?seconds=x",
                "?start=-1", "?start=10000000001", "?start=abc",
                "?end=1.5", "?start="):
        assert flips(bad) == (400, b""), bad
    r = call(hcd, "GET", 3, "checks/%s/flips/" % ("a" * 40), key=hcd.key)
    assert (r.status, r.body) == (404, b"")


def test_channels_list(hcd):
    c = add_channel(hcd, "Pager", kind="webhook", value="{}")
    for v in V:
        r = call(hcd, "GET", v, "channels/", key=hcd.key)
        assert r.status == 200
        chans = r.json()["channels"]
        assert {"id": c, "name": "Pager", "kind": "webhook"} in chans
        assert all(list(x) == ["id", "name", "kind"] for x in chans)


def test_badges_list(hcd):
    create(hcd, name="b1", tags="web db")
    create(hcd, name="b2", tags="db")
    key = badge_key(hcd)
    base = "http://127.0.0.1:%d/badge/%s/" % (hcd.port, key)
    for v in V:
        for k in (hcd.key, hcd.rokey):
            r = call(hcd, "GET", v, "badges/", key=k)
            assert r.status == 200
            b = r.json()["badges"]
            assert {"*", "web", "db"} <= set(b)
            for tag, urls in b.items():
                assert list(urls) == ["svg", "svg3", "json", "json3",
                                      "shields", "shields3"]
                sig = badge_sig(hcd.secret, key, tag)
                if tag == "*":
                    assert urls["svg"] == base + sig + "-2.svg"
                    assert urls["json3"] == base + sig + ".json"
                else:
                    assert urls["svg"] == base + sig + "-2/" + tag + ".svg"
                    assert urls["shields3"] == base + sig + "/" + tag + \
                        ".shields"
    b = call(hcd, "GET", 3, "badges/", key=hcd.key).json()["badges"]
    r = hcd.request("GET", b["db"]["json"].split(str(hcd.port))[1])
    assert r.status == 200
    j = r.json()
    assert j["status"] == "up" and j["total"] >= 2


def test_metrics_json(make_hcd):
    h = make_hcd(extra={"METRICS_KEY": "s3cret"})
    create(h, name="m")
    for v in V:
        r = h.request("GET", "/api/v%d/metrics/" % v)
        assert r.status == 403
        r = h.request("GET", "/api/v%d/metrics/" % v,
                      headers={"X-Metrics-Key": "wrong"})
        assert r.status == 403
        r = h.request("GET", "/api/v%d/metrics/" % v,
                      headers={"X-Metrics-Key": "s3cret"})
        assert r.status == 200
        j = r.json()
        assert list(j) == ["ts", "max_ping_id", "max_notification_id",
                           "num_unprocessed_flips"]
        assert abs(j["ts"] - time.time()) < 60
        assert j["max_ping_id"] is None and j["max_notification_id"] is None
    r = h.request("GET", "/api/v3/metrics/",
                  headers={"X-Metrics-Key": "s3cret"})
    assert r.json()["num_unprocessed_flips"] == 0


def test_metrics_json_unset(hcd):
    r = hcd.request("GET", "/api/v3/metrics/", headers={"X-Metrics-Key": ""})
    assert r.status == 403
