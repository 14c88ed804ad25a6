"""Learning in the flow of work, on the real sample run: the search log's query text
stays in raw for its retention only, and what is published from it are themes of at
least the minimum group of people; a performance-support program is adopted, estimated
and costed like a course."""

from collections import defaultdict

import duckdb
import pytest

from dagster_project.text_scrub import query_themes

pytestmark = pytest.mark.integration


def _serving(pipeline) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(pipeline.settings.serving_path), read_only=True)


def _published_texts(pipeline) -> list[str]:
    """Every text value of every published table."""
    conn = _serving(pipeline)
    try:
        columns = conn.execute(
            "select table_name, column_name from information_schema.columns "
            "where table_schema = 'main' and data_type = 'VARCHAR'"
        ).fetchall()
        texts = []
        for table, column in columns:
            texts += [v for (v,) in conn.execute(f'select distinct "{column}" from "{table}"').fetchall() if v]
        return texts
    finally:
        conn.close()


def _people_per_theme(pipeline, stuck_only: bool) -> dict[str, set[str]]:
    """From raw, independently of the models: the distinct searchers of each theme (only
    those none of whose searches on it found and clicked a result, when stuck_only)."""
    rows = pipeline.query(
        'select lower(trim("user.email")), query_text, results_count, clicked_result from raw.search__queries '
        "where query_text is not null"
    )
    people, answered = defaultdict(set), defaultdict(set)
    for email, text, results, clicked in rows:
        for theme in (query_themes(text) or "").split():
            people[theme.replace("_", " ")].add(email)
            if results and (clicked or "").strip():
                answered[theme.replace("_", " ")].add(email)
    if stuck_only:
        return {theme: who - answered[theme] for theme, who in people.items()}
    return people


def test_query_text_is_kept_in_raw_for_its_retention_only(pipeline):
    days = pipeline.settings.query_text_retention_days
    kept, blanked, late_text = pipeline.query(
        f"""
        with newest as (select max(_extract_date) as d from raw.search__queries)
        select
            count(*) filter (where query_text is not null),
            count(*) filter (where query_text is null),
            count(*) filter (where query_text is not null and searched_at < (select d from newest) - {days})
        from raw.search__queries
        """
    )[0]
    assert kept > 0 and blanked > 0, (kept, blanked)
    assert late_text == 0
    # Staging reads raw: no text older than the retention anywhere downstream.
    assert pipeline.query(
        f"""select count(*) from staging.stg_search__queries
            where query_text is not null
              and searched_at < (select max(_extract_date) from raw.search__queries) - {days}"""
    )[0][0] == 0


def test_no_published_text_comes_from_fewer_searchers_than_the_minimum_group(pipeline, small_sample):
    n = pipeline.settings.min_group_size
    published = _published_texts(pipeline)
    people = _people_per_theme(pipeline, stuck_only=False)
    rare = [theme for theme, who in people.items() if len(who) < n]
    assert rare, "the sample plants themes searched by fewer than the minimum group"
    lowered = [text.lower() for text in published]
    leaked = [theme for theme in rare if any(text == theme for text in lowered)]
    assert leaked == []
    # Nor any whole query text searched by fewer people (as written or folded).
    texts = pipeline.query(
        'select query_text, count(distinct lower(trim("user.email"))) from raw.search__queries '
        "where query_text is not null group by query_text"
    )
    few = [t.lower().strip() for t, who in texts if who < n and len(t.strip()) >= 8]
    assert not [t for t in few if any(t in text for text in lowered)]
    planted_rare = small_sample[1]["knowledge_gaps"]["rare"]
    gaps = {t for (t,) in pipeline.published("select theme from knowledge_gaps")}
    assert not any(theme in planted_rare.lower() for theme in gaps), gaps


def test_the_planted_knowledge_gaps_lead_the_backlog(pipeline, small_sample):
    n = pipeline.settings.min_group_size
    gaps = pipeline.published("select theme, people, teams from knowledge_gaps order by gap_rank")
    assert gaps, "the sample's gaps are published"
    people = _people_per_theme(pipeline, stuck_only=True)
    for theme, published_people, _teams in gaps:
        assert published_people >= n
        assert published_people == len(people[theme]), theme  # the same count from raw
    planted = [p.lower() for p in small_sample[1]["knowledge_gaps"]["planted"]]
    top = [theme for theme, _, _ in gaps[: 2 * len(planted)]]
    found = [p for p in planted if any(all(word in p for word in theme.split()) for theme in top)]
    assert len(found) == len(planted), (planted, top)


def test_an_aid_is_adopted_estimated_and_costed_like_a_course(pipeline):
    n = pipeline.settings.min_group_size
    delivery = dict(pipeline.published("select program_id, delivery from programs"))
    aids = sorted(p for p, d in delivery.items() if d == "performance_support")
    assert aids == ["PRG-KBA", "PRG-KBN"]
    for program_id in aids:
        adopters, viewers = pipeline.query(
            "select count(*) filter (where is_completed), count(*) from intermediate.int_learning__program_enrolments "
            f"where program_id = '{program_id}' and person_key is not null"
        )[0]
        assert n <= adopters < viewers  # some viewed without adopting
        (n_treated,) = pipeline.published(
            f"select n_treated from program_impact where program_id = '{program_id}'")[0]
        assert n <= n_treated <= adopters
        participants, cost_total, cost_other = pipeline.published(
            f"select participants, cost_total, cost_design + cost_other from program_roi where program_id = '{program_id}'")[0]
        assert participants >= viewers  # viewers HRIS does not know are participants too
        assert cost_total == pytest.approx(cost_other) and cost_total > 0  # content costs only
    adoption = pipeline.published(
        "select month_start, adopters_to_date from aid_adoption where program_id = 'PRG-KBA' order by month_start")
    counts = [a for _, a in adoption if a is not None]
    assert counts == sorted(counts) and counts[-1] >= n
    trend = pipeline.published("select search_success_rate, zero_result_rate from search_trends where not suppressed")
    assert trend and all(0 <= s <= 1 and 0 <= z <= 1 for s, z in trend)
