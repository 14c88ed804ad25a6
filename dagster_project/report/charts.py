"""The report's charts as inline SVG, drawn here: no script, no library, no network.
Each chart is a <figure> with a caption, and opens with its title (the KPI and its unit),
shown above the plot and given to screen readers as the SVG's <title>; every data point
is an SVG element of class `point` (or `bar`) carrying a <title>, so a reader hovering
(or a test) finds the value."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from html import escape

from . import formats as f

TRAINED = "#1f5fa8"
COMPARISON = "#c2571a"
GOOD = "#2e7d32"
BAD = "#b3261e"
NEUTRAL = "#5f6b7a"
GRID = "#d8dde3"


def _n(value: float) -> str:
    return f"{value:.1f}"


# Text widths are estimated, not measured (no script): an average glyph is at most this
# share of the font size wide (bold), which keeps wrapped labels clear of what is beside them.
GLYPH = 0.64
TITLE_SIZE, TITLE_LINE = 13, 17


def _wrap(text: str, width: float, size: int) -> list[str]:
    """The text in lines no wider than `width` (estimated), broken between words."""
    most = max(int(width / (size * GLYPH)), 1)
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= most:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _unit(unit: str | None, change: bool) -> str:
    """A KPI's unit as a title names it: a change of a share is in percentage points, its level in %."""
    if unit == "share" and not change:
        return "%"
    if unit == "score 1-5":
        return "points on the 1–5 scale" if change else "1–5 scale"
    return f.unit_word(unit)


def _titled(name: str, unit: str | None, change: bool = True) -> str:
    words = _unit(unit, change)
    return f"{name} ({words})" if words else name


def _svg(width: int, height: int, body: list[str], label: str, css_class: str, title: str) -> str:
    """The chart: its title on top (wrapped to the chart's width), the body drawn below it."""
    lines = _wrap(title, width - 8, TITLE_SIZE)
    band = TITLE_LINE * len(lines) + 8
    heading = "".join(
        _text(4, TITLE_LINE * (i + 1) - 3, line, size=TITLE_SIZE, css="chart-title", weight="600") for i, line in enumerate(lines)
    )
    return (
        f'<svg class="chart {css_class}" viewBox="0 0 {width} {height + band}" width="100%" role="img" '
        f'aria-label="{escape(title)}: {escape(label)}" xmlns="http://www.w3.org/2000/svg" preserveAspectRatio="xMinYMin meet">'
        f"<title>{escape(title)}</title>{heading}"
        f'<g transform="translate(0 {band})">' + "".join(body) + "</g></svg>"
    )


def _text(x: float, y: float, text: str, anchor: str = "start", size: int = 12, css: str = "", fill: str = "#1d2733",
          weight: str = "normal") -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" text-anchor="{anchor}" font-size="{size}" fill="{fill}" '
        f'font-weight="{weight}"{f" class={chr(34)}{css}{chr(34)}" if css else ""}>{escape(text)}</text>'
    )


def _nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    span = high - low
    if span <= 0:
        return [low]
    raw = span / max(count - 1, 1)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = min((m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw), default=raw)
    start = math.ceil(low / step) * step
    ticks = []
    value = start
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    return ticks


# --------------------------------------------------------------------------- forest plot


@dataclass
class ForestRow:
    label: str
    unit: str | None
    better: str | None  # decrease | increase
    effect: float | None
    low: float | None
    high: float | None
    p_adjusted: float | None
    note: str = ""  # shown instead of the estimate (suppressed, not credible)


def forest_plot(rows: list[ForestRow], caption: str) -> str:
    """One row per KPI, each on its own scale centred on zero (KPIs have different units):
    the 95 % interval as a line, the estimate as a dot, the side where the KPI improves
    shaded, and the figures beside it."""
    width, row_h, left, plot_w = 860, 46, 210, 330
    height = 30 + row_h * len(rows)
    body = [
        _text(left + plot_w / 2, 16, "effect with its 95 % interval (0 = no change)", "middle", 11, fill=NEUTRAL),
    ]
    for i, row in enumerate(rows):
        y = 30 + i * row_h + row_h / 2
        lines = _wrap(row.label, left - 20, 13)[:3]
        for j, line in enumerate(lines):
            body.append(_text(8, y + 4 + 15 * (j - (len(lines) - 1) / 2), line, size=13, weight="600"))
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{_n(y)}" y2="{_n(y)}" stroke="{GRID}"/>')
        mid = left + plot_w / 2
        if row.effect is None or row.low is None or row.high is None:
            body.append(f'<line x1="{_n(mid)}" x2="{_n(mid)}" y1="{_n(y - 14)}" y2="{_n(y + 14)}" stroke="{NEUTRAL}"/>')
            body.append(_text(left + plot_w + 14, y + 4, row.note or "not measured", size=12, fill=NEUTRAL))
            continue
        reach = max(abs(row.low), abs(row.high), abs(row.effect)) * 1.15 or 1.0
        scale = (plot_w / 2) / reach

        def x(v: float, mid: float = mid, scale: float = scale) -> float:
            return mid + v * scale

        better_left = row.better == "decrease"
        shade_x = left if better_left else mid
        body.append(
            f'<rect x="{_n(shade_x)}" y="{_n(y - 16)}" width="{_n(plot_w / 2)}" height="32" fill="{GOOD}" '
            f'fill-opacity="0.07"><title>better: {"lower" if better_left else "higher"}</title></rect>'
        )
        body.append(
            _text(shade_x + (4 if better_left else plot_w / 2 - 4), y - 18 + 9, "better",
                  "start" if better_left else "end", 9, fill=GOOD)
        )
        body.append(f'<line x1="{_n(mid)}" x2="{_n(mid)}" y1="{_n(y - 16)}" y2="{_n(y + 16)}" stroke="{NEUTRAL}" stroke-dasharray="3 2"/>')
        colour = NEUTRAL if row.note else (TRAINED if row.low > 0 or row.high < 0 else NEUTRAL)
        body.append(
            f'<line class="interval" x1="{_n(x(row.low))}" x2="{_n(x(row.high))}" y1="{_n(y)}" y2="{_n(y)}" '
            f'stroke="{colour}" stroke-width="3" stroke-linecap="round"/>'
        )
        tip = (f"{row.label}: {f.kpi_change(row.effect, row.unit)}, 95 % interval "
               f"{f.interval(row.low, row.high, row.unit)}; {f.p_value(row.p_adjusted)} (adjusted)")
        body.append(
            f'<circle class="point" cx="{_n(x(row.effect))}" cy="{_n(y)}" r="6" fill="{colour}" '
            f'data-value="{row.effect}"><title>{escape(tip)}</title></circle>'
        )
        body.append(_text(x(-reach), y + 15, f.kpi_number(-reach, row.unit, sign=True), "start", 9, fill=NEUTRAL))
        body.append(_text(x(reach), y + 15, f.kpi_number(reach, row.unit, sign=True), "end", 9, fill=NEUTRAL))
        text = f"{f.kpi_change(row.effect, row.unit)}  [{f.interval(row.low, row.high, row.unit)}]"
        body.append(_text(left + plot_w + 14, y - 2, text, size=12))
        body.append(
            _text(left + plot_w + 14, y + 13, (row.note + "; " if row.note else "") + f"{f.p_value(row.p_adjusted)}, adjusted",
                  size=11, fill=NEUTRAL)
        )
    names = [_titled(row.label, row.unit) for row in rows]
    title = ("Effect on " + names[0]) if len(names) == 1 else ("Effect on each KPI: " + "; ".join(names))
    svg = _svg(width, height, body, "forest plot: " + caption, "forest", title)
    return f'<figure class="figure">{svg}<figcaption>{escape(caption)}</figcaption></figure>'


# --------------------------------------------------------------------------- event study


@dataclass
class Bin:
    relative_bin: int
    period: str
    treated: float | None
    comparison: float | None
    n_treated: int | None
    n_comparison: int | None
    suppressed: bool


PERIOD_FILL = {
    "before pre window": ("#f3f5f7", "earlier"),
    "pre window": ("#e3eefa", "pre window (baseline)"),
    "anticipation": ("#fbeee0", "anticipation gap"),
    "post": ("#e6f4ea", "after training"),
}


def event_study_chart(bins: list[Bin], unit: str | None, title: str, min_group_size: int,
                      start: str = "registration", end: str = "completion") -> str:
    """The KPI of the trained group and of its matched comparisons (shifted to the same
    starting level) per 2-week bin, before `start` (registration; negative) and after `end`
    (completion; positive), with the pre window, the anticipation gap and the training marked."""
    width, height, left, right, top, bottom = 860, 318, 64, 20, 34, 64
    shown = [b for b in bins if not b.suppressed and b.treated is not None and b.comparison is not None]
    if not shown:
        return f"<p class=\"muted\">{escape(title)}: no event study, {escape(f.fewer_than(min_group_size))} in every 2-week bin.</p>"
    before = sorted({b.relative_bin for b in bins if b.relative_bin < 0})
    after = sorted({b.relative_bin for b in bins if b.relative_bin > 0})
    slots = before + [0] + after  # slot 0: the training itself (left out of the data)
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(slots), 1)

    def x(relative_bin: int) -> float:
        return left + (slots.index(relative_bin) + 0.5) * step

    values = [v for b in shown for v in (b.treated, b.comparison)]
    scale_factor = 100.0 if unit == "share" else 1.0
    low, high = min(values), max(values)
    pad = (high - low) * 0.12 or abs(high) * 0.1 or 1.0
    low, high = low - pad, high + pad

    def y(value: float) -> float:
        return top + plot_h - (value - low) / (high - low) * plot_h

    body = []
    # periods as bands
    by_period: dict[str, list[int]] = {}
    for b in bins:
        by_period.setdefault(b.period, []).append(b.relative_bin)
    for period, members in by_period.items():
        fill, name = PERIOD_FILL.get(period, ("#ffffff", period))
        x0, x1 = x(min(members)) - step / 2, x(max(members)) + step / 2
        body.append(
            f'<rect class="period" data-period="{escape(period)}" x="{_n(x0)}" y="{top}" width="{_n(x1 - x0)}" '
            f'height="{plot_h}" fill="{fill}"><title>{escape(name)}</title></rect>'
        )
        body.append(_text((x0 + x1) / 2, top - 6, name, "middle", 10, fill=NEUTRAL))
    # training slot
    tx = x(0)
    body.append(f'<rect x="{_n(tx - step / 2)}" y="{top}" width="{_n(step)}" height="{plot_h}" fill="#ffffff"/>')
    body.append(f'<line x1="{_n(tx)}" x2="{_n(tx)}" y1="{top}" y2="{top + plot_h}" stroke="{NEUTRAL}" stroke-dasharray="4 3"/>')
    body.append(_text(tx - 4, top + plot_h / 2, "training", "middle", 10, fill=NEUTRAL)
                .replace("<text ", f'<text transform="rotate(-90 {_n(tx - 4)} {_n(top + plot_h / 2)})" ', 1))
    # y grid
    for tick in _nice_ticks(low, high, 5):
        ty = y(tick)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{_n(ty)}" y2="{_n(ty)}" stroke="{GRID}" stroke-width="0.6"/>')
        body.append(_text(left - 6, ty + 4, f"{tick * scale_factor:,.{0 if abs(high - low) * scale_factor > 20 else 1}f}", "end", 10, fill=NEUTRAL))
    body.append(_text(12, top + plot_h / 2, f.unit_word(unit) if unit != "share" else "%", "middle", 11, fill=NEUTRAL)
                .replace("<text ", f'<text transform="rotate(-90 12 {_n(top + plot_h / 2)})" ', 1))
    # x labels: weeks relative to registration (before) and completion (after)
    for b in slots:
        if b == 0 or (b % 2 and abs(b) != 1):
            continue
        weeks = 2 * b if b > 0 else 2 * b
        body.append(_text(x(b), top + plot_h + 14, f"{weeks:+d}".replace("-", f.MINUS), "middle", 10, fill=NEUTRAL))
    body.append(_text(left + plot_w / 2, top + plot_h + 31, f"weeks before {start} (−) and after {end} (+)", "middle", 10, fill=NEUTRAL))

    # lines (broken at the training and at suppressed bins)
    for series, colour, dash, name in (("comparison", COMPARISON, "6 4", "comparison"), ("treated", TRAINED, "", "trained")):
        segments: list[list[str]] = []
        current: list[str] = []
        previous = None
        for b in sorted(bins, key=lambda b: b.relative_bin):
            value = getattr(b, series)
            broken = b.suppressed or value is None or (previous is not None and (previous < 0 < b.relative_bin))
            if broken and current:
                segments.append(current)
                current = []
            if not (b.suppressed or value is None):
                current.append(f"{_n(x(b.relative_bin))},{_n(y(value))}")
            previous = b.relative_bin
        if current:
            segments.append(current)
        for points in segments:
            if len(points) > 1:
                body.append(
                    f'<polyline class="line {name}" points="{" ".join(points)}" fill="none" stroke="{colour}" '
                    f'stroke-width="2.2"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>'
                )
        for b in shown:
            value = getattr(b, series)
            tip = (f"{name}, bin {b.relative_bin} ({b.period}): {f.kpi_value(value, unit)}; "
                   f"{f.integer(b.n_treated)} trained, {f.integer(b.n_comparison)} comparison")
            shape = (f'<circle class="point {name}" cx="{_n(x(b.relative_bin))}" cy="{_n(y(value))}" r="3.6" '
                     f'fill="{colour if name == "trained" else "#ffffff"}" stroke="{colour}" stroke-width="1.6" '
                     f'data-value="{value}"><title>{escape(tip)}</title></circle>')
            body.append(shape)
    for b in bins:
        if b.suppressed:
            body.append(_text(x(b.relative_bin), top + plot_h - 4, "·", "middle", 14, fill=NEUTRAL))
    # legend: below the axis, clear of the data
    lx, ly = left + plot_w / 2 - 125, height - 10
    body.append(f'<line x1="{_n(lx)}" x2="{_n(lx + 22)}" y1="{ly}" y2="{ly}" stroke="{TRAINED}" stroke-width="2.2"/>')
    body.append(_text(lx + 27, ly + 4, "trained", size=11))
    body.append(f'<line x1="{_n(lx + 90)}" x2="{_n(lx + 112)}" y1="{ly}" y2="{ly}" stroke="{COMPARISON}" stroke-width="2.2" '
                'stroke-dasharray="6 4"/>')
    body.append(_text(lx + 117, ly + 4, "comparison (shifted)", size=11))
    heading = f"{_titled(title, unit, change=False)}: trained group and matched comparisons, per 2-week bin"
    svg = _svg(width, height, body, "event study: " + title, "event-study", heading)
    caption = (f"{title}: the trained group's KPI and its matched comparisons', per 2-week bin. The comparison line "
               "is shifted to start at the trained group's pre-window level, so the gap after training is the effect. "
               f"Bins with {f.fewer_than(min_group_size)} in either group are left out (·).")
    return f'<figure class="figure">{svg}<figcaption>{escape(caption)}</figcaption></figure>'


# --------------------------------------------------------------------------- ROI waterfall


def waterfall(steps: list[tuple[str, float | None]], currency: str | None, caption: str, net_label: str = "Net") -> str:
    """Costs down, benefit up, the net at the end. A step of None is drawn as 'not measured'."""
    width, height, left, top, bottom = 860, 280, 70, 30, 46
    plot_w, plot_h = width - left - 20, height - top - bottom
    running, levels = 0.0, [0.0]
    for _, amount in steps:
        running += amount or 0.0
        levels.append(running)
    low, high = min(levels + [0.0]), max(levels + [0.0])
    pad = (high - low) * 0.1 or 1.0
    low, high = low - pad, high + pad
    count = len(steps) + 1
    slot = plot_w / count
    bar_w = slot * 0.56

    def y(value: float) -> float:
        return top + plot_h - (value - low) / (high - low) * plot_h

    body = [f'<line x1="{left}" x2="{left + plot_w}" y1="{_n(y(0))}" y2="{_n(y(0))}" stroke="{NEUTRAL}"/>']
    for tick in _nice_ticks(low, high, 5):
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{_n(y(tick))}" y2="{_n(y(tick))}" stroke="{GRID}" stroke-width="0.6"/>')
        body.append(_text(left - 6, y(tick) + 4, f.money(tick, currency), "end", 10, fill=NEUTRAL))
    running = 0.0
    for i, (name, amount) in enumerate(steps):
        cx = left + slot * (i + 0.5)
        if amount is None:
            body.append(f'<rect class="bar missing" x="{_n(cx - bar_w / 2)}" y="{_n(y(running) - 2)}" width="{_n(bar_w)}" '
                        f'height="4" fill="{GRID}"><title>{escape(name)}: not measured</title></rect>')
            body.append(_text(cx, y(running) - 8, "not measured", "middle", 11, fill=NEUTRAL))
        else:
            start, end = running, running + amount
            colour = GOOD if amount >= 0 else BAD
            top_y, bottom_y = y(max(start, end)), y(min(start, end))
            body.append(
                f'<rect class="bar" x="{_n(cx - bar_w / 2)}" y="{_n(top_y)}" width="{_n(bar_w)}" '
                f'height="{_n(max(bottom_y - top_y, 1))}" fill="{colour}" data-value="{amount}">'
                f'<title>{escape(name)}: {escape(f.money(amount, currency, sign=True))}</title></rect>'
            )
            body.append(_text(cx, top_y - 5, f.money(amount, currency, sign=True), "middle", 11))
            running = end
            if i < len(steps) - 1:
                body.append(f'<line x1="{_n(cx + bar_w / 2)}" x2="{_n(cx + slot - bar_w / 2)}" y1="{_n(y(running))}" '
                            f'y2="{_n(y(running))}" stroke="{NEUTRAL}" stroke-dasharray="2 2"/>')
        body.append(_text(cx, top + plot_h + 16, name, "middle", 11))
    cx = left + slot * (count - 0.5)
    colour = GOOD if running >= 0 else BAD
    top_y, bottom_y = y(max(running, 0)), y(min(running, 0))
    body.append(
        f'<rect class="bar net" x="{_n(cx - bar_w / 2)}" y="{_n(top_y)}" width="{_n(bar_w)}" height="{_n(max(bottom_y - top_y, 1))}" '
        f'fill="{colour}" fill-opacity="0.55" stroke="{colour}" data-value="{running}">'
        f'<title>{escape(net_label)}: {escape(f.money(running, currency, sign=True))}</title></rect>'
    )
    body.append(_text(cx, top_y - 5, f.money(running, currency, sign=True), "middle", 11, weight="600"))
    body.append(_text(cx, top + plot_h + 16, net_label, "middle", 11, weight="600"))
    title = "Return on investment" + (f" ({currency.upper()})" if currency else "") + ": costs against the first-year benefit"
    svg = _svg(width, height, body, "ROI waterfall: " + caption, "waterfall", title)
    return f'<figure class="figure">{svg}<figcaption>{escape(caption)}</figcaption></figure>'


# --------------------------------------------------------------------------- progress toward the target


def progress_bar(progress_pct: float | None, baseline: str, target: str, current: str, status: str,
                 kpi: str | None = None, unit: str | None = None) -> str:
    """Where the KPI (named `kpi`, its values in `unit`) stands between the owner's baseline
    (0 %) and target (100 %)."""
    width, height, left, plot_w = 420, 46, 10, 400
    lo, hi = -50.0, 150.0

    def x(p: float) -> float:
        return left + (min(max(p, lo), hi) - lo) / (hi - lo) * plot_w

    body = [
        f'<rect x="{left}" y="14" width="{plot_w}" height="10" rx="5" fill="#eef1f4"/>',
        f'<rect x="{_n(x(0))}" y="14" width="{_n(x(100) - x(0))}" height="10" fill="#dbe7f5"/>',
        f'<line x1="{_n(x(0))}" x2="{_n(x(0))}" y1="8" y2="30" stroke="{NEUTRAL}"/>',
        f'<line x1="{_n(x(100))}" x2="{_n(x(100))}" y1="8" y2="30" stroke="{GOOD}" stroke-width="2"/>',
        _text(x(0), 42, f"baseline {baseline}", "middle", 10, fill=NEUTRAL),
        _text(x(100), 42, f"target {target}", "middle", 10, fill=GOOD),
    ]
    if progress_pct is not None:
        colour = GOOD if progress_pct >= 100 else (TRAINED if progress_pct >= 50 else BAD)
        body.append(
            f'<circle class="point" cx="{_n(x(progress_pct))}" cy="19" r="6" fill="{colour}" data-value="{progress_pct}">'
            f'<title>now {escape(current)}: {escape(f.percent(progress_pct))} of the way ({escape(status)})</title></circle>'
        )
    title = f"{_titled(kpi, unit, change=False)}: progress toward the target" if kpi else "Progress toward the target"
    svg = _svg(width, height, body, status, "progress", title)
    return svg


# --------------------------------------------------------------------------- cohorts


def cohort_bars(rows: list[tuple[str, int, float | None]], unit: str | None, better: str | None, min_group_size: int,
                title: str, kpi: str | None = None) -> str:
    """Mean own effect per completion month, one bar each around zero; months with fewer
    than the minimum group size show the words instead of a bar. `title` is the caption;
    the chart's own title names the KPI (`kpi`, else the caption's words before its colon)."""
    width, row_h, left, plot_w = 860, 24, 120, 420
    height = 16 + row_h * len(rows)
    values = [abs(v) for _, n, v in rows if v is not None and n >= min_group_size]
    reach = (max(values) if values else 1.0) * 1.15 or 1.0
    mid = left + plot_w / 2
    body = [f'<line x1="{_n(mid)}" x2="{_n(mid)}" y1="4" y2="{height - 4}" stroke="{NEUTRAL}" stroke-dasharray="3 2"/>']
    for i, (month, n, value) in enumerate(rows):
        y = 10 + i * row_h + row_h / 2
        body.append(_text(8, y + 4, month, size=12))
        if value is None or n < min_group_size:
            body.append(_text(mid + 8, y + 4, f.fewer_than(min_group_size) if n < min_group_size else "not shown",
                              size=11, fill=NEUTRAL))
            continue
        w = value / reach * (plot_w / 2)
        good = (value < 0) == (better == "decrease")
        colour = GOOD if good else BAD
        body.append(
            f'<rect class="bar" x="{_n(min(mid, mid + w))}" y="{_n(y - 7)}" width="{_n(max(abs(w), 1))}" height="14" '
            f'fill="{colour}" fill-opacity="0.75" data-value="{value}"><title>{escape(month)}: '
            f'{escape(f.kpi_change(value, unit))}, {n} people</title></rect>'
        )
        body.append(_text(left + plot_w + 12, y + 4, f"{f.kpi_change(value, unit)}  ({n} people)", size=11))
    name = kpi or title.partition(": ")[0]
    svg = _svg(width, height, body, "cohorts: " + title, "cohorts", f"{_titled(name, unit)}: mean own effect per completion month")
    return f'<figure class="figure">{svg}<figcaption>{escape(title)}</figcaption></figure>'


# --------------------------------------------------------------------------- trends over time


@dataclass
class Series:
    """One line of a trend chart: a value per period (None where it is not shown)."""

    name: str
    values: list[float | None]
    colour: str
    css: str  # the class of its line and points (besides `line` and `point`)
    dash: str = ""


def _month(day: date) -> str:
    return f"{day:%b %Y}"


def _time_ticks(periods: list[date], most: int = 8) -> list[tuple[date, str]]:
    """Where the x axis is labelled: the first period of each month (every few months
    when there are many), or each period (a few of them) when the span is short."""
    firsts: list[date] = []
    for day in periods:
        if not firsts or (day.year, day.month) != (firsts[-1].year, firsts[-1].month):
            firsts.append(day)
    if len(firsts) >= 3:
        step = math.ceil(len(firsts) / most)
        return [(day, _month(day)) for day in firsts[::step]]
    step = math.ceil(len(periods) / min(most, 6))
    return [(day, f"{day.day} {day:%b %Y}") for day in periods[::step]]


def trend_chart(periods: list[date], series: list[Series], *, title: str, caption: str, css_class: str,
                period_word: str, share: bool, min_group_size: int, y_label: str) -> str:
    """Lines over dated periods (weeks, months), placed by date; a value not shown (fewer
    than the minimum group) breaks its line, and its period is shaded, never drawn as zero.
    `share`: values are shares 0-1, read in %; else counts of people."""
    width, height, left, right, top, bottom = 860, 250, 64, 44, 12, 62
    plot_w, plot_h = width - left - right, height - top - bottom
    shown = [v for s in series for v in s.values if v is not None]
    if not periods or not shown:
        return (f'<p class="muted">{escape(title)}: nothing to show, {escape(f.fewer_than(min_group_size))} '
                f"in every {escape(period_word)}.</p>")
    first, last = periods[0], periods[-1]
    span = max((last - first).days, 1)
    gap = plot_w / 4  # a lone period's shading, when hidden

    def x(day: date) -> float:
        return left + plot_w / 2 if first == last else left + (day - first).days / span * plot_w

    high = max(shown)
    high = min(1.0, high * 1.12) if share else high * 1.12
    high = high or 1.0

    def y(value: float) -> float:
        return top + plot_h - value / high * plot_h

    def reads(value: float) -> str:
        return f.share(value, 1) if share else f"{f.integer(value)} people"

    def when(day: date) -> str:
        return _month(day) if period_word == "month" else f"week of {day:%d %b %Y}"

    body = []
    for i, day in enumerate(periods):
        hidden = [s.name for s in series if s.values[i] is None]
        if hidden:  # shaded from half-way to the period before to half-way to the one after
            x0 = left if i == 0 else (x(periods[i - 1]) + x(day)) / 2
            x1 = left + plot_w if i == len(periods) - 1 else (x(day) + x(periods[i + 1])) / 2
            if first == last:
                x0, x1 = x(day) - gap / 2, x(day) + gap / 2
            names = "" if len(hidden) == len(series) else " and ".join(hidden) + ": "
            body.append(
                f'<rect class="hidden-period" x="{_n(x0)}" y="{top}" width="{_n(max(x1 - x0, 2))}" height="{plot_h}" '
                f'fill="#eef1f4"><title>{escape(f"{when(day)}: {names}{f.fewer_than(min_group_size)}, not shown")}'
                f"</title></rect>"
            )
    for tick in _nice_ticks(0.0, high, 5):
        ty = y(tick)
        body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{_n(ty)}" y2="{_n(ty)}" stroke="{GRID}" stroke-width="0.6"/>')
        body.append(_text(left - 6, ty + 4, f"{tick * 100:.0f}" if share else f"{tick:,.0f}", "end", 10, fill=NEUTRAL))
    body.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{top + plot_h}" y2="{top + plot_h}" stroke="{NEUTRAL}"/>')
    body.append(_text(14, top + plot_h / 2, y_label, "middle", 11, fill=NEUTRAL)
                .replace("<text ", f'<text transform="rotate(-90 14 {_n(top + plot_h / 2)})" ', 1))
    for day, text in _time_ticks(periods):
        body.append(f'<line x1="{_n(x(day))}" x2="{_n(x(day))}" y1="{top + plot_h}" y2="{top + plot_h + 4}" stroke="{NEUTRAL}"/>')
        body.append(_text(x(day), top + plot_h + 17, text, "middle", 10, fill=NEUTRAL))
    radius = 3.2 if len(periods) <= 40 else 2.2
    for s in series:
        segments: list[list[str]] = [[]]
        for day, value in zip(periods, s.values):
            if value is None:
                segments.append([])
            else:
                segments[-1].append(f"{_n(x(day))},{_n(y(value))}")
        for points in segments:
            if len(points) > 1:
                body.append(
                    f'<polyline class="line {s.css}" points="{" ".join(points)}" fill="none" stroke="{s.colour}" '
                    f'stroke-width="2"{f" stroke-dasharray={chr(34)}{s.dash}{chr(34)}" if s.dash else ""}/>'
                )
        for day, value in zip(periods, s.values):
            if value is None:
                continue
            body.append(
                f'<circle class="point {s.css}" cx="{_n(x(day))}" cy="{_n(y(value))}" r="{radius}" fill="{s.colour}" '
                f'data-value="{value}"><title>{escape(f"{s.name}, {when(day)}: {reads(value)}")}</title></circle>'
            )
    # legend: below the axis, one entry per series, then what a shaded period means
    lx, ly = left, height - 10
    for s in series:
        body.append(f'<line x1="{_n(lx)}" x2="{_n(lx + 22)}" y1="{ly}" y2="{ly}" stroke="{s.colour}" stroke-width="2"'
                    f'{f" stroke-dasharray={chr(34)}{s.dash}{chr(34)}" if s.dash else ""}/>')
        body.append(_text(lx + 27, ly + 4, s.name, size=11))
        lx += 27 + len(s.name) * 11 * GLYPH + 24
    body.append(f'<rect x="{_n(lx)}" y="{ly - 6}" width="14" height="12" fill="#eef1f4"/>')
    body.append(_text(lx + 19, ly + 4, f"{f.fewer_than(min_group_size)}: not shown", size=11, fill=NEUTRAL))
    svg = _svg(width, height, body, caption, css_class, title)
    return f'<figure class="figure">{svg}<figcaption>{escape(caption)}</figcaption></figure>'
