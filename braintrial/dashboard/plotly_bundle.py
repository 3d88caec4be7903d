"""Which plotly.js the study page loads, as a static file (WhiteNoise serves it).

The charts use three trace types (bar, scatter and heatmap), all in plotly's published
*cartesian* bundle: 1.5 MB (0.5 MB gzipped) instead of the
full 4.8 MB (1.5 MB gzipped) in the plotly Python package. ``make install`` fetches that bundle
by name from npm (plotly.js-cartesian-dist-min, the published dist file, MIT licence, version and
checksum pinned in the Makefile) into PLOTLY_VENDOR_DIR; it is not kept in git. Where it is
missing (no npm at install) the page falls back to the full bundle, which draws the same charts.

``PlotlyFinder`` hands the chosen file to Django's static files under ``vendor/``, its version
in the path (``vendor/plotly-cartesian-4.1.1.min.js``, ``vendor/plotly-6.1.2/plotly.min.js``),
so collectstatic copies it and WhiteNoise compresses it and serves it, and browsers keep it a
year (WHITENOISE_IMMUTABLE_FILE_TEST).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from importlib import metadata, util
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PARTIAL_PATTERN = "plotly-cartesian-*.min.js"
STATIC_PREFIX = "vendor"


def full_bundle() -> Path:
    """The full bundle shipped in the plotly Python package (found without importing it)."""
    spec = util.find_spec("plotly")
    if spec is None or spec.origin is None:
        raise LookupError("the plotly package is not installed")
    return Path(spec.origin).parent / "package_data" / "plotly.min.js"


@dataclass(frozen=True)
class PlotlyBundle:
    path: Path
    prefix: str  # the static folder it is served from; with the name, it holds the version

    @property
    def static_path(self) -> str:
        """The path for ``{% static %}``."""
        return f"{self.prefix}/{self.path.name}"


def plotly_bundle() -> PlotlyBundle:
    """The cartesian bundle where ``make install`` fetched it, else the full one."""
    vendor = Path(settings.PLOTLY_VENDOR_DIR)
    found = sorted(vendor.glob(PARTIAL_PATTERN)) if vendor.is_dir() else []
    if found:
        return PlotlyBundle(path=found[-1], prefix=STATIC_PREFIX)
    version = metadata.version("plotly")
    return PlotlyBundle(path=full_bundle(), prefix=f"{STATIC_PREFIX}/plotly-{version}")


class PlotlyFinder(BaseFinder):
    """The chosen bundle, and only it, as a static file under ``vendor/``."""

    # The stubs type "no match" as None; Django's own finders return [], which finders.find()
    # needs (it would count a None as a match).
    def find(  # type: ignore[override]
        self, path: str, find_all: bool = False, **kwargs: Any
    ) -> str | list[str]:
        bundle = plotly_bundle()
        if path != bundle.static_path or not bundle.path.is_file():
            return []
        return [str(bundle.path)] if find_all or kwargs.get("all") else str(bundle.path)

    def list(self, ignore_patterns: Any) -> Iterator[tuple[str, FileSystemStorage]]:
        bundle = plotly_bundle()
        if bundle.path.is_file():
            storage = FileSystemStorage(location=bundle.path.parent)
            storage.prefix = bundle.prefix  # type: ignore[attr-defined]
            yield bundle.path.name, storage
