"""Fetch one artifact: from a mirror directory if its checksum matches, else from its URLs.

The file appears at its destination only after its MD5 has been verified; on failure nothing is left
behind and the error names the file, the expected checksum and every place tried.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import shutil
import urllib.request
from collections.abc import Callable, Iterable
from pathlib import Path

from symrep.plumbing import atomic_path

log = logging.getLogger(__name__)


class DataUnavailableError(RuntimeError):
    """No source produced a file with the expected checksum."""


def md5sum(path: str | Path, chunk: int = 1 << 20) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def mirror_candidates(relpath: str, mirrors: Iterable[str | Path]) -> list[Path]:
    """Places a mirror may hold the file: `<mirror>/<relpath>`, then `<mirror>/<basename>`."""
    found = []
    for mirror in mirrors:
        root = Path(mirror).expanduser()
        found += [root / relpath] + ([root / Path(relpath).name] if "/" in relpath else [])
    return found


def _install(dest: Path, md5: str, write: Callable[[Path], None]) -> str:
    """Write the file with `write(tmp)`; move it to `dest` only if its MD5 matches. Return the MD5 seen."""
    with atomic_path(dest) as tmp:
        write(tmp)
        got = md5sum(tmp)
        if got != md5:
            raise _Mismatch(got)  # atomic_path then discards the temporary file
    return got


def fetch(
    relpath: str,
    md5: str,
    dest: str | Path,
    *,
    mirrors: Iterable[str | Path] = (),
    urls: Iterable[str] = (),
    timeout: float = 60.0,
) -> str:
    """Copy or download `relpath` to `dest`, verified against `md5`; return a description of the source."""
    tried: list[str] = []
    for candidate in mirror_candidates(relpath, mirrors):
        if not candidate.is_file():
            tried.append(f"{candidate} (not found)")
            continue
        try:
            _install(Path(dest), md5, functools.partial(shutil.copyfile, candidate))
        except _Mismatch as bad:
            tried.append(f"{candidate} (checksum {bad}: corrupt or another version)")
            continue
        log.info("%s: copied from %s", relpath, candidate)
        return f"mirror {candidate}"
    for url in urls:
        try:
            _install(Path(dest), md5, functools.partial(_download, url, timeout=timeout))
        except _Mismatch as bad:
            tried.append(f"{url} (checksum {bad})")
            continue
        except OSError as err:  # URLError, HTTPError, timeouts, refused connections
            tried.append(f"{url} ({err})")
            continue
        log.info("%s: downloaded from %s", relpath, url)
        return f"url {url}"
    raise DataUnavailableError(
        f"could not obtain '{relpath}' with MD5 {md5}. Places tried:\n  - "
        + "\n  - ".join(tried or ["no mirror or URL configured"])
        + f"\nPut a verified copy at <mirror>/{relpath} (config: data.mirrors) or allow downloads (data.download)."
    )


def _download(url: str, dest: Path, timeout: float) -> None:
    with urllib.request.urlopen(url, timeout=timeout) as response, open(dest, "wb") as out:
        shutil.copyfileobj(response, out)


class _Mismatch(Exception):
    """Internal: the file written from one source had the wrong checksum (the MD5 seen is the message)."""
