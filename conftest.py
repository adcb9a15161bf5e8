"""Run every test and doctest without the result cache: tests substitute data, and must not reuse results
computed from other data (tests of the cache itself turn it on)."""

import os

os.environ.setdefault("EVIDENCE_RESULT_CACHE", "off")
