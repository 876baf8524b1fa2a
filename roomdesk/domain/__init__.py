"""What a room is and how its times work, independent of Whereby's API, the store and Qt.

The rules here are shared by every layer (api, store, services, ui, the CLI and the emulator), so
that each is said once: a room's status and its order (:mod:`.status`), labels, prefixes and room
modes (:mod:`.rooms`), time zones, UTC and how times are written (:mod:`.times`), a room's
planned session (:mod:`.sessions`), and the errors for input that breaks these rules
(:mod:`.errors`). Nothing here does I/O or imports another
roomdesk package; import the submodules, not this package.
"""
