# Badges (spec 7) and the Prometheus endpoint (spec 8.3): signatures,
# formats, states, widths, headers; metric names, labels, escaping,
# key rules; the output read by prometheus_client's own parser.

import re
import urllib.parse
import xml.etree.ElementTree as ET

import pytest
from prometheus_client.parser import text_string_to_metric_families

from api_fixtures import badge_key, badge_sig, call, create, set_status


def badge(h, key, tag, fmt, two=False, sig=None):
    s = sig or badge_sig(h.secret, key, tag)
    if two:
        s += "-2"
    if tag == "*":
        path = "/badge/%s/%s.%s" % (key, s, fmt)
    else:
        path = "/badge/%s/%s/%s.%s" % (key, s, urllib.parse.quote(
            urllib.parse.quote(tag, safe=""), safe=""), fmt)
    return h.request("GET", path)


@pytest.fixture(scope="module")
def states(hcd):
    """Checks tagged by state: up, late (in grace), down, new."""
    up = create(hcd, name="Up check", tags="up all")
    late = create(hcd, name="late", tags="late all", timeout=3600, grace=600)
    down = create(hcd, name="down", tags="down all")
    create(hcd, name="", tags="new")
    set_status(hcd, up["uuid"], status="up", last_ping="SQL:now()")
    set_status(hcd, late["uuid"], status="up",
               last_ping="SQL:now() - interval '3700 seconds'")
    set_status(hcd, down["uuid"], status="down", last_ping="SQL:now()")
    return {"up": up, "late": late, "down": down}


def test_project_badges(hcd, states):
    key = badge_key(hcd)
    for tag, three, two in (("up", "up", "up"), ("late", "late", "up"),
                            ("down", "down", "down"), ("new", "up", "up"),
                            ("all", "down", "down"), ("*", "down", "down"),
                            ("nosuch", "up", "up")):
        r = badge(hcd, key, tag, "json")
        assert r.status == 200, tag
        assert r.json()["status"] == three, tag
        assert badge(hcd, key, tag, "json", two=True).json()["status"] == \
            two, tag
        r = badge(hcd, key, tag, "shields")
        assert r.json() == {"schemaVersion": 1,
                            "label": tag if tag != "*" else
                            r.json()["label"],
                            "message": three,
                            "color": {"up": "success", "late": "important",
                                      "down": "critical"}[three]}
        if tag != "*":
            assert r.json()["label"] == tag
    j = badge(hcd, key, "all", "json").json()
    assert j == {"status": "down", "total": 3, "grace": 1, "down": 1}


def test_badge_svg(hcd, states):
    key = badge_key(hcd)
    r = badge(hcd, key, "late", "svg")
    assert r.status == 200
    assert r.headers["content-type"] == "image/svg+xml"
    assert r.headers["access-control-allow-origin"] == "*"
    assert "no-cache" in r.headers["cache-control"]
    assert "max-age=0" in r.headers["cache-control"]
    svg = ET.fromstring(r.body)
    # "late": l3 a7 t5 e6 = 21 + 10; "late" again for the status
    assert svg.get("width") == "62" and svg.get("height") == "20"
    rects = svg.findall(".//{http://www.w3.org/2000/svg}rect")
    fills = [x.get("fill") for x in rects]
    assert "#555" in fills and "#fe7d37" in fills
    texts = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["late", "late", "late", "late"]
    xs = [t.get("x") for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert xs == ["15.5", "15.5", "46.5", "46.5"]
    r = badge(hcd, key, "down", "svg")
    assert b"#e05d44" in r.body
    r = badge(hcd, key, "up", "svg")
    assert b"#4c1" in r.body


def test_badge_tag_escaping(hcd):
    create(hcd, name="odd", tags="a&b<c/é")
    key = badge_key(hcd)
    tag = "a&b<c/é"
    r = badge(hcd, key, tag, "svg")
    assert r.status == 200, r
    assert b"a&amp;b&lt;c/\xc3\xa9" in r.body
    ET.fromstring(r.body)
    assert badge(hcd, key, tag, "json").json()["total"] == 1
    # the URL the badges list gives works as it is
    b = call(hcd, "GET", 3, "badges/", key=hcd.key).json()["badges"]
    path = b[tag]["json3"].split(str(hcd.port), 1)[1]
    r = hcd.request("GET", path)
    assert r.status == 200 and r.json()["total"] == 1


def test_badge_errors(hcd, states):
    key = badge_key(hcd)
    good = badge_sig(hcd.secret, key, "up")
    assert badge(hcd, key, "up", "png").status == 404
    assert badge(hcd, key, "up", "svg", sig="AAAAAAAA").status == 404
    assert badge(hcd, key, "up", "svg", sig=good[:7]).status == 404
    # only the first 8 characters are compared
    assert badge(hcd, key, "up", "json", sig=good + "xyz").status == 200
    assert badge(hcd, key, "down", "svg", sig=good).status == 404
    r = hcd.request("POST", "/badge/%s/%s/up.svg" % (key, good))
    assert r.status == 405
    r = hcd.request("OPTIONS", "/badge/%s/%s/up.svg" % (key, good))
    assert r.status == 204
    assert r.headers["access-control-allow-origin"] == "*"
    assert hcd.request("GET", "/badge/%s/up.svg" % key).status == 404


def test_check_badges(hcd, states):
    bk = {}
    for s in ("up", "late", "down"):
        code = states[s]["uuid"]
        bk[s] = hcd.sql("SELECT badge_key FROM api_check WHERE code = '%s'"
                        % code)[0][0]
    for s, three, two in (("up", "up", "up"), ("late", "late", "up"),
                          ("down", "down", "down")):
        r = hcd.request("GET", "/b/3/%s.json" % bk[s])
        assert r.status == 200
        assert r.json() == {"status": three, "total": 1,
                            "grace": int(s == "late"),
                            "down": int(s == "down")}
        assert hcd.request("GET", "/b/2/%s.json" % bk[s]).json()[
            "status"] == two
        r = hcd.request("GET", "/b/3/%s.shields" % bk[s])
        assert r.json()["message"] == three
        assert r.json()["label"] == ("Up check" if s == "up" else s)
        r = hcd.request("GET", "/b/2/%s.svg" % bk[s])
        assert r.status == 200 and r.headers["content-type"] == \
            "image/svg+xml"
        assert "no-cache" in r.headers["cache-control"]
    # the badge_url of the check object works
    g = call(hcd, "GET", 3, "checks/" + states["up"]["uuid"],
             key=hcd.key).json()
    r = hcd.request("GET", g["badge_url"].split(str(hcd.port), 1)[1])
    assert r.status == 200 and b"Up check" in r.body
    import uuid as _u
    assert hcd.request("GET", "/b/3/%s.svg" % _u.uuid4()).status == 404
    assert hcd.request("GET", "/b/3/%s.gif" % bk["up"]).status == 404
    assert hcd.request("GET", "/b/3/%s.svg" % bk["up"].upper()).status == 404


def test_check_badge_label_uuid(hcd):
    d = create(hcd, name="")
    bk = hcd.sql("SELECT badge_key FROM api_check WHERE code = '%s'"
                 % d["uuid"])[0][0]
    r = hcd.request("GET", "/b/3/%s.shields" % bk)
    assert r.json()["label"] == d["uuid"]


# ---- Prometheus ----

def prom(h, path, headers=None):
    return h.request("GET", "/projects/%s/%s" % (h.project, path),
                     headers=headers)


def test_prometheus(hcd, states):
    hcd.sql("UPDATE api_check SET name = 'quo\"te\\back\nnl' WHERE"
            " name = 'Up check'")
    hcd.ping(states["late"]["uuid"] + "/start")
    try:
        for path, hd in (("metrics/" + hcd.rokey, None),
                         ("checks/metrics/" + hcd.rokey, None),
                         ("metrics/", {"Authorization": "Bearer " +
                                       hcd.rokey})):
            r = prom(hcd, path, hd)
            assert r.status == 200, path
            assert r.headers["content-type"] == "text/plain"
            fams = {f.name: f for f in
                    text_string_to_metric_families(r.text)}
            for n in ("hc_check_up", "hc_check_started", "hc_check_grace",
                      "hc_check_paused", "hc_tag_up", "hc_checks_total",
                      "hc_checks_down_total"):
                assert n in fams, n
                assert fams[n].type == "gauge"
            up = {s.labels["name"]: s.value for s in fams["hc_check_up"].samples}
            assert up["down"] == 0 and up["late"] == 1
            assert up['quo"te\\back\nnl'] == 1
            started = {s.labels["name"]: s.value
                       for s in fams["hc_check_started"].samples}
            assert started["late"] == 1 and started["down"] == 0
            tags = {s.labels["tag"]: s.value for s in fams["hc_tag_up"].samples}
            assert tags["all"] == 0 and tags["down"] == 0
            assert tags["up"] == 1 and tags["late"] == 1
            total = fams["hc_checks_total"].samples[0].value
            assert total == int(hcd.sql("SELECT count(*) FROM api_check c"
                                        " JOIN accounts_project p ON"
                                        " p.id = c.project_id WHERE p.code ="
                                        " '%s'" % hcd.project)[0][0])
            assert fams["hc_checks_down_total"].samples[0].value >= 1
            s = fams["hc_check_up"].samples[0]
            assert set(s.labels) == {"name", "tags", "unique_key"}
            assert re.fullmatch("[0-9a-f]{40}", s.labels["unique_key"])
        assert 'name="quo\\"te\\\\back\\nnl"' in r.text
        assert "# HELP hc_check_up Whether the check is currently up (1 for" \
            " yes, 0 for no).\n# TYPE hc_check_up gauge\n" in r.text
        assert "\n\n# HELP hc_checks_total The total number of checks.\n" \
            in r.text
        tl = [l for l in r.text.splitlines() if l.startswith("hc_tag_up{")]
        assert tl == sorted(tl)
    finally:
        hcd.sql("UPDATE api_check SET name = 'Up check' WHERE"
                " code = '%s'" % states["up"]["uuid"])


def test_prometheus_keys(hcd):
    r = prom(hcd, "metrics/" + hcd.key)
    assert r.status == 403          # read-write keys are refused
    r = prom(hcd, "metrics/" + "hcr_" + "x" * 28)
    assert r.status == 403
    r = prom(hcd, "metrics/short")
    assert r.status == 400
    r = prom(hcd, "metrics/")
    assert r.status == 401
    r = prom(hcd, "metrics/", {"Authorization": "Basic abc"})
    assert r.status == 401
    r = prom(hcd, "metrics/", {"Authorization": "Bearer short"})
    assert r.status == 400
    r = prom(hcd, "metrics/", {"Authorization": "Bearer " + hcd.key})
    assert r.status == 403
    # the project in the path is not compared with the key's
    r = hcd.request("GET", "/projects/%s/metrics/%s" % (
        "00000000-0000-4000-8000-000000000000", hcd.rokey))
    assert r.status == 200
    r = hcd.request("GET", "/projects/nope/metrics/" + hcd.rokey)
    assert r.status == 404


def test_prometheus_disabled(make_hcd):
    h = make_hcd(extra={"PROMETHEUS_ENABLED": "False"})
    r = prom(h, "metrics/" + h.rokey)
    assert r.status == 404
