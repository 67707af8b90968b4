"""The one exception staff see when a file cannot be added; its message is the whole explanation."""

from __future__ import annotations

from typing import Literal

ErrorCode = Literal["empty", "too_large", "encrypted", "scanned_pdf", "not_a_notice", "unsupported", "corrupt", "encoding"]

SUPPORTED_HINT = "目前支持：纯文本（.txt）、Word 文档（.docx）、带文字层的 PDF（.pdf）、网页（.html/.htm）。"


class NoticeFileError(ValueError):
    """A file that cannot be added as a notice.

    str(exc) is a short Chinese message for staff (no stack trace, no paths); code is for programs.
    """

    code: ErrorCode

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code = code

    def __reduce__(self) -> tuple[type[NoticeFileError], tuple[str, str]]:
        # Keeps code and message when the error crosses a process boundary (pickling).
        return (type(self), (self.code, str(self)))
