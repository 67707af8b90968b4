"""NoticeLibrary: every notice the app serves, one AssistantService per notice in use.

Packs shipped with the app live in ``notices/`` (read-only). Staff add notices at run time into
``DATA_DIR/notices/<slug>/``: each published version is a folder ``v-<sha>`` and a one-line ``CURRENT``
file names the live one. Publishing builds the new version's index first and then replaces ``CURRENT``
with ``os.replace``, so answers come from the old version until the new one is ready, and a crash at
any point leaves the old version live. A revised version of a shipped notice is added under the same
slug and takes its place.
"""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from assistant.settings import Settings
from corpus.packs import META_FILE, SLUG, TEXT_FILE, NoticeMeta, NoticePack, PackError, load_pack, write_meta

if TYPE_CHECKING:
    from assistant.service import AssistantService
    from corpus.models import ParsedDocument

log = logging.getLogger(__name__)

CURRENT = "CURRENT"
LIBRARY_FILE = "library.yaml"
# A file name that says nothing about the notice: the slug comes from its folder instead.
_GENERIC_STEMS = {"source", "index", "text", "notice", "content", "download", "file", "document", "main", "page"}
ProgressFn = Callable[[int, int], None]


class LibraryError(ValueError):
    """A request the library refuses; the message is for the user (Chinese, no internals)."""


class UnknownNotice(LibraryError, LookupError):
    pass


class StagedNotice:
    """A notice read, parsed and written to a staging folder, not yet answering questions."""

    def __init__(self, root: Path, meta: NoticeMeta, document: ParsedDocument, replaces: bool) -> None:
        self.root = root
        self.meta = meta
        self.document = document
        self.replaces = replaces  # a notice with this slug is live: publishing replaces it

    @property
    def slug(self) -> str:
        return self.meta.slug

    @property
    def warnings(self) -> list[str]:
        return self.meta.warnings

    def tree(self) -> list[str]:
        """The clause tree as lines: indented ID and heading, for staff to check before publishing."""
        lines = []
        for c in self.document.clauses:
            note = "" if c.content_provided else "（原文未提供内容）"
            lines.append(f"{'  ' * max(c.level, 0)}{c.id}  {c.heading}{note}")
        return lines

    def discard(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def slug_for(filename: str, fallback: str) -> str:
    """A slug from a file's name (or its folder's, for source.txt and the like); fallback when it has no ASCII."""
    path = Path(filename)
    stem = path.stem.lower()
    if stem in _GENERIC_STEMS and path.parent.name:
        stem = path.parent.name.lower()
    slug = re.sub(r"[^a-z0-9]+", "-", stem).strip("-")[:48].strip("-")
    return slug if SLUG.match(slug) else fallback


class NoticeLibrary:
    """Finds packs, serves one AssistantService per notice (LRU-bounded), adds, publishes and removes notices."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._services: OrderedDict[tuple[str, str], AssistantService] = OrderedDict()
        self._lock = threading.RLock()
        self._packs: dict[Path, tuple[int, NoticePack]] = {}

    # -- finding packs -----------------------------------------------------
    def packs(self) -> list[NoticePack]:
        """Every live notice: shipped ones, with added ones replacing a shipped notice of the same slug."""
        found: dict[str, NoticePack] = {}
        for root in self._shipped_roots():
            pack = self._load(root, shipped=True)
            if pack is not None:
                found[pack.slug] = pack
        for slug_dir in self._added_dirs():
            root = self._current_version(slug_dir)
            pack = self._load(root, shipped=False) if root is not None else None
            if pack is not None:
                found[pack.slug] = pack
        return list(found.values())

    def slugs(self) -> list[str]:
        return [p.slug for p in self.packs()]

    def default_slug(self) -> str:
        """DEFAULT_NOTICE, else notices/library.yaml's default, else the only (or first) notice."""
        if self.settings.default_notice:
            return self.settings.default_notice
        listing = self.settings.notices_dir / LIBRARY_FILE
        if listing.is_file():
            default = (yaml.safe_load(listing.read_text("utf-8")) or {}).get("default")
            if default and self._find(default) is not None:
                return str(default)
        packs = self.packs()
        if not packs:
            raise UnknownNotice("通知库中还没有任何通知。请先用 `app.py notices add 文件` 添加一份通知。")
        return packs[0].slug

    def pack(self, slug: str | None = None) -> NoticePack:
        slug = slug or self.default_slug()
        pack = self._find(slug)
        if pack is None:
            known = "、".join(self.slugs()) or "（无）"
            raise UnknownNotice(f"找不到通知“{slug}”。可用的通知：{known}。")
        return pack

    def _find(self, slug: str) -> NoticePack | None:
        """One notice by slug, reading only its own folders (cheap enough for every request)."""
        if not SLUG.match(slug):
            return None
        added = self._current_version(self.settings.library_dir / slug)
        if added is not None:
            pack = self._load(added, shipped=False)
            if pack is not None:
                return pack
        shipped = self.settings.notices_dir / slug
        return self._load(shipped, shipped=True) if (shipped / META_FILE).is_file() else None

    def _shipped_roots(self) -> list[Path]:
        base = self.settings.notices_dir
        return sorted(p.parent for p in base.glob(f"*/{META_FILE}")) if base.is_dir() else []

    def _added_dirs(self) -> list[Path]:
        base = self.settings.library_dir
        return sorted(p for p in base.iterdir() if p.is_dir() and SLUG.match(p.name)) if base.is_dir() else []

    @staticmethod
    def _current_version(slug_dir: Path) -> Path | None:
        try:
            name = (slug_dir / CURRENT).read_text("utf-8").strip()
        except OSError:
            return None
        if not name.startswith("v-") or "/" in name:
            log.warning("ignoring %s: bad version pointer %r", slug_dir, name)
            return None
        return slug_dir / name

    def _load(self, root: Path, shipped: bool) -> NoticePack | None:
        """A pack, cached by its metadata file's mtime; a broken pack is logged and skipped, never fatal."""
        try:
            stamp = (root / META_FILE).stat().st_mtime_ns
        except OSError:
            return None
        cached = self._packs.get(root)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            pack = load_pack(root, shipped=shipped)
        except PackError as exc:
            log.warning("skipping notice pack: %s", exc)
            return None
        self._packs[root] = (stamp, pack)
        return pack

    # -- serving -------------------------------------------------------------
    @cached_property
    def embeddings(self) -> Any:
        """One embedding model (and vector cache) for every notice."""
        from retrieval.embedding_cache import SQLiteCachedEmbeddings
        from retrieval.embeddings import make_embeddings

        return SQLiteCachedEmbeddings(make_embeddings(self.settings.embedder), self.settings.embedding_cache_file)

    def service(self, slug: str | None = None) -> AssistantService:
        """The service for a notice (the default one when slug is None), kept among the most recently used."""
        return self.service_for(self.pack(slug))

    def service_for(self, pack: NoticePack) -> AssistantService:
        from assistant.service import AssistantService

        key = (pack.slug, pack.text_sha256)
        with self._lock:
            service = self._services.get(key)
            if service is None:
                service = AssistantService(self.settings, pack, embeddings=self.embeddings)
                self._services[key] = service
                # A revised version replaces the old one's service; others fall out least recently used first.
                for old in [k for k in self._services if k[0] == pack.slug and k != key]:
                    del self._services[old]
                while len(self._services) > self.settings.max_notices_in_memory:
                    evicted, _ = self._services.popitem(last=False)
                    log.info("notice %s unloaded (MAX_NOTICES_IN_MEMORY=%s)", evicted[0],
                             self.settings.max_notices_in_memory)
            self._services.move_to_end(key)
            return service

    def adopt(self, service: AssistantService) -> None:
        """Serve an already built service for its notice (a caller that made one, e.g. for one notice only)."""
        with self._lock:
            self._services[(service.pack.slug, service.pack.text_sha256)] = service

    def loaded(self) -> list[str]:
        with self._lock:
            return [slug for slug, _ in self._services]

    # -- adding, publishing, removing -------------------------------------------
    def stage(self, data: bytes, filename: str, slug: str | None = None) -> StagedNotice:
        """Reads and parses a notice file into a staging folder. NoticeFileError / LibraryError on bad input."""
        import hashlib

        from corpus.formats import extract_notice_bytes
        from corpus.metadata import infer_metadata
        from corpus.parser import ClauseParser

        max_bytes = int(self.settings.max_notice_mb * 1024 * 1024)
        extracted = extract_notice_bytes(data, filename, max_bytes=max_bytes)
        document = ClauseParser().parse(extracted.text)
        text_sha = hashlib.sha256(extracted.text.encode("utf-8")).hexdigest()
        slug = (slug or "").strip().lower() or slug_for(filename, f"notice-{text_sha[:8]}")
        if not SLUG.match(slug):
            raise LibraryError(f"标识“{slug}”不可用：只能包含小写字母、数字和连字符，长度 3–48。")
        replaces = self._find(slug) is not None
        suffix = Path(filename).suffix.lower() or ".txt"
        meta = NoticeMeta(
            slug=slug, source=f"source{suffix}", source_format=extracted.format,
            warnings=[*extracted.warnings, *getattr(document, "warnings", [])],
            added_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"), provenance=f"added from {Path(filename).name}",
            **infer_metadata(document, extracted.metadata, Path(filename).stem),
        )
        staging = self.settings.library_dir / slug / f".staging-{uuid.uuid4().hex[:12]}"
        staging.mkdir(parents=True)
        try:
            (staging / meta.source).write_bytes(data)
            (staging / TEXT_FILE).write_bytes(extracted.text.encode("utf-8"))
            write_meta(staging, meta)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return StagedNotice(staging, meta, document, replaces)

    def publish(self, staged: StagedNotice, progress: ProgressFn | None = None) -> AssistantService:
        """Builds the staged notice's index, then makes it live in one atomic step; returns its service."""
        pack = load_pack(staged.root)
        service = self.service_for_staging(pack)
        try:
            service.ingest(progress=progress)
            _ = service.router  # trained (or loaded) now, so the first question does not wait for it
        except BaseException:
            staged.discard()
            raise
        slug_dir = staged.root.parent
        version = f"v-{pack.text_sha256[:12]}"
        final = slug_dir / version
        if final.exists():  # the same text published before: its folder is already complete
            staged.discard()
        else:
            staged.root.replace(final)
        from retrieval.index import write_atomic

        write_atomic(slug_dir / CURRENT, version + "\n")
        for old in slug_dir.iterdir():  # earlier versions; running services have read what they need
            if old.name != version and old.name.startswith("v-"):
                shutil.rmtree(old, ignore_errors=True)
        live = self.pack(pack.slug)
        service.pack = live
        with self._lock:
            self._services[(live.slug, live.text_sha256)] = service
        return self.service_for(live)

    def service_for_staging(self, pack: NoticePack) -> AssistantService:
        from assistant.service import AssistantService

        return AssistantService(self.settings, pack, embeddings=self.embeddings)

    def add(self, path: Path, slug: str | None = None, progress: ProgressFn | None = None) -> tuple[StagedNotice, AssistantService]:
        path = Path(path)
        max_bytes = int(self.settings.max_notice_mb * 1024 * 1024)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise LibraryError(f"无法读取文件 {path.name}（{exc.strerror or exc.__class__.__name__}）。") from exc
        if size > max_bytes:
            raise LibraryError(f"文件过大（{size / 1024 / 1024:.1f} MB），上限为 {self.settings.max_notice_mb:g} MB。")
        staged = self.stage(path.read_bytes(), str(path), slug)
        return staged, self.publish(staged, progress)

    def remove(self, slug: str) -> None:
        """Removes an added notice and its indexes. Shipped notices are part of the app and stay."""
        slug_dir = self.settings.library_dir / slug
        if not SLUG.match(slug) or not slug_dir.is_dir():
            if SLUG.match(slug) and (self.settings.notices_dir / slug / META_FILE).is_file():
                raise LibraryError(f"“{slug}”是随程序发布的通知，不能删除。")
            raise UnknownNotice(f"找不到通知“{slug}”。可用的通知：{'、'.join(self.slugs()) or '（无）'}。")
        # Out of sight in one step, then deleted: a reader sees the notice or nothing, never half of it.
        trash = self.settings.library_dir / f".trash-{slug}-{uuid.uuid4().hex[:8]}"
        slug_dir.replace(trash)
        with self._lock:
            for key in [k for k in self._services if k[0] == slug]:
                del self._services[key]
        shutil.rmtree(trash, ignore_errors=True)
        shutil.rmtree(self.settings.index_dir / slug, ignore_errors=True)
        self._packs = {root: v for root, v in self._packs.items() if slug_dir not in root.parents}


def as_library(source: NoticeLibrary | AssistantService) -> NoticeLibrary:
    """A library; a single service becomes a library that serves it (and any other notice it finds)."""
    if isinstance(source, NoticeLibrary):
        return source
    library = NoticeLibrary(source.settings)
    library.adopt(source)
    return library


def default_pack(settings: Settings) -> NoticePack:
    return NoticeLibrary(settings).pack(None)
