from qinjian.core.errors import DomainError


class StandardNotFound(DomainError):
    """No such table, no version in force on the date, or no row with the key asked for."""

    code = "standard_not_found"
    status = 404
