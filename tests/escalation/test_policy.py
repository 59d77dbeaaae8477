"""Escalation policies: validated with errors that say where, a sensible
default when unset, and timeouts by level."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.orm import Session

from bot.escalation.policy import (
    DEFAULT_POLICY,
    PolicyError,
    check_clinic_policies,
    parse_policy,
    policy_for,
)
from bot.seed import create_clinic
from tests.conversation_helpers import T0


def test_an_unset_policy_pages_on_call_then_admins() -> None:
    """With no policy, tier 1 is the on-call staff by SMS, Telegram, e-mail; tier 2 the admins."""
    policy = parse_policy(None)
    assert policy is DEFAULT_POLICY
    assert [tier.recipients for tier in policy.tiers] == [["on_call"], ["role:admin"]]
    assert policy.tiers[0].channels == ["sms", "telegram", "email"]


def test_default_timeouts_are_five_minutes_imminent_fifteen_high() -> None:
    """An imminent alert waits 5 minutes for an acknowledgement, a high one 15."""
    assert DEFAULT_POLICY.timeout(0, "imminent") == timedelta(minutes=5)
    assert DEFAULT_POLICY.timeout(1, "high") == timedelta(minutes=15)


def test_concern_pages_only_when_the_policy_says_so() -> None:
    """A concern pages nobody unless page_concern is set."""
    assert not DEFAULT_POLICY.pages("concern")
    assert DEFAULT_POLICY.pages("high")
    assert DEFAULT_POLICY.pages("imminent")
    custom = parse_policy({"page_concern": True, "tiers": [{"recipients": ["on_call"]}]})
    assert custom.pages("concern")


def test_a_tier_may_set_its_own_timeout() -> None:
    """A tier's own timeout wins over the policy's, and beyond the last tier the last applies."""
    policy = parse_policy({
        "ack_timeout": {"imminent": 3},
        "tiers": [{"recipients": [4]},
                  {"recipients": ["user:9"], "ack_timeout": {"imminent": 10}}],
    })
    assert policy.timeout(0, "imminent") == timedelta(minutes=3)
    assert policy.timeout(1, "imminent") == timedelta(minutes=10)
    assert policy.timeout(5, "imminent") == timedelta(minutes=10)


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ({"tiers": []}, "tiers: List should have at least 1 item"),
        ({"tiers": [{"recipients": ["everyone"]}]}, "unknown recipient 'everyone'"),
        ({"tiers": [{"recipients": ["on_call"], "channels": ["fax"]}]}, "tiers.0.channels.0"),
        ({"tiers": [{"recipients": ["on_call"], "channels": ["sms", "sms"]}]},
         "a channel is listed twice"),
        ({"tiers": [{"recipients": ["on_call"], "channels": ["webhook"]}]},
         "tiers.0 pages by webhook, but the policy has no 'webhook'"),
        ({"tiers": [{"recipients": ["on_call"]}], "ack_timeout": {"high": 0}},
         "ack_timeout.high"),
        ({"tiers": [{"recipients": ["on_call"]}], "pager": "x"}, "pager: unknown key"),
        ({"tiers": [{"recipients": ["on_call"]}],
          "webhook": {"url": "events.example", "routing_key": "k"}}, "must be an http(s) URL"),
    ],
)
def test_a_malformed_policy_is_refused_saying_where(raw: dict[str, object], says: str) -> None:
    """Each mistake in a policy is reported with its place in the JSON."""
    with pytest.raises(PolicyError) as caught:
        parse_policy(raw)
    assert says in str(caught.value)


def test_a_webhook_policy_is_accepted() -> None:
    """A tier may page a PagerDuty-style webhook named by the policy."""
    policy = parse_policy({
        "webhook": {"url": "https://events.example/v2/enqueue", "routing_key": "R1"},
        "tiers": [{"recipients": ["on_call"], "channels": ["sms", "webhook"]}],
    })
    assert policy.webhook is not None
    assert policy.webhook.routing_key == "R1"


def test_checking_at_start_names_each_clinic_with_a_bad_policy(session: Session) -> None:
    """The start-up check lists every clinic whose policy is broken, by id."""
    good = create_clinic(session, clinic_id="good", name="Good", timezone="UTC", crisis_line="1",
                         contact_phone="2", program_name="p", now=T0)
    bad = create_clinic(session, clinic_id="bad", name="Bad", timezone="UTC", crisis_line="1",
                        contact_phone="2", program_name="p", now=T0)
    good.escalation_policy = {"tiers": [{"recipients": ["role:clinician"]}]}
    bad.escalation_policy = {"tiers": [{"recipients": ["nobody"]}]}
    session.flush()
    assert policy_for(good).tiers[0].recipients == ["role:clinician"]
    with pytest.raises(PolicyError) as caught:
        check_clinic_policies(session)
    assert "clinic 'bad'" in str(caught.value)
    assert "clinic 'good'" not in str(caught.value)
