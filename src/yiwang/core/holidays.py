"""State Council holiday arrangements (国务院办公厅关于部分节假日安排的通知).

2025: 国办发明电〔2024〕12号; 2026: 国办发明电〔2025〕7号. Each later year is added by an admin
(or a data migration) when the State Council publishes it.

Days off include the weekend days inside a holiday block (e.g. 2026-01-03, a Saturday), so the
tables list every day of the block; make-up working days are the 调休 weekend days.
Checked against the notices: every make-up day is a Saturday or Sunday and every block has the
announced length (tests/test_calendar.py)."""

from __future__ import annotations

from datetime import date, timedelta


def _days(start: date, count: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(count)]


# (name, days off, make-up working days)
SOURCES: dict[int, str] = {
    2025: "国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）",
    2026: "国务院办公厅关于2026年部分节假日安排的通知（国办发明电〔2025〕7号）",
}

ARRANGEMENTS: dict[int, list[tuple[str, list[date], list[date]]]] = {
    2025: [
        ("元旦", _days(date(2025, 1, 1), 1), []),
        ("春节", _days(date(2025, 1, 28), 8), [date(2025, 1, 26), date(2025, 2, 8)]),
        ("清明节", _days(date(2025, 4, 4), 3), []),
        ("劳动节", _days(date(2025, 5, 1), 5), [date(2025, 4, 27)]),
        ("端午节", _days(date(2025, 5, 31), 3), []),
        ("国庆节、中秋节", _days(date(2025, 10, 1), 8), [date(2025, 9, 28), date(2025, 10, 11)]),
    ],
    2026: [
        ("元旦", _days(date(2026, 1, 1), 3), [date(2026, 1, 4)]),
        ("春节", _days(date(2026, 2, 15), 9), [date(2026, 2, 14), date(2026, 2, 28)]),
        ("清明节", _days(date(2026, 4, 4), 3), []),
        ("劳动节", _days(date(2026, 5, 1), 5), [date(2026, 5, 9)]),
        ("端午节", _days(date(2026, 6, 19), 3), []),
        ("中秋节", _days(date(2026, 9, 25), 3), []),
        ("国庆节", _days(date(2026, 10, 1), 7), [date(2026, 9, 20), date(2026, 10, 10)]),
    ],
}


def holidays() -> list[tuple[date, str]]:
    return [(day, name) for year in ARRANGEMENTS.values() for name, off, _ in year for day in off]


def makeup_workdays() -> list[tuple[date, str]]:
    return [
        (day, f"{name}调休上班") for year in ARRANGEMENTS.values() for name, _, work in year for day in work
    ]
