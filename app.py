"""Entry point: `python app.py` starts the web chat; `python app.py ask "问题"` answers on the command line."""

import sys

from assistant.cli import main

if __name__ == "__main__":
    sys.exit(main())
