"""The room list without Qt: the rooms as a sorted, filterable table built for 100,000 rooms.

:class:`~roomdesk.roomlist.table.RoomTable` is the one entry point of the list's state: its
operations return what changed (:mod:`roomdesk.roomlist.changes`), which the Qt layer in
:mod:`roomdesk.ui.room_table_model` turns into model signals. The modules below it: columns (the
column store), indexes (rooms by end hour and by meeting id), ordering (sort keys, sorting in
steps, merges), preparation (a whole list built at once, in a worker thread if need be), texts
(what a room shows), tuning (sizes and thresholds) and runtime (process-wide settings for bulk
work and memory).
"""
