"""What residents hear from Civic: for now the transactional mail outbox (DESIGN §8).

Follows, preferences and the in-app list will live here too.
"""
