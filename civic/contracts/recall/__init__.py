"""Recall petitions: eligible residents of a contract's area ask for its provider to be
recalled; enough signatures trigger a recall review whose default is in-house provision
(Our Services Our Say, principle 6)."""
