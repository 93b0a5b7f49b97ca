"""``sfa central``: administering the central store from the command line.

One module per part, each with a ``register`` that declares its commands under ``sfa central`` (see
:class:`sfa_desktop.cli.common.CommandTree`): :mod:`.admin` (the group itself, the store, users and
territories), :mod:`.kb` (knowledge-base import), :mod:`.sales` (order and product imports), :mod:`.sequences`
(sequence template import) and :mod:`.territories` (assignment rules, moving territories).  What they share
(the central store from ``--url``, the admin's connection and writer) is in :mod:`.common`.
"""

from __future__ import annotations

from sfa_desktop.cli.central import admin, kb, sales, sequences, territories

#: The parts' ``register`` functions, in the order ``sfa central --help`` lists their commands.
GROUPS = (admin.register, kb.register, sales.register, sequences.register, territories.register)
