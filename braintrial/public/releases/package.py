"""A release as a download: its stored files in one zip, the same bytes at every download."""

from __future__ import annotations

import io
import zipfile

from django.http import HttpResponse

from braintrial.public.models import Release, ReleaseFile

# Every entry carries this time: the zip of a release is the same file at every download.
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def release_zip_bytes(*, release: Release) -> bytes:
    """The package: ``<slug>-v<n>/`` holding every file of the release, in path order."""
    folder = f"{release.study.slug}-{release.label}"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path, content in ReleaseFile.objects.filter(release=release).values_list(
            "path", "content"
        ):
            info = zipfile.ZipInfo(f"{folder}/{path}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, bytes(content))
    return out.getvalue()


def release_zip(*, release: Release) -> HttpResponse:
    response = HttpResponse(release_zip_bytes(release=release), content_type="application/zip")
    name = f"{release.study.slug}-{release.label}.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    # A release never changes: any cache may keep it for good.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
