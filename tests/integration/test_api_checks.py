# The management API's check endpoints (spec 6.1-6.4) in versions 1, 2
# and 3, with read-write and read-only keys: list and filters, create
# and upsert, get, update, delete, pause, resume, channels, limits,
# CORS and methods, and every validation message.

import re
import uuid

import pytest

from api_fixtures import RW, V, add_channel, call, create, set_status


@pytest.fixture(scope="module")
def other(hcd):
    """A second project of the same owner, with its own keys."""
    proj = hcd.hcctl("project", "add", "Other", "--owner",
                     "a@example.org").stdout.strip()
    return {"project": proj,
            "key": hcd.hcctl("apikey", "add", proj).stdout.strip(),
            "rokey": hcd.hcctl("apikey", "add", proj,
                               "--read-only").stdout.strip()}


@pytest.mark.parametrize("v", V)
def test_list_every_version_and_key(hcd, v):
    d = create(hcd, v, name="lv%d" % v, tags="ver")
    base = "http://127.0.0.1:%d" % hcd.port
    r = call(hcd, "GET", v, "checks/", key=hcd.key)
    assert r.status == 200
    assert r.headers["access-control-allow-origin"] == "*"
    c = [x for x in r.json()["checks"] if x["name"] == "lv%d" % v][0]
    assert c["update_url"] == "%s/api/v%d/checks/%s" % (base, v, d["uuid"])
    assert c["pause_url"].endswith("/api/v%d/checks/%s/pause" % (v,
                                                               d["uuid"]))
    assert c["resume_url"].endswith("/api/v%d/checks/%s/resume" % (
        v, d["uuid"]))
    r = call(hcd, "GET", v, "checks/", key=hcd.rokey)
    assert r.status == 200
    c = [x for x in r.json()["checks"] if x["name"] == "lv%d" % v][0]
    for k in RW:
        assert k not in c
    assert re.fullmatch("[0-9a-f]{40}", c["unique_key"])
    r = call(hcd, "GET", v, "checks/" + c["unique_key"], key=hcd.rokey)
    assert r.status == 200 and r.json()["name"] == "lv%d" % v
    r = call(hcd, "GET", v, "checks/" + c["unique_key"], key=hcd.key)
    assert r.status == 200 and r.json()["uuid"] == d["uuid"]
    r = call(hcd, "GET", v, "checks/" + "0" * 40, key=hcd.rokey)
    assert (r.status, r.body) == (404, b"")


def test_started_status_by_version(hcd):
    d = create(hcd, name="st")
    assert hcd.ping(d["uuid"] + "/start").status == 200
    s = {v: call(hcd, "GET", v, "checks/" + d["uuid"], key=hcd.key).json()
         for v in V}
    assert s[1]["status"] == "started"
    assert s[2]["status"] == "new" and s[3]["status"] == "new"
    assert all(s[v]["started"] is True for v in V)
    assert all(s[v]["next_ping"] is not None for v in V)


def test_slug_by_version(hcd):
    d = create(hcd, 1, name="  My Check -- Nightly!  ")
    assert d["slug"] == "my-check-nightly"
    d = create(hcd, 2, name="_x_ y_")
    assert d["slug"] == "x_-y"
    d = create(hcd, 3, name="Named")
    assert d["slug"] == ""
    d = create(hcd, 3, name="Named", slug="explicit")
    assert d["slug"] == "explicit"
    r = call(hcd, "POST", 3, "checks/" + d["uuid"], {"name": "New"},
             key=hcd.key)
    assert r.json()["slug"] == "explicit"
    r = call(hcd, "POST", 2, "checks/" + d["uuid"], {"name": "Newer Name"},
             key=hcd.key)
    assert r.json()["slug"] == "newer-name"
    # the ping path sees the new slug at once
    r = hcd.ping("%s/newer-name" % hcd.ping_key)
    assert (r.status, r.body) == (200, b"OK")


def test_list_filters(hcd):
    a = create(hcd, name="fa", tags="alpha beta", slug="fa-slug")
    b = create(hcd, name="fb", tags="alpha", slug="fb-slug")
    create(hcd, name="fc", tags="alphabet")

    def names(q, v=3):
        r = call(hcd, "GET", v, "checks/" + q, key=hcd.key)
        assert r.status == 200
        return sorted(c["name"] for c in r.json()["checks"])

    assert names("?tag=alpha") == ["fa", "fb"]
    assert names("?tag=alpha&tag=beta") == ["fa"]
    assert names("?tag=beta&tag=gamma") == []
    assert names("?slug=fb-slug") == ["fb"]
    assert names("?slug=fb-slug&tag=beta") == []
    assert names("?tag=alpha%20beta") == []
    assert a["uuid"] != b["uuid"]


def test_create_all_fields(hcd):
    r = call(hcd, "POST", 3, "checks/", {
        "name": "All", "slug": "all", "tags": "t1 t2", "desc": "d",
        "timeout": 120, "grace": 180, "manual_resume": True,
        "methods": "POST", "filter_subject": True, "filter_body": True,
        "filter_http_body": True, "filter_default_fail": True,
        "start_kw": "go", "success_kw": "ok", "failure_kw": "bad",
        "unknown_field": [1, 2]}, key=hcd.key)
    assert r.status == 201, r
    d = r.json()
    assert d["timeout"] == 120 and d["grace"] == 180
    assert d["manual_resume"] is True and d["methods"] == "POST"
    assert d["filter_subject"] and d["filter_body"]
    assert d["filter_http_body"] and d["filter_default_fail"]
    assert (d["start_kw"], d["success_kw"], d["failure_kw"]) == (
        "go", "ok", "bad")
    assert (d["subject"], d["subject_fail"]) == ("ok", "bad")
    assert list(d)[:4] == ["name", "slug", "tags", "desc"]


def test_subject_fields(hcd):
    d = create(hcd, subject="SUCCESS", subject_fail="FAIL")
    assert d["filter_subject"] is True
    assert (d["success_kw"], d["failure_kw"]) == ("SUCCESS", "FAIL")
    r = call(hcd, "POST", 3, "checks/" + d["uuid"],
             {"subject": "", "subject_fail": ""}, key=hcd.key)
    assert r.json()["filter_subject"] is False


def test_schedule_and_timeout_pick_kind(hcd):
    d = create(hcd, name="k")
    u = d["uuid"]
    r = call(hcd, "POST", 3, "checks/" + u, {"schedule": "*/5 * * * *",
                                             "tz": "Europe/Riga"},
             key=hcd.key)
    assert r.status == 200
    j = r.json()
    assert j["schedule"] == "*/5 * * * *" and j["tz"] == "Europe/Riga"
    assert "timeout" not in j
    assert hcd.sql("SELECT kind FROM api_check WHERE code = '%s'" % u) == [
        ("cron",)]
    r = call(hcd, "POST", 3, "checks/" + u, {"schedule": "Mon 02:00"},
             key=hcd.key)
    assert r.json()["schedule"] == "Mon 02:00"
    assert hcd.sql("SELECT kind FROM api_check WHERE code = '%s'" % u) == [
        ("oncalendar",)]
    r = call(hcd, "POST", 3, "checks/" + u, {"timeout": 600}, key=hcd.key)
    j = r.json()
    assert j["timeout"] == 600 and "schedule" not in j
    # both: the schedule wins, the timeout is not stored
    r = call(hcd, "POST", 3, "checks/" + u, {"timeout": 900,
                                             "schedule": "0 * * * *"},
             key=hcd.key)
    assert hcd.sql("SELECT kind, extract(epoch FROM timeout)::int FROM"
                   " api_check WHERE code = '%s'" % u) == [("cron", "600")]


def test_update_only_given_fields(hcd):
    d = create(hcd, name="upd", tags="a", desc="keep")
    r = call(hcd, "POST", 3, "checks/" + d["uuid"], {"tags": "b"},
             key=hcd.key)
    assert r.status == 200
    j = r.json()
    assert j["tags"] == "b" and j["desc"] == "keep" and j["name"] == "upd"
    assert j["timeout"] == 3600
    # api_key in the body, no header
    r = call(hcd, "POST", 3, "checks/" + d["uuid"],
             {"desc": "x", "api_key": hcd.key})
    assert r.status == 200 and r.json()["desc"] == "x"


def test_update_recomputes_alert_after(hcd):
    d = create(hcd, name="aa", timeout=3600, grace=60)
    hcd.ping(d["uuid"])
    aa0 = hcd.sql("SELECT extract(epoch FROM alert_after - last_ping)::int"
                  " FROM api_check WHERE code = '%s'" % d["uuid"])
    assert aa0 == [("3660",)]
    call(hcd, "POST", 3, "checks/" + d["uuid"], {"timeout": 7200},
         key=hcd.key)
    aa1 = hcd.sql("SELECT extract(epoch FROM alert_after - last_ping)::int"
                  " FROM api_check WHERE code = '%s'" % d["uuid"])
    assert aa1 == [("7260",)]


def test_auth_rules(hcd, other):
    d = create(hcd, name="auth")
    u = d["uuid"]
    theirs = create(hcd, key=other["key"], name="theirs")
    for v in V:
        # read-only keys on write endpoints
        for m, p in (("POST", "checks/"), ("POST", "checks/" + u),
                     ("DELETE", "checks/" + u),
                     ("POST", "checks/%s/pause" % u),
                     ("POST", "checks/%s/resume" % u),
                     ("GET", "checks/%s/pings/" % u),
                     ("GET", "checks/%s/pings/1/body" % u),
                     ("GET", "channels/")):
            r = call(hcd, m, v, p, {} if m == "POST" else None,
                     key=hcd.rokey)
            assert (r.status, r.json()) == (401, {"error": "wrong api key"}), (
                m, p)
            r = call(hcd, m, v, p, {} if m == "POST" else None)
            assert (r.status, r.json()) == (401, {"error": "missing api key"})
            r = call(hcd, m, v, p, None, key="short")
            assert r.status == 401
        # another project's check: 403 with an empty body
        tu = theirs["uuid"]
        for m, p in (("GET", "checks/" + tu), ("POST", "checks/" + tu),
                     ("DELETE", "checks/" + tu),
                     ("POST", "checks/%s/pause" % tu),
                     ("POST", "checks/%s/resume" % tu),
                     ("GET", "checks/%s/pings/" % tu),
                     ("GET", "checks/%s/pings/1/body" % tu),
                     ("GET", "checks/%s/flips/" % tu)):
            r = call(hcd, m, v, p, {} if m == "POST" else None, key=hcd.key)
            assert (r.status, r.body) == (403, b""), (m, p)
        # missing check
        nu = str(uuid.uuid4())
        for m, p in (("GET", "checks/" + nu), ("POST", "checks/" + nu),
                     ("DELETE", "checks/" + nu),
                     ("POST", "checks/%s/pause" % nu),
                     ("POST", "checks/%s/resume" % nu),
                     ("GET", "checks/%s/pings/" % nu),
                     ("GET", "checks/%s/flips/" % nu)):
            r = call(hcd, m, v, p, {} if m == "POST" else None, key=hcd.key)
            assert r.status == 404, (m, p)
    # the other project's read-only key sees only its own checks
    r = call(hcd, "GET", 3, "checks/", key=other["rokey"])
    assert [c["name"] for c in r.json()["checks"]] == ["theirs"]


def test_cors_and_methods(hcd):
    d = create(hcd, name="cors")
    u = d["uuid"]
    paths = {"checks/": "GET, POST", "checks/" + u: "POST, DELETE, GET",
             "checks/%s/pause" % u: "POST", "checks/%s/resume" % u: "POST",
             "checks/%s/pings/" % u: "GET", "checks/%s/flips/" % u: "GET",
             "checks/%s/pings/1/body" % u: "GET", "channels/": "GET",
             "badges/": "GET"}
    for v in V:
        for p, allowed in paths.items():
            r = call(hcd, "OPTIONS", v, p)
            assert r.status == 204, p
            assert r.headers["access-control-allow-origin"] == "*"
            assert r.headers["access-control-allow-headers"] == "X-Api-Key"
            assert r.headers["access-control-max-age"] == "600"
            got = set(r.headers["access-control-allow-methods"].split(", "))
            assert got == set(allowed.split(", ")) | {"OPTIONS"}, p
            r = call(hcd, "PUT", v, p, key=hcd.key)
            assert r.status == 405, p
    r = call(hcd, "GET", 3, "checks/%s/nothing" % u, key=hcd.key)
    assert r.status == 404
    r = call(hcd, "GET", 3, "checks/" + u.upper(), key=hcd.key)
    assert r.status == 404
    r = hcd.request("GET", "/api/v4/checks/")
    assert r.status == 404


def test_delete(hcd):
    d = create(hcd, name="del", slug="del-slug")
    u = d["uuid"]
    assert hcd.ping(u).status == 200
    r = call(hcd, "DELETE", 2, "checks/" + u, key=hcd.key)
    assert r.status == 200
    j = r.json()
    assert j["uuid"] == u and j["name"] == "del" and j["n_pings"] == 1
    assert j["update_url"].endswith("/api/v2/checks/" + u)
    # gone everywhere at once: API, ping path, pings table
    assert call(hcd, "GET", 3, "checks/" + u, key=hcd.key).status == 404
    r = hcd.ping(u)
    assert (r.status, r.body) == (404, b"not found")
    assert hcd.ping("%s/del-slug" % hcd.ping_key).status == 404
    assert hcd.sql("SELECT count(*) FROM api_ping p WHERE NOT EXISTS"
                   " (SELECT 1 FROM api_check c WHERE c.id = p.owner_id)"
                   ) == [("0",)]


def test_pause_resume(hcd):
    d = create(hcd, name="pr")
    u = d["uuid"]
    r = call(hcd, "POST", 3, "checks/%s/resume" % u, key=hcd.key)
    assert (r.status, r.body) == (409, b"check is not paused")
    hcd.ping(u + "/start")
    hcd.ping(u)
    hcd.ping(u + "/start")
    r = call(hcd, "POST", 1, "checks/%s/pause" % u, key=hcd.key)
    assert r.status == 200
    j = r.json()
    assert j["status"] == "paused" and j["started"] is False
    assert j["pause_url"].endswith("/api/v1/checks/%s/pause" % u)
    row = hcd.sql("SELECT status, last_start, alert_after FROM api_check"
                  " WHERE code = '%s'" % u)
    assert row == [("paused", None, None)]
    fl = hcd.sql("SELECT old_status, new_status, processed IS NOT NULL"
                 " FROM api_flip f JOIN api_check c ON c.id = f.owner_id"
                 " WHERE c.code = '%s' ORDER BY f.id" % u)
    # the pause flip is made processed; the new->up one the notifier
    # processes (with nothing to send) whenever it gets to it
    assert [f[:2] for f in fl] == [("new", "up"), ("up", "paused")]
    assert fl[1][2] == "t"
    # pausing again: still 200, no second flip
    r = call(hcd, "POST", 3, "checks/%s/pause" % u, key=hcd.key)
    assert r.status == 200 and r.json()["status"] == "paused"
    assert len(hcd.flips(u)) == 2
    r = call(hcd, "POST", 3, "checks/%s/resume" % u, key=hcd.key)
    assert r.status == 200
    j = r.json()
    assert j["status"] == "new" and j["last_ping"] is None
    assert hcd.flips(u)[-1] == ("paused", "new", "")
    r = call(hcd, "POST", 3, "checks/%s/resume" % u, key=hcd.key)
    assert r.status == 409
    # pause/resume take no body but a JSON one is parsed
    r = call(hcd, "POST", 3, "checks/%s/pause" % u, b"{bad", key=hcd.key)
    assert r.status == 400


def test_unique_upsert(hcd):
    r = call(hcd, "POST", 3, "checks/", {"name": "uq", "tags": "x",
                                         "unique": ["name"]}, key=hcd.key)
    assert r.status == 201
    u = r.json()["uuid"]
    r = call(hcd, "POST", 3, "checks/", {"name": "uq", "tags": "y",
                                         "unique": ["name"]}, key=hcd.key)
    assert r.status == 200
    assert r.json()["uuid"] == u and r.json()["tags"] == "y"
    # a field named in unique but absent: a new check
    r = call(hcd, "POST", 3, "checks/", {"name": "uq", "unique": ["tags"]},
             key=hcd.key)
    assert r.status == 201 and r.json()["uuid"] != u
    # several fields must all match
    r = call(hcd, "POST", 3, "checks/", {"name": "uq", "timeout": 86400,
                                         "grace": 3600,
                                         "unique": ["name", "timeout"]},
             key=hcd.key)
    assert r.status == 200 and r.json()["uuid"] == u
    r = call(hcd, "POST", 3, "checks/", {"name": "uq", "timeout": 60,
                                         "unique": ["name", "timeout"]},
             key=hcd.key)
    assert r.status == 201
    r = call(hcd, "POST", 3, "checks/", {"name": "uq2", "unique": []},
             key=hcd.key)
    assert r.status == 201


def test_channels_field(hcd, other):
    c1 = add_channel(hcd, "Ops")
    c2 = add_channel(hcd, "Dup")
    c3 = add_channel(hcd, "Dup")
    add_channel(hcd, "Theirs", project=other["project"])
    d = create(hcd, name="ch", channels="*")
    assert d["channels"] == ",".join(sorted([c1, c2, c3]))
    u = d["uuid"]

    def upd(val):
        return call(hcd, "POST", 3, "checks/" + u, {"channels": val},
                    key=hcd.key)

    r = upd("")
    assert r.status == 200 and r.json()["channels"] == ""
    r = upd("Ops,%s" % c2)
    assert r.json()["channels"] == ",".join(sorted([c1, c2]))
    r = upd("Ops,Ops")
    assert r.json()["channels"] == c1
    for val, msg in (("Dup", "non-unique channel identifier: Dup"),
                     ("Nope", "invalid channel identifier: Nope"),
                     ("Theirs", "invalid channel identifier: Theirs"),
                     ("Ops,", "empty channel identifier"),
                     (",Ops", "empty channel identifier"),
                     (c1.upper(), "invalid channel identifier: " +
                      c1.upper())):
        r = upd(val)
        assert (r.status, r.json()) == (400, {"error": msg}), val
    # unchanged by the failed updates
    g = call(hcd, "GET", 3, "checks/" + u, key=hcd.key).json()
    assert g["channels"] == c1
    # no check is created when its channels are bad
    n = hcd.sql("SELECT count(*) FROM api_check")[0][0]
    r = call(hcd, "POST", 3, "checks/", {"name": "nochan",
                                         "channels": "Nope"}, key=hcd.key)
    assert r.status == 400
    assert hcd.sql("SELECT count(*) FROM api_check")[0][0] == n


def test_check_limit(make_hcd):
    h = make_hcd()
    h.sql("UPDATE accounts_profile SET check_limit = 2")
    create(h, name="one", unique=["name"])
    create(h, name="two")
    r = call(h, "POST", 3, "checks/", {"name": "three"}, key=h.key)
    assert (r.status, r.body) == (403, b"")
    # an upsert that matches is not a new check
    r = call(h, "POST", 3, "checks/", {"name": "one", "unique": ["name"],
                                       "tags": "t"}, key=h.key)
    assert r.status == 200
    # the limit counts every project of the owner
    proj = h.hcctl("project", "add", "Second", "--owner",
                   "a@example.org").stdout.strip()
    key2 = h.hcctl("apikey", "add", proj).stdout.strip()
    r = call(h, "POST", 3, "checks/", {"name": "x"}, key=key2)
    assert r.status == 403


def test_legacy_tz_name(hcd):
    r = call(hcd, "POST", 3, "checks/", {"schedule": "0 5 * * *",
                                         "tz": "Europe/Kiev"}, key=hcd.key)
    assert r.status == 201
    assert r.json()["tz"] == "Europe/Kyiv"


VALIDATION = [
    ({"name": 1}, "name is not a string"),
    ({"name": None}, "name is not a string"),
    ({"name": "x" * 101}, "name is too long"),
    ({"name": "é" * 100}, None),
    ({"slug": 5}, "slug is not a string"),
    ({"slug": "x" * 101}, "slug is too long"),
    ({"slug": "Bad"}, "slug does not match pattern"),
    ({"slug": "a b"}, "slug does not match pattern"),
    ({"tags": ["a"]}, "tags is not a string"),
    ({"desc": False}, "desc is not a string"),
    ({"timeout": "60"}, "timeout is not a number"),
    ({"timeout": 60.0}, "timeout is not a number"),
    ({"timeout": None}, "timeout is not a number"),
    ({"timeout": True}, "timeout is too small"),
    ({"timeout": 59}, "timeout is too small"),
    ({"timeout": -10 ** 30}, "timeout is too small"),
    ({"timeout": 31536001}, "timeout is too large"),
    ({"timeout": 10 ** 30}, "timeout is too large"),
    ({"grace": "1"}, "grace is not a number"),
    ({"grace": 59}, "grace is too small"),
    ({"grace": 31536001}, "grace is too large"),
    ({"schedule": 5}, "schedule is not a string"),
    ({"schedule": "x" * 101}, "schedule is too long"),
    ({"schedule": "* * * *"},
     "schedule is not a valid cron or OnCalendar expression"),
    ({"schedule": "61 * * * *"},
     "schedule is not a valid cron or OnCalendar expression"),
    ({"schedule": "0 0 31 2 *"},
     "schedule is not a valid cron or OnCalendar expression"),
    ({"schedule": "Mon..Fri 99:00"},
     "schedule is not a valid cron or OnCalendar expression"),
    ({"tz": 1}, "tz is not a string"),
    ({"tz": "Mars/Base"}, "tz is not a valid timezone"),
    ({"manual_resume": 1}, "manual_resume is not a boolean"),
    ({"manual_resume": None}, "manual_resume is not a boolean"),
    ({"methods": "GET"}, "methods has unexpected value"),
    ({"methods": None}, "methods has unexpected value"),
    ({"methods": 1}, "methods has unexpected value"),
    ({"channels": 1}, "channels is not a string"),
    ({"filter_subject": "yes"}, "filter_subject is not a boolean"),
    ({"filter_body": 0}, "filter_body is not a boolean"),
    ({"filter_http_body": []}, "filter_http_body is not a boolean"),
    ({"filter_default_fail": {}}, "filter_default_fail is not a boolean"),
    ({"start_kw": "x" * 201}, "start_kw is too long"),
    ({"success_kw": 1}, "success_kw is not a string"),
    ({"failure_kw": "x" * 201}, "failure_kw is too long"),
    ({"subject": "x" * 201}, "subject is too long"),
    ({"subject_fail": None}, "subject_fail is not a string"),
    ({"unique": "name"}, "unique is not an array"),
    ({"unique": None}, "unique is not an array"),
    ({"unique": ["desc"]}, "an item in 'unique' has unexpected value"),
    ({"unique": [1]}, "an item in 'unique' has unexpected value"),
    # first error in the schema's (alphabetical) field order
    ({"name": 1, "desc": 1}, "desc is not a string"),
    ({"tz": "nowhere", "timeout": 1}, "timeout is too small"),
    ({"unique": 1, "channels": 1}, "channels is not a string"),
]


@pytest.mark.parametrize("body,msg", VALIDATION)
def test_validation_messages(hcd, body, msg):
    for v in V:
        r = call(hcd, "POST", v, "checks/", body, key=hcd.key)
        if msg is None:
            assert r.status == 201, r
            continue
        assert r.status == 400, (v, r)
        assert r.json() == {"error": "json validation error: " + msg}


def test_validation_on_update(hcd):
    d = create(hcd, name="vu")
    r = call(hcd, "POST", 3, "checks/" + d["uuid"], {"grace": 1},
             key=hcd.key)
    assert (r.status, r.json()) == (400, {
        "error": "json validation error: grace is too small"})
    r = call(hcd, "POST", 3, "checks/" + d["uuid"], b"not json",
             key=hcd.key)
    assert (r.status, r.json()) == (400, {
        "error": "could not parse request body"})
    r = call(hcd, "POST", 3, "checks/" + d["uuid"], b"\"s\"", key=hcd.key)
    assert (r.status, r.json()) == (400, {
        "error": "json validation error: value is not an object"})


def test_status_endpoint(hcd):
    for v in V:
        r = hcd.request("GET", "/api/v%d/status/" % v)
        assert (r.status, r.body) == (200, b"OK")
