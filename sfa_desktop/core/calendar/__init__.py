"""The agenda as a calendar: the activities with a due time of a day or a week (done ones too), laid out
as blocks by time with overlapping ones side by side, and what rescheduling one by dragging it means."""
