"""The strict pydantic base every config schema uses, and its one-line error format."""

from __future__ import annotations

from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, ValidationError, model_validator

from benchlab.config.secrets import SECRET_ADVICE, looks_like_secret, redact_text, shown_value

__all__ = ["StrictModel", "check_env_fields", "format_validation_error"]


def _names_a_variable(field: Any, value: Any) -> bool:
    """False for a `*_env` field whose value is not a plain variable name (e.g. a pasted key)."""
    if not (isinstance(field, str) and field.endswith("_env") and isinstance(value, str)):
        return True
    return value.replace("_", "").isalnum() and not looks_like_secret(value)


def check_env_fields(data: Any, where: str = "") -> Any:
    """Refuse a key or token pasted into a `*_env` field (at any depth): it must name a variable."""
    if isinstance(data, dict):
        items = [(f"{where}.{k}" if where else str(k), k, v) for k, v in data.items()]
    elif isinstance(data, list):
        items = [(f"{where}[{i}]", i, v) for i, v in enumerate(data)]
    else:
        items = []
    for path, field, value in items:
        if isinstance(value, dict | list):
            check_env_fields(value, path)
        elif not _names_a_variable(field, value):
            raise ValueError(
                f"{path} must be the NAME of an environment variable (e.g. OPENAI_API_KEY), "
                "not the key itself; export the key in that variable and name it here"
            )
    return data


class StrictModel(BaseModel):
    """Frozen, unknown fields refused, and no secret accepted where a variable name belongs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    @model_validator(mode="before")
    @classmethod
    def _env_fields_name_variables(cls, data: Any) -> Any:
        return check_env_fields(data)


def format_validation_error(
    source: str, error: ValidationError, prefix: str = "", model: type[BaseModel] | None = None
) -> str:
    """The first pydantic error as `FILE: field.path: message (got VALUE)`.

    An unknown field lists the allowed ones of the schema class that owns it, found by following
    the error's location from `model` (or from the class the error was raised for). A value
    or field name that looks like a key or token is never shown.
    """
    first = error.errors()[0]
    parts = ["<hidden>" if looks_like_secret(part) else part for part in first["loc"]]
    location = ".".join(
        f"[{part}]" if isinstance(part, int) else str(part) for part in parts
    ).replace(".[", "[")
    where = ".".join(part for part in (prefix, location) if part)
    message = first["msg"].removeprefix("Value error, ")
    root = model or _schema_named(error.title)
    owner = _owner_of(root, first["loc"]) if root is not None else None
    if first["type"] == "extra_forbidden" and owner is not None:
        message = f"unknown field; allowed fields: {sorted(owner.model_fields)}"
    value = first.get("input")
    if isinstance(value, dict) or first["type"] == "missing":
        shown = ""
    elif looks_like_secret(value):
        shown = f" ({SECRET_ADVICE})"
    else:
        shown = f" (got {shown_value(value)})"
    message = redact_text(message)
    return f"{source}: {where}: {message}{shown}" if where else f"{source}: {message}{shown}"


def _schema_named(title: str) -> type[BaseModel] | None:
    """The benchlab schema class a ValidationError was raised for (its title is the name)."""
    pending = list(BaseModel.__subclasses__())
    while pending:
        cls = pending.pop()
        if cls.__name__ == title and cls.__module__.startswith("benchlab."):
            return cls
        pending.extend(cls.__subclasses__())
    return None


def _nested_schema(annotation: Any) -> type[BaseModel] | None:
    """The schema class inside a field's annotation (`list[X]`, `dict[str, X]`, `X | None`)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        found = _nested_schema(argument)
        if found is not None:
            return found
    return None


def _owner_of(root: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The schema class holding the field at `loc`; list indices and dict keys are skipped."""
    owner = root
    for part in loc[:-1]:
        field = owner.model_fields.get(part) if isinstance(part, str) else None
        nested = _nested_schema(field.annotation) if field is not None else None
        if nested is not None:
            owner = nested
        elif field is not None:
            return None
    return owner
