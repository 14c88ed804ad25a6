"""Scrubbing of free-text survey comments before any is published (program_comments).

Pure Python (the standard library only), so that the same functions run as DuckDB
functions (the dbt-duckdb plugin dagster_project.dbt_plugins.text_scrub) and as Spark
pandas UDFs (dagster_project.dbt_plugins.spark_dbt), and so that Spark's Python workers
need not import the project (the module is pickled by value).

- `fold_words(text)`: the words of a text, folded for matching, as one string of
  distinct words joined by single spaces. The model splits it into rows and equi-joins
  them to `name_keys` of every worker in HRIS: a comment with a word in common with a
  worker's name names that worker and is left out.
- `name_keys(legal_name)`: the folded forms of a legal name's first and last name (and
  their parts), the same way.
- `scrub_contacts(text)`: the text with each email address (or @-handle, or anything
  else holding an at sign) and each phone number replaced by "[removed]".

Folding: apostrophes of every kind become ', hyphens of every kind -, invisible format
characters (soft hyphen, zero-width space and joiners, bidi controls) are dropped, then
NFKC and case folding (so fullwidth letters, ligatures, upper and lower case are one).
A word is a run of letters, digits, combining marks, apostrophes and hyphens; anything
else (spaces, tabs, line breaks, punctuation, quotes, dashes, underscores) separates
words. A word is emitted as written (without apostrophes or hyphens at its edges) and
also: without a possessive or contraction ending ('s, 'll, 'd: "o'brien's" -> "o'brien"),
each of its hyphen parts ("smith-jones" -> "smith", "jones"), and without Latin
diacritics ("josé" -> "jose"). A name also matches without its apostrophes ("obrien")
and by its apostrophe parts of two or more letters ("o brien" names O'Brien): leaving
a comment out is the safe error.

The results depend only on these functions: a change here that changes what is found or
removed must also change the SQL that calls them (dbt/macros/text_scrub.sql), so that
the run's code fingerprint (the dbt manifest) sees it.
"""

from __future__ import annotations

import re
import sys
import unicodedata

# Apostrophes and the characters written for them: ' ’ ‘ ‛ ʼ ʻ ʽ ʹ ˈ ˊ ˋ ′ ‵ ` ´ ＇ ｀ ꞌ ׳ ᾽ ᾿.
# Mapped before NFKC too, which turns ´ and ᾽ into a space and a combining mark.
APOSTROPHES = "'\u2019\u2018\u201b\u02bc\u02bb\u02bd\u02b9\u02c8\u02ca\u02cb\u2032\u2035`\u00b4\uff07\uff40\ua78c\u05f3\u1fbd\u1fbf"
# Hyphens (not dashes, which separate words): - ‐ ‑ ‒ − ﹣ －.
HYPHENS = "-\u2010\u2011\u2012\u2212\ufe63\uff0d"
# Endings of a word that still name the person before them: Rebecca's, O'Brien'll, Priya'd.
_ENDINGS = ("'s", "'ll", "'d")
# Suffixes after a last name: the word before them is a last name too.
_NAME_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "v"})
REMOVED = "[removed]"


def _ranges(codepoints: list[int]) -> str:
    """A regex character-class body for the given (sorted) code points, as ranges."""
    parts = []
    start = prev = codepoints[0]
    for cp in [*codepoints[1:], -1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(re.escape(chr(start)) if start == prev else f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
        start = prev = cp
    return "".join(parts)


def _unicode_tables() -> tuple[str, dict[int, None]]:
    marks, formats = [], []
    for cp in range(sys.maxunicode + 1):
        category = unicodedata.category(chr(cp))
        if category[0] == "M":
            marks.append(cp)
        elif category == "Cf":
            formats.append(cp)
    return _ranges(marks), dict.fromkeys(formats)


_MARKS, _DROP = _unicode_tables()
_TRANSLATE: dict[int, int | str | None] = {
    **_DROP,
    **{ord(c): "'" for c in APOSTROPHES},
    **{ord(c): "-" for c in HYPHENS},
}
# Letters and digits (\w without _), combining marks, ' and -.
_WORD = re.compile(rf"(?:[^\W_]|[{_MARKS}'\-])+")
_LATIN_DIACRITICS = re.compile("[\u0300-\u036f]")


def fold(text: str) -> str:
    """NFKC and case folding, apostrophes to ', hyphens to -, format characters dropped."""
    text = text.translate(_TRANSLATE)
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    return text.translate(_TRANSLATE)


def _tokens(folded: str) -> list[str]:
    """The words of a folded text, without apostrophes or hyphens at their edges."""
    return [w for w in (m.group().strip("'-") for m in _WORD.finditer(folded)) if w]


def _without_diacritics(word: str) -> str:
    return unicodedata.normalize("NFC", _LATIN_DIACRITICS.sub("", unicodedata.normalize("NFD", word)))


def _variants(word: str, out: dict[str, None]) -> None:
    word = word.strip("'-")
    if not word or word in out:
        return
    out[word] = None
    plain = _without_diacritics(word)
    if plain != word:
        _variants(plain, out)
    for ending in _ENDINGS:
        if word.endswith(ending) and len(word) > len(ending):
            _variants(word[: -len(ending)], out)
    if "-" in word:
        for part in word.split("-"):
            _variants(part, out)


def fold_words(text: str | None) -> str | None:
    """The distinct words of `text` and their variants, folded, joined by single spaces."""
    if text is None:
        return None
    out: dict[str, None] = {}
    for token in _tokens(fold(text)):
        _variants(token, out)
    return " ".join(out)


def name_keys(legal_name: str | None) -> str | None:
    """The folded keys a comment's words are matched against for one legal name: its
    first and last name (and the word before a Jr, Sr, II... suffix), each whole, without
    apostrophes, by hyphen and apostrophe parts, without diacritics; two characters at
    least. Joined by single spaces."""
    if legal_name is None:
        return None
    words = _tokens(fold(legal_name))
    names = words[:1] + words[-1:]
    # After a suffix, the word before it too (the suffix stays: "Iv" may be a name).
    while len(words) > 1 and words[-1] in _NAME_SUFFIXES:
        words.pop()
        names.append(words[-1])
    keys: dict[str, None] = {}
    for name in dict.fromkeys(names):
        variants: dict[str, None] = {}
        _variants(name, variants)
        for variant in list(variants):
            _variants(variant.replace("'", ""), variants)
            for part in re.split(r"['\-]", variant):
                _variants(part, variants)
        keys.update((v, None) for v in variants if len(v) >= 2)
    return " ".join(keys)


# An email address or an @-handle: a local part (possibly empty), an at sign (also
# fullwidth, small, " @ ", "(at)" or "[at]"), a domain or handle.
_EMAIL = re.compile(
    r"[\w.\uff0e!#$%&'*+/=?^`{|}~-]*"
    r"(?:[@\uff20\ufe6b]|[ \t][@\uff20\ufe6b][ \t]|[ \t]?[\[(]at[\])][ \t]?)"
    r"\w[\w-]*(?:[.\uff0e\u3002\uff61][\w-]+)*",
    re.IGNORECASE,
)
_AT_HINT = re.compile(r"[@\uff20\ufe6b]|[\[(]at[\])]", re.IGNORECASE)
# Whatever at sign is left (a stray "@", "me@", "@@"): the run of text holding it, so
# that no published comment holds an at sign (the program_comments expectation).
_AT_LEFT = re.compile(r"\S*[@\uff20\ufe6b]\S*")
# A phone number: seven digits or more (any script's), in groups separated by up to
# three spaces, dots, hyphens, slashes or brackets, optionally after + or (.
_PHONE_SEPARATOR = r"[ \t\u00a0\u2007\u202f.\-\u2010\u2011\u2012\u2013/()]"
_PHONE = re.compile(rf"(?<!\d)(?:\+|\(\+?)?\d(?:{_PHONE_SEPARATOR}{{0,3}}\d){{6,}}(?!\d)")


def scrub_contacts(text: str | None) -> str | None:
    """`text` with every email address, @-handle and phone number replaced by [removed]
    (and any other text holding an at sign: no at sign is left)."""
    if text is None:
        return None
    if _AT_HINT.search(text):
        text = _AT_LEFT.sub(REMOVED, _EMAIL.sub(REMOVED, text))
    return _PHONE.sub(_phone_removed, text)


def _phone_removed(match: re.Match[str]) -> str:
    # An opening bracket without its closing one in the number is the text's: kept.
    return "(" + REMOVED if match.group().startswith("(") and ")" not in match.group() else REMOVED


# Words that carry no theme of a search ("how do I reset my vpn token" is about "reset
# vpn token"): English function words and the question words people type.
STOP_WORDS = frozenset({
    "a", "about", "after", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been",
    "before", "being", "but", "by", "can", "cannot", "could", "did", "do", "does", "doing",
    "don't", "for", "from", "get", "got", "had", "has", "have", "having", "how", "i", "i'm", "if",
    "in", "into", "is", "it", "it's", "its", "me", "my", "no", "not", "of", "on", "or", "our",
    "please", "should", "so", "than", "that", "the", "their", "them", "then", "there", "these",
    "they", "this", "to", "too", "up", "us", "was", "we", "were", "what", "when", "where", "which",
    "who", "why", "will", "with", "would", "you", "your",
})


def query_themes(text: str | None) -> str | None:
    """The themes of a search query, joined by single spaces: each pair of neighbouring
    content words (folded as for comments, stop words, words with a digit and one-letter
    words dropped) as "first_second", or the one content word of a query that has only
    one. Email addresses, handles and phone numbers are removed first. None when nothing
    is left."""
    if text is None:
        return None
    words = [
        w for w in _tokens(fold(scrub_contacts(text).replace(REMOVED, " ")))
        if w not in STOP_WORDS and len(w) > 1 and not any(c.isdigit() for c in w)
    ]
    if len(words) == 1:
        return words[0]
    themes = dict.fromkeys(f"{first}_{second}" for first, second in zip(words, words[1:]))
    return " ".join(themes) or None
