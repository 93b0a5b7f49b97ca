"""The domain: what a record is, what may be written and by whom.  No Qt, no store, no sync.

Feature packages:

- ``records``: the ORM models (with the table facts every list of tables is derived from, see
  ``records.tables``), field specs, validation, and the write services every change goes through (create,
  update, delete, merge, lead conversion, the pipeline, activity logging, duplicate matching).
- ``transfer``: records in and out of files (CSV and vCard import with matching and dry runs; export).
- ``sequences``: guided selling (templates, enrollments, the agenda they feed, reminders, iCalendar).
- ``territories``: the territory tree, assignment rules and the assignment run.
- ``timeline``, ``sales``, ``scoring``, ``kb``, ``callsheet``, ``reports``: a customer's story, the sales
  history, lead scores, the knowledge base, the day's call sheet, the territory report.
- ``demo``: the deterministic demo, from the data files under ``resources/demo``.

Beside them: ``access`` (who the user on this laptop is and every permission rule: the services enforce them,
the window, the command line and sync ask them), ``errors`` (``UserError``, the root of errors a person can
fix), ``settings`` (this laptop's settings and their checks), ``progress`` (progress and cancelling for long
jobs), ``resources`` (where the resources folder is).
"""
