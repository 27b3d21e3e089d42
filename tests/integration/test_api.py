# The minimal management API (spec 6.3, 6.4): creating and reading
# checks, API key handling, validation messages.

import re
import uuid

import pytest

from api_fixtures import RW

ALWAYS = ["name", "slug", "tags", "desc", "grace", "n_pings", "status",
          "started", "last_ping", "next_ping", "manual_resume", "methods",
          "subject", "subject_fail", "start_kw", "success_kw", "failure_kw",
          "filter_subject", "filter_body", "filter_http_body",
          "filter_default_fail", "badge_url"]


@pytest.fixture(scope="module")
def other(hcd):
    """A second project of the same owner, with its own key."""
    proj = hcd.hcctl("project", "add", "Other", "--owner",
                     "a@example.org").stdout.strip()
    key = hcd.hcctl("apikey", "add", proj).stdout.strip()
    return key


def test_create_fields(hcd):
    r = hcd.api("POST", "checks/", {"name": "Backups", "slug": "backups",
                                    "tags": "prod db", "desc": "nightly",
                                    "timeout": 3600, "grace": 60},
                key=hcd.key)
    assert r.status == 201, r
    assert r.headers["content-type"].startswith("application/json")
    d = r.json()
    for k in ALWAYS + RW + ["timeout"]:
        assert k in d, k
    assert "unique_key" not in d
    assert "schedule" not in d
    assert d["name"] == "Backups" and d["slug"] == "backups"
    assert d["tags"] == "prod db" and d["desc"] == "nightly"
    assert d["timeout"] == 3600 and d["grace"] == 60
    assert d["n_pings"] == 0
    assert d["status"] == "new"
    assert d["started"] is False
    assert d["last_ping"] is None and d["next_ping"] is None
    assert d["manual_resume"] is False and d["methods"] == ""
    assert d["channels"] == ""
    assert "last_duration" not in d
    u = d["uuid"]
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-"
                        r"[0-9a-f]{12}", u)
    base = "http://127.0.0.1:%d" % hcd.port
    assert d["ping_url"] == base + "/ping/" + u
    assert d["update_url"] == base + "/api/v3/checks/" + u
    assert d["pause_url"] == base + "/api/v3/checks/" + u + "/pause"
    assert d["resume_url"] == base + "/api/v3/checks/" + u + "/resume"
    assert re.fullmatch(re.escape(base) + r"/b/2/[0-9a-f-]{36}\.svg",
                        d["badge_url"])
    # stored
    rows = hcd.sql("SELECT name, slug, extract(epoch FROM timeout)::int,"
                   " extract(epoch FROM grace)::int, kind FROM api_check"
                   " WHERE code = '%s'" % u)
    assert rows == [("Backups", "backups", "3600", "60", "simple")]


def test_create_defaults(hcd):
    r = hcd.api("POST", "checks/", {}, key=hcd.key)
    assert r.status == 201, r
    d = r.json()
    assert d["name"] == "" and d["slug"] == ""
    assert d["timeout"] == 86400 and d["grace"] == 3600


def test_get_one_and_after_ping(hcd):
    d = hcd.create_check(name="g", slug="g")
    u = d["uuid"]
    r = hcd.api("GET", "checks/" + u, key=hcd.key)
    assert r.status == 200
    assert r.json() == d
    r = hcd.ping(u)
    assert (r.status, r.body) == (200, b"OK")
    g = hcd.api("GET", "checks/" + u, key=hcd.key).json()
    assert g["n_pings"] == 1
    assert g["status"] == "up"
    assert g["last_ping"] is not None
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00",
                        g["last_ping"]), g["last_ping"]
    assert g["next_ping"] is not None
    hcd.ping(u + "/start")
    g = hcd.api("GET", "checks/" + u, key=hcd.key).json()
    assert g["started"] is True


def test_list(hcd):
    d = hcd.create_check(name="l", slug="l")
    r = hcd.api("GET", "checks/", key=hcd.rokey)
    assert r.status == 200
    checks = r.json()["checks"]
    assert any(c["name"] == "l" for c in checks)
    assert all("uuid" not in c for c in checks)
    r = hcd.api("GET", "checks/", key=hcd.key)
    assert d["uuid"] in [c["uuid"] for c in r.json()["checks"]]


def test_missing_key(hcd):
    r = hcd.api("POST", "checks/", {"name": "x"})
    assert r.status == 401
    assert r.json() == {"error": "missing api key"}
    r = hcd.api("GET", "checks/")
    assert (r.status, r.json()) == (401, {"error": "missing api key"})


def test_wrong_key(hcd):
    bad = "hcw_" + "x" * 28
    r = hcd.api("POST", "checks/", {"name": "x"}, key=bad)
    assert r.status == 401
    assert r.json() == {"error": "wrong api key"}
    r = hcd.api("GET", "checks/", key="A" * 32)
    assert (r.status, r.json()) == (401, {"error": "wrong api key"})


def test_api_key_in_body(hcd):
    r = hcd.api("POST", "checks/", {"name": "bodykey", "api_key": hcd.key})
    assert r.status == 201, r


def test_read_only_key(hcd):
    r = hcd.api("POST", "checks/", {"name": "x"}, key=hcd.rokey)
    assert r.status == 401
    assert r.json() == {"error": "wrong api key"}
    d = hcd.create_check(name="ro", slug="ro")
    r = hcd.api("GET", "checks/" + d["uuid"], key=hcd.rokey)
    assert r.status == 200
    g = r.json()
    assert "unique_key" in g
    assert re.fullmatch(r"[0-9a-f]{40}", g["unique_key"])
    for k in RW:
        assert k not in g, k
    # and the unique_key finds it
    r = hcd.api("GET", "checks/" + g["unique_key"], key=hcd.rokey)
    assert r.status == 200
    assert r.json()["name"] == "ro"


def test_other_project(hcd, other):
    d = hcd.create_check(key=other, name="theirs", slug="theirs")
    r = hcd.api("GET", "checks/" + d["uuid"], key=hcd.key)
    assert r.status == 403
    r = hcd.api("GET", "checks/" + d["uuid"], key=other)
    assert r.status == 200
    r = hcd.api("GET", "checks/" + str(uuid.uuid4()), key=hcd.key)
    assert r.status == 404


def test_bad_json(hcd):
    r = hcd.api("POST", "checks/", b"{not json", key=hcd.key)
    assert r.status == 400
    assert r.json() == {"error": "could not parse request body"}


@pytest.mark.parametrize("body,msg", [
    ({"timeout": "x"}, "timeout is not a number"),
    ({"timeout": 59}, "timeout is too small"),
    ({"timeout": 31536001}, "timeout is too large"),
    ({"grace": 59}, "grace is too small"),
    ({"name": None}, "name is not a string"),
    ({"name": "x" * 101}, "name is too long"),
    ({"slug": "Bad Slug"}, "slug does not match pattern"),
    ({"manual_resume": "yes"}, "manual_resume is not a boolean"),
    ({"methods": "GET"}, "methods has unexpected value"),
    ({"tz": "Mars/Olympus"}, "tz is not a valid timezone"),
    ({"schedule": "not a schedule"},
     "schedule is not a valid cron or OnCalendar expression"),
    ({"unique": "name"}, "unique is not an array"),
    ({"unique": ["color"]}, "an item in 'unique' has unexpected value"),
])
def test_validation(hcd, body, msg):
    r = hcd.api("POST", "checks/", body, key=hcd.key)
    assert r.status == 400, r
    assert r.json() == {"error": "json validation error: " + msg}


def test_validation_not_object(hcd):
    r = hcd.api("POST", "checks/", b"[1, 2]", key=hcd.key)
    assert r.status == 400
    assert r.json()["error"].startswith("json validation error")


def test_schedule_check(hcd):
    r = hcd.api("POST", "checks/", {"name": "cron", "schedule": "5 * * * *",
                                    "tz": "Europe/Riga"}, key=hcd.key)
    assert r.status == 201, r
    d = r.json()
    assert d["schedule"] == "5 * * * *" and d["tz"] == "Europe/Riga"
    assert "timeout" not in d


def test_cors_preflight(hcd):
    r = hcd.request("OPTIONS", "/api/v3/checks/")
    assert r.status == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert "X-Api-Key" in r.headers["access-control-allow-headers"]


def test_status(hcd):
    r = hcd.request("GET", "/api/v3/status/")
    assert (r.status, r.body) == (200, b"OK")
