#!/usr/bin/env python3
"""Put Whereby's published OpenAPI document at ../shared/whereby-openapi.json beside the checkout.

The contract tests (tests/spec_contract.py) read it there. The document is fetched at a pinned
commit of Whereby's docs and must have the pinned SHA-256: a changed document is a decision to
review, not something a build picks up by itself. A document already there with the right
checksum is kept. Exits 1, saying why, when the download fails or the checksum differs.
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
import urllib.request
from pathlib import Path

URL = (
    "https://raw.githubusercontent.com/whereby/docs/b93cfe012a96cdbb6a7e99ec57a02a7b91d96d1e/"
    ".gitbook/assets/_api-reference-docs-openapi.json"
)
SHA256 = "50f75a18ecdcd06e9fb5af3bb6aaf53c242520602deff53f27e469a3354799f1"
TARGET = Path(__file__).resolve().parents[2] / "shared" / "whereby-openapi.json"


def main() -> int:
    if TARGET.is_file() and hashlib.sha256(TARGET.read_bytes()).hexdigest() == SHA256:
        print(f"{TARGET}: present, SHA-256 as pinned")
        return 0
    try:
        with urllib.request.urlopen(URL, timeout=60) as response:
            data = response.read()
    except OSError as error:
        print(f"error: could not download {URL}: {error}", file=sys.stderr)
        return 1
    digest = hashlib.sha256(data).hexdigest()
    if digest != SHA256:
        print(f"error: {URL} has SHA-256 {digest}, not the pinned {SHA256}", file=sys.stderr)
        return 1
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    # Written beside the target and renamed into place, so a reader never sees half a file.
    with tempfile.NamedTemporaryFile(dir=TARGET.parent, delete=False) as handle:
        handle.write(data)
    os.chmod(handle.name, 0o644)  # a public document: readable by whoever runs the tests
    Path(handle.name).replace(TARGET)
    print(f"{TARGET}: downloaded, SHA-256 as pinned")
    return 0


if __name__ == "__main__":
    sys.exit(main())
