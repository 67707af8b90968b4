"""Question validation shared by the chat, the API and the CLI: clear Chinese messages, no traces."""

from __future__ import annotations

import logging
import re
import unicodedata

log = logging.getLogger(__name__)


class InvalidQuestion(ValueError):
    """The question cannot be answered as given (empty, too long); the message is for the user."""


_SURROGATE = re.compile("[\ud800-\udfff]")
_ANSI_ESCAPE = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-Z\\-_]")


def _refused(reason: str, chars: int, message: str) -> InvalidQuestion:
    log.info("question refused: %s (%d chars)", reason, chars)
    return InvalidQuestion(message)


def validate_question(question: str, limit: int) -> str:
    """The question without control characters, or InvalidQuestion with a message for the user.

    Refusals are logged by reason and length only: the text may hold personal data.
    """
    too_long = f"问题过长（超过{limit}字），请精简后再问。"
    if not isinstance(question, str):
        raise _refused("not_text", 0, "问题应为文字，请输入您想了解的内容。")
    if len(question) > 10 * limit:  # do not even scan megabytes
        raise _refused("too_long", len(question), too_long)
    if _SURROGATE.search(question):  # bytes that were not UTF-8 (the CLI decodes argv with surrogateescape)
        raise _refused("bad_encoding", len(question),
                       "问题含有无法识别的字符（不是有效的 UTF-8 文本），请检查输入法或终端编码后重试。")
    cleaned = "".join(ch for ch in _ANSI_ESCAPE.sub("", question) if ch.isprintable() or ch in "\n\t").strip()
    if not cleaned:
        raise _refused("empty", len(question), "问题不能为空，请输入您想了解的内容。")
    if len(cleaned) > limit:
        raise _refused("too_long", len(cleaned), too_long)
    # Only emoji, punctuation or symbols. (Markup has letters: it is answered, as not_found, and shown escaped.)
    if not any(unicodedata.category(ch)[0] in "LN" for ch in cleaned):
        raise _refused("no_text", len(cleaned), "没有识别到文字内容，请用文字描述您想了解的问题。")
    return cleaned
