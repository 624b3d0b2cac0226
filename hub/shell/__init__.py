"""The app shell layer: HTTP, authentication, scheduling of requests."""
