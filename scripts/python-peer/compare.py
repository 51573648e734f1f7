#!/usr/bin/env python3
"""Compare the findings of `ragcheck check --format json` with those of peer.py.

    ragcheck check --rules rules --rules D/rules --format json --output r.json D/returns
    python3 peer.py --rules rules --rules D/rules D/returns > p.jsonl
    python3 compare.py r.json p.jsonl

Prints a table of finding counts per check (and severity) for the two, then, where counts
differ, the first few (file, measure, check) that one reports more often than the other.
Exit status 0 when every count agrees, 1 otherwise.

The peer's output may also be its `--counts` JSON (counts per check only, no details).
"""

import argparse
import collections
import json
import os
import sys


def ragcheck_findings(path):
    """(file, measure, check, severity) of every diagnostic in a ragcheck JSON report."""
    with open(path, encoding="utf-8") as fh:
        report = json.load(fh)
    out = []
    for entry in report.get("returns", []):
        for d in entry.get("diagnostics", []):
            out.append((d.get("file") or entry.get("file"), d.get("measure"), d["code"],
                        d["severity"]))
    return out


def peer_findings(path):
    """The peer's findings, or None and its counts when it printed `--counts`."""
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    stripped = text.lstrip()
    if stripped.startswith("{") and not stripped.startswith('{"file"'):
        return None, json.loads(text)
    out = []
    for line in text.splitlines():
        if line.strip():
            d = json.loads(line)
            out.append((d["file"], d["measure"], d["check"], d["severity"]))
    return out, None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("ragcheck_json")
    ap.add_argument("peer_output")
    ap.add_argument("--details", type=int, default=10,
                    help="differing (file, measure, check) to list per check (default 10)")
    args = ap.parse_args()

    ours = ragcheck_findings(args.ragcheck_json)
    theirs, peer_counts = peer_findings(args.peer_output)

    rc = collections.Counter((c, s) for _, _, c, s in ours)
    if theirs is not None:
        pc = collections.Counter((c, s) for _, _, c, s in theirs)
    else:
        pc = collections.Counter()
        by_check = {c: s for c, s in rc}
        for check, n in peer_counts.items():
            pc[(check, by_check.get(check, "?"))] = n

    keys = sorted(set(rc) | set(pc))
    width = max([len("check")] + [len(c) for c, _ in keys])
    print(f"{'check':<{width}}  {'severity':<8}  {'ragcheck':>8}  {'peer':>8}  diff")
    same = True
    for check, sev in keys:
        a, b = rc[(check, sev)], pc[(check, sev)]
        mark = "" if a == b else f"{b - a:+d}"
        same &= a == b
        print(f"{check:<{width}}  {sev:<8}  {a:>8}  {b:>8}  {mark}")
    print(f"{'total':<{width}}  {'':<8}  {sum(rc.values()):>8}  {sum(pc.values()):>8}")

    if theirs is not None:
        # One by one: by file name (paths may be given differently), measure, check.
        def key(f):
            return (os.path.basename(f[0] or ""), f[1], f[2])

        a = collections.Counter(key(f) for f in ours)
        b = collections.Counter(key(f) for f in theirs)
        only = collections.defaultdict(list)
        for k in sorted(set(a) | set(b), key=lambda k: tuple(x or "" for x in k)):
            if a[k] != b[k]:
                only[k[2]].append((k, a[k], b[k]))
        for check, rows in sorted(only.items()):
            print(f"\n{check}: {len(rows)} (file, measure) differ")
            for (f, m, _), x, y in rows[: args.details]:
                print(f"  {f} {m}: ragcheck {x}, peer {y}")
        if only:
            same = False
        else:
            print("\nthe findings agree one by one (file, measure, check)")
    print("counts agree on every check" if same else "\ncounts differ")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
