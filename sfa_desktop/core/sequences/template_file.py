"""A file of sequence templates (JSON) for the central store, read and checked before anything is written.

The file is a list of templates, or ``{"templates": [...]}``; each template has a name, steps (checked with
:func:`~sfa_desktop.core.sequences.templates.validate`), and optionally an id (the template's UUID, to
update that template whatever its name), a description, a target and whether it is active.  Every mistake
is a :class:`TemplateFileError` naming the template and what to do; a file nested too deeply to read (a
hostile one) is one too, not a crash.
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

from sfa_desktop.core.records.fields import SEQUENCE_TARGETS
from sfa_desktop.core.sequences import templates as sequences
from sfa_desktop.core.transfer.textfile import FileError


class TemplateFileError(FileError):
    """The templates file cannot be imported; the message names the template and says what to do."""


def read_path(path: Path) -> list[dict[str, Any]]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TemplateFileError(f"Cannot read {path}: {exc.strerror}.") from None
    return read_templates(data, str(path))


def read_templates(data: bytes, name: str) -> list[dict[str, Any]]:
    """The templates of a file's bytes, checked and cleaned (ready to write), in file order."""
    try:
        parsed = json.loads(data.decode("utf-8"))
    except json.JSONDecodeError as exc:
        raise TemplateFileError(f"{name} is not valid JSON ({exc.msg} at line {exc.lineno}).") from None
    except UnicodeDecodeError:
        raise TemplateFileError(f"{name} is not UTF-8 text; save it as UTF-8 JSON.") from None
    except RecursionError:
        raise TemplateFileError(
            f"{name} is nested too deeply to be a templates file (brackets inside brackets, thousands deep). "
            "Export the templates again."
        ) from None
    items = parsed.get("templates") if isinstance(parsed, dict) else parsed
    if not isinstance(items, list) or not items:
        raise TemplateFileError(
            f'{name} holds no templates: give a list of templates, or {{"templates": [...]}}.'
        )
    cleaned = []
    names: set[str] = set()
    ids: set[str] = set()
    for number, item in enumerate(items, start=1):
        where = f"Template {number}"
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not item["name"].strip():
            raise TemplateFileError(f"{where} has no name.")
        name_ = item["name"].strip()
        where = f"Template '{name_}'"
        if len(name_) > 200 or name_.lower() in names:
            raise TemplateFileError(f"{where}: the name is too long or appears twice in the file.")
        names.add(name_.lower())
        template_id = _template_id(item.get("id"), where)
        if template_id is not None:
            if template_id in ids:
                raise TemplateFileError(f"{where}: the id {template_id} appears twice in the file.")
            ids.add(template_id)
        target = item.get("target", "any")
        if target not in SEQUENCE_TARGETS:
            raise TemplateFileError(f"{where}: target must be one of {', '.join(SEQUENCE_TARGETS)}.")
        try:
            steps = sequences.validate(item.get("steps"))
        except sequences.TemplateError as exc:
            raise TemplateFileError(f"{where}: {exc.message}") from None
        except RecursionError:
            raise TemplateFileError(f"{where}: its steps are nested too deeply to be read.") from None
        active = item.get("active", True)
        if not isinstance(active, bool):
            raise TemplateFileError(f"{where}: active must be true or false.")
        description = item.get("description")
        cleaned.append(
            {
                "id": template_id,
                "name": name_,
                "description": description if isinstance(description, str) else None,
                "target": target,
                "steps": sequences.steps_json(steps),
                "active": active,
            }
        )
    return cleaned


def _template_id(given: Any, where: str) -> str | None:
    """A template's id as the file gives it: none, or a UUID (as text)."""
    if given is None:
        return None
    shown = json.dumps(given)[:60]
    if not isinstance(given, str):
        raise TemplateFileError(
            f"{where}: the id {shown} is not a template's id; give its UUID as text "
            '("id": "0b6f...-..."), or leave the id out to go by the name.'
        )
    try:
        return str(uuid.UUID(given.strip()))
    except ValueError:
        raise TemplateFileError(
            f"{where}: the id {shown} is not a template's id (a UUID such as "
            '"0b6f3c2e-8d1a-4c5e-9f7b-2a6d4e8c1b3f"); correct it, or leave the id out to go by the name.'
        ) from None
