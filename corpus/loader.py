"""Loads the committed notice and parses it once per process."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from corpus.models import ParsedDocument
from corpus.parser import ClauseParser


def read_source(path: Path) -> str:
    # newline="" keeps the text byte-for-byte, so spans index the file as published.
    with open(path, encoding="utf-8", newline="") as fh:
        return fh.read()


def source_sha256(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@lru_cache(maxsize=4)
def load_notice(path: Path) -> ParsedDocument:
    return ClauseParser().parse(read_source(path))
