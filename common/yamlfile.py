"""The one YAML loader of the project: fast (libyaml), safe, and strict about what PyYAML lets pass.

PyYAML keeps the last of two equal keys without a word; a catalogue edited by hand then loses
an entry silently. ``load_yaml`` refuses duplicate keys, says which file and line, and checks
the top-level shape the caller expects, so an editor's typo is an error with a place, not a
missing indicator on a page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlFileError(ValueError):
    """A YAML file that cannot be used: missing, malformed, a duplicate key, or the wrong shape."""


class _StrictLoader(_Loader):  # type: ignore[misc, valid-type]
    """libyaml's safe loader that refuses a key written twice in one mapping."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: dict[Any, int] = {}
    for key_node, _value in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in seen:
            raise YamlFileError(
                f"line {line}: the key {key!r} is written twice in the same mapping "
                f"(first on line {seen[key]}); keep one"
            )
        seen[key] = line
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def parse_yaml(text: str, where: str = "<text>", expect: type | tuple[type, ...] = dict) -> Any:
    """The YAML document ``text``, checked: no duplicate keys, a top level of type ``expect``.

    An empty document gives an empty value of the expected type. Errors name ``where``.
    """
    try:
        value = yaml.load(text, Loader=_StrictLoader)
    except YamlFileError as err:
        raise YamlFileError(f"{where}: {err}") from None
    except yaml.YAMLError as err:
        raise YamlFileError(f"{where}: not valid YAML: {err}") from None
    if value is None:
        first = expect[0] if isinstance(expect, tuple) else expect
        return first()
    if not isinstance(value, expect):
        names = " or ".join(t.__name__ for t in (expect if isinstance(expect, tuple) else (expect,)))
        raise YamlFileError(f"{where}: expected a {names} at the top level, got {type(value).__name__}")
    return value


def load_yaml(path: Path | str, expect: type | tuple[type, ...] = dict) -> Any:
    """The YAML file at ``path``, checked as ``parse_yaml`` does; a missing file is a YamlFileError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise YamlFileError(f"{path}: file not found") from None
    except UnicodeDecodeError as err:
        raise YamlFileError(f"{path}: not UTF-8 text ({err.reason} at byte {err.start})") from None
    return parse_yaml(text, str(path), expect)
