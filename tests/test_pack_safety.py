"""Pack folders are unique to an area."""

from __future__ import annotations

import os
import re
from pathlib import Path

from evidence import geography
from evidence.report import VINTAGE_TYPES, _pack_names, pack_folder, pack_name

GM_LEP, GM_CA = "E37000015", "E47000001"  # both named "Greater Manchester"

GROUPS = """\
[[group]]
code = "GRP-HOKUBU"
name = "北部"
lads = ["E08000021", "E08000037"]
"""

# Names chosen to clash: with the LEP, the CA and the ITL2 of that name, and with the LAD's "-lad" folder.
CLASHING_GROUPS = """\
[[group]]
code = "GRP-GM"
name = "Greater Manchester"
lads = ["E08000003"]

[[group]]
code = "GRP-BUCKS"
name = "Buckinghamshire LAD"
lads = ["E06000060"]
"""


# --------------------------------------------------------------------------------------------- folder names
def test_folder_names_follow_the_rule():
    gm_ca, gm_lep = geography.resolve(GM_CA), geography.resolve(GM_LEP)
    assert pack_name(gm_lep, 2021) == "greater-manchester" and pack_name(gm_lep, 2017) == "greater-manchester-2017"
    assert pack_name(gm_ca, 2021) == pack_name(gm_ca, 2017) == "greater-manchester-ca"
    assert pack_name(geography.resolve("TLD3"), 2021) == "greater-manchester-itl2"
    assert pack_name(geography.resolve("E06000060"), 2021) == "buckinghamshire-lad"
    assert pack_name(geography.resolve("BTVLEP", vintage=2020), 2020) == "buckinghamshire-thames-valley-2020"
    assert pack_name(geography.resolve("E12000007"), 2021) == "london-region"
    assert pack_name(geography.resolve("GRP-OXCAM", vintage=2017), 2017) == "oxford-cambridge-arc-2017"
    # a former district code is not listed with the areas: its code keeps it apart from the current district
    assert pack_name(geography.resolve("E08000020"), 2021) == "gateshead-lad-e08000020"
    assert pack_folder(gm_ca, 2021, Path("out")) == Path("out") / "greater-manchester-ca"


def test_no_two_known_areas_share_a_folder(tmp_path, monkeypatch):
    files = [tmp_path / "a.toml", tmp_path / "b.toml"]
    files[0].write_text(GROUPS, encoding="utf-8")
    files[1].write_text(CLASHING_GROUPS, encoding="utf-8")
    monkeypatch.setenv(geography.GROUPS_ENV, os.pathsep.join(map(str, files)))
    owner: dict[str, tuple] = {}
    named: dict[tuple, str] = {}
    for vintage in geography.VINTAGES:
        listed = [geography.areas(vintage=vintage), geography.areas(type="lad")]
        for df in listed:
            for code, name, area_type in zip(df.area_code, df.area_name, df.area_type, strict=True):
                folder = pack_name(geography.Area(code, name, area_type), vintage)
                key = (area_type, code, vintage if area_type in VINTAGE_TYPES else None)
                assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", folder) and folder != "logs", (key, folder)
                assert owner.setdefault(folder, key) == key, f"{folder}: {owner[folder]} and {key}"
                assert named.setdefault(key, folder) == folder, key
    assert len(owner) == len(named) > 700
    assert owner["grp-hokubu"] == ("group", "GRP-HOKUBU", 2021)
    assert owner["greater-manchester-group-2017"] == ("group", "GRP-GM", 2017)
    # the district's "-lad" name is a group's slug, so both go one step further
    assert owner["buckinghamshire-lad-e06000060"] == ("lad", "E06000060", None)
    assert owner["buckinghamshire-lad-group"] == ("group", "GRP-BUCKS", 2021)
    # names come from the whole list, not from what was built first: one area alone gets the same name
    _pack_names.cache_clear()
    assert pack_name(geography.resolve("E06000060"), 2021) == "buckinghamshire-lad-e06000060"
