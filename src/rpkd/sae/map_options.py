"""The kit's model options of a poverty map (``[fay_herriot]``, ``[ebp]`` of the ``sae``
document), each refused with ``map_choice_invalid`` unless it is one the model offers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from rpkd.errors import UsageError


def choice(options: Mapping[str, Any], key: str, default: str, allowed: Sequence[str]) -> Any:
    """Return the option ``key`` of ``options`` (``default`` if absent), refused unless one of
    ``allowed``."""
    value = options.get(key, default)
    if value not in allowed:
        raise UsageError(
            "map_choice_invalid", param=key, flag=key, value=value, allowed=tuple(allowed)
        )
    return value
