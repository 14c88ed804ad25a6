"""Deterministic sample-data generator for the landing folder.

    from sources.generator import generate
    summary = generate("/tmp/landing", scale="small", seed=7)                    # profile="realistic"
    summary = generate("/tmp/clean", profile="clean")                            # none of the realistic mess
    summary = generate("/tmp/nodip", profile="realistic", dip=None)              # one option switched

writes <out>/<system>/<feed>/<feed>_<YYYY-MM-DD>.<ext> for the ten feeds of
the landing contract (monthly extracts, 2025-01 .. 2026-06; from 2024-07 at scale
"large", HISTORY_START), with known
program effects (PLANTED, on work begun after completion) and known mess
(identity, duplicates, malformed records in every profile; late-logged first
responses, open work at the end, overlapping programs, job moves, vanishing
leavers and the Ashenfelter dip as options of the profile, see Profile) for
the pipeline to find. The realistic profile also has more new starters, a
new-starter onboarding program that shortens their ramp and cuts their early
attrition, and a retention program with no effect (PLANTED_PERSON: person-grain
truths by hire cohort; counts in the summary under "onboarding").

Two performance-support programs live in the knowledge-use log
(servicedesk/kb_use, aids.py): support agents who adopt the Resolution Checklist
job aid (PRG-KBA, articles AID_ARTICLES) resolve the tickets they open from their
first meaningful use on (ADOPTION_MIN_VIEWS views within ADOPTION_WINDOW_DAYS)
5 hours faster; the Printer Fix Guide (PRG-KBN) is read but changes nothing. Mess:
slow starters, casual viewers who never qualify, a bad spell before adopting (with
the dip), views attached to a ticket a month later, spelling of emails,
contractors; counts under "knowledge_use", hard-world truths under "truths". The
search log (search/queries, search.py) plants knowledge gaps (SEARCH_GAPS: many
people, never found), a zero-result theme too few people search for
(SEARCH_RARE_GAP), personal data in query_text and re-delivered queries; under
"knowledge_gaps" and "search". The constants below are what tests rely on;
seed-dependent details (which statement was voided, ...) are in the returned
summary under "mess", the profile and its options under "profile" and
"options".
"""

from .constants import (
    ADOPTION_MIN_VIEWS,
    ADOPTION_WINDOW_DAYS,
    AID_ARTICLES,
    AID_KPI,
    BAD_INCIDENT_ROW_DATE,
    COMPANY_DOMAIN,
    CONTRACTOR_DOMAIN,
    CONTRACTOR_PROGRAMS,
    COURSES,
    CRM_INTEGRATION_EMAIL,
    DAYS_PER_MONTH,
    DEAL_LEAD_IN_DAYS,
    DIP_PROGRAMS,
    EARLY_ATTRITION_DAYS,
    FAMILY_SIZES,
    HIGH_TURNOVER_FACTOR,
    HIGH_TURNOVER_FAMILY,
    INCIDENTS_GZIP_DATE,
    KPI_MODEL,
    LATE_FIRST_RESPONSE_MINUTES,
    LEAVER_WIND_DOWN_DAYS,
    MALFORMED_XAPI_DATE,
    N_BAD_INCIDENT_ROWS,
    N_CONTRACTORS,
    N_CRM_UNMATCHED_USERS,
    N_DUPLICATE_STATEMENTS,
    N_MALFORMED_XAPI_LINES,
    N_TEST_ACCOUNTS,
    N_UNKNOWN_VERB_STATEMENTS,
    N_VOIDED_STATEMENTS,
    NEG_COMPLETERS,
    NEG_NON_COMPLETERS,
    NEW_REP_FIRST_DEAL_DAYS,
    NEW_STARTER_ATTRITION_12M,
    NEW_STARTER_BASE_SHARE,
    NEW_STARTER_HAZARD,
    ONBOARDING_ATTRITION_HR,
    ONBOARDING_BASE_RAMP_DAYS,
    ONBOARDING_COMPLETION_DAYS,
    ONBOARDING_FAMILIES,
    ONBOARDING_LAUNCH,
    ONBOARDING_MEDIAN_COMPLETION_DAY,
    ONBOARDING_PROGRAM,
    ONBOARDING_RAMP_EFFECT_DAYS,
    ONBOARDING_RAMP_FLOOR_DAYS,
    ONBOARDING_RAMP_SD_DAYS,
    ONBOARDING_REGISTRATION_DAYS,
    ONBOARDING_UPTAKE,
    OVERLAP_MIN_SHARE,
    OVERLAP_MIN_WORKERS,
    OVERLAP_PROGRAMS,
    OVERLAP_REGISTRATION_DAYS,
    PERIOD_END,
    PERIOD_START,
    PLANTED,
    PLANTED_PERSON,
    POST_WINDOW_DAYS,
    PRE_WINDOW_DAYS,
    RAMP_START_SHARE,
    RAMP_WINDOW_WEEKS,
    RETENTION_COMPLETION_DAYS,
    RETENTION_PROGRAM,
    RETENTION_REGISTRATION_DAYS,
    RETENTION_UPTAKE,
    SCALES,
    SEARCH_GAPS,
    SEARCH_RARE_GAP,
    SEARCH_RARE_SEARCHERS,
    SEARCH_STOP_WORDS,
    SECULAR_TREND,
    TENURED_DAYS,
    TEST_ACCOUNT_EMAILS,
    TINY_PROGRAM,
    TREND_ORIGIN,
    UNKNOWN_VERB,
    XAPI_GZIP_EVERY,
    attrition_within,
)
from .contracts import ContractMismatch, validate_against_contracts
from .core import World, build_world, generate
from .profile import DEFAULT_PROFILE, PROFILES, WORLDS, Dip, Profile
from .training import overlap_minimum

__all__ = [
    "generate",
    "build_world",
    "World",
    "Profile",
    "Dip",
    "PROFILES",
    "WORLDS",
    "DEFAULT_PROFILE",
    "overlap_minimum",
    "validate_against_contracts",
    "ContractMismatch",
    "PLANTED",
    "PLANTED_PERSON",
    "TINY_PROGRAM",
    "SECULAR_TREND",
    "KPI_MODEL",
    "TREND_ORIGIN",
    "DAYS_PER_MONTH",
    "PRE_WINDOW_DAYS",
    "POST_WINDOW_DAYS",
    "PERIOD_START",
    "PERIOD_END",
    "SCALES",
    "FAMILY_SIZES",
    "COURSES",
    "COMPANY_DOMAIN",
    "NEG_COMPLETERS",
    "NEG_NON_COMPLETERS",
    "N_CONTRACTORS",
    "CONTRACTOR_DOMAIN",
    "CONTRACTOR_PROGRAMS",
    "N_TEST_ACCOUNTS",
    "TEST_ACCOUNT_EMAILS",
    "CRM_INTEGRATION_EMAIL",
    "N_CRM_UNMATCHED_USERS",
    "N_DUPLICATE_STATEMENTS",
    "N_MALFORMED_XAPI_LINES",
    "N_UNKNOWN_VERB_STATEMENTS",
    "N_VOIDED_STATEMENTS",
    "N_BAD_INCIDENT_ROWS",
    "UNKNOWN_VERB",
    "MALFORMED_XAPI_DATE",
    "BAD_INCIDENT_ROW_DATE",
    "INCIDENTS_GZIP_DATE",
    "XAPI_GZIP_EVERY",
    "LATE_FIRST_RESPONSE_MINUTES",
    "OVERLAP_PROGRAMS",
    "OVERLAP_MIN_WORKERS",
    "OVERLAP_MIN_SHARE",
    "OVERLAP_REGISTRATION_DAYS",
    "DIP_PROGRAMS",
    "DEAL_LEAD_IN_DAYS",
    "NEW_REP_FIRST_DEAL_DAYS",
    "LEAVER_WIND_DOWN_DAYS",
    "NEW_STARTER_BASE_SHARE",
    "HIGH_TURNOVER_FAMILY",
    "HIGH_TURNOVER_FACTOR",
    "EARLY_ATTRITION_DAYS",
    "RAMP_WINDOW_WEEKS",
    "TENURED_DAYS",
    "RAMP_START_SHARE",
    "ONBOARDING_PROGRAM",
    "ONBOARDING_FAMILIES",
    "ONBOARDING_LAUNCH",
    "ONBOARDING_UPTAKE",
    "ONBOARDING_REGISTRATION_DAYS",
    "ONBOARDING_COMPLETION_DAYS",
    "ONBOARDING_MEDIAN_COMPLETION_DAY",
    "ONBOARDING_BASE_RAMP_DAYS",
    "ONBOARDING_RAMP_SD_DAYS",
    "ONBOARDING_RAMP_FLOOR_DAYS",
    "ONBOARDING_RAMP_EFFECT_DAYS",
    "ONBOARDING_ATTRITION_HR",
    "NEW_STARTER_ATTRITION_12M",
    "NEW_STARTER_HAZARD",
    "RETENTION_PROGRAM",
    "RETENTION_UPTAKE",
    "RETENTION_REGISTRATION_DAYS",
    "RETENTION_COMPLETION_DAYS",
    "AID_ARTICLES",
    "AID_KPI",
    "ADOPTION_MIN_VIEWS",
    "ADOPTION_WINDOW_DAYS",
    "SEARCH_GAPS",
    "SEARCH_RARE_GAP",
    "SEARCH_RARE_SEARCHERS",
    "SEARCH_STOP_WORDS",
    "attrition_within",
]
