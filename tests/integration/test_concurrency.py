# The acceptance test: 10,000 pings sent concurrently over
# keep-alive connections to 100 checks.  Every ping is answered OK, the
# database then holds exactly 10,000 rows, each check's n_pings equals
# the pings it got, and its n sequence is 1..k without gaps or repeats.
# Durability is checked per answer: some "OK"s are followed at once by a
# query for their row (by a unique body).

import threading
import time
from collections import Counter

import pytest

from conftest import SLOW

N_CHECKS = 100
N_PINGS = 10000
N_THREADS = 32


@pytest.fixture(scope="module")
def inst(make_hcd):
    return make_hcd(extra={"WORKERS": 4}, workers=4)


def test_10k_concurrent(inst):
    checks = [inst.create_check(name="k%d" % i, slug="k%d" % i)["uuid"]
              for i in range(N_CHECKS)]
    ok = Counter()
    bad = []
    lock = threading.Lock()
    deadline = time.monotonic() + 120 * SLOW
    probes = []

    def run(t):
        c = inst.conn(timeout=30 * SLOW)
        mine = Counter()
        try:
            for i in range(t, N_PINGS, N_THREADS):
                if time.monotonic() > deadline:
                    break
                u = checks[i % N_CHECKS]
                body = ("p%d" % i).encode()
                c.request("POST", "/ping/" + u, body=body)
                r = c.getresponse()
                data = r.read()
                if r.status == 200 and data == b"OK":
                    mine[u] += 1
                    if i % 997 == 0:
                        # durable: the row is there the moment OK came
                        rows = inst.sql(
                            "SELECT count(*) FROM api_ping WHERE"
                            " body_raw = '%s'::bytea" % body.decode())
                        probes.append((i, rows[0][0]))
                else:
                    with lock:
                        bad.append((i, r.status, data[:100]))
        except Exception as ex:
            with lock:
                bad.append(("exception", t, repr(ex)))
        finally:
            c.close()
            with lock:
                ok.update(mine)

    threads = [threading.Thread(target=run, args=(t,))
               for t in range(N_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=180 * SLOW)
    assert not any(t.is_alive() for t in threads)
    assert bad == []
    assert sum(ok.values()) == N_PINGS
    assert probes and all(n == "1" for _, n in probes), probes

    total = int(inst.sql("SELECT count(*) FROM api_ping")[0][0])
    assert total == N_PINGS
    rows = inst.sql(
        "SELECT c.code, c.n_pings, count(p.id), min(p.n), max(p.n),"
        " count(DISTINCT p.n) FROM api_check c LEFT JOIN api_ping p"
        " ON p.owner_id = c.id GROUP BY c.id")
    assert len(rows) == N_CHECKS
    for code, n_pings, cnt, lo, hi, distinct in rows:
        k = ok[code]
        assert int(n_pings) == k, code
        assert int(cnt) == k
        assert (int(lo), int(hi), int(distinct)) == (1, k, k), code
    # each body exactly once
    dup = inst.sql("SELECT body_raw, count(*) FROM api_ping GROUP BY 1"
                   " HAVING count(*) > 1 LIMIT 5")
    assert dup == []
    st = inst.status()
    assert "pings: %d stored" % N_PINGS in st["text"], st["text"]
