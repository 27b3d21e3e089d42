# Bad input that used to reach PostgreSQL and came back as "503 database
# unavailable", or as a wrong answer (part of the hardening issue):
# bytes that are not UTF-8 in X-Api-Key, in a metrics key, in ?slug=
# and ?tag=; a ?slug= longer than any slug; more than 32 ?tag= filters.
# Each gets Healthchecks' answer: 401, 403, or a list with no checks
# where none can match; and nothing reaches the server's error log as a
# failed query (the log is checked for "database:" lines).

import urllib.parse


def bad_key():
    # 32 bytes, but not UTF-8
    return b"hcw_" + b"\xff" * 28


def raw_get(hcd, path, headers):
    from conftest import raw_exchange
    head = ["GET %s HTTP/1.1" % path, "Host: x", "Connection: close"]
    data = ("\r\n".join(head) + "\r\n").encode()
    for k, v in headers.items():
        data += k.encode() + b": " + v + b"\r\n"
    data += b"\r\n"
    return raw_exchange(hcd.port, data)[0]


def test_api_key_not_utf8_is_wrong_key(hcd):
    r = raw_get(hcd, "/api/v3/checks/", {"X-Api-Key": bad_key()})
    assert r.status == 401, r
    assert r.json() == {"error": "wrong api key"}
    assert "database:" not in hcd.log()


def test_metrics_key_not_utf8_is_403(hcd):
    path = "/projects/%s/metrics/%s" % (
        hcd.project, "%ff" * 32)
    r = hcd.request("GET", path)
    assert r.status == 403
    assert "database:" not in hcd.log()


def test_slug_and_tag_not_utf8_match_nothing(hcd):
    hcd.create_check(name="u1", tags="a b")
    for q in ("slug=%ff", "tag=%ff", "tag=a&tag=%c3%28"):
        r = hcd.api("GET", "checks/?" + q, key=hcd.key)
        assert r.status == 200, (q, r)
        assert r.json() == {"checks": []}
    assert "database:" not in hcd.log()


def test_slug_longer_than_any_matches_nothing(hcd):
    hcd.create_check(name="u2")
    r = hcd.api("GET", "checks/?slug=" + "x" * 300, key=hcd.key)
    assert r.status == 200 and r.json() == {"checks": []}


def test_every_tag_filter_counts(hcd):
    tags = " ".join("t%d" % i for i in range(40))
    code = hcd.create_check(name="many", tags=tags)["uuid"]
    q = "&".join("tag=t%d" % i for i in range(40))
    got = [c["uuid"] for c in
           hcd.api("GET", "checks/?" + q, key=hcd.key).json()["checks"]]
    assert got == [code]
    # the 34th filter does not match: no check (it was ignored before)
    q2 = "&".join(["tag=t%d" % i for i in range(33)] + ["tag=nope"])
    r = hcd.api("GET", "checks/?" + q2, key=hcd.key)
    assert r.json() == {"checks": []}


def test_max_checks_enforced_at_creation(make_hcd):
    # MAX_CHECKS bounds the node's index: a create past it is refused
    # (503 with the reason), through the API and by ?create=1, and the
    # node still starts afterwards with every check pingable.
    h = make_hcd(extra={"MAX_CHECKS": 16})
    codes = [h.create_check(name="m%d" % i)["uuid"] for i in range(16)]
    r = h.api("POST", "checks/", key=h.key, body={"name": "one too many"})
    assert r.status == 503, r
    assert "MAX_CHECKS" in r.json()["error"]
    r = h.ping("%s/new-slug?create=1" % h.ping_key)
    assert r.status == 503 and "MAX_CHECKS" in r.text, r
    assert "retry-after" in r.headers
    # an upsert that finds its check is no creation
    r = h.api("POST", "checks/", key=h.key,
              body={"name": "m3", "unique": ["name"], "grace": 120})
    assert r.status == 200, r
    assert h.sql("SELECT count(*) FROM api_check") == [("16",)]
    # room again after a delete
    assert h.api("DELETE", "checks/%s" % codes[0], key=h.key).status == 200
    codes[0] = h.create_check(name="again")["uuid"]
    assert h.stop() == 0
    h.start()
    for c in codes:
        assert h.ping(c).status == 200
