"""ETL of Atlas PVIGM: one reader per vendored source, the codelists, and the store.

    python -m etl build      # data/atlas.duckdb (or $ATLAS_STORE) from vendor/, from scratch
    python -m etl datasets   # every dataset with its licence and row count
    python -m etl check      # control totals: expected vs found, exit 1 on failure

Read the store with ``etl.store.connect()``; the contract is ``docs/STORE.md``.
"""
