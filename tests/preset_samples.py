"""A preset the tests share: a group workshop with a cloud recording whose S3 secret key the
keychain keeps under ``RECORDING_SECRET_NAME``."""

from __future__ import annotations

from datetime import time

from roomdesk.api.requests import RecordingType, StorageProvider
from roomdesk.domain.rooms import RoomMode
from roomdesk.services.presets import Preset, PresetStorage

RECORDING_SECRET_NAME = "Workshop / recording S3 key"

WORKSHOP = Preset(
    name="Workshop",
    room_mode=RoomMode.GROUP,
    viewer_link=True,
    locked=True,
    prefix="workshop",
    duration_minutes=90,
    start_time=time(9, 30),
    recording_type=RecordingType.CLOUD,
    recording_storage=PresetStorage(
        provider=StorageProvider.S3,
        bucket="rec",
        region="eu-north-1",
        access_key_id="AKIAEXAMPLE",
        secret_name=RECORDING_SECRET_NAME,
    ),
)
