"""Focal-point submissions: templates, validation, the registry of versions, accounts.

A focal point fills a template (CSV or XLSX, Spanish or English headers), the file is read
whole and checked whole (``validate_submission`` gathers every problem into one report), and a
valid file is stored atomically as a new *draft* version in the registry (``data/registry``,
see docs/STORE.md). A regional administrator publishes or withdraws versions; only the latest
published version of each submission reaches ``published/*.parquet``, which is all the public
atlas ever reads.

Public entry points::

    etl.submissions.spec.load_spec()                       # kinds, columns, categories
    etl.submissions.templates.build_template(kind, lang, fmt, country=None)
    etl.submissions.validate.validate_submission(data, filename, country, kind=None)
    etl.submissions.registry.Registry(path).ingest(...), .publish(...), .withdraw(...)
    etl.submissions.cli.register(subparsers)               # validate, ingest, template, users, ...
"""
