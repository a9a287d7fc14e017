#!/usr/bin/python3
"""api.py - the staff API's latency and rate, one client on one kept-alive
connection (as a dashboard or a case system calls it), against a running
Candour:

    CANDOUR_GATEWAY_RATE_PER_TOKEN=1000000 CANDOUR_GATEWAY_RATE_PER_ADDRESS=1000000 \\
        bash deploy/run.sh                          # limits raised for the run
    export CANDOUR_DB_URL=postgresql://candour@127.0.0.1:55432/candour
    T=$(candourctl token add ST1 --role complaints-manager --label bench)
    /usr/bin/python3 tests/bench/api.py --token "$T" --ref CDR-XXXX-XXXX [--n 2000]

Prints requests a second and the 50th and 99th percentile latency of: who
the token is (GET /v1/me: the token and the directory, no service), a
complaint's status (routing), and the complaint itself (intake, with the
access log written before the answer). Standard library only."""

import argparse
import http.client
import time


def run(host, port, token, path, n):
    c = http.client.HTTPConnection(host, port)
    lat = []
    t0 = time.perf_counter()
    for _ in range(n):
        s = time.perf_counter()
        c.request("GET", path, headers={"Authorization": "Bearer " + token})
        r = c.getresponse()
        r.read()
        if r.status != 200:
            raise SystemExit(f"{path}: HTTP {r.status} (raise the rate limits for the run?)")
        lat.append(time.perf_counter() - s)
    el = time.perf_counter() - t0
    lat.sort()
    print(f"{path}: {n} requests, {n / el:.0f}/s, p50 {lat[n // 2] * 1000:.2f} ms,"
          f" p99 {lat[int(n * 0.99)] * 1000:.2f} ms")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--token", required=True)
    ap.add_argument("--ref", required=True, help="a complaint of the token's body")
    ap.add_argument("--n", type=int, default=2000)
    a = ap.parse_args()
    run(a.host, a.port, a.token, "/v1/me", a.n)
    run(a.host, a.port, a.token, f"/v1/complaints/{a.ref}/status", a.n)
    run(a.host, a.port, a.token, f"/v1/complaints/{a.ref}", a.n // 2)


if __name__ == "__main__":
    main()
