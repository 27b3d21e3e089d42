# The groundwork's regressions (worker/routes.c, common/check_db.c):
#  - one check-creation function with one lock: 50 concurrent ?create=1
#    pings and upserts with unique ["slug"] for one slug leave exactly
#    one check, whose slug URL answers OK (not "409 ambiguous slug");
#  - Django's APPEND_SLASH: every route that ends in '/' answers 301 to
#    the same URL with the slash (query string kept) when asked without
#    it, and clients that follow the redirect get their answer;
#  - the check model renders what the API always rendered (a create's
#    answer carries every to_dict field, in order).

import http.client
import json
import threading

import pytest


@pytest.mark.parametrize("round", range(8))
def test_slug_race_one_check(hcd, round):
    slug = "race-slug-%d" % round
    barrier = threading.Barrier(50)
    results = []
    lock = threading.Lock()

    def pinger():
        barrier.wait()
        r = hcd.ping("%s/%s?create=1" % (hcd.ping_key, slug))
        with lock:
            results.append(("ping", r.status, r.text))

    def upserter(i):
        barrier.wait()
        r = hcd.api("POST", "checks/", key=hcd.key,
                    body={"name": "race %d" % i, "slug": slug,
                          "unique": ["slug"]})
        with lock:
            results.append(("api", r.status, r.text))

    threads = [threading.Thread(target=pinger) for _ in range(25)]
    threads += [threading.Thread(target=upserter, args=(i,))
                for i in range(25)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert len(results) == 50
    rows = hcd.sql("SELECT count(*) FROM api_check WHERE slug = '%s'" % slug)
    assert rows == [("1",)]
    created = [r for r in results if r[1] == 201]
    assert len(created) == 1, results
    for kind, status, text in results:
        if kind == "ping":
            assert status in (200, 201), (status, text)
        else:
            assert status in (200, 201), (status, text)
    r = hcd.ping("%s/%s" % (hcd.ping_key, slug))
    assert (r.status, r.text) == (200, "OK")


ROUTES = [
    "/api/v3/checks",
    "/api/v1/checks",
    "/api/v2/channels",
    "/api/v3/channels",
    "/api/v3/badges",
    "/api/v3/status",
    "/api/v3/metrics",
]


@pytest.mark.parametrize("path", ROUTES)
def test_append_slash(hcd, path):
    r = hcd.request("GET", path, headers={"X-Api-Key": hcd.key})
    assert r.status == 301
    assert r.headers["location"] == path + "/"
    assert r.body == b""


def test_append_slash_check_routes(hcd):
    code = hcd.create_check(name="slash")["uuid"]
    for sub in ("pings", "flips"):
        path = "/api/v3/checks/%s/%s" % (code, sub)
        r = hcd.request("GET", path + "?seconds=60",
                        headers={"X-Api-Key": hcd.key})
        assert r.status == 301
        assert r.headers["location"] == path + "/?seconds=60"
        # Following it works as a client that follows redirects would.
        r2 = hcd.request("GET", r.headers["location"],
                         headers={"X-Api-Key": hcd.key})
        assert r2.status == 200
        assert sub in r2.json()
    # A URL that matches with or without the slash is not redirected,
    # and one that matches neither way is a plain 404.
    assert hcd.api("GET", "checks/%s" % code, key=hcd.key).status == 200
    r = hcd.request("GET", "/api/v3/nothing")
    assert (r.status, r.text) == (404, "not found")
    r = hcd.request("GET", "/api/v4/checks")
    assert r.status == 404


def test_append_slash_post_is_redirected_too(hcd):
    # Django (DEBUG off) answers 301 whatever the method.
    r = hcd.request("POST", "/api/v3/checks", body=json.dumps({}),
                    headers={"X-Api-Key": hcd.key,
                             "Content-Type": "application/json"})
    assert r.status == 301
    assert r.headers["location"] == "/api/v3/checks/"


def test_check_object_fields_in_order(hcd):
    r = hcd.api("POST", "checks/", key=hcd.key,
                body={"name": "Order", "tags": "a b", "timeout": 3600,
                      "grace": 120})
    assert r.status == 201
    keys = list(json.loads(r.text).keys())
    assert keys == [
        "name", "slug", "tags", "desc", "grace", "n_pings", "status",
        "started", "last_ping", "next_ping", "manual_resume", "methods",
        "subject", "subject_fail", "start_kw", "success_kw", "failure_kw",
        "filter_subject", "filter_body", "filter_http_body",
        "filter_default_fail", "badge_url", "uuid", "ping_url",
        "update_url", "pause_url", "resume_url", "channels", "timeout"]
    ro = hcd.api("GET", "checks/", key=hcd.rokey).json()["checks"]
    one = [c for c in ro if c["name"] == "Order"][0]
    assert "unique_key" in one and "uuid" not in one
    code = r.json()["uuid"]
    r = hcd.api("POST", "checks/%s" % code, key=hcd.key,
                body={"schedule": "*/5 * * * *", "tz": "Europe/Kiev"})
    assert r.status == 200
    d = r.json()
    assert list(d.keys())[-2:] == ["schedule", "tz"]
    assert d["tz"] == "Europe/Kyiv" and "timeout" not in d


def test_list_shows_each_checks_channels(hcd):
    # The listing fetches the channels of all checks in one query; each
    # check still shows exactly its own, sorted, as a single GET does.
    pid = hcd.sql("SELECT id FROM accounts_project WHERE code = '%s'"
                  % hcd.project)[0][0]
    codes = [r[0] for r in hcd.sql(
        "INSERT INTO api_channel (project_id, kind, value, name, code) "
        "SELECT %s, 'email', 'x@example.org', 'c' || g, gen_random_uuid() "
        "FROM generate_series(1, 3) g RETURNING code" % pid)]
    a = hcd.create_check(name="ch-a", channels=",".join(codes))["uuid"]
    b = hcd.create_check(name="ch-b", channels=codes[1])["uuid"]
    c = hcd.create_check(name="ch-c")["uuid"]
    listed = {x["uuid"]: x["channels"] for x in
              hcd.api("GET", "checks/", key=hcd.key).json()["checks"]}
    assert listed[a] == ",".join(sorted(codes))
    assert listed[b] == codes[1]
    assert listed[c] == ""
    for u in (a, b, c):
        one = hcd.api("GET", "checks/%s" % u, key=hcd.key).json()
        assert one["channels"] == listed[u]
