"""Without Whereby's OpenAPI document the contract tests skip on a developer's machine, but fail
in CI, where skipping them would pass a build that checked nothing against the spec."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.spec_contract import MEETING_PATHS, SPEC_PATH, spec_or_skip


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
    assert sorted((spec.spec / "paths").keys()) == sorted(MEETING_PATHS)
