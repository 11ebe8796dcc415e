"""/stats' picture: deliveries per hour over the last day by status, and the top regions.

Drawn with matplotlib's Agg canvas (no display, no pyplot state), imported only when a chart
is drawn: matplotlib costs some 100 ms and 30 MB to import, which a bot that is never asked
for /stats should not pay. Drawing takes a few hundred milliseconds, so the handler runs it
in a thread; everything it needs (labels already translated) comes in one frozen value.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

WIDTH_INCHES = 10.0
HEIGHT_INCHES = 9.0
DPI = 100  # so the picture is 1000 × 900 pixels
HOURS = 24
TOP_REGIONS = 10

# Deliveries' statuses, in four groups, stacked in this order from the bottom.
GROUPS: tuple[tuple[str, tuple[str, ...], str], ...] = (
    ("sent", ("sent", "bundled"), "#2e7d32"),
    ("waiting", ("pending", "sending", "held"), "#1e88e5"),
    ("failed", ("failed",), "#c62828"),
    ("dropped", ("skipped", "cancelled"), "#9e9e9e"),
)


@dataclass(frozen=True, slots=True)
class StatsChart:
    hours_title: str
    hours_axis: str
    hours: tuple[str, ...]  # a label per hour, oldest first
    series: tuple[tuple[str, str, tuple[int, ...]], ...]  # (legend, colour, count per hour)
    no_deliveries: str
    regions_title: str
    regions: tuple[tuple[str, int], ...]  # (region's name, subscribers), most first
    no_regions: str


def day_start(now: datetime) -> datetime:
    """The start of the first of the 24 hours shown: the current hour is the last."""
    return now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=HOURS - 1)


def hour_labels(start: datetime, tz: ZoneInfo) -> tuple[str, ...]:
    return tuple(f"{(start + timedelta(hours=n)).astimezone(tz):%H}:00" for n in range(HOURS))


def hourly_series(
    counts: Mapping[tuple[int, str], int], legends: Mapping[str, str]
) -> tuple[tuple[str, str, tuple[int, ...]], ...]:
    """Counts by (hour, status) as one row per group of statuses, in GROUPS' order."""
    return tuple(
        (
            legends[group],
            colour,
            tuple(
                sum(counts.get((hour, status), 0) for status in statuses) for hour in range(HOURS)
            ),
        )
        for group, statuses, colour in GROUPS
    )


def grouped(value: float, _position: object = None) -> str:
    """A whole number with a no-break space between thousands: 12 345."""
    return f"{round(value):,}".replace(",", "\u00a0")


def render_png(chart: StatsChart) -> bytes:
    """The picture, as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.ticker import FuncFormatter

    figure = Figure(figsize=(WIDTH_INCHES, HEIGHT_INCHES), dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    hours, regions = figure.subplots(2, 1, height_ratios=(1.1, 1.0))

    hours.set_title(chart.hours_title, loc="left", fontsize=13)
    positions = range(len(chart.hours))
    bottom = [0] * len(chart.hours)
    for legend, colour, values in chart.series:
        hours.bar(positions, values, bottom=bottom, color=colour, label=legend, width=0.8)
        bottom = [below + value for below, value in zip(bottom, values, strict=True)]
    hours.set_xticks(list(positions)[::3], chart.hours[::3])
    hours.set_xlabel(chart.hours_axis)
    hours.yaxis.get_major_locator().set_params(integer=True)
    hours.yaxis.set_major_formatter(FuncFormatter(grouped))
    hours.grid(axis="y", alpha=0.3)
    hours.set_axisbelow(True)
    if any(bottom):
        hours.legend(loc="best", fontsize=9, frameon=False)
    else:
        hours.set_yticks([])
        hours.text(
            0.5,
            0.5,
            chart.no_deliveries,
            ha="center",
            va="center",
            transform=hours.transAxes,
            color="#616161",
        )

    regions.set_title(chart.regions_title, loc="left", fontsize=13)
    if chart.regions:
        # The most subscribed at the top; ten slots whatever the count, so bars keep a size.
        slots = [TOP_REGIONS - 1 - place for place in range(len(chart.regions))]
        counts = [count for _name, count in chart.regions]
        bars = regions.barh(slots, counts, color="#1e88e5", height=0.7)
        regions.set_yticks(slots, [name for name, _count in chart.regions])
        regions.set_ylim(-0.5, TOP_REGIONS - 0.5)
        regions.bar_label(bars, labels=[grouped(count) for count in counts], padding=3, fontsize=9)
        regions.xaxis.get_major_locator().set_params(integer=True)
        regions.xaxis.set_major_formatter(FuncFormatter(grouped))
        regions.margins(x=0.1)
        regions.grid(axis="x", alpha=0.3)
        regions.set_axisbelow(True)
    else:
        regions.set_axis_off()
        regions.text(
            0.5,
            0.5,
            chart.no_regions,
            ha="center",
            va="center",
            transform=regions.transAxes,
            color="#616161",
        )

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()
