"""Eligibility and format checks: rules as data (rules/eligibility.yaml) that cite the notice's clauses.

The same verdicts serve the command line (check, outline-check, template), the staff tab and the chat.
"""
