"""What residents hear from Civic: the transactional mail outbox (DESIGN §8), follows and
`announce` (feed.py), notification mail and the daily digest (mailing.py), and what a person
sees and chooses: settings, follows, the in-app list and unread count (inbox.py).
"""
