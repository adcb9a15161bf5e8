"""One figure, one value: the pack consistency check."""

import json

import pandas as pd
import pytest

from evidence.errors import InconsistentPackError
from evidence.pack import consistency


def _pack(tmp_path, *, text_value="£37.43", card_value=37.428, counts=(7, 4, 25, 36), statuses=None):
    (tmp_path / "tables").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "pack.json").write_text(json.dumps({"area": {"name": "Lancashire", "code": "E37000019"},
                                                    "headline": {"gva-per-hour": {"year": 2023, "value": 37.428}}}))
    pd.DataFrame({"indicator": ["gva-per-hour"], "unit": ["£ per hour"], "year": [2023], "Lancashire": [37.428],
                  "England": [42.51]}).to_parquet(tmp_path / "tables" / "headline.parquet")
    statuses = statuses or (["better than England"] * 7 + ["similar to England"] * 4 + ["worse than England"] * 25)
    card = pd.DataFrame({"indicator": ["gva-per-hour"] + [f"m{i}" for i in range(len(statuses) - 1)],
                         "year": [2023] * len(statuses), "value": [card_value] + [1.0] * (len(statuses) - 1),
                         "status": statuses})
    card.to_parquet(tmp_path / "tables" / "scorecard.parquet")
    b, s, w, n = counts
    md = [f"GVA per hour worked in Lancashire was {text_value} in 2023: 10.6% below the UK (£41.87); 12.0% below "
          "England (£42.51).",
          f"Of the {n} indicators with values for Lancashire, {b} are better than England, {s} similar and {w} "
          "worse"]
    cells = [{"cell_type": "code", "outputs": [{"output_type": "display_data", "data": {"text/markdown": t}}]}
             for t in md]
    (tmp_path / "notebooks" / "02-productivity.ipynb").write_text(json.dumps({"cells": cells}))
    return tmp_path


def test_a_consistent_pack_passes(tmp_path):
    q = consistency.check(_pack(tmp_path))
    per_hour = q[q["quantity"] == "gva-per-hour"]
    assert set(per_hour["where"]) == {"headline table", "scorecard", "text of 02-productivity", "pack.json"}


def test_text_rounded_to_its_printed_digits_agrees(tmp_path):
    # £37.43 printed for 37.428: within half a penny.
    consistency.check(_pack(tmp_path, text_value="£37.43"))


def test_a_sentence_with_another_value_fails(tmp_path):
    with pytest.raises(InconsistentPackError, match="gva-per-hour 2023: 37.428 in the headline table but 37.5"):
        consistency.check(_pack(tmp_path, text_value="£37.50"))


def test_two_tables_with_two_values_fail(tmp_path):
    with pytest.raises(InconsistentPackError, match="in the scorecard"):
        consistency.check(_pack(tmp_path, card_value=38.0))


def test_the_gap_in_words_matches_the_table(tmp_path):
    pack = _pack(tmp_path)
    nb = pack / "notebooks" / "02-productivity.ipynb"
    nb.write_text(nb.read_text().replace("12.0% below England", "14.6% below England"))
    with pytest.raises(InconsistentPackError, match="gap to England"):
        consistency.check(pack)


def test_status_counts_must_match_the_scorecard(tmp_path):
    with pytest.raises(InconsistentPackError, match="counts 8/4/25"):
        consistency.check(_pack(tmp_path, counts=(8, 4, 25, 37)))


def test_status_counts_must_add_up(tmp_path):
    with pytest.raises(InconsistentPackError, match="not the 30"):
        consistency.check(_pack(tmp_path, counts=(7, 4, 25, 30)))
