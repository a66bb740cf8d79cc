"""The permissions this app's endpoints and pages name (mapped to roles in
``organizations/roles.py``, the one table)."""

VIEW = "appointments.view"  # the calendar, appointments, availability, jobs, declined work
MANAGE = "appointments.manage"  # book, move, confirm, cancel; jobs, lines, recommendations
RESOURCES = "settings.manage"  # bays, closures and the scheduling settings
