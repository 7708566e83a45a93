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

Hardening (issue 15)::

    etl.submissions.worker.validate_isolated(data, filename, country, progress=cb)   # web server: never in-process
    etl.submissions.limits.check_upload(data, filename)    # limits.yaml, on the bytes, before parsing
    Registry(path).sign_in(user, password, address)        # counted per account and address, audited
    Registry(path).check_session(account)                  # active, not locked, same password_version
    Registry(path).review(submission_id, version)          # metadata, sample, totals vs last published
    Registry(path).audit_events(limit=200)                 # the admin's audit view
    etl.submissions.registry.load_public_state(path)       # last good public state + notice, never raises
"""
