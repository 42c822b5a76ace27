"""The site's own pages: the privacy notice, the accessibility statement and the cookies page.

Each has a plain-English default written for a UK council running Civic; an administrator
can replace it with the council's own text, and every save is kept as a new version.
"""
