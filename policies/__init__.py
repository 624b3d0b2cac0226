"""Authorization: the Casbin model and policy files, and their compilation into per-agency views."""
