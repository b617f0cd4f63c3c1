"""What the JSON API's bad-input tests share (``test_api_bad_input.py``,
``test_link_review_bad_decisions.py``): the check of a coded JSON refusal and a body of 2 GB
sent as a stream (never built in memory), announced or chunked."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import anyio
import httpx2 as httpx
from fastapi import FastAPI

from rpkd.locale import Lang, entries, message

ENGLISH = {"Accept-Language": "en-GB,en;q=0.9,id;q=0.5"}
"""What an API client sends to read English."""
GB = 1 << 30


def json_sentence(code: str, lang: Lang) -> re.Pattern[str]:
    """The catalogue sentence of ``code`` in ``lang``, any parameter matching any text."""
    parts = re.split(r"\{[^}]*\}", entries("messages")[code][lang].replace("{{", "{"))
    return re.compile(".*?".join(re.escape(p.replace("}}", "}")) for p in parts), re.S)


def check(answer: Any, status: int, code: str, param: str | None, lang: Lang) -> None:
    """The answer's status, its code naming ``param`` (unless None) and the catalogue
    sentence of the code in ``lang`` with the answer's own parameters."""
    assert answer.status_code == status, answer.text[:1500]
    body = answer.json()
    assert body["error"]["code"] == code, body
    if param is not None:
        assert body["error"]["param"] == param, body
    assert json_sentence(code, lang).fullmatch(body["detail"]), body["detail"]
    params = {k: ", ".join(map(str, v)) if isinstance(v, list) else v
              for k, v in body["error"]["params"].items()}  # fmt: skip
    assert body["detail"] == message(code, lang, **params)


class Stream:
    """A body of ``size`` bytes after ``head``, made as it is read; counts what was read."""

    def __init__(self, size: int, head: bytes = b"", fill: bytes = b" ") -> None:
        self.size = size
        self.head = head
        self.fill = fill
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunk = self.fill * (1 << 20)
        yield self.head
        while self.sent < self.size:
            self.sent += len(chunk)
            yield chunk


def post_streamed(
    app: FastAPI, path: str, body: Stream, headers: dict[str, str], *, announce: bool
) -> httpx.Response:
    """POST ``body`` to ``app`` through httpx's ASGI transport (``Content-Length`` announced,
    or chunked), in a thread of its own (a test before it may have left an event loop)."""
    sent = {**headers, "Content-Length": str(len(body.head) + body.size)} if announce else headers

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            return await c.post(path, content=body, headers=sent)

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(anyio.run, send).result()
