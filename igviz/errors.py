"""Errors a user can act on: each names the file, the record and the field."""

from __future__ import annotations


class DataError(ValueError):
    """One problem in one field of one record of one file."""

    def __init__(self, file: str, record: str, field: str, message: str):
        self.file = str(file)
        self.record = record
        self.field = field
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.record:
            where += f", record '{self.record}'"
        if self.field:
            where += f", field '{self.field}'"
        return f"{where}: {self.message}"


class DataValidationError(ValueError):
    """Every problem found while loading a dataset, reported together.

    Reporting them all at once spares a user the edit-load-edit loop of fixing one
    error only to be shown the next.
    """

    def __init__(self, errors: list[DataError]):
        self.errors = list(errors)
        lines = [f"{len(self.errors)} problem(s) in the data:"]
        lines += [f"  - {e}" for e in self.errors]
        super().__init__("\n".join(lines))


class WeightError(ValueError):
    """The weights cannot produce a ranking (all zero, negative or not finite).

    Raised with an English template and its values, so pages can show it translated.
    """

    def __init__(self, template: str, **values):
        self.template, self.values = template, values
        super().__init__(template.format(**values) if values else template)


class MethodError(WeightError):
    """A method's settings cannot rank (e.g. PROMETHEE II's indifference above its strict preference).

    A WeightError, so every page that shows why the weights cannot rank shows this too.
    """
