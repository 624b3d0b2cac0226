"""The vetting and supervision workflows (DOMAIN.md "The workflows"), as services the GraphQL layer calls.

Every step runs inside the caller's transaction and raises before writing anything it would refuse;
the rules that decide verdicts, transitions and classifications live in `rules.py`.
"""
