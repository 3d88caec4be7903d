"""Which plotly.js the study page loads.

The charts use three trace types (bar, scatter and heatmap), all in plotly's published
*cartesian* bundle: 1.5 MB (0.5 MB gzipped) instead of the
full 4.8 MB (1.5 MB gzipped) in the plotly Python package. ``make install`` fetches that bundle
by name from npm (plotly.js-cartesian-dist-min, the published dist file, MIT licence, version and
checksum pinned in the Makefile) into static/vendor/, with its gzipped copy; it is not kept in
git. Where it is missing (no npm at install) the page falls back to the full bundle, which draws
the same charts.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from importlib.util import find_spec
from pathlib import Path

from django.conf import settings

# Found, not imported: a web worker serves the file without loading plotly's Python package.
_PLOTLY_DIR = Path(find_spec("plotly").origin).parent  # type: ignore[union-attr,arg-type]
FULL_BUNDLE = _PLOTLY_DIR / "package_data" / "plotly.min.js"
PARTIAL_PATTERN = "plotly-cartesian-*.min.js"


@dataclass(frozen=True)
class PlotlyBundle:
    """``name``: in the URL (it holds the version, so browsers may keep the file a year)."""

    name: str
    path: Path

    @property
    def gzipped(self) -> Path | None:
        path = self.path.with_name(self.path.name + ".gz")
        return path if path.is_file() else None


def plotly_bundle() -> PlotlyBundle:
    """The cartesian bundle where ``make install`` fetched it, else the full one."""
    vendor = Path(settings.PLOTLY_VENDOR_DIR)
    found = sorted(vendor.glob(PARTIAL_PATTERN)) if vendor.is_dir() else []
    if found:
        return PlotlyBundle(name=found[-1].name.removesuffix(".min.js"), path=found[-1])
    return PlotlyBundle(name=f"plotly-{version('plotly')}", path=FULL_BUNDLE)
