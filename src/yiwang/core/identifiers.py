"""Build valid national identifiers (for the demo city and tests); validation is in validators.py."""

from __future__ import annotations

from datetime import date

from stdnum.cn import ric, uscc

_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
_ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def id_number(region_code: str, birth: date, sequence: int) -> str:
    """GB 11643: 6-digit region + yyyymmdd + 3-digit sequence (odd = male) + check digit."""
    body = f"{region_code[:6]}{birth:%Y%m%d}{sequence % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def organization_code(serial: int) -> str:
    """GB 11714 组织机构代码: 8 characters + check character."""
    body = f"{serial % 10**8:08d}"
    total = sum(_ORG_ALPHABET.index(c) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + ("X" if check == 10 else "0" if check == 11 else str(check))


def uscc_code(region_code: str, serial: int, *, authority: str = "9", entity_type: str = "1") -> str:
    """GB 32100: authority + entity type + 6-digit region + organisation code + check character.

    Government bodies use authority 1 (机构编制) and type 1 (机关): ``uscc_code(r, n, authority="1")``."""
    body = f"{authority}{entity_type}{region_code[:6]}{organization_code(serial)}"
    return body + uscc.calc_check_digit(body)
