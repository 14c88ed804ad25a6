"""LMS tables other than xAPI: course catalogue, user accounts, surveys."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta

import numpy as np

from .common import PERIOD_END_TS, iso_ts, mixed_case, month_index, work_time
from .constants import COURSES, Course
from .training import Learner, Training

SURVEY_RESPONSE_RATE = 0.70
SURVEY_QUESTIONS = ("Q1", "Q2", "Q3")  # the comment rides on the last one
SURVEY_SCORE_P = (0.02, 0.05, 0.12, 0.38, 0.43)  # scores 1..5, mean ~4.15
SURVEY_EMAIL_MIXED_CASE_SHARE = 0.15
SURVEY_COMMENT_SHARE = 0.45
# Free text as people type it: commas, quotes and line breaks included.
SURVEY_COMMENTS = (
    "Very practical, I used it the next day.",
    "Good content, but too long.",
    'The "customer empathy" role play was the best part.',
    "Trainer was great.\nWould like a follow-up session.",
    "Useful, thanks",
    'Slides were dense; the "cheat sheet", however, is gold.',
    "Not relevant to my role, sorry.",
    "More examples, please!\nAnd fewer quizzes.",
    "Loved it",
    "Audio kept dropping in the virtual session.",
)


def course_rows(d: date, courses: Iterable[Course] = COURSES) -> list[dict[str, str]]:
    """The catalogue as of d: those of courses published by then."""
    return [
        {
            "course_id": c.course_id,
            "course_iri": c.iri,
            "title": c.title,
            "program_id": c.program_id,
            "modality": c.modality,
            "duration_hours": f"{c.duration_hours:g}",
            "cost_per_learner": f"{c.cost_per_learner:.2f}",
            "fixed_cost": f"{c.fixed_cost:.2f}",
            "currency": "USD",
            "published_at": c.published_at,
        }
        for c in sorted(courses, key=lambda c: c.course_id)
        if c.published_at[:10] <= d.isoformat()
    ]


def user_rows(learners: list[Learner], d: date) -> list[dict[str, str]]:
    """LMS accounts as of d; leavers' accounts stay, marked inactive."""
    rows = []
    for lr in learners:  # in lms_user_id order
        if lr.created_at.date() > d:
            continue
        inactive = lr.inactive_from is not None and lr.inactive_from <= d
        rows.append({"lms_user_id": lr.lms_user_id, "username": lr.username,
                     "email": lr.lms_email, "status": "inactive" if inactive else "active"})
    return rows


def survey_rows(rng: np.random.Generator, training: Training, n_months: int) -> list[list[dict[str, str]]]:
    """Reaction surveys per extract month (by submitted_at): 3 rows per response."""
    responses = []
    for reg in training.registrations:
        if not reg.completed_at or reg.learner.kind == "test":
            continue
        if rng.random() >= SURVEY_RESPONSE_RATE:
            continue
        submitted = work_time(rng, reg.completed_at.date() + timedelta(days=int(rng.integers(1, 6))))
        submitted = max(submitted, reg.completed_at + timedelta(minutes=30))
        if submitted > PERIOD_END_TS:
            continue
        email = reg.learner.email
        if rng.random() < SURVEY_EMAIL_MIXED_CASE_SHARE:
            email = mixed_case(email, int(rng.integers(0, 3)))
        scores = rng.choice(5, len(SURVEY_QUESTIONS), p=SURVEY_SCORE_P) + 1
        comment = ""
        if rng.random() < SURVEY_COMMENT_SHARE:
            comment = SURVEY_COMMENTS[int(rng.integers(len(SURVEY_COMMENTS)))]
        responses.append((submitted, email.lower(), reg.course.course_id, email, scores, comment))

    # Response ids follow submission order, as the survey tool numbers them.
    responses.sort(key=lambda r: r[:3])
    months: list[list[dict[str, str]]] = [[] for _ in range(n_months)]
    for i, (submitted, _, course_id, email, scores, comment) in enumerate(responses, start=1):
        for q, score in zip(SURVEY_QUESTIONS, scores):
            months[month_index(submitted)].append({
                "response_id": f"R{i:06d}",
                "respondent_email": email,
                "course_id": course_id,
                "submitted_at": iso_ts(submitted),
                "question_id": q,
                "score": str(int(score)),
                "comment": comment if q == SURVEY_QUESTIONS[-1] else "",
            })
    return months
