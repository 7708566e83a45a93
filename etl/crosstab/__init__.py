"""Cross-tabulation of the store: the engine behind the explorer page and ``python -m etl query``.

    from etl.crosstab import build_spec, run_crosstab
    with etl.store.connect() as con:
        result = run_crosstab(con, build_spec(["entries"], rows=["ref_area"], cols=["time_period"]))

Modules: ``spec`` (the query, its URL form, validation), ``catalogue`` (the whitelist of
measures and dimensions per source), ``sql`` (DuckDB statements with GROUPING SETS),
``engine`` (run, protect, shares, rates, labels), ``pivot`` and ``export`` (tables and
downloads), ``cli`` (the command), ``messages`` (Spanish and English texts).
"""

from etl.crosstab.engine import CrosstabResult, run_crosstab
from etl.crosstab.messages import CrosstabError, Problem
from etl.crosstab.spec import QuerySpec, build_spec, dump_query, parse_query, query_string

__all__ = [
    "CrosstabError",
    "CrosstabResult",
    "Problem",
    "QuerySpec",
    "build_spec",
    "dump_query",
    "parse_query",
    "query_string",
    "run_crosstab",
]
