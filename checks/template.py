"""An empty plan skeleton (.docx or .md): every heading Annex 1 requires, with the clause's own guidance under it."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from checks.annex import annex_title, outline_sections
from corpus.models import Clause
from corpus.packs import OutlineSpec

PROJECT_PLACEHOLDER = "重点项目一：（项目名称）"
GUIDANCE_PREFIX = "编写要求"
FILL_IN = "（请在此填写。）"


class Block(BaseModel):
    """One line of the skeleton: a heading (level ≥ 0) or a paragraph (level None)."""

    text: str
    level: int | None = None
    guidance: bool = False


def skeleton(clauses: dict[str, Clause], spec: OutlineSpec) -> list[Block]:
    """The plan as blocks: title, sections, sub-items, and one placeholder key project with its six aspects."""
    sections = outline_sections(clauses, spec)
    blocks = [Block(text=annex_title(clauses, spec), level=0)]
    for s in sections:
        depth = 1 if s.parent == spec.annex else 2
        if s.parent == spec.key_projects:
            if s.id == clauses[spec.key_projects].children[0]:
                blocks.append(Block(text=PROJECT_PLACEHOLDER, level=2))
            depth = 3
        blocks.append(Block(text=s.heading_line, level=depth))
        if s.guidance:
            blocks.append(Block(text=f"{GUIDANCE_PREFIX}（{clauses[s.id].marker}）：{s.guidance}", guidance=True))
        if not s.children:
            blocks.append(Block(text=FILL_IN))
    return blocks


def write_template(clauses: dict[str, Clause], spec: OutlineSpec, out: Path) -> Path:
    """Writes the skeleton as .docx or .md, chosen by the file extension."""
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in (".docx", ".md"):
        raise ValueError(f"模板只能保存为 .docx 或 .md，收到“{out.suffix or '无扩展名'}”。")
    out.parent.mkdir(parents=True, exist_ok=True)
    blocks = skeleton(clauses, spec)
    if suffix == ".md":
        out.write_text(_markdown(blocks), encoding="utf-8")
    else:
        _docx(blocks, out)
    return out


def _markdown(blocks: list[Block]) -> str:
    lines = []
    for b in blocks:
        if b.level is not None:
            lines += ["#" * (b.level + 1) + " " + b.text, ""]
        else:
            lines += [f"> {b.text}" if b.guidance else b.text, ""]
    return "\n".join(lines)


def _docx(blocks: list[Block], out: Path) -> None:
    import docx

    document = docx.Document()
    for b in blocks:
        if b.level is not None:
            document.add_heading(b.text, level=b.level)
        else:
            run = document.add_paragraph().add_run(b.text)
            run.italic = b.guidance  # guidance reads as an instruction, not as plan text
    document.save(str(out))
