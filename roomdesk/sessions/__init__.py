"""What a facilitator hands out for a session: the invitation text, a calendar file, a QR code
and personal links, each built from one room's :class:`~roomdesk.sessions.facts.SessionFacts`.

Free of Qt and I/O apart from writing a finished file (:mod:`.files`): the CLI and the desktop
app share it. Import the submodules, not this package.
"""
