import pandas as pd

from evidence import provenance


def test_provenance_survives_ordinary_operations_and_builds_the_note():
    rec = {"publisher": "ONS", "title": "Regional GVA: TLC", "release": "17 Apr 2025",
           "licence": "Open Government Licence v3.0", "sha256": "a" * 64}
    df = provenance.attach(pd.DataFrame({"a": [1, 2], "v": [1.0, 2.0]}), [rec, dict(rec)])
    assert len(provenance.records(df)) == 1
    out = df[df.a > 1].assign(w=lambda d: d.v * 2)
    assert provenance.records(out) == [rec]
    assert provenance.source_note(out).startswith("Source: ONS, Regional GVA (17 Apr 2025).")


def test_combine_unions_sources():
    a = provenance.attach(pd.DataFrame({"x": [1]}), [{"title": "A", "sha256": "1"}])
    b = provenance.attach(pd.DataFrame({"x": [2]}), [{"title": "B", "sha256": "2"}])
    out = provenance.combine(pd.concat([a, b]), a, b)
    assert [r["title"] for r in provenance.records(out)] == ["A", "B"]


def test_frames_share_their_records_and_records_hands_out_copies():
    import copy
    import pickle

    from evidence import provenance as prov

    rec = {"publisher": "ONS", "title": "Regional GVA", "release": "17 Apr 2025", "sha256": "ab"}
    df = prov.attach(pd.DataFrame({"year": [2022, 2023], "value": [1.0, 2.0]}), [rec])
    taken = df[df["year"] > 2022]["value"]  # pandas deep-copies attrs here: the record is shared, not copied
    assert taken.attrs["provenance"][0] is df.attrs["provenance"][0]
    assert copy.deepcopy(df.attrs) == {"provenance": [rec]}
    mine = prov.records(taken)
    mine[0]["title"] = "changed"
    assert type(mine[0]) is dict and df.attrs["provenance"] == [rec]
    again = pickle.loads(pickle.dumps(df))
    assert again.attrs == df.attrs and prov.source_note(again) == prov.source_note([rec])
