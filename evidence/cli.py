"""The ``evidence`` command."""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from . import __version__
from .errors import EvidenceError
from .geography import areatypes


def _emit(df: pd.DataFrame, fmt: str) -> None:
    if fmt == "csv":
        from .frames import csv_safe_frame

        # a cell a spreadsheet would read as a formula is quoted (OWASP CSV injection); numbers stay numbers
        csv_safe_frame(df).to_csv(sys.stdout, index=False, lineterminator="\n")
    else:
        with pd.option_context("display.max_rows", None, "display.max_columns", None, "display.width", 200,
                               "display.max_colwidth", 60):
            sys.stdout.write(df.to_string(index=False) + "\n")


def _vintage(value: str) -> int:
    from . import geography

    try:
        v = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"vintage must be one of {geography.VINTAGES}") from None
    if v not in geography.VINTAGES:
        raise argparse.ArgumentTypeError(f"vintage must be one of {geography.VINTAGES}")
    return v


def _vintages(value: str) -> list[int]:
    """A comma-separated list of LEP vintages ('' for none)."""
    return [_vintage(v.strip()) for v in value.split(",") if v.strip()]


def cmd_areas(args) -> int:
    from . import geography

    _emit(geography.areas(type=args.type, vintage=args.vintage), args.format)
    return 0


def cmd_members(args) -> int:
    from . import geography

    _emit(geography.members(args.area, vintage=args.vintage), args.format)
    return 0


def cmd_datasets(args) -> int:
    from .sources import catalogue, registry

    used_by: dict[str, list[str]] = {}
    for ds in registry().values():
        for f in ds.files:
            used_by.setdefault(f, []).append(ds.name)
    rows = [
        {"name": e.name, "dataset": ",".join(used_by.get(e.name, [])), "publisher": e.publisher,
         "release": e.release_date or e.release, "status": catalogue.status(e), "title": e.title[:70]}
        for e in catalogue.entries().values()
    ]
    _emit(pd.DataFrame(rows), args.format)
    return 0


def cmd_fetch(args) -> int:
    from .sources.fetch import fetch

    paths = fetch(args.names or None, mirror=args.mirror, force=args.force, progress=not args.quiet)
    print(f"{len(paths)} file(s) verified in place.", file=sys.stderr)
    return 0


def cmd_process(args) -> int:
    from .sources.snapshot import build_snapshot

    build_snapshot(args.names or None, progress=not args.quiet)
    return 0


def cmd_show(args) -> int:
    from .show import show

    _emit(show(args.name, area=args.area, vintage=args.vintage, year=args.year, years=args.years), args.format)
    return 0


def cmd_build(args) -> int:
    # jsonschema (imported by nbformat) loads rfc3987_syntax when it is installed, which compiles a grammar for
    # about a second at import; notebook validation never checks IRIs. This process is ours, so skip it.
    sys.modules.setdefault("rfc3987_syntax", None)
    from . import geography
    from .pack.report import build_many

    if args.all == bool(args.areas):
        raise EvidenceError("give one or more areas, or --all")
    if args.targets:
        from .indicators.scorecard import read_targets

        read_targets(args.targets)  # a bad targets file fails before any pack is started
    if args.all:
        kind = args.type or "lep"
        areas = geography.comparison_set(kind, vintage=args.vintage) if kind == "lad" else \
            list(geography.areas(type=kind, vintage=args.vintage)["area_code"])
    else:
        # "ca:Greater Manchester": the type travels with the name, and a name that fails fails its own build only
        areas = [f"{args.type}:{a}" if args.type else a for a in args.areas]
    if args.scheduler:
        from .pack.cluster import dask_client, describe

        with dask_client(args.scheduler, workers=args.jobs, timeout=args.connect_timeout) as client:
            if not args.quiet:
                print(describe(client), file=sys.stderr)
            results = build_many(areas, vintage=args.vintage, out=args.out, progress=not args.quiet,
                                 executor=client.get_executor(pure=False), targets=args.targets)
    else:
        results = build_many(areas, vintage=args.vintage, out=args.out, jobs=args.jobs, progress=not args.quiet,
                             targets=args.targets)
    failed = {a: e for a, e in results.items() if e}
    print(f"{len(results) - len(failed)} pack(s) built in {args.out or 'reports/'}", file=sys.stderr)
    for a, e in failed.items():
        print(f"FAILED {a}: {e}", file=sys.stderr)
    if len(results) > len(failed):
        from .pack.htmlreport import NO_PDF_HINT, find_chromium

        if find_chromium() is None:
            print(f"evidence: {NO_PDF_HINT}", file=sys.stderr)
    return 1 if failed else 0


def cmd_pdf(args) -> int:
    import json

    from .pack.htmlreport import write_pdf

    for folder in args.packs:
        try:
            manifest = json.loads((folder / "pack.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise EvidenceError(f"{folder} is not an evidence pack (no readable pack.json): {exc}") from exc
        html = next((folder / f for f in manifest.get("files", []) if f.endswith(".html") and "/" not in f), None)
        if html is None:
            raise EvidenceError(f"the pack in {folder} has no HTML report to print")
        pdf = html.with_suffix(".pdf")
        seconds = write_pdf(html, pdf)
        manifest["pdf"] = {"file": pdf.name}
        manifest["files"] = sorted({*manifest.get("files", []), pdf.name})
        tmp = folder / ".pack.json.part"
        tmp.write_text(json.dumps(manifest, indent=1, default=str) + "\n")
        tmp.replace(folder / "pack.json")
        print(f"{pdf} ({seconds:.1f} s)", file=sys.stderr)
    return 0


def _add_nomis_parser(sub) -> None:
    """``evidence nomis``: search, describe, get, pin and check against the live Nomis API."""

    def dimension_filter(value: str) -> tuple[str, str]:
        name, sep, codes = value.partition("=")
        if not sep or not name.strip() or not codes.strip():
            raise argparse.ArgumentTypeError(f"expected DIMENSION=CODES (e.g. variable=45), got {value!r}")
        return name.strip(), codes.strip()

    def fmt(sp):
        sp.add_argument("--format", choices=("table", "csv"), default="table", help="output format (default table)")

    def query(sp):
        sp.add_argument("dataset", help="a Nomis dataset id, e.g. NM_189_1 (see `evidence nomis search`)")
        sp.add_argument("--geography", action="append", default=None,
                        help="GSS codes (comma-separated), a Nomis geography such as TYPE424, or a LEP or combined "
                        "authority (name or code) expanded to its LADs; repeatable")
        sp.add_argument("--date", default=None, help="Nomis dates, e.g. 2022, 2023-12, latest, latestMINUS4-latest")
        sp.add_argument("--measures", default=None, help="Nomis measures codes, e.g. 20100")
        sp.add_argument("--filter", "-f", action="append", type=dimension_filter, default=[], metavar="DIM=CODES",
                        help="another dimension, e.g. variable=45 or industry=150994945...150994965; repeatable")
        sp.add_argument("--vintage", type=_vintage, default=2021, help="LEP vintage: 2017, 2020 or 2021 (default 2021)")
        sp.add_argument("--lad-on", choices=("2023", "native"), default="2023",
                        help="LAD codes a LEP or CA is expanded to: April 2023 (default) or the vintage's own")
        sp.add_argument("--lad-type", default=None, help="the Nomis geography type of those LADs (default TYPE424, "
                        "LADs as of April 2023; e.g. TYPE432 for April 2021)")
        sp.add_argument("--refresh", action="store_true", help="ask the API even if the query is pinned or cached")

    def run(args) -> int:
        from .sources import nomis

        cmd = args.nomis_command
        try:
            if cmd == "search":
                _emit(nomis.search(args.text), args.format)
            elif cmd == "describe":
                info = nomis.describe(args.dataset)
                if args.format == "table":
                    print(info)
                _emit(info.codes, args.format)
            elif cmd == "check":
                _emit(nomis.check(), args.format)
            else:
                geo = args.geography
                geo = geo[0] if geo and len(geo) == 1 else geo
                filters = {k.lower(): v for k, v in args.filter}
                kw = dict(geography=filters.pop("geography", geo), date=filters.pop("date", args.date),
                          measures=filters.pop("measures", args.measures), vintage=args.vintage,
                          lad_on=args.lad_on, lad_type=args.lad_type, refresh=args.refresh, **filters)
                if cmd == "get":
                    _emit(nomis.get(args.dataset, **kw), args.format)
                else:
                    p = nomis.pin(args.dataset, **kw)
                    print(f"pinned {p.key}: {p.rows} rows, sha256 {p.sha256[:12]}…, Nomis last updated "
                          f"{p.last_updated or 'not stated'} -> {p.path}", file=sys.stderr)
        except (ValueError, TypeError) as exc:
            print(f"evidence nomis: error: {exc}", file=sys.stderr)
            return 2
        return 0

    sp = sub.add_parser("nomis", help="query the live Nomis API (cached in data/raw/nomis; pinned releases)")
    nsub = sp.add_subparsers(dest="nomis_command", required=True, metavar="ACTION")
    s = nsub.add_parser("search", help="find Nomis datasets")
    s.add_argument("text", help="words to look for, e.g. 'jobs density'")
    fmt(s)
    s = nsub.add_parser("describe", help="a dataset's dimensions and codes")
    s.add_argument("dataset", help="a Nomis dataset id, e.g. NM_17_5")
    fmt(s)
    s = nsub.add_parser("get", help="tidy rows of a query (pinned result, else cache, else the API)")
    query(s)
    fmt(s)
    s = nsub.add_parser("pin", help="freeze a query's result with its sha256 in data/raw/nomis/pins.json")
    query(s)
    s = nsub.add_parser("check", help="report whether Nomis has published a newer release of each pinned query")
    fmt(s)
    for name in ("search", "describe", "get", "pin", "check"):
        nsub.choices[name].set_defaults(func=run)
def cmd_scenario(args) -> int:
    from . import scenarios

    if args.list:
        rows = [scenarios.load_scenario(n) for n in scenarios.list_scenarios()]
        _emit(pd.DataFrame([{"name": s.name, "area": s.area, "vintage": s.vintage, "base_year": s.base_year,
                             "horizon": s.horizon, "prices": s.price_label, "title": s.title} for s in rows]),
              args.format)
        return 0
    if not args.scenario:
        raise EvidenceError("give a scenario name or a .toml file (or --list to see the shipped scenarios)")
    sc = scenarios.load_scenario(args.scenario)
    traj = scenarios.run(sc, area=args.area, vintage=args.vintage, prices=args.prices)
    if args.apportion:
        traj = scenarios.apportion(traj, parts=args.apportion)
    areas = list(dict.fromkeys(traj["area_code"]))
    if args.view == "summary":
        out = scenarios.summary(traj)
    elif args.view == "decomposition":
        out = pd.concat([scenarios.decompose(traj, reading=r, area=a) for r in dict.fromkeys(traj["reading"])
                         for a in areas], ignore_index=True)
    elif args.view == "sensitivity":
        out = pd.concat([scenarios.sensitivity(traj, area=a) for a in areas], ignore_index=True)
    else:
        out = traj
    for note in traj.attrs.get("caveats", []):
        print(f"note: {note}", file=sys.stderr)
    if args.chart:
        from .pack import charts

        stem = str(args.chart)
        written = []
        for a in areas:
            one = traj[traj["area_code"] == a]
            suffix = f"-{a}" if len(areas) > 1 else ""
            for m in ("jobs", "gva"):
                written += charts.save(charts.scenario_lines(one, measure=m), f"{stem}{suffix}-{m}")
            written += charts.save(charts.waterfall(scenarios.decompose(one)), f"{stem}{suffix}-waterfall")
        print(f"{len(written)} chart file(s) written: {', '.join(map(str, written))}", file=sys.stderr)
    _emit(out, args.format)
    return 0


def _add_scenario_parser(sub) -> None:
    sp = sub.add_parser("scenario", help="jobs and GVA scenarios (published targets or growth rates) on real data",
                        description="Print a scenario's year-by-year trajectories of jobs, GVA and GVA per job from "
                        "the area's real ONS base year. Assumptions are printed to stderr as notes. File format: "
                        "docs/scenarios.md.")
    sp.add_argument("scenario", nargs="?", help="a shipped scenario name (e.g. arc-trend) or a .toml file")
    sp.add_argument("--area", default=None, help="an area inside the scenario's area (its share, by base-year "
                    "share), or, for a scenario of growth rates, any area")
    sp.add_argument("--apportion", choices=("lep", "lad"), default=None,
                    help="split the scenario across the area's LEPs or LADs (the parts sum back exactly)")
    sp.add_argument("--view", choices=("trajectories", "summary", "decomposition", "sensitivity"),
                    default="trajectories", help="what to print (default trajectories)")
    sp.add_argument("--chart", default=None, metavar="STEM",
                    help="also write PNG and SVG charts to STEM-jobs, STEM-gva and STEM-waterfall")
    sp.add_argument("--prices", choices=("real", "nominal"), default=None,
                    help="GVA in real terms (base-year prices, chain-linked; the default of most scenarios) or "
                    "nominal (current prices); default: the scenario file's")
    sp.add_argument("--vintage", type=int, default=None, help="run at this LEP vintage instead of the file's")
    sp.add_argument("--list", action="store_true", help="list the shipped scenarios")
    sp.add_argument("--format", choices=("table", "csv"), default="table", help="output format (default table)")
    sp.set_defaults(func=cmd_scenario)


def _add_scorecard_parser(sub) -> None:
    """``evidence scorecard``: the five-foundations scorecard of an area; write or compare a monitoring baseline."""

    table_columns = ["foundation", "indicator", "period", "value", "england_value", "rank", "of", "trend_5y",
                     "trend_period", "status", "method"]

    def run(args) -> int:
        from .indicators.scorecard import compare_to_baseline, monitoring_baseline, scorecard

        if args.baseline and args.compare:
            raise EvidenceError("give --baseline (write one) or --compare (compare with one), not both")
        if args.compare:
            if args.targets:
                raise EvidenceError("--compare uses the targets stored in the baseline; give --targets when writing "
                                    "it with --baseline")
            df = compare_to_baseline(args.compare, year=args.year)
            if args.format == "table":
                extra = [c for c in ("target", "to_target", "target_status") if c in df.columns]
                df = df[["foundation", "indicator", "baseline_period", "baseline_value", "period", "value", "change",
                         "direction", "baseline_rank", "rank", *extra]]
            _emit(df, args.format)
            return 0
        if args.baseline:
            if args.year is None:
                raise EvidenceError("a baseline is frozen to a year: give --year")
            df = monitoring_baseline(args.area, vintage=args.vintage, year=args.year, path=args.baseline,
                                     targets=args.targets)
            csv = args.baseline if args.baseline.suffix.lower() == ".csv" else args.baseline.with_name(
                args.baseline.name + ".csv")
            print(f"baseline for {df.attrs['area']['name']} ({args.year}) written to {csv} and "
                  f"{csv.with_suffix('.json')}", file=sys.stderr)
        else:
            df = scorecard(args.area, vintage=args.vintage, year=args.year, targets=args.targets)
        if args.format == "table":
            a = df.attrs["area"]
            print(f"{a['name']} ({a['code']}), LEP vintage {args.vintage}" + (f", frozen to {args.year}" if args.year
                                                                              else ""))
            cols = table_columns + (["target", "target_year", "to_target", "target_status"] if args.targets else [])
            df = df[cols].assign(value=df["value"].round(2), england_value=df["england_value"].round(2),
                                          trend_5y=df["trend_5y"].round(2))
        _emit(df, args.format)
        return 0

    sp = sub.add_parser("scorecard", help="the five-foundations scorecard of an area (ranks among the LEPs, England "
                        "comparators, 5-year trends); monitoring baselines")
    sp.add_argument("area", help="a LEP, combined authority, region or grouping (name, code or abbreviation)")
    sp.add_argument("--vintage", type=_vintage, default=2021, help="LEP vintage: 2017, 2020 or 2021 (default 2021)")
    sp.add_argument("--year", type=int, default=None, help="freeze to a year: each metric's latest period starting "
                    "in or before it (default: the latest data)")
    sp.add_argument("--format", choices=("table", "csv"), default="table",
                    help="output format (default table: the main columns; csv: every column)")
    sp.add_argument("--baseline", type=Path, default=None, metavar="PATH",
                    help="write the scorecard frozen to --year as a monitoring baseline (PATH.csv + PATH.json)")
    sp.add_argument("--compare", type=Path, default=None, metavar="PATH",
                    help="compare a baseline written with --baseline with --year (default: the latest data)")
    sp.add_argument("--targets", type=Path, default=None, metavar="FILE",
                    help="a TOML of ambitions keyed by indicator id ([employment-rate] value = 78.0, year = 2030): "
                    "adds each target and the distance to it (in the indicator's unit; pp for rates)")
    sp.set_defaults(func=run)


def _show_warning(message, category, filename, lineno, file=None, line=None) -> None:
    print(f"evidence: warning: {message}", file=sys.stderr)


def cmd_site(args) -> int:
    sys.modules.setdefault("rfc3987_syntax", None)  # as in cmd_build
    from .pack import site

    if args.port is not None and not args.serve:
        raise EvidenceError("--port is for --serve")
    types = [t.strip() for t in args.types.split(",") if t.strip()] if args.types else None
    result = site.build_site(args.out, types=types, areas=args.areas, vintage=args.vintage,
                             lep_vintages=args.lep_vintages, jobs=args.jobs, progress=not args.quiet)
    print(f"site written to {args.out}: {result['pages']} pages, {len(result['built'])} pack(s) built, "
          f"{len(result['reused'])} reused, in {result['seconds']:.1f} s", file=sys.stderr)
    for a, e in result["failed"].items():
        print(f"FAILED {a}: {e}", file=sys.stderr)
    if args.serve:
        site.serve(args.out, port=args.port or 8000)
    return 1 if result["failed"] else 0


def _add_site_parser(sub) -> None:
    sp = sub.add_parser("site", help="build a static website of evidence packs (search, area pages, league "
                        "tables, maps, compare)")
    sp.add_argument("areas", nargs="*", help="areas to include besides --types (names, codes or type:name)")
    sp.add_argument("--out", type=Path, default=Path("site"), help="the site's folder (default site/)")
    sp.add_argument("--vintage", type=_vintage, default=2021, help="the site's geography: 2017, 2020 or 2021 "
                    "(default 2021); groupings use it, and LEPs are built at it as well as at --lep-vintages")
    sp.add_argument("--lep-vintages", type=_vintages, default=(2017, 2021), metavar="V,V",
                    help="every LEP is also built at these vintages (default 2017,2021; '' for --vintage only)")
    sp.add_argument("--types", default=None, help="every area of these types, comma-separated, from "
                    "lep,ca,region,group,itl3,lad (default: all of them unless areas are given)")
    sp.add_argument("--jobs", type=int, default=1, help="parallel pack builds (default 1)")
    sp.add_argument("--quiet", action="store_true", help="no progress bars")
    sp.add_argument("--serve", action="store_true", help="then serve the site on http://127.0.0.1:PORT/")
    sp.add_argument("--port", type=int, default=None, help="the port for --serve (default 8000)")
    sp.set_defaults(func=cmd_site)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="evidence", description="Build the economic evidence base for a Local "
                                "Industrial Strategy from official statistics.")
    p.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def fmt(sp):
        sp.add_argument("--format", choices=("table", "csv"), default="table", help="output format (default table)")

    sp = sub.add_parser("areas", help="list areas (LEPs, combined authorities, regions, ITLs, groupings)")
    sp.add_argument("--type", choices=areatypes.LISTED, default=None,
                    help="only this type: " + ", ".join(f"{k} ({t.plural})" for k, t in areatypes.AREA_TYPES.items()))
    sp.add_argument("--vintage", type=_vintage, default=2021, help="LEP vintage: 2017, 2020 or 2021 (default 2021)")
    fmt(sp)
    sp.set_defaults(func=cmd_areas)

    sp = sub.add_parser("members", help="list an area's local authority districts")
    sp.add_argument("area", help="a GSS code, a name, or an abbreviation such as BTVLEP")
    sp.add_argument("--vintage", type=_vintage, default=2021, help="LEP vintage: 2017, 2020 or 2021 (default 2021)")
    fmt(sp)
    sp.set_defaults(func=cmd_members)

    sp = sub.add_parser("datasets", help="list the official files and their local status")
    fmt(sp)
    sp.set_defaults(func=cmd_datasets)

    sp = sub.add_parser("fetch", help="download official files into data/raw, verified by sha256")
    sp.add_argument("names", nargs="*", help="catalogue names (default: all)")
    sp.add_argument("--mirror", default=None, help="a folder or URL laid out like the official-data mirror "
                    "(default: $EVIDENCE_MIRROR)")
    sp.add_argument("--force", action="store_true", help="download again even if a verified copy exists")
    sp.add_argument("--quiet", action="store_true", help="no progress bars")
    sp.set_defaults(func=cmd_fetch)

    sp = sub.add_parser("process", help="rebuild the compact snapshot in data/processed from data/raw")
    sp.add_argument("names", nargs="*", help="datasets (default: all)")
    sp.add_argument("--quiet", action="store_true", help="no progress bars")
    sp.set_defaults(func=cmd_process)

    sp = sub.add_parser("show", help="print tidy rows of a dataset or indicator")
    sp.add_argument("name", help="a dataset or indicator name (see `evidence datasets`)")
    sp.add_argument("--area", default=None, help="an area; a LEP, CA or group is filtered to its member LADs")
    sp.add_argument("--vintage", type=_vintage, default=2021)
    sp.add_argument("--year", type=int, default=None)
    sp.add_argument("--years", default=None, help="a range A:B (inclusive)")
    fmt(sp)
    sp.set_defaults(func=cmd_show)

    sp = sub.add_parser("build", help="build evidence packs for areas into reports/")
    sp.add_argument("areas", nargs="*", help="areas (names, codes or abbreviations)")
    sp.add_argument("--all", action="store_true", help="every area of --type (default: every LEP of the vintage; "
                    "districts: England's 296)")
    sp.add_argument("--type", choices=areatypes.BUILDABLE, default=None,
                    help="the area type: with --all, which areas to build; with names, which type a name shared by "
                    "several types means (e.g. --type ca 'Greater Manchester')")
    sp.add_argument("--vintage", type=_vintage, default=2021)
    sp.add_argument("--jobs", type=int, default=1, help="parallel workers (default 1); with --scheduler local, "
                    "the number of Dask workers; ignored with a scheduler address")
    sp.add_argument("--out", type=Path, default=None, help="output folder (default reports/)")
    sp.add_argument("--quiet", action="store_true", help="no progress bars")
    sp.add_argument("--scheduler", default=None, metavar="ADDRESS",
                    help="build on a Dask cluster: its scheduler's address (tcp://host:8786), or 'local' to start "
                    "one on this machine; needs pip install 'lis-evidence[dask]'")
    sp.add_argument("--connect-timeout", type=float, default=10.0, metavar="SECONDS",
                    help="how long to wait for the Dask scheduler (default 10)")
    sp.add_argument("--targets", type=Path, default=None, metavar="FILE",
                    help="a TOML of ambitions keyed by indicator id: the scorecard and monitoring baseline show the "
                    "distance to each (see README, 'Monitoring with ambitions')")
    sp.set_defaults(func=cmd_build)

    sp = sub.add_parser("pdf", help="print the HTML report of built packs to PDF with headless Chromium")
    sp.add_argument("packs", nargs="+", type=Path, metavar="PACK_FOLDER", help="a pack's folder (reports/<name>)")
    sp.set_defaults(func=cmd_pdf)

    _add_nomis_parser(sub)
    _add_scenario_parser(sub)
    _add_scorecard_parser(sub)
    _add_site_parser(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings():
            warnings.showwarning = _show_warning
            return args.func(args)
    except EvidenceError as exc:
        print(f"evidence: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
