"""The app shell layer's own modules: who gets a worker, who sees the operator's endpoints."""
