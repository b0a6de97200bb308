"""Owners' decisions: single-use links, the approval email, the decision, the decision API and its pages."""
