"""Recorded platform responses (status, headers, body in the platform's wire format) for `responses`."""

import json
from pathlib import Path

import responses

HERE = Path(__file__).parent


def load(name: str) -> dict:
    return json.loads((HERE / name).read_text(encoding="utf-8"))


def body_of(recording: dict) -> bytes:
    if "body_text" in recording:
        return recording["body_text"].encode("utf-8")
    return json.dumps(recording["body"], ensure_ascii=False).encode("utf-8")


def add(rsps: responses.RequestsMock, method: str, url: str, name: str, *, recording=None, **kwargs):
    """Register one recorded response (or an edited copy passed as `recording`)."""
    recording = recording or load(name)
    headers = dict(recording["headers"])
    content_type = headers.pop("content-type", "application/json")
    return rsps.add(
        method, url, body=body_of(recording), status=recording["status"], headers=headers,
        content_type=content_type, **kwargs,
    )
