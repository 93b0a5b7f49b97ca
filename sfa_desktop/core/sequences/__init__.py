"""Guided selling: sequence templates, enrollments, the agenda they feed, reminders, iCalendar."""
