from datetime import date

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from yiwang.core import identifiers, validators


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2025, 12, 31)), st.integers(0, 999))
def test_generated_id_numbers_validate(birth, sequence):
    validators.validate_id_number(identifiers.id_number("320102", birth, sequence))


@given(st.integers(0, 10**8 - 1))
def test_generated_usccs_validate(serial):
    validators.validate_uscc(identifiers.uscc_code("320102", serial))


def test_id_number_with_wrong_check_digit_gets_chinese_message():
    good = identifiers.id_number("320102", date(1990, 5, 17), 123)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        validators.validate_id_number(bad)
    assert exc.value.messages == ["身份证号码校验位不正确，请核对最后一位"]


def test_uscc_with_wrong_check_character_gets_chinese_message():
    good = identifiers.uscc_code("320102", 4242)
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    with pytest.raises(ValidationError) as exc:
        validators.validate_uscc(bad)
    assert exc.value.messages == ["统一社会信用代码校验位不正确，请核对最后一位"]
