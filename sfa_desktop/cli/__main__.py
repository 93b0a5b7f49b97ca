"""``python -m sfa_desktop.cli``: the ``sfa`` command line (the script PyInstaller freezes as ``sfa``)."""

import sys

from sfa_desktop.cli import main

sys.exit(main())
