#!/usr/bin/env python3
"""tests/bench/reporting_data.py - synthetic complaints for the reports' speed
(issue 15, item 4), written straight into the reporting schema.

    python3 tests/bench/reporting_data.py --db URL [--n 1000000] [--seed 15]
                                          [--bodies 50] [--months 36]
                                          [--start 2023-04-01] [--psql PATH]

Writes N rows into reporting.complaint, 1 to 3 rows each into reporting.aspect
(KO41a codes from deploy/categories/ko41a.csv), a partner row for the few
coordinated complaints and an ombudsman_stage row for each referral, over
--bodies bodies (BODY01.., of unequal size) and --months months from --start.
Only codes and dates, as the schema takes (0030's reporting.code): no names,
no text. The same seed gives the same rows.

Proportions, roughly as the published NHS figures have them: about 90% of
complaints acknowledged within 3 working days; of those decided, a quarter
upheld, a third partly upheld, the rest not upheld, some withdrawn; one in six
extended; about 2% referred to the Ombudsman; the last few weeks still open.

No database driver is needed (Debian's python3 has none packaged here): the
rows go as two COPY ... FROM STDIN streams to psql (postgresql-client) in one
transaction. The rate (complaints a second, generation and load together) is
printed on stderr at the end, and the counts on stdout as one JSON line.
"""

import argparse
import csv
import datetime as dt
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

COMPLAINT_COLS = (
    "reference, made_to_org, lead_org, triage, kind, classification, channel, standing,"
    " age_band, chc_appeal, received_on, ack_due, acknowledged_on, response_due_first,"
    " response_due, extensions, response_sent_on, approved_on, late_explained, outcome,"
    " outcome_on, status, withdrawn, withdrawn_on, ombudsman_referred_on, ombudsman_ref,"
    " ombudsman_stage, ombudsman_outcome, ombudsman_stage_on"
)
ASPECT_COLS = "reference, issue_id, subject, service_area, profession, verdict, completed_us"

NULL = "\\N"


def weighted(rng, pairs):
    """One value of [(value, weight), ...]."""
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


def load_codes(path):
    codes = {"subject": [], "service-area": [], "profession": []}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            if row["list"] in codes and not row["effective_to"]:
                codes[row["list"]].append(row["code"])
    for k, v in codes.items():
        if not v:
            sys.exit(f"reporting_data: no {k} codes in {path}")
    return codes


class Days:
    """Dates as ordinals, their ISO text cached, working days (Mon-Fri) added."""

    def __init__(self):
        self.iso = {}
        self.wd = {}

    def text(self, o):
        s = self.iso.get(o)
        if s is None:
            s = self.iso[o] = dt.date.fromordinal(o).isoformat()
        return s

    def add_working(self, o, n):
        key = (o, n)
        r = self.wd.get(key)
        if r is None:
            r = o
            k = n
            while k > 0:
                r += 1
                if (r % 7) not in (6, 0):  # ordinal % 7: 0 Sunday, 6 Saturday
                    k -= 1
            self.wd[key] = r
        return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="admin URL of the database")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--bodies", type=int, default=50)
    ap.add_argument("--months", type=int, default=36)
    ap.add_argument("--start", default="2023-04-01", help="first day (a month's first)")
    ap.add_argument("--psql", default=shutil.which("psql") or "psql")
    args = ap.parse_args()
    if args.n < 1 or not (1 <= args.bodies <= 99) or not (1 <= args.months <= 120):
        sys.exit("reporting_data: --n >= 1, --bodies 1..99, --months 1..120")

    rng = random.Random(args.seed)
    codes = load_codes(os.path.join(ROOT, "deploy", "categories", "ko41a.csv"))
    days = Days()
    start = dt.date.fromisoformat(args.start)
    y, m = divmod(start.month - 1 + args.months, 12)
    end = dt.date(start.year + y, m + 1, 1).toordinal() - 1  # the last day
    first = start.toordinal()
    span = end - first + 1

    # Bodies of unequal size, as trusts are: the largest about five times the smallest.
    bodies = [f"BODY{i + 1:02d}" for i in range(args.bodies)]
    body_w = [1.0 / (1.0 + i / 12.0) for i in range(args.bodies)]
    cum, acc = [], 0.0
    for w in body_w:
        acc += w
        cum.append(acc)
    subj_w = [(c, 1.0 / (1 + i % 7)) for i, c in enumerate(codes["subject"])]
    svc_w = [(c, 1.0 / (1 + i % 5)) for i, c in enumerate(codes["service-area"])]
    prof_w = [(c, 1.0 / (1 + i)) for i, c in enumerate(codes["profession"])]

    tmpdir = tempfile.mkdtemp(prefix="candour-rdata-")
    aspects_path = os.path.join(tmpdir, "aspects.copy")
    partners_path = os.path.join(tmpdir, "partners.copy")
    stages_path = os.path.join(tmpdir, "stages.copy")
    t0 = time.monotonic()
    n_aspects = n_partners = n_ombudsman = 0
    psql = subprocess.Popen(
        [args.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", args.db],
        stdin=subprocess.PIPE,
        env=dict(os.environ, PGOPTIONS="-c client_min_messages=warning"),
    )
    out = psql.stdin
    try:
        out.write(b"BEGIN;\n")
        out.write(f"COPY reporting.complaint ({COMPLAINT_COLS}) FROM STDIN;\n".encode())
        with open(aspects_path, "w") as af, open(partners_path, "w") as pf, open(
            stages_path, "w"
        ) as sf:
            buf = []
            for i in range(args.n):
                ref = f"SYN-{i + 1:07d}"
                x = rng.random() * acc
                lo, hi = 0, len(cum) - 1
                while lo < hi:
                    mid = (lo + hi) // 2
                    if cum[mid] < x:
                        lo = mid + 1
                    else:
                        hi = mid
                made_to = bodies[lo]
                lead = made_to
                triage = NULL
                if rng.random() < 0.05:  # passed to another body, which leads it
                    lead = bodies[rng.randrange(len(bodies))]
                    triage = "pass-to-provider" if lead != made_to else NULL
                kind = "compliment" if rng.random() < 0.01 else "complaint"
                received = first + rng.randrange(span)
                ack_due = days.add_working(received, 3)
                r = rng.random()
                if r < 0.90:
                    acked = received + rng.randrange(0, ack_due - received + 1)
                elif r < 0.98:
                    acked = ack_due + 1 + rng.randrange(10)
                else:
                    acked = None
                if acked is not None and acked > end:
                    acked = None
                due_first = days.add_working(received, 25)
                r = rng.random()
                ext = 0 if r < 0.83 else (1 if r < 0.96 else 2)
                due = days.add_working(due_first, 20 * ext)
                # How long the response took: most in time, some late.
                r = rng.random()
                if r < 0.72:
                    sent = received + rng.randrange(10, due - received + 1)
                else:
                    sent = due + 1 + int(rng.expovariate(1 / 20.0))
                withdrawn = rng.random() < 0.04
                status, outcome, outcome_on, sent_on, approved_on, wd_on = (
                    "under-investigation", NULL, NULL, NULL, NULL, NULL,
                )
                if kind == "compliment":
                    status = "closed"
                elif withdrawn and received + 5 <= end:
                    wd_on = days.text(received + rng.randrange(1, 6))
                    status = "withdrawn"
                else:
                    withdrawn = False
                    if sent <= end:
                        outcome = weighted(
                            rng, (("upheld", 25), ("partially-upheld", 33), ("not-upheld", 42))
                        )
                        sent_on = days.text(sent)
                        approved_on = days.text(max(received, sent - rng.randrange(3)))
                        outcome_on = sent_on
                        status = "closed"
                    elif acked is not None:
                        status = "under-investigation"
                    else:
                        status = "received"
                omb = [NULL, NULL, NULL, NULL, NULL]
                if sent_on != NULL and rng.random() < 0.025:
                    ref_on = sent + 30 + rng.randrange(120)
                    if ref_on <= end:
                        n_ombudsman += 1
                        stage, o_outcome, stage_on = "referred", NULL, ref_on
                        if ref_on + 90 <= end and rng.random() < 0.7:
                            stage = "decided"
                            stage_on = ref_on + 90 + rng.randrange(60)
                            stage_on = min(stage_on, end)
                            o_outcome = weighted(
                                rng, (("upheld", 30), ("partly-upheld", 20), ("not-upheld", 50))
                            )
                        omb = [days.text(ref_on), f"OMB-{i + 1:07d}", stage, o_outcome,
                               days.text(stage_on)]
                        sf.write(f"{ref}\treferred\t{days.text(ref_on)}\t\\N\t{i + 1}\n")
                        if stage == "decided":
                            sf.write(
                                f"{ref}\tdecided\t{days.text(stage_on)}\t{o_outcome}\t{i + 2}\n"
                            )
                buf.append(
                    "\t".join(
                        (
                            ref, made_to, lead, triage, kind,
                            "compliment" if kind == "compliment" else "complaint",
                            weighted(rng, (("email", 40), ("web", 25), ("post", 20), ("verbal", 15))),
                            weighted(rng, (("self", 70), ("patient-consent", 15), ("child", 5),
                                           ("deceased", 5), ("lacks-capacity", 3),
                                           ("unspecified", 2))),
                            weighted(rng, (("18-to-64", 55), ("65-and-over", 30),
                                           ("under-18", 8), ("unknown", 7))),
                            "f",
                            days.text(received), days.text(ack_due),
                            days.text(acked) if acked is not None else NULL,
                            days.text(due_first), days.text(due), str(ext),
                            sent_on, approved_on,
                            "t" if sent_on != NULL and sent > due else "f",
                            outcome, outcome_on, status,
                            "t" if withdrawn else "f", wd_on, *omb,
                        )
                    )
                )
                if kind == "complaint":
                    k = weighted(rng, ((1, 60), (2, 30), (3, 10)))
                    us = (received + 30 - 719163) * 86400 * 1000000
                    for a in range(k):
                        if outcome == "upheld":
                            verdict = "upheld"
                        elif outcome == "not-upheld":
                            verdict = "not-upheld"
                        elif outcome == "partially-upheld":
                            verdict = "upheld" if a == 0 else "not-upheld"
                        else:
                            verdict = NULL
                        af.write(
                            f"{ref}\tKI{a + 1}\t{weighted(rng, subj_w)}\t{weighted(rng, svc_w)}"
                            f"\t{weighted(rng, prof_w)}\t{verdict}\t{us}\n"
                        )
                    n_aspects += k
                    if lead != made_to and rng.random() < 0.5:
                        pf.write(f"{ref}\t{made_to}\tcontributed\n")
                        n_partners += 1
                if len(buf) >= 5000:
                    out.write(("\n".join(buf) + "\n").encode())
                    buf.clear()
            if buf:
                out.write(("\n".join(buf) + "\n").encode())
        out.write(b"\\.\n")
        for table, cols, path in (
            ("aspect", ASPECT_COLS, aspects_path),
            ("partner", "reference, org_id, part", partners_path),
            ("ombudsman_stage", "reference, stage, stage_on, outcome, recorded_us", stages_path),
        ):
            out.write(f"COPY reporting.{table} ({cols}) FROM STDIN;\n".encode())
            with open(path, "rb") as f:
                shutil.copyfileobj(f, out, 1 << 20)
            out.write(b"\\.\n")
        out.write(b"COMMIT;\nANALYZE reporting.complaint;\nANALYZE reporting.aspect;\n")
        out.close()
        rc = psql.wait()
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    if rc != 0:
        sys.exit(f"reporting_data: psql failed ({rc})")
    secs = time.monotonic() - t0
    print(
        f"reporting_data: {args.n} complaints, {n_aspects} aspects in {secs:.1f} s"
        f" ({args.n / secs:.0f} complaints/s, generation and load)",
        file=sys.stderr,
    )
    print(json.dumps({"complaints": args.n, "aspects": n_aspects, "partners": n_partners,
                      "ombudsman": n_ombudsman, "seconds": round(secs, 1), "seed": args.seed,
                      "from": args.start, "to": dt.date.fromordinal(end).isoformat()}))


if __name__ == "__main__":
    main()
