"""``roomdesk-cli``: the command-line companion to the desktop app.

Errors are one line on stderr starting ``error:``; the exit code says what kind:
0 done, 1 refused by the API, 2 bad input, 3 missing/invalid key or forbidden,
4 network or server unavailable, or its answer unusable, 5 still rate limited after waiting,
6 the local room list or data folder could not be read or written (130 interrupted).

``create --count N`` reports each room that failed on a line of its own and exits with the code
of the first failure; rooms created before and after it stay created. A create answered with a
5xx or not at all may have happened and is counted apart (``sync`` finds out); one Whereby made
but whose details could not be read counts as created, yet still sets exit 4 because the output
lacks it.

Text from the server or the person (labels, room names, links, error texts) is printed with
its control characters shown as escapes (``\x1b``, ``\u202e``), so it cannot move the cursor,
clear the screen or reverse a line; ``--json`` output is exact JSON.
"""

from roomdesk.cli.commands import main, run

__all__ = ["main", "run"]
