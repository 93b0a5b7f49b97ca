"""Service requests and complaints from the field (issue 15): raised on a rep's laptop about an account,
worked from the queue of the account's territory by its managers, with a comment thread, service-level
flags (:mod:`.sla`), the list the window and ``sfa requests`` show (:mod:`.listing`), statistics for the
territory report (:mod:`.stats`) and what the notification centre tells people (:mod:`.events`)."""
