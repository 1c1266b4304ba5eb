"""Writing result files so that a file under its final name is always complete: write to a
temporary name in the same folder, then rename (``os.replace`` is atomic on one file system)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pandas as pd


def write_atomic(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` with a temporary path next to ``path``, then rename it to ``path``."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_parquet_atomic(frame: pd.DataFrame, path: Path) -> Path:
    """``frame`` (without its index) as Parquet at ``path``."""
    return write_atomic(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_text_atomic(text: str, path: Path) -> Path:
    """``text`` as UTF-8 at ``path``."""
    return write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
