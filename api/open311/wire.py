"""The two wire formats of GeoReport v2: JSON arrays/objects and XML with a root element holding one
element per item. Dates are ISO 8601 with their offset (Seoul, +09:00); booleans are true/false."""

import json
from datetime import datetime
from xml.etree import ElementTree as ET

from django.http import HttpResponse
from django.utils import timezone

CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _append(parent: ET.Element, name: str, value, item_names: dict[str, str]) -> None:
    element = ET.SubElement(parent, name)
    if isinstance(value, dict):
        for key, inner in value.items():
            _append(element, key, inner, item_names)
    elif isinstance(value, list):
        for inner in value:
            _append(element, item_names.get(name, name.rstrip("s")), inner, item_names)
    else:
        element.text = _text(value)


def render(fmt: str, data, *, root: str, item: str | None = None, status: int = 200,
           item_names: dict[str, str] | None = None) -> HttpResponse:
    """`data` is a list of dicts (`root` > `item` elements in XML) or one dict (`root` element)."""
    if fmt == "json":
        body = json.dumps(data, ensure_ascii=False).encode()
    else:
        names = {root: item or root, **(item_names or {})}
        element = ET.Element(root)
        if isinstance(data, list):
            for entry in data:
                _append(element, item or root, entry, names)
        else:
            for key, value in data.items():
                _append(element, key, value, names)
        body = ET.tostring(element, encoding="utf-8", xml_declaration=True)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, description: str) -> HttpResponse:
    """Open311's error array: [{"code": 400, "description": "..."}] / <errors><error>…"""
    return render(fmt, [{"code": status, "description": description}], root="errors", item="error", status=status)
