"""Fixed facts of the simulated world, and the truths planted in it.

Tests import these to know what the pipeline should find. Everything that
depends on the seed (statement ids, which person was voided, ...) is reported
in the summary returned by ``generate`` instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

# --------------------------------------------------------------------------
# Time
# --------------------------------------------------------------------------
PERIOD_START = date(2025, 1, 1)
PERIOD_END = date(2026, 6, 30)  # inclusive; also the last extract date

# The secular trends run on a continuous clock: months since PERIOD_START,
# where a month is an average Gregorian month.
TREND_ORIGIN = PERIOD_START
DAYS_PER_MONTH = 365.25 / 12

# KPI windows the truths are defined on (same as the landing contract's method).
PRE_WINDOW_DAYS = 90
POST_WINDOW_DAYS = 90

# --------------------------------------------------------------------------
# Size
# --------------------------------------------------------------------------
# scale multiplies the number of workers (and so every feed driven by people):
# 600, 3,000 and 50,400 staff. small and medium span the 18 months of the
# period; large's extracts start earlier (HISTORY_START), so that it carries
# two years of history, as a large organisation's nightly run does. The earlier
# months hold HRIS, service-desk and CRM history (the LMS and its programs start
# with the period), and every planted truth stays defined on the period.
SCALES = {"small": 1, "medium": 5, "large": 84}
HISTORY_START = {"large": date(2024, 7, 1)}  # first extract month; PERIOD_START when absent

COMPANY_DOMAIN = "acme.example"
LMS_HOME = "https://lms.acme.example"

# Head count per job family at scale 1 (600 in all). Operations includes the CEO.
FAMILY_SIZES = {
    "Customer Support": 200,
    "Sales": 160,
    "Engineering": 140,
    "Operations": 100,
}

# --------------------------------------------------------------------------
# Planted truths
# --------------------------------------------------------------------------
# The true effect of each program on each KPI, on work BEGUN after the
# completion of the program's LAST course: a ticket by its opened_at, a deal
# by its CreatedDate (profile option effect_by_start, on in the realistic
# profile; with it off, deals are drawn close-first and the effect applies by
# CloseDate). Work begun before completion is not affected, even when it
# finishes after it.
PLANTED = {
    ("PRG-SUP", "ticket_resolution_hours"): -6.0,  # hours, tickets opened after completion
    ("PRG-SUP", "knowledge_use_rate"): 0.15,  # share of tickets using an article
    ("PRG-SAL", "sales_cycle_days"): -10.0,  # days, deals created after completion
    ("PRG-MND", "first_response_minutes"): 0.0,  # the no-effect program
    # Performance support (AID_ARTICLES): measured from a person's first meaningful use
    # of the aid's articles (ADOPTION_MIN_VIEWS views within ADOPTION_WINDOW_DAYS), on
    # tickets opened from then on.
    ("PRG-KBA", "ticket_resolution_hours"): -5.0,  # hours: the Resolution Checklist job aid
    ("PRG-KBN", "ticket_resolution_hours"): 0.0,  # the Printer Fix Guide: read, but no faster
}

# PRG-NEG has exactly NEG_COMPLETERS completers (all Sales reps who did not
# take PRG-SAL, so it has no true effect): below any sensible minimum group
# size, so its impact must come out suppressed.
TINY_PROGRAM = "PRG-NEG"
NEG_COMPLETERS = 3
NEG_NON_COMPLETERS = 1

# KPI units per month since TREND_ORIGIN, the same for everybody.
SECULAR_TREND = {
    "ticket_resolution_hours": 0.4,
    "first_response_minutes": 0.5,
    "sales_cycle_days": 0.5,
}

# Person baselines are drawn once per person: N(mean, between_sd); each record
# then adds N(0, noise_sd) and is floored.
KPI_MODEL = {
    # kpi: (mean, between-person sd, record noise sd, floor)
    "ticket_resolution_hours": (24.0, 3.0, 4.0, 0.5),
    "first_response_minutes": (60.0, 8.0, 15.0, 1.0),
    "sales_cycle_days": (45.0, 4.0, 6.0, 5.0),
}
# Heavy-tailed resolution times (profile option heavy_tails): lognormal noise around the
# person's level, and a few tickets stuck for weeks (far beyond the catalogue's cap).
HEAVY_TAIL_SIGMA = 0.8
STUCK_TICKET_SHARE = 0.005
STUCK_TICKET_HOURS = (1500.0, 2500.0)
KNOWLEDGE_BASE_RATE = 0.30
WIN_RATE = 0.30  # no program moves it
CSAT_RESPONSE_RATE = 0.60  # share of resolved tickets with a u_csat_score

INCIDENTS_PER_AGENT_WEEK = 5.0  # scaled by FTE
CLOSED_OPPS_PER_REP_WEEK = 2.0  # scaled by FTE

# --------------------------------------------------------------------------
# Programs and courses
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class Course:
    course_id: str
    title: str
    program_id: str  # "" for a course outside every configured program
    modality: str
    duration_hours: float
    cost_per_learner: float
    fixed_cost: float
    published_at: str
    has_assessments: bool = True

    @property
    def iri(self) -> str:
        return f"{LMS_HOME}/courses/{self.course_id}"


COURSES = (
    Course("CRS-SUP-101", "Support Excellence: Foundations", "PRG-SUP", "elearning", 2, 150, 5000, "2025-02-03T09:00:00Z"),
    Course("CRS-SUP-102", "Support Excellence: Live Practice", "PRG-SUP", "vilt", 4, 300, 8000, "2025-02-03T09:00:00Z"),
    Course("CRS-SAL-201", "Consultative Selling Workshop", "PRG-SAL", "ilt", 8, 600, 12000, "2025-02-10T09:00:00Z"),
    Course("CRS-SAL-202", "Consultative Selling Coaching", "PRG-SAL", "coaching", 3, 400, 0, "2025-02-10T09:00:00Z"),
    Course("CRS-MND-301", "Mindful Productivity", "PRG-MND", "elearning", 1, 50, 2000, "2025-03-03T09:00:00Z"),
    Course("CRS-NEG-401", "Advanced Negotiation", "PRG-NEG", "ilt", 6, 800, 6000, "2025-03-17T09:00:00Z"),
    # The new starters' programs (profile options onboarding and retention_program):
    # in the catalogue only while their option is on.
    Course("CRS-ONB-501", "New Starter Onboarding", "PRG-ONB", "elearning", 4, 120, 10000, "2025-03-24T09:00:00Z"),
    Course("CRS-RET-601", "Stay Conversations", "PRG-RET", "coaching", 1, 90, 0, "2025-02-17T09:00:00Z",
           has_assessments=False),
    # Not in any configured program: background LMS traffic.
    Course("CRS-GEN-001", "Code of Conduct 2025", "", "elearning", 0.5, 0, 1500, "2025-01-02T09:00:00Z", has_assessments=False),
)
COURSE_BY_ID = {c.course_id: c for c in COURSES}

# Program -> target job family, and the share of that family's individual
# contributors who register (PRG-MND independently of PRG-SUP; the realistic
# profile's two_programs_same_kpi then adds a few PRG-SUP completers to PRG-MND).
PROGRAM_FAMILY = {
    "PRG-SUP": "Customer Support",
    "PRG-SAL": "Sales",
    "PRG-MND": "Customer Support",
    "PRG-NEG": "Sales",
}
PROGRAM_UPTAKE = {"PRG-SUP": 0.40, "PRG-SAL": 0.40, "PRG-MND": 0.35}
PROGRAM_DROPOUT = {"PRG-SUP": 0.15, "PRG-SAL": 0.15, "PRG-MND": 0.10}

# Each participant's first registration is uniform in this window, and their
# last course completes 14-45 days later, so the 90-day pre and post windows
# both fit inside the period.
FIRST_REGISTRATION_WINDOW = (date(2025, 4, 15), date(2026, 2, 15))
COMPLETION_DAYS = (14, 45)

GENERAL_COURSE_UPTAKE = 0.30  # share of all workers taking CRS-GEN-001

# --------------------------------------------------------------------------
# Planted identity mess
# --------------------------------------------------------------------------
CONTRACTOR_DOMAIN = "contractor.example"
N_CONTRACTORS = 10
# Contractors are not in HRIS but take program courses (and complete them).
CONTRACTOR_PROGRAMS = {"PRG-SUP": 6, "PRG-MND": 4}
TEST_ACCOUNT_EMAILS = ("test.learner1@acme.example", "test.learner2@acme.example")
N_TEST_ACCOUNTS = len(TEST_ACCOUNT_EMAILS)
TEST_ACCOUNT_COURSE = "CRS-GEN-001"  # test accounts only touch this course
CRM_INTEGRATION_EMAIL = "integration@acme.example"  # CRM user not in HRIS
N_CRM_UNMATCHED_USERS = 1

XAPI_ACCOUNT_SHARE = 0.25  # learners identified by account{} not mbox
XAPI_MBOX_MIXED_CASE_SHARE = 0.30  # of a person's mbox statements
LMS_EMAIL_MIXED_CASE_SHARE = 0.10
CRM_EMAIL_MIXED_CASE_SHARE = 0.30
INCIDENT_EMAIL_MIXED_CASE_SHARE = 0.20
INCIDENT_EMAIL_PADDED_SHARE = 0.05
INCIDENT_UNASSIGNED_SHARE = 0.02

# --------------------------------------------------------------------------
# Planted file/record mess (exact counts, at every scale)
# --------------------------------------------------------------------------
N_DUPLICATE_STATEMENTS = 5  # same id again in the next month's file
N_MALFORMED_XAPI_LINES = 1  # an extra, truncated copy of a statement
MALFORMED_XAPI_DATE = date(2025, 8, 31)
UNKNOWN_VERB = "https://w3id.org/xapi/video/verbs/paused"
N_UNKNOWN_VERB_STATEMENTS = 1
N_VOIDED_STATEMENTS = 1  # a bogus completion of a PRG-SUP dropout, voided next month
N_BAD_INCIDENT_ROWS = 1  # an extra, truncated interim incident row
BAD_INCIDENT_ROW_DATE = date(2025, 7, 31)
N_DELETED_OPPORTUNITY_SHARE = 0.01

# --------------------------------------------------------------------------
# Realistic-profile mess (see profile.py; each is an option of the profile)
# --------------------------------------------------------------------------
# resolved_before_response_share: the late-logged first response comes this
# many minutes after the resolution.
LATE_FIRST_RESPONSE_MINUTES = (5, 240)
# two_programs_same_kpi: at least max(OVERLAP_MIN_WORKERS, OVERLAP_MIN_SHARE x
# support ICs) workers complete both PRG-SUP and PRG-MND, with their first
# PRG-MND registration within +-OVERLAP_REGISTRATION_DAYS of the PRG-SUP one.
OVERLAP_PROGRAMS = ("PRG-SUP", "PRG-MND")
OVERLAP_MIN_WORKERS = 5
OVERLAP_MIN_SHARE = 0.03
OVERLAP_REGISTRATION_DAYS = 60
# dip: the program whose managers nominate people after a bad spell, per KPI.
DIP_PROGRAMS = {"ticket_resolution_hours": "PRG-SUP", "sales_cycle_days": "PRG-SAL"}
# effect_by_start: deals are created from this many days before PERIOD_START
# (those still open on PERIOD_START show only their closing row), so the first
# months have closing deals; a new rep opens their first deal this many days
# after hire; a leaver opens no new deal in their last LEAVER_WIND_DOWN_DAYS
# (and a deal still open on their last day is closed, lost, that day).
DEAL_LEAD_IN_DAYS = 90
NEW_REP_FIRST_DEAL_DAYS = 15
LEAVER_WIND_DOWN_DAYS = 60

# --------------------------------------------------------------------------
# New starters: the onboarding program and the null retention program
# --------------------------------------------------------------------------
# Share of individual contributors hired during the period (profile option
# new_starter_share; the clean profile keeps this one). The others were hired
# 2013-2024. New starters are hired uniformly from PERIOD_START to
# NEW_STARTER_LAST_HIRE.
NEW_STARTER_BASE_SHARE = 0.10
NEW_STARTER_LAST_HIRE = date(2026, 5, 31)
# high_turnover_support: Customer Support hires this many times the share
# (capped at 1), so that the small scale has ~150 new starters in Customer
# Support and Sales.
HIGH_TURNOVER_FAMILY = "Customer Support"
HIGH_TURNOVER_FACTOR = 2.0

# Person-grain KPIs of new starters.
EARLY_ATTRITION_DAYS = 365  # early_attrition: left within this many days of hire
RAMP_WINDOW_WEEKS = 4  # ramp_days: first span of this many weeks at tenured output
TENURED_DAYS = 365  # tenured peers: at least this long in the company

# PRG-ONB "New Starter Onboarding" (profile option onboarding): Customer Support
# and Sales new starters hired on or after ONBOARDING_LAUNCH take it with
# probability ONBOARDING_UPTAKE, registering 0-6 days after hire and
# completing 10-30 days after hire (uniform whole days); ONBOARDING_DROPOUT of
# the takers drop out. People hired before the launch never take it.
ONBOARDING_PROGRAM = "PRG-ONB"
ONBOARDING_FAMILIES = ("Customer Support", "Sales")
ONBOARDING_LAUNCH = date(2025, 4, 1)
ONBOARDING_UPTAKE = 0.70
ONBOARDING_DROPOUT = 0.10
ONBOARDING_REGISTRATION_DAYS = (0, 6)  # after hire, inclusive
ONBOARDING_COMPLETION_DAYS = (10, 30)  # after hire, inclusive
ONBOARDING_MEDIAN_COMPLETION_DAY = (ONBOARDING_COMPLETION_DAYS[0] + ONBOARDING_COMPLETION_DAYS[1]) // 2  # 20
# The new starters' programs register and complete people no later than this
# many days before PERIOD_END, so that a late-stored statement still lands in
# the data: takers whose completion day falls later are still in progress.
RECORD_END_MARGIN_DAYS = 7

# Ramp: every Customer Support / Sales new starter has a personal ramp
# R ~ Normal(ONBOARDING_BASE_RAMP_DAYS, ONBOARDING_RAMP_SD_DAYS), floored at
# ONBOARDING_RAMP_FLOOR_DAYS. Their rate of work begun (incidents opened,
# opportunities created) grows linearly from RAMP_START_SHARE of the tenured rate
# on the hire day to all of it R days after hire. PRG-ONB completers start
# -ONBOARDING_RAMP_EFFECT_DAYS days ahead on their curve (whatever their completion
# day): every share of the tenured rate, so every threshold, comes 15 days sooner.
ONBOARDING_BASE_RAMP_DAYS = 45.0
ONBOARDING_RAMP_SD_DAYS = 6.0
ONBOARDING_RAMP_FLOOR_DAYS = 14.0
ONBOARDING_RAMP_EFFECT_DAYS = -15.0
RAMP_START_SHARE = 0.20

# Attrition: with the onboarding option, every new starter leaves at a constant
# hazard NEW_STARTER_HAZARD per day from hire (NEW_STARTER_ATTRITION_12M of them
# within 12 months); a PRG-ONB completer's hazard is NEW_STARTER_HAZARD x
# ONBOARDING_ATTRITION_HR from their completion day on.
NEW_STARTER_ATTRITION_12M = 0.40
NEW_STARTER_HAZARD = -math.log(1 - NEW_STARTER_ATTRITION_12M) / EARLY_ATTRITION_DAYS
ONBOARDING_ATTRITION_HR = 0.4

# PRG-RET "Stay Conversations" (profile option retention_program): Customer
# Support and Sales new starters still employed take it with probability
# RETENTION_UPTAKE, registering 60-120 days after hire and completing 2-14 days
# later. It changes nothing: hazard ratio 1, no ramp change.
RETENTION_PROGRAM = "PRG-RET"
RETENTION_UPTAKE = 0.40
RETENTION_REGISTRATION_DAYS = (60, 120)  # after hire, inclusive
RETENTION_COMPLETION_DAYS = (2, 14)  # after registration, inclusive (launch can take a day)


def attrition_within(days: float, completion_day: float | None = None) -> float:
    """Probability that a new starter leaves within `days` of hire: a non-taker
    (completion_day None) or a PRG-ONB completer who completes completion_day
    days after hire (hazard x ONBOARDING_ATTRITION_HR from then on)."""
    h0 = NEW_STARTER_HAZARD
    if completion_day is None or completion_day >= days:
        return 1 - math.exp(-h0 * days)
    return 1 - math.exp(-h0 * completion_day - h0 * ONBOARDING_ATTRITION_HR * (days - completion_day))


# The true effects on the person-grain KPIs, by hire cohort (not DiD):
# ramp_days: PRG-ONB completers minus non-takers, in days; early_attrition: the
# 12-month attrition probability of a completer who completes on the median
# completion day minus that of a non-taker.
PLANTED_PERSON = {
    ("PRG-ONB", "ramp_days"): ONBOARDING_RAMP_EFFECT_DAYS,
    ("PRG-ONB", "early_attrition"): (attrition_within(EARLY_ATTRITION_DAYS, ONBOARDING_MEDIAN_COMPLETION_DAY)
                                     - attrition_within(EARLY_ATTRITION_DAYS)),
    ("PRG-RET", "early_attrition"): 0.0,
    ("PRG-RET", "ramp_days"): 0.0,
}

# Compression: every third xAPI file, and one incidents file.
XAPI_GZIP_EVERY = 3  # extract months 3, 6, 9, ... (1-based) are .jsonl.gz
INCIDENTS_GZIP_DATE = date(2025, 10, 31)


# --------------------------------------------------------------------------
# Performance support: knowledge articles and job aids (servicedesk/kb_use)
# --------------------------------------------------------------------------
# The aids' articles, as sources/sample_config/program_aids.csv lists them. A person's
# "completion" of an aid is their first meaningful use: the moment of their
# ADOPTION_MIN_VIEWS-th view of any of its articles such that the first of those views
# was at most ADOPTION_WINDOW_DAYS earlier (a rolling window); their "first
# registration" is their first view of any of them.
AID_ARTICLES = {
    "PRG-KBA": ("KB0010001", "KB0010002", "KB0010003"),
    "PRG-KBN": ("KB0020001",),
}
AID_KPI = "ticket_resolution_hours"
ADOPTION_MIN_VIEWS = 3
ADOPTION_WINDOW_DAYS = 14
# Adopters among the support agents (World.support_agents), disjoint between the aids;
# AID_FREE_PREFERENCE of them (as far as there are enough) outside AID_OTHER_PROGRAMS,
# whose people a comparison on the same KPI drops when their windows overlap.
AID_UPTAKE = {"PRG-KBA": 0.20, "PRG-KBN": 0.12}
AID_FREE_PREFERENCE = 0.8
AID_OTHER_PROGRAMS = ("PRG-SUP",)
# First views fall in this window, uniformly over the part of it where the agent is
# employed from AID_PRE_WEEKS before their first view to AID_POST_WEEKS after their
# adoption: the pipeline's 13-week pre window ends 6 weeks before the first view, its
# 13-week post window starts the Monday after the adoption week.
AID_FIRST_VIEW_WINDOW = (date(2025, 5, 15), date(2026, 2, 28))
AID_PRE_WEEKS = 19
AID_POST_WEEKS = 14
AID_PUBLISHED = date(2025, 4, 1)  # nobody views an aid article before
# Of adopters: their first views are spread wider than ADOPTION_WINDOW_DAYS, and only a
# later burst qualifies (slow starters); and, with the profile's dip, a bad spell
# before their first view (the dip's weeks and size, as before a nomination).
AID_SLOW_START_SHARE = 0.30
AID_DIP_SHARE = 0.30
AID_REVIEWS_PER_WEEK = 0.4  # adopters look the aid up again now and then
# Of the other agents, this share view an aid's article once or twice (never treated);
# of the other workers, this share view the printer guide once.
AID_CASUAL_SHARE = 0.10
AID_CASUAL_OUTSIDER_SHARE = 0.05
# Background knowledge use: KB_BACKGROUND_ARTICLES other articles (KB0030001, ...);
# an agent views one within a day of opening KB_VIEWS_PER_TICKET of their tickets (and
# attaches it to that ticket, used, KB_TICKET_VIEW_USED of the time), and browses
# KB_BROWSE_PER_AGENT_WEEK more a week (never attached). Aid views are attached to a
# ticket opened within the day before them AID_VIEW_USED of the time.
KB_BACKGROUND_ARTICLES = 40
KB_VIEWS_PER_TICKET = 0.30
KB_TICKET_VIEW_USED = 0.60
KB_BROWSE_PER_AGENT_WEEK = 0.6
AID_VIEW_USED = 0.45
# user.email as the tool stores it (as incidents' assignees), and people nobody else knows.
KB_EMAIL_MIXED_CASE_SHARE = 0.20
KB_EMAIL_PADDED_SHARE = 0.05
KB_CONTRACTOR_EMAILS = ("helpdesk.temp1@contractor.example", "helpdesk.temp2@contractor.example",
                        "helpdesk.temp3@contractor.example")
KB_CONTRACTOR_VIEWS_PER_WEEK = 1.0
# Of the views attached to a ticket, about this share of all rows are attached only
# later: the row comes again in the next month's file, updated, used flipped to true.
KB_REDELIVERED_SHARE = 0.05

# --------------------------------------------------------------------------
# Enterprise search log (search/queries, from PERIOD_START)
# --------------------------------------------------------------------------
SEARCHES_PER_WEEK = {"Customer Support": 2.0, "other": 0.6}  # per worker, while employed
SEARCH_CLICK_RATE = 0.75  # of searches with useful results (a theme most people find is no gap)
SEARCH_LATE_CLICK_SHARE = 0.10  # of clicks: 10-30 minutes after the search
SEARCH_DUPLICATE_SHARE = 0.01  # delivered again in the next month's file, same query_id
SEARCH_EMAIL_MIXED_CASE_SHARE = 0.10  # user.email as SSO hands it over: mostly lower case
SEARCH_PII_SHARE = {"email": 0.003, "phone": 0.003, "name": 0.005}  # of searches: query_text with one
# Knowledge gaps: themes that many people search for and never find. "no_results":
# results_count 0; "no_click": results, never clicked. Each phrasing of a gap differs
# from the theme only by SEARCH_STOP_WORDS, case and punctuation.
SEARCH_GAPS = {
    "parental leave policy": "no_results",
    "refund approval limit": "no_click",
    "salesforce quote template": "no_results",
    "linux vpn client": "no_click",
}
# A zero-result theme only SEARCH_RARE_SEARCHERS people search for: below any minimum group.
SEARCH_RARE_GAP = "sabbatical policy"
SEARCH_RARE_SEARCHERS = 2
SEARCH_STOP_WORDS = ("a", "an", "the", "is", "are", "there", "what", "where", "how", "do", "i", "my", "to", "for", "of")
