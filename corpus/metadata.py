"""Metadata of a newly added notice, read from its parsed clauses (and a web page's metadata table).

Nothing is invented: a field the text does not give stays empty.
"""

from __future__ import annotations

import re

from corpus.models import ParsedDocument
from corpus.packs import AnnexMeta

_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,12}[〔\[［(（]\d{4}[〕\]］)）]\s*\d{1,5}\s*号")
_DATE = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_RECIPIENT_SPLIT = re.compile(r"[，,；;]")  # 、 lists within one addressee (各省、自治区…)
_TITLE_WORDS = re.compile(r"(通知|办法|意见|规定|公告|决定|函|方案|指南|细则|通告|批复|规划|条例|纪要)")


def iso_date(text: str) -> str | None:
    m = _DATE.search(text)
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return None
    return f"{year:04d}-{month:02d}-{day:02d}"


def infer_metadata(document: ParsedDocument, found: dict[str, str] | None = None,
                   fallback_title: str = "") -> dict[str, object]:
    """title, issuer, doc_number, date, recipients and annexes: from the format reader's metadata where it
    found them (a web page's table), else from the header, the signature and the 附件 list."""
    found = dict(found or {})
    clauses = document.by_id()
    header = clauses.get("notice.header")
    signature = clauses.get("notice.signature")
    title = found.get("title") or ""
    recipients: list[str] = []
    if header is not None:
        # The header's lines (whitespace-separated in the normalised text): a red-letter head (…文件), the
        # 发文字号, the title (the first line with a document-type word), then the addressees (…：).
        segments = header.text.split(" ")
        titled = [i for i, s in enumerate(segments) if _TITLE_WORDS.search(s) and not _DOC_NUMBER.search(s)
                  and not s.endswith(("：", ":"))]
        if not title and titled:
            title = segments[titled[0]]
        # A scraped page may repeat the title line: the addressees follow the last one.
        rest = " ".join(segments[titled[-1] + 1:] if titled else segments).strip()
        if rest.endswith(("：", ":")):
            recipients = [r.strip() for r in _RECIPIENT_SPLIT.split(rest.rstrip("：:")) if r.strip()]
    # Only the header carries the notice's own number; the preamble cites other documents' numbers.
    head_text = header.text if header is not None else ""
    doc_number = found.get("doc_number") or (m.group(0).replace(" ", "") if (m := _DOC_NUMBER.search(head_text)) else None)
    date = found.get("date") or (iso_date(signature.text) if signature is not None else None)
    issuer = found.get("issuer")
    if issuer is None and signature is not None:
        issuer = _DATE.split(signature.text)[0].strip() or None
    if not title:  # the source gives no title line: say whose notice it is, never invent a title
        title = "、".join(x for x in (issuer, date) if x) + "通知" if (issuer or date) else (fallback_title or "未命名通知")
    annexes = [AnnexMeta(number=int(c.id.removeprefix("annex")), title=c.heading, content_provided=c.content_provided)
               for c in document.clauses if re.fullmatch(r"annex\d+", c.id)]
    out: dict[str, object] = {"title": title.strip(), "issuer": issuer, "doc_number": doc_number, "date": date,
                              "published": found.get("published"), "recipients": recipients, "annexes": annexes}
    return {k: v for k, v in out.items() if v not in (None, [], "")}
