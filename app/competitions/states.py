"""The states of a competition and of an application, and the other closed vocabularies of the domain.

Pure (no Flask, no database): the models, the rules and the forms import them from here. The values are
the ones stored in the database and named in ``shared/API.md``; a ``StrEnum`` member *is* its value.
"""
from __future__ import annotations

import enum


class CompetitionStatus(enum.StrEnum):
    """The competition lifecycle, in order."""
    DRAFT = "draft"
    PUBLISHED = "published"
    OPEN = "open"
    CLOSED = "closed"
    REVIEW = "review"
    COUNCIL = "council"
    RESULTS = "results"
    ARCHIVED = "archived"


class ApplicationStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"
    REJECTED = "rejected"
    ADMITTED = "admitted"
    FUNDED = "funded"
    NOT_FUNDED = "not_funded"
    RESERVE = "reserve"


class Instrument(enum.StrEnum):
    COMMERCIALISATION = "commercialisation"
    MEGAGRANT = "megagrant"
    GRANT = "grant"
    PROGRAMME = "programme"
    REGIONAL = "regional"


class ApplicantCategory(enum.StrEnum):
    SCIENTIST = "scientist"
    STARTUP = "startup"
    BUSINESS = "business"


# The names the code has always used.
DRAFT, PUBLISHED, OPEN, CLOSED, REVIEW, COUNCIL, RESULTS, ARCHIVED = CompetitionStatus
COMPETITION_STATES = tuple(CompetitionStatus)
INSTRUMENTS = tuple(Instrument)
A_DRAFT, A_SUBMITTED, A_WITHDRAWN, A_REJECTED, A_ADMITTED, A_FUNDED, A_NOT_FUNDED, A_RESERVE = ApplicationStatus
APPLICATION_STATES = tuple(ApplicationStatus)
CATEGORIES = tuple(ApplicantCategory)
