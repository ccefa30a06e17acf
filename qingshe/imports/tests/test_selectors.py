"""identifiers_taken: the one look-up both phases of a roster import make (the checks of each
chunk in validation.students, the re-check before saving in writer.taken_meanwhile)."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from qingshe.accounts.services import (
    NewStudentProfile,
    id_number_digest,
    student_profiles_bulk_create,
)
from qingshe.accounts.tests.factories import UserFactory
from qingshe.imports.selectors import identifiers_taken

ID_NUMBER = "11010519491231002X"


def test_it_finds_what_is_registered_and_nothing_else(city: SimpleNamespace) -> None:
    person = UserFactory(name="已登记", phone="13912345678", id_number=ID_NUMBER)
    student_profiles_bulk_create(
        actor=city.league_admin,
        rows=[
            NewStudentProfile(
                user=person, branch=city.branch, major="会计学", grade=2024, student_no="2024001"
            )
        ],
    )
    found = identifiers_taken(
        phones={"13912345678", "13700000000"},
        id_digests={id_number_digest(ID_NUMBER), "not-a-digest"},
        student_numbers={
            (city.university.pk, "2024001"),
            (city.university.pk, "2024002"),
            (city.department.pk, "2024001"),  # the same number at another organisation
        },
    )
    assert found.phones == {"13912345678"}
    assert found.id_digests == {id_number_digest(ID_NUMBER)}
    assert found.student_numbers == {(city.university.pk, "2024001")}


def test_nothing_asked_no_query(db: Any, django_assert_num_queries: Any) -> None:
    # Phones and digests are looked up in chunks (none for an empty set); student numbers only
    # when there are some.
    with django_assert_num_queries(0):
        found = identifiers_taken(phones=set(), id_digests=set(), student_numbers=set())
    assert found.phones == found.id_digests == found.student_numbers == set()
