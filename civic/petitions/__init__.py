"""Resident petitions: started by an eligible resident, checked by a moderator against the
published rules, signed once each, and answered by the council when a threshold is met.
Recall petitions against a contract share the signing engine (civic.petitions.engine)."""
