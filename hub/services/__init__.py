"""Domain services: validated, all-or-nothing writes of the records."""
