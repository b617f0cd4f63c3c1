"""The site the browser tests visit: a demo-like workspace built once, and uvicorn serving it.

:func:`build_site` makes what ``rpkd demo`` makes, smaller and faster: a synthetic Kapuas
(3,000 families, seed 1; the demo's 120,109 with ``RPKD_SITE_FAMILIES=demo``, for the
documentation's pictures) imported as release ``kapuas-demo``, the Kapuas plan with its P0, P1,
P2 and extreme-poverty realisations for the release's year (verified, as the demo fills them),
two beneficiary lists linked to the registry (the others count by exact NIK, as
:func:`rpkd.workflows.families_of_desa` does for a list never linked), and one user per role
the tests need. :class:`LiveServer` serves ``create_app(path, plain_http=True)`` with uvicorn
on a free loopback port, in a thread, for the whole session.
"""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pyarrow.parquet as pq
import uvicorn

from rpkd.web.app import create_app
from rpkd.workflows import (
    Workspace,
    add_realisation,
    add_user,
    import_release,
    init_plan,
    link_list,
    poverty_figures,
    synthesize_district,
    verify_realisation,
)
from rpkd.workflows.demo import RELEASE
from rpkd.workflows.poverty import PovertyFigures

PASSWORD = "kapuas-bersinar-2025"
REFERENCE_DATE = "2025-03-01"
LINKED = ("pkh", "blt_dd", "pip")
"""Lists linked by the fixture (each costs seconds of Splink; the rest count by NIK); pip's run
puts pairs in review (the linkage review test needs some)."""


@dataclass(frozen=True)
class Site:
    """What the fixture built: where, which release, and who may sign in."""

    path: Path
    source: Path
    release: str
    year: int
    desa: str
    """The desa of the desa operator: the one with the most families."""
    other_desa: str
    """Another desa, in another kecamatan: outside the desa operator's grant."""
    figures: dict[str, float]
    """Headline estimates as fractions: p0, p1, p2, extreme (from the release's survey)."""
    families_by_desa: dict[str, int]
    users: dict[str, str]
    """Role → username: admin, analyst, area_operator, viewer."""


USERS = {
    "admin": "admin",
    "analyst": "analis",
    "area_operator": "operator_desa",
    "viewer": "pemantau",
}


def build_site(path: Path, families: int | None = 3000) -> Site:
    """Build the demo-like workspace at ``path`` (about 25 s on two cores at 3,000 families;
    ``families=None`` is the demo's size, the registry's own 120,109 families)."""
    source = path / "demo" / "source"
    with Workspace.open(path, environ={}) as ws:
        synthesize_district(ws, "62.03", source, families=families, seed=1, fmt="parquet")
        import_release(ws, source, RELEASE, reference_date=REFERENCE_DATE)
        figures = poverty_figures(ws, RELEASE)
        year = figures.on.year
        _plan(ws, figures, year)
        for programme in LINKED:
            link_list(ws, source / f"beneficiaries_{programme}.parquet", RELEASE)
    families = Counter(pq.read_table(source / "families.parquet").column("desa_code").to_pylist())
    ranked = [code for code, _ in families.most_common()]
    desa = ranked[0]
    kecamatan = desa.rsplit(".", 1)[0]
    other = next(code for code in ranked if not code.startswith(kecamatan + "."))
    _users(path, desa)
    z, extreme = figures.lines["poverty"].value, figures.lines["extreme"].value
    found = figures.estimates.find
    return Site(
        path=path,
        source=source,
        release=RELEASE,
        year=year,
        desa=desa,
        other_desa=other,
        figures={
            "p0": found("fgt0", line=z).estimate,
            "p1": found("fgt1", line=z).estimate,
            "p2": found("fgt2", line=z).estimate,
            "extreme": found("fgt0", line=extreme).estimate,
        },
        families_by_desa=dict(families),
        users=dict(USERS),
    )


def _plan(ws: Workspace, figures: PovertyFigures, year: int) -> None:
    """Store the Kapuas plan and its outcome realisations for ``year``, as the demo does:
    P0 in percent, P1 and P2 ×100 (as BPS publishes them), verified."""
    plan = init_plan(ws).plan
    z, extreme = figures.lines["poverty"].value, figures.lines["extreme"].value
    rows = {
        "P0": figures.estimates.find("fgt0", line=z),
        "P1": figures.estimates.find("fgt1", line=z),
        "P2": figures.estimates.find("fgt2", line=z),
        "KE": figures.estimates.find("fgt0", line=extreme),
    }
    for code, row in rows.items():
        added = add_realisation(
            ws, "indicator", code, year, 4,
            value=100 * row.estimate,
            se=None if row.se is None else 100 * row.se,
            ci_low=None if row.ci_low is None else 100 * row.ci_low,
            ci_high=None if row.ci_high is None else 100 * row.ci_high,
            evidence=f"Susenas sintetis, rilis {RELEASE}", plan=plan.name,
        )  # fmt: skip
        verify_realisation(ws, added.items[0].id)


def _users(path: Path, desa: str) -> None:
    with Workspace.open(path, environ={}) as ws:
        add_user(ws, USERS["admin"], PASSWORD, role="admin", full_name="Admin Bapperida")
    with Workspace.open(path, actor=USERS["admin"], environ={}) as ws:
        add_user(ws, USERS["analyst"], PASSWORD, role="analyst", full_name="Sekretariat TKPKD")
        add_user(
            ws, USERS["area_operator"], PASSWORD, role="area_operator", region=desa,
            full_name="Operator Desa",
        )  # fmt: skip
        add_user(ws, USERS["viewer"], PASSWORD, role="viewer", full_name="Pemantau")


class LiveServer:
    """uvicorn serving the web app of a workspace on a free loopback port, in a thread."""

    def __init__(self, workspace: Path) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))  # a free port, held until the server closes it
        port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"
        config = uvicorn.Config(
            create_app(workspace, plain_http=True), log_level="warning", lifespan="on"
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True
        )

    def start(self, timeout: float = 30.0) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + timeout
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"uvicorn did not start on {self.url}")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.socket.close()
