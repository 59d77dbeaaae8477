"""YAML for files people edit by hand (flows, risk lexicons): a key written twice is
reported instead of silently keeping its last value, and only true/false are booleans
(YAML 1.2), so a label such as `{en: No, es: "No"}` stays text."""

from __future__ import annotations

import re
from typing import Any

import yaml


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that notes duplicate mapping keys instead of keeping the
    last, and reads only true/false as booleans (YAML 1.2): a label such as
    `{en: No, es: "No"}` stays text instead of turning into False."""

    duplicates: list[str]


_BOOL_TAG = "tag:yaml.org,2002:bool"
_StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != _BOOL_TAG]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_StrictLoader.add_implicit_resolver(
    _BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode,
                       deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen and key != "<<":
            line = key_node.start_mark.line + 1
            loader.duplicates.append(f"line {line}: duplicate key {key!r}")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,
)


def read_yaml(text: str) -> tuple[Any, list[str]]:
    """The document, and a note for every mapping key written twice (YAML would keep
    only the last, silently). Raises yaml.YAMLError on a syntax error."""
    loader = _StrictLoader(text)
    loader.duplicates = []
    try:
        return loader.get_single_data(), loader.duplicates
    finally:
        loader.dispose()
