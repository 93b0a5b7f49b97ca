"""Sequence templates: every refusal names the step at fault; waits (calendar and business days), repeats up
to their maximum and what follows, goto, next, complete and exit with a lead status."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from sfa_desktop.core.records.validation import ValidationError
from sfa_desktop.core.sequences import templates as sequences
from sfa_desktop.core.sequences.templates import TemplateError, add_wait, decide, first_step

NY = ZoneInfo("America/New_York")


def outreach() -> list[dict[str, Any]]:
    """The example of the issue: no answer repeats in 2 days up to 3 times, interested books a demo, not
    interested disqualifies the lead."""
    return [
        {
            "key": "intro_call",
            "kind": "call",
            "title": "Introduction call",
            "wait_days": 0,
            "business_days": True,
            "instructions": "## Script\n\nAsk about **fleet size**.",
            "article_ids": [],
            "outcomes": {
                "no answer": {
                    "repeat": {"after_days": 2, "business_days": True, "max": 3},
                    "then": {"goto": "intro_email"},
                },
                "interested": {"goto": "book_demo"},
                "not interested": {
                    "exit": "not interested",
                    "reason": "Not interested",
                    "lead_status": "disqualified",
                },
            },
        },
        {
            "key": "intro_email",
            "kind": "email",
            "title": "Introduction email",
            "wait_days": 1,
            "outcomes": {"completed": {"next": True}},
        },
        {
            "key": "book_demo",
            "kind": "meeting",
            "title": "Book a demo",
            "wait_days": 3,
            "business_days": False,
            "outcomes": {
                "meeting booked": {"complete": "demo booked", "lead_status": "qualified"},
                "follow-up needed": {"repeat": {"after_days": 7, "max": 1}},
            },
        },
    ]


def refusal(steps: Any) -> TemplateError:
    with pytest.raises(TemplateError) as info:
        sequences.validate(steps)
    return info.value


def test_a_good_template_parses_and_round_trips_through_json() -> None:
    steps = sequences.validate(outreach())
    assert [s.key for s in steps] == ["intro_call", "intro_email", "book_demo"]
    rule = steps[0].outcomes["no answer"]
    assert (rule.kind, rule.after_days, rule.max, rule.then) == (
        "repeat",
        2,
        3,
        sequences.Rule("goto", "intro_email"),
    )
    again = sequences.parse_steps(sequences.steps_json(steps))
    assert again == steps


def test_a_branch_to_a_missing_step_is_refused_naming_the_step() -> None:
    steps = outreach()
    steps[0]["outcomes"]["interested"] = {"goto": "book_a_demo"}
    error = refusal(steps)
    assert error.step == "intro_call"
    assert "'intro_call' (Introduction call)" in error.message
    assert "'book_a_demo', which does not exist" in error.message


def test_a_missing_step_after_the_last_repeat_is_refused_too() -> None:
    steps = outreach()
    steps[0]["outcomes"]["no answer"]["then"] = {"goto": "nowhere"}
    assert refusal(steps).step == "intro_call"


def test_a_step_no_path_reaches_is_refused_naming_it() -> None:
    steps = outreach()
    steps[0]["outcomes"]["no answer"]["then"] = {"exit": "no contact"}  # nothing leads to intro_email now
    error = refusal(steps)
    assert error.step == "intro_email"
    assert "Step 'intro_email' (Introduction email) cannot be reached" in error.message


def test_a_loop_with_no_limit_is_refused_naming_the_step() -> None:
    steps = outreach()
    steps[2]["outcomes"]["follow-up needed"] = {"goto": "intro_call"}  # back to the start: no end
    error = refusal(steps)
    assert error.step == "book_demo"
    assert "leads back to step 'intro_call'" in error.message
    assert "loop with no limit" in error.message


def test_a_step_going_to_itself_is_a_loop() -> None:
    steps = outreach()
    steps[1]["outcomes"]["no answer"] = {"goto": "intro_email"}
    assert refusal(steps).step == "intro_email"


def test_a_repeat_without_a_maximum_is_refused() -> None:
    steps = outreach()
    del steps[0]["outcomes"]["no answer"]["repeat"]["max"]
    error = refusal(steps)
    assert error.step == "intro_call"
    assert "no limit" in error.message


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda s: s[1].update(key="intro_call"), "used by another step"),
        (lambda s: s[1].update(kind="fax"), "'fax' is not one of"),
        (lambda s: s[1].update(title=" "), "has no title"),
        (lambda s: s[1].update(wait_days=-1), "whole number of days"),
        (lambda s: s[1].update(wait_days="2"), "whole number of days"),
        (lambda s: s[1].update(outcomes={}), "has no outcomes"),
        (lambda s: s[1].update(outcomes={"maybe": {"next": True}}), "'maybe' is not an outcome"),
        (lambda s: s[1].update(outcomes={"completed": {"next": True, "goto": "x"}}), "exactly one of"),
        (lambda s: s[1].update(outcomes={"completed": {"exit": ""}}), "needs a result"),
        (lambda s: s[1].update(outcomes={"completed": {"exit": "x", "lead_status": "gone"}}), "lead_status"),
        (lambda s: s[1].update(article_ids="kb-1"), "list of article ids"),
    ],
)
def test_malformed_steps_are_refused_naming_the_step(change: Any, words: str) -> None:
    steps = copy.deepcopy(outreach())
    change(steps)
    error = refusal(steps)
    assert words in error.message
    assert error.message.startswith("Step")
    assert "intro_call" in error.message if "another step" in words else "intro_email" in error.message


def test_no_steps_and_bad_json_are_refused() -> None:
    assert "at least one step" in refusal([]).message
    with pytest.raises(TemplateError, match="not valid JSON"):
        sequences.parse_steps("[{")


# -- waits -------------------------------------------------------------------------------------------------


def ny(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=NY)


def test_calendar_days_keep_the_local_time_of_day() -> None:
    friday = ny(2026, 11, 20, 16, 30)
    assert add_wait(friday, 2, False, NY) == ny(2026, 11, 22, 16, 30).astimezone(dt.UTC)
    assert add_wait(friday, 0, False, NY) == friday.astimezone(dt.UTC)


def test_business_days_skip_the_weekend() -> None:
    friday = ny(2026, 11, 20, 16, 30)
    assert add_wait(friday, 1, True, NY) == ny(2026, 11, 23, 16, 30)  # Monday
    assert add_wait(friday, 2, True, NY) == ny(2026, 11, 24, 16, 30)
    assert add_wait(friday, 5, True, NY) == ny(2026, 11, 27, 16, 30)
    saturday = ny(2026, 11, 21, 10, 0)
    assert add_wait(saturday, 0, True, NY) == ny(2026, 11, 23, 10, 0)  # lands on a weekday
    assert add_wait(saturday, 1, True, NY) == ny(2026, 11, 24, 10, 0)


def test_a_step_on_another_day_outside_working_hours_is_due_at_nine() -> None:
    late = ny(2026, 11, 23, 21, 30)  # a call logged on Monday evening
    assert add_wait(late, 2, False, NY) == ny(2026, 11, 25, 9, 0)
    assert add_wait(late, 1, True, NY) == ny(2026, 11, 24, 9, 0)
    early = ny(2026, 11, 20, 6, 45)  # a Friday, before work
    assert add_wait(early, 1, True, NY) == ny(2026, 11, 23, 9, 0)
    assert add_wait(late, 0, False, NY) == late  # due today: now is when it is due
    assert add_wait(ny(2026, 11, 23, 17, 59), 1, False, NY) == ny(2026, 11, 24, 17, 59)
    assert add_wait(ny(2026, 11, 23, 18, 0), 1, False, NY) == ny(2026, 11, 24, 9, 0)


def test_waits_across_daylight_saving_keep_the_wall_clock() -> None:
    before = ny(2026, 10, 30, 9, 0)  # EDT; clocks go back on 1 November
    after = add_wait(before, 7, False, NY)
    assert after.astimezone(NY).hour == 9
    assert after - before.astimezone(dt.UTC) == dt.timedelta(days=7, hours=1)


# -- decisions ---------------------------------------------------------------------------------------------


def test_no_answer_repeats_in_two_business_days_up_to_three_times_then_goes_on() -> None:
    steps = sequences.validate(outreach())
    monday = ny(2026, 11, 23, 10, 0)
    first = first_step(steps, monday, NY)
    assert (first.step_key, first.attempt, first.due_at) == ("intro_call", 0, monday)
    attempt, when = 0, monday
    for expected in (1, 2, 3):
        decision = decide(steps, "intro_call", attempt, "no answer", when, NY)
        assert (decision.step_key, decision.attempt) == ("intro_call", expected)
        assert decision.due_at == add_wait(when, 2, True, NY)
        attempt, when = decision.attempt, decision.due_at
        assert when is not None
    after = decide(steps, "intro_call", 3, "no answer", when, NY)  # the fourth try: no more repeats
    assert (after.step_key, after.attempt, after.status) == ("intro_email", 0, "active")
    assert after.due_at == add_wait(when, 1, False, NY)


def test_interested_goes_to_book_a_demo_after_its_wait() -> None:
    steps = sequences.validate(outreach())
    now = ny(2026, 11, 23, 10, 0)
    decision = decide(steps, "intro_call", 1, "interested", now, NY)
    assert (decision.step_key, decision.attempt) == ("book_demo", 0)
    assert decision.due_at == ny(2026, 11, 26, 10, 0)


def test_not_interested_exits_and_disqualifies_with_the_reason() -> None:
    steps = sequences.validate(outreach())
    decision = decide(steps, "intro_call", 0, "not interested", ny(2026, 11, 23, 10, 0), NY)
    assert decision.step_key is None
    assert (decision.status, decision.result, decision.reason, decision.lead_status) == (
        "exited",
        "not interested",
        "Not interested",
        "disqualified",
    )


def test_complete_and_next_after_the_last_step_end_the_enrollment() -> None:
    steps = sequences.validate(outreach())
    now = ny(2026, 11, 23, 10, 0)
    booked = decide(steps, "book_demo", 0, "meeting booked", now, NY)
    assert (booked.status, booked.result, booked.lead_status) == ("completed", "demo booked", "qualified")
    again = decide(steps, "book_demo", 0, "follow-up needed", now, NY)
    assert (again.step_key, again.attempt) == ("book_demo", 1)
    last = decide(steps, "book_demo", 1, "follow-up needed", now, NY)  # repeat then defaults to next
    assert (last.status, last.result, last.step_key) == ("completed", "completed", None)


def test_an_outcome_the_step_does_not_know_is_refused_with_the_known_ones() -> None:
    steps = sequences.validate(outreach())
    with pytest.raises(ValidationError, match="use one of: completed"):
        decide(steps, "intro_email", 0, "no answer", ny(2026, 11, 23, 10, 0), NY)


def test_a_step_removed_from_the_template_ends_the_enrollment() -> None:
    steps = sequences.validate(outreach())
    decision = decide(steps, "old_step", 0, "completed", ny(2026, 11, 23, 10, 0), NY)
    assert (decision.status, decision.result) == ("exited", "sequence changed")


def test_skip_goes_to_the_following_step() -> None:
    steps = sequences.validate(outreach())
    now = ny(2026, 11, 23, 10, 0)
    assert sequences.skip(steps, "intro_call", now, NY).step_key == "intro_email"
    assert sequences.skip(steps, "book_demo", now, NY).status == "completed"


def test_rules_read_as_words() -> None:
    steps = sequences.validate(outreach())
    words = sequences.describe(steps[0].outcomes["no answer"], steps)
    assert words == "again in 2 business days (up to 3 times), then go to Introduction email"
    assert sequences.describe(steps[0].outcomes["not interested"], steps) == (
        "exit: not interested and mark the lead disqualified"
    )
