"""Text search helpers shared by pages and the API."""

from __future__ import annotations

from django.db.models import Q


def is_caseless(term: str) -> bool:
    """True for terms without letter case (Chinese, digits): no need for a case-insensitive match.

    On PostgreSQL ``icontains`` becomes ``UPPER(col) LIKE UPPER(%s)``, which costs a function call per
    row; a plain ``LIKE`` gives the same answer for such terms.
    """
    return term.upper() == term.lower()


def contains_q(field: str, term: str) -> Q:
    lookup = "contains" if is_caseless(term) else "icontains"
    return Q(**{f"{field}__{lookup}": term})
