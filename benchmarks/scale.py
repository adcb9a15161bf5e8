"""Section "scale": aggregation, location quotients and shift-share on a synthetic BRES-by-LSOA-shaped panel.

The panel is SYNTHETIC: about 33,000 made-up LSOA codes x the 88 real SIC 2007 divisions x 10 years (about
29 million rows) of employment drawn from a seeded random generator, with a made-up LSOA -> LAD -> LEP lookup.
It tests how the library's functions scale, not any published figure.
"""

from __future__ import annotations

import gc

from common import GB, PeakRSS, Result, Table, Timer, gb, max_rss, secs, section_args, status, write_result

N_LSOA = 33_000
N_LAD = 300
N_LEP = 38
N_SHARED = 7  # LADs in two LEPs, as the seven Greater Birmingham and Solihull districts are in 2021
YEARS = tuple(range(2014, 2024))
SEED = 20190101
ENGLAND = "E92000001"


def synthetic_panel(n_lsoa: int, seed: int = SEED):
    """A long panel ``area_code`` (LSOA), ``industry`` (division), ``year``, ``value``, ``additive`` and the
    memberships of each LSOA: its LEP (two for LSOAs of a shared LAD) and England.

    Employment is Poisson around LSOA size x division share x a yearly trend, all drawn from ``seed``: the
    figures mean nothing, only the shape is BRES's.
    """
    import numpy as np
    import pandas as pd

    from evidence.indicators.sector_definitions import sic_codes

    rng = np.random.default_rng(seed)
    divisions = sic_codes("division")["code"].tolist()
    n_div, n_year = len(divisions), len(YEARS)
    lsoas = [f"E01{i:06d}" for i in range(n_lsoa)]
    size = rng.lognormal(mean=np.log(400), sigma=1.0, size=n_lsoa)
    share = rng.dirichlet(np.full(n_div, 0.6))
    trend = np.cumprod(1 + rng.normal(0.01, 0.02, size=n_year))
    lam = (size[:, None, None] * share[None, :, None] * trend[None, None, :]).ravel()
    panel = pd.DataFrame({
        "area_code": pd.Categorical.from_codes(np.repeat(np.arange(n_lsoa), n_div * n_year), lsoas),
        "industry": pd.Categorical.from_codes(np.tile(np.repeat(np.arange(n_div), n_year), n_lsoa), divisions),
        "year": np.tile(np.array(YEARS, dtype=np.int16), n_lsoa * n_div),
        "value": rng.poisson(lam).astype(float),
        "additive": True,
    })
    del lam
    # LSOAs fall into LADs of uneven size; LADs into LEPs; a few LADs are in two LEPs.
    lad_of = np.searchsorted(np.sort(rng.choice(np.arange(1, n_lsoa), N_LAD - 1, replace=False)),
                             np.arange(n_lsoa), side="right")
    lep_of = rng.permutation(np.arange(N_LAD) % N_LEP)
    lep = [f"LEP{i + 1:02d}" for i in range(N_LEP)]
    rows = [(lsoas[i], lep[lep_of[lad_of[i]]]) for i in range(n_lsoa)]
    shared = set(rng.choice(N_LAD, N_SHARED, replace=False).tolist())
    rows += [(lsoas[i], lep[(lep_of[lad_of[i]] + 1) % N_LEP]) for i in range(n_lsoa) if lad_of[i] in shared]
    rows += [(code, ENGLAND) for code in lsoas]
    members = pd.DataFrame(rows, columns=["lsoa_code", "area_code"])
    members["area_name"] = np.where(members["area_code"] == ENGLAND, "England", "Synthetic " + members["area_code"])
    return panel, members


def main() -> int:
    args = section_args(__doc__.splitlines()[0])
    import numpy as np

    from evidence.indicators.aggregate import aggregate
    from evidence.indicators.specialisation import location_quotient, shift_share

    n_lsoa = N_LSOA // 10 if args.quick else N_LSOA
    steps = []

    def step(name: str, fn, rows_in):
        status(name)
        gc.collect()
        with PeakRSS(interval=0.01) as mem, Timer() as t:
            out = fn()
        rows_out = len(out[0]) if isinstance(out, tuple) else len(out)
        steps.append({"step": name, "seconds": t.seconds, "peak_rss": mem.peak, "rows_in": rows_in(),
                      "rows_out": rows_out})
        return out

    start, end = YEARS[0], YEARS[-1]
    panel, members = step("build the panel and the lookup", lambda: synthetic_panel(n_lsoa), lambda: 0)
    agg = step("aggregate LSOA → LEP and England (every division × year)",
               lambda: aggregate(panel, members, by=("year", "industry"), member_code="lsoa_code"),
               lambda: len(panel))
    england = agg[agg["area_code"] == ENGLAND][["year", "industry", "value"]]
    if not np.isclose(england["value"].sum(), panel["value"].sum(), rtol=1e-12):
        raise AssertionError("the England aggregate is not the panel's total")
    leps = agg[agg["area_code"] != ENGLAND]
    step("LQs, every LEP × division × year", lambda: location_quotient(leps, by=["year"], nation=england),
         lambda: len(leps))
    step(f"shift-share, every LEP × division, {start}→{end}",
         lambda: shift_share(leps, start=start, end=end, nation=england, method="esteban-marquillas"),
         lambda: len(leps))
    step("LQs, every LSOA × division × year", lambda: location_quotient(panel, by=["year"], nation=england),
         lambda: len(panel))
    step(f"shift-share, every LSOA × division, {start}→{end}",
         lambda: shift_share(panel, start=start, end=end, nation=england, method="esteban-marquillas"),
         lambda: len(panel))
    peak = max_rss()
    total = sum(s["seconds"] for s in steps)
    table = Table(f"Synthetic panel: {n_lsoa:,} LSOAs × 88 divisions × {len(YEARS)} years = {len(panel):,} rows",
                  ["step", "rows in", "rows out", "time (s)", "peak RSS during step (GB)"], align="lrrrr")
    for s in steps:
        table.rows.append([s["step"], f"{s['rows_in']:,}" if s["rows_in"] else "", f"{s['rows_out']:,}",
                           secs(s["seconds"]), gb(s["peak_rss"])])
    table.rows.append(["**total**", "", "", f"**{secs(total)}**", f"**{gb(peak)}** (whole process)"])
    n_shared = int((members.groupby("lsoa_code").size() > 2).sum())
    notes = [
        "**The panel is synthetic.** It has the shape of BRES employment by LSOA (made-up codes `E01000000`... "
        f"as categoricals, the 88 real SIC 2007 divisions, {start}-{end}) but its values are Poisson draws "
        f"around LSOA size × division share × a yearly trend from a random generator seeded with {SEED}. The "
        "lookup is made up too: LSOAs in "
        f"{N_LAD} LADs of uneven size, LADs in {N_LEP} LEPs, {N_SHARED} LADs ({n_shared:,} LSOAs) in two LEPs. "
        "It tests how the library scales, not any figure.",
        "Every step calls the library: `evidence.indicators.aggregate.aggregate` (to the LEPs and to England in "
        "one call), `evidence.indicators.specialisation.location_quotient(by=['year'])` and `shift_share` "
        "(Esteban-Marquillas, which includes the classic parts), with England as the nation. The LSOA-level "
        "rows go beyond LEPs to load the functions with the full panel.",
        "Memory: 'peak RSS during step' is sampled every 10 ms with psutil (it can miss a short spike); the total "
        "is the process's peak resident set size from `getrusage` (the kernel's high-water mark), which "
        "includes the Python interpreter and every import.",
    ]
    result = Result("scale", "Scale: a synthetic BRES-by-LSOA panel", notes=notes, tables=[table],
                    metrics={"rows": len(panel), "lsoas": n_lsoa, "quick": args.quick, "total_s": total,
                             "peak_rss_gb": peak / GB, "steps": steps})
    write_result(result, args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
