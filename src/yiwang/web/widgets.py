"""Form widgets of the shell, used by every domain's forms."""

from __future__ import annotations

from typing import Any

from django import forms


class ChineseFileInput(forms.FileInput):
    """A file field whose button and status read in Chinese whatever the browser's language (the
    native control says "Choose File / No file chosen" on an English phone). The native input stays
    in the form, visually hidden but focusable; app.js writes the chosen file's name beside it."""

    template_name = "web/widgets/file_input.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        attrs = dict(attrs or {})
        attrs["class"] = " ".join(filter(None, [attrs.get("class", ""), "file-pick-input"]))
        super().__init__(attrs)
