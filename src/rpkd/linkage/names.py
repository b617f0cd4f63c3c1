"""Indonesian personal names: normalised spelling, patronymic split and a phonetic key.

Lists kept by Dinsos, Disdik or the desa write the same person as ``Hj. SITI AMINAH, S.Pd``,
``Sity Aminah`` or ``St. Aminah binti Abdullah``; the registry (DTSEN) writes ``SITI AMINAH``.
:func:`normalised_name` removes what does not identify the person (case, punctuation, titles,
honorifics, academic degrees, the ``bin``/``binti`` patronymic) and writes the common variants of
Arabic-origin names and the pre-1972 (Van Ophuijsen / Soewandi) spelling in one form.
:func:`phonetic_key` then merges what sounds alike (vowel classes, ``kh``/``h``, ``j``/``y``,
doubled letters) for blocking and for a comparison level below exact agreement.

Every rule is a regular-expression replacement on an Ibis string column, so the whole registry
is standardised in the engine (RE2 in DuckDB, java.util.regex in Spark: no look-arounds and no
back-references are used, so both read the patterns alike).

References
----------
Ejaan yang Disempurnakan (EYD), Keputusan Presiden No. 57/1972: ``oe`` -> ``u``, ``dj`` -> ``j``,
``tj`` -> ``c``, ``j`` -> ``y``, ``nj`` -> ``ny``, ``sj`` -> ``sy``, ``ch`` -> ``kh`` (``j`` -> ``y``
and ``nj`` -> ``ny`` are left to the phonetic key: modern names keep ``j``, as in Tanjung).
Permendagri No. 73/2022 on writing names in population documents (titles and degrees are not
part of the name). Christen, P. (2012). *Data Matching*, ch. 4: name standardisation and phonetic
encoding before comparison.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import ibis

if TYPE_CHECKING:
    from ibis.expr.types import ArrayValue, StringValue, Table

# Honorifics, religious and professional titles written before a name (after punctuation is
# turned into spaces): haji/hajjah, Drs./Dra., Ir., dr., Prof., Bapak/Ibu/Nyonya/Tuan,
# Saudara/i, Kyai Haji, Ustadz/ah, almarhum/ah, and A.Md. when written first.
TITLES: tuple[str, ...] = (
    "h", "hj", "haji", "hajah", "hajjah", "drs", "dra", "ir", "dr", "drg", "prof", "bpk", "bapak",
    "pak", "ibu", "bu", "ny", "nyonya", "nn", "nona", "tn", "tuan", "sdr", "sdri", "saudara",
    "saudari", "kh", "ust", "ustad", "ustadz", "ustadzah", "ustazah", "alm", "almh", "almarhum",
    "almarhumah", "amd",
)  # fmt: skip

# Academic degrees written after a name (S.Pd., S.E., M.Si., A.Md.Keb., Ns.), once punctuation
# is a space: a one-letter level (s, m, a, d3) then the field, with or without a space between.
_DEGREE_LEVEL = r"(s|m|a|d1|d2|d3|d4)"
_DEGREE_FIELD = (
    r"(pd|pdi|ag|e|h|hi|hum|ip|kom|kep|km|sos|si|t|tp|p|pt|pi|hut|farm|ked|kes|gz|th|thi|ak|"
    r"psi|ikom|stat|sy|ei|md|mdkeb|mdkep|mdkes|md keb|md kep|md kes|mk|ma|mapd|sc|m|ap|eng|n|"
    r"ds|kel|tr|ling|fil)"
)
_DEGREES = rf"(\s+({_DEGREE_LEVEL}\s?{_DEGREE_FIELD}|ns|amk|bsc|ba|mba|phd))+$"

PATRONYMIC = ("bin", "binti", "bt", "bn", "bnt", "bte", "binte")

# Spelling variants written as one canonical token (after the old spelling is modernised).
VARIANTS: tuple[tuple[str, str], ...] = (
    (
        "muhammad",
        r"muhammad|muhamad|muhammed|muhamed|mohammad|mohamad|mohammed|mohamed|mokhammad|"
        r"mokhamad|mukhammad|mukhamad|muhamat|mokhamat|mohd|mokh|moh|mhd|muh",
    ),
    ("ahmad", r"akhmad|akhmat|ahmat|achmad|ahmed"),
    ("siti", r"sity|sitti"),
    ("nur", r"noor|nurul|nour|nuur"),
    ("abdul", r"abd|abdoel|abdul"),
)
# Initials that stand for a name only in first position ("M. Rizki", "St. Aminah").
LEADING_INITIALS: tuple[tuple[str, str], ...] = (("m", "muhammad"), ("st", "siti"))

# Pre-EYD spelling, in the order applied (``oe`` before ``j`` rules; ``ch`` last).
OLD_SPELLING: tuple[tuple[str, str], ...] = (
    ("oe", "u"),
    ("dj", "j"),
    ("tj", "c"),
    ("sj", "sy"),
    ("ch", "kh"),
)

# Phonetic merges on a normalised name, in the order applied.
PHONETIC: tuple[tuple[str, str], ...] = (
    ("kh", "h"),
    ("sh", "s"),
    ("sy", "s"),
    ("dh", "d"),
    ("th", "t"),
    ("ph", "f"),
    ("dz", "z"),
    ("ts", "s"),
    ("q", "k"),
    ("v", "f"),
    ("x", "ks"),
    (r"y\b", "i"),  # final y is a vowel: Rizky = Rizki
    ("y", "j"),  # old spelling j = y: Jusuf = Yusuf, Surjani = Suryani
)
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _words(options: str) -> str:
    return rf"\b({options})\b"


def _squash(text: StringValue) -> StringValue:
    return text.re_replace(r"\s+", " ").strip()


def cleaned(raw: StringValue) -> StringValue:
    """Return lower-case letters and single spaces: degrees, punctuation and digits removed."""
    text = raw.lower()
    text = text.re_replace(r",.*$", "")  # "Budi, S.Pd" - what follows a comma is a degree
    text = text.re_replace(r"['`’‘]", "")  # Ma'ruf = Maruf
    text = _squash(text.re_replace(r"[^a-z]", " "))
    return text.re_replace(_DEGREES, "")


def without_titles(text: StringValue) -> StringValue:
    """Return ``text`` without honorifics and titles before the name (H., Hj., Drs., Bpk, Ny.)."""
    return text.re_replace(rf"^(({'|'.join(TITLES)})(\s+|$))+", "")


def given_part(text: StringValue) -> StringValue:
    """Return the part before ``bin``/``binti`` (the person's own name)."""
    return text.re_replace(rf"\s({'|'.join(PATRONYMIC)})\s.*$", "")


def father_part(text: StringValue) -> StringValue:
    """Return the father's name written after ``bin``/``binti``, or null."""
    return text.re_extract(rf"\s({'|'.join(PATRONYMIC)})\s(.+)$", 2).nullif("")


def modern_spelling(text: StringValue) -> StringValue:
    """Return ``text`` in EYD spelling with the common variants of Arabic names unified."""
    for old, new in OLD_SPELLING:
        text = text.replace(old, new)
    for initial, name in LEADING_INITIALS:
        text = text.re_replace(rf"^{initial}\s", f"{name} ")
    for canonical, options in VARIANTS:
        text = text.re_replace(_words(options), canonical)
    return text


def with_names(table: Table, raw: str) -> Table:
    """Return ``table`` with the name columns computed from the text column ``raw``.

    Adds ``name_std`` (own name normalised), ``father_std`` (after ``bin``/``binti``, or null),
    ``name_sorted``, ``name_tokens``, ``name_key`` (:func:`phonetic_key`) and ``first_key``.
    Each step is its own projection so that the engine sees every intermediate once.

    Examples: ``Hj. SITI AMINAH, S.Pd`` -> ``siti aminah``; ``Moch. Djoko Soesilo bin Karto``
    -> ``muhammad joko susilo`` with father ``karto``; ``SUKARNO SUKARNO`` (a mononym written
    twice) -> ``sukarno``.
    """
    step = table.mutate(_name_clean=without_titles(cleaned(table[raw].cast("string"))))
    step = step.mutate(
        _name_own=modern_spelling(given_part(step._name_clean)),
        father_std=modern_spelling(father_part(step._name_clean)),
    )
    parts = step._name_own.split(" ")
    doubled = (parts.length() == 2) & (parts[0] == parts[1])
    step = step.mutate(name_std=ibis.ifelse(doubled, parts[0], step._name_own).nullif(""))
    step = step.mutate(_name_sound=sounds(step.name_std))
    step = step.mutate(
        name_sorted=sorted_tokens(step.name_std),
        name_tokens=tokens(step.name_std),
        name_key=sorted_tokens(step._name_sound),
        first_key=step._name_sound.split(" ")[0],
    )
    return step.drop("_name_clean", "_name_own", "_name_sound")


def sorted_tokens(name: StringValue) -> StringValue:
    """Return the name's tokens in alphabetical order (token order does not identify)."""
    return name.split(" ").sort().join(" ")


def tokens(name: StringValue) -> ArrayValue:
    """Return the name's tokens as an array (for token-set agreement)."""
    return name.split(" ")


def phonetic_key(name: StringValue) -> StringValue:
    """Return a phonetic key for Indonesian names: :func:`sounds` with its tokens sorted."""
    return sorted_tokens(sounds(name))


def sounds(name: StringValue) -> StringValue:
    """Return the name with each token replaced by its phonetic code (token order kept).

    The rpkd key (no published Indonesian encoder suits registry names, so this one is
    documented here): on the normalised name, merge ``kh``/``h``, ``sy``/``sh``/``s``,
    ``dh``/``d``, ``th``/``t``, ``ph``/``f``, ``dz``/``z``, ``q``/``k``, ``v``/``f``; a final
    ``y`` is ``i`` and any other ``y`` is ``j`` (old spelling); drop ``h`` after a vowel at the end
    of a token (Fatimah = Fatima); fold vowels into three classes (``e`` -> ``i``, ``o`` -> ``u``,
    so Zaenal = Zainal, Sutrisno keeps ``u``); write doubled letters once (Sitti = Siti).

    Examples: ``fatimah`` and ``fatima`` both give ``fatima``; ``rizky`` and ``rezki`` both give
    ``rizki``; ``yusuf`` and ``jusuf`` both give ``jusuf``; ``zaenal`` gives ``zainal``.
    """
    key = name
    for pattern, replacement in PHONETIC:
        key = key.re_replace(pattern, replacement)
    # A final h after a vowel is silent (no back-references: one pattern per vowel).
    for vowel in "aiueo":
        key = key.re_replace(rf"{vowel}h\b", vowel)
    key = key.translate("eo", "iu")
    for letter in _LETTERS:
        key = key.re_replace(f"{letter}{letter}+", letter)
    return key
