"""The union that reads every known `type@version`, older versions lifted to the latest.

As eventsourcing's upcasting does: each superseded model has an `upcast()` that returns its
next version; reading applies it until the event is of a current model, so a consumer meets
one class per event type whatever a producer wrote, then or now.
"""

from collections.abc import Sequence
from typing import Annotated, Any, Union

from pydantic import AfterValidator, BaseModel, Discriminator, Tag


def type_and_version(model: type[BaseModel]) -> str:
    """Return a model's `type@version`, the key the union discriminates on."""
    fields = model.model_fields
    return f"{fields['type'].default}@{fields['version'].default}"


def _discriminate(value: Any) -> str | None:
    if isinstance(value, dict):
        return f"{value.get('type')}@{value.get('version')}"
    if isinstance(value, BaseModel):
        return f"{getattr(value, 'type', None)}@{getattr(value, 'version', None)}"
    return None


def reading_union(current: Sequence[type[BaseModel]], superseded: Sequence[type[BaseModel]]) -> Any:
    """Return the discriminated union of every model, superseded ones upcast when read."""
    older = tuple(superseded)

    def latest(event: Any) -> Any:
        while isinstance(event, older):
            event = event.upcast()  # type: ignore[attr-defined]
        return event

    members = [Annotated[m, Tag(type_and_version(m))] for m in current]
    members += [Annotated[m, AfterValidator(latest), Tag(type_and_version(m))] for m in older]
    return Annotated[
        Union[tuple(members)],  # noqa: UP007
        Discriminator(
            _discriminate,
            custom_error_type="unknown_event",
            custom_error_message="unknown event type or version",
            custom_error_context={"discriminator": "type@version"},
        ),
    ]
