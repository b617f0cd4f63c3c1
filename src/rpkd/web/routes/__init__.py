"""The app's routers: every module of this package that defines ``router`` (an APIRouter).

A module per page group (``auth``, ``admin``, ``dashboard`` ...) or API group; each of its
routes has an entry in :data:`rpkd.web.access.ROUTES`. Routers are included in module-name
order, so a module keeps its own specific paths (``/releases/new``) before its templated
ones (``/releases/{name}``).
"""

from __future__ import annotations

import pkgutil
from importlib import import_module

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """Return the router of every module of this package, in module-name order."""
    found = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        router = getattr(import_module(f"{__name__}.{info.name}"), "router", None)
        if isinstance(router, APIRouter):
            found.append(router)
    return found
