"""Permission check: role × action × scope."""

from __future__ import annotations

import pytest

from rpkd.access.roles import Forbidden, Grant, Scope, allowed, require

ADMIN = Grant("admin")
ANALYST = Grant("analyst")
DINSOS = Grant("agency_operator", agency="DINSOS")
KECAMATAN = Grant("area_operator", region="62.03.01")
BAZNAS = Grant("partner", partner="BAZNAS")
VIEWER = Grant("viewer")


@pytest.mark.parametrize(
    ("grant", "action", "scope", "expected"),
    [
        (ADMIN, "user.manage", None, True),
        (ANALYST, "user.manage", None, False),
        (ANALYST, "realisation.verify", Scope(agency="DINSOS"), True),
        (ANALYST, "audit.read", None, False),
        (DINSOS, "realisation.submit", Scope(agency="DINSOS"), True),
        (DINSOS, "realisation.submit", Scope(agency="DINKES"), False),
        (DINSOS, "realisation.verify", Scope(agency="DINSOS"), False),
        (DINSOS, "realisation.submit", None, False),
        (KECAMATAN, "personal_data.read", Scope(region="62.03.01.2001"), True),
        (KECAMATAN, "personal_data.read", Scope(region="62.03.01"), True),
        (KECAMATAN, "personal_data.read", Scope(region="62.03.02.2001"), False),
        (KECAMATAN, "personal_data.read", Scope(region="62.03"), False),
        (BAZNAS, "realisation.submit", Scope(partner="BAZNAS", agency="PERKIM"), True),
        (BAZNAS, "realisation.submit", Scope(partner="CSR"), False),
        (BAZNAS, "personal_data.read", Scope(partner="BAZNAS"), False),
        (VIEWER, "aggregate.read", None, True),
        (VIEWER, "personal_data.read", None, False),
        (VIEWER, "realisation.submit", Scope(agency="DINSOS"), False),
    ],
)
def test_permission_matrix(grant: Grant, action: str, scope: Scope | None, expected: bool) -> None:
    assert allowed((grant,), action, scope) is expected  # type: ignore[arg-type]


def test_any_grant_suffices_and_require_raises_with_the_action() -> None:
    assert allowed((VIEWER, DINSOS), "realisation.submit", Scope(agency="DINSOS"))
    with pytest.raises(Forbidden) as caught:
        require((VIEWER,), "plan.edit", user="ani")
    assert caught.value.param == "plan.edit"
    assert caught.value.exit_code == 1
