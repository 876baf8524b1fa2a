"""The emulated recordings, transcriptions, summaries and insights calls.

Transport-free, like :mod:`roomdesk.emulator.routes`, which routes to :meth:`MediaApi.route`
after the meeting paths and checks the key and charges the points first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from roomdesk.emulator.library import GENERAL_TEMPLATE, NoSuchItem, NotPossible, SessionLibrary
from roomdesk.emulator.listing import page, parse_page_size, parse_sort, single_value
from roomdesk.emulator.meetings import BadRequest
from roomdesk.emulator.routes import (
    API_PREFIX,
    Call,
    Reply,
    error_reply,
    json_reply,
    parse_json_body,
)
from roomdesk.emulator.storage import Storage, StoredFile, bytes_file, generated_file

Handler = Callable[[Call], Reply]
Handlers = dict[str, Handler]

ACCESS_LINK_SECONDS_MAX = 43_200
ACCESS_LINK_SECONDS_DEFAULT = 3_600
LIST_PAGE_SIZE = 50  # the default of the recordings, transcriptions and summaries lists
INSIGHTS_PAGE_SIZE = 10
SUMMARY_TEMPLATES = (
    "SOAP",
    "Extended SOAP",
    "General Narrative",
    "General Bulleted",
    "Educational Lecture",
    "Educational Tutoring",
)
SUMMARIES_REFUSED = "Session summaries are not enabled for this organization"
_ITEM = r"/([^/]+)"


def _json_object(call: Call) -> Mapping[str, Any] | Reply:
    media_type = call.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if media_type != "application/json":
        return error_reply(
            HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "Content-Type must be application/json"
        )
    body = parse_json_body(call.body)
    if not isinstance(body, Mapping):
        raise BadRequest("the request body must be a JSON object")
    return body


def _id_in(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str) or not value:
        raise BadRequest(f'"{key}" is required and must be a string')
    return value


def _not_found(kind: str) -> Reply:
    return error_reply(HTTPStatus.NOT_FOUND, f"{kind} not found")


class MediaApi:
    """The calls, over a :class:`SessionLibrary` and the :class:`Storage` its links point to.

    ``summaries_enabled`` is off as for most accounts: summaries are a beta, and the others are
    refused with 403.
    """

    def __init__(self, library: SessionLibrary, storage: Storage) -> None:
        self.library = library
        self.storage = storage
        self.summaries_enabled = False
        v1 = API_PREFIX
        self._routes: list[tuple[re.Pattern[str], Handlers]] = [
            (re.compile(f"{v1}/recordings"), {"GET": self._list_recordings}),
            (re.compile(f"{v1}/recordings/bulk-delete"), {"POST": self._bulk_delete}),
            (
                re.compile(f"{v1}/recordings{_ITEM}"),
                {"GET": self._get_recording, "DELETE": self._delete_recording},
            ),
            (re.compile(f"{v1}/recordings{_ITEM}/access-link"), {"GET": self._recording_link}),
            (
                re.compile(f"{v1}/transcriptions"),
                {"GET": self._list_transcriptions, "POST": self._transcribe},
            ),
            (
                re.compile(f"{v1}/transcriptions{_ITEM}"),
                {"GET": self._get_transcription, "DELETE": self._delete_transcription},
            ),
            (
                re.compile(f"{v1}/transcriptions{_ITEM}/access-link"),
                {"GET": self._transcription_link},
            ),
            (
                re.compile(f"{v1}/summaries"),
                {"GET": self._list_summaries, "POST": self._summarise},
            ),
            (
                re.compile(f"{v1}/summaries{_ITEM}"),
                {"GET": self._get_summary, "DELETE": self._delete_summary},
            ),
            (re.compile(f"{v1}/insights/room-sessions"), {"GET": self._room_sessions}),
            (re.compile(f"{v1}/insights/participants"), {"GET": self._participants}),
        ]

    def route(self, path: str) -> tuple[Handlers, str] | None:
        """The handlers for ``path`` and the id in it ("" for none); None when it is not one
        of these calls' paths."""
        for pattern, handlers in self._routes:
            if match := pattern.fullmatch(path):
                return handlers, unquote(match.group(1)) if match.groups() else ""
        return None

    def find_file(self, kind: str, item_id: str) -> StoredFile | None:
        """What a storage link names: a recording's file, or a ready transcript."""
        library = self.library
        with library.lock:
            if kind == "recordings":
                recording = library.recordings.get(item_id)
                if recording is None:
                    return None
                media_type = "video/mp4" if recording.file_format == "mp4" else "video/x-matroska"
                return generated_file(recording.recording_id, recording.size_bytes, media_type)
            transcription = library.transcriptions.get(item_id)
            if kind != "transcriptions" or transcription is None:
                return None
            if transcription.state(library.now()) != "ready":
                return None
            return bytes_file(library.transcript_text(transcription), "text/markdown")

    # -- recordings -----------------------------------------------------------------------

    def _list_recordings(self, call: Call) -> Reply:
        fields = ("roomName", "startDate", "duration", "sizeInMegaBytes")
        sort, descending = parse_sort(call.query, fields, "startDate")
        room_name = single_value(call.query, "roomName")
        library = self.library
        with library.lock:
            found = [
                recording
                for recording in library.recordings.values()
                if room_name is None or recording.room_name == room_name
            ]
            values: dict[str, Callable[[Any], Any]] = {
                "roomName": lambda item: item.room_name,
                "startDate": lambda item: item.start_date.isoformat(),
                "duration": lambda item: (item.end_date - item.start_date).total_seconds(),
                "sizeInMegaBytes": lambda item: item.size_bytes,
            }
            items, cursor = page(
                found,
                value=values[sort],
                sequence=lambda item: item.sequence,
                sort=sort,
                descending=descending,
                limit=parse_page_size(call.query, LIST_PAGE_SIZE),
                cursor=single_value(call.query, "cursor"),
            )
            results = [item.to_api_json() for item in items]
        return json_reply(HTTPStatus.OK, {"results": results, "cursor": cursor})

    def _get_recording(self, call: Call) -> Reply:
        with self.library.lock:
            recording = self.library.recordings.get(call.item_id)
            if recording is None:
                return _not_found("Recording")
            return json_reply(HTTPStatus.OK, recording.to_api_json())

    def _delete_recording(self, call: Call) -> Reply:
        with self.library.lock:  # idempotent: unknown ids are answered the same way
            self.library.recordings.pop(call.item_id, None)
        return Reply(HTTPStatus.NO_CONTENT)

    def _bulk_delete(self, call: Call) -> Reply:
        body = _json_object(call)
        if isinstance(body, Reply):
            return body
        ids = body.get("recordingIds")
        if not isinstance(ids, list) or not all(isinstance(item, str) for item in ids):
            raise BadRequest('"recordingIds" must be a list of recording ids')
        with self.library.lock:
            for recording_id in ids:
                self.library.recordings.pop(recording_id, None)
        return Reply(HTTPStatus.NO_CONTENT)

    def _recording_link(self, call: Call) -> Reply:
        valid_for = _valid_for(call.query)
        with self.library.lock:
            recording = self.library.recordings.get(call.item_id)
            if recording is None:
                return _not_found("Recording")
            if recording.self_hosted:
                return error_reply(
                    HTTPStatus.FORBIDDEN,
                    "Access links are available for Whereby-hosted recordings only",
                )
            filename = recording.filename
        return self._link_reply("recordings", call.item_id, filename, valid_for)

    def _link_reply(self, kind: str, item_id: str, filename: str, valid_for: int) -> Reply:
        link, expires = self.storage.link(kind, item_id, filename, valid_for)
        return json_reply(HTTPStatus.OK, {"accessLink": link, "expires": expires})

    # -- transcriptions -------------------------------------------------------------------

    def _list_transcriptions(self, call: Call) -> Reply:
        fields = ("roomName", "startDate", "durationInSeconds")
        sort, descending = parse_sort(call.query, fields, "startDate")
        room_name = single_value(call.query, "roomName")
        library = self.library
        with library.lock:
            now = library.now()
            found = [
                item
                for item in library.transcriptions.values()
                if room_name is None or item.room_name == room_name
            ]
            values: dict[str, Callable[[Any], Any]] = {
                "roomName": lambda item: item.room_name,
                "startDate": lambda item: item.start_date.isoformat(),
                "durationInSeconds": lambda item: (item.end_date - item.start_date).total_seconds(),
            }
            items, cursor = page(
                found,
                value=values[sort],
                sequence=lambda item: item.sequence,
                sort=sort,
                descending=descending,
                limit=parse_page_size(call.query, LIST_PAGE_SIZE),
                cursor=single_value(call.query, "cursor"),
            )
            results = [item.to_api_json(now) for item in items]
        return json_reply(HTTPStatus.OK, {"results": results, "cursor": cursor})

    def _transcribe(self, call: Call) -> Reply:
        body = _json_object(call)
        if isinstance(body, Reply):
            return body
        try:
            made = self.library.transcribe(_id_in(body, "recordingId"))
        except NoSuchItem:
            return _not_found("Recording")
        except NotPossible as refusal:
            raise BadRequest(refusal.message) from None
        return json_reply(HTTPStatus.CREATED, {"transcriptionId": made.transcription_id})

    def _get_transcription(self, call: Call) -> Reply:
        library = self.library
        with library.lock:
            transcription = library.transcriptions.get(call.item_id)
            if transcription is None:
                return _not_found("Transcription")
            return json_reply(HTTPStatus.OK, transcription.to_api_json(library.now()))

    def _delete_transcription(self, call: Call) -> Reply:
        with self.library.lock:
            self.library.transcriptions.pop(call.item_id, None)
        return Reply(HTTPStatus.NO_CONTENT)

    def _transcription_link(self, call: Call) -> Reply:
        valid_for = _valid_for(call.query)
        library = self.library
        with library.lock:
            transcription = library.transcriptions.get(call.item_id)
            if transcription is None:
                return _not_found("Transcription")
            state = transcription.state(library.now())
            filename = transcription.filename
        if state != "ready":
            raise BadRequest(f"The transcription is {state}; it has no file to download")
        return self._link_reply("transcriptions", call.item_id, filename, valid_for)

    # -- summaries ------------------------------------------------------------------------

    def _refused(self) -> Reply | None:
        if self.summaries_enabled:
            return None
        return error_reply(HTTPStatus.FORBIDDEN, SUMMARIES_REFUSED)

    def _list_summaries(self, call: Call) -> Reply:
        if refused := self._refused():
            return refused
        fields = ("roomName", "startDate", "durationInSeconds")
        sort, descending = parse_sort(call.query, fields, "startDate")
        library = self.library
        with library.lock:
            now = library.now()
            values: dict[str, Callable[[Any], Any]] = {
                "roomName": lambda item: item.transcription.room_name,
                "startDate": lambda item: item.transcription.start_date.isoformat(),
                "durationInSeconds": lambda item: (
                    item.transcription.end_date - item.transcription.start_date
                ).total_seconds(),
            }
            items, cursor = page(
                library.summaries.values(),
                value=values[sort],
                sequence=lambda item: item.sequence,
                sort=sort,
                descending=descending,
                limit=parse_page_size(call.query, LIST_PAGE_SIZE),
                cursor=single_value(call.query, "cursor"),
            )
            results = [item.to_api_json(now) for item in items]
        return json_reply(HTTPStatus.OK, {"results": results, "cursor": cursor})

    def _summarise(self, call: Call) -> Reply:
        if refused := self._refused():
            return refused
        body = _json_object(call)
        if isinstance(body, Reply):
            return body
        template = body.get("template", GENERAL_TEMPLATE)
        if template not in SUMMARY_TEMPLATES:
            raise BadRequest(f'"template" must be one of {", ".join(SUMMARY_TEMPLATES)}')
        try:
            made = self.library.summarise(_id_in(body, "transcriptionId"), template)
        except NoSuchItem:
            return _not_found("Transcription")
        except NotPossible as refusal:
            raise BadRequest(refusal.message) from None
        return json_reply(HTTPStatus.CREATED, {"summaryId": made.summary_id})

    def _get_summary(self, call: Call) -> Reply:
        if refused := self._refused():
            return refused
        library = self.library
        with library.lock:
            summary = library.summaries.get(call.item_id)
            if summary is None:
                return _not_found("Summary")
            return json_reply(HTTPStatus.OK, summary.to_api_json(library.now()))

    def _delete_summary(self, call: Call) -> Reply:
        if refused := self._refused():
            return refused
        with self.library.lock:
            self.library.summaries.pop(call.item_id, None)
        return Reply(HTTPStatus.NO_CONTENT)

    # -- insights -------------------------------------------------------------------------

    def _room_sessions(self, call: Call) -> Reply:
        room_name = single_value(call.query, "roomName")
        if not room_name:
            raise BadRequest('"roomName" is required')
        session_id = single_value(call.query, "roomSessionId")
        fields = ("startedAt", "endedAt", "totalParticipantMinutes", "totalUniqueParticipants")
        sort, descending = parse_sort(call.query, fields, "startedAt")
        library = self.library
        with library.lock:
            now = library.now()
            found = [
                (session, session.to_api_json(now))
                for session in library.sessions.values()
                if session.room_name == room_name
                and (session_id is None or session.room_session_id == session_id)
            ]
            return _insights_page(call, found, sort, descending)

    def _participants(self, call: Call) -> Reply:
        session_id = single_value(call.query, "roomSessionId")
        external_id = single_value(call.query, "externalId")
        if not session_id and not external_id:
            raise BadRequest('either "roomSessionId" or "externalId" is required')
        sort, descending = parse_sort(call.query, ("joinedAt", "leftAt"), "joinedAt")
        library = self.library
        with library.lock:
            found = [
                (participant, participant.to_api_json(session.room_session_id))
                for session in library.sessions.values()
                if session_id is None or session.room_session_id == session_id
                for participant in session.participants
                if external_id is None or participant.external_id == external_id
            ]
            return _insights_page(call, found, sort, descending)


def _insights_page(
    call: Call, found: list[tuple[Any, dict[str, Any]]], sort: str, descending: bool
) -> Reply:
    """One page of an insights list: ``found`` holds each item with its answer's JSON."""
    items, cursor = page(
        found,
        # Every value of a sort is of one type: what has not ended yet sorts last.
        value=lambda item: item[1][sort] if item[1][sort] is not None else "~",
        sequence=lambda item: item[0].sequence,
        sort=sort,
        descending=descending,
        limit=parse_page_size(call.query, INSIGHTS_PAGE_SIZE),
        cursor=single_value(call.query, "cursor"),
    )
    return json_reply(HTTPStatus.OK, {"results": [body for _item, body in items], "cursor": cursor})


def _valid_for(query: Mapping[str, list[str]]) -> int:
    raw = single_value(query, "validForSeconds")
    if raw is None:
        return ACCESS_LINK_SECONDS_DEFAULT
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= ACCESS_LINK_SECONDS_MAX:
        raise BadRequest(
            f'"validForSeconds" must be a whole number from 1 to {ACCESS_LINK_SECONDS_MAX}'
        )
    return int(raw)
