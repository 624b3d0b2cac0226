"""The cadre data hub service: settings, app factory, auth, records, services, audit, CLI."""
