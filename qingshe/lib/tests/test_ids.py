from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.cn import ric

from qingshe.lib import ids


def _with_check(first17: str) -> str:
    return first17 + ric.calc_check_digit(first17 + "0")


@pytest.mark.parametrize(
    "raw", ["13800138000", "+86 138 0013 8000", "0086-13800138000", " 19912345678 "]
)
def test_normalize_phone_accepts_mainland_mobiles(raw: str) -> None:
    assert ids.normalize_phone(raw) in {"13800138000", "19912345678"}


@pytest.mark.parametrize(
    "raw", ["", "12800138000", "1380013800", "138001380001", "+1 4155552671", "abc"]
)
def test_normalize_phone_rejects_others(raw: str) -> None:
    with pytest.raises(ids.IdentifierError) as err:
        ids.normalize_phone(raw)
    assert err.value.code == "invalid_phone"


def test_mask_phone_keeps_three_and_four() -> None:
    assert ids.mask_phone("13800138000") == "138****8000"
    assert ids.mask_phone("") == ""


def test_parse_resident_id_derives_birth_and_sex() -> None:
    rid = ids.parse_resident_id("11010519491231002X")
    assert rid.birth_date == date(1949, 12, 31)
    assert rid.sex == "F"
    assert rid.masked == "110105********002X"


def test_parse_resident_id_male_from_odd_17th_digit() -> None:
    number = _with_check("11010520050101001")
    assert ids.parse_resident_id(number).sex == "M"


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("110105194912310021", "id_checksum"),
        (_with_check("11010519990230001"), "id_birth_date"),  # 30 February
        (_with_check("99010519900101001"), "id_region"),
        ("1101051949123100", "id_format"),
        ("", "id_format"),
    ],
)
def test_parse_resident_id_rejects_with_stable_codes(raw: str, code: str) -> None:
    with pytest.raises(ids.IdentifierError) as err:
        ids.parse_resident_id(raw)
    assert err.value.code == code


def test_birth_date_in_the_future_is_impossible() -> None:
    number = _with_check("11010520300101001")
    with pytest.raises(ids.IdentifierError) as err:
        ids.parse_resident_id(number, today=date(2026, 11, 22))
    assert err.value.code == "id_birth_date"


def test_age_on_counts_birthdays() -> None:
    assert ids.age_on(date(2012, 11, 23), date(2026, 11, 22)) == 13
    assert ids.age_on(date(2012, 11, 22), date(2026, 11, 22)) == 14


@given(st.from_regex(r"1[3-9]\d{9}", fullmatch=True))
def test_every_valid_mobile_round_trips_with_prefix(phone: str) -> None:
    assert ids.normalize_phone("+86" + phone) == phone
    assert ids.mask_phone(phone).startswith(phone[:3])


# The plain-number fast path gives exactly stdnum's answers: the same number, birth date and sex,
# or the same error code, whatever the region (known, unknown, or retired before the birth
# year), the date (possible or not) and the check character (right or wrong).
_REGIONS = ["110101", "350402", "440305", "510104", "130000", "999999", "350400", "110000"]


def _outcome(check: object, number: str) -> object:
    try:
        return check(number)
    except ids.IdentifierError as exc:
        return exc.code


def _stdnum_only(number: str) -> object:
    got, birth = ids._check_with_stdnum(number)
    return (got, birth)


def _fast(number: str) -> object:
    return (number, ids._check_plain(number))


@given(
    region=st.one_of(st.sampled_from(_REGIONS), st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)),
    year=st.integers(1890, 2030),
    month=st.integers(0, 13),
    day=st.integers(0, 32),
    serial=st.integers(0, 999),
    check=st.one_of(st.none(), st.sampled_from("0123456789X")),
)
def test_fast_path_agrees_with_stdnum(
    region: str, year: int, month: int, day: int, serial: int, check: str | None
) -> None:
    body = f"{region}{year:04d}{month:02d}{day:02d}{serial:03d}"
    number = body + (check if check is not None else ric.calc_check_digit(body + "0"))
    assert ids._PLAIN_ID_RE.match(number)
    assert _outcome(_fast, number) == _outcome(_stdnum_only, number)


def test_numbers_not_in_plain_form_still_go_through_stdnum() -> None:
    valid = "11010519491231002X"
    assert ids.parse_resident_id(" 110105 19491231 002x ").number == valid
    full_width = "１１０１０５１９４９１２３１００２Ｘ"
    with pytest.raises(ids.IdentifierError) as caught:
        ids.parse_resident_id(full_width)
    assert caught.value.code == _outcome(_stdnum_only, full_width)


def test_a_region_known_only_above_county_level_is_an_unknown_region() -> None:
    # stdnum itself raises KeyError here; before, that reached the user as a server error.
    body = "11100019900101001"
    number = body + ric.calc_check_digit(body + "0")
    with pytest.raises(ids.IdentifierError) as caught:
        ids.parse_resident_id(number)
    assert caught.value.code == "id_region"
    assert _outcome(_stdnum_only, number) == "id_region"
