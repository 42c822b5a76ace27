"""The contract register and what follows a decision: provider performance, information
requests, expiry review and recall (Our Services Our Say, principles 1, 2, 3 and 6)."""
