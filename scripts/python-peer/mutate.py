#!/usr/bin/env python3
"""Mutate generated returns so that the checks the generator leaves quiet fire too.

    python3 mutate.py D/returns OUT/returns [--seed 1] [--rate 0.3]

examples/gen.rs writes returns that agree with their rules but for a few kinds of injected
defect, so many checks (remedial_action, missing_header, the generated money_cap, wait_,
cross_, ...) never fire on them. This copies each return with, at random, some of the slips
below, so that compare.py can hold the peer to ragcheck on those checks as well. The copies
are written with yaml.safe_dump: every scalar stays text (`'945'`), read alike by both.
"""

import argparse
import os
import random

import yaml

VALUE_SLIPS = {
    "percent": ["150%", "-3%", "945", "approx 50%", "~60%", "71% Baseline", "N#", "50 %",
                "63 percent", "0.5%", "1,00%", "12 days", "£5k"],
    "gbp": ["£9m overspend", "£1.2m underspend", "-£7,000,000", "£617, unders", "£250,001 overspend",
            "£6.5m", "(£5,000)", "5k", "£ -3m", "£1 million overspend", "-£5k underspend"],
    "days": ["50 days", "-3 days", "45.96 days", "45.94 days", "41.05 days", "1_000", "3 working days",
             "2 days underspend", "8.63 Days"],
    "minutes": ["75 mins", "-2 mins", "61 minutes", "2 hours", "90 min.", "5 m"],
    "hours": ["-4 hours", "12 hrs", "3 hr.", "1.5 hours (approx)"],
    "count": ["1,250", "400 (Approx)", "12,50", "-5", "est. 300", "5%"],
}
MISSING = ["", "N/A", "n/a", "-", "TBC", "Indicator being developed", "To be reported in Quarter 1",
           "To be reported in October", "Due Q2", "To be reported at year end",
           "Not available until Q3", "To be reported in Quarter 5", "To be reported at Q4 48%",
           "awaiting data", "Due to staff shortage", "2012-03-31", "#REF!"]
PERIODS = ["Q3 2011/12", "2011-12 Q3", "2011/13 Q3", "nonsense", "Quarter 2 2010/11", "",
           "2011/12 Quarter 1", "FY 2012/13 Q4"]
UNITS = {"m0": "percent", "m1": "gbp", "m2": "days", "m3": "percent", "m4": "count",
         "m5": "minutes", "m6": "hours"}


def unit_of(mid):
    return UNITS.get("m%d" % (int(mid[1:]) % 7), "count") if mid[1:].isdigit() else "count"


def mutate(ret, rng, rate):
    header = ret.get("return") or {}
    measures = ret.get("measures") or {}
    if rng.random() < rate / 4:
        header["period"] = rng.choice(PERIODS)
    if rng.random() < rate / 8:
        header.pop(rng.choice(["organisation", "period"]), None)
    if rng.random() < rate / 8:
        header["organisation"] = ""
    if rng.random() < rate / 4:
        measures["budget"] = {"status": "Green", "commentary": "On plan.",
                              "values": {"q1": rng.choice(["£617k underspend", "£100k overspend"]),
                                         "q2": "£300,000 overspend", "q3": "£617k underspend",
                                         "q4": "£250,000 underspend"}}
    if rng.random() < rate / 4:
        measures["invoices_paid"] = {"status": "Green", "numerator": rng.choice(["196", "180", "x", "5%"]),
                                     "denominator": "200",
                                     "values": {"q1": "98%", "q2": "89%", "q3": "98%", "q4": "98%"}}
    if rng.random() < rate / 4:
        measures["m999"] = {"status": "Green", "values": {"q1": "5"}}
    if rng.random() < rate / 4:
        # Many Red measures (`gK_many_reds`).
        for e in measures.values():
            if isinstance(e, dict) and rng.random() < 0.8:
                e["status"] = "Red"
    for mid in list(measures):
        e = measures[mid]
        if isinstance(e, dict) and unit_of(mid) == "minutes" and rng.random() < rate / 4:
            # A long wait declared Green (`gK_wait_`).
            e["values"] = {"q1": "75 mins", "q2": "80 mins", "q3": "61 mins", "q4": "90 mins"}
            e["status"] = "Green"
            continue
        if not isinstance(e, dict) or rng.random() > rate:
            continue
        values = e.get("values")
        if not isinstance(values, dict):
            values = e["values"] = {}
        slip = rng.randrange(16)
        q = "q%d" % rng.randint(1, 4)
        if slip == 0:
            e.pop("commentary", None)
        elif slip == 1:
            e["commentary"] = rng.choice(["Ok", "Calls were high.", "", "Short one", "A plan."])
        elif slip == 2:
            e.pop("officer", None) if rng.random() < 0.5 else e.update(officer=rng.choice(["jane", "J Smith", "Dr. No", ""]))
        elif slip == 3:
            e["status"] = rng.choice(["", "GR", "gr", "Am", "GREEN ", " red", "Amber"])
        elif slip == 4:
            e.pop("title", None) if rng.random() < 0.5 else e.update(title="")
        elif slip == 5:
            e.pop("section", None) if rng.random() < 0.5 else e.update(section=" ")
        elif slip in (6, 7, 8):
            values[q] = rng.choice(VALUE_SLIPS[unit_of(mid)])
        elif slip == 9:
            values[q] = rng.choice(MISSING)
        elif slip == 10:
            e["unit"] = rng.choice(["days", "percent", "count", "furlongs", unit_of(mid)])
        elif slip == 11:
            e["target"] = rng.choice(["5,00", "95%", "£0", "N#", "8 days"])
        elif slip == 12:
            for k in ("q1", "q2", "q3", "q4"):
                values[k] = rng.choice(VALUE_SLIPS[unit_of(mid)] + ["1", "2", "3"])
        elif slip == 13:
            values.pop(q, None)
        elif slip == 14:
            values["m7"] = "5"
        else:
            e["values"] = rng.choice(["", "5%", {}])
    return ret


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rate", type=float, default=0.3)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(args.dst, exist_ok=True)
    for name in sorted(os.listdir(args.src)):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(args.src, name), encoding="utf-8") as fh:
            text = fh.read()
        ret = yaml.load(text, Loader=yaml.CBaseLoader)  # every scalar as text
        ret = mutate(ret, rng, args.rate)
        out = yaml.safe_dump(ret, sort_keys=False, allow_unicode=True, width=1000)
        if rng.random() < args.rate / 10:
            out = out.replace("measures:", rng.choice(["measures: [", "measure:", "measures: {x"]), 1)
        with open(os.path.join(args.dst, name), "w", encoding="utf-8") as fh:
            fh.write(out)


if __name__ == "__main__":
    main()
