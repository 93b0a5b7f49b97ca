"""The Qt front end: the main window (``mainwindow``, its pages and sections through ``extensions``), Qt item
models over the store's list queries (``models``, ``agenda_model``, ``board_model``...), forms and dialogs.

The window does no database work of its own: every use case and read query is an ``ops`` function that the
one background task runner (``tasks``) runs off the GUI thread and hands back by signal.  A person's error
is shown as it is and a bug is logged and shown with its report (``failures``, ``bug_dialog``).  The only
package that imports Qt, with ``sfa_desktop.app``."""
