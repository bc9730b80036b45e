"""collectstatic with the production storage: hashed, compressed, and not stopped by a
package stylesheet that names a file the package does not ship."""

import json

import pytest
from django.core.management import call_command
from django.test import override_settings
from whitenoise.storage import MissingFileError

CSS = (
    "@font-face { src: url('fonts/Shipped.woff2') format('woff2'), "
    "url('fonts/NotShipped.woff2') format('woff2'); }\n"
)


def _collect(tmp_path, backend: str):
    source = tmp_path / "src"
    (source / "pkg" / "fonts").mkdir(parents=True)
    (source / "pkg" / "fonts" / "Shipped.woff2").write_bytes(b"font")
    (source / "pkg" / "face.css").write_text(CSS)
    root = tmp_path / "static"
    with override_settings(
        STATIC_ROOT=root,
        STATICFILES_DIRS=[source],
        STATICFILES_FINDERS=["django.contrib.staticfiles.finders.FileSystemFinder"],
        STORAGES={"staticfiles": {"BACKEND": backend}},
    ):
        call_command("collectstatic", interactive=False, verbosity=0)
    return root


def test_missing_reference_is_kept_as_written(tmp_path):
    root = _collect(tmp_path, "portal.storage.StaticStorage")
    manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
    hashed_css = root / manifest["pkg/face.css"]
    text = hashed_css.read_text()
    shipped = manifest["pkg/fonts/Shipped.woff2"].rsplit("/", 1)[1]
    assert shipped != "Shipped.woff2" and f"fonts/{shipped}" in text
    assert "fonts/NotShipped.woff2" in text
    assert (root / (manifest["pkg/face.css"] + ".gz")).exists()


def test_plain_whitenoise_storage_fails_on_it(tmp_path):
    with pytest.raises(MissingFileError):
        _collect(tmp_path, "whitenoise.storage.CompressedManifestStaticFilesStorage")
