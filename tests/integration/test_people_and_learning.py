"""The generator's planted identities and learning records resolve as they should."""

from sources.generator import N_CONTRACTORS, N_TEST_ACCOUNTS


def test_mixed_case_and_account_actors_resolve_and_outsiders_are_kept_unmatched(pipeline, small_sample):
    _, summary = small_sample
    rules = dict(pipeline.query(
        "select match_rule, count(*) from intermediate.int_people__identity_crosswalk "
        "where source_system = 'lms_xapi' group by 1"
    ))
    assert rules["xapi_account_via_lms_user"] > 0  # actors identified by LMS username
    assert rules["xapi_mbox_email"] > 0
    # Outsiders identified by an xAPI account are named by their LMS username: map it to the email.
    unmatched = {r[0] for r in pipeline.query(
        """select coalesce(users.email, x.source_identity)
           from intermediate.int_people__identity_crosswalk x
           left join staging.stg_lms__users users
             on x.identity_type = 'account' and users.username = x.source_identity
           where x.source_system = 'lms_xapi' and x.person_key is null"""
    )}
    outsiders = set(summary["unmatched_identities"]["contractors"]) | set(summary["unmatched_identities"]["test_accounts"])
    assert unmatched == outsiders
    assert len(outsiders) == N_CONTRACTORS + N_TEST_ACCOUNTS


def test_service_desk_emails_with_whitespace_and_case_all_resolve(pipeline):
    (rate,) = pipeline.query(
        "select match_rate from intermediate.int_people__match_rates where source_system = 'servicedesk_assignee'"
    )[0]
    assert rate == 1.0


def test_match_rate_is_reported_per_source(pipeline):
    rows = pipeline.frame("select * from intermediate.int_people__match_rates").set_index("source_system")
    assert set(rows.index) == {"lms_xapi", "lms_user", "lms_survey", "crm_user", "servicedesk_assignee", "kb_user",
                               "search_user"}
    assert (rows["matched"] + rows["unmatched"] == rows["identities"]).all()
    assert rows.loc["crm_user", "unmatched"] == len(pipeline.query(
        "select 1 from intermediate.int_people__identity_crosswalk where source_system = 'crm_user' and person_key is null"
    ))
    from dagster import AssetKey

    event = pipeline.instance.get_latest_materialization_event(AssetKey(["intermediate", "int_people__match_rates"]))
    assert "lms_xapi" in event.asset_materialization.metadata["preview"].value


def test_voided_statement_is_gone_and_its_completion_does_not_count(pipeline, small_sample):
    _, summary = small_sample
    mess = summary["mess"]
    assert not pipeline.query(
        "select 1 from staging.stg_lms__xapi_statements where statement_id in (?, ?)",
        [mess["voided_statement_id"], mess["voiding_statement_id"]],
    )
    completions = pipeline.query(
        """select e.completed_at from intermediate.int_learning__enrolments e
           join intermediate.int_people__identity_crosswalk x
             on x.person_key = e.person_key and x.source_system = 'lms_user'
           where x.source_identity = ? and e.course_id = ?""",
        [mess["voided_learner_email"], mess["voided_course_id"]],
    )
    assert all(c[0] is None for c in completions)


def test_duplicate_statements_count_once(pipeline, small_sample):
    _, summary = small_sample
    ids = summary["mess"]["duplicate_statement_ids"]
    raw = pipeline.query(
        f"select count(*) from raw.lms__xapi_statements where statement_id in ({', '.join('?' * len(ids))})", ids
    )[0][0]
    staged = pipeline.query(
        f"select count(*) from staging.stg_lms__xapi_statements where statement_id in ({', '.join('?' * len(ids))})", ids
    )[0][0]
    assert raw == 2 * len(ids)
    assert staged == len(ids)


def test_program_completion_counts_match_the_generator(pipeline, small_sample):
    _, summary = small_sample
    counts = dict(pipeline.query(
        "select program_id, count(*) from intermediate.int_learning__program_enrolments where is_completed group by 1"
    ))
    for program, planted in summary["programs"].items():
        assert counts.get(program, 0) == planted["completers"], program


def test_malformed_rows_are_quarantined_with_file_and_line(pipeline, small_sample):
    _, summary = small_sample
    bad = summary["mess"]["bad_incident_row"]
    rows = pipeline.query(
        "select file, line, reason from raw._quarantine where feed = 'servicedesk__incidents'"
    )
    assert [(r[0].rsplit("/", 1)[-1], r[1]) for r in rows] == [(bad["file"], bad["line"])]
    xapi = pipeline.query("select file, reason from raw._quarantine where feed = 'lms__xapi_statements'")
    assert [r[0].rsplit("/", 1)[-1] for r in xapi] == [summary["mess"]["malformed_xapi_file"]]
    assert xapi[0][1] == "line is not valid JSON"
