"""``python -m roomdesk.cli``: the same as the ``roomdesk-cli`` command."""

from roomdesk.cli import main

main()
