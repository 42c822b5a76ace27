"""What moderators write, in more than one language, and its easy-read summaries.

See civic/content/models.py for the table, subjects.py for what can be translated,
services.py for the one way to change it and text.py for how pages read it.
"""
