"""Realistic, deterministic Chinese personal names and mobile numbers for synthetic people."""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).parent / "data"

# Prefixes of mainland mobile numbers in common use (China Mobile, Unicom, Telecom, Broadnet).
MOBILE_PREFIXES = (
    "134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159", "172", "178",
    "182", "183", "184", "187", "188", "195", "198", "130", "131", "132", "155", "156", "166", "175", "176",
    "185", "186", "196", "133", "149", "153", "173", "177", "180", "181", "189", "190", "191", "193", "199",
)


def _lines(filename: str) -> list[str]:
    text = (DATA_DIR / filename).read_text(encoding="utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


@cache
def surnames() -> tuple[tuple[str, ...], tuple[float, ...]]:
    pairs = [line.split() for line in _lines("surnames.txt")]
    return tuple(p[0] for p in pairs), tuple(float(p[1]) for p in pairs)


@cache
def given_chars(gender: str) -> tuple[str, ...]:
    chars = " ".join(_lines("given_male.txt" if gender == "M" else "given_female.txt")).split()
    return tuple(dict.fromkeys(chars))  # unique, order kept (so the output never depends on set order)


@cache
def excluded_names() -> frozenset[str]:
    return frozenset(" ".join(_lines("excluded_names.txt")).split())


class NameGenerator:
    """Names drawn by surname frequency; one- or two-character given names by gender."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def name(self, gender: str, avoid: set[str] | frozenset[str] = frozenset()) -> str:
        family, weights = surnames()
        chars = given_chars(gender)
        excluded = excluded_names()
        while True:
            surname = self.rng.choices(family, weights=weights)[0]
            if self.rng.random() < 0.22:
                given = self.rng.choice(chars)
            else:
                first, second = self.rng.choice(chars), self.rng.choice(chars)
                if first == second:
                    continue
                given = first + second
            full = surname + given
            if full not in excluded and full not in avoid:
                return full


class MobileGenerator:
    """Unique 11-digit mobile numbers (1[3-9]xxxxxxxxx)."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.used: set[str] = set()

    def next(self) -> str:
        while True:
            number = self.rng.choice(MOBILE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.used:
                self.used.add(number)
                return number
