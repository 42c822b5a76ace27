"""Votes, consultations and budget rounds open to constituencies other than residents."""
