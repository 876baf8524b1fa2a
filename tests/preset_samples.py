"""A preset the tests share: a group workshop with a cloud recording whose S3 secret key the
keychain keeps under ``RECORDING_SECRET_NAME``."""

from __future__ import annotations

from datetime import time

from roomdesk.api.requests import RecordingType, StorageProvider
from roomdesk.domain.rooms import RoomMode
from roomdesk.services.presets import Preset, PresetStorage

RECORDING_SECRET_NAME = "Workshop / recording S3 key"


def s3_storage(secret_name: str) -> PresetStorage:
    """The tests' S3 bucket, its access key's secret kept in the keychain as ``secret_name``."""
    return PresetStorage(
        provider=StorageProvider.S3,
        bucket="rec",
        region="eu-north-1",
        access_key_id="AKIAEXAMPLE",
        secret_name=secret_name,
    )


WORKSHOP = Preset(
    name="Workshop",
    room_mode=RoomMode.GROUP,
    viewer_link=True,
    locked=True,
    prefix="workshop",
    duration_minutes=90,
    start_time=time(9, 30),
    recording_type=RecordingType.CLOUD,
    recording_storage=s3_storage(RECORDING_SECRET_NAME),
)
