"""Comment scrubbing (dagster_project/text_scrub.py): a comment that names a worker in
HRIS, in any case, Unicode form, apostrophe kind, possessive or hyphen part, between any
separators, is found; email addresses and phone numbers anywhere in a comment are
removed. program_comments joins fold_words' words to name_keys' keys: a comment names
someone when the two share a word."""

from __future__ import annotations

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dagster_project.text_scrub import APOSTROPHES, HYPHENS, REMOVED, fold_words, name_keys, scrub_contacts

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None)


def names_someone(comment: str, legal_name: str) -> bool:
    return bool(set(fold_words(comment).split()) & set(name_keys(legal_name).split()))


# --- Names and the ways a comment writes them ----------------------------------------

LETTERS = "abcdefghijklmnopqrstuvwxyzéèüöñçåøí"
# Words that are no name generated below (names have a capital and letters only).
FILLER = ["the", "session", "was", "great", "thanks", "to", "for", "helping", "me", "really", "9/10"]
SEPARATORS = [
    " ", "\t", "\n", "\r\n", "  ", ", ", ". ", "; ", ": ", "! ", "? ", " (", ") ", '"', " “", "” ", "/", " – ",
    " — ", "\u00a0", "\u2003", "...", " [", "] ", "*", "_", "\t\t", " -- ",
]


@st.composite
def simple_names(draw) -> str:
    return draw(st.text(LETTERS, min_size=2, max_size=9)).capitalize()


@st.composite
def names(draw) -> str:
    """A first or last name: plain, with an apostrophe (O'Brien, D'Souza), or hyphenated
    (Smith-Jones, Anne-Marie)."""
    shape = draw(st.sampled_from(["plain", "apostrophe", "hyphen"]))
    if shape == "plain":
        return draw(simple_names())
    if shape == "apostrophe":
        return draw(st.sampled_from(["O", "D", "L", "Ma", "N"])) + draw(st.sampled_from(APOSTROPHES)) + draw(simple_names())
    return draw(simple_names()) + draw(st.sampled_from(HYPHENS)) + draw(simple_names())


def fullwidth(text: str) -> str:
    """ASCII letters as their fullwidth compatibility forms (NFKC maps them back)."""
    return "".join(chr(ord(c) - 0x21 + 0xFF01) if "!" <= c <= "~" and c.isalpha() else c for c in text)


@st.composite
def written(draw, name: str) -> str:
    """How a comment may write `name`: in any case, in fullwidth letters, with another
    apostrophe or hyphen, possessive, or (a hyphenated name) by one of its parts."""
    for mark, kinds in ((APOSTROPHES, APOSTROPHES), (HYPHENS, HYPHENS)):
        name = "".join(draw(st.sampled_from(kinds)) if c in mark else c for c in name)
    hyphen_parts = [p for p in "".join("-" if c in HYPHENS else c for c in name).split("-") if len(p) >= 2]
    if len(hyphen_parts) > 1 and draw(st.booleans()):
        name = draw(st.sampled_from(hyphen_parts))
    case = draw(st.sampled_from(["as is", "lower", "upper", "title", "swap", "random"]))
    if case == "lower":
        name = name.lower()
    elif case == "upper":
        name = name.upper()
    elif case == "title":
        name = name.title()
    elif case == "swap":
        name = name.swapcase()
    elif case == "random":
        name = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in name)
    if draw(st.booleans()):
        name = fullwidth(name)
    possessive = draw(st.sampled_from(["", "s", "'"]))
    if possessive:
        name += draw(st.sampled_from(APOSTROPHES)) + ("s" if possessive == "s" else "")
    return name


@st.composite
def comments_naming(draw) -> tuple[str, str]:
    """(comment, legal name): a comment that names the worker by first or last name."""
    first, last = draw(names()), draw(names())
    legal_name = f"{first} {last}"
    mention = draw(written(draw(st.sampled_from([first, last]))))
    before = draw(st.lists(st.sampled_from(FILLER), max_size=4))
    after = draw(st.lists(st.sampled_from(FILLER), max_size=4))
    parts = [*before, mention, *after]
    comment = parts[0]
    for part in parts[1:]:
        comment += draw(st.sampled_from(SEPARATORS)) + part
    if draw(st.booleans()):
        comment = draw(st.sampled_from(SEPARATORS)) + comment + draw(st.sampled_from(SEPARATORS))
    return comment, legal_name


@PROPERTY_SETTINGS
@given(comments_naming())
def test_a_comment_naming_a_worker_in_any_form_is_found(case):
    comment, legal_name = case
    assert names_someone(comment, legal_name), (comment, fold_words(comment), name_keys(legal_name))


@pytest.mark.parametrize(
    ("comment", "legal_name"),
    [
        ("thanks priya for the help", "Priya Wang"),
        ("WANG WAS GREAT", "Priya Wang"),
        ("Rebecca’s examples were clear", "Rebecca Thompson"),
        ("Good pace.\tThompson explained well", "Rebecca Thompson"),
        ("Good.\nSato knows it all", "Paul Sato"),
        ("Ask O'Brien about the labs", "Liam O'Brien"),
        ("O’Brien's labs", "Liam O'Brien"),
        ("OBrien's labs", "Liam O’Brien"),
        ("O Brien's labs", "Liam O'Brien"),
        ("O´Brien helped", "Liam O'Brien"),
        ("Smith-Jones rocks", "Anne-Marie Smith-Jones"),
        ("jones rocks", "Anne-Marie Smith-Jones"),
        ("Anne Marie rocks", "Anne-Marie Smith-Jones"),
        ("Ｔｈｏｍｐｓｏｎ rocks", "Rebecca Thompson"),
        ("'Rebecca' said so", "Rebecca Thompson"),
        ("Re\u00adbecca and Re\u200bbecca", "Rebecca Thompson"),  # soft hyphen, zero-width space
        ("thanks Jose", "José Núñez"),
        ("thanks NÚÑEZ", "José Núñez"),
        ("Ask Smith", "John Smith Jr."),
        ("ask rebecca_t", "Rebecca Thompson"),
        ("rebecca.thompson@acme.example", "Rebecca Thompson"),
    ],
)
def test_names_the_worker(comment, legal_name):
    assert names_someone(comment, legal_name)


@pytest.mark.parametrize(
    ("comment", "legal_name"),
    [
        ("Paulina style exercises were fun", "Paul Sato"),  # contains a name, is not one
        ("don't miss the labs", "Don Rivera"),  # a contraction, not a possessive
        ("Brienne was great", "Liam O'Brien"),
        ("an X-ray of the process", "X Ng"),  # one-letter names are never matched
    ],
)
def test_does_not_name_the_worker(comment, legal_name):
    assert not names_someone(comment, legal_name)


def test_fold_words_and_name_keys():
    assert fold_words("Rebecca’s  GREAT\tsession!") == "rebecca's rebecca great session"
    assert fold_words("O’Brien-Smith") == "o'brien-smith o'brien smith"
    assert fold_words("") == ""
    assert fold_words(None) is None
    assert name_keys("Liam O’Brien") == "liam o'brien obrien brien"
    assert name_keys("Anne-Marie Smith-Jones") == "anne-marie anne marie smith-jones smith jones"
    assert name_keys(None) is None


# --- Email addresses and phone numbers -------------------------------------------------

@pytest.mark.parametrize(
    ("comment", "scrubbed"),
    [
        ("Ask jane.doe@acme.example for slides, she knows", "Ask [removed] for slides, she knows"),
        ("Call +44 20 7946 0958 for the slides, thanks", "Call [removed] for the slides, thanks"),
        ("Mail me (j_doe+training@mail.acme.co.uk).", "Mail me ([removed])."),
        ("ring (020) 7946-0958 or 555.123.4567!", "ring [removed] or [removed]!"),
        ("(ring 555 123 4567)", "(ring [removed])"),
        ("(5551234567)", "([removed])"),
        ("ping @rebecca_t on chat", "ping [removed] on chat"),
        ("jane (at) acme.example or jane [at] acme.example", "[removed] or [removed]"),
        ("fullwidth ｊａｎｅ＠ａｃｍｅ．ｅｘａｍｐｌｅ", "fullwidth [removed]"),
        ("meh @@ or me@, then @!", "meh [removed] or [removed] then [removed]"),
        ("10/10, would do again in 2025", "10/10, would do again in 2025"),
        ("Loved it", "Loved it"),
        (None, None),
    ],
)
def test_scrub_contacts(comment, scrubbed):
    assert scrub_contacts(comment) == scrubbed


ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
WORDS = st.lists(st.sampled_from(["thanks", "see", "slides", "or", "call", "mail", "great", "me"]), max_size=4)


@st.composite
def emails(draw) -> str:
    local = draw(st.lists(st.text(ALNUM, min_size=1, max_size=8), min_size=1, max_size=3))
    labels = draw(st.lists(st.text(ALNUM, min_size=1, max_size=8), min_size=2, max_size=4))
    return draw(st.sampled_from([".", "_", "+", "-"])).join(local) + "@" + ".".join(labels)


@st.composite
def phones(draw) -> str:
    groups = draw(st.lists(st.text("0123456789", min_size=2, max_size=4), min_size=2, max_size=5))
    digits = sum(map(len, groups))
    if digits < 7:
        groups.append("0" * (7 - digits))
    separator = draw(st.sampled_from([" ", "-", ".", " - ", "/"]))
    prefix = draw(st.sampled_from(["", "+", "+44 ", "+1 (555) ", "(0", "00"]))
    if prefix == "(0":
        return f"(0{groups[0]}) " + separator.join(groups[1:])
    return prefix + separator.join(groups)


@PROPERTY_SETTINGS
@given(WORDS, st.one_of(emails(), phones()), st.sampled_from([" ", "\t", "\n", ", "]), WORDS)
def test_contacts_anywhere_in_a_comment_are_removed_and_the_rest_kept(before, contact, separator, after):
    text_before = " ".join(before)
    text_after = " ".join(after)
    comment = f"{text_before}{separator}{contact}{separator}{text_after}"
    assert scrub_contacts(comment) == f"{text_before}{separator}{REMOVED}{separator}{text_after}"


@PROPERTY_SETTINGS
@given(st.text(st.sampled_from("ab1 @＠﹫.-_\t\n(at)[]+")))
def test_no_at_sign_is_left(text):
    # program_comments' expectation: no published comment holds an at sign.
    assert not {"@", "＠", "﹫"} & set(scrub_contacts(text))


# --- The DuckDB functions the dbt plugin registers ----------------------------------------

def test_the_dbt_plugin_registers_the_functions_on_duckdb():
    from dagster_project.dbt_plugins.text_scrub import Plugin

    conn = duckdb.connect()
    Plugin("text_scrub", {}).configure_connection(conn)
    got = conn.execute(
        "select impact_fold_words(t), impact_name_keys(t), impact_scrub_contacts(t) "
        "from (values ('O’Brien a@b.example'), (null)) as c(t) order by t nulls last"
    ).fetchall()
    assert got == [
        ("o'brien a b example", "o'brien obrien brien example", "O’Brien [removed]"),
        (None, None, None),
    ]
