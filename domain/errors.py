"""What the domain refuses, in words a partnership would use.

`InvalidField` is input that cannot be right whatever the state (answered 422); `RuleViolation` is
a step the framework forbids in the item's current state (answered 409).
"""


class DomainError(Exception):
    """Base of every refusal the domain makes."""


class InvalidField(DomainError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class UnknownSubgroup(InvalidField):
    def __init__(self, slug: str) -> None:
        super().__init__("subgroup", f"no subgroup '{slug}' in the framework")
        self.slug = slug


class RuleViolation(DomainError):
    """A step the framework forbids; `rule` says which rule, for the 409's detail."""

    def __init__(self, rule: str) -> None:
        super().__init__(rule)
        self.rule = rule


class UnknownPart(DomainError):
    """An action or measure id that the item does not have (answered 404)."""

    def __init__(self, what: str, part_id: str) -> None:
        super().__init__(f"no {what} '{part_id}' on this learning item")
        self.what = what
        self.part_id = part_id
