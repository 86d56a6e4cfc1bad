"""The demo city's 实施清单 as data files: `shared.yaml` (shared materials and form field groups, the
standard texts, and the description of the format) and one `NN-name.yaml` per department, read in
file-name order by `loader.load_catalog` into `ItemSpec`s (see `yiwang.demo.services_catalog`)."""

from yiwang.demo.catalog.loader import (
    Catalog,
    CatalogError,
    FieldSpec,
    ItemSpec,
    MaterialSpec,
    catalog,
    load_catalog,
)

__all__ = ["Catalog", "CatalogError", "FieldSpec", "ItemSpec", "MaterialSpec", "catalog", "load_catalog"]
