"""The talent overview as one self-contained HTML page: inline CSS and an inline SVG chart,
no scripts, fonts or images from elsewhere, so it can be mailed or put on an intranet as is.
It shows names and teams, never email addresses."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape

from .talent import TopicRow

LEVEL_COLOURS = {"1": "#d9e8f5", "2": "#a9cbe8", "3": "#6fa3d3", "4": "#2f6fae", "5": "#163f6b",
                 "?": "#c8c8c8"}
BAR_HEIGHT = 18
LABEL_WIDTH = 240
CHART_WIDTH = 460
MAX_CHART_ROWS = 40


def talent_page(
    rows: Sequence[TopicRow], *, title: str = "Talent overview", today: date | None = None
) -> str:
    """The whole page as text."""
    when = (today or date.today()).isoformat()
    risky = [r for r in rows if r.risks]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f"<title>{escape(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{escape(title)}</h1>",
        f"<p class=\"meta\">{len(rows)} topics &middot; {len(risky)} risky spots &middot; "
        f"made by expertfind on {when}</p>",
        "<h2>People per topic, by level</h2>",
        _chart(rows[:MAX_CHART_ROWS]),
        _legend(),
    ]
    if risky:
        parts.append("<h2>Risky spots</h2>")
        parts.append("<ul class=\"risks\">")
        for row in risky:
            for risk in row.risks:
                parts.append(f"<li><strong>{escape(row.label)}</strong>: {escape(risk)}</li>")
        parts.append("</ul>")
    parts.append("<h2>Every topic</h2>")
    parts.append(_table(rows))
    parts.append("</body>")
    parts.append("</html>")
    return "\n".join(parts) + "\n"


def _chart(rows: Sequence[TopicRow]) -> str:
    widest = max((len(r.holders) for r in rows), default=1) or 1
    scale = CHART_WIDTH / widest
    height = BAR_HEIGHT * len(rows) + 10
    width = LABEL_WIDTH + CHART_WIDTH + 40
    out = [f'<svg width="{width}" height="{height}" '
           f'role="img" aria-label="people per topic">']
    for n, row in enumerate(rows):
        y = 5 + n * BAR_HEIGHT
        out.append(f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">{escape(row.label)}</text>')
        x = float(LABEL_WIDTH)
        for level, count in row.levels.items():
            w = count * scale
            out.append(f'<rect x="{x:.1f}" y="{y + 2}" width="{w:.1f}" height="{BAR_HEIGHT - 4}" '
                       f'fill="{LEVEL_COLOURS[level]}"><title>level {level}: {count}</title></rect>')
            x += w
        out.append(f'<text x="{x + 4:.1f}" y="{y + 13}">{len(row.holders)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def _legend() -> str:
    items = "".join(
        f'<span class="key"><span class="swatch" style="background:{colour}"></span>'
        f'{"level " + level if level != "?" else "no level"}</span>'
        for level, colour in LEVEL_COLOURS.items()
    )
    return f'<p class="legend">{items}</p>'


def _table(rows: Sequence[TopicRow]) -> str:
    out = ["<table>", "<thead><tr><th>Topic</th><th>People</th><th>Experts</th><th>Levels</th>"
           "<th>Top people</th><th>Teams</th><th>Want to learn</th><th>Risk</th></tr></thead>", "<tbody>"]
    for row in rows:
        levels = ", ".join(f"{level}: {count}" for level, count in row.levels.items())
        top = ", ".join(f"{h.name} ({h.level or '?'})" for h in row.top())
        teams = ", ".join(f"{team} ({count})" for team, count in row.teams[:3])
        risk = "; ".join(row.risks)
        out.append(
            f"<tr><td>{escape(row.label)}</td><td>{len(row.holders)}</td><td>{len(row.experts)}</td>"
            f"<td>{escape(levels)}</td><td>{escape(top)}</td><td>{escape(teams)}</td>"
            f"<td>{len(row.interested)}</td><td class=\"risk\">{escape(risk)}</td></tr>"
        )
    out.append("</tbody>")
    out.append("</table>")
    return "\n".join(out)


_CSS = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #1b1b1b; }
h1 { margin-bottom: 0.2rem; } .meta { color: #666; margin-top: 0; }
svg text { font-size: 12px; font-family: system-ui, sans-serif; }
.legend .key { margin-right: 1rem; font-size: 0.85rem; }
.legend .swatch { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem;
  vertical-align: middle; }
table { border-collapse: collapse; font-size: 0.9rem; }
th, td { border-bottom: 1px solid #ddd; padding: 0.3rem 0.6rem; text-align: left; vertical-align: top; }
th { background: #f3f3f3; } td.risk { color: #a33; }
ul.risks li { margin-bottom: 0.3rem; }
"""
