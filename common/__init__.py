"""The bottom of the house: small helpers every other package may use (and that use none of them).

- ``common.yamlfile``: the one checked YAML loader (duplicate keys and wrong shapes fail loudly).
- ``common.text``: the one bilingual-text type (``Bilingual(es=..., en=...)``).
"""
