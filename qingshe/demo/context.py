"""What every demo step receives: the random source, the scale, and what earlier steps built."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from stdnum.cn import ric

from qingshe.demo import data
from qingshe.lib import ids

# Every generated demo person has a mobile number in this block (1700000 0000 – 1700999 9999):
# valid per ^1[3-9]\d{9}$, reserved by the project for fictional people, never handed out.
DEMO_PHONE_PREFIX = "1700"
# The root organisation of the demo city carries this code; the aged and young communities too.
DEMO_CITY_CODE = "QINGSHE-DEMO"
AGED_COMMUNITY_CODE = "DEMO-AGED"
YOUNG_COMMUNITY_CODE = "DEMO-YOUNG"


class NameMaker:
    """Chinese names: surname by frequency, given name by generation and sex."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._surnames = [s for s, _w in data.SURNAMES]
        self._cum: list[float] = []
        total = 0.0
        for _s, w in data.SURNAMES:
            total += w
            self._cum.append(total)

    def surname(self) -> str:
        return self.rng.choices(self._surnames, cum_weights=self._cum)[0]

    def parts(self, sex: str, birth_year: int) -> tuple[str, str]:
        """(surname, given name)."""
        era = "elder" if birth_year < 1966 else "middle" if birth_year < 1995 else "young"
        given = self.rng.choice(data.GIVEN_NAMES[era][sex])
        # One in five young people has a single-character name built from a two-character one.
        if era == "young" and len(given) == 2 and self.rng.random() < 0.2:
            given = given[self.rng.randrange(2)]
        return self.surname(), given

    def name(self, sex: str, birth_year: int) -> str:
        return "".join(self.parts(sex, birth_year))


@dataclass
class Allocators:
    """Unique identifiers handed out in build order, so the same seed gives the same ones."""

    rng: random.Random
    today: date
    next_phone: int = 1
    volunteer_nos: set[str] = field(default_factory=set)
    id_numbers: set[str] = field(default_factory=set)

    def phone(self) -> str:
        number = f"{DEMO_PHONE_PREFIX}{self.next_phone:07d}"
        self.next_phone += 1
        return number

    def volunteer_no(self) -> str:
        while True:
            value = f"QS{self.today.year}{self.rng.randrange(10**7):07d}"
            if value not in self.volunteer_nos:
                self.volunteer_nos.add(value)
                return value

    def id_number(self, region: str, birth: date, sex: str) -> str | None:
        """A valid GB 11643 number: region, birth date, a sequence whose last digit is odd for
        men, and the check digit. The validator accepts a region code only if it existed at the
        birth date, so other local codes are tried; None when none fits (older people then
        simply carry no ID number in the demo)."""
        for code in [region, *data.LOCAL_REGION_CODES]:
            for _attempt in range(5):
                seq = self.rng.randrange(100) * 10 + self.rng.choice(
                    (1, 3, 5, 7, 9) if sex == "M" else (0, 2, 4, 6, 8)
                )
                body = f"{code}{birth:%Y%m%d}{seq:03d}"
                number = body + ric.calc_check_digit(body + "0")
                if number in self.id_numbers:
                    continue
                try:
                    ids.parse_resident_id(number, today=self.today)
                except ids.IdentifierError:
                    break
                self.id_numbers.add(number)
                return number
        return None


@dataclass
class DemoContext:
    """Passed to every step. Steps read what earlier steps built and add their own.

    - `orgs[kind]`: the organisations by OrgKind value, in creation order.
    - `logins[username]`: the login users of logins.DEMO_LOGINS.
    - `people[group]`: generated people ("students", "residents", "staff", …).
    - `extra`: anything else a later step may need (e.g. "aged_community", "pairs").
    """

    seed: int
    size: float
    today: date
    rng: random.Random
    password_hash: str
    log: Callable[[str], None] = print
    orgs: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    logins: dict[str, Any] = field(default_factory=dict)
    people: dict[str, list[Any]] = field(default_factory=lambda: defaultdict(list))
    extra: dict[str, Any] = field(default_factory=dict)
    ids: Allocators = field(init=False)
    names: NameMaker = field(init=False)

    def __post_init__(self) -> None:
        self.ids = Allocators(rng=random.Random(f"{self.seed}:ids"), today=self.today)
        self.names = NameMaker(random.Random(f"{self.seed}:names"))

    def scaled(self, base: int, minimum: int = 1) -> int:
        """`base` at size 1, scaled, never below `minimum`."""
        return max(minimum, round(base * self.size))

    def birth_date(self, age_from: int, age_to: int) -> date:
        """A birth date giving an age in [age_from, age_to] today."""
        latest = (
            self.today.replace(year=self.today.year - age_from)
            if not (self.today.month == 2 and self.today.day == 29)
            else self.today - timedelta(days=365 * age_from)
        )
        span = 365 * (age_to - age_from + 1) - 2
        return latest - timedelta(days=self.rng.randrange(1, span))

    @property
    def academic_year(self) -> int:
        """The year in which the current academic year began (September)."""
        return self.today.year if self.today.month >= 9 else self.today.year - 1
