"""Numbers written with Arabic digits, Chinese numerals or both (5千万, 三千万, 0.3亿, 二〇一四)."""

from __future__ import annotations

import re

DIGITS = {
    "零": 0, "〇": 0, "一": 1, "壹": 1, "二": 2, "两": 2, "贰": 2, "三": 3, "叁": 3, "四": 4, "肆": 4,
    "五": 5, "伍": 5, "六": 6, "陆": 6, "七": 7, "柒": 7, "八": 8, "捌": 8, "九": 9, "玖": 9,
}
SMALL_UNITS = {"十": 10, "拾": 10, "百": 100, "佰": 100, "千": 1000, "仟": 1000}
BIG_UNITS = {"万": 10_000, "亿": 100_000_000}
NUMERAL_CHARS = "".join(DIGITS) + "".join(SMALL_UNITS) + "".join(BIG_UNITS)
_ARABIC = re.compile(r"\d+(?:\.\d+)?")
_GROUP_COMMA = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")


class NotANumber(ValueError):
    """The text is not a number this parser understands."""


def parse_number(text: str) -> float:
    """The value of text such as 4999, 3,000, 0.3亿, 5千万, 三千万, 一亿两千万, 十二 or 二〇一四.

    Mixed forms are read the way people write amounts: an Arabic part counts like a Chinese digit,
    so 5千万 is 5 × 千 × 万. A run of bare digits without units (二〇一四) is read positionally.
    """
    s = _GROUP_COMMA.sub("", text.strip())  # 3,000万 = 3000万
    if not s:
        raise NotANumber(text)
    if _ARABIC.fullmatch(s):
        return float(s)
    if all(ch in DIGITS for ch in s):
        return float("".join(str(DIGITS[ch]) for ch in s))
    return _parse_with_units(s, text)


def _parse_with_units(s: str, original: str) -> float:
    total = 0.0      # everything already closed by 亿 or 万
    section = 0.0    # the part below the next big unit
    number: float | None = None
    pos = 0
    while pos < len(s):
        arabic = _ARABIC.match(s, pos)
        if arabic:
            if number is not None:
                raise NotANumber(original)
            number = float(arabic.group())
            pos = arabic.end()
            continue
        ch = s[pos]
        pos += 1
        if ch in DIGITS:
            if number is not None:
                raise NotANumber(original)  # 三四千: a range or a typo, not one number
            number = float(DIGITS[ch])
        elif ch in SMALL_UNITS:
            # 十 alone means 10 (十万 = 100000); other units need a digit before them.
            if number is None and ch not in "十拾":
                raise NotANumber(original)
            section += (1.0 if number is None else number) * SMALL_UNITS[ch]
            number = None
        elif ch in BIG_UNITS:
            section += number or 0.0
            if section == 0 and (ch == "万" or total == 0):
                raise NotANumber(original)  # 万一, 亿万: a unit with nothing to scale
            # 亿 scales everything before it (一万亿); 万 only its own section (一亿两千万).
            total = (total + section) * BIG_UNITS[ch] if ch == "亿" else total + section * BIG_UNITS[ch]
            section, number = 0.0, None
        else:
            raise NotANumber(original)
    return total + section + (number or 0.0)
