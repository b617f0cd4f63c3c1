"""In-app notifications: what is due, what was returned, what needs the acting user's review.

Nothing is stored and no e-mail is sent: :func:`notifications_for` asks every registered
*source* what concerns the acting user on a day (today by default) and returns the answers together, most urgent
first. A source is a function ``(ws, today) -> Sequence[Notification]`` that decides by the user's
grants (a source finding nothing for the user returns ``()``; it never raises ``Forbidden``).

Adding a source (another area's queue, e.g. the desa loop's pending usulan and sanggahan):

1. write the function in your workflow module and decorate it::

       from rpkd.workflows.notifications import Notification, source

       @source("desa.proposals")
       def pending_proposals(ws: Workspace, today: date) -> tuple[Notification, ...]:
           ...
           return (Notification("desa.proposals", "review", "notice_proposals_review",
                                {"count": 3}, "/proposals", count=3),)

2. add the module's name to :data:`PROVIDERS`, so that it is imported (and its sources
   registered) the first time notifications are asked for.

``code`` is a catalogue message (``locale/messages/``) rendered with ``params``; ``link`` is
the page where it is dealt with.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from importlib import import_module
from typing import TYPE_CHECKING, Any, Literal

import pyarrow as pa

from rpkd import locale
from rpkd.locale import Lang
from rpkd.workflows.results import plain

if TYPE_CHECKING:
    from rpkd.workflows.workspace import Workspace

Kind = Literal["due", "overdue", "returned", "review"]
KINDS: tuple[Kind, ...] = ("overdue", "returned", "review", "due")
"""Kinds in the order they are listed (most urgent first)."""


@dataclass(frozen=True)
class Notification:
    """Something the acting user should act on.

    ``source``: the registry name of the source that found it; ``kind``: ``overdue``,
    ``returned``, ``review`` or ``due``; ``code`` and ``params``: the catalogue message saying
    it; ``link``: the page where it is dealt with; ``due``: the deadline, if any; ``count``: how
    many items it stands for.
    """

    source: str
    kind: Kind
    code: str
    params: dict[str, Any] = field(default_factory=dict)
    link: str = "/"
    due: date | None = None
    count: int = 1

    def text(self, lang: Lang) -> str:
        """The notification's sentence in ``lang`` (a date as its readers write it)."""
        shown = {
            k: locale.date_text(v, lang) if isinstance(v, date) else v
            for k, v in self.params.items()
        }
        return locale.message(self.code, lang, **shown)


Source = Callable[["Workspace", date], Sequence[Notification]]

SOURCES: dict[str, Source] = {}
"""Registered sources by name (:func:`source`)."""

PROVIDERS: tuple[str, ...] = ("rpkd.workflows.notification_sources", "rpkd.workflows.usulan")
"""Modules whose import registers sources; add yours here."""


def source(name: str) -> Callable[[Source], Source]:
    """Register the decorated function as the notification source ``name``."""

    def register(function: Source) -> Source:
        SOURCES[name] = function
        return function

    return register


@dataclass(frozen=True)
class Notifications:
    """The acting user's notifications, most urgent first."""

    items: tuple[Notification, ...]
    lang: Lang = "id"

    @property
    def count(self) -> int:
        """How many items wait in all (the number on the bell)."""
        return sum(n.count for n in self.items)

    def to_arrow(self) -> pa.Table:
        return pa.Table.from_pylist(
            [
                {
                    "source": n.source,
                    "kind": n.kind,
                    "code": n.code,
                    "text": n.text(self.lang),
                    "link": n.link,
                    "due": n.due,
                    "count": n.count,
                }
                for n in self.items
            ],
            schema=pa.schema(
                [
                    ("source", pa.string()),
                    ("kind", pa.string()),
                    ("code", pa.string()),
                    ("text", pa.string()),
                    ("link", pa.string()),
                    ("due", pa.date32()),
                    ("count", pa.int64()),
                ]
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "items": [
                {**plain(row), "params": plain(n.params)}
                for row, n in zip(self.to_arrow().to_pylist(), self.items, strict=True)
            ],
        }


def _load_providers() -> None:
    for module in PROVIDERS:
        import_module(module)


def notifications_for(ws: Workspace, *, today: date | None = None) -> Notifications:
    """Return what concerns the acting user now, from every registered source (the
    built-in ones: :mod:`rpkd.workflows.notification_sources`)."""
    _load_providers()
    found: list[Notification] = []
    for function in SOURCES.values():
        found.extend(function(ws, today or date.today()))
    found.sort(key=lambda n: (KINDS.index(n.kind), n.due or date.max, n.source))
    return Notifications(tuple(found), ws.lang)
