"""The evidence pack: what turns the indicators into what a reader sees.

The notebooks' helpers (:mod:`~evidence.pack.notebook`, :mod:`~evidence.pack.themes`), the charts and the
tables' formats, the report builder that runs the notebooks and exports the pack (:mod:`~evidence.pack.report`),
its consistency checks, the executors (local processes or Dask) and the static site.

This is the top layer: it may import geography, sources, indicators and scenarios; none of them imports it.
"""
