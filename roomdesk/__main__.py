"""``python -m roomdesk`` starts the desktop app."""

import sys

from roomdesk.app import main

sys.exit(main())
