"""Initial form data from the applicant's subject record, following each field's ``ui:prefill``.

The applicant should not type what the platform already knows (自然人 / 法人 records, the account's
phone); every domain's form names those values the same way (`schema.PREFILL_SOURCES`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from yiwang.core.forms.specs import FieldSpec, specs_of, ui_hint
from yiwang.core.models import Enterprise, Person


def subject_values(
    *, person: Person | None, enterprise: Enterprise | None, user: Any = None
) -> dict[str, Any]:
    """The values a ``ui:prefill`` may name, from the applicant's subject records."""
    values: dict[str, Any] = {}
    if person is not None:
        values |= {
            "person.name": person.name,
            "person.id_number": person.id_number,
            "person.phone": person.phone,
            "person.address": person.address,
            "person.gender": person.gender,
            "person.birth_date": person.birth_date.isoformat() if person.birth_date else "",
            "person.region": person.region.code if person.region_id and person.region else "",
        }
    if enterprise is not None:
        legal = enterprise.legal_representative
        values |= {
            "enterprise.name": enterprise.name,
            "enterprise.uscc": enterprise.uscc,
            "enterprise.address": enterprise.address,
            "enterprise.legal_representative": legal.name if legal is not None else "",
            "enterprise.legal_representative.name": legal.name if legal is not None else "",
            "enterprise.legal_representative.id_number": legal.id_number if legal is not None else "",
            "enterprise.region": enterprise.region.code if enterprise.region_id and enterprise.region else "",
        }
    if user is not None:
        values["user.phone"] = getattr(user, "phone", "") or ""
        values["user.name"] = str(getattr(user, "display_name", "") or "")
    return {key: value for key, value in values.items() if value not in (None, "")}


def prefill(
    schema: Mapping[str, Any],
    ui: Mapping[str, Any],
    *,
    person: Person | None,
    enterprise: Enterprise | None,
    user: Any = None,
) -> dict[str, Any]:
    """Initial data for the form `schema` + `ui` from the applicant's records (top-level fields)."""
    values = subject_values(person=person, enterprise=enterprise, user=user)
    data: dict[str, Any] = {}
    for spec in specs_of(schema, ui):
        if isinstance(spec, FieldSpec):
            source = ui_hint(spec.ui, "prefill")
            if isinstance(source, str) and source in values:
                data[spec.name] = values[source]
    return data
