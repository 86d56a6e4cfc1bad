"""The trained classifier as the app uses it: the model `yiwang hotline train` wrote to the data
directory, its suggestions mapped to the 派单目录's leaf categories.

The model is loaded once per process and again when its file changes (its modification time and
size are the key: a retrained model replaces the file atomically, `classifier.save`)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

from yiwang.hotline import classifier
from yiwang.hotline.models import TicketCategory

_lock = threading.Lock()
_loaded: tuple[tuple[int, int], classifier.TrainedModel] | None = None


def model_path() -> Path:
    return Path(settings.DATA_DIR) / "hotline" / "classifier.joblib"


def current_model() -> classifier.TrainedModel | None:
    """The trained model, or None before `yiwang hotline train` has run (intake then works without
    suggestions)."""
    global _loaded
    path = model_path()
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    key = (stat.st_mtime_ns, stat.st_size)
    with _lock:
        if _loaded is None or _loaded[0] != key:
            _loaded = (key, classifier.load(path))
        return _loaded[1]


@dataclass(frozen=True)
class CategorySuggestion:
    category: TicketCategory
    confidence: float


def suggest_categories(text: str, *, k: int = 3) -> list[CategorySuggestion]:
    """The top `k` active leaf categories for a citizen's words, most confident first."""
    model = current_model()
    if model is None or not text.strip():
        return []
    suggestions = model.suggest([text], k=k)[0]
    codes = [s.label for s in suggestions]
    # scope: the public 派单目录
    by_code = {c.code: c for c in TicketCategory.objects.filter(code__in=codes, is_active=True, is_leaf=True)}
    return [CategorySuggestion(by_code[s.label], s.confidence) for s in suggestions if s.label in by_code]
