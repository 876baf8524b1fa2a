"""Whereby's recordings, transcriptions and summaries calls, through a :class:`WherebyClient`.

``RecordingsClient(client)`` sends every call through ``client``: its rate-limit queue, retries
and typed errors, as the meeting calls. Ids are checked before they go into a path, like meeting
ids, and every other argument before anything is sent. Access links are never logged or put
into a message: each works as a password for its file until it expires.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Iterable
from typing import Any
from urllib.parse import quote

from roomdesk.api.client import Subject, WherebyClient
from roomdesk.api.errors import (
    CreatedUnreadableError,
    FeatureNotAvailableError,
    ForbiddenError,
    MalformedResponseError,
    NotFoundError,
    NotWherebyHostedError,
    RequestRejectedError,
)
from roomdesk.api.media_models import (
    ACCESS_LINK_SECONDS_DEFAULT,
    RECORDING_SORT_FIELDS,
    SUMMARY_SORT_FIELDS,
    TRANSCRIPTION_SORT_FIELDS,
    AccessLink,
    Recording,
    Summary,
    SummaryTemplate,
    Transcription,
    check_valid_for,
    created_id,
    parse_recordings,
    parse_summaries,
    parse_transcriptions,
)
from roomdesk.api.models import check_path_id
from roomdesk.api.paging import PagingLimits, items_of, walk_item_pages
from roomdesk.api.parsing import PAGE_LIMIT_MAX, Page, Sort, check_limit, check_room_name

# A bulk delete sends at most this many ids at once: the document sets no bound, and a page of
# the list (which a selection comes from) holds at most as many.
BULK_DELETE_MAX = PAGE_LIMIT_MAX

RECORDING = Subject(noun="recording", missing="it may have been deleted.")
RECORDING_DELETES = Subject(noun="recording", repeatable=True)
# A list filtered by room: a 404 there is about the room.
ROOM = Subject(noun="room")
TRANSCRIPTION = Subject(noun="transcription", missing="it may have been deleted.")
NEW_TRANSCRIPTION = Subject(
    noun="recording",  # POST /transcriptions answers 404 for a recording it does not know
    missing="it may have been deleted.",
    request="the transcription request",
    maybe_made="the transcription may have been started",
    check_first="Look at the recording's transcriptions before asking again.",
    unreadable=(
        "The transcription was started, but Whereby's answer could not be read ({reason}); "
        "it will be among the recording's transcriptions."
    ),
)
SUMMARY = Subject(noun="summary", missing="it may have been deleted.")
NEW_SUMMARY = Subject(
    noun="transcription",
    missing="it may have been deleted.",
    request="the summary request",
    maybe_made="the summary may have been started",
    check_first="Look at the summaries before asking again.",
    unreadable=(
        "The summary was started, but Whereby's answer could not be read ({reason}); "
        "it will be among the summaries."
    ),
)
SUMMARIES_NOT_AVAILABLE = (
    "Session summaries are not available for this account: Whereby offers them, in beta, to "
    "selected customers only."
)
NOT_WHEREBY_HOSTED = (
    "Whereby gives download links only for files it stores itself; this one is kept in the "
    "organisation's own storage (S3)."
)


def _item_path(collection: str, item_id: str, field_name: str) -> str:
    return f"{collection}/{quote(check_path_id(item_id, field_name), safe='')}"


def _list_params(
    *, cursor: str | None, limit: int, sort: Sort | None, sort_fields: tuple[str, ...]
) -> dict[str, str | int]:
    params: dict[str, str | int] = {"limit": check_limit(limit)}
    if sort is not None:
        params["sortBy"] = sort.param(sort_fields)
    if cursor:
        params["cursor"] = cursor
    return params


class RecordingsClient:
    """Recordings, their transcriptions and the transcriptions' summaries, for one account."""

    def __init__(self, client: WherebyClient) -> None:
        self._client = client

    def __repr__(self) -> str:
        return f"RecordingsClient({self._client!r})"

    # -- recordings -----------------------------------------------------------------------------

    async def list_recordings_page(
        self,
        *,
        room_name: str | None = None,
        cursor: str | None = None,
        limit: int = PAGE_LIMIT_MAX,
        sort: Sort | None = None,
    ) -> Page[Recording]:
        """One page of ``GET /recordings``, of one room's recordings when ``room_name`` is
        given ("/team-sync-ab12cd")."""
        params = _list_params(
            cursor=cursor, limit=limit, sort=sort, sort_fields=RECORDING_SORT_FIELDS
        )
        subject = RECORDING
        if room_name is not None:
            params["roomName"] = check_room_name(room_name)
            subject = ROOM
        body = await self._client.call("GET", "recordings", params=params, subject=subject)
        return parse_recordings(body)

    def walk_recordings(
        self,
        *,
        room_name: str | None = None,
        sort: Sort | None = None,
        limit: int = PAGE_LIMIT_MAX,
        limits: PagingLimits | None = None,
    ) -> AsyncGenerator[Page[Recording]]:
        """Every page of the recordings (of one room), skipped items included; close it when
        leaving early (``contextlib.aclosing``)."""
        check_limit(limit)
        if room_name is not None:
            check_room_name(room_name)
        if sort is not None:
            sort.param(RECORDING_SORT_FIELDS)

        async def fetch(cursor: str | None) -> Page[Recording]:
            return await self.list_recordings_page(
                room_name=room_name, cursor=cursor, limit=limit, sort=sort
            )

        return walk_item_pages(fetch, lambda item: item.recording_id, "recording", limits)

    async def iter_recordings(self, **options: Any) -> AsyncIterator[Recording]:
        """Every recording, as :meth:`walk_recordings` takes them (the skipped left out)."""
        async for recording in items_of(self.walk_recordings(**options)):
            yield recording

    async def get_recording(self, recording_id: str) -> Recording:
        path = _item_path("recordings", recording_id, "recordingId")
        return Recording.from_json(await self._client.call("GET", path, subject=RECORDING))

    async def delete_recording(self, recording_id: str) -> bool:
        """``DELETE /recordings/{id}``; False when Whereby says it was not there."""
        path = _item_path("recordings", recording_id, "recordingId")
        try:
            await self._client.call("DELETE", path, subject=RECORDING)
        except NotFoundError:
            return False
        return True

    async def delete_recordings(self, recording_ids: Iterable[str]) -> int:
        """``POST /recordings/bulk-delete``: Whereby deletes them in the background, and asking
        again is harmless, so a failed call is retried like a read. Returns how many distinct
        ids were sent (none when there are none: nothing is sent)."""
        ids = list(dict.fromkeys(recording_ids))
        for recording_id in ids:
            check_path_id(recording_id, "recordingIds")
        for start in range(0, len(ids), BULK_DELETE_MAX):
            body = {"recordingIds": ids[start : start + BULK_DELETE_MAX]}
            await self._client.call(
                "POST", "recordings/bulk-delete", json_body=body, subject=RECORDING_DELETES
            )
        return len(ids)

    async def recording_access_link(
        self, recording_id: str, *, valid_for_seconds: int = ACCESS_LINK_SECONDS_DEFAULT
    ) -> AccessLink:
        """A link to download the recording, valid ``valid_for_seconds`` (1 to 43,200).
        :class:`NotWherebyHostedError` for a recording kept in the organisation's own storage."""
        path = _item_path("recordings", recording_id, "recordingId") + "/access-link"
        return await self._access_link(path, valid_for_seconds, RECORDING)

    # -- transcriptions -------------------------------------------------------------------------

    async def start_transcription(self, recording_id: str) -> str:
        """``POST /transcriptions``: transcribe a recording; the new transcription's id. It is
        ``in_progress`` until Whereby has made it. A lost answer is never sent again
        (:class:`CreateOutcomeUnknownError`): each transcription is made, and paid for, anew."""
        body = {"recordingId": check_path_id(recording_id, "recordingId")}
        answer = await self._client.call(
            "POST", "transcriptions", json_body=body, subject=NEW_TRANSCRIPTION
        )
        return _created(answer, "transcriptionId", "transcription", NEW_TRANSCRIPTION)

    async def list_transcriptions_page(
        self,
        *,
        room_name: str | None = None,
        cursor: str | None = None,
        limit: int = PAGE_LIMIT_MAX,
        sort: Sort | None = None,
    ) -> Page[Transcription]:
        params = _list_params(
            cursor=cursor, limit=limit, sort=sort, sort_fields=TRANSCRIPTION_SORT_FIELDS
        )
        subject = TRANSCRIPTION
        if room_name is not None:
            params["roomName"] = check_room_name(room_name)
            subject = ROOM
        body = await self._client.call("GET", "transcriptions", params=params, subject=subject)
        return parse_transcriptions(body)

    def walk_transcriptions(
        self,
        *,
        room_name: str | None = None,
        sort: Sort | None = None,
        limit: int = PAGE_LIMIT_MAX,
        limits: PagingLimits | None = None,
    ) -> AsyncGenerator[Page[Transcription]]:
        check_limit(limit)
        if room_name is not None:
            check_room_name(room_name)
        if sort is not None:
            sort.param(TRANSCRIPTION_SORT_FIELDS)

        async def fetch(cursor: str | None) -> Page[Transcription]:
            return await self.list_transcriptions_page(
                room_name=room_name, cursor=cursor, limit=limit, sort=sort
            )

        return walk_item_pages(fetch, lambda item: item.transcription_id, "transcription", limits)

    async def iter_transcriptions(self, **options: Any) -> AsyncIterator[Transcription]:
        async for transcription in items_of(self.walk_transcriptions(**options)):
            yield transcription

    async def get_transcription(self, transcription_id: str) -> Transcription:
        path = _item_path("transcriptions", transcription_id, "transcriptionId")
        return Transcription.from_json(await self._client.call("GET", path, subject=TRANSCRIPTION))

    async def delete_transcription(self, transcription_id: str) -> bool:
        path = _item_path("transcriptions", transcription_id, "transcriptionId")
        try:
            await self._client.call("DELETE", path, subject=TRANSCRIPTION)
        except NotFoundError:
            return False
        return True

    async def transcription_access_link(
        self, transcription_id: str, *, valid_for_seconds: int = ACCESS_LINK_SECONDS_DEFAULT
    ) -> AccessLink:
        """A link to download the transcript (a Markdown file) while it is valid."""
        path = _item_path("transcriptions", transcription_id, "transcriptionId") + "/access-link"
        return await self._access_link(path, valid_for_seconds, TRANSCRIPTION)

    # -- summaries (a beta: FeatureNotAvailableError for the other accounts) --------------------

    async def start_summary(
        self, transcription_id: str, template: SummaryTemplate | None = None
    ) -> str:
        """``POST /summaries``: summarise a transcription; the new summary's id."""
        body: dict[str, str] = {
            "transcriptionId": check_path_id(transcription_id, "transcriptionId")
        }
        if template is not None:
            body["template"] = SummaryTemplate(template).value
        answer = await self._summaries("POST", "summaries", json_body=body, subject=NEW_SUMMARY)
        return _created(answer, "summaryId", "summary", NEW_SUMMARY)

    async def list_summaries_page(
        self, *, cursor: str | None = None, limit: int = PAGE_LIMIT_MAX, sort: Sort | None = None
    ) -> Page[Summary]:
        params = _list_params(
            cursor=cursor, limit=limit, sort=sort, sort_fields=SUMMARY_SORT_FIELDS
        )
        return parse_summaries(await self._summaries("GET", "summaries", params=params))

    def walk_summaries(
        self,
        *,
        sort: Sort | None = None,
        limit: int = PAGE_LIMIT_MAX,
        limits: PagingLimits | None = None,
    ) -> AsyncGenerator[Page[Summary]]:
        check_limit(limit)
        if sort is not None:
            sort.param(SUMMARY_SORT_FIELDS)

        async def fetch(cursor: str | None) -> Page[Summary]:
            return await self.list_summaries_page(cursor=cursor, limit=limit, sort=sort)

        return walk_item_pages(fetch, lambda item: item.summary_id, "summary", limits)

    async def iter_summaries(self, **options: Any) -> AsyncIterator[Summary]:
        async for summary in items_of(self.walk_summaries(**options)):
            yield summary

    async def get_summary(self, summary_id: str) -> Summary:
        path = _item_path("summaries", summary_id, "summaryId")
        return Summary.from_json(await self._summaries("GET", path))

    async def delete_summary(self, summary_id: str) -> bool:
        path = _item_path("summaries", summary_id, "summaryId")
        try:
            await self._summaries("DELETE", path)
        except NotFoundError:
            return False
        return True

    # -- shared ---------------------------------------------------------------------------------

    async def _access_link(self, path: str, valid_for_seconds: int, subject: Subject) -> AccessLink:
        params = {"validForSeconds": check_valid_for(valid_for_seconds)}
        try:
            body = await self._client.call("GET", path, params=params, subject=subject)
        except ForbiddenError:
            raise NotWherebyHostedError(NOT_WHEREBY_HOSTED) from None
        return AccessLink.from_json(body)

    async def _summaries(
        self, method: str, path: str, *, subject: Subject = SUMMARY, **options: Any
    ) -> Any:
        """A summaries call; an account outside the beta gets FeatureNotAvailableError."""
        try:
            return await self._client.call(method, path, subject=subject, **options)
        except ForbiddenError:
            raise FeatureNotAvailableError(SUMMARIES_NOT_AVAILABLE) from None
        except RequestRejectedError as exc:
            if exc.status == 402:  # Payment Required: the plan does not include them
                raise FeatureNotAvailableError(SUMMARIES_NOT_AVAILABLE) from None
            raise


def _created(answer: Any, key: str, kind: str, subject: Subject) -> str:
    """The new item's id from a ``201``; the request may not be sent again, so an answer
    without one is :class:`CreatedUnreadableError`, as a create's."""
    try:
        return created_id(answer, key, kind)
    except MalformedResponseError as exc:
        raise CreatedUnreadableError(subject.unreadable.format(reason=exc)) from None
