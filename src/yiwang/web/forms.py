"""Forms of the web shell (parsing only: no business rules here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


class InboxFilterForm(forms.Form):
    """The workbench filters: state, overdue only, free-text search."""

    state = forms.ChoiceField(label=_("状态"), required=False)
    overdue = forms.BooleanField(label=_("只看已超期"), required=False)
    q = forms.CharField(
        label=_("搜索"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("标题或编号")}),
    )

    def __init__(self, *args: Any, states: Sequence[tuple[str, str]] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        state_field = self.fields["state"]
        assert isinstance(state_field, forms.ChoiceField)
        state_field.choices = [("", _("全部状态")), *states]

    def inbox_filters(self) -> dict[str, Any]:
        """Keyword arguments for `inbox_for`; only the filters that were set."""
        data = self.cleaned_data
        filters: dict[str, Any] = {}
        if data.get("state"):
            filters["state"] = data["state"]
        if data.get("overdue"):
            filters["overdue"] = True
        if data.get("q"):
            filters["search"] = data["q"].strip()
        return filters
