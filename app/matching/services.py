"""Matching in the web app: the project pool, cached vectors, ranking both ways, feedback, introductions,
commitments and the Concept's indicators. Pure ranking lives in ``ranking.py``; vectors are computed by
background jobs and stored with the model name and version, recomputed only for text that changed."""
from __future__ import annotations

import logging
import threading

from decimal import Decimal, InvalidOperation

import numpy as np
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import func, select

from app import jobs

from app.competitions.models import (A_ADMITTED, A_FUNDED, A_NOT_FUNDED, A_RESERVE, A_SUBMITTED, Application)
from app.core import audit
from app.core import time as clock
from app.core import uow
from app.core.db import db
from app.core.schemas import load, load_valid
from app.matching import schemas as MS
from app.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from app.core.permissions import authorize, can
from app.matching import permissions as _rules  # noqa: F401  (registers the rules the services ask)
from app.matching.models import Commitment, Introduction, InvestorProfile, MatchFeedback

logger = logging.getLogger(__name__)
POOL_STATES = (A_SUBMITTED, A_ADMITTED, A_FUNDED, A_NOT_FUNDED, A_RESERVE)


# --- the pool and visibility ---------------------------------------------------------------------------

def trl_minimum() -> int:
    return int(current_app.config.get("MATCHING_TRL_MIN", 4))


def in_pool(application: Application) -> bool:
    """Leaders allowed investors to see it, it was submitted, and its TRL (verified wins) is high enough."""
    return (application.investor_visible and application.status in POOL_STATES
            and (application.trl or 0) >= trl_minimum())


def pool_query():
    trl = func.coalesce(Application.trl_verified, Application.trl_claimed)
    return select(Application).where(Application.investor_visible.is_(True), Application.status.in_(POOL_STATES),
                                     trl >= trl_minimum())


def _introduction(investor_id: int, application_id: int) -> Introduction | None:
    return db.session.scalar(select(Introduction).where(Introduction.investor_id == investor_id,
                                                        Introduction.application_id == application_id))


# --- records for the engine ----------------------------------------------------------------------------

def project_record(a: Application) -> dict:
    abstract = a.abstract
    extra = [v.get("abstract", "") for k, v in (a.translations or {}).items() if k != a.language]
    if any(extra):
        abstract = "\n".join([abstract, *[e for e in extra if e]])
    return {"id": str(a.id), "title": a.title, "abstract": abstract, "keywords": a.keywords,
            "language": a.language, "trl": a.trl, "priority": a.priority, "region": a.region_code,
            "ask_kzt": float(a.requested_kzt or 0)}


def investor_record(p: InvestorProfile) -> dict:
    return {"id": str(p.user_id if p.user_id is not None else f"p{p.id}"), "name": p.name,
            "thesis": p.thesis_text, "sectors": p.sectors, "trl_min": p.trl_min, "trl_max": p.trl_max,
            "ticket_min_kzt": float(p.ticket_min_kzt) if p.ticket_min_kzt is not None else None,
            "ticket_max_kzt": float(p.ticket_max_kzt) if p.ticket_max_kzt is not None else None,
            "regions": p.regions, "portfolio": p.portfolio}


# --- vectors ---------------------------------------------------------------------------------------------

def content_hash(text: str) -> str:
    from app.text.vectors import text_sha256
    return text_sha256(text)


def _encoder():
    """The configured encoder behind the shared vector cache (``app.text.vectors``)."""
    from app.text.encoders import get_encoder
    from app.text.vectors import CachedEncoder
    return CachedEncoder(get_encoder(current_app.config["MATCHING_MODEL"]))


def vectors_for(owner_type: str, texts: dict[tuple[int, int], str], encoder=None) -> dict[tuple[int, int], np.ndarray]:
    """Vectors of ``{(owner_id, item): text}`` from the shared cache by text hash and model version; the
    missing ones are encoded now (in one batch) and stored. ``owner_type`` only names the texts in logs.
    Flushes; the caller's unit of work commits."""
    from app.matching.ranking import PROMPT
    from app.text.vectors import CachedEncoder
    encoder = CachedEncoder(encoder or _encoder())
    if not texts:
        return {}
    keys = list(texts)
    vectors = encoder.encode([texts[k] for k in keys], prompt=PROMPT)
    if encoder.computed:
        logger.info("embedded %d %s texts with %s", encoder.computed, owner_type, encoder.name)
    return {key: np.asarray(vector, dtype=np.float32) for key, vector in zip(keys, vectors)}


def _project_texts(applications: list[Application]) -> dict[tuple[int, int], str]:
    from app.matching.ranking import as_project
    return {(a.id, 0): as_project(project_record(a)).text for a in applications}


def _investor_texts(profiles: list[InvestorProfile]) -> tuple[dict, dict]:
    from app.matching.ranking import as_investor
    theses, items = {}, {}
    for p in profiles:
        inv = as_investor(investor_record(p))
        if inv.thesis_text:
            theses[(p.id, 0)] = inv.thesis_text
        for n, text in enumerate(inv.portfolio_items):
            items[(p.id, n)] = text
    return theses, items


def embed_all(force: bool = False, progress=None) -> dict:
    """Compute missing or stale vectors for the whole pool and every investor (the bulk re-embed)."""
    from app.text.vectors import TextVector
    encoder = _encoder()
    if force:
        db.session.execute(TextVector.__table__.delete().where(TextVector.model_name == encoder.name))
    applications = db.session.scalars(pool_query()).all()
    profiles = db.session.scalars(select(InvestorProfile)).all()
    project_texts = _project_texts(applications)
    theses, items = _investor_texts(profiles)
    batches = [("application", dict(list(project_texts.items())[i:i + 64]))
               for i in range(0, len(project_texts), 64)]
    batches += [("thesis", dict(list(theses.items())[i:i + 64])) for i in range(0, len(theses), 64)]
    batches += [("portfolio", dict(list(items.items())[i:i + 64])) for i in range(0, len(items), 64)]
    for n, (owner_type, chunk) in enumerate(batches, start=1):
        vectors_for(owner_type, chunk, encoder)
        db.session.flush()
        if progress:
            progress(100 * n / max(1, len(batches)),
                     _("Embedded %(n)d of %(total)d batches", n=n, total=len(batches)))
    invalidate_matcher()
    return {"projects": len(project_texts), "theses": len(theses), "portfolio_items": len(items),
            "model": encoder.name, "version": encoder.version}


def embed_task(force: bool = False, progress=None) -> dict:
    return embed_all(force=force, progress=progress)


def list_investors(actor) -> list[InvestorProfile]:
    authorize(actor, "investor.create")
    return db.session.scalars(select(InvestorProfile).order_by(InvestorProfile.name)).all()


def start_reembedding(actor, force: bool = True):
    """The bulk re-embed (e.g. after a model change) as a background job with progress."""
    authorize(actor, "investor.create")
    job = jobs.submit("app.matching.services.embed_task", force, queue="matching", title=_("Embedding texts"),
                      actor=actor)
    db.session.flush()
    return job


def request_embedding(actor=None):
    """Queue the incremental embedding job (called when a project or a profile changes). One queued job
    covers every change made before it runs, so a burst of submissions on deadline day queues one job."""
    from app.jobs.models import QUEUED, Job
    pending = db.session.scalar(select(Job).where(Job.func == "app.matching.services.embed_task",
                                                  Job.status == QUEUED, Job.enqueued_at.is_not(None)).limit(1))
    if pending is not None:
        return pending
    return jobs.submit("app.matching.services.embed_task", queue="matching", title=_("Embedding texts"),
                       actor=actor)


# --- the matcher -----------------------------------------------------------------------------------------

_cache_lock = threading.Lock()
_matcher_cache: dict = {}


def invalidate_matcher() -> None:
    with _cache_lock:
        _matcher_cache.clear()
        _pool_cache.clear()


def _cache_key() -> tuple:
    stamp = db.session.execute(select(func.count(InvestorProfile.id), func.max(InvestorProfile.updated_at))).one()
    feedback = db.session.execute(select(func.count(MatchFeedback.id), func.max(MatchFeedback.updated_at))).one()
    return (current_app.config["MATCHING_MODEL"], stamp[0], str(stamp[1]), feedback[0], str(feedback[1]))


def matcher():
    """One Matcher per process, rebuilt only when investor profiles or feedback change."""
    key = _cache_key()
    with _cache_lock:
        if _matcher_cache.get("key") == key:
            return _matcher_cache["matcher"], _matcher_cache["profiles"]
    from app.matching.ranking import Matcher
    profiles = db.session.scalars(select(InvestorProfile).where(InvestorProfile.user_id.is_not(None))
                                  .order_by(InvestorProfile.id)).all()
    encoder = _encoder()
    theses, items = _investor_texts(profiles)
    thesis_vectors = vectors_for("thesis", theses, encoder)
    item_vectors = vectors_for("portfolio", items, encoder)
    dim = next(iter(thesis_vectors.values())).shape[0] if thesis_vectors else int(getattr(encoder, "dim", 384))
    investor_matrix = np.zeros((len(profiles), dim), dtype=np.float32)
    portfolio = []
    for n, p in enumerate(profiles):
        if (p.id, 0) in thesis_vectors:
            investor_matrix[n] = thesis_vectors[(p.id, 0)]
        count = len([k for k in items if k[0] == p.id])
        portfolio.append(np.array([item_vectors[(p.id, i)] for i in range(count)], dtype=np.float32).reshape(-1, dim))
    feedback = _feedback_map()
    snapshot = _pool_snapshot()  # the pool's records and vectors, shared with the feed
    records, pool_vectors = snapshot["records"][:2000], snapshot["vectors"][:2000]
    built = Matcher([investor_record(p) for p in profiles], encoder, investor_vectors=investor_matrix,
                    portfolio_vectors=portfolio, reference_texts=[r["abstract"] for r in records])
    if len(records) >= 2:
        built.calibrate(records, project_vectors=pool_vectors)
    for investor_id, marks in feedback.items():
        if investor_id in built.ids:
            vectors = {r["id"]: v for r, v in zip(records, pool_vectors) if r["id"] in marks}
            built.set_feedback(investor_id, marks, vectors=vectors)
    with _cache_lock:
        _matcher_cache.update(key=key, matcher=built, profiles={str(p.user_id): p for p in profiles})
    return built, _matcher_cache["profiles"]


_pool_cache: dict = {}


def _pool_snapshot() -> dict:
    """The whole pool's records and vectors, built once per process and rebuilt only when a pool project
    changes (count or latest update), so a feed request does matrix work, not row loading."""
    from sqlalchemy.orm import load_only, raiseload
    trl = func.coalesce(Application.trl_verified, Application.trl_claimed)
    stamp = db.session.execute(select(func.count(Application.id), func.max(Application.updated_at)).where(
        Application.investor_visible.is_(True), Application.status.in_(POOL_STATES), trl >= trl_minimum())).one()
    key = (current_app.config["MATCHING_MODEL"], stamp[0], str(stamp[1]))
    with _cache_lock:
        if _pool_cache.get("key") == key:
            return _pool_cache
    pool = db.session.scalars(pool_query().options(
        load_only(Application.id, Application.title, Application.abstract, Application.translations,
                  Application.keywords, Application.language, Application.trl_verified, Application.trl_claimed,
                  Application.priority, Application.region_code, Application.requested_kzt),
        raiseload(Application.competition))).all()
    vectors = _pool_vectors(pool)
    snapshot = {"key": key, "records": [project_record(a) for a in pool], "vectors": vectors,
                "index": {a.id: n for n, a in enumerate(pool)}}
    with _cache_lock:
        _pool_cache.clear()
        _pool_cache.update(snapshot)
    return snapshot


def _pool_slice(ids: list[int]) -> tuple[list[dict], np.ndarray]:
    snapshot = _pool_snapshot()
    rows = [snapshot["index"][i] for i in ids if i in snapshot["index"]]
    if not rows:
        return [], np.zeros((0, 1), dtype=np.float32)
    return [snapshot["records"][r] for r in rows], snapshot["vectors"][rows]


def _pool_vectors(applications: list[Application], encoder=None) -> np.ndarray:
    vectors = vectors_for("application", _project_texts(applications), encoder)
    if not applications:
        return np.zeros((0, 1), dtype=np.float32)
    return np.stack([vectors[(a.id, 0)] for a in applications])


def _feedback_map() -> dict[str, dict[str, float]]:
    marks: dict[str, dict[str, float]] = {}
    feedback = db.session.scalars(select(MatchFeedback)).all()
    applications = {a.id: a for a in db.session.scalars(select(Application).where(
        Application.id.in_({fb.application_id for fb in feedback})))} if feedback else {}
    for fb in feedback:
        application = applications.get(fb.application_id)
        weight = 1.0 if fb.verdict == "interested" else -1.0
        if weight < 0 and application is not None and _application_hash(application) != fb.content_hash:
            continue  # the project changed since it was dismissed: show it again
        marks.setdefault(str(fb.investor_id), {})[str(fb.application_id)] = weight
    return marks


def _application_hash(application: Application) -> str:
    from app.matching.ranking import as_project
    return content_hash(as_project(project_record(application)).text)


def _reason_texts(reasons: list, lang: str) -> list[str]:
    from app.matching.reasons import reason_text
    return [reason_text(r, lang) if isinstance(r, dict) else str(r) for r in reasons]


def investor_matches(actor, top: int = 20, filters: dict | None = None, lang: str = "ru",
                     with_reasons: bool = True) -> list[dict]:
    """The investor's feed: pool projects ranked for this investor, filtered, with reasons."""
    authorize(actor, "desk.investor")
    profile = db.session.scalar(select(InvestorProfile).where(InvestorProfile.user_id == actor.id))
    if profile is None:
        return []
    built, _profiles = matcher()
    query = pool_query()
    filters = filters or {}
    trl = func.coalesce(Application.trl_verified, Application.trl_claimed)
    if filters.get("trl_min"):
        query = query.where(trl >= int(filters["trl_min"]))
    if filters.get("trl_max"):
        query = query.where(trl <= int(filters["trl_max"]))
    if filters.get("region"):
        query = query.where(Application.region_code == filters["region"])
    if filters.get("priority"):
        query = query.where(Application.priority == int(filters["priority"]))
    if filters.get("max_ask"):
        query = query.where(Application.requested_kzt <= Decimal(str(filters["max_ask"])))
    if filters.get("winners"):
        query = query.where(Application.status == A_FUNDED)
    if filters.get("instrument"):
        from app.competitions.models import Competition
        query = query.join(Competition).where(Competition.instrument == filters["instrument"])
    ids = db.session.scalars(query.with_only_columns(Application.id)).all()
    if not ids:
        return []
    records, vectors = _pool_slice(ids)
    if not records:
        return []
    ranked = built.rank_projects(str(actor.id), records, top_k=top, project_vectors=vectors,
                                 with_reasons=with_reasons)
    chosen = {a.id: a for a in db.session.scalars(select(Application).where(
        Application.id.in_([int(item["project_id"]) for item in ranked])))}
    return [{"application": chosen[int(item["project_id"])], "score": item["score"],
             "reasons": _reason_texts(item.get("reasons", []), lang)} for item in ranked]


def project_matches(actor, application_id: int, top: int = 10, lang: str = "ru") -> list[dict]:
    """The investors and funds recommended for the leader's project."""
    from app.competitions.applications import get_application_for
    application = get_application_for(actor, application_id)
    if application.leader_id != actor.id:
        raise PermissionDenied()
    built, profiles = matcher()
    if not built.ids:
        return []
    vectors = _pool_vectors([application])
    ranked = built.rank_investors([project_record(application)], top_k=top, project_vectors=vectors)[0]["matches"]
    return [{"investor_id": int(m["investor_id"]), "profile": profiles[m["investor_id"]], "score": m["score"],
             "reasons": _reason_texts(m.get("reasons", []), lang)} for m in ranked]


# --- investor profiles -----------------------------------------------------------------------------------

def my_profile(actor) -> InvestorProfile:
    authorize(actor, "desk.investor")
    profile = db.session.scalar(select(InvestorProfile).where(InvestorProfile.user_id == actor.id))
    if profile is None:
        profile = InvestorProfile(user_id=actor.id, name=actor.name or actor.email, thesis={}, sectors=[],
                                  priorities=[], regions=[], territories=[], portfolio=[])
        if not uow.in_read():  # a page that only shows the empty profile does not create it
            db.session.add(profile)
            db.session.flush()
    return profile


PROFILE_FIELDS = ("name", "type", "thesis", "sectors", "portfolio", "priorities", "regions", "territories",
                  "trl_min", "trl_max", "ticket_min_kzt", "ticket_max_kzt", "stage", "requires_nda")


def update_profile(actor, profile_id: int, data: dict) -> InvestorProfile:
    """Change an investor's profile: every field valid and the profile consistent, or nothing changes."""
    profile = db.session.get(InvestorProfile, profile_id)
    if profile is None:
        raise NotFound()
    authorize(actor, "investor.edit", profile, hide=True)
    values, errors = load_valid(MS.profile_schema, data)
    current = {key: getattr(profile, key) for key in PROFILE_FIELDS}
    for key, messages in MS.profile_problems({**current, **values}).items():
        errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationFailed(fields=errors)
    for key, value in values.items():
        setattr(profile, key, value or None if key == "stage" else value)
    profile.updated_at = clock.now()
    audit.record(actor, "investor.update", profile)
    request_embedding(actor)
    db.session.flush()
    invalidate_matcher()
    return profile


# --- feedback, introductions, commitments --------------------------------------------------------------

def _pool_application_for_investor(actor, application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None:
        raise NotFound()
    authorize(actor, "pool.project", application, hide=True)
    return application


def give_feedback(actor, application_id: int, verdict: str, reason: str = "") -> MatchFeedback:
    application = _pool_application_for_investor(actor, application_id)
    if verdict not in ("interested", "not_relevant"):
        raise ValidationFailed(fields={"verdict": [_("interested or not_relevant.")]})
    if verdict == "not_relevant" and not (reason or "").strip():
        raise ValidationFailed(fields={"reason": [_("Say briefly why it is not relevant.")]})
    fb = db.session.scalar(select(MatchFeedback).where(MatchFeedback.investor_id == actor.id,
                                                       MatchFeedback.application_id == application.id))
    if fb is None:
        fb = MatchFeedback(investor_id=actor.id, application_id=application.id, verdict=verdict, content_hash="")
        db.session.add(fb)
    fb.verdict, fb.reason = verdict, (reason or "").strip()[:2000]
    fb.content_hash = _application_hash(application)
    fb.updated_at = clock.now()
    audit.record(actor, "match.feedback", application, after={"verdict": verdict})
    db.session.flush()
    invalidate_matcher()
    return fb


def request_introduction(actor, application_id: int, message: str = "") -> Introduction:
    application = _pool_application_for_investor(actor, application_id)
    intro = _introduction(actor.id, application.id)
    if intro is not None:
        if intro.status == Introduction.DECLINED:
            raise Conflict(_("The project leader declined this introduction."), code="declined")
        return intro
    profile = db.session.scalar(select(InvestorProfile).where(InvestorProfile.user_id == actor.id))
    intro = Introduction(investor_id=actor.id, application_id=application.id, message=(message or "").strip()[:4000],
                         nda_required=bool(profile and profile.requires_nda) or bool(
                             (application.competition.rules or {}).get("nda_required")))
    db.session.add(intro)
    db.session.flush()
    audit.record(actor, "introduction.request", intro)
    jobs.submit("app.notifications.tasks.deliver", "generic", {
        "user_id": application.leader_id, "subject": _("An investor asks for an introduction"),
        "body": _("An investor is interested in your project “%(title)s” and asks for an introduction.",
                  title=application.title), "link": "/matching/requests"}, queue="mail", title="intro")
    db.session.flush()
    return intro


def answer_introduction(actor, introduction_id: int, accept: bool, answer: str = "",
                        require_nda: bool = False) -> Introduction:
    intro = db.session.get(Introduction, introduction_id)
    if intro is None or intro.application.leader_id != actor.id:
        raise NotFound()
    if intro.status != Introduction.REQUESTED:
        raise Conflict(_("The request was already answered."), code="already_answered")
    intro.status = Introduction.ACCEPTED if accept else Introduction.DECLINED
    intro.answer = (answer or "").strip()[:4000]
    intro.nda_required = intro.nda_required or bool(require_nda)
    intro.answered_at = clock.now()
    audit.record(actor, "introduction.answer", intro, after={"accepted": accept})
    jobs.submit("app.notifications.tasks.deliver", "generic", {
        "user_id": intro.investor_id,
        "subject": _("Introduction accepted") if accept else _("Introduction declined"),
        "body": intro.answer or (_("The project leader accepted your request.") if accept
                                 else _("The project leader declined your request.")),
        "link": f"/matching/projects/{intro.application_id}"}, queue="mail", title="intro answer")
    db.session.flush()
    return intro


def accept_nda(actor, introduction_id: int) -> Introduction:
    intro = db.session.get(Introduction, introduction_id)
    if intro is None or intro.investor_id != actor.id:
        raise NotFound()
    if intro.status != Introduction.ACCEPTED:
        raise Conflict(_("The introduction is not accepted."), code="wrong_state")
    intro.nda_accepted_at = clock.now()
    audit.record(actor, "introduction.nda", intro)
    db.session.flush()
    return intro


def introductions_for_leader(actor) -> list[Introduction]:
    return db.session.scalars(select(Introduction).join(Application).where(Application.leader_id == actor.id)
                              .order_by(Introduction.id.desc())).all()


def introductions_for_investor(actor) -> list[Introduction]:
    return db.session.scalars(select(Introduction).where(Introduction.investor_id == actor.id)
                              .order_by(Introduction.id.desc())).all()


def record_commitment(actor, introduction_id: int, amount, year: int | None = None, note: str = "") -> Commitment:
    intro = db.session.get(Introduction, introduction_id)
    if intro is None or intro.investor_id != actor.id:
        raise NotFound()
    if intro.status != Introduction.ACCEPTED:
        raise Conflict(_("A commitment follows an accepted introduction."), code="wrong_state")
    body = {"amount": amount, "year": year, "note": note or ""}
    try:
        values = load(MS.commitment_schema, body)
    except ValidationFailed as error:
        fields = {("amount_kzt" if key == "amount" else key): messages for key, messages in error.fields.items()}
        raise ValidationFailed(fields=fields) from None
    value, year, note = values["amount"], values.get("year") or clock.now_local().year, values["note"]
    application = intro.application
    commitment = Commitment(introduction_id=intro.id, investor_id=actor.id, application_id=application.id,
                            amount_kzt=value, year=year, territory=application.territory, note=(note or "")[:2000])
    db.session.add(commitment)
    db.session.flush()
    audit.record(actor, "commitment.record", commitment, after={"amount_kzt": str(value), "year": year})
    db.session.flush()
    return commitment


def pipeline(actor) -> dict:
    """The investor's funnel: matched, interested, introduced, committed."""
    matched = len(investor_matches(actor, top=50, with_reasons=False)) if can(actor, "desk.investor") else 0
    interested = db.session.scalar(select(func.count(MatchFeedback.id)).where(
        MatchFeedback.investor_id == actor.id, MatchFeedback.verdict == "interested")) or 0
    introduced = db.session.scalar(select(func.count(Introduction.id)).where(
        Introduction.investor_id == actor.id, Introduction.status == Introduction.ACCEPTED)) or 0
    committed = db.session.scalar(select(func.count(func.distinct(Commitment.application_id))).where(
        Commitment.investor_id == actor.id)) or 0
    return {"matched": matched, "interested": interested, "introduced": introduced, "committed": committed}


def indicators() -> dict:
    """The Concept's indicators the platform sees: private investment committed (indicator 4, bn KZT) and
    patents declared (indicator 6), by year, beside the targets."""
    from app.reference import data
    targets = {t.get("code"): t for t in getattr(data, "CONCEPT_TARGETS", [])}
    by_year: dict[int, float] = {}
    by_territory: dict[str, float] = {}
    for c in db.session.scalars(select(Commitment)):
        by_year[c.year] = by_year.get(c.year, 0.0) + float(c.amount_kzt) / 1e9
        key = c.territory or "other"
        by_territory[key] = by_territory.get(key, 0.0) + float(c.amount_kzt) / 1e9
    patents_by_year: dict[int, int] = {}
    for a in db.session.scalars(select(Application).where(Application.submitted_at.is_not(None),
                                                          Application.territory.is_not(None))):
        year = clock.to_local(a.submitted_at).year
        declared = len(a.ip_held or []) + int((a.planned or {}).get("patents", 0) or 0)
        patents_by_year[year] = patents_by_year.get(year, 0) + declared
    return {"investment_by_year": dict(sorted(by_year.items())), "investment_by_territory": by_territory,
            "patents_by_year": dict(sorted(patents_by_year.items())), "targets": targets}


def create_investor(actor, data: dict) -> InvestorProfile:
    """An admin or МНВО operator (for a territory's managing company) creates an investor with an account."""
    authorize(actor, "investor.create")
    from app.accounts.services import NewUser, create_user
    import secrets
    email = str(data.get("email") or "")
    user = create_user(NewUser(email=email, password=secrets.token_urlsafe(16) + "a1", roles=["investor"],
                               name=str(data.get("name") or "")))
    profile = InvestorProfile(user_id=user.id, name=str(data.get("name") or email), created_by_id=actor.id,
                              thesis={}, sectors=[], priorities=[], regions=[], territories=[], portfolio=[])
    db.session.add(profile)
    db.session.flush()
    profile = update_profile(actor, profile.id, {k: v for k, v in data.items() if k not in ("email",)})
    from app.accounts.services import request_password_reset
    request_password_reset(user.email)  # a sign-in link
    return profile


def _on_application_change(application, **_kwargs):
    if application.investor_visible:
        request_embedding()


def connect_signals() -> None:
    from app.competitions.services import application_submitted
    application_submitted.connect(_on_application_change, weak=False)


connect_signals()
