"""The enterprise search log (search/queries): what people typed, what they found.

Everybody in HRIS searches while employed (support agents most, SEARCHES_PER_WEEK),
from PERIOD_START on, for themes of their work (IT, HR, service desk, sales,
engineering), each typed several ways: phrasings, then case and punctuation.

Planted for the pipeline to find: knowledge gaps (SEARCH_GAPS), themes many people
search for over many weeks that never return a result, or never get a click; and one
zero-result theme only SEARCH_RARE_SEARCHERS people search for (SEARCH_RARE_GAP), too
few to publish. A gap's phrasings differ only by SEARCH_STOP_WORDS, case and
punctuation. The mess: query_text with an email address, a phone number or a
colleague's name in it (personal data to scrub), user.email in mixed case, and a few
queries delivered again in the next month's file (same query_id).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import numpy as np

from .common import (
    NP_PERIOD_END_TS,
    mixed_case,
    np_iso_ts,
    np_month_index,
    np_work_times,
    workdays,
)
from .constants import (
    AID_ARTICLES,
    KB_BACKGROUND_ARTICLES,
    PERIOD_END,
    PERIOD_START,
    SEARCH_CLICK_RATE,
    SEARCH_DUPLICATE_SHARE,
    SEARCH_EMAIL_MIXED_CASE_SHARE,
    SEARCH_GAPS,
    SEARCH_LATE_CLICK_SHARE,
    SEARCH_PII_SHARE,
    SEARCH_RARE_GAP,
    SEARCH_RARE_SEARCHERS,
    SEARCH_STOP_WORDS,
    SEARCHES_PER_WEEK,
)
from .contracts import csv_columns
from .people import Worker

INTRANET = "https://intranet.example.com"
SUPPORT = "Customer Support"


@dataclass(frozen=True)
class Theme:
    key: str  # what it is about, in its plainest words
    phrasings: tuple[str, ...]
    audience: str  # "all" or a job family
    weight: float  # relative, within the audience
    target: str  # the result people click: a KB number or an intranet URL
    gap: str = ""  # "", "no_results" or "no_click"


def _kb(n: int) -> str:
    return f"KB{30000 + n:07d}"


def _gap_phrasings(key: str) -> tuple[str, ...]:
    """A gap typed with stop words around it: the same theme to any normaliser."""
    return (key, f"what is the {key}", f"where is the {key}", f"is there a {key}")


THEMES = (
    # IT, everybody
    Theme("reset vpn token", ("reset vpn token", "how do I reset my vpn token", "vpn token reset"), "all", 3, _kb(1)),
    Theme("vpn not connecting", ("vpn not connecting", "vpn keeps disconnecting", "cannot connect to vpn"), "all", 3, _kb(2)),
    Theme("password reset", ("password reset", "reset my password", "forgot password"), "all", 4, _kb(3)),
    Theme("mfa new phone", ("mfa new phone", "move authenticator to new phone", "mfa setup"), "all", 2, _kb(4)),
    Theme(
        "printer driver install",
        ("printer driver install", "install printer driver", "how to add a network printer"),
        "all",
        2,
        _kb(5),
    ),
    Theme("printer paper jam", ("printer paper jam", "printer jammed", "printer offline"), "all", 1.5, _kb(6)),
    Theme("outlook shared mailbox", ("outlook shared mailbox", "add shared mailbox in outlook"), "all", 1.5, _kb(7)),
    Theme(
        "teams audio not working", ("teams audio not working", "no sound in teams call", "teams microphone"), "all", 1.5, _kb(8)
    ),
    Theme("laptop running slow", ("laptop running slow", "laptop slow", "laptop fan noise"), "all", 1, _kb(9)),
    Theme(
        "software install request",
        ("software install request", "request new software", "install visio"),
        "all",
        1.5,
        f"{INTRANET}/it/software-request",
    ),
    Theme("guest wifi access", ("guest wifi", "wifi password for visitors"), "all", 1, _kb(10)),
    Theme("docking station monitor", ("docking station monitor", "second monitor not detected"), "all", 1, _kb(11)),
    # HR, everybody
    Theme(
        "expense policy travel",
        ("expense policy travel", "travel expense policy", "how do I claim travel expenses"),
        "all",
        2.5,
        f"{INTRANET}/policies/travel-expenses",
    ),
    Theme("holiday calendar", ("holiday calendar", "public holidays 2025", "bank holidays"), "all", 2, f"{INTRANET}/hr/holidays"),
    Theme(
        "payslip download", ("payslip download", "where is my payslip", "download payslip"), "all", 2, f"{INTRANET}/hr/payslips"
    ),
    Theme(
        "benefits enrollment",
        ("benefits enrollment", "health insurance enrollment", "dental plan"),
        "all",
        1.5,
        f"{INTRANET}/hr/benefits",
    ),
    Theme(
        "performance review form",
        ("performance review form", "self assessment template"),
        "all",
        1,
        f"{INTRANET}/hr/performance-review",
    ),
    Theme(
        "training budget request",
        ("training budget request", "how do I request a course"),
        "all",
        1,
        f"{INTRANET}/learning/budget",
    ),
    Theme(
        "remote work policy",
        ("remote work policy", "work from home policy", "wfh rules"),
        "all",
        1.5,
        f"{INTRANET}/policies/remote-work",
    ),
    # Service desk
    Theme(
        "ticket escalation matrix",
        ("ticket escalation matrix", "when to escalate to L2", "escalation contacts"),
        SUPPORT,
        3,
        _kb(12),
    ),
    Theme("sla priority definitions", ("sla priority definitions", "p1 vs p2", "sla response times"), SUPPORT, 3, _kb(13)),
    Theme("customer refund process", ("customer refund process", "how to issue a refund", "refund steps"), SUPPORT, 2, _kb(14)),
    Theme("account unlock procedure", ("account unlock procedure", "unlock customer account"), SUPPORT, 2.5, _kb(15)),
    Theme("billing dispute steps", ("billing dispute steps", "customer disputes invoice"), SUPPORT, 2, _kb(16)),
    Theme("merge duplicate tickets", ("merge duplicate tickets", "how do I merge two tickets"), SUPPORT, 1.5, _kb(17)),
    Theme("customer data deletion request", ("customer data deletion request", "gdpr deletion request"), SUPPORT, 1, _kb(18)),
    Theme("knowledge article template", ("knowledge article template", "how to write a kb article"), SUPPORT, 1, _kb(19)),
    # Sales
    Theme("crm opportunity stages", ("crm opportunity stages", "opportunity stage definitions"), "Sales", 2, _kb(21)),
    Theme(
        "discount approval process",
        ("discount approval process", "who approves discounts"),
        "Sales",
        2,
        f"{INTRANET}/sales/discounts",
    ),
    Theme("price list", ("price list", "price list 2025", "latest pricing"), "Sales", 3, f"{INTRANET}/sales/price-list"),
    Theme(
        "commission plan",
        ("commission plan", "commission statement", "quota attainment"),
        "Sales",
        1.5,
        f"{INTRANET}/sales/commission",
    ),
    # Engineering
    Theme(
        "deploy to staging",
        ("deploy to staging", "staging deployment", "how do I deploy"),
        "Engineering",
        3,
        f"{INTRANET}/eng/deploy",
    ),
    Theme("on call rota", ("on call rota", "who is on call", "pagerduty schedule"), "Engineering", 2, f"{INTRANET}/eng/on-call"),
    Theme("github access request", ("github access request", "add me to github org"), "Engineering", 1.5, _kb(22)),
    # Knowledge gaps: searched by many, over many weeks, never found.
    Theme("parental leave policy", _gap_phrasings("parental leave policy"), "all", 0.6, "", "no_results"),
    Theme("refund approval limit", _gap_phrasings("refund approval limit"), SUPPORT, 1.0, "", "no_click"),
    Theme("salesforce quote template", _gap_phrasings("salesforce quote template"), "Sales", 1.5, "", "no_results"),
    Theme("linux vpn client", _gap_phrasings("linux vpn client"), "Engineering", 1.5, "", "no_click"),
)
RARE = Theme(SEARCH_RARE_GAP, (SEARCH_RARE_GAP, f"what is the {SEARCH_RARE_GAP}"), "all", 0, "", "no_results")
ALL_THEMES = (*THEMES, RARE)
assert {t.key: t.gap for t in THEMES if t.gap} == SEARCH_GAPS
PRINTER_THEMES = {"printer driver install", "printer paper jam"}

# Case and punctuation as people type: as is, Capitalised, a question mark, Title Case,
# SHOUTED, a trailing space.
STYLE_P = np.array([0.45, 0.20, 0.15, 0.10, 0.03, 0.07])
PII_KINDS = tuple(SEARCH_PII_SHARE)  # email, phone, name
SOURCES = np.array(["intranet", "servicedesk_portal", "chat"])
SOURCE_P = {True: (0.35, 0.50, 0.15), False: (0.70, 0.10, 0.20)}  # agent or not


def _styled(text: str, style: int) -> str:
    return (text, text[:1].upper() + text[1:], text + "?", text.title(), text.upper(), text + " ")[style]


def normalised(text: str) -> str:
    """A query as a normaliser reads it: lower case, no punctuation, no stop words."""
    words = "".join(c if c.isalnum() or c.isspace() else " " for c in text.lower()).split()
    return " ".join(w for w in words if w not in SEARCH_STOP_WORDS)


# Every text a query can have (theme x phrasing x style); a query holds its position.
TEXTS = np.array([_styled(p, s) for t in ALL_THEMES for p in t.phrasings for s in range(len(STYLE_P))])
_TEXT_START = np.cumsum([0] + [len(t.phrasings) * len(STYLE_P) for t in ALL_THEMES])
_N_PHRASINGS = np.array([len(t.phrasings) for t in ALL_THEMES])
_GAP_KIND = np.array([t.gap for t in ALL_THEMES])
_TARGETS = [t.target for t in ALL_THEMES]
_BACKGROUND = [_kb(n) for n in range(1, KB_BACKGROUND_ARTICLES + 1)]
PRINTER_GUIDE = AID_ARTICLES["PRG-KBN"][0]
# Clicked results: each theme's own target, then the background articles, then the guide.
RESULTS = np.array(["", *_TARGETS, *_BACKGROUND, PRINTER_GUIDE])
_NO_CLICK, _FIRST_BACKGROUND, _GUIDE = 0, 1 + len(ALL_THEMES), len(RESULTS) - 1


def _theme_p(family: str) -> np.ndarray:
    w = np.array([t.weight if t.audience in ("all", family) else 0.0 for t in ALL_THEMES])
    return w / w.sum()


def build_searches(rng: np.random.Generator, workers: list[Worker]) -> dict:
    """Every search with its final values, one array per field (person: position in workers)."""
    person, at = _search_times(rng, workers)
    families = sorted({w.family for w in workers})
    family = np.array([families.index(w.family) for w in workers], np.int8)[person]
    theme = np.zeros(len(person), np.int16)
    for f, name in enumerate(families):  # each family searches for its own themes
        rows = np.flatnonzero(family == f)
        theme[rows] = rng.choice(len(ALL_THEMES), len(rows), p=_theme_p(name))
    rare_person, rare_at = _rare_searchers(rng, workers)
    person = np.concatenate([person, rare_person])
    at = np.concatenate([at, rare_at])
    theme = np.concatenate([theme, np.full(len(rare_person), len(ALL_THEMES) - 1, np.int16)])
    order = np.argsort(at, kind="stable")
    person, at, theme = person[order], at[order], theme[order]
    n = len(person)
    agent = np.array([w.family == SUPPORT and w.role == "ic" for w in workers])[person]

    s = {"person": person, "at": at, "theme": theme}
    phrasing = (rng.random(n) * _N_PHRASINGS[theme]).astype(np.int64)
    s["text"] = _TEXT_START[theme] + phrasing * len(STYLE_P) + rng.choice(len(STYLE_P), n, p=STYLE_P)
    gap = _GAP_KIND[theme]
    s["results"] = np.where(gap == "no_results", 0, np.clip(np.round(rng.lognormal(3.0, 1.0, n)), 1, 200)).astype(np.int16)
    clicked = (gap == "") & (rng.random(n) < SEARCH_CLICK_RATE)
    s["click"] = np.where(clicked, _clicked_result(rng, theme, agent), _NO_CLICK).astype(np.int16)
    late = rng.random(n) < SEARCH_LATE_CLICK_SHARE
    delay = np.where(late, rng.uniform(601, 1800, n), np.clip(rng.lognormal(np.log(40), 0.9, n), 5, 600))
    s["clicked_at"] = at + np.round(delay).astype("timedelta64[s]")
    s["source"] = np.where(agent, rng.choice(3, n, p=SOURCE_P[True]), rng.choice(3, n, p=SOURCE_P[False])).astype(np.int8)
    s["query_id"] = rng.integers(0, 256, (n, 16), dtype=np.uint8)
    s["mixed"] = np.where(rng.random(n) < SEARCH_EMAIL_MIXED_CASE_SHARE, rng.integers(1, 4, n), 0).astype(np.int8)
    s["again"] = (rng.random(n) < SEARCH_DUPLICATE_SHARE) & (at.astype("datetime64[M]") < np.datetime64(PERIOD_END, "M"))
    s["pii"] = _pii_texts(rng, s, workers)
    return s


def _search_times(rng, workers: list[Worker]) -> tuple[np.ndarray, np.ndarray]:
    """Poisson(SEARCHES_PER_WEEK) searches a week while employed, on working days."""
    person, when = [], []
    for k, w in enumerate(workers):
        days = workdays(max(w.hire_date, PERIOD_START), min(w.termination_date or PERIOD_END, PERIOD_END))
        rate = SEARCHES_PER_WEEK[SUPPORT if w.family == SUPPORT and w.role == "ic" else "other"]
        n = rng.poisson(rate * len(days) / 5) if len(days) else 0
        person.append(np.full(n, k))
        when.append(days[rng.integers(0, len(days), n)] if n else days[:0])
    return np.concatenate(person), np_work_times(rng, np.concatenate(when))


def _rare_searchers(rng, workers: list[Worker]) -> tuple[np.ndarray, np.ndarray]:
    """SEARCH_RARE_SEARCHERS people employed over the autumn-to-spring search the rare theme 2-3 times."""
    lo, hi = date(2025, 9, 1), date(2026, 3, 31)
    pool = [k for k, w in enumerate(workers) if w.employed_throughout(lo, hi)]
    chosen = sorted(int(k) for k in rng.choice(pool, SEARCH_RARE_SEARCHERS, replace=False))
    days = workdays(lo, hi)
    person, when = [], []
    for k in chosen:
        n = int(rng.integers(2, 4))
        person.append(np.full(n, k))
        when.append(days[rng.integers(0, len(days), n)])
    return np.concatenate(person), np_work_times(rng, np.concatenate(when))


def _clicked_result(rng, theme: np.ndarray, agent: np.ndarray) -> np.ndarray:
    """The theme's own target most of the time, another article sometimes; people outside
    support find the printer guide on printer searches (agents read it in the KB tool)."""
    n = len(theme)
    other = _FIRST_BACKGROUND + rng.integers(0, KB_BACKGROUND_ARTICLES, n)
    out = np.where(rng.random(n) < 0.8, 1 + theme, other)
    printer = np.isin(theme, [k for k, t in enumerate(ALL_THEMES) if t.key in PRINTER_THEMES])
    return np.where(printer & ~agent & (rng.random(n) < 0.3), _GUIDE, out)


def _pii_texts(rng, s: dict, workers: list[Worker]) -> dict[int, tuple[str, str]]:
    """Row -> (kind, query_text) with personal data in it (an email, a phone number, a colleague's
    name), instead of the theme's text, for SEARCH_PII_SHARE of the ordinary searches."""
    n = len(s["at"])
    ordinary = _GAP_KIND[s["theme"]] == ""
    u = rng.random(n)
    bounds = np.cumsum(list(SEARCH_PII_SHARE.values()))
    kind = np.where(u < bounds[-1], np.searchsorted(bounds, u, side="right") + 1, 0)
    colleague = rng.integers(0, len(workers), n)
    template = rng.integers(0, 3, n)
    digits = rng.integers(0, 10_000, n)
    out = {}
    for i in np.flatnonzero(ordinary & (kind > 0)):
        w, t, d = workers[colleague[i]], int(template[i]), int(digits[i])
        if kind[i] == 1:
            text = (f"reset password for {w.email}", f"{w.email} locked out", f"unlock account {w.email}")[t]
        elif kind[i] == 2:
            phone = (f"+1 512 555 {d:04d}", f"(512) 555-{d:04d}", f"+353 1 555 {d:04d}")[t]
            text = (f"call back {phone}", f"customer {phone} refund", f"voicemail {phone}")[t]
        else:
            text = (f"{w.legal_name} payslip", f"who is {w.legal_name}", f"{w.legal_name} phone number")[t]
        out[int(i)] = (PII_KINDS[kind[i] - 1], text)
    return out


def search_monthly_tables(s: dict, workers: list[Worker], n_months: int) -> Iterator[dict[str, list[str]]]:
    """One table per extract month, by searched_at: each search in its month's file, a
    re-delivered one again (the same row) in the next month's."""
    n = len(s["at"])
    again = np.flatnonzero(s["again"])
    index = np.concatenate([np.arange(n), again])
    month = np.concatenate([np_month_index(s["at"]), np_month_index(s["at"][again]) + 1])
    order = np.lexsort((index, s["at"][index], month))
    index, month = index[order], month[order]
    bounds = np.searchsorted(month, np.arange(n_months + 1))
    emails = np.array([[w.email for w in workers]] + [[mixed_case(w.email, k) for w in workers] for k in range(3)])
    pii_rows = np.array(sorted(s["pii"]), dtype=np.int64)
    columns = csv_columns("search", "queries")
    for m in range(n_months):
        i = index[bounds[m] : bounds[m + 1]]
        text = TEXTS[s["text"][i]].astype(object)
        for pos in np.flatnonzero(np.isin(i, pii_rows)):
            text[pos] = s["pii"][int(i[pos])][1]
        clicked = s["click"][i] != _NO_CLICK
        cols = {
            "query_id": _uuids(s["query_id"][i]),
            "user.email": emails[s["mixed"][i], s["person"][i]],
            "searched_at": np_iso_ts(s["at"][i]),
            "query_text": text,
            "results_count": s["results"][i].astype(str),
            "clicked_result": RESULTS[s["click"][i]],
            "source": SOURCES[s["source"][i]],
            "clicked_at": np.where(clicked, np_iso_ts(np.minimum(s["clicked_at"][i], NP_PERIOD_END_TS)), ""),
        }
        yield {c: list(cols[c]) for c in columns}


def _uuids(raw: np.ndarray) -> np.ndarray:
    """(n, 16) bytes -> n UUID-4-like strings (8-4-4-4-12 lowercase hex digits)."""
    raw = raw.copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    digits = np.frombuffer(b"0123456789abcdef", np.uint8)
    hexes = np.empty((len(raw), 32), np.uint8)
    hexes[:, 0::2], hexes[:, 1::2] = digits[raw >> 4], digits[raw & 15]
    out = np.full((len(raw), 36), ord("-"), np.uint8)
    for a, b, c in ((0, 8, 0), (8, 12, 9), (12, 16, 14), (16, 20, 19), (20, 32, 24)):
        out[:, c : c + b - a] = hexes[:, a:b]
    return out.view("S36").ravel().astype(str)


def search_counts(s: dict, workers: list[Worker]) -> tuple[dict, dict]:
    """(the summary's "knowledge_gaps", its "search"): who searched the planted gaps."""
    email = np.array([w.email for w in workers])
    keys = [t.key for t in ALL_THEMES]

    def theme_stats(key: str) -> dict:
        rows = s["theme"] == keys.index(key)
        weeks = np.unique(s["at"][rows].astype("datetime64[W]"))
        return {
            "kind": ALL_THEMES[keys.index(key)].gap,
            "searchers": int(len(np.unique(email[s["person"][rows]]))),
            "searches": int(rows.sum()),
            "weeks": int(len(weeks)),
        }

    gaps = {"planted": list(SEARCH_GAPS), "rare": SEARCH_RARE_GAP, "stop_words": list(SEARCH_STOP_WORDS)}
    kinds = [kind for kind, _ in s["pii"].values()]
    pii = {k: kinds.count(k) for k in PII_KINDS}
    info = {
        "searches": int(len(s["at"])),
        "duplicate_query_ids": int(s["again"].sum()),
        "pii_queries": pii,
        "gaps": {key: theme_stats(key) for key in (*SEARCH_GAPS, SEARCH_RARE_GAP)},
    }
    return gaps, info
