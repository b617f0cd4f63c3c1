"""Use case: which district a workspace serves (its code and name, for page headers).

The district is the region of the parameter kit's plan (``params/<kit>/plan.toml``: Kabupaten
Kapuas, 62.03, by default); its name is the Kemendagri master's. Public: no permission needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    from rpkd.workflows.workspace import Workspace


@dataclass(frozen=True)
class District:
    """A district's Kemendagri code and name (``62.03``, ``Kabupaten Kapuas``)."""

    code: str
    name: str

    def to_json(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name}

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist([self.to_json()])


def district(ws: Workspace) -> District | None:
    """Return the district of the workspace's plan kit, None for a kit without a plan.

    Examples
    --------
    >>> import tempfile
    >>> from rpkd.workflows import Workspace
    >>> with Workspace.open(tempfile.mkdtemp()) as ws:
    ...     district(ws)
    District(code='62.03', name='Kabupaten Kapuas')
    """
    from rpkd import regions

    plan = ws.kit.plan
    if plan is None:
        return None
    code = regions.parse_code(str(plan["plan"]["region"]))
    return District(code, regions.name(code))
