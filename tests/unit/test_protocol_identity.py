"""Who the user is travels whole: every field of core.access.Identity survives the wire (a field added to
Identity and not to the messages was dropped silently: a manager's team never reached the laptop)."""

from __future__ import annotations

import dataclasses
import json

from sfa_desktop.core.access import Identity
from sfa_desktop.protocol import messages


def test_every_identity_field_round_trips() -> None:
    identity = Identity(
        user_id="u-1",
        login="mgr",
        role="manager",
        territories=frozenset({"t-1", "t-2"}),
        full_name="Mary Manager",
        team=frozenset({"u-2", "u-3"}),
    )
    sent = json.loads(json.dumps(messages.encode_identity(identity)))
    assert messages.decode_identity(sent) == identity
    # every field is in the message, so a new field fails here until the messages carry it
    assert {f.name for f in dataclasses.fields(Identity)} <= set(sent)
