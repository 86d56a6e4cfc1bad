"""一网 (yiwang) — digital-government platform."""

__version__ = "0.1.0"
