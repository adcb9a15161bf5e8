import re

import pytest

from evidence.errors import UnknownDatasetError
from evidence.sources import catalogue


def test_every_entry_is_complete_and_pinned():
    entries = catalogue.entries()
    assert len(entries) >= 80
    for e in entries.values():
        assert re.fullmatch(r"[0-9a-f]{64}", e.sha256), e.name
        assert e.title and e.publisher and e.licence and e.path
        assert re.fullmatch(r"[a-z0-9][a-z0-9-]*", e.name), e.name


def test_unknown_entry_suggests_close_names():
    with pytest.raises(UnknownDatasetError, match="gva-itl1-cp"):
        catalogue.entry("gva-itl1-c")


def test_pinned_shas_match_the_shared_files(shared_data):
    for e in catalogue.entries().values():
        assert catalogue.sha256_of(shared_data / e.path) == e.sha256, e.name


def test_ons_dataset_pages_give_a_direct_link():
    e = catalogue.entry("gva-la-tlc-north-east")
    assert e.download_url.startswith("https://www.ons.gov.uk/file?uri=/economy/")
    assert e.download_url.endswith("/current/" + e.filename)
    assert catalogue.entry("aps-t01-economic-activity").download_url is None
