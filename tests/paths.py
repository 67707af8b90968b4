"""Paths the tests share (importable; conftest.py is not meant to be imported)."""

from assistant.settings import ROOT

FLAGSHIP = ROOT / "notices/ndrc-2013-iot-pilot"  # the flagship notice's pack
SOURCE = FLAGSHIP / "source.txt"
SECOND = ROOT / "notices/ndrc-2019-tax-credit"  # a shipped pack without enrichments
COLLECTED = ROOT / "eval/notices"  # real notices collected for development, each with SOURCE.md
