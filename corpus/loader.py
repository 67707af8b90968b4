"""Loads the committed notice and parses it once per process."""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

import yaml

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


def load_clause_questions(path: Path | None, clause_ids: set[str]) -> dict[str, list[str]]:
    """Questions each clause answers (corpus/questions.yaml), indexed beside the clause's own text.

    A file that names a clause the notice does not have is an error: a renamed ID
    would otherwise leave its questions pointing nowhere.
    """
    if path is None or not Path(path).is_file():
        return {}
    with open(path, encoding="utf-8") as fh:
        # The C loader when PyYAML has it: 600-odd questions parse in 5 ms instead of 45, on every start-up.
        data = yaml.load(fh, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)) or {}
    if not isinstance(data, dict) or not all(isinstance(v, list) for v in data.values()):
        raise ValueError(f"{path}: expected a mapping of clause ID to a list of questions")
    unknown = sorted(set(data) - clause_ids)
    if unknown:
        raise ValueError(f"{path}: unknown clause IDs {unknown}")
    return {cid: [str(q).strip() for q in qs if str(q).strip()] for cid, qs in data.items()}
