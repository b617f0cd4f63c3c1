from __future__ import annotations

from rpkd.cli.common import requested_lang


def test_language_of_error_messages_follows_the_command_line_then_the_environment() -> None:
    assert requested_lang(["release", "import", "d", "--lang", "en"], {}) == "en"
    assert requested_lang(["release", "import", "d", "--lang=en"], {}) == "en"
    assert requested_lang(["release", "import", "d"], {"RPKD_LANG": "en"}) == "en"
    assert requested_lang(["release", "import", "d"], {}) == "id"
    assert requested_lang(["--lang", "id"], {"RPKD_LANG": "en"}) == "id"
