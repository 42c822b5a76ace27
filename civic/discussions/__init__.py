"""Discussion threads on any subject, with accountable moderation."""
