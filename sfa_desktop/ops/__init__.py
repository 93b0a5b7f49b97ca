"""The use cases and read queries that the window and the command line share.

Each function takes the :class:`~sfa_desktop.store.database.LocalStore` (and, for long jobs, a
:class:`~sfa_desktop.core.progress.Progress`), runs in one short session, and returns plain values: no Qt,
no printing.  The window runs them on its task runner (``ui.tasks``) and the command line prints what they
return, so the two cannot drift (the model: Anki's CollectionOp and QueryOp).  Writes go through core's
services, which record every change in the outbox; permission rules are core's (``core.access``).

Layering: ``ui`` and ``cli`` import ``ops``; ``ops`` imports ``sync``, ``printing``, ``store`` and ``core``,
never Qt.
"""
