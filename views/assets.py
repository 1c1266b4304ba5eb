"""Solara's browser code for a machine that cannot reach Solara's CDN.

A Solara page loads its JavaScript, CSS and fonts through the server's CDN proxy
(``/_solara/cdn/<package>@<version>/<file>``), which serves them from a cache folder and
fetches what is missing from a public CDN. Where that CDN is out of reach but the npm registry
is not (an offline machine with a package mirror; CI here), :func:`ensure_assets` takes the
same packages from the npm registry with ``npm pack`` and unpacks them into that cache, where
the server finds them first. Run it once after installing::

    python -m zonesim.views.assets
"""

from __future__ import annotations

import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

# What the dashboard's pages load through the proxy under Solara 1.64 with ipyvuetify 3:
# the app itself, require.js, Font Awesome, and the draggable grid of Mesa's SolaraViz (loaded by
# the browser test that checks SolaraViz's grid still fails; the dashboard no longer uses it).
PACKAGES = (
    "@widgetti/solara-vuetify3-app@5.2.0",
    "requirejs@2.3.6",
    "font-awesome@4.5.0",
    "@widgetti/vue-grid-layout@2.3.13-alpha.2",
)


def cache_dir() -> Path:
    """The folder the Solara server's CDN proxy serves from (SOLARA_ASSETS_PROXY_CACHE_DIR)."""
    from solara.server.settings import assets

    return Path(assets.proxy_cache_dir)


def missing(cache: Path) -> list[str]:
    """The packages of PACKAGES not yet in ``cache``."""
    return [spec for spec in PACKAGES if not (cache / spec).is_dir()]


def ensure_assets(cache: Path | None = None) -> list[str]:
    """Put every package of PACKAGES that ``cache`` (default: Solara's) lacks into it, from
    the npm registry; returns those fetched. RuntimeError when npm is missing or fails."""
    cache = cache_dir() if cache is None else cache
    needed = missing(cache)
    if not needed:
        return []
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(f"npm is needed to fetch {', '.join(needed)} (Solara's browser code)")
    with tempfile.TemporaryDirectory() as tmp:
        for spec in needed:
            _unpack(_pack(npm, spec, Path(tmp)), cache / spec)
    return needed


def _pack(npm: str, spec: str, into: Path) -> Path:
    """The npm registry's tarball of ``spec``, downloaded into ``into``."""
    done = subprocess.run(
        [npm, "pack", "--silent", "--pack-destination", str(into), spec],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        raise RuntimeError(f"npm pack {spec} failed: {done.stderr.strip()}")
    return into / done.stdout.strip().splitlines()[-1]


def _unpack(tarball: Path, target: Path) -> None:
    """The tarball's ``package/`` folder as ``target``, complete or absent."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as staging:  # same disk: rename
        with tarfile.open(tarball) as tar:
            tar.extractall(staging, filter="data")
        (Path(staging) / "package").rename(target)


if __name__ == "__main__":
    fetched = ensure_assets()
    print(f"fetched into {cache_dir()}: {', '.join(fetched)}" if fetched else "all present")
