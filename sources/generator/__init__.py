"""Deterministic sample-data generator for the landing folder.

    from sources.generator import generate
    summary = generate("/tmp/landing", scale="small", seed=7)                    # profile="realistic"
    summary = generate("/tmp/clean", profile="clean")                            # none of the realistic mess
    summary = generate("/tmp/nodip", profile="realistic", dip=None)              # one option switched

writes <out>/<system>/<feed>/<feed>_<YYYY-MM-DD>.<ext> for the eight feeds of
the landing contract (monthly extracts, 2025-01 .. 2026-06), with known
program effects (PLANTED, on work begun after completion) and known mess
(identity, duplicates, malformed records in every profile; late-logged first
responses, open work at the end, overlapping programs, job moves, vanishing
leavers and the Ashenfelter dip as options of the profile, see Profile) for
the pipeline to find. The constants below are what tests rely on;
seed-dependent details (which statement was voided, ...) are in the returned
summary under "mess", the profile and its options under "profile" and
"options".
"""

from .constants import (
    BAD_INCIDENT_ROW_DATE,
    COMPANY_DOMAIN,
    CONTRACTOR_DOMAIN,
    CONTRACTOR_PROGRAMS,
    COURSES,
    CRM_INTEGRATION_EMAIL,
    DAYS_PER_MONTH,
    DEAL_LEAD_IN_DAYS,
    DIP_PROGRAMS,
    FAMILY_SIZES,
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
    OVERLAP_MIN_SHARE,
    OVERLAP_MIN_WORKERS,
    OVERLAP_PROGRAMS,
    OVERLAP_REGISTRATION_DAYS,
    PERIOD_END,
    PERIOD_START,
    PLANTED,
    POST_WINDOW_DAYS,
    PRE_WINDOW_DAYS,
    SCALES,
    SECULAR_TREND,
    TEST_ACCOUNT_EMAILS,
    TINY_PROGRAM,
    TREND_ORIGIN,
    UNKNOWN_VERB,
    XAPI_GZIP_EVERY,
)
from .contracts import ContractMismatch, validate_against_contracts
from .core import World, build_world, generate
from .profile import DEFAULT_PROFILE, PROFILES, Dip, Profile
from .training import overlap_minimum

__all__ = [
    "generate",
    "build_world",
    "World",
    "Profile",
    "Dip",
    "PROFILES",
    "DEFAULT_PROFILE",
    "overlap_minimum",
    "validate_against_contracts",
    "ContractMismatch",
    "PLANTED",
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
]
