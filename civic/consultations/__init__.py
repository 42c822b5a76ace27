"""Consultations that close the loop: questionnaires, analysis and "you said, we did"."""
