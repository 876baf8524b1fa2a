"""Without Whereby's OpenAPI document the contract tests skip on a developer's machine, but fail
in CI, where skipping them would pass a build that checked nothing against the spec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openapi_core import OpenAPI
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError as OpenAPIError

from tests.spec_contract import SPEC_PATH, USED_PATHS, spec_or_skip


def test_a_missing_document_fails_in_ci_saying_where_and_how(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    missing = tmp_path / "shared" / "whereby-openapi.json"
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception) as failure:
        spec_or_skip(missing)
    message = str(failure.value)
    assert str(missing) in message
    assert ".ci/fetch-openapi.py" in message
    assert "must run" in message


@pytest.mark.parametrize("ci", ["1", "TRUE"])
def test_other_spellings_of_ci_fail_too(tmp_path: Path, ci: str) -> None:
    with pytest.raises(pytest.fail.Exception):
        spec_or_skip(tmp_path / "absent.json", environ={"CI": ci})


@pytest.mark.parametrize("environ", [{}, {"CI": "false"}, {"CI": ""}])
def test_a_missing_document_skips_outside_ci(tmp_path: Path, environ: dict[str, str]) -> None:
    missing = tmp_path / "absent.json"
    with pytest.raises(pytest.skip.Exception, match="is not at"):
        spec_or_skip(missing, environ=environ)


def test_the_document_beside_the_checkout_loads_in_ci() -> None:
    # Where the document is, CI or not makes no difference: the spec loads. Where it is not,
    # this test itself fails in CI and skips elsewhere, as every contract test does.
    spec = spec_or_skip(SPEC_PATH, environ={"CI": "true"})
    assert sorted((spec.spec / "paths").keys()) == sorted(USED_PATHS)


def test_the_defects_patched_on_load_are_still_in_the_published_document() -> None:
    # A patch for a defect Whereby has fixed would hide the fix: each is checked to be needed.
    spec_or_skip()
    document = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    paths, schemas = document["paths"], document["components"]["schemas"]
    transcriptions = paths["/transcriptions"]
    assert transcriptions["post"]["parameters"]  # a path parameter not in the path
    created = transcriptions["post"]["responses"]["201"]["content"]["application/json"]
    assert "type" not in created["schema"]  # a property where the schema should be
    listed = transcriptions["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert "cursor" in listed and "cursor" not in listed["properties"]
    assert "properties" not in schemas["Recording"] and "properties" not in schemas["Summary"]
    assert any("schema" not in p for p in paths["/recordings"]["get"]["parameters"])
    sessions = paths["/insights/room-sessions"]["get"]["responses"]["200"]["content"]
    session = sessions["application/json"]["schema"]["properties"]["results"]["items"]
    assert {"createdAt", "endAt"} <= set(session["required"])
    assert not {"createdAt", "endAt"} & set(session["properties"])
    assert session["properties"]["rating"]["type"] == ["number", "null"]
    participants = paths["/insights/participants"]["get"]["parameters"]
    assert next(p for p in participants if p["name"] == "roomSessionId")["required"] is True


def test_without_the_patches_the_used_operations_do_not_load() -> None:
    spec_or_skip()
    document = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
    document["paths"] = {path: document["paths"][path] for path in USED_PATHS}
    with pytest.raises(OpenAPIError):
        OpenAPI.from_dict(document)
