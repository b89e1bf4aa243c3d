"""Errors the services raise, beside the domain's own refusals."""


class ServiceError(Exception):
    pass


class NotFound(ServiceError):
    def __init__(self, what: str, ident: str) -> None:
        super().__init__(f"no {what} '{ident}'")
        self.what = what
        self.ident = ident


class Forbidden(ServiceError):
    """The actor's role or subgroups do not allow this step."""


class VersionMismatch(ServiceError):
    """The client's If-Match names a version the resource no longer has."""

    def __init__(self, expected: int | frozenset[int], actual: int) -> None:
        named = (
            ", ".join(map(str, sorted(expected))) if isinstance(expected, frozenset) else expected
        )
        super().__init__(f"the resource is at version {actual}, not {named}")
        self.expected = expected
        self.actual = actual


class DeliveryError(ServiceError):
    """A reminder could not be delivered; `permanent` when retrying cannot help. The message is
    safe to record: it never carries credentials."""

    def __init__(self, message: str, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent
